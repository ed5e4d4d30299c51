/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lib/hash_shape.c: a value under an unknown scheme name is a 1.0 password
 * only when it cannot be a hash.  Rows of hashes in every form we could
 * find (libxcrypt, Dovecot, passlib's ldap_* and others, PHP, MySQL,
 * Django, LDAP, digests in hex and base64 of every common length, padded
 * or not), of locks, and of 1.0 passwords (the seed's among them); then
 * whole stored values through pp_migration_of; then every value pp_hash
 * makes now. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "encoding.h"
#include "hash_shape.h"
#include "scheme.h"
#include "scheme_family.h"

#define HASH true
#define PASSWORD false

static const struct {
	const char *text;
	bool may_be_hash;
} rows[] = {
	/* the audit's forms, as they follow their unknown "{NAME}" */
	{ "29000$1VrrXUtprdW6t7ZWas1ZSw$2Dpc1lyunymSDn9bA/Xh62zRAfl167CpZGx.kZFgOqE", HASH },
	{ "$P$HAvjG9wzNUhtT.VkPcRT2u6HlY3Rbd/", HASH },
	{ "AUoT0NMFo6Qa/o2iM4XNO9EOFn3GUfrt1ddbP7UP0rxyQlPW5fJ4prqjzPRLORlsMhUqvVlfuam2HGtbTwPhAOd8750zxniv",
	  HASH }, /* SSHA3-512's shape: 64 bytes and a 32-byte salt would be longer still */
	{ "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg", HASH }, /* 32 bytes, unpadded */
	{ "*EFBA0E063157D75B1868FE30C81512CB4D482270", HASH },
	{ "$bcrypt-sha256$v=2,t=2b,r=4$vUMZKfvBBamXJgd2X6eNT.$jUO/Khh5uoFLK/m5Wqd3UG52kZLAHna", HASH },
	{ "pbkdf2_sha256$29000$75TdZHXZAf5l$aS6zZ4goRHMGSMhmIiNuGLviLi8cDdIm2pkNLAVKEGk=", HASH },
	/* crypt(3) and libxcrypt, locked too */
	{ "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", HASH },
	{ "$6$rounds=656000$Pc7oHqzQrl.mCy.Z$LGqW1dUBEtPAhpXbCv3MwHI3NQPXm0mUCyil4onCz/zb0Nt5yljkG5wGCSh7mBwjLr4APMaowRzBMM9./i.8u1",
	  HASH },
	{ "$5$rounds=535000$0cW54Xme4PBuIAFr$orcEZUEM9.1AV8uA5ZXMHDYVVhIy/OVdN0Zv6ABEVu3", HASH },
	{ "$1$Wh/8PmbX$tLpq3mPsvT5gdVJcVVYXA1", HASH },
	{ "$apr1$.uZzTblN$6QV6cBBIanGLrtwDyhvY4/", HASH },
	{ "$2b$04$voJQIkwKihezI7qJBweFpuEDe6RL/An1HDRPjkotvUKpdZlpV0iEa", HASH },
	{ "$2y$04$iCkr3NIqnx19C5SRO8kLQuqrNDGnQ.OScpmV94RgezVc03Kf5wDaS", HASH },
	{ "$y$j9T$salt$hash", HASH },
	{ "$sha1$480000$6Fcl6Ckc$WXN826505mHNcsryrW9IJx1tdAAJ", HASH },
	{ "$md5,rounds=34000$LRrO/XnX$$z0FkEMxcr9SXplXj/XSbf0", HASH },
	{ "$3$$f637a4a88c97ca170cb4e379193938a8", HASH },
	{ "$scrypt$ln=16,r=8,p=1$pxTCOMc45zzHOAdA6F2rFQ$LQxvCFheCdf7Q9rWiQdZMsuIFDcgyq5ksBGFP+FFxbc", HASH },
	{ "$pbkdf2-sha512$25000$XavV2ttbC0FIaS3lHEOo9Q$GN3sJ1.kVzmMka4R6.3qkq7mH/corAGWn8BIPqP58C", HASH },
	{ "$p5k2$1ffb8$PGeM0TpHqJUSwri3ds7ZOw==$dtdiHFwODliit5DvZh4s4-HYgPo=", HASH },
	{ "$scram$100000$DQHAeM9ZKyUEQChl$sha-1=RWmpqD6GEUjSvD2SOxXxKOJ749g", HASH },
	{ "$H$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", HASH }, /* phpBB */
	{ "$S$DQIOmUoqFOjIbh6QcmTSDXM0Di4NC1qGq7l2nNsg0fPwkkgwiq2b", HASH }, /* Drupal */
	{ "6cTi/Y15cIyIk", HASH },		       /* DES */
	{ "Kb3mGGSjwORW2", HASH },
	{ "_7C/.cl5nH5liMY5HAVw", HASH },	       /* BSDi */
	{ "4lcY9LmjmRftYIaFiX9to8dA", HASH },	       /* bigcrypt */
	{ "!$6$salt$abc", HASH },
	{ "!", HASH }, /* locks, and what a cut hash starts with */
	{ "!!", HASH },
	{ "*", HASH },
	{ "*LK*", HASH },
	{ "*NP*", HASH },
	{ "$6$", HASH },
	{ "$2y$10$", HASH },
	{ "!k1Mv9Cz8w4s6LLe6w14xYrE5XJdyoqbPej7SfscX", HASH }, /* Django's unusable */
	/* Dovecot, passlib's ldap_* and others after their "{NAME}" */
	{ "$1$bUnT4Pl7yFtYX0KU$5000$50a83cafdc517b9f46519415e53c6a858908680a", HASH },
	{ "4096,GetyLXdBuHzf1FWf8SLz2Q==,NA/OqmF4hhrsrB9KR7po+dliTGM=,QBiURvQaE6H6qYTmeghDHLANBFQ=",
	  HASH },
	{ "131000$GMMYY2wtZcw5R.jd23sPgQ$d7oMGGOvpPwhDdOj.xMXt9YgOik", HASH },
	{ "25000$j7H2vtf6/3/vXStlLOV8rw$mg1.Jnbl.jiEdgZndKJqC9Ik8F5vg6ZNVIlPbOznZJnTs3CGS4/6wcJDpWNR",
	  HASH },
	{ "zBljjFEKYax1bg1hzNnb21yVJVDyRWklMMbMpqMx9LWr72y+vgaGUwToAkygg8rL", HASH }, /* PKCS5S2 */
	{ "zhnDmBOi9L6X8l5Lae2d0ws05QwdokzEMwEEN3HgQk3iSePQQPybw+9c4PF4VZGR", HASH }, /* FSHP */
	{ "md5 1024 seed 0123456789abcdef", HASH },   /* Dovecot's OTP: the hash is 16 hex */
	/* MySQL, MSSQL, Oracle, PostgreSQL, Cisco, Windows */
	{ "15a904787a2abcf2", HASH }, /* MySQL 3.23 */
	{ "0x0100C1F85FCBE0B8C80902E8DA8DBB6D623E5ABD9F016F1846C3", HASH },
	{ "S:F56D16A43CB768689AFB3803EC1DAD915F035DD034B4BFF5BD6071521337", HASH },
	{ "md54d6c4fbd3bc7f9d3445af299bf94aaec", HASH },
	{ "SCRAM-SHA-256$4096:c2FsdHNhbHQ=$c3RvcmVka2V5c3RvcmVka2V5:c2VydmVya2V5", HASH },
	{ "XSL2oWyyyLy6P6pQ", HASH }, /* Cisco PIX */
	{ "f637a4a88c97ca170cb4e379193938a8", HASH },
	/* Django */
	{ "pbkdf2_sha1$131000$aMCLgnMsopry$Ls11GP7pqUwnWBwLm93xn8ILjxk=", HASH },
	{ "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", HASH },
	{ "bcrypt_sha256$$2b$04$AjanptnBq5N1BtML5eg8n.hWkhc/WhC96fQ2vPE2.0jJeUNIJgqru", HASH },
	{ "bcrypt$$2b$04$CStAoFDx9/gDG2XktXxGTuDMIaeO9bk/ciFcjqJMk9xx2sNJWbhM.", HASH },
	{ "sha1$Hd1pqcfFuzmq$f18af83ced83b1b9ac8b9588584b9fb95153e838", HASH },
	{ "md5$3CP1SHO6lkiZ$8092104efee7b4cf82850ef97ea039aa", HASH },
	{ "crypt$bN$bNK4.1EThx.BE", HASH },
	/* hex and base64 digests of 16, 20, 28, 32, 48 and 64 bytes */
	{ "098f6bcd4621d373cade4e832627b4f6", HASH },
	{ "A94A8FE5CCB19BA61C4C0873D391E987982FBBD3", HASH },
	{ "93c0f2f11f7f873d58415de727d7c3b7505d4cdfd58ac407c9a2", HASH },
	{ "CY9rzUYh03PK3k6DJie09g==", HASH },
	{ "CY9rzUYh03PK3k6DJie09g", HASH },
	{ "qUqP5cyxm6YcTAhz05Hph5gvu9M=", HASH },
	{ "qUqP5cyxm6YcTAhz05Hph5gvu9M", HASH },
	{ "qUqP5cyxm6YcTAhz05Hph5gvu9M-_", HASH }, /* URL-safe alphabet */
	{ "\"$6$salt$IxDD3jeSOb5eB1CX5LBsqZFVk\"", HASH }, /* quoted by an import */
	{ "\\$6\\$salt\\$IxDD3jeSOb5eB1CX5LBsqZFVk", HASH }, /* escaped by one */
	{ "n4bQgYhMfWWaL%2BqgxVrQFaO%2FTxsrC4Is0V1sFbDwCgg%3D", HASH }, /* URL-encoded */
	{ "  098f6bcd4621d373cade4e832627b4f6\n", HASH },
	/* raw bytes, and text no one types */
	{ "\x8f\x12\xa0\x33\xfe\x01\x44\x92", HASH },
	{ "abc\tdef", HASH },
	{ "abc\xc2\x85", HASH },
	/* passwords: short, or broken by a space or punctuation no hash uses */
	{ "def", PASSWORD },     /* the seed's {abc}def */
	{ "y{z}", PASSWORD },    /* the seed's {x}y{z} */
	{ "1234", PASSWORD },
	{ "s3cr3t!", PASSWORD },
	{ "1234567", PASSWORD }, /* 7: shorter than any hash */
	{ "correct horse battery staple", PASSWORD },
	{ "Tr0ub&4dor&3", PASSWORD },
	{ "my(secret)pass#word", PASSWORD },
	{ "p\xc3\xa4sswort", PASSWORD },
	{ "\xc3\xa9t\xc3\xa9 \xc3\xa0 la plage", PASSWORD },
	{ "twelve chars|twelve chars", PASSWORD },
	/* ... but not one that is long without a break: it is left */
	{ "12345678", HASH }, /* a 32-bit checksum's length */
	{ "cbf43926", HASH },
	{ "CzBVep/E6Q4", HASH }, /* 64 bits in base64 */
	{ "Tr0ub4dor&3", HASH },
	{ "correcthorsebatterystaple", HASH },
	{ "correct horse batterystaple", HASH },
	{ "$ecret", HASH }, /* starts as crypt does */
	{ "", HASH },
};

static void test_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		if (pp_may_be_hash(rows[i].text) != rows[i].may_be_hash)
			fail_msg("row %zu: \"%s\": want %s", i, rows[i].text,
				 rows[i].may_be_hash ? "may be a hash" : "cannot be a hash");
	assert_true(pp_may_be_hash(NULL));
}

