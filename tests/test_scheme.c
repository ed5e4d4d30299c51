/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The dispatcher and every scheme: fixed vectors, failure rows, round trips.
 * Cross-checks against independent implementations are in t_pptool.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <argon2.h>
#include <crypt.h>
#include <stdlib.h>

#include "cost.h"
#include "encoding.h"
#include "scheme.h"
#include "scheme_family.h"
#include "strength.h"

struct vector {
	const char *stored;
	const char *password;
	enum pp_verdict want;
};

#define SEED_MD5 "$1$Wh/8PmbX$tLpq3mPsvT5gdVJcVVYXA1"

/* The seed's examples, its brace rules, and one row per way to be wrong. */
static const struct vector vectors[] = {
	/* PowerMail manual 9.1: four stored forms of s3cr3t! */
	{ "{plain}s3cr3t!", "s3cr3t!", PP_MATCH },
	{ "s3cr3t!", "s3cr3t!", PP_MATCH },
	{ "{crypt}/CFF1gJfAFAqM", "s3cr3t!", PP_MATCH },
	{ "{md5}" SEED_MD5, "s3cr3t!", PP_MATCH },
	{ "{plain}s3cr3t!", "s3cr3t", PP_MISMATCH },
	{ "s3cr3t!", "s3cr3t", PP_MISMATCH },
	{ "{crypt}/CFF1gJfAFAqM", "s3cr3t", PP_MISMATCH },
	{ "{md5}" SEED_MD5, "s3cr3t", PP_MISMATCH },
	/* Brace rules */
	{ "{abc}def", "{abc}def", PP_UNKNOWN_SCHEME },
	{ "{abc", "{abc", PP_MATCH },
	{ "{plain}{abc}def", "{abc}def", PP_MATCH },
	{ "}abc{", "}abc{", PP_MATCH },
	{ "{}x", "x", PP_UNKNOWN_SCHEME },
	{ "{}", "{}", PP_UNKNOWN_SCHEME },
	{ "{", "{", PP_MATCH },
	/* Names are case-insensitive; aliases */
	{ "{PLAIN}s3cr3t!", "s3cr3t!", PP_MATCH },
	{ "{Md5}" SEED_MD5, "s3cr3t!", PP_MATCH },
	{ "{MD5-CRYPT}" SEED_MD5, "s3cr3t!", PP_MATCH },
	{ "{CLEARTEXT}s3cr3t!", "s3cr3t!", PP_MATCH },
	{ "{CrYpT}/CFF1gJfAFAqM", "s3cr3t!", PP_MATCH },
	/* Nothing matches an empty side */
	{ "", "", PP_MISMATCH },
	{ "", "x", PP_MISMATCH },
	{ NULL, "x", PP_MISMATCH },
	{ "{plain}", "", PP_MISMATCH },
	{ "{plain}", "x", PP_MISMATCH },
	{ "{plain}x", "", PP_MISMATCH },
	{ "{md5}" SEED_MD5, NULL, PP_MISMATCH },
	/* {md5} is MD5-crypt only: not Apache's $apr1$, not another method */
	{ "{md5}", "s3cr3t!", PP_MALFORMED },
	{ "{md5}$1$", "s3cr3t!", PP_MALFORMED },
	{ "{md5}$apr1$Wh/8PmbX$tLpq3mPsvT5gdVJcVVYXA1", "s3cr3t!", PP_MALFORMED },
	{ "{md5}/CFF1gJfAFAqM", "s3cr3t!", PP_MALFORMED },
	{ "{md5}" SEED_MD5 "x", "s3cr3t!", PP_MALFORMED },
	{ "{md5}$1$Wh/8PmbX$tLpq3mPsvT5gdVJcVVYXA", "s3cr3t!", PP_MALFORMED },
	/* {crypt}: locked and unreadable values */
	{ "{crypt}*", "s3cr3t!", PP_MISMATCH },
	{ "{crypt}!", "s3cr3t!", PP_MISMATCH },
	{ "{crypt}!/CFF1gJfAFAqM", "s3cr3t!", PP_MISMATCH },
	{ "{crypt}/CFF1gJfAFAq", "s3cr3t!", PP_MALFORMED },
	{ "{crypt}/CFF1gJfAFAqMM", "s3cr3t!", PP_MALFORMED },
	{ "{crypt}$9$nonsense", "s3cr3t!", PP_MALFORMED },
	{ "{crypt}:x", "s3cr3t!", PP_MALFORMED },
	{ "{des-crypt}/CFF1gJfAFAqM", "s3cr3t!", PP_MATCH },
	{ "{des-crypt}" SEED_MD5, "s3cr3t!", PP_MALFORMED },
	{ "{sha512-crypt}" SEED_MD5, "s3cr3t!", PP_MALFORMED },
	{ "{blf-crypt}/CFF1gJfAFAqM", "s3cr3t!", PP_MALFORMED },
	/* Cost caps: refused without computing */
	{ "{crypt}$2b$31$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234", "x", PP_MALFORMED },
	{ "{blf-crypt}$2b$15$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234", "x", PP_MALFORMED },
	{ "{crypt}$6$rounds=999999999$salt$abc", "x", PP_MALFORMED },
	{ "{sha256-crypt}$5$rounds=1000001$salt$abc", "x", PP_MALFORMED },
	{ "{crypt}$y$jFT$k2XAnEHBqQ1Ct2aMXFKNa/$abc", "x", PP_MALFORMED },
	{ "{crypt}$7$GU..../....k2XAnEHBqQ1Ct2aMXFKNa/$abc", "x", PP_MALFORMED },
	{ "{argon2id}$argon2id$v=19$m=4194304,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "x",
	  PP_MALFORMED },
	{ "{argon2id}$argon2id$v=19$m=65536,t=1000000,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "x",
	  PP_MALFORMED },
	{ "{argon2i}$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "x",
	  PP_MALFORMED },
	{ "{argon2id}$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ", "x", PP_MALFORMED },
	/* Methods libxcrypt knows but whose cost we cannot cap, and bigcrypt */
	{ "{crypt}_J9nnnnn0", "x", PP_MALFORMED },
	{ "{crypt}$sha1$3000000$abcdefgh$0123456789abcdefghijklmnopqr", "x", PP_MALFORMED },
	{ "{crypt}$md5,rounds=2000000$abcdefgh$$0123456789abcdefghijkl", "x", PP_MALFORMED },
	{ "{crypt}a1RL4xJF46Cyw5AeHO.3M1y6", "abcdefghijkl", PP_MALFORMED },
	{ "{crypt}$y$jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj"
	  "jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj$x",
	  "x", PP_MALFORMED },
	/* Digests: lengths and encodings */
	{ "{sha1}", "x", PP_MALFORMED },
	{ "{sha1}AAAA", "x", PP_MALFORMED },
	{ "{sha1}qUqP5cyxm6YcTAhz05Hph5gvu9M", "test", PP_MALFORMED },
	{ "{sha1}qUqP5cyxm6YcTAhz05Hph5gvu9M==", "test", PP_MALFORMED },
	{ "{sha1}qUqP5cyxm6YcTAhz05Hph5gvu9M=", "test", PP_MATCH },
	{ "{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=", "test", PP_MATCH },
	{ "{sha1}qUqP5cyxm6YcTAhz05Hph5gvu9M=", "tesT", PP_MISMATCH },
	{ "{sha1}a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", "test", PP_MATCH },
	{ "{sha1}A94A8FE5CCB19BA61C4C0873D391E987982FBBD3", "test", PP_MATCH },
	{ "{sha1.hex}a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", "test", PP_MATCH },
	{ "{SHA1.B64}qUqP5cyxm6YcTAhz05Hph5gvu9M=", "test", PP_MATCH },
	{ "{sha1.base64}qUqP5cyxm6YcTAhz05Hph5gvu9M=", "test", PP_MATCH },
	{ "{sha1.hex}qUqP5cyxm6YcTAhz05Hph5gvu9M=", "test", PP_MALFORMED },
	{ "{sha1.b64}a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", "test", PP_MALFORMED },
	{ "{sha1.b32}qUqP5cyxm6YcTAhz05Hph5gvu9M=", "test", PP_UNKNOWN_SCHEME },
	{ "{plain.hex}74657374", "test", PP_MATCH },
	{ "{PLAIN.B64}dGVzdA==", "test", PP_MATCH },
	{ "{plain.base64}dGVzdA==", "tesT", PP_MISMATCH },
	{ "{plain.hex}7465737", "test", PP_MALFORMED },
	{ "{plain.hex}7465007374", "te", PP_MALFORMED },
	{ "{plain.b64}dGVzdA", "test", PP_MALFORMED },
	{ "{plain.hex}", "test", PP_MISMATCH },
	{ "{md5-crypt.b64}JDEkR0lRTHlYeDUkajVXRjBmd3d2OWxsaUMvOXJhaUswLg==", "test", PP_MATCH },
	{ "{plain.rot13}grfg", "test", PP_UNKNOWN_SCHEME },
	{ "{sha1}a94a8fe5ccb19ba61c4c0873d391e987982fbbdz", "test", PP_MALFORMED },
	{ "{ssha}qUqP5cyxm6YcTAhz05Hph5gvu9M=", "test", PP_MALFORMED },
	{ "{sha256}n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=", "test", PP_MATCH },
	{ "{sha256}9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "test",
	  PP_MATCH },
	{ "{sha512}7iaw3Ur350mqGo7jwQrpkj9hiYB3Lkc/iBml1JQODbJ6wYX4oOHV+E+IvIh/1nsUNzLDBMxfqa2Ob1f1"
	  "ACio/w==", "test", PP_MATCH },
	/* Dovecot 2.3.19's own vectors (src/auth/test-libpassword.c), password
	 * "test": every scheme of its list this table has. */
	{ "{PLAIN}test", "test", PP_MATCH },
	{ "{CRYPT}//EsnG9FLTKjo", "test", PP_MATCH },
	{ "{PLAIN-MD4}db346d691d7acc4dc2625db19f9e3f52", "test", PP_MATCH },
	{ "{MD5}$1$wmyrgRuV$kImF6.9MAFQNHe23kq5vI/", "test", PP_MATCH },
	{ "{SHA1}qUqP5cyxm6YcTAhz05Hph5gvu9M=", "test", PP_MATCH },
	{ "{SMD5}JTu1KRwptKZJg/RLd+6Vn5GUd0M=", "test", PP_MATCH },
	{ "{LDAP-MD5}CY9rzUYh03PK3k6DJie09g==", "test", PP_MATCH },
	{ "{SSHA}H/zrDv8FXUu1JmwvVYijfrYEF34jVZcO", "test", PP_MATCH },
	{ "{MD5-CRYPT}$1$GgvxyNz8$OjZhLh4P.gF1lxYEbLZ3e/", "test", PP_MATCH },
	{ "{PBKDF2}$1$bUnT4Pl7yFtYX0KU$5000$50a83cafdc517b9f46519415e53c6a858908680a", "test",
	  PP_MATCH },
	{ "{CRAM-MD5}e02d374fde0dc75a17a557039a3a5338c7743304777dccd376f332bee68d2cf6", "test",
	  PP_MATCH },
	{ "{SCRAM-SHA-1}4096,GetyLXdBuHzf1FWf8SLz2Q==,NA/OqmF4hhrsrB9KR7po+dliTGM=,"
	  "QBiURvQaE6H6qYTmeghDHLANBFQ=", "test", PP_MATCH },
	{ "{SCRAM-SHA-256}4096,LfNGSFqiFykEZ1xDAYlnKQ==,HACNf9CII7cMz3XjRy/Oh3Ae2LHApoDyNw74d3YtFws=,"
	  "AQH0j7Hf8J12g8eNBadvzlNB2am3PxgNwFCFd3RxEaw=", "test", PP_MATCH },
	{ "{BLF-CRYPT}$2y$05$11ipvo5dR6CwkzwmhwM26OXgzXwhV2PyPuLV.Qi31ILcRcThQpEiW", "test",
	  PP_MATCH },
	{ "{ARGON2I}$argon2i$v=19$m=32768,t=4,p=1$f2iuP4aUeNMrgu34fhOkkg$1XSZZMWlIs0zmE+snlUIcLADO3G"
	  "XbA2O/hsQmmc317k", "test", PP_MATCH },
	{ "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$vBb99oJ12p3WAdYlaMHz1A$jtFOtbo/sYV9OSlTxDo/nVNq3u"
	  "ArHd5GJSEx0ty85Cc", "test", PP_MATCH },
	/* Dovecot 2.4's {ARGON2}: the variant the value names, any case of the
	 * name; the same caps; $argon2d$ is not one we verify. */
	{ "{ARGON2}$argon2i$v=19$m=32768,t=4,p=1$f2iuP4aUeNMrgu34fhOkkg$1XSZZMWlIs0zmE+snlUIcLADO3G"
	  "XbA2O/hsQmmc317k", "test", PP_MATCH },
	{ "{argon2}$argon2id$v=19$m=65536,t=3,p=1$vBb99oJ12p3WAdYlaMHz1A$jtFOtbo/sYV9OSlTxDo/nVNq3u"
	  "ArHd5GJSEx0ty85Cc", "test", PP_MATCH },
	{ "{Argon2}$argon2id$v=19$m=65536,t=3,p=1$vBb99oJ12p3WAdYlaMHz1A$jtFOtbo/sYV9OSlTxDo/nVNq3u"
	  "ArHd5GJSEx0ty85Cc", "tesT", PP_MISMATCH },
	{ "{ARGON2}$argon2d$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "x",
	  PP_MALFORMED },
	{ "{ARGON2}$argon2$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "x",
	  PP_MALFORMED },
	{ "{argon2}$2b$05$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234", "x", PP_MALFORMED },
	{ "{argon2}$argon2i$v=19$m=262145,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "x",
	  PP_MALFORMED },
	{ "{ARGON2}$argon2id$v=19$m=65536,t=17,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "x",
	  PP_MALFORMED },
	{ "{ARGON2}$argon2id$v=19$m=65536,t=3,p=17$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "x",
	  PP_MALFORMED },
	{ "{ARGON2}", "x", PP_MALFORMED },
	/* Dovecot 2.3.10's, for a scheme 2.3.14 dropped but userbases keep. */
	{ "{NTLM}0cb6948805f797bf2a82807973b89537", "test", PP_MATCH },
	{ "{ntlm}0CB6948805F797BF2A82807973B89537", "tesT", PP_MISMATCH },
	/* HMAC-MD5 is CRAM-MD5's other name; a key over 64 bytes is hashed. */
	{ "{HMAC-MD5}e02d374fde0dc75a17a557039a3a5338c7743304777dccd376f332bee68d2cf6", "test",
	  PP_MATCH },
	{ "{cram-md5}8103bb3a2a4b96a9ca9cce4efecc8d22ebe7163dff7401afb5aa16d4edcf9f1f",
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", PP_MATCH },
	{ "{cram-md5.b64}4C03T94Nx1oXpVcDmjpTOMd0MwR3fczTdvMyvuaNLPY=", "test", PP_MATCH },
	/* {plain-md5} and {ldap-md5}: one digest, hex or base64 by length. */
	{ "{plain-md5}CY9rzUYh03PK3k6DJie09g==", "test", PP_MATCH },
	{ "{ldap-md5}098f6bcd4621d373cade4e832627b4f6", "test", PP_MATCH },
	{ "{LDAP-MD5.HEX}098F6BCD4621D373CADE4E832627B4F6", "test", PP_MATCH },
	{ "{plain-md5}098f6bcd4621d373cade4e832627b4f", "test", PP_MALFORMED },
	{ "{plain-md5}098f6bcd4621d373cade4e832627b4f600", "test", PP_MALFORMED },
	{ "{ldap-md5}CY9rzUYh03PK3k6DJie0", "test", PP_MALFORMED },
	/* Salted forms: base64 unless .hex, any salt of a byte or more. */
	{ "{SSHA.HEX}93c0f2f11f7f873d58415de727d7c3b7505d4cdfd58ac407", "test", PP_MATCH },
	{ "{smd5.hex}9658a13be80a32bba1e55e63904eea06f5ba0681", "test", PP_MATCH },
	{ "{SMD5}CY9rzUYh03PK3k6DJie09g==", "test", PP_MALFORMED },
	/* {pbkdf2}: capped rounds, and never 0, which Dovecot lets match
	 * anything; upper-case hex; an empty salt is Dovecot's too. */
	{ "{pbkdf2}$1$abc$0$0000000000000000000000000000000000000000", "test", PP_MALFORMED },
	{ "{pbkdf2}$1$abc$1000001$0000000000000000000000000000000000000000", "test",
	  PP_MALFORMED },
	{ "{PBKDF2}$1$bUnT4Pl7yFtYX0KU$5000$50A83CAFDC517B9F46519415E53C6A858908680A", "test",
	  PP_MATCH },
	{ "{pbkdf2}$1$bUnT4Pl7yFtYX0KU$5000$50a83cafdc517b9f46519415e53c6a858908680", "test",
	  PP_MALFORMED },
	{ "{pbkdf2}$1$bUnT4Pl7yFtYX0KU$5000$50a83cafdc517b9f46519415e53c6a858908680a$", "test",
	  PP_MALFORMED },
	{ "{pbkdf2}$2$bUnT4Pl7yFtYX0KU$5000$50a83cafdc517b9f46519415e53c6a858908680a", "test",
	  PP_MALFORMED },
	/* SCRAM: four fields, at least 4096 iterations, keys of the digest's size. */
	{ "{scram-sha-1}1000,GetyLXdBuHzf1FWf8SLz2Q==,NA/OqmF4hhrsrB9KR7po+dliTGM=,"
	  "QBiURvQaE6H6qYTmeghDHLANBFQ=", "test", PP_MALFORMED },
	{ "{scram-sha-1}4096,GetyLXdBuHzf1FWf8SLz2Q==,NA/OqmF4hhrsrB9KR7po+dliTGM=", "test",
	  PP_MALFORMED },
	{ "{scram-sha-256}4096,GetyLXdBuHzf1FWf8SLz2Q==,NA/OqmF4hhrsrB9KR7po+dliTGM=,"
	  "QBiURvQaE6H6qYTmeghDHLANBFQ=", "test", PP_MALFORMED },
	/* {plain-trunc}: N-text; 0 would match anything. */
	{ "{plain-trunc}4-test", "testing", PP_MATCH },
	{ "{plain-trunc}4-test", "tes", PP_MISMATCH },
	{ "{plain-trunc}9-test", "testing", PP_MISMATCH },
	{ "{plain-trunc}9-test", "test", PP_MATCH },
	{ "{plain-trunc}0-", "anything", PP_MALFORMED },
	{ "{plain-trunc}test", "test", PP_MALFORMED },
	/* DIGEST-MD5 needs the realm, OTP is one-time: not in the table. */
	{ "{DIGEST-MD5}77c1a8c437c9b08ba2f460fe5d58db5d", "test", PP_UNKNOWN_SCHEME },
	{ "{OTP}sha1 1024 ae6b49aa481f7233 f69fc7f98b8fbf54", "test", PP_UNKNOWN_SCHEME },
	/* The seed wins: an unprefixed $1$ value is plaintext, not MD5-crypt. */
	{ "$1$GgvxyNz8$OjZhLh4P.gF1lxYEbLZ3e/", "test", PP_MISMATCH },
	{ "$1$GgvxyNz8$OjZhLh4P.gF1lxYEbLZ3e/", "$1$GgvxyNz8$OjZhLh4P.gF1lxYEbLZ3e/", PP_MATCH },
};

static void test_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		const struct vector *v = &vectors[i];
		struct pp_verify_info info;
		enum pp_verdict got = pp_verify(v->stored, v->password, &info);

		if (got != v->want)
			fail_msg("row %zu: stored %s password %s: got %s, want %s (%s)", i,
				 v->stored ? v->stored : "(null)",
				 v->password ? v->password : "(null)", pp_verdict_name(got),
				 pp_verdict_name(v->want), info.why ? info.why : "");
		if (got == PP_MALFORMED || got == PP_UNKNOWN_SCHEME)
			assert_non_null(info.why);
	}
}

