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

#include "cost.h"
#include "scheme.h"
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
	{ "{plain.hex}74657374", "test", PP_UNKNOWN_SCHEME },
	{ "{sha1}a94a8fe5ccb19ba61c4c0873d391e987982fbbdz", "test", PP_MALFORMED },
	{ "{ssha}qUqP5cyxm6YcTAhz05Hph5gvu9M=", "test", PP_MALFORMED },
	{ "{sha256}n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=", "test", PP_MATCH },
	{ "{sha256}9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "test",
	  PP_MATCH },
	{ "{sha512}7iaw3Ur350mqGo7jwQrpkj9hiYB3Lkc/iBml1JQODbJ6wYX4oOHV+E+IvIh/1nsUNzLDBMxfqa2Ob1f1"
	  "ACio/w==", "test", PP_MATCH },
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
		/* Changes within the first 8 bytes: DES reads no further. */
		if (pp_verify(a, "CorR3ct horse!", NULL) != PP_MISMATCH)
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_form_agrees_with_verify),
		cmocka_unit_test(test_weakness),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_crypt_methods),
		cmocka_unit_test(test_caps_are_cheap),
		cmocka_unit_test(test_long_password_is_not_malformed),
		cmocka_unit_test(test_values_at_the_cap_still_work),
		cmocka_unit_test(test_long_password),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