/* Whole stored values: the audit's eight, the seed's, and known schemes
 * (upper case too), which migrate-plain never touches. */
static const struct {
	const char *stored;
	enum pp_migration want;
} stored_rows[] = {
	{ "{PBKDF2-SHA256}29000$1VrrXUtprdW6t7ZWas1ZSw$2Dpc1lyunymSDn9bA/Xh62zRAfl167CpZGx.kZFgOqE",
	  PP_MIGRATE_MAY_BE_HASH },
	{ "{PBKDF2-SHA512}25000$j7H2vtf6/3/vXStlLOV8rw$mg1.Jnbl.jiEdgZndKJqC9Ik8F5vg6ZNVIlPbOznZJnTs3",
	  PP_MIGRATE_MAY_BE_HASH },
	{ "{PHPASS}$P$HAvjG9wzNUhtT.VkPcRT2u6HlY3Rbd/", PP_MIGRATE_MAY_BE_HASH },
	{ "{SSHA3-512}AUoT0NMFo6Qa/o2iM4XNO9EOFn3GUfrt1ddbP7UP0rxyQlPW5fJ4prqjzPRLORlsMhUqvVlfuam2HGtbTwPhAOd8750zxnivAUoT0NMFo6Qa/o2iM4XNO9EOFn3GUfrt1ddbP7UP0rw=",
	  PP_MIGRATE_MAY_BE_HASH },
	{ "{SHA3-256}n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg", PP_MIGRATE_MAY_BE_HASH },
	{ "{MYSQL}*9041A2B33F5C0E6B27D5F0D8C5C33E84F4FA8FF2", PP_MIGRATE_MAY_BE_HASH },
	{ "{BCRYPT-SHA256}$bcrypt-sha256$v=2,t=2b,r=4$vUMZKfvBBamXJgd2X6eNT.$jUO/Khh5uoFLK/m5Wqd3UG52kZLAHna",
	  PP_MIGRATE_MAY_BE_HASH },
	{ "{DJANGO}pbkdf2_sha256$29000$75TdZHXZAf5l$aS6zZ4goRHMGSMhmIiNuGLviLi8cDdIm2pkNLAVKEGk=",
	  PP_MIGRATE_MAY_BE_HASH },
	{ "{PKCS5S2}zBljjFEKYax1bg1hzNnb21yVJVDyRWklMMbMpqMx9LWr72y+vgaGUwToAkygg8rL",
	  PP_MIGRATE_MAY_BE_HASH },
	{ "{FSHP1|16|480000}zhnDmBOi9L6X8l5Lae2d0ws05QwdokzEMwEEN3HgQk3iSePQQPybw+9c4PF4VZGR",
	  PP_MIGRATE_MAY_BE_HASH },
	{ "{CRYPT-SHA512}$6$salt$IxDD3jeSOb5eB1CX5LBsqZFVkJdido3OUILO5Ifz5iwMuTS4XMS130MTSuDDl3aCI6WouIL9AjRbLCelDCy.g.",
	  PP_MIGRATE_MAY_BE_HASH },
	{ "{UNIX}*", PP_MIGRATE_MAY_BE_HASH },
	{ "{DISABLED}", PP_MIGRATE_MAY_BE_HASH },
	{ "{pin}12345678", PP_MIGRATE_MAY_BE_HASH },
	/* 1.0 passwords that cannot be a hash: the seed's, and others */
	{ "{abc}def", PP_MIGRATE_UNKNOWN },
	{ "{x}y{z}", PP_MIGRATE_UNKNOWN },
	{ "{pin}1234", PP_MIGRATE_UNKNOWN },
	{ "{note} a phrase with spaces", PP_MIGRATE_UNKNOWN },
	/* unprefixed: plaintext by the seed's rule, whatever it looks like */
	{ "s3cr3t!", PP_MIGRATE_UNPREFIXED },
	{ "{no-close", PP_MIGRATE_UNPREFIXED },
	{ "pa}ss", PP_MIGRATE_UNPREFIXED },
	{ "$1$Wh/8PmbX$tLpq3mPsvT5gdVJcVVYXA1", PP_MIGRATE_UNPREFIXED },
	{ "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", PP_MIGRATE_UNPREFIXED },
	/* known schemes, in any case, malformed or not; nothing to migrate */
	{ "{plain}s3cr3t!", PP_MIGRATE_NONE },
	{ "{crypt}/CFF1gJfAFAqM", PP_MIGRATE_NONE },
	{ "{CRYPT}$6$salt$abc", PP_MIGRATE_NONE },
	{ "{Crypt}Kb3mGGSjwORW2", PP_MIGRATE_NONE },
	{ "{MD5}$1$Wh/8PmbX$tLpq3mPsvT5gdVJcVVYXA1", PP_MIGRATE_NONE },
	{ "{SHA512-CRYPT}$6$salt$abc", PP_MIGRATE_NONE },
	{ "{BLF-CRYPT}$2y$04$iCkr3NIqnx19C5SRO8kLQuqrNDGnQ.OScpmV94RgezVc03Kf5wDaS", PP_MIGRATE_NONE },
	{ "{SSHA512}AUoT0NMFo6Qa/o2iM4XNO9EOFn3GUfrt1ddbP7UP0rxyQlPW5fJ4prqjzPRLORlsMhUqvVlfuam2HGtbTwPhAOd8750zxniv",
	  PP_MIGRATE_NONE },
	{ "{PBKDF2}131000$GMMYY2wtZcw5R.jd23sPgQ$d7oMGGOvpPwhDdOj.xMXt9YgOik", PP_MIGRATE_NONE },
	{ "{sha256.hex}f5385f907b55d387ad0deddc7d3633359a51d5f1d80bd72d07b52b41f2669aa1", PP_MIGRATE_NONE },
	{ "", PP_MIGRATE_NONE },
	{ NULL, PP_MIGRATE_NONE },
};

