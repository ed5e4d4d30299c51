/* SPDX-License-Identifier: GPL-2.0-or-later */
/* equalize-timing, without a clock: this program counts the library's decoy
 * checks (pp_pad, wrapped at link time), and each kind of refusal must make
 * exactly the checks it should, against the real PostgreSQL.  The work itself is seen too: this
 * program stands between lib/ and libxcrypt's crypt_rn and libargon2's
 * argon2_verify, so a decoy check that is counted but not made fails, and
 * each configuration's decoy must be a value of its own scheme and cost.  Through PAM, an unknown address is
 * PAM_AUTH_ERR with the option and PAM_USER_UNKNOWN without.  How long each
 * takes is make bench's business (bench/pp_equalize.c): this machine is
 * shared, and a timed assertion would flake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <argon2.h>
#include <crypt.h>
#include <dlfcn.h>
#include <libpamtest.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "auth.h"
#include "cost.h"
#include "equalize.h"
#include "pam_login.h"
#include "pam_wrapper_exec.h"
#include "pg_super.h"
#include "module_conf.h"

/* Mailboxes are "<name>@eq.test"; each one's right password is RIGHT. */
#define RIGHT "Eq-right-pw-7"
#define WRONG "Eq-wrong-pw-7"
/* As a stored value: the row is a forward. */
static char forward_row[] = "forward";
#define FORWARD forward_row

static FILE *secrets;

/* The decoy checks, counted: the link sends every call of pp_pad here
 * (-Wl,--wrap=pp_pad, Makefile), so that the library keeps no counter for
 * the tests. */
void __real_pp_pad(const struct pp_config *cfg, const char *password);
void __wrap_pp_pad(const struct pp_config *cfg, const char *password);
static atomic_ulong pads_made;

void __wrap_pp_pad(const struct pp_config *cfg, const char *password)
{
	atomic_fetch_add(&pads_made, 1);
	__real_pp_pad(cfg, password);
}

static unsigned long pad_count(void)
{
	return atomic_load(&pads_made);
}

static __attribute__((format(printf, 3, 4))) void to_stdout(void *ctx, int priority,
							      const char *fmt, ...)
{
	va_list ap;

	(void)ctx;
	/* As pam_wrapper writes the module's lines: the harness's secrets
	 * check reads these too. */
	printf("# SYSLOG(%d): ", priority);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static const struct pp_logger logger = { to_stdout, NULL };

/* --- seeing the work ------------------------------------------------------ */

/* Every slow check lib/ makes goes through crypt_rn or argon2_verify with
 * the stored value (past its "{scheme}") as the setting.  These two stand
 * in for the libraries' own (found with RTLD_NEXT), count each call, and
 * count apart those against the value in `watched`. */
static unsigned long slow_calls, watched_calls;
static char watched[PP_HASH_MAX];

/* Counted only while watching, which the tests do from one thread. */
static void seen(const char *stored)
{
	if (watched[0] == '\0')
		return;
	slow_calls++;
	if (stored != NULL && strcmp(stored, watched) == 0)
		watched_calls++;
}

/* Watch the body of decoy ("{scheme}body"), and zero the counts; NULL:
 * stop watching. */
static void watch(const char *decoy)
{
	const char *body = decoy ? strchr(decoy, '}') : NULL;

	snprintf(watched, sizeof watched, "%s", body ? body + 1 : "");
	slow_calls = watched_calls = 0;
}

char *crypt_rn(const char *phrase, const char *setting, void *data, int size)
{
	char *(*real)(const char *, const char *, void *, int);

	*(void **)&real = dlsym(RTLD_NEXT, "crypt_rn");
	if (real == NULL)
		abort();
	seen(setting);
	return real(phrase, setting, data, size);
}

int argon2_verify(const char *encoded, const void *pwd, const size_t pwdlen, argon2_type type)
{
	int (*real)(const char *, const void *, const size_t, argon2_type);

	*(void **)&real = dlsym(RTLD_NEXT, "argon2_verify");
	if (real == NULL)
		abort();
	seen(encoded);
	return real(encoded, pwd, pwdlen, type);
}

/* "{crypt}" and a value crypt(3) makes now of RIGHT, with prefix's method
 * at cost (0: the method's default). */
static char *crypt_value(const char *prefix, unsigned long cost)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE], *out = malloc(CRYPT_OUTPUT_SIZE + 8);
	struct crypt_data *data = calloc(1, sizeof *data);

	assert_non_null(out);
	assert_non_null(data);
	assert_non_null(crypt_gensalt_rn(prefix, cost, NULL, 0, setting, sizeof setting));
	assert_non_null(crypt_rn(RIGHT, setting, data, sizeof *data));
	assert_true(data->output[0] != '*');
	snprintf(out, CRYPT_OUTPUT_SIZE + 8, "{crypt}%s", data->output);
	free(data);
	return out;
}