/* The value's case-swapped copy of "{name.suffix}" prefix: .HEX for .hex. */
static void upper_suffix(char *value)
{
	for (char *p = strchr(value, '.'); p != NULL && *p != '}'; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
}

/* Every digest scheme, every suffix in both cases: what pp_hash writes
 * matches; cut short or made longer, it is malformed (a salted value made
 * longer only has a longer salt, and so no longer matches). */
static void test_encodings(void **state)
{
	static const char *const suffixes[] = { "", ".hex", ".b64", ".base64" };
	size_t n;
	const struct pp_scheme *s = pp_schemes(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		if (!(s[i].flags & PP_SCHEME_ENCODINGS))
			continue;
		for (size_t k = 0; k < sizeof suffixes / sizeof suffixes[0]; k++) {
			char name[64], value[PP_HASH_MAX], cut[PP_HASH_MAX], longer[PP_HASH_MAX + 8];
			const char *why;
			bool hex = strcmp(suffixes[k], ".hex") == 0 ||
				   (suffixes[k][0] == '\0' && (s[i].flags & PP_SCHEME_HEX));

			snprintf(name, sizeof name, "%s%s", s[i].name, suffixes[k]);
			if (pp_hash(name, NULL, "test", value, sizeof value, &why) != 0)
				fail_msg("hash %s: %s", name, why);
			for (int upper = 0; upper < 2; upper++) {
				if (upper)
					upper_suffix(value);
				if (pp_verify(value, "test", NULL) != PP_MATCH)
					fail_msg("%s does not match", value);
			}
			/* Shorter than the digest: one byte less (two hex digits,
			 * or the last base64 quad); salted, in hex, the digest
			 * alone, which leaves no salt. */
			size_t len = strlen(value), body = (size_t)(strchr(value, '}') + 1 - value);
			const struct pp_digest_params *p = s[i].params;

			if (!p->salted || hex) {
				snprintf(cut, sizeof cut, "%.*s",
					 (int)(p->salted ? body + 2 * p->len : len - (hex ? 2 : 4)), value);
				if (pp_verify(cut, "test", NULL) != PP_MALFORMED)
					fail_msg("%s (cut from %s) is not malformed", cut, value);
			}
			snprintf(longer, sizeof longer, "%s%s", value, hex ? "00" : "AAAA");
			enum pp_verdict want = p->salted ? PP_MISMATCH : PP_MALFORMED;

			if ((!p->salted || hex) && pp_verify(longer, "test", NULL) != want)
				fail_msg("%s (longer) is not %s", longer, pp_verdict_name(want));
		}
	}
}

/* pptool check judges values without computing slow hashes: on every
 * vector, its verdict on the form agrees with a real check's. */
static void test_form_agrees_with_verify(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		const struct vector *v = &vectors[i];
		struct pp_verify_info info;
		enum pp_verdict form = pp_check_form(v->stored, &info);
		bool agrees = v->want == PP_MISMATCH ? form == PP_MATCH || form == PP_MISMATCH
						     : form == v->want;

		if (!agrees)
			fail_msg("row %zu: stored %s: form says %s (%s), verify says %s", i,
				 v->stored ? v->stored : "(null)", pp_verdict_name(form),
				 info.why ? info.why : "", pp_verdict_name(v->want));
	}
}