static void test_stored_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof stored_rows / sizeof stored_rows[0]; i++)
		if (pp_migration_of(stored_rows[i].stored) != stored_rows[i].want)
			fail_msg("row %zu: \"%s\": got %d, want %d", i,
				 stored_rows[i].stored ? stored_rows[i].stored : "(NULL)",
				 pp_migration_of(stored_rows[i].stored), stored_rows[i].want);
}

/* Every digest length in hex and base64, padded and not: all may be hashes. */
static void test_every_digest_encoding(void **state)
{
	static const size_t lens[] = { 8, 16, 20, 24, 28, 32, 36, 40, 48, 64, 80 };
	unsigned char raw[80];
	char text[PP_HEX_SIZE(80) + PP_B64_SIZE(80)];

	(void)state;
	for (size_t i = 0; i < sizeof raw; i++)
		raw[i] = (unsigned char)(i * 37 + 11);
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		assert_true(pp_hex_encode(raw, lens[i], text, sizeof text) > 0);
		if (!pp_may_be_hash(text))
			fail_msg("%zu bytes in hex: %s", lens[i], text);
		assert_true(pp_b64_encode(raw, lens[i], text, sizeof text) > 0);
		if (!pp_may_be_hash(text))
			fail_msg("%zu bytes in base64: %s", lens[i], text);
		text[strcspn(text, "=")] = '\0';
		if (!pp_may_be_hash(text))
			fail_msg("%zu bytes in base64, unpadded: %s", lens[i], text);
	}
}

