/* lib/hash_shape.c: which texts could be a hash.  Fixed rows for each shape
 * and for the seed's 1.0 plaintext passwords, then every value pp_hash
 * makes now: each but a plaintext one has a shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "hash_shape.h"
#include "scheme.h"
#include "scheme_family.h"

#define B64_32 "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
#define HEX_20 "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"

static const struct {
	const char *text;
	const char *want; /* NULL: no hash shape */
} rows[] = {
	/* crypt(3) and relatives, locked too */
	{ "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "crypt $id$" },
	{ "$argon2d$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaA", "crypt $id$" },
	{ "$6$salt$IxDD3jeSOb5eB1CX5LBsqZFVkJdido3OUILO5Ifz5iwMuTS4XMS130MTSuDDl3aCI6WouIL9AjRbLCelDCy.g.",
	  "crypt $id$" },
	{ "$6$rounds=5000$salt$abc", "crypt $id$" },
	{ "!$6$salt$abc", "crypt $id$" },
	{ "$1$Wh/8PmbX$tLpq3mPsvT5gdVJcVVYXA1", "crypt $id$" },
	{ "$apr1$Wh/8PmbX$tLpq3mPsvT5gdVJcVVYXA1", "crypt $id$" },
	{ "$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234", "crypt $id$" },
	{ "$y$j9T$salt$hash", "crypt $id$" },
	{ "$gy$j9T$salt$hash", "crypt $id$" },
	{ "$7$CU..../....salt$hash", "crypt $id$" },
	{ "$sha1$3000$abcdefgh$0123456789abcdefghijklmnopqr", "crypt $id$" },
	{ "$md5,rounds=2000$abcdefgh$$0123456789abcdefghijkl", "crypt $id$" },
	{ "/CFF1gJfAFAqM", "DES crypt" },
	{ "!/CFF1gJfAFAqM", "DES crypt" },
	{ "_J9..abcdABCDEFGHIJK", "BSDi crypt" },
	/* Dovecot's PBKDF2 and SCRAM */
	{ "$1$bUnT4Pl7yFtYX0KU$5000$50a83cafdc517b9f46519415e53c6a858908680a", "Dovecot PBKDF2" },
	{ "4096,GetyLXdBuHzf1FWf8SLz2Q==,NA/OqmF4hhrsrB9KR7po+dliTGM=,QBiURvQaE6H6qYTmeghDHLANBFQ=",
	  "SCRAM keys" },
	{ "4096,GetyLXdBuHzf1FWf8SLz2Q==,NA/OqmF4hhrsrB9KR7po+dliTGM=", NULL },
	{ "4096,GetyLXdBuHzf1FWf8SLz2Q==,NA/OqmF4hhrsrB9KR7po+dliTGM=,"
	  "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=", NULL },
	/* digests, hex or base64, alone or with a 4 to 16 byte salt */
	{ HEX_20, "hex digest" },
	{ "A94A8FE5CCB19BA61C4C0873D391E987982FBBD3", "hex digest" },
	{ "098f6bcd4621d373cade4e832627b4f6", "hex digest" },
	{ "93c0f2f11f7f873d58415de727d7c3b7505d4cdfd58ac407", "hex digest" },
	{ B64_32, "base64 digest" },
	{ "qUqP5cyxm6YcTAhz05Hph5gvu9M=", "base64 digest" },
	{ "H/zrDv8FXUu1JmwvVYijfrYEF34jVZcO", "base64 digest" },
	{ "CY9rzUYh03PK3k6DJie09g==", "base64 digest" },
	{ "a94a8fe5ccb19ba61c4c0873d391e987982fbbd", NULL },   /* odd */
	{ "a94a8fe5ccb19ba61c4c0873d391e987982fbbd!", NULL },  /* neither */
	{ "0123456789abcdef0123", NULL },                      /* 10 bytes */
	{ "qUqP5cyxm6YcTAhz05Hph5gvu9M", NULL },               /* unpadded */
	{ "AAAAAAAAAAAA", NULL },                              /* 9 bytes */
	/* the seed's 1.0 plaintext passwords, and others that are no hash */
	{ "def", NULL },
	{ "", NULL },
	{ "y{z}", NULL },
	{ "s3cr3t!", NULL },
	{ "correct horse battery staple", NULL },
	{ "$9$nonsense", NULL },
	{ "$6$", NULL },
	{ "$6$salt with space$x", NULL },
	{ "/CFF1gJfAFAq", NULL },
	{ "/CFF1gJfAFAqMM", NULL },
	{ "/CFF1gJfA!AqM", NULL },
	{ "$1$salt$rounds$50a83cafdc517b9f46519415e53c6a858908680a", "crypt $id$" },
};

static void test_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const char *got = pp_hash_shape(rows[i].text);

		if ((got == NULL) != (rows[i].want == NULL) ||
		    (got != NULL && strcmp(got, rows[i].want) != 0))
			fail_msg("row %zu: %s: got %s, want %s", i, rows[i].text, got ? got : "(none)",
				 rows[i].want ? rows[i].want : "(none)");
	}
	assert_null(pp_hash_shape(NULL));
}

/* Whatever pam_powermail writes, bar plaintext, it would leave alone under
 * a name it did not know. */
static void test_every_new_value_has_a_shape(void **state)
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
			if (pp_hash_shape(body) == NULL)
				fail_msg("{%s} %s: %s has no hash shape", s[i].name,
					 methods[m] ? methods[m] : "", body);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_every_new_value_has_a_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