/* What a weak value is, against a target: the issue's list, and costs. */
static void test_weakness(void **state)
{
	static const struct {
		const char *stored, *target, *want; /* want NULL: not weak */
	} rows[] = {
		{ "{plain}x", "{crypt}", "plaintext" },
		{ "x", "{crypt}", "plaintext without a prefix" },
		{ "{md5}" SEED_MD5, "{crypt}", "MD5-crypt" },
		{ "{crypt}" SEED_MD5, "{crypt}", "MD5-crypt" },
		{ "{crypt}/CFF1gJfAFAqM", "{crypt}", "DES crypt" },
		{ "{sha1}qUqP5cyxm6YcTAhz05Hph5gvu9M=", "{crypt}", "an unsalted digest" },
		{ "{ssha512}AAAA", "{crypt}", "a fast salted digest" },
		{ "{crypt}$y$j9T$salt$hash", "{crypt}", NULL },
		{ "{crypt}$y$j7T$salt$hash", "{crypt}", "a lower cost than the upgrade scheme's" },
		{ "{crypt}$2b$05$abc", "{crypt}", NULL },
		{ "{crypt}$2b$05$abc", "{crypt} bcrypt", "a lower cost than the upgrade scheme's" },
		{ "{blf-crypt}$2y$05$abc", "{crypt} bcrypt", "a lower cost than the upgrade scheme's" },
		{ "{crypt}$2b$10$abc", "{crypt} bcrypt", NULL },
		{ "{crypt}$2b$12$abc", "{crypt} bcrypt", NULL },
		{ "{sha512-crypt}$6$rounds=1000$s$h", "{sha512-crypt}", "a lower cost than the upgrade scheme's" },
		{ "{sha512-crypt}$6$s$h", "{sha512-crypt}", NULL },
		{ "{sha512-crypt}$6$s$h", "{crypt}", NULL },
		{ "{argon2id}$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaA", "{crypt}", NULL },
		{ "{argon2}$argon2i$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaA", "{crypt}", NULL },
		{ "{nosuch}x", "{crypt}", NULL },
		{ "", "{crypt}", NULL },
		{ NULL, "{crypt}", NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct pp_target t;
		const char *why;

		assert_int_equal(pp_target_parse(rows[i].target, &t, &why), 0);
		const char *got = pp_weakness(rows[i].stored, &t);

		if ((got == NULL) != (rows[i].want == NULL) ||
		    (got != NULL && strcmp(got, rows[i].want) != 0))
			fail_msg("row %zu: %s against %s: got %s, want %s", i,
				 rows[i].stored ? rows[i].stored : "(null)", rows[i].target,
				 got ? got : "(not weak)", rows[i].want ? rows[i].want : "(not weak)");
	}
}

/* Every scheme that can hash: hash, verify, a one-character change fails,
 * and two hashes of one password differ where the scheme is salted. */
static void test_round_trip(void **state)
{
	static const char password[] = "Corr3ct horse!";
	size_t n;
	const struct pp_scheme *s = pp_schemes(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		char a[PP_HASH_MAX], b[PP_HASH_MAX], prefix[64];
		const char *why = NULL;

		if (s[i].hash == NULL)
			continue;
		assert_int_equal(pp_hash(s[i].name, NULL, password, a, sizeof a, &why), 0);
		assert_int_equal(pp_hash(s[i].name, NULL, password, b, sizeof b, &why), 0);
		snprintf(prefix, sizeof prefix, "{%s}", s[i].name);
		assert_memory_equal(a, prefix, strlen(prefix));
		if (!(s[i].flags & PP_SCHEME_SALTED) && strcmp(a, b) != 0)
			fail_msg("%s: unsalted, yet two hashes differ", s[i].name);
		if (pp_verify(a, password, NULL) != PP_MATCH)
			fail_msg("%s: own hash does not verify", s[i].name);
		/* Changes within the first 8 bytes: DES reads no further; and
		 * not only of case, which LAN Manager folds. */
		if (pp_verify(a, "Corx3ct horse!", NULL) != PP_MISMATCH)
			fail_msg("%s: one character changed still verifies", s[i].name);
		if (pp_verify(a, "Corr3ct", NULL) != PP_MISMATCH)
			fail_msg("%s: a prefix of the password verifies", s[i].name);
		if ((s[i].flags & PP_SCHEME_SALTED) && strcmp(a, b) == 0)
			fail_msg("%s: two hashes are equal: no salt", s[i].name);
	}
}

static void test_crypt_methods(void **state)
{
	static const struct {
		const char *method, *prefix;
	} want[] = {
		{ NULL, "{crypt}$y$" },       { "yescrypt", "{crypt}$y$" },
		{ "bcrypt", "{crypt}$2b$10$" }, { "sha512", "{crypt}$6$" },
		{ "sha256", "{crypt}$5$" },   { "md5", "{crypt}$1$" },
	};
	char out[PP_HASH_MAX];
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		assert_int_equal(pp_hash("crypt", want[i].method, "pw", out, sizeof out, &why), 0);
		assert_memory_equal(out, want[i].prefix, strlen(want[i].prefix));
		assert_int_equal(pp_verify(out, "pw", NULL), PP_MATCH);
	}
	assert_int_equal(pp_hash("crypt", "des", "pw", out, sizeof out, &why), 0);
	assert_int_equal(strlen(out), strlen("{crypt}") + 13);
	assert_int_equal(pp_verify(out, "pw", NULL), PP_MATCH);
	assert_int_equal(pp_hash("crypt", "rot13", "pw", out, sizeof out, &why), -1);
	assert_int_equal(pp_hash("md5", "sha512", "pw", out, sizeof out, &why), -1);
	assert_int_equal(pp_hash("nosuch", NULL, "pw", out, sizeof out, &why), -1);
	assert_int_equal(pp_hash("plain", NULL, "", out, sizeof out, &why), -1);
	assert_int_equal(pp_hash("plain", NULL, "pw", out, 4, &why), -1);
}