/* A value of RIGHT made now in scheme ("{crypt}", "{ssha512}"...). */
static char *scheme_value(const char *scheme)
{
	char *out = malloc(PP_HASH_MAX);
	struct pp_target target;
	const char *why;

	assert_non_null(out);
	assert_int_equal(pp_target_parse(scheme, &target, &why), 0);
	assert_int_equal(pp_target_hash(&target, RIGHT, out, PP_HASH_MAX, &why), 0);
	return out;
}

/* "{argon2id}" and a value of RIGHT with these parameters. */
static char *argon2id_value(uint32_t m_kib, uint32_t t, uint32_t p)
{
	static const unsigned char salt[16] = "eq-test-salt-16b";
	char encoded[256], *out = malloc(PP_HASH_MAX);

	assert_non_null(out);
	assert_int_equal(argon2_hash(t, m_kib, p, RIGHT, strlen(RIGHT), salt, sizeof salt, NULL, 32,
				     encoded, sizeof encoded, Argon2_id, ARGON2_VERSION_NUMBER),
			 ARGON2_OK);
	snprintf(out, PP_HASH_MAX, "{argon2id}%s", encoded);
	return out;
}

static void put(const char *name, const char *stored)
{
	char mbox[128];
	const char *params[3] = { mbox, stored == FORWARD ? NULL : stored,
				  stored == FORWARD ? "1" : "0" };
	PGresult *r;

	snprintf(mbox, sizeof mbox, "%s@eq.test", name);
	r = PQexecParams(super,
			 "INSERT INTO mboxes (mbox, password, isForward) VALUES ($1, $2, $3::int) "
			 "ON CONFLICT (mbox) DO UPDATE SET password = EXCLUDED.password, "
			 "isForward = EXCLUDED.isForward",
			 3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", mbox, PQerrorMessage(super));
	PQclear(r);
	if (stored != NULL && stored != FORWARD && secrets != NULL)
		fprintf(secrets, "%s\n", stored);
}

static void config_schemes(struct pp_config *cfg, bool equalize, const char *password_scheme,
			   const char *upgrade_scheme)
{
	pp_config_init(cfg);
	cfg->host = strdup(env("PGHOST"));
	cfg->port = strdup(env("PGPORT"));
	cfg->user = strdup(env("PP_PGUSER"));
	cfg->password = strdup(env("PP_PGPASSWORD"));
	cfg->database = strdup(env("PP_PGDB"));
	cfg->equalize_timing = equalize;
	cfg->password_scheme = password_scheme ? strdup(password_scheme) : NULL;
	cfg->upgrade_scheme = upgrade_scheme ? strdup(upgrade_scheme) : NULL;
}

static void config(struct pp_config *cfg, bool equalize)
{
	config_schemes(cfg, equalize, NULL, NULL);
}

/* One login through lib/: its result, and how many decoy checks it made. */
static enum pp_result login_counting(bool equalize, const char *name, const char *password,
				     unsigned long *pads)
{
	char login[128];
	struct pp_config cfg;
	struct pp_login out;
	unsigned long before = pad_count();
	enum pp_result r;

	snprintf(login, sizeof login, "%s@eq.test", name);
	config(&cfg, equalize);
	r = pp_authenticate(&cfg, login, password, &out, &logger);
	*pads = pad_count() - before;
	pp_config_free(&cfg);
	return r;
}

/* --- the decoy ---------------------------------------------------------- */

/* Do a and b cost the same, read from their parameters?  The same scheme,
 * and the same crypt method and cost, or the same Argon2 parameters. */
static bool same_cost(const char *a, const char *b)
{
	const char *va = NULL, *vb = NULL, *why;
	const struct pp_scheme *sa = pp_stored_scheme(a, &va), *sb = pp_stored_scheme(b, &vb);
	struct pp_argon2_cost ca, cb;

	if (sa == NULL || sa != sb)
		return false;
	if (pp_argon2_params(va, &ca, &why) == 0 && pp_argon2_params(vb, &cb, &why) == 0)
		return strncmp(va, vb, strcspn(va + 1, "$") + 2) == 0 && ca.m_kib == cb.m_kib &&
		       ca.t == cb.t && ca.p == cb.p;
	return pp_crypt_method_of(va) != NULL && pp_crypt_method_of(vb) != NULL &&
	       strcmp(pp_crypt_method_of(va), pp_crypt_method_of(vb)) == 0 &&
	       pp_crypt_cost(va, &why) >= 0 && pp_crypt_cost(va, &why) == pp_crypt_cost(vb, &why);
}

/* Each configuration's decoy is a whole, valid value (so that its check
 * does the work) of its own scheme at its own cost, as a value made now by
 * a password change would be; with upgrade-scheme set, of the dearer of
 * the two. */
static void test_decoy_is_a_check_of_the_configured_scheme(void **state)
{
	static const struct {
		const char *password_scheme, *upgrade_scheme;
		const char *like; /* what a decoy must cost as much as */
	} rows[] = {
		{ NULL, NULL, PP_DEFAULT_PASSWORD_SCHEME },
		{ "{crypt} yescrypt", NULL, "{crypt} yescrypt" },
		{ "{sha512-crypt}", NULL, "{sha512-crypt}" },
		{ "{crypt} sha512", NULL, "{crypt} sha512" },
		{ "{blf-crypt}", NULL, "{blf-crypt}" },
		{ "{crypt} bcrypt", NULL, "{crypt} bcrypt" },
		{ "{argon2id}", NULL, "{argon2id}" },
		/* upgrade-scheme the dearer */
		{ "{sha512-crypt}", "{argon2id}", "{argon2id}" },
		{ "{crypt}", "{blf-crypt}", "{blf-crypt}" },
		{ "{sha512-crypt}", "{crypt}", "{crypt}" },
		{ "{ssha512}", "{sha512-crypt}", "{sha512-crypt}" },
		/* password-scheme the dearer */
		{ "{argon2id}", "{crypt}", "{argon2id}" },
		{ "{blf-crypt}", "{crypt} yescrypt", "{blf-crypt}" },
		{ "{crypt}", "{sha512-crypt}", "{crypt}" },
	};
	unsigned failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char decoy[PP_HASH_MAX] = "", *fresh = scheme_value(rows[i].like);
		struct pp_config cfg;

		config_schemes(&cfg, true, rows[i].password_scheme, rows[i].upgrade_scheme);
		if (pp_decoy(&cfg, decoy, sizeof decoy) != 0 || !same_cost(decoy, fresh) ||
		    pp_check_form(decoy, NULL) != PP_MATCH || pp_verify(decoy, WRONG, NULL) != PP_MISMATCH) {
			/* A decoy is no secret: the password it was made of is random. */
			printf("# password-scheme %s, upgrade-scheme %s: decoy %.40s..., want one "
			       "costing as much as a new %s value\n",
			       rows[i].password_scheme ? rows[i].password_scheme : "unset",
			       rows[i].upgrade_scheme ? rows[i].upgrade_scheme : "unset", decoy,
			       rows[i].like);
			failed++;
		}
		pp_config_free(&cfg);
		free(fresh);
	}
	if (failed > 0)
		fail_msg("%u configuration(s) with the wrong decoy, see above", failed);
}

