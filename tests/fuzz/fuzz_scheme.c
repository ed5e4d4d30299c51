/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the schema-prefix dispatcher (lib/scheme.c), the scheme
 * families (lib/scheme_*.c), the cost caps (lib/cost.c) and the codecs
 * (lib/encoding.c), through pp_verify, pp_check_form, pp_scheme_find and
 * pp_hash.
 *
 * Input: STORED NUL PASSWORD [NUL PASSWORD2 [NUL ...ignored]].  Without a
 * NUL the whole input is both the stored value and the password, so a
 * plaintext value meets the password that matches it.
 *
 * Invariants (each failure aborts with a message; libFuzzer saves the input):
 *  - the verdict is one of the four enum pp_verdict values;
 *  - info->scheme_name is NUL-terminated inside its array and names what
 *    stands between the braces (truncated), or "plain";
 *  - a NULL or empty stored value is PP_MISMATCH with no scheme;
 *  - "{name}" or "{name.suffix}" is PP_UNKNOWN_SCHEME (scheme NULL, why set)
 *    exactly when an independent reading of the table (pp_schemes(), our
 *    own ASCII case folding, the .hex/.b64/.base64 suffixes, which every
 *    scheme takes) finds no scheme; otherwise info->scheme is
 *    that row;
 *  - an empty password never matches, nor one longer than PP_MAX_PASSWORD;
 *  - PP_MALFORMED comes with a scheme and a why;
 *  - pp_check_form (pptool check's judgement without hashing) finds an
 *    unknown scheme exactly when pp_verify does, and calls the form of a
 *    value that matched good;
 *  - the plain rule: a value that does not start with '{' or has no '}', and
 *    any {plain}/{cleartext}/{clear} value, matches iff it equals the
 *    password, and is never UNKNOWN/MALFORMED;
 *  - with a second password (both 1..PP_MAX_PASSWORD bytes): whether the
 *    stored value is usable (MATCH/MISMATCH versus UNKNOWN/MALFORMED) does
 *    not depend on the password typed, and a plain or digest value matched
 *    by both passwords means the passwords are equal;
 *  - pp_scheme_find(name, len) agrees with the independent table reading for
 *    every prefix of the input (no NUL terminator: ASan sees over-reads);
 *  - round trip: pp_hash with one of the cheap schemes, chosen from the
 *    input, makes "{canonical-name}..." that fits PP_HASH_MAX and matches the
 *    password, and (except DES, which reads 8 characters of 7 bits) does not
 *    match the password with one more character;
 *  - one pp_verify never takes more than MAX_CPU_SECONDS of CPU: the README
 *    promises that "one row cannot make a login burn seconds".
 *
 * Keeping the fuzzer on parsing, not hashing: before pp_verify, a cheap
 * reading of the cost parameters that the harness does itself (est_cost()
 * below; figures measured on libxcrypt 4.4 / libargon2 on Debian 12) skips
 * inputs whose value is legitimately expensive: estimated above
 * SKIP_SECONDS and within the caps of lib/cost.h (for methods lib/cost.h has
 * no cap for, "within the caps" means estimated under SLOW_SECONDS).  A value
 * the harness reads as above the caps is not skipped: the library must
 * refuse it without computing it, and the CPU check says if it did not.
 *
 *   value                   estimate                          cap (cost.h)
 *   $2?$NN$ (bcrypt)        50 ms * 2^(NN - 10)               NN <= 14
 *   $5$/$6$ rounds=R        0.25 us * R * (1 + pwlen / 64)    R <= 1e6
 *   $y$/$gy$ (yescrypt)     1.1 ms * 2^(cost - 1), for the    cost <= 8
 *                           parameter strings libxcrypt makes
 *   $7$ (scrypt)            0.22 us * N * r * p               cost 8's N*r*p
 *   $argon2..$m=,t=,p=      0.8 us * m * t                    cost.h's four
 *   $md5[,rounds=R] (Sun)   1.3 us * (4096 + R)               none: < 1.5 s
 *   $sha1$I$ (NetBSD)       0.65 us * I * (1 + pwlen / 256)   none: < 1.5 s
 *   _CCCC (BSDi DES)        0.125 us * count                  none: < 1.5 s
 *
 * FUZZ_VERBOSE=1 in the environment prints each decision. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <crypt.h>

#include "cost.h"
#include "scheme.h"
#include "scheme_family.h"
#include "invariant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define SKIP_SECONDS    0.006 /* above this (and within the caps): skipped */
#define SLOW_SECONDS    1.5   /* uncapped methods: what "seconds" means */
#define MAX_CPU_SECONDS 1.0   /* one pp_verify, measured */
#define XCRYPT_MAX_PASSWORD 511 /* libxcrypt refuses longer passphrases */


/* An exact-size heap copy, NUL-terminated: ASan sees any over-read. */
static char *dup_bytes(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* ---- an independent reading of the scheme table ---- */

static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Does the NUL-terminated want equal name[0..len), ASCII case-insensitively? */
static int ieq(const char *want, const char *name, size_t len)
{
	if (want == NULL || strlen(want) != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (fold((unsigned char)want[i]) != fold((unsigned char)name[i]))
			return 0;
	return 1;
}

static const struct pp_scheme *table;
static size_t table_len;
static int verbose; /* FUZZ_VERBOSE=1: say which inputs are skipped */

static const struct pp_scheme *table_find(const char *name, size_t len)
{
	for (size_t i = 0; i < table_len; i++) {
		if (ieq(table[i].name, name, len))
			return &table[i];
		for (size_t a = 0; a < 3 && table[i].aliases[a] != NULL; a++)
			if (ieq(table[i].aliases[a], name, len))
				return &table[i];
	}
	return NULL;
}

struct reading {
	int braced;                     /* "{...}" names a scheme */
	int suffixed;                   /* with a .hex/.b64/.base64 suffix */
	const char *name;               /* between the braces */
	size_t namelen;
	const struct pp_scheme *scheme; /* NULL: unknown */
	const char *value;              /* what the scheme gets */
};

static void read_stored(const char *stored, struct reading *r)
{
	const char *close = stored[0] == '{' ? strchr(stored, '}') : NULL;

	memset(r, 0, sizeof *r);
	if (close == NULL) {
		r->scheme = table_find("plain", 5);
		r->value = stored;
		return;
	}
	r->braced = 1;
	r->name = stored + 1;
	r->namelen = (size_t)(close - r->name);
	r->value = close + 1;
	const char *dot = memchr(r->name, '.', r->namelen);
	if (dot == NULL) {
		r->scheme = table_find(r->name, r->namelen);
		return;
	}
	const struct pp_scheme *s = table_find(r->name, (size_t)(dot - r->name));
	const char *suffix = dot + 1;
	size_t slen = r->namelen - (size_t)(dot - r->name) - 1;

	/* Every scheme takes a suffix, as in Dovecot. */
	if (s != NULL &&
	    (ieq("hex", suffix, slen) || ieq("b64", suffix, slen) || ieq("base64", suffix, slen))) {
		r->scheme = s;
		r->suffixed = 1;
	}
}

/* ---- the harness's own cost reading ---- */

static const char itoa64[] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static int a64(char c)
{
	const char *p = c ? strchr(itoa64, c) : NULL;

	return p ? (int)(p - itoa64) : -1;
}

/* Decimal digits at p, saturating at 1e12; *end after them.  -1 if none. */
static double digits(const char *p, const char **end)
{
	double v = 0;
	int n = 0;

	for (; *p >= '0' && *p <= '9'; p++, n++)
		if (v < 1e12)
			v = v * 10 + (*p - '0');
	if (end)
		*end = p;
	return n ? v : -1;
}

/* yescrypt parameter strings libxcrypt writes, by cost 1..11. */
#define YESCRYPT_COSTS 11
static char yescrypt_params[YESCRYPT_COSTS + 1][16];

/* Estimated seconds of CPU to verify value with a password of pwlen bytes;
 * *capped says whether the value is within lib/cost.h's caps as this
 * harness reads them.  0 for values that are cheap or that libxcrypt and
 * libargon2 refuse anyway. */
static double est_cost(const struct pp_scheme *s, const char *v, size_t pwlen, int *capped)
{
	*capped = 1;
	if (s->verify == pp_argon2_verify) {
		const char *p = strstr(v, "$m="), *e;
		double m, t, par;

		if (p == NULL || (m = digits(p + 3, &e)) < 0 || strncmp(e, ",t=", 3) != 0 ||
		    (t = digits(e + 3, &e)) < 0 || strncmp(e, ",p=", 3) != 0 ||
		    (par = digits(e + 3, &e)) < 0)
			return 0;
		*capped = m <= PP_CAP_ARGON2_M_KIB && t <= PP_CAP_ARGON2_T && par <= PP_CAP_ARGON2_P &&
			  m * t <= PP_CAP_ARGON2_M_T;
		return m * (t > 0 ? t : 1) * 0.8e-6 + par * 1e-4; /* ~0.8 us per KiB and pass */
	}
	if (s->verify == pp_pbkdf2_verify || s->verify == pp_scram_verify) {
		/* "$1$SALT$ROUNDS$HASH" or "ITER,...": 0.23 s at the cap */
		const char *n = v;

		if (s->verify == pp_pbkdf2_verify) {
			n = strncmp(v, "$1$", 3) == 0 ? strchr(v + 3, '$') : NULL;
			if (n == NULL)
				return 0;
			n++;
		}
		double rounds = digits(n, NULL);

		if (rounds < 0)
			return 0;
		*capped = rounds <= PP_CAP_PBKDF2_ROUNDS;
		return rounds * 0.25e-6;
	}
	if (s->verify != pp_crypt_verify)
		return 0;
	if (strncmp(v, "$2", 2) == 0 && v[2] && v[3] == '$' && v[4] >= '0' && v[4] <= '9' &&
	    v[5] >= '0' && v[5] <= '9' && v[6] == '$') {
		int cost = (v[4] - '0') * 10 + (v[5] - '0');

		*capped = cost <= PP_CAP_BCRYPT_COST;
		return 0.05 * ldexp(1, cost - 10); /* cost 10: 50 ms */
	}
	if (strncmp(v, "$5$", 3) == 0 || strncmp(v, "$6$", 3) == 0) {
		double rounds = 5000;

		if (strncmp(v + 3, "rounds=", 7) == 0 && (rounds = digits(v + 10, NULL)) < 0)
			return 0;
		*capped = rounds <= PP_CAP_SHA_ROUNDS;
		if (rounds < 1000)
			rounds = 1000;
		/* 1e6 rounds: 0.25 s with 8 bytes, 1.1 s with 255 */
		return rounds * 0.25e-6 * (1 + (double)pwlen / 64);
	}
	if (strncmp(v, "$y$", 3) == 0 || strncmp(v, "$gy$", 4) == 0) {
		const char *params = v + (v[1] == 'y' ? 3 : 4), *end = strchr(params, '$');

		for (int cost = 1; end != NULL && cost <= YESCRYPT_COSTS; cost++)
			if (strlen(yescrypt_params[cost]) == (size_t)(end - params) &&
			    memcmp(yescrypt_params[cost], params, (size_t)(end - params)) == 0) {
				*capped = cost <= PP_CAP_YESCRYPT_COST;
				return 0.0011 * ldexp(1, cost - 1); /* cost 1: 1.1 ms */
			}
		return 0;
	}
	if (strncmp(v, "$7$", 3) == 0) {
		/* "$7$" N r(5) p(5): work N*r*p; libxcrypt's cost 8 is 2^15 * 32 */
		int n = a64(v[3]);
		double r = 0, p = 0;

		if (n < 0)
			return 0;
		/* a64('\0') is -1: nothing is read past the end */
		for (int i = 0; i < 10; i++) {
			int a = a64(v[4 + i]);

			if (a < 0)
				return 0;
			if (i < 5)
				r += ldexp(a, 6 * i);
			else
				p += ldexp(a, 6 * (i - 5));
		}
		double work = ldexp(1, n) * r * (p > 0 ? p : 1);

		*capped = work <= ldexp(1, 15) * 32;
		return work * 2.2e-7; /* cost 6 (2^13 * 32): 57 ms */
	}
	/* Methods lib/cost.h has no cap for: "capped" means not "seconds". */
	double t = 0;
	if (strncmp(v, "$md5", 4) == 0) {
		double rounds = 0;

		if (strncmp(v + 4, ",rounds=", 8) == 0 && (rounds = digits(v + 12, NULL)) < 0)
			return 0;
		t = (4096 + rounds) * 1.3e-6; /* Sun MD5: 46 ms at 32768 */
	} else if (strncmp(v, "$sha1$", 6) == 0) {
		double rounds = digits(v + 6, NULL);

		if (rounds < 0)
			return 0;
		t = rounds * 0.65e-6 * (1 + (double)pwlen / 256); /* 0.17 s at 262144 */
	} else if (v[0] == '_') {
		double count = 0;

		for (int i = 0; i < 4; i++) {
			int a = a64(v[1 + i]);

			if (a < 0)
				return 0;
			count += ldexp(a, 6 * i);
		}
		t = count * 0.125e-6; /* BSDi: 2 s at 2^24 - 1 */
	}
	*capped = t < SLOW_SECONDS;
	return t;
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the checks ---- */

static int usable(enum pp_verdict v)
{
	return v == PP_MATCH || v == PP_MISMATCH;
}

static enum pp_verdict verify_checked(const char *stored, const char *password,
				      const struct reading *r)
{
	struct pp_verify_info info;
	size_t pwlen = strlen(password);
	double t0 = cpu_now();
	enum pp_verdict v = pp_verify(stored, password, &info);
	double spent = cpu_now() - t0;

	CHECK(v == PP_MATCH || v == PP_MISMATCH || v == PP_UNKNOWN_SCHEME || v == PP_MALFORMED,
	      "verdict %d is not an enum pp_verdict", (int)v);
	CHECK(spent <= MAX_CPU_SECONDS,
	      "pp_verify took %.2f s of CPU (verdict %s): the cost caps let this value through",
	      spent, pp_verdict_name(v));
	CHECK(memchr(info.scheme_name, '\0', sizeof info.scheme_name) != NULL,
	      "scheme_name is not NUL-terminated");
	/* pptool check's judgement on the form alone: it knows the same
	 * schemes, and a value a password matched has a good form. */
	struct pp_verify_info form_info;
	enum pp_verdict form = pp_check_form(stored, &form_info);

	CHECK((form == PP_UNKNOWN_SCHEME) == (v == PP_UNKNOWN_SCHEME),
	      "pp_check_form says %s, pp_verify %s", pp_verdict_name(form), pp_verdict_name(v));
	CHECK(v != PP_MATCH || form == PP_MATCH, "a matching value's form is %s (%s)",
	      pp_verdict_name(form), form_info.why ? form_info.why : "");
	if (stored[0] == '\0') {
		CHECK(v == PP_MISMATCH && info.scheme == NULL,
		      "an empty stored value gave %s", pp_verdict_name(v));
		return v;
	}
	if (r->braced) {
		size_t n = r->namelen < sizeof info.scheme_name - 1 ? r->namelen
								   : sizeof info.scheme_name - 1;

		CHECK(strlen(info.scheme_name) == n && memcmp(info.scheme_name, r->name, n) == 0,
		      "scheme_name '%s' is not the braced name", info.scheme_name);
	} else {
		CHECK(strcmp(info.scheme_name, "plain") == 0,
		      "scheme_name '%s' for an unprefixed value", info.scheme_name);
	}
	if (r->scheme == NULL) {
		CHECK(v == PP_UNKNOWN_SCHEME && info.scheme == NULL && info.why != NULL,
		      "'{%.*s}' names no scheme but gave %s", (int)r->namelen, r->name,
		      pp_verdict_name(v));
		return v;
	}
	CHECK(v != PP_UNKNOWN_SCHEME, "a known scheme ({%s}) gave unknown scheme",
	      r->scheme->name);
	CHECK(info.scheme == r->scheme, "info.scheme is {%s}, not {%s}",
	      info.scheme ? info.scheme->name : "(null)", r->scheme->name);
	if (pwlen == 0 || pwlen > PP_MAX_PASSWORD)
		CHECK(v == PP_MISMATCH, "a password of %zu bytes gave %s", pwlen,
		      pp_verdict_name(v));
	if (v == PP_MALFORMED)
		CHECK(info.why != NULL, "PP_MALFORMED without a why");
	/* (With a suffix the value is the password encoded: no plain rule.) */
	if (r->scheme->verify == pp_plain_verify && !r->suffixed) {
		int equal = pwlen > 0 && pwlen <= PP_MAX_PASSWORD && strcmp(r->value, password) == 0;

		CHECK(v == (equal ? PP_MATCH : PP_MISMATCH),
		      "plain rule: value and password %s, verdict %s", equal ? "equal" : "differ",
		      pp_verdict_name(v));
	}
	return v;
}

/* pp_scheme_find on name[0..len), without a terminator after it. */
static void check_find(const uint8_t *name, size_t len)
{
	char *copy = malloc(len ? len : 1);

	if (copy == NULL)
		abort();
	memcpy(copy, name, len);
	const struct pp_scheme *got = pp_scheme_find(copy, len), *want = table_find(copy, len);

	CHECK(got == want, "pp_scheme_find('%.*s') is {%s}, the table says {%s}", (int)len,
	      (const char *)name, got ? got->name : "none", want ? want->name : "none");
	free(copy);
}

/* Cheap schemes for the round trip; method NULL is the scheme's default. */
static const struct {
	const char *name, *method;
	int crypt; /* MD5-crypt's cost grows with the password: short ones only */
	int des;   /* reads 8 characters of 7 bits */
} trips[] = {
	{ "plain", NULL, 0, 0 },    { "CLEARTEXT", NULL, 0, 0 },  { "sha1", NULL, 0, 0 },
	{ "SHA", NULL, 0, 0 },      { "ssha", NULL, 0, 0 },       { "sha256", NULL, 0, 0 },
	{ "ssha256", NULL, 0, 0 },  { "sha512", NULL, 0, 0 },     { "ssha512", NULL, 0, 0 },
	{ "md5", NULL, 1, 0 },      { "MD5-Crypt", "md5", 1, 0 }, { "des-crypt", NULL, 1, 1 },
	{ "crypt", "des", 1, 1 },   { "crypt", "md5", 1, 0 },
};

static void round_trip(const char *password, unsigned pick)
{
	size_t pwlen = strlen(password), i = pick % (sizeof trips / sizeof trips[0]);
	char *out, *other;
	const char *why = NULL;
	struct reading r;

	if (pwlen == 0 || pwlen > PP_MAX_PASSWORD || (trips[i].crypt && pwlen > 64))
		return;
	out = malloc(PP_HASH_MAX);
	if (out == NULL)
		abort();
	if (pp_hash(trips[i].name, trips[i].method, password, out, PP_HASH_MAX, &why) != 0) {
		CHECK(why != NULL, "pp_hash(%s) failed without a why", trips[i].name);
		free(out);
		return;
	}
	CHECK(memchr(out, '\0', PP_HASH_MAX) != NULL, "pp_hash overran its output");
	read_stored(out, &r);
	CHECK(r.braced && r.scheme == table_find(trips[i].name, strlen(trips[i].name)) &&
		      strncmp(out + 1, r.scheme->name, strlen(r.scheme->name)) == 0 &&
		      out[1 + strlen(r.scheme->name)] == '}',
	      "pp_hash(%s) wrote '%s'", trips[i].name, out);
	CHECK(verify_checked(out, password, &r) == PP_MATCH,
	      "pp_hash(%s) made '%s', which does not match its password", trips[i].name, out);
	if (!trips[i].des) {
		other = malloc(pwlen + 2);
		if (other == NULL)
			abort();
		memcpy(other, password, pwlen);
		memcpy(other + pwlen, "x", 2);
		if (pwlen + 1 <= PP_MAX_PASSWORD)
			CHECK(verify_checked(out, other, &r) == PP_MISMATCH,
			      "'%s' from pp_hash(%s) matches another password", out, trips[i].name);
		free(other);
	}
	free(out);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char zeros[16];
	char gen[CRYPT_GENSALT_OUTPUT_SIZE];

	(void)argc;
	(void)argv;
	table = pp_schemes(&table_len);
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	/* Every row is found by its name and aliases, in any case. */
	for (size_t i = 0; i < table_len; i++) {
		const char *names[4] = { table[i].name, table[i].aliases[0], table[i].aliases[1],
					 table[i].aliases[2] };

		for (size_t a = 0; a < 4 && names[a] != NULL; a++) {
			char upper[64];
			size_t n = strlen(names[a]);

			CHECK(n < sizeof upper, "scheme name too long");
			for (size_t k = 0; k <= n; k++)
				upper[k] = names[a][k] >= 'a' && names[a][k] <= 'z'
						   ? (char)(names[a][k] - 'a' + 'A')
						   : names[a][k];
			CHECK(pp_scheme_find(names[a], n) == &table[i] &&
				      pp_scheme_find(upper, n) == &table[i],
			      "pp_scheme_find does not find '%s'", names[a]);
		}
	}
	for (int cost = 1; cost <= YESCRYPT_COSTS; cost++) {
		const char *end;

		if (crypt_gensalt_rn("$y$", (unsigned long)cost, zeros, sizeof zeros, gen,
				     sizeof gen) == NULL ||
		    (end = strchr(gen + 3, '$')) == NULL || (size_t)(end - gen - 3) >= 16)
			continue;
		memcpy(yescrypt_params[cost], gen + 3, (size_t)(end - gen - 3));
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	char *stored, *pw1, *pw2 = NULL;
	struct reading r;

	/* pp_scheme_find on every prefix of the raw input and of what follows
	 * a leading brace. */
	for (size_t n = 0; n <= size && n <= 24; n++)
		check_find(data, n);
	for (size_t n = 0; size > 0 && data[0] == '{' && n < size && n <= 24; n++)
		check_find(data + 1, n);

	if (nul == NULL) {
		stored = dup_bytes(data, size);
		pw1 = dup_bytes(data, size);
	} else {
		size_t slen = (size_t)(nul - data), rest = size - slen - 1;
		const uint8_t *p = nul + 1, *nul2 = memchr(p, '\0', rest);

		stored = dup_bytes(data, slen);
		if (nul2 == NULL) {
			pw1 = dup_bytes(p, rest);
		} else {
			const uint8_t *q = nul2 + 1, *nul3;

			pw1 = dup_bytes(p, (size_t)(nul2 - p));
			rest = size - (size_t)(q - data);
			nul3 = memchr(q, '\0', rest);
			pw2 = dup_bytes(q, nul3 ? (size_t)(nul3 - q) : rest);
		}
	}

	/* A stored value may be NULL: nothing is stored. */
	{
		struct pp_verify_info info;

		CHECK(pp_verify(NULL, pw1, &info) == PP_MISMATCH && info.scheme == NULL,
		      "a NULL stored value is not a mismatch");
		CHECK(pp_verify(NULL, pw1, NULL) == PP_MISMATCH, "NULL stored, NULL info");
	}

	read_stored(stored, &r);
	if (r.braced && memchr(r.name, '.', r.namelen) == NULL)
		CHECK(pp_scheme_find(r.name, r.namelen) == r.scheme,
		      "pp_scheme_find disagrees with the table on '%.*s'", (int)r.namelen, r.name);

	/* Skip values that are legitimately slow (see the top of this file). */
	if (r.scheme != NULL && stored[0] != '\0') {
		/* The longest password that gets hashed: libxcrypt refuses
		 * longer ones at once. */
		size_t l1 = strlen(pw1), l2 = pw2 ? strlen(pw2) : 0, pwlen = 0;
		int capped;

		if (l1 <= XCRYPT_MAX_PASSWORD)
			pwlen = l1;
		if (l2 <= XCRYPT_MAX_PASSWORD && l2 > pwlen)
			pwlen = l2;
		double est = est_cost(r.scheme, r.value, pwlen, &capped);

		if (verbose)
			fprintf(stderr, "fuzz_scheme: {%s} estimated %.4f s, %s the caps: %s\n",
				r.scheme->name, est, capped ? "within" : "above",
				est > SKIP_SECONDS && capped ? "skipped" : "run");
		if (est > SKIP_SECONDS && capped)
			goto done;
	}

	/* The empty password first: it must be refused before any hashing. */
	{
		enum pp_verdict v = verify_checked(stored, "", &r);

		CHECK(v != PP_MATCH, "the empty password matched");
	}
	enum pp_verdict v1 = verify_checked(stored, pw1, &r);

	if (pw2 != NULL) {
		size_t l1 = strlen(pw1), l2 = strlen(pw2);
		enum pp_verdict v2 = verify_checked(stored, pw2, &r);

		if (l1 > 0 && l1 <= PP_MAX_PASSWORD && l2 > 0 && l2 <= PP_MAX_PASSWORD) {
			CHECK(usable(v1) == usable(v2),
			      "the verdict on the stored value depends on the password: %s with "
			      "%zu bytes, %s with %zu bytes",
			      pp_verdict_name(v1), l1, pp_verdict_name(v2), l2);
			if (v1 == PP_MATCH && v2 == PP_MATCH && r.scheme != NULL &&
			    (r.scheme->verify == pp_plain_verify ||
			     r.scheme->verify == pp_digest_verify))
				CHECK(strcmp(pw1, pw2) == 0,
				      "two different passwords match one {%s} value",
				      r.scheme->name);
		}
	}

	unsigned pick = 0;
	for (size_t i = 0; i < size; i++)
		pick = pick * 31 + data[i];
	round_trip(pw1, pick);
done:
	free(stored);
	free(pw1);
	free(pw2);
	return 0;
}