/* libxcrypt refuses passphrases of 512 bytes or more: a wrong password,
 * never a verdict on the stored value. */
static void test_long_password_is_not_malformed(void **state)
{
	char big[600];

	(void)state;
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(pp_verify("{md5}" SEED_MD5, big, NULL), PP_MISMATCH);
	assert_int_equal(pp_verify("{crypt}/CFF1gJfAFAqM", big, NULL), PP_MISMATCH);
}

static void test_caps_are_cheap(void **state)
{
	/* A value over the cap must be refused before crypt runs: 999999999
	 * sha512 rounds would take minutes. */
	clock_t start = clock();

	(void)state;
	assert_int_equal(pp_verify("{crypt}$6$rounds=999999999$salt$abc", "x", NULL),
			 PP_MALFORMED);
	assert_true(clock() - start < CLOCKS_PER_SEC * 10);
}

static void test_values_at_the_cap_still_work(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(pp_crypt_cost_ok("$6$rounds=1000000$salt$", &why), 0);
	assert_int_equal(pp_crypt_cost_ok("$2b$14$abcdefghijklmnopqrstuu", &why), 0);
	assert_int_equal(pp_crypt_cost_ok("$y$j9T$salt$", &why), 0);
	assert_int_equal(pp_crypt_cost_ok("$y$jCT$salt$", &why), 0);
	assert_int_equal(pp_crypt_cost_ok("$y$jDT$salt$", &why), -1);
	assert_int_equal(pp_argon2_cost_ok("$argon2id$v=19$m=262144,t=4,p=1$s$h", &why), 0);
	assert_int_equal(pp_argon2_cost_ok("$argon2id$v=19$m=262145,t=1,p=1$s$h", &why), -1);
	assert_int_equal(pp_argon2_cost_ok("$argon2id$v=19$m=65536,t=3,p=17$s$h", &why), -1);
	assert_int_equal(pp_argon2_cost_ok("$argon2id$v=19$m=65536,t=x,p=1$s$h", &why), -1);
}

/* {argon2} on values libargon2 makes now, of every variant: i and id match
 * under any case of the name and a wrong password does not; d is malformed
 * under every argon2 row; pptool hash ARGON2 writes argon2id. */