/* --- the decoy check is made, and is the only work ------------------------ */

struct scheme_row {
	const char *name;     /* <name>@eq.test */
	char *stored;         /* NULL: no such row */
	enum pp_result want;
	unsigned long pads;   /* decoy checks counted by pad_count */
	unsigned long decoy;  /* checks of the decoy seen in crypt_rn/argon2_verify */
	unsigned long slow;   /* all checks seen there */
};

/* Under one password-scheme, with equalize-timing: an unknown address and a
 * cheap value check the configuration's decoy once, through the hashing
 * library itself, and nothing else is hashed (the decoy is kept); a value
 * that costs at least the decoy is checked alone. */
static void pads_under(const char *password_scheme, struct scheme_row *rows, size_t n)
{
	char decoy[PP_HASH_MAX];
	struct pp_config cfg;
	unsigned failed = 0;

	config_schemes(&cfg, true, password_scheme, NULL);
	assert_int_equal(pp_decoy(&cfg, decoy, sizeof decoy), 0);
	for (size_t i = 0; i < n; i++)
		if (rows[i].stored != NULL)
			put(rows[i].name, rows[i].stored);
	for (size_t i = 0; i < n; i++) {
		struct scheme_row *r = &rows[i];
		char login[128];
		struct pp_login out;
		unsigned long before = pad_count();
		enum pp_result got;

		snprintf(login, sizeof login, "%s@eq.test", r->name);
		watch(decoy);
		got = pp_authenticate(&cfg, login, WRONG, &out, &logger);
		if (got != r->want || pad_count() - before != r->pads ||
		    watched_calls != r->decoy || slow_calls != r->slow) {
			printf("# %s, row %s: %s, %lu pads, %lu checks of the decoy, %lu slow checks; "
			       "want %s, %lu, %lu, %lu\n",
			       password_scheme, r->name, pp_result_name(got), pad_count() - before,
			       watched_calls, slow_calls, pp_result_name(r->want), r->pads, r->decoy,
			       r->slow);
			failed++;
		}
	}
	watch(NULL);
	for (size_t i = 0; i < n; i++)
		free(rows[i].stored);
	pp_config_free(&cfg);
	if (failed > 0)
		fail_msg("%s: %u row(s) wrong, see above", password_scheme, failed);
}

