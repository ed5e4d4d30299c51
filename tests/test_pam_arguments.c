/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The module's arguments through PAM: pam_unix's nullok, copied onto a
 * pam_powermail line, is taken and changes nothing (a right password logs
 * in, an empty one never does) and is logged once per process; any other
 * unknown word fails every call of its line, with a log line naming it.
 * Against the real PostgreSQL, as the SELECT-only role. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpamtest.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pam_login.h"
#include "pam_test.h"
#include "module_conf.h"

#define USER "args@arguments.test"
#define RIGHT "Args-right-pw-1"
#define WRONG "Args-wrong-pw-2"
#define WRITER "pp_args_writer"
#define WRITER_PASSWORD "pp-args-Writer-pw-3"
#define NO_EFFECT "configuration: module argument 'nullok' has no effect: an empty password " \
		  "never matches"

/* How many lines of log hold want. */
static int count(const char *log, const char *want)
{
	int n = 0;

	for (const char *p = log; (p = strstr(p, want)) != NULL; p += strlen(want))
		n++;
	return n;
}

/* pam_chauthtok as root, the new password twice. */
static int change(const char *service, const char *password)
{
	struct pam_conv conv = { answer_password, (void *)password };

	return pam_change(service, USER, 0, &conv);
}

static void test_nullok_has_no_effect(void **state)
{
	char log[16384];
	int rc_right, rc_empty, rc_wrong, rc_again;

	(void)state;
	capture_start();
	rc_right = pam_login("args_nullok", USER, RIGHT);
	rc_empty = pam_login("args_nullok", USER, "");
	rc_wrong = pam_login("args_nullok", USER, WRONG);
	rc_again = pam_login("args_nullok", USER, RIGHT);
	capture_stop(log, sizeof log);
	fputs(log, stderr); /* for the harness's secrets check */

	assert_int_equal(rc_right, PAM_SUCCESS);
	assert_int_equal(rc_empty, PAM_AUTH_ERR);
	assert_int_equal(rc_wrong, PAM_AUTH_ERR);
	assert_int_equal(rc_again, PAM_SUCCESS);
	/* Once per process, however many calls read it. */
	if (count(log, NO_EFFECT) != 1)
		fail_msg("want one line \"%s\", got %d:\n%s", NO_EFFECT, count(log, NO_EFFECT),
			 log);
	/* Every refusal is logged as before: the empty and the wrong one. */
	assert_int_equal(count(log, "mailbox " USER ": authentication failed"), 2);
	assert_int_equal(count(log, "configuration:"), 1);
}

/* On the password line too: root changes the password. */
static void test_nullok_on_password_line(void **state)
{
	char log[16384];

	(void)state;
	capture_start();
	int rc = change("args_nullok", WRONG);

	capture_stop(log, sizeof log);
	fputs(log, stderr);
	assert_int_equal(rc, PAM_SUCCESS);
	assert_int_equal(count(log, "configuration:"), 0); /* logged already */
	assert_int_equal(pam_login("args_nullok", USER, WRONG), PAM_SUCCESS);
	sql("update mboxes set password = '{plain}" RIGHT "' where mbox = '" USER "'");
}

static void test_unknown_argument_fails_closed(void **state)
{
	char log[16384];
	int rc_right, rc_account;

	(void)state;
	capture_start();
	rc_right = pam_login("args_bogus", USER, RIGHT);
	rc_account = pam_login("args_bogus_account", USER, RIGHT);
	capture_stop(log, sizeof log);
	fputs(log, stderr);

	assert_int_equal(rc_right, PAM_SERVICE_ERR);
	assert_int_equal(rc_account, PAM_SERVICE_ERR);
	if (count(log, "configuration: module argument 'bogus': unknown") != 2)
		fail_msg("want two lines naming 'bogus':\n%s", log);
	assert_int_equal(count(log, "authentication failed"), 0);
}

/* nullok changes no answer, so account management on a line without it
 * takes the answer of an authenticate with it: the row deleted between
 * them is not looked for again. */