static void test_argon2_any_variant(void **state)
{
	static const struct {
		argon2_type type;
		enum pp_verdict want;
	} variants[] = { { Argon2_i, PP_MATCH }, { Argon2_id, PP_MATCH }, { Argon2_d, PP_MALFORMED } };
	static const char *const names[] = { "argon2", "ARGON2", "Argon2" };
	static const char salt[] = "saltsaltsaltsalt";
	char encoded[160], stored[200];
	const char *why;

	(void)state;
	for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
		assert_int_equal(argon2_hash(1, 64, 1, "pw", 2, salt, 16, NULL, 32, encoded,
					     sizeof encoded, variants[v].type, ARGON2_VERSION_NUMBER),
				 ARGON2_OK);
		for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
			snprintf(stored, sizeof stored, "{%s}%s", names[n], encoded);
			if (pp_verify(stored, "pw", NULL) != variants[v].want)
				fail_msg("%s: not %s", stored, pp_verdict_name(variants[v].want));
			if (pp_check_form(stored, NULL) != variants[v].want)
				fail_msg("%s: form not %s", stored, pp_verdict_name(variants[v].want));
			if (variants[v].want == PP_MATCH && pp_verify(stored, "pW", NULL) != PP_MISMATCH)
				fail_msg("%s: a wrong password is not a mismatch", stored);
		}
		snprintf(stored, sizeof stored, "{argon2id}%s", encoded);
		if (variants[v].type != Argon2_id && pp_verify(stored, "pw", NULL) != PP_MALFORMED)
			fail_msg("%s: {argon2id} takes another variant", stored);
	}
	assert_int_equal(pp_hash("ARGON2", NULL, "pw", stored, sizeof stored, &why), 0);
	assert_memory_equal(stored, "{argon2}$argon2id$v=19$", strlen("{argon2}$argon2id$v=19$"));
	assert_int_equal(pp_verify(stored, "pw", NULL), PP_MATCH);
}

static void test_long_password(void **state)
{
	static char big[PP_MAX_PASSWORD + 2];
	char stored[PP_MAX_PASSWORD + 16];

	(void)state;
	memset(big, 'a', PP_MAX_PASSWORD + 1);
	snprintf(stored, sizeof stored, "{plain}%s", big);
	/* One byte over the limit never matches, even its own copy. */
	assert_int_equal(pp_verify(stored, big, NULL), PP_MISMATCH);
	big[PP_MAX_PASSWORD] = '\0';
	stored[strlen(stored) - 1] = '\0';
	assert_int_equal(pp_verify(stored, big, NULL), PP_MATCH);
}

/* ---- Near misses (issue 20, point 12) -------------------------------
 * A compare that stops one byte short, or starts one byte late, still
 * refuses a value that differs early: these values differ from the right
 * one only in the LAST (or only in the FIRST) byte of what is compared.
 * They are made at test time from a right value: the digest decoded, one
 * bit of its first or last byte flipped, encoded again as the row writes
 * it (hex and base64 both); for values compared as text (crypt strings,
 * {plain}), the first or last character of the hash part changed. */

#define NEAR_PW "Corr3ct horse!"

enum end { FIRST, LAST };

static const char itoa64[] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static void expect_verdict(const char *stored, const char *password, enum pp_verdict want,
			   const char *what)
{
	struct pp_verify_info info;
	enum pp_verdict got = pp_verify(stored, password, &info);

	if (got != want)
		fail_msg("%s: %s: got %s (%s), want %s", what, stored, pp_verdict_name(got),
			 info.why ? info.why : "", pp_verdict_name(want));
}

/* The next character of the crypt alphabet: still a well-formed value. */
static char next_itoa64(char c)
{
	const char *p = strchr(itoa64, c);

	assert_non_null(p);
	return p[1] != '\0' ? p[1] : itoa64[0];
}

/* body[0..len) is unpadded or padded base64 (padded when pad): flip one
 * bit of its decoded first or last byte, in place. */
static void flip_b64(char *body, size_t len, bool pad, enum end which)
{
	char padded[PP_HASH_MAX], again[PP_HASH_MAX];
	unsigned char raw[PP_HASH_MAX];
	size_t plen = len;
	long n;

	assert_true(len + 4 < sizeof padded);
	memcpy(padded, body, len);
	while (!pad && plen % 4 != 0)
		padded[plen++] = '=';
	n = pp_b64_decode(padded, plen, raw, sizeof raw);
	assert_true(n > 0);
	raw[which == LAST ? n - 1 : 0] ^= 0x01;
	assert_int_equal(pp_b64_encode(raw, (size_t)n, again, sizeof again), (long)plen);
	memcpy(body, again, len);
}

/* The same for hex. */
static void flip_hex(char *body, size_t len, enum end which)
{
	unsigned char raw[PP_HASH_MAX];
	char again[PP_HASH_MAX];
	long n = pp_hex_decode(body, len, raw, sizeof raw);

	assert_true(n > 0);
	raw[which == LAST ? n - 1 : 0] ^= 0x01;
	assert_int_equal(pp_hex_encode(raw, (size_t)n, again, sizeof again), (long)len);
	memcpy(body, again, len);
}

/* body, a value of a row that is not a digest row, with the first or last
 * byte of what its scheme compares changed, in place. */
static void alter_value(const struct pp_scheme *s, char *body, enum end which)
{
	if (s->verify == pp_plain_verify || s->verify == pp_plain_trunc_verify) {
		/* The password itself ("N-" first for plain-trunc). */
		char *text = s->verify == pp_plain_verify ? body : strchr(body, '-') + 1;

		text[which == LAST ? strlen(text) - 1 : 0] ^= 0x01;
	} else if (s->verify == pp_crypt_verify) {
		/* The hash after the setting: DES 2 salt characters, bcrypt 22. */
		char *hash = pp_is_des(body) ? body + 2 : strrchr(body, '$') + 1;

		if (strncmp(body, "$2", 2) == 0)
			hash += 22;
		char *c = which == LAST ? hash + strlen(hash) - 1 : hash;

		*c = next_itoa64(*c);
	} else if (s->verify == pp_pbkdf2_verify) {
		char *hex = strrchr(body, '$') + 1;

		flip_hex(hex, strlen(hex), which);
	} else if (s->verify == pp_scram_verify) {
		/* iter,salt,STOREDKEY,serverkey: the stored key is compared. */
		char *key = strchr(strchr(body, ',') + 1, ',') + 1;

		flip_b64(key, (size_t)(strchr(key, ',') - key), true, which);
	} else if (s->verify == pp_argon2_verify) {
		char *hash = strrchr(body, '$') + 1;

		flip_b64(hash, strlen(hash), false, which);
	} else {
		fail_msg("%s: no near miss known for this row's family", s->name);
	}
}

/* "{name}body", and "{name.hex}"/"{name.b64}" with body encoded whole. */
static void check_text_value(const struct pp_scheme *s, const char *body, enum pp_verdict want,
			     const char *what)
{
	char stored[3 * PP_HASH_MAX], enc[2 * PP_HASH_MAX + 1];

	snprintf(stored, sizeof stored, "{%s}%s", s->name, body);
	expect_verdict(stored, NEAR_PW, want, what);
	assert_true(pp_hex_encode((const unsigned char *)body, strlen(body), enc, sizeof enc) >= 0);
	snprintf(stored, sizeof stored, "{%s.hex}%s", s->name, enc);
	expect_verdict(stored, NEAR_PW, want, what);
	assert_true(pp_b64_encode((const unsigned char *)body, strlen(body), enc, sizeof enc) >= 0);
	snprintf(stored, sizeof stored, "{%s.b64}%s", s->name, enc);
	expect_verdict(stored, NEAR_PW, want, what);
}

/* A right value of a row that is not a digest row, and its two near misses. */
static void check_text_near_misses(const struct pp_scheme *s, const char *right)
{
	char body[PP_HASH_MAX];

	assert_true(strlen(right) < sizeof body);
	check_text_value(s, right, PP_MATCH, "the right value");
	for (enum end which = FIRST; which <= LAST; which++) {
		snprintf(body, sizeof body, "%s", right);
		alter_value(s, body, which);
		assert_string_not_equal(body, right);
		check_text_value(s, body, PP_MISMATCH,
				 which == LAST ? "only the last byte differs"
					       : "only the first byte differs");
	}
}

/* A digest row: in its own encoding, in hex and in base64, the digest
 * (not the salt after it) one bit off in its first or its last byte. */