static void test_pad_checks_the_decoy_yescrypt(void **state)
{
	struct scheme_row rows[] = {
		{ "nobody", NULL, PP_NO_USER, 1, 1, 1 },
		{ "y-plain", strdup("{plain}" RIGHT), PP_WRONG_PASSWORD, 1, 1, 1 },
		{ "y-cheap", crypt_value("$y$", 3), PP_WRONG_PASSWORD, 1, 1, 2 },
		{ "y-same", scheme_value("{crypt} yescrypt"), PP_WRONG_PASSWORD, 0, 0, 1 },
		{ "y-dear", crypt_value("$y$", 6), PP_WRONG_PASSWORD, 0, 0, 1 },
		{ "y-bcrypt", crypt_value("$2b$", 4), PP_WRONG_PASSWORD, 1, 1, 2 },
	};

	(void)state;
	pads_under("{crypt} yescrypt", rows, sizeof rows / sizeof rows[0]);
}

static void test_pad_checks_the_decoy_sha512_crypt(void **state)
{
	struct scheme_row rows[] = {
		{ "nobody", NULL, PP_NO_USER, 1, 1, 1 },
		{ "s-plain", strdup("{plain}" RIGHT), PP_WRONG_PASSWORD, 1, 1, 1 },
		{ "s-cheap", crypt_value("$6$", 1000), PP_WRONG_PASSWORD, 1, 1, 2 },
		{ "s-same", scheme_value("{sha512-crypt}"), PP_WRONG_PASSWORD, 0, 0, 1 },
		{ "s-dear", crypt_value("$6$", 20000), PP_WRONG_PASSWORD, 0, 0, 1 },
		{ "s-md5", crypt_value("$1$", 0), PP_WRONG_PASSWORD, 1, 1, 2 },
	};

	(void)state;
	pads_under("{sha512-crypt}", rows, sizeof rows / sizeof rows[0]);
}