static void test_nullok_keeps_the_binding(void **state)
{
	struct pam_testcase tc[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_KEEPHANDLE, 0),
	};
	enum pamtest_err err;
	int rc;

	(void)state;
	err = _pamtest_conv("args_mixed", USER, answer_password, (void *)RIGHT, tc, 2, NULL);
	if (err != PAMTEST_ERR_OK)
		fail_msg("authenticate: %s", pamtest_strerror(err));
	sql("delete from mboxes where mbox = '" USER "'");
	rc = pam_acct_mgmt(tc[1].case_out.ph, 0);
	pam_end(tc[1].case_out.ph, rc);
	sql("insert into mboxes (mbox, password) values ('" USER "', '{plain}" RIGHT "')");
	assert_int_equal(rc, PAM_SUCCESS);
	/* And without the row, a lookup of its own says so. */
	sql("delete from mboxes where mbox = '" USER "'");
	rc = pam_login("args_mixed", USER, RIGHT);
	sql("insert into mboxes (mbox, password) values ('" USER "', '{plain}" RIGHT "')");
	assert_int_equal(rc, PAM_USER_UNKNOWN);
}

/* --- services ------------------------------------------------------------- */

static int write_services(const char *svcdir)
{
	static const struct {
		const char *name, *auth, *account, *password;
	} services[] = {
		{ "args_nullok", "nullok", "nullok", "nullok" },
		{ "args_bogus", "bogus", "", "" },
		{ "args_mixed", "nullok", "", "" },
		/* Account management reads its arguments too. */
		{ "args_bogus_account", "", "bogus", "" },
	};
	const char *build = env("PP_BUILD");
	char conf[4200], writer[4200], path[4200], text[16384];

	/* Logins as the SELECT-only role; changes as a role of the test's. */
	snprintf(conf, sizeof conf, "%s/args.conf", env("PP_TMP"));
	snprintf(writer, sizeof writer, "%s/args_writer.conf", env("PP_TMP"));
	snprintf(text, sizeof text,
		 "postgresql-conninfo = host=%s port=%s dbname=%s user=" WRITER
		 " password=" WRITER_PASSWORD "\n",
		 env("PGHOST"), env("PGPORT"), env("PP_PGDB"));
	if (mkdir(svcdir, 0755) != 0 || write_module_config(conf, "") != 0 ||
	    write_text_file(writer, text, 0600) != 0)
		return -1;
	snprintf(path, sizeof path, "%s/other", svcdir);
	if (write_text_file(path, "# every test service names the types it uses\n", 0644) != 0)
		return -1;
	for (size_t i = 0; i < sizeof services / sizeof services[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", svcdir, services[i].name);
		snprintf(text, sizeof text,
			 "auth required %s/pam_powermail.so config=%s %s\n"
			 "account required %s/pam_powermail.so config=%s %s\n"
			 "password required %s/pam_powermail.so config=%s %s\n",
			 build, conf, services[i].auth, build, conf, services[i].account, build,
			 writer, services[i].password);
		if (write_text_file(path, text, 0644) != 0)
			return -1;
	}
	return 0;
}

static int setup(void **state)
{
	(void)state;
	harness_secret(RIGHT);
	harness_secret(WRONG);
	harness_secret(WRITER_PASSWORD);
	reconnect_super();
	writer_role(WRITER, WRITER_PASSWORD);
	sql("insert into mboxes (mbox, password) values ('" USER "', '{plain}" RIGHT "') "
	    "on conflict (mbox) do update set password = excluded.password");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return finish_super("delete from mboxes where mbox = '" USER "'");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nullok_has_no_effect),
		cmocka_unit_test(test_nullok_on_password_line),
		cmocka_unit_test(test_unknown_argument_fails_closed),
		cmocka_unit_test(test_nullok_keeps_the_binding),
	};

	(void)argc;
	return PAM_TEST_RUN(argv, write_services, "args-stderr.log", tests, setup, teardown);
}