static void check_digest_near_misses(const struct pp_scheme *s)
{
	static const char *const suffixes[] = { "", ".hex", ".b64" };
	const struct pp_digest_params *p = s->params;

	for (size_t k = 0; k < sizeof suffixes / sizeof suffixes[0]; k++) {
		char name[64], value[PP_HASH_MAX], near[PP_HASH_MAX];
		unsigned char raw[PP_HASH_MAX], bad[PP_HASH_MAX];
		bool hex = strcmp(suffixes[k], ".hex") == 0 ||
			   (suffixes[k][0] == '\0' && (s->flags & PP_SCHEME_HEX));
		const char *why;

		snprintf(name, sizeof name, "%s%s", s->name, suffixes[k]);
		if (pp_hash(name, NULL, NEAR_PW, value, sizeof value, &why) != 0)
			fail_msg("hash %s: %s", name, why);
		expect_verdict(value, NEAR_PW, PP_MATCH, "the right value");
		size_t head = (size_t)(strchr(value, '}') + 1 - value);
		long n = hex ? pp_hex_decode(value + head, strlen(value + head), raw, sizeof raw)
			     : pp_b64_decode(value + head, strlen(value + head), raw, sizeof raw);

		assert_true(n >= (long)p->len + (p->salted ? 1 : 0));
		for (enum end which = FIRST; which <= LAST; which++) {
			memcpy(bad, raw, (size_t)n);
			bad[which == LAST ? p->len - 1 : 0] ^= 0x01;
			memcpy(near, value, head);
			assert_true((hex ? pp_hex_encode(bad, (size_t)n, near + head, sizeof near - head)
					 : pp_b64_encode(bad, (size_t)n, near + head, sizeof near - head)) >= 0);
			expect_verdict(near, NEAR_PW, PP_MISMATCH,
				       which == LAST ? "only the digest's last byte differs"
						     : "only the digest's first byte differs");
		}
	}
}

/* Right values for a row whose values are text: for {crypt} one of every
 * method it verifies (those it makes, and gost-yescrypt and scrypt made
 * here), for the others what pp_hash makes. */
static void check_row_near_misses(const struct pp_scheme *s)
{
	char value[PP_HASH_MAX];
	const char *why, *method;

	if (s->verify == pp_digest_verify) {
		check_digest_near_misses(s);
		return;
	}
	if (s->verify == pp_crypt_verify && strcmp(s->name, "crypt") == 0) {
		static const char *const others[] = { "$gy$", "$7$" };
		static const char rbytes[16] = "0123456789abcdef";

		for (size_t i = 0; (method = pp_crypt_method_name(i)) != NULL; i++) {
			assert_int_equal(pp_hash(s->name, method, NEAR_PW, value, sizeof value, &why), 0);
			check_text_near_misses(s, strchr(value, '}') + 1);
		}
		for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
			char setting[CRYPT_GENSALT_OUTPUT_SIZE];
			struct crypt_data data;

			assert_non_null(crypt_gensalt_rn(others[i], 0, rbytes, sizeof rbytes, setting,
							 sizeof setting));
			memset(&data, 0, sizeof data);
			const char *hashed = crypt_rn(NEAR_PW, setting, &data, sizeof data);

			assert_true(hashed != NULL && hashed[0] != '*');
			check_text_near_misses(s, hashed);
		}
		return;
	}
	if (s->verify == pp_argon2_verify) {
		/* Cheap values (64 KiB, one pass) of each variant the row takes. */
		const struct pp_argon2_params *p = s->params;
		static const struct {
			argon2_type type;
			const char *prefix;
		} variants[] = { { Argon2_i, "$argon2i$" }, { Argon2_id, "$argon2id$" } };

		for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
			if (p->prefix != NULL && strcmp(p->prefix, variants[v].prefix) != 0)
				continue;
			assert_int_equal(argon2_hash(1, 64, 1, NEAR_PW, strlen(NEAR_PW),
						     "saltsaltsaltsalt", 16, NULL, 32, value,
						     sizeof value, variants[v].type,
						     ARGON2_VERSION_NUMBER),
					 ARGON2_OK);
			check_text_near_misses(s, value);
		}
		return;
	}
	if (pp_hash(s->name, NULL, NEAR_PW, value, sizeof value, &why) != 0)
		fail_msg("hash %s: %s", s->name, why);
	check_text_near_misses(s, strchr(value, '}') + 1);
}

/* Every row of the table: a row this test does not know fails it. */
static void test_near_misses_every_scheme(void **state)
{
	size_t n;
	const struct pp_scheme *s = pp_schemes(&n);

	(void)state;
	for (size_t i = 0; i < n; i++)
		check_row_near_misses(&s[i]);
}

/* ---- The empty-password rule ----------------------------------------
 * An empty (or no) password never matches, whatever is stored: also not a
 * value that is the hash of the empty string, which each family's own
 * hash function makes here (pp_hash refuses to) and its own verify
 * function matches: only the dispatcher's rule refuses it. */
static void expect_empty_refused(const char *stored)
{
	struct pp_verify_info info;

	if (pp_verify(stored, "", &info) != PP_MISMATCH || info.why == NULL ||
	    strcmp(info.why, "empty password") != 0)
		fail_msg("%s with an empty password: not a mismatch for being empty (%s)", stored,
			 info.why ? info.why : "");
	if (pp_verify(stored, NULL, &info) != PP_MISMATCH || info.why == NULL ||
	    strcmp(info.why, "empty password") != 0)
		fail_msg("%s with no password: not a mismatch for being empty (%s)", stored,
			 info.why ? info.why : "");
}

static void check_empty_hash(const struct pp_scheme *s, const char *method)
{
	char stored[PP_HASH_MAX], right[PP_HASH_MAX];
	const char *why = NULL;

	/* A value of a real password first: empty is refused there too. */
	assert_int_equal(pp_hash(s->name, method, NEAR_PW, right, sizeof right, &why), 0);
	expect_empty_refused(right);
	if (s->hash(s, method, "", stored, sizeof stored, &why) != 0)
		fail_msg("%s: no hash of the empty password: %s", s->name, why);
	if (s->verify == pp_plain_verify || s->verify == pp_plain_trunc_verify) {
		/* "{plain}" stores nothing, "{plain-trunc}0-" is malformed. */
		assert_int_not_equal(pp_verify(stored, "", NULL), PP_MATCH);
		return;
	}
	why = NULL;
	if (s->verify(s, strchr(stored, '}') + 1, PP_ENC_AUTO, "", &why) != PP_MATCH)
		fail_msg("%s: %s is not the hash of the empty password (%s)", s->name, stored,
			 why ? why : "");
	expect_empty_refused(stored);
}

static void test_empty_password_every_scheme(void **state)
{
	size_t n;
	const struct pp_scheme *s = pp_schemes(&n);
	const char *method;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		assert_non_null(s[i].hash);
		if (s[i].verify == pp_crypt_verify && strcmp(s[i].name, "crypt") == 0)
			for (size_t m = 0; (method = pp_crypt_method_name(m)) != NULL; m++)
				check_empty_hash(&s[i], method);
		else
			check_empty_hash(&s[i], NULL);
	}
	/* Unprefixed, and values that store nothing. */
	expect_empty_refused("s3cr3t!");
	expect_empty_refused("{plain.hex}74657374");
}

/* ---- Cost caps, by their reason -------------------------------------
 * A value over a cap is refused because of the cap, not because its hash
 * has a wrong length: each value here has a hash part of the right length
 * and alphabet, taken from a real value, and only its cost changed.  At
 * the cap its form is accepted; one above, pp_verify and pp_check_form
 * both say malformed, and the reason names the cap. */
static void expect_cap(const char *stored, bool over)
{
	struct pp_verify_info info;
	enum pp_verdict form = pp_check_form(stored, &info);

	if (!over) {
		if (form != PP_MATCH)
			fail_msg("%s: at the cap, form says %s (%s)", stored, pp_verdict_name(form),
				 info.why ? info.why : "");
		return;
	}
	if (form != PP_MALFORMED || info.why == NULL || strstr(info.why, "above the cap") == NULL)
		fail_msg("%s: above the cap, form says %s (%s), not the cap", stored,
			 pp_verdict_name(form), info.why ? info.why : "");
	enum pp_verdict got = pp_verify(stored, "x", &info);

	if (got != PP_MALFORMED || info.why == NULL || strstr(info.why, "above the cap") == NULL)
		fail_msg("%s: above the cap, verify says %s (%s), not the cap", stored,
			 pp_verdict_name(got), info.why ? info.why : "");
}