/* Whatever pam_powermail writes, bar plaintext, it would leave alone under
 * a name it did not know. */
static void test_every_new_value_may_be_a_hash(void **state)
{
	static const char *const methods[] = { NULL, "bcrypt", "sha512", "sha256", "md5", "des" };
	size_t n;
	const struct pp_scheme *s = pp_schemes(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		bool crypt = s[i].verify == pp_crypt_verify && strcmp(s[i].name, "crypt") == 0;

		if (s[i].hash == NULL || s[i].verify == pp_plain_verify ||
		    s[i].verify == pp_plain_trunc_verify)
			continue;
		for (size_t m = 0; m < (crypt ? sizeof methods / sizeof methods[0] : 1); m++) {
			char value[PP_HASH_MAX];
			const char *why, *body;

			if (pp_hash(s[i].name, methods[m], "Corr3ct horse!", value, sizeof value, &why) != 0)
				fail_msg("hash %s %s: %s", s[i].name, methods[m] ? methods[m] : "", why);
			body = strchr(value, '}') + 1;
			if (!pp_may_be_hash(body))
				fail_msg("{%s} %s: %s would be migrated", s[i].name,
					 methods[m] ? methods[m] : "", body);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_stored_values),
		cmocka_unit_test(test_every_digest_encoding),
		cmocka_unit_test(test_every_new_value_may_be_a_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