/* bcrypt at cost 12, dearer than the configured 10, is not padded; cost 8
 * is. */
static void test_pad_checks_the_decoy_bcrypt(void **state)
{
	struct scheme_row rows[] = {
		{ "nobody", NULL, PP_NO_USER, 1, 1, 1 },
		{ "b-plain", strdup("{plain}" RIGHT), PP_WRONG_PASSWORD, 1, 1, 1 },
		{ "b-cheap", crypt_value("$2b$", 8), PP_WRONG_PASSWORD, 1, 1, 2 },
		{ "b-same", scheme_value("{blf-crypt}"), PP_WRONG_PASSWORD, 0, 0, 1 },
		{ "b-12", crypt_value("$2b$", 12), PP_WRONG_PASSWORD, 0, 0, 1 },
		{ "b-yescrypt", crypt_value("$y$", 0), PP_WRONG_PASSWORD, 1, 1, 2 },
	};

	(void)state;
	pads_under("{blf-crypt}", rows, sizeof rows / sizeof rows[0]);
}

static void test_pad_checks_the_decoy_argon2id(void **state)
{
	struct scheme_row rows[] = {
		{ "nobody", NULL, PP_NO_USER, 1, 1, 1 },
		{ "a-plain", strdup("{plain}" RIGHT), PP_WRONG_PASSWORD, 1, 1, 1 },
		{ "a-less-memory", argon2id_value(32768, 3, 1), PP_WRONG_PASSWORD, 1, 1, 2 },
		{ "a-fewer-passes", argon2id_value(65536, 2, 1), PP_WRONG_PASSWORD, 1, 1, 2 },
		{ "a-more-lanes", argon2id_value(65536, 3, 2), PP_WRONG_PASSWORD, 1, 1, 2 },
		{ "a-same", scheme_value("{argon2id}"), PP_WRONG_PASSWORD, 0, 0, 1 },
		{ "a-dear", argon2id_value(65536, 4, 1), PP_WRONG_PASSWORD, 0, 0, 1 },
		{ "a-yescrypt", crypt_value("$y$", 0), PP_WRONG_PASSWORD, 1, 1, 2 },
	};

	(void)state;
	pads_under("{argon2id}", rows, sizeof rows / sizeof rows[0]);
}

/* "{pbkdf2}" and Dovecot's form of RIGHT at rounds, made here with
 * libcrypto: "$1$SALT$ROUNDS$HEX". */
static char *pbkdf2_value(unsigned rounds)
{
	static const char salt[] = "eqTestSalt16bytes";
	unsigned char key[20];
	char *out = malloc(PP_HASH_MAX);
	int n;

	assert_non_null(out);
	assert_int_equal(PKCS5_PBKDF2_HMAC_SHA1(RIGHT, (int)strlen(RIGHT),
						(const unsigned char *)salt, (int)strlen(salt),
						(int)rounds, sizeof key, key),
			 1);
	n = snprintf(out, PP_HASH_MAX, "{pbkdf2}$1$%s$%u$", salt, rounds);
	for (size_t i = 0; i < sizeof key; i++)
		n += snprintf(out + n, PP_HASH_MAX - (size_t)n, "%02x", key[i]);
	return out;
}

/* The PBKDF2 schemes are judged by their iterations: as many as the
 * configured scheme's (5000 for {pbkdf2}) or more is not padded.  Their
 * work is libcrypto's, not crypt_rn's: only the pads are counted. */