/* crypt_rn(password, setting) into out. */
static void crypt_into(const char *password, const char *setting, char *out, size_t size)
{
	struct crypt_data *data = calloc(1, sizeof *data);
	const char *hashed;

	assert_non_null(data);
	hashed = crypt_rn(password, setting, data, sizeof *data);
	assert_true(hashed != NULL && hashed[0] != '*');
	assert_true(strlen(hashed) < size);
	snprintf(out, size, "%s", hashed);
	free(data);
}

static void test_sha_crypt_rounds_cap(void **state)
{
	static const char *const prefixes[] = { "$5$", "$6$" };
	char setting[64], real[PP_HASH_MAX], stored[PP_HASH_MAX + 32];
	struct pp_verify_info info;

	(void)state;
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		/* A real value at 1000 rounds: its salt and hash, other rounds. */
		snprintf(setting, sizeof setting, "%srounds=1000$saltsaltsalt$", prefixes[i]);
		crypt_into("pw", setting, real, sizeof real);
		const char *tail = strstr(real, "$saltsaltsalt$");

		assert_non_null(tail);
		snprintf(stored, sizeof stored, "{crypt}%srounds=1000000%s", prefixes[i], tail);
		expect_cap(stored, false);
		snprintf(stored, sizeof stored, "{crypt}%srounds=1000001%s", prefixes[i], tail);
		expect_cap(stored, true);
		snprintf(stored, sizeof stored, "{%s}%srounds=1000001%s",
			 prefixes[i][1] == '5' ? "sha256-crypt" : "sha512-crypt", prefixes[i], tail);
		expect_cap(stored, true);
	}
	/* And one real check at the cap: a value of 1,000,000 rounds matches. */
	crypt_into("pw", "$5$rounds=1000000$saltsaltsalt$", real, sizeof real);
	snprintf(stored, sizeof stored, "{sha256-crypt}%s", real);
	assert_int_equal(pp_verify(stored, "pw", &info), PP_MATCH);
}

static void test_bcrypt_cost_cap(void **state)
{
	static const char *const prefixes[] = { "$2a$", "$2b$", "$2y$" };
	static const char rbytes[16] = "0123456789abcdef";
	char setting[CRYPT_GENSALT_OUTPUT_SIZE], real[PP_HASH_MAX], stored[PP_HASH_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		assert_non_null(crypt_gensalt_rn(prefixes[i], 4, rbytes, sizeof rbytes, setting,
						 sizeof setting));
		crypt_into("pw", setting, real, sizeof real);
		const char *tail = real + strlen(prefixes[i]) + 2; /* "$salt+hash" */

		assert_int_equal(tail[0], '$');
		snprintf(stored, sizeof stored, "{crypt}%s14%s", prefixes[i], tail);
		expect_cap(stored, false);
		snprintf(stored, sizeof stored, "{crypt}%s15%s", prefixes[i], tail);
		expect_cap(stored, true);
		snprintf(stored, sizeof stored, "{blf-crypt}%s15%s", prefixes[i], tail);
		expect_cap(stored, true);
	}
}

/* yescrypt, gost-yescrypt and scrypt: the parameters libxcrypt writes at
 * the cap and one above it, before a real value's salt and hash. */
static void test_yescrypt_scrypt_cost_cap(void **state)
{
	static const struct {
		const char *prefix;
		unsigned long cap;
		size_t params; /* characters of parameters after the prefix */
	} rows[] = { { "$y$", PP_CAP_YESCRYPT_COST, 0 },
		     { "$gy$", PP_CAP_YESCRYPT_COST, 0 },
		     { "$7$", PP_CAP_SCRYPT_COST, 11 } };
	static const char rbytes[16] = "0123456789abcdef";
	char setting[CRYPT_GENSALT_OUTPUT_SIZE], real[PP_HASH_MAX], stored[PP_HASH_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		size_t plen = strlen(rows[i].prefix);

		assert_non_null(crypt_gensalt_rn(rows[i].prefix, 6, rbytes, sizeof rbytes, setting,
						 sizeof setting));
		crypt_into("pw", setting, real, sizeof real);
		/* yescrypt: parameters up to the next '$'; scrypt: 11 characters. */
		size_t params = rows[i].params ? rows[i].params : strcspn(real + plen, "$");
		const char *rest = real + plen + params;

		for (unsigned long cost = rows[i].cap; cost <= rows[i].cap + 1; cost++) {
			char other[CRYPT_GENSALT_OUTPUT_SIZE];

			assert_non_null(crypt_gensalt_rn(rows[i].prefix, cost, rbytes, sizeof rbytes,
							 other, sizeof other));
			size_t oparams = rows[i].params ? rows[i].params : strcspn(other + plen, "$");

			snprintf(stored, sizeof stored, "{crypt}%s%.*s%s", rows[i].prefix, (int)oparams,
				 other + plen, rest);
			expect_cap(stored, cost > rows[i].cap);
		}
	}
}

/* {pbkdf2} and {scram-*}: 1,000,000 iterations accepted (and computed: a
 * form check of a cheap scheme is a check), 1,000,001 refused for the cap. */
static void test_iteration_caps(void **state)
{
	static const char *const names[] = { "pbkdf2", "scram-sha-1", "scram-sha-256" };
	char real[PP_HASH_MAX], stored[PP_HASH_MAX];
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		assert_int_equal(pp_hash(names[i], NULL, "pw", real, sizeof real, &why), 0);
		bool pbkdf2 = strcmp(names[i], "pbkdf2") == 0;
		/* {pbkdf2}$1$salt$ROUNDS$hex, {scram-*}ITER,salt,stored,server */
		const char *body = strchr(real, '}') + 1;
		const char *count = pbkdf2 ? strchr(body + 3, '$') + 1 : body;
		const char *after = pbkdf2 ? strchr(count, '$') : strchr(count, ',');
		int head = (int)(count - real);

		snprintf(stored, sizeof stored, "%.*s%ld%s", head, real, (long)PP_CAP_PBKDF2_ROUNDS,
			 after);
		expect_cap(stored, false);
		snprintf(stored, sizeof stored, "%.*s%ld%s", head, real,
			 (long)PP_CAP_PBKDF2_ROUNDS + 1, after);
		expect_cap(stored, true);
	}
}

/* argon2: memory, passes, lanes and memory x passes, each at its cap and
 * one above, around a real value's salt and hash. */
static void test_argon2_caps(void **state)
{
	static const struct {
		long m, t, p;
		bool over;
	} rows[] = {
		{ PP_CAP_ARGON2_M_KIB, 4, 1, false },
		{ PP_CAP_ARGON2_M_KIB + 1, 1, 1, true },
		{ 65536, PP_CAP_ARGON2_T, 1, false }, /* m x t exactly at its cap too */
		{ 1024, PP_CAP_ARGON2_T + 1, 1, true },
		{ 65536, 3, PP_CAP_ARGON2_P, false },
		{ 65536, 3, PP_CAP_ARGON2_P + 1, true },
		{ 65537, PP_CAP_ARGON2_T, 1, true }, /* only m x t over */
	};
	static const char *const names[] = { "argon2", "argon2id" };
	char encoded[160], stored[256];

	(void)state;
	assert_int_equal(argon2_hash(1, 64, 1, "pw", 2, "saltsaltsaltsalt", 16, NULL, 32, encoded,
				     sizeof encoded, Argon2_id, ARGON2_VERSION_NUMBER),
			 ARGON2_OK);
	const char *tail = strchr(strstr(encoded, "$m=") + 1, '$'); /* "$salt$hash" */

	assert_non_null(tail);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
			snprintf(stored, sizeof stored, "{%s}$argon2id$v=19$m=%ld,t=%ld,p=%ld%s",
				 names[k], rows[i].m, rows[i].t, rows[i].p, tail);
			expect_cap(stored, rows[i].over);
		}
}

/* weak-schemes: the rows Dovecot 2.4.1 calls weak (password-scheme.c and
 * password-scheme-crypt.c, .weak = TRUE), and those it no longer has.
 * Every row is here, so that a new one is a decision. */
