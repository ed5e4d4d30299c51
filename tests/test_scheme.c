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

#include "cost.h"
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