static void test_pad_checks_the_decoy_pbkdf2(void **state)
{
	struct scheme_row rows[] = {
		{ "nobody", NULL, PP_NO_USER, 1, 0, 0 },
		{ "p-plain", strdup("{plain}" RIGHT), PP_WRONG_PASSWORD, 1, 0, 0 },
		{ "p-cheap", pbkdf2_value(1000), PP_WRONG_PASSWORD, 1, 0, 0 },
		{ "p-same", scheme_value("{pbkdf2}"), PP_WRONG_PASSWORD, 0, 0, 0 },
		{ "p-dear", pbkdf2_value(20000), PP_WRONG_PASSWORD, 0, 0, 0 },
		{ "p-scram", scheme_value("{scram-sha-256}"), PP_WRONG_PASSWORD, 1, 0, 0 },
		{ "p-yescrypt", crypt_value("$y$", 0), PP_WRONG_PASSWORD, 1, 0, 1 },
	};

	(void)state;
	pads_under("{pbkdf2}", rows, sizeof rows / sizeof rows[0]);
}

static void test_pad_checks_the_decoy_scram(void **state)
{
	struct scheme_row rows[] = {
		{ "nobody", NULL, PP_NO_USER, 1, 0, 0 },
		{ "c-same", scheme_value("{scram-sha-256}"), PP_WRONG_PASSWORD, 0, 0, 0 },
		{ "c-sha1", scheme_value("{scram-sha-1}"), PP_WRONG_PASSWORD, 1, 0, 0 },
		{ "c-pbkdf2", pbkdf2_value(20000), PP_WRONG_PASSWORD, 1, 0, 0 },
	};

	(void)state;
	pads_under("{scram-sha-256}", rows, sizeof rows / sizeof rows[0]);
}

/* --- many threads, more configurations than the table keeps -------------- */

/* Cheap schemes, so that the race is about the table, not the hashing: six
 * configurations for four slots, so decoys are pushed out while others
 * read them.  Every decoy must be of its own configuration's scheme (a
 * torn copy or a slot read while rewritten would not be).  Worth running
 * under ThreadSanitizer too (build-tsan). */
static const char *const race_schemes[] = { "{md5}",  "{ssha}",    "{ssha256}",
					    "{smd5}", "{ssha512}", "{crypt} md5" };
#define RACERS 4
#define RACE_ROUNDS 150

static void *race(void *arg)
{
	unsigned long *bad = arg;
	struct pp_config cfg[sizeof race_schemes / sizeof race_schemes[0]];
	const struct pp_scheme *want[sizeof race_schemes / sizeof race_schemes[0]];

	for (size_t i = 0; i < sizeof race_schemes / sizeof race_schemes[0]; i++) {
		struct pp_target t;
		const char *why;

		pp_config_init(&cfg[i]);
		cfg[i].password_scheme = strdup(race_schemes[i]);
		want[i] = pp_target_parse(race_schemes[i], &t, &why) == 0 ? t.scheme : NULL;
	}
	for (int round = 0; round < RACE_ROUNDS; round++)
		for (size_t i = 0; i < sizeof race_schemes / sizeof race_schemes[0]; i++) {
			char decoy[PP_HASH_MAX];
			const char *value;

			if (pp_decoy(&cfg[i], decoy, sizeof decoy) != 0 || want[i] == NULL ||
			    pp_stored_scheme(decoy, &value) != want[i] ||
			    pp_check_form(decoy, NULL) != PP_MATCH)
				(*bad)++;
			pp_pad(&cfg[i], WRONG);
		}
	for (size_t i = 0; i < sizeof race_schemes / sizeof race_schemes[0]; i++)
		pp_config_free(&cfg[i]);
	return NULL;
}

static void test_decoys_from_many_threads(void **state)
{
	pthread_t threads[RACERS];
	unsigned long bad[RACERS] = { 0 }, before = pad_count();

	(void)state;
	for (int i = 0; i < RACERS; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, race, &bad[i]), 0);
	for (int i = 0; i < RACERS; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		if (bad[i] != 0)
			fail_msg("thread %d: %lu decoys not of their configuration's scheme", i, bad[i]);
	}
	assert_int_equal(pad_count() - before,
			 RACERS * RACE_ROUNDS * (sizeof race_schemes / sizeof race_schemes[0]));
}

