/* SPDX-License-Identifier: GPL-2.0-or-later */
/* acct_mgmt takes authenticate's answer only from the same configuration:
 * the same file, unchanged, and the same arguments (PAM's own flags and
 * debug aside).  Through PAM, against the real PostgreSQL; configuration B's
 * query finds nothing, so a lookup under B says PAM_USER_UNKNOWN, and where
 * acct_mgmt should take authenticate's answer the row is deleted in between
 * to show that it did not ask again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpamtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pam_login.h"
#include "pam_wrapper_exec.h"
#include "pg_super.h"
#include "module_conf.h"

#define USER "bound@binding.test"
#define RIGHT "B0und-right-pw"
#define PAM_DENY "/lib/x86_64-linux-gnu/security/pam_deny.so"

static char conf_a[4096], conf_b[4096];

/* Between authenticate and acct_mgmt, on the same handle. */
enum between {
	NOTHING,
	DELETE_ROW,         /* the row goes: only a new lookup can see it */
	REWRITE_AND_DELETE, /* A is written again, same text, and the row goes */
	DELETE_AND_AUTHENTICATE, /* the row goes, and authenticate again fails */
};

static void put_row(void)
{
	sql("INSERT INTO mboxes (mbox, password) VALUES ('" USER "', '{plain}" RIGHT "') "
	    "ON CONFLICT (mbox) DO UPDATE SET password = EXCLUDED.password");
}

/* authenticate (which must succeed), then what comes between, then
 * acct_mgmt on the same handle: acct_mgmt's code. */
static int transaction(const char *service, enum between between)
{
	struct pam_testcase tc[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_KEEPHANDLE, 0),
	};
	/* A conversation of ours: libpamtest's own lives on its stack, gone
	 * when it returns the handle. */
	enum pamtest_err err =
		_pamtest_conv(service, USER, answer_password, (void *)RIGHT, tc, 2, NULL);
	pam_handle_t *ph;
	int rc;

	if (err != PAMTEST_ERR_OK)
		fail_msg("%s: authenticate: %s (%s)", service, pamtest_strerror(err),
			 pam_strerror(NULL, tc[0].op_rv));
	ph = tc[1].case_out.ph;
	if (between == REWRITE_AND_DELETE)
		assert_int_equal(write_module_config(conf_a, ""), 0);
	if (between != NOTHING)
		sql("DELETE FROM mboxes WHERE mbox = '" USER "'");
	if (between == DELETE_AND_AUTHENTICATE)
		assert_int_equal(pam_authenticate(ph, 0), PAM_USER_UNKNOWN);
	rc = pam_acct_mgmt(ph, 0);
	pam_end(ph, rc);
	return rc;
}

static void test_account_binding(void **state)
{
	static const struct {
		const char *service;
		enum between between;
		int want;
	} rows[] = {
		/* The stack: auth sufficient with A, account with B. */
		{ "bind_two", NOTHING, PAM_USER_UNKNOWN },
		/* The same configuration does not ask again ... */
		{ "bind_same", DELETE_ROW, PAM_SUCCESS },
		{ "bind_flags", DELETE_ROW, PAM_SUCCESS },
		/* ... but other arguments, a rewritten file, or a later failed
		 * authenticate make acct_mgmt look for itself. */
		{ "bind_args", DELETE_ROW, PAM_USER_UNKNOWN },
		{ "bind_same", REWRITE_AND_DELETE, PAM_USER_UNKNOWN },
		{ "bind_same", DELETE_AND_AUTHENTICATE, PAM_USER_UNKNOWN },
	};

	unsigned failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		int got;

		put_row();
		got = transaction(rows[i].service, rows[i].between);
		if (got != rows[i].want) {
			printf("# row %zu, %s: acct_mgmt gave %s, want %s\n", i, rows[i].service,
			       pam_strerror(NULL, got), pam_strerror(NULL, rows[i].want));
			failed++;
		}
	}
	if (failed > 0)
		fail_msg("%u row(s) wrong, see above", failed);
}

/* --- setup ---------------------------------------------------------------- */

/* svcdir/name holds text. */
static int write_service(const char *svcdir, const char *name, const char *text)
{
	char path[4200];

	snprintf(path, sizeof path, "%s/%s", svcdir, name);
	return write_text_file(path, text, 0644);
}

static int write_services(const char *svcdir)
{
	const char *build = env("PP_BUILD");
	char two[16384], flags[16384], args[16384];

	snprintf(conf_a, sizeof conf_a, "%s/bind-a.conf", env("PP_TMP"));
	snprintf(conf_b, sizeof conf_b, "%s/bind-b.conf", env("PP_TMP"));
	snprintf(two, sizeof two,
		 "auth sufficient %s/pam_powermail.so config=%s\n"
		 "auth required " PAM_DENY "\n"
		 "account required %s/pam_powermail.so config=%s\n",
		 build, conf_a, build, conf_b);
	snprintf(flags, sizeof flags,
		 "auth required %s/pam_powermail.so config=%s try_first_pass debug\n"
		 "account required %s/pam_powermail.so config=%s\n",
		 build, conf_a, build, conf_a);
	snprintf(args, sizeof args,
		 "auth required %s/pam_powermail.so config=%s\n"
		 "account required %s/pam_powermail.so config=%s lowercase=yes\n",
		 build, conf_a, build, conf_a);
	mkdir(svcdir, 0755);
	return write_module_config(conf_a, "") != 0 ||
	       write_module_config(conf_b, "postgresql-query = select quotaMB, isForward, fwdDest, "
				    "password from mboxes where mbox = $1 and false\n") != 0 ||
	       write_service(svcdir, "other", "# every service names the types it uses\n") ||
	       write_service(svcdir, "bind_two", two) != 0 ||
	       write_pam_service(svcdir, "bind_same", build, conf_a) != 0 ||
	       write_service(svcdir, "bind_flags", flags) != 0 ||
	       write_service(svcdir, "bind_args", args) != 0;
}

static int setup(void **state)
{
	FILE *secrets = getenv("PP_SECRETS") ? fopen(getenv("PP_SECRETS"), "a") : NULL;

	(void)state;
	if (secrets != NULL) {
		fprintf(secrets, "%s\n", RIGHT);
		fclose(secrets);
	}
	reconnect_super();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	PQfinish(super);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_account_binding),
	};
	char svcdir[4096];
	int rc = pam_test_begin(argv, svcdir, sizeof svcdir, write_services);

	(void)argc;
	if (rc >= 0)
		return rc;
	snprintf(conf_a, sizeof conf_a, "%s/bind-a.conf", env("PP_TMP"));
	return cmocka_run_group_tests(tests, setup, teardown);
}