static void test_dovecot_weak_rows(void **state)
{
	static const struct {
		const char *name;
		bool weak;
	} rows[] = {
		{ "plain", false },	   { "crypt", false },	       { "md5", true },
		{ "des-crypt", true },	   { "sha256-crypt", false },  { "sha512-crypt", false },
		{ "blf-crypt", false },	   { "sha1", false },	       { "ssha", false },
		{ "sha256", false },	   { "ssha256", false },       { "sha512", false },
		{ "ssha512", false },	   { "plain-md5", true },      { "ldap-md5", true },
		{ "smd5", true },	   { "plain-md4", true },      { "ntlm", true },
		{ "lanman", true },	   { "rpa", true },	       { "cram-md5", false },
		{ "hmac-md5", true },	   { "plain-trunc", false },   { "pbkdf2", false },
		{ "scram-sha-1", false },  { "scram-sha-256", false }, { "argon2", false },
		{ "argon2i", false },	   { "argon2id", false },
	};
	/* Dovecot's other names for the same rows. */
	static const struct {
		const char *alias;
		bool weak;
	} aliases[] = { { "MD5-CRYPT", true }, { "SHA", false }, { "CLEAR", false },
			{ "CLEARTEXT", false } };
	size_t n;
	const struct pp_scheme *s = pp_schemes(&n);

	(void)state;
	assert_int_equal(n, sizeof rows / sizeof rows[0]);
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		while (k < n && strcmp(rows[k].name, s[i].name) != 0)
			k++;
		if (k == n)
			fail_msg("row {%s} is not in this test's list: weak in Dovecot 2.4 or not?",
				 s[i].name);
		if (((s[i].flags & PP_SCHEME_DOVECOT_WEAK) != 0) != rows[k].weak)
			fail_msg("{%s}: weak is %d, Dovecot 2.4 says %d", s[i].name,
				 (s[i].flags & PP_SCHEME_DOVECOT_WEAK) != 0, rows[k].weak);
	}
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
		const struct pp_scheme *a = pp_scheme_find(aliases[i].alias, strlen(aliases[i].alias));

		assert_non_null(a);
		assert_int_equal((a->flags & PP_SCHEME_DOVECOT_WEAK) != 0, aliases[i].weak);
	}
}

/* weak-schemes = refuse: a weak value is refused, right password or wrong,
 * and never read (a malformed one too); a strong value still matches; allow
 * changes nothing. */
static void test_weak_refused(void **state)
{
	static const char pw[] = "Weak-Pass.7";
	static const struct {
		const char *scheme, *method;
		bool weak;
		const char *form; /* info.weak_form */
	} made[] = {
		{ "md5", NULL, true, NULL },		{ "des-crypt", NULL, true, NULL },
		{ "crypt", "des", true, "DES" },	{ "crypt", "md5", true, "MD5-crypt" },
		{ "crypt", "sha512", false, NULL },	{ "crypt", "yescrypt", false, NULL },
		{ "blf-crypt", NULL, false, NULL },	{ "plain-md5", NULL, true, NULL },
		{ "plain-md5.b64", NULL, true, NULL }, { "ldap-md5", NULL, true, NULL },
		{ "smd5", NULL, true, NULL },		{ "plain-md4", NULL, true, NULL },
		{ "ntlm", NULL, true, NULL },		{ "lanman", NULL, true, NULL },
		{ "rpa", NULL, true, NULL },		{ "hmac-md5", NULL, true, NULL },
		{ "cram-md5", NULL, false, NULL },	{ "plain", NULL, false, NULL },
		{ "clear", NULL, false, NULL },		{ "sha1", NULL, false, NULL },
		{ "ssha512", NULL, false, NULL },	{ "plain-trunc", NULL, false, NULL },
		{ "pbkdf2", NULL, false, NULL },	{ "scram-sha-256", NULL, false, NULL },
		{ "argon2id", NULL, false, NULL },
	};
	/* Weak and not, whatever their form. */
	static const struct {
		const char *stored;
		enum pp_verdict refuse, allow;
	} fixed[] = {
		/* A DES value under {sha512-crypt}: Dovecot's crypt_verify calls
		 * it weak before anything else, and so do we. */
		{ "{sha512-crypt}/CFF1gJfAFAqM", PP_WEAK_REFUSED, PP_MALFORMED },
		{ "{crypt.b64}L0NGRjFnSmZBRkFxTQ==", PP_WEAK_REFUSED, PP_MISMATCH },
		{ "{ntlm}not hex", PP_WEAK_REFUSED, PP_MALFORMED },
		{ "{ntlm}", PP_WEAK_REFUSED, PP_MALFORMED },
		{ "{md5}$1$short", PP_WEAK_REFUSED, PP_MALFORMED },
		{ "{crypt}*", PP_MISMATCH, PP_MISMATCH },
		{ "{crypt}!/CFF1gJfAFAqM", PP_MISMATCH, PP_MISMATCH },
		{ "Weak-Pass.7", PP_MATCH, PP_MATCH },
		{ "{abc}Weak-Pass.7", PP_UNKNOWN_SCHEME, PP_UNKNOWN_SCHEME },
		{ NULL, PP_MISMATCH, PP_MISMATCH },
	};
	char stored[PP_HASH_MAX];
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof made / sizeof made[0]; i++) {
		struct pp_verify_info info;
		enum pp_verdict want = made[i].weak ? PP_WEAK_REFUSED : PP_MATCH;

		if (pp_hash(made[i].scheme, made[i].method, pw, stored, sizeof stored, &why) != 0)
			fail_msg("pp_hash %s: %s", made[i].scheme, why);
		if (pp_verify_policy(stored, pw, true, &info) != want)
			fail_msg("%s (%s): refuse, right password: want %s", made[i].scheme,
				 made[i].method ? made[i].method : "-", pp_verdict_name(want));
		assert_int_equal(info.weak, made[i].weak);
		if ((made[i].form == NULL) != (info.weak_form == NULL) ||
		    (made[i].form && strcmp(made[i].form, info.weak_form) != 0))
			fail_msg("%s: weak_form %s", made[i].scheme,
				 info.weak_form ? info.weak_form : "(null)");
		assert_int_equal(pp_verify_policy(stored, "Weak-Pass.8", true, NULL),
				 made[i].weak ? PP_WEAK_REFUSED : PP_MISMATCH);
		assert_int_equal(pp_verify_policy(stored, pw, false, NULL), PP_MATCH);
		assert_int_equal(pp_verify(stored, pw, NULL), PP_MATCH);
		assert_int_equal(pp_stored_weak(stored), made[i].weak);
		assert_int_equal(pp_check_form(stored, &info), PP_MATCH);
		assert_int_equal(info.weak, made[i].weak);
	}
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		enum pp_verdict r = pp_verify_policy(fixed[i].stored, pw, true, NULL);
		enum pp_verdict a = pp_verify_policy(fixed[i].stored, pw, false, NULL);

		if (r != fixed[i].refuse || a != fixed[i].allow)
			fail_msg("%s: refuse %s, allow %s", fixed[i].stored ? fixed[i].stored : "(null)",
				 pp_verdict_name(r), pp_verdict_name(a));
		assert_int_equal(pp_stored_weak(fixed[i].stored), fixed[i].refuse == PP_WEAK_REFUSED);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_form_agrees_with_verify),
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_weakness),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_crypt_methods),
		cmocka_unit_test(test_caps_are_cheap),
		cmocka_unit_test(test_long_password_is_not_malformed),
		cmocka_unit_test(test_values_at_the_cap_still_work),
		cmocka_unit_test(test_argon2_any_variant),
		cmocka_unit_test(test_long_password),
		cmocka_unit_test(test_near_misses_every_scheme),
		cmocka_unit_test(test_empty_password_every_scheme),
		cmocka_unit_test(test_sha_crypt_rounds_cap),
		cmocka_unit_test(test_bcrypt_cost_cap),
		cmocka_unit_test(test_yescrypt_scrypt_cost_cap),
		cmocka_unit_test(test_iteration_caps),
		cmocka_unit_test(test_argon2_caps),
		cmocka_unit_test(test_dovecot_weak_rows),
		cmocka_unit_test(test_weak_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