/* --- every kind of answer, counted -------------------------------------- */

struct row {
	const char *name;     /* <name>@eq.test */
	char *stored;         /* NULL: no such row; FORWARD: a forward */
	const char *password; /* tried */
	enum pp_result want;
	unsigned long pads;   /* decoy checks with equalize-timing (none without) */
};

static void test_refusals_are_padded(void **state)
{
	struct row rows[] = {
		{ "nobody", NULL, WRONG, PP_NO_USER, 1 },
		{ "-dash", NULL, WRONG, PP_NO_USER, 1 }, /* refused before SQL */
		{ "fwd", FORWARD, RIGHT, PP_FORWARD, 1 },
		{ "plain", strdup("{plain}" RIGHT), WRONG, PP_WRONG_PASSWORD, 1 },
		{ "plain-ok", strdup("{plain}" RIGHT), RIGHT, PP_OK, 0 },
		{ "bare", strdup(RIGHT), WRONG, PP_WRONG_PASSWORD, 1 },
		{ "md5", crypt_value("$1$", 0), WRONG, PP_WRONG_PASSWORD, 1 },
		{ "des", crypt_value("", 0), WRONG, PP_WRONG_PASSWORD, 1 },
		{ "ssha512", scheme_value("{ssha512}"), WRONG, PP_WRONG_PASSWORD, 1 },
		{ "bcrypt", crypt_value("$2b$", 4), WRONG, PP_WRONG_PASSWORD, 1 },
		{ "yes-cheap", crypt_value("$y$", 3), WRONG, PP_WRONG_PASSWORD, 1 },
		{ "yes", crypt_value("$y$", 0), WRONG, PP_WRONG_PASSWORD, 0 },
		{ "yes-ok", crypt_value("$y$", 0), RIGHT, PP_OK, 0 },
		{ "yes-dear", crypt_value("$y$", 7), WRONG, PP_WRONG_PASSWORD, 0 },
		{ "yes-empty", crypt_value("$y$", 0), "", PP_WRONG_PASSWORD, 0 },
		{ "locked", strdup("{crypt}!$y$j9T$iIGUpWUcEOK4pw7RaJq.k.$x"), WRONG,
		  PP_WRONG_PASSWORD, 1 },
		{ "none", strdup("{plain}"), WRONG, PP_WRONG_PASSWORD, 1 },
		{ "unknown-scheme", strdup("{abc}" RIGHT), RIGHT, PP_BAD_STORED, 1 },
		{ "malformed", strdup("{md5}$1$short"), WRONG, PP_BAD_STORED, 1 },
	};
	unsigned failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		if (rows[i].stored != NULL)
			put(rows[i].name, rows[i].stored);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];

		for (int equalize = 0; equalize <= 1; equalize++) {
			unsigned long pads = 0, want = equalize ? r->pads : 0;
			enum pp_result got = login_counting(equalize, r->name, r->password, &pads);

			if (got != r->want || pads != want) {
				printf("# row %s, equalize-timing %s: %s and %lu decoy checks, want "
				       "%s and %lu\n",
				       r->name, equalize ? "yes" : "no", pp_result_name(got), pads,
				       pp_result_name(r->want), want);
				failed++;
			}
		}
	}
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		if (rows[i].stored != FORWARD)
			free(rows[i].stored);
	if (failed > 0)
		fail_msg("%u row(s) wrong, see above", failed);
}

/* --- through PAM --------------------------------------------------------- */

