/* equalize-timing, without a clock: the library counts its decoy checks
 * (pp_pad_count), and each kind of refusal must make exactly the checks it
 * should, against the real PostgreSQL.  Through PAM, an unknown address is
 * PAM_AUTH_ERR with the option and PAM_USER_UNKNOWN without.  How long each
 * takes is make bench's business (bench/pp_equalize.c): this machine is
 * shared, and a timed assertion would flake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <crypt.h>
#include <libpamtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "auth.h"
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

static void config(struct pp_config *cfg, bool equalize)
{
	pp_config_init(cfg);
	cfg->host = strdup(env("PGHOST"));
	cfg->port = strdup(env("PGPORT"));
	cfg->user = strdup(env("PP_PGUSER"));
	cfg->password = strdup(env("PP_PGPASSWORD"));
	cfg->database = strdup(env("PP_PGDB"));
	cfg->equalize_timing = equalize;
}

/* One login through lib/: its result, and how many decoy checks it made. */
static enum pp_result login_counting(bool equalize, const char *name, const char *password,
				     unsigned long *pads)
{
	char login[128];
	struct pp_config cfg;
	struct pp_login out;
	unsigned long before = pp_pad_count();
	enum pp_result r;

	snprintf(login, sizeof login, "%s@eq.test", name);
	config(&cfg, equalize);
	r = pp_authenticate(&cfg, login, password, &out, &logger);
	*pads = pp_pad_count() - before;
	pp_config_free(&cfg);
	return r;
}

/* --- the decoy ---------------------------------------------------------- */

/* The decoy is a whole, valid value (so its check does the work), and costs
 * what a value made now in the default scheme costs, no less and no more. */
static void test_decoy_is_a_default_check(void **state)
{
	char *fresh = scheme_value(PP_DEFAULT_PASSWORD_SCHEME);

	(void)state;
	assert_int_equal(pp_check_form(pp_decoy, NULL), PP_MATCH);
	assert_int_equal(pp_verify(pp_decoy, WRONG, NULL), PP_MISMATCH);
	assert_true(pp_costs_at_least(fresh, pp_decoy));
	assert_true(pp_costs_at_least(pp_decoy, fresh));
	free(fresh);
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
		cmocka_unit_test(test_decoy_is_a_default_check),
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