static int authenticate(const char *service, const char *name, const char *password)
{
	char user[128];
	const char *answers[] = { password, NULL };
	struct pamtest_conv_data conv = { .in_echo_off = answers };
	struct pam_testcase tc[] = { pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS) };
	enum pamtest_err err;

	snprintf(user, sizeof user, "%s@eq.test", name);
	err = run_pamtest(service, user, &conv, tc, NULL);
	if (err != PAMTEST_ERR_OK && err != PAMTEST_ERR_CASE)
		fail_msg("libpamtest: %s", pamtest_strerror(err));
	return tc[0].op_rv;
}

/* With equalize-timing the caller cannot tell an unknown address by its
 * code either: Dovecot then logs a password mismatch. */
static void test_unknown_is_auth_err_with_the_option(void **state)
{
	static const struct {
		const char *service, *name, *password;
		int want;
	} rows[] = {
		{ "eq_off", "nobody", WRONG, PAM_USER_UNKNOWN },
		{ "eq_on", "nobody", WRONG, PAM_AUTH_ERR },
		{ "eq_on", "-dash", WRONG, PAM_AUTH_ERR },
		{ "eq_off", "pam-plain", WRONG, PAM_AUTH_ERR },
		{ "eq_on", "pam-plain", WRONG, PAM_AUTH_ERR },
		{ "eq_on", "pam-plain", RIGHT, PAM_SUCCESS },
		{ "eq_off", "pam-fwd", RIGHT, PAM_AUTH_ERR },
		{ "eq_on", "pam-fwd", RIGHT, PAM_AUTH_ERR },
	};

	(void)state;
	put("pam-plain", "{plain}" RIGHT);
	put("pam-fwd", FORWARD);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		int got = authenticate(rows[i].service, rows[i].name, rows[i].password);

		if (got != rows[i].want)
			fail_msg("%s, %s@eq.test: got %s, want %s", rows[i].service, rows[i].name,
				 pam_strerror(NULL, got), pam_strerror(NULL, rows[i].want));
	}
}

/* --- setup ---------------------------------------------------------------- */

static int write_services(const char *svcdir)
{
	char on[4096], off[4096], other[4200];

	snprintf(on, sizeof on, "%s/eq-on.conf", env("PP_TMP"));
	snprintf(off, sizeof off, "%s/eq-off.conf", env("PP_TMP"));
	snprintf(other, sizeof other, "%s/other", svcdir);
	mkdir(svcdir, 0755);
	return write_text_file(other, "# every test service names the types it uses\n", 0644) ||
	       write_module_config(on, "equalize-timing = yes\n") != 0 ||
	       write_module_config(off, "equalize-timing = no\n") != 0 ||
	       write_pam_service(svcdir, "eq_on", env("PP_BUILD"), on) != 0 ||
	       write_pam_service(svcdir, "eq_off", env("PP_BUILD"), off) != 0;
}

static int setup(void **state)
{
	(void)state;
	reconnect_super();
	secrets = getenv("PP_SECRETS") ? fopen(getenv("PP_SECRETS"), "a") : NULL;
	if (secrets != NULL)
		fprintf(secrets, "%s\n%s\n", RIGHT, WRONG);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (secrets != NULL)
		fclose(secrets);
	PQfinish(super);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decoy_is_a_check_of_the_configured_scheme),
		cmocka_unit_test(test_pad_checks_the_decoy_yescrypt),
		cmocka_unit_test(test_pad_checks_the_decoy_sha512_crypt),
		cmocka_unit_test(test_pad_checks_the_decoy_bcrypt),
		cmocka_unit_test(test_pad_checks_the_decoy_argon2id),
		cmocka_unit_test(test_pad_checks_the_decoy_pbkdf2),
		cmocka_unit_test(test_pad_checks_the_decoy_scram),
		cmocka_unit_test(test_decoys_from_many_threads),
		cmocka_unit_test(test_refusals_are_padded),
		cmocka_unit_test(test_unknown_is_auth_err_with_the_option),
	};
	char svcdir[4096];
	int rc = pam_test_begin(argv, svcdir, sizeof svcdir, write_services);

	(void)argc;
	if (rc >= 0)
		return rc;
	return cmocka_run_group_tests(tests, setup, teardown);
}
