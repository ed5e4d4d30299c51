/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Password changes and upgrade-on-login, through PAM against the real
 * PostgreSQL: pam_chauthtok as root and as a user, with use_authtok, for
 * unknown and forward addresses, against a database that refuses the write
 * (no permission, a read-only standby) or is down; and logins that replace
 * weak stored values, that fail to and go on, and one that races a change
 * made meanwhile and must not overwrite it; and writes a CHECK constraint
 * or a trigger refuses, whose server text quotes the new value.
 *
 * The module writes as role pp_writer (SELECT, and UPDATE of the password
 * column only); the test's own role powermail stays SELECT-only, and
 * pp_standby is read-only like a hot standby. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <crypt.h>
#include <libpamtest.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <security/pam_appl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture.h"
#include "pam_login.h"
#include "pam_wrapper_exec.h"
#include "pg_super.h"
#include "scheme.h"

#define APP "pp-lifecycle-test"
#define SET_ITEMS "/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_set_items.so"
#define WRITER_PASSWORD "pp-writer-Secret-1"

/* --- the database, as the superuser ------------------------------------ */

/* Set mailbox's row: stored NULL for a SQL NULL; forward makes it one. */
static void put(const char *mbox, const char *stored, bool forward)
{
	const char *params[3] = { mbox, stored, forward ? "1" : "0" };
	PGresult *r = PQexecParams(super,
				   "insert into mboxes (mbox, password, isforward) values ($1, $2, "
				   "$3::int) on conflict (mbox) do update set password = "
				   "excluded.password, isforward = excluded.isforward",
				   3, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("put %s: %s", mbox, PQerrorMessage(super));
	PQclear(r);
}

/* The stored value, into buf; "(none)" when there is no row. */
static const char *stored(const char *mbox, char *buf, size_t size)
{
	const char *params[1] = { mbox };
	PGresult *r = PQexecParams(super, "select password from mboxes where mbox = $1", 1, NULL,
				   params, NULL, NULL, 0);

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("stored %s: %s", mbox, PQerrorMessage(super));
	snprintf(buf, size, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "(none)");
	PQclear(r);
	return buf;
}

/* --- configurations and services --------------------------------------- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0 || chmod(path, 0600) != 0) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(99);
	}
}

/* A configuration reaching the cluster as role, plus extra lines. */
static void write_config(const char *name, const char *role, const char *password,
			 const char *extra)
{
	char path[4096], text[8192];

	snprintf(path, sizeof path, "%s/%s.conf", env("PP_TMP"), name);
	snprintf(text, sizeof text,
		 "postgresql-conninfo = host=%s port=%s dbname=%s user=%s password=%s "
		 "application_name=" APP "\n%s",
		 env("PGHOST"), env("PGPORT"), env("PP_PGDB"), role, password, extra);
	write_file(path, text);
}

/* Service NAME: auth, account and password lines for config NAME.conf;
 * with_items stacks pam_set_items.so first (PAM_AUTHTOK from the
 * environment), and args are the password line's own. */
static void write_service(const char *svcdir, const char *name, bool with_items,
			  const char *args)
{
	char path[4096], conf[4096], text[16384];
	const char *build = env("PP_BUILD");

	snprintf(path, sizeof path, "%s/%s", svcdir, name);
	snprintf(conf, sizeof conf, "%s/%s.conf", env("PP_TMP"), name);
	snprintf(text, sizeof text,
		 "auth required %s/pam_powermail.so config=%s\n"
		 "account required %s/pam_powermail.so config=%s\n"
		 "%s%s%s"
		 "password required %s/pam_powermail.so config=%s %s\n",
		 build, conf, build, conf, with_items ? "password required " : "",
		 with_items ? SET_ITEMS : "", with_items ? "\n" : "", build, conf, args);
	write_file(path, text);
	chmod(path, 0644);
}

static int write_services(const char *svcdir)
{
	const char *user = env("PP_PGUSER"), *pw = env("PP_PGPASSWORD");
	char other[4200];

	mkdir(svcdir, 0755);
	/* libpam reads "other" for the types a service leaves out (session). */
	snprintf(other, sizeof other, "%s/other", svcdir);
	write_file(other, "# every test service names the types it uses\n");
	chmod(other, 0644);
	write_config("lc", "pp_writer", WRITER_PASSWORD, "");
	write_service(svcdir, "lc", false, "");
	write_config("lc_authtok", "pp_writer", WRITER_PASSWORD, "");
	write_service(svcdir, "lc_authtok", true, "use_authtok");
	write_config("lc_sha512", "pp_writer", WRITER_PASSWORD, "password-scheme = {ssha512}\n");
	write_service(svcdir, "lc_sha512", false, "");
	write_config("lc_select", user, pw, "");
	write_service(svcdir, "lc_select", false, "");
	write_config("lc_standby", "pp_standby", WRITER_PASSWORD, "");
	write_service(svcdir, "lc_standby", false, "");
	write_config("lc_up", "pp_writer", WRITER_PASSWORD, "upgrade-scheme = {crypt}\n");
	write_service(svcdir, "lc_up", false, "");
	write_config("lc_up_bcrypt", "pp_writer", WRITER_PASSWORD,
		     "upgrade-scheme = {crypt} bcrypt\n");
	write_service(svcdir, "lc_up_bcrypt", false, "");
	write_config("lc_up_select", user, pw, "upgrade-scheme = {crypt}\n");
	write_service(svcdir, "lc_up_select", false, "");
	/* Unsalted: the test can make the very value the module writes, and
	 * give it to the harness's secrets check. */
	write_config("lc_sha256", "pp_writer", WRITER_PASSWORD, "password-scheme = {sha256}\n");
	write_service(svcdir, "lc_sha256", false, "");
	/* The new value holds the password itself, as in the second audit. */
	write_config("lc_plain", "pp_writer", WRITER_PASSWORD, "password-scheme = {plain}\n");
	write_service(svcdir, "lc_plain", false, "");

	return 0;
}

/* --- PAM ------------------------------------------------------------------ */

/* pam_chauthtok for user with the conversation's answers, in order. */
static int change(const char *service, const char *user, const char *answers[])
{
	struct pamtest_conv_data conv = { .in_echo_off = answers };
	struct pam_testcase tests[] = { pam_test(PAMTEST_CHAUTHTOK, PAM_SUCCESS) };
	enum pamtest_err err = run_pamtest(service, user, &conv, tests, NULL);

	if (err == PAMTEST_ERR_OK)
		return PAM_SUCCESS;
	if (err != PAMTEST_ERR_CASE)
		fail_msg("libpamtest: %s", pamtest_strerror(err));
	return pamtest_failed_case(tests)->op_rv;
}

/* The same, with the real uid of a user and the effective uid still root,
 * as for a set-uid passwd: the module must ask for the current password. */
static int change_as_user(const char *service, const char *user, const char *answers[])
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		/* A set-uid program must not let the caller's PG* variables
		 * steer the module's connection, which refuses them; the
		 * configuration names host and port itself. */
		unset_pg_variables();
		if (setresuid(65534, 0, 0) != 0)
			_exit(99);
		_exit(change(service, user, answers));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int login(const char *service, const char *user, const char *password)
{
	return pam_login(service, user, password);
}

static void expect_logins(const char *service, const char *user, const char *right,
			  const char *wrong)
{
	assert_int_equal(login(service, user, right), PAM_SUCCESS);
	assert_int_equal(login(service, user, wrong), PAM_AUTH_ERR);
}

/* The capture holds exactly one module line, and it says want. */
static void expect_one_line(int lines, const char *log, const char *want)
{
	if (lines != 1 || strstr(log, want) == NULL)
		fail_msg("want one log line with \"%s\", got %d:\n%s", want, lines, log);
}

/* Every password this test types: the harness checks that none reaches a
 * log line of any test. */
static void declare_secrets(void)
{
	static const char *const secrets[] = {
		"Old-pass-1", "New-pass-2", "not-the-one", "Next-3", "First-4", "Second-5",
		"From-Stack-6", "Salted-7", "Any-8", "Refused-9", "Down-10", "Upgrade-Me-11",
		"Upgrade-Me-12", "Strong-13", "Strong-14", "Cost-15", "Cost-16", "Read-Only-17",
		"Before-18", "After-19", "N3w-Secret-20", "Upgrade-Secret-21", "Raised-Secret-22",
		"Raised-Secret-23", "NewSecret-QWERT-25", "Replacing-Secret-27", "Quote'd-Secret-29",
		WRITER_PASSWORD,
	};

	for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
		harness_secret(secrets[i]);
}

/* --- fixtures ------------------------------------------------------------- */

static int setup(void **state)
{
	(void)state;
	reconnect_super();
	sql("do $$ begin "
	    "if not exists (select 1 from pg_roles where rolname = 'pp_writer') then "
	    "create role pp_writer login; end if; "
	    "if not exists (select 1 from pg_roles where rolname = 'pp_standby') then "
	    "create role pp_standby login; end if; end $$");
	sql("alter role pp_writer password '" WRITER_PASSWORD "'");
	sql("alter role pp_standby password '" WRITER_PASSWORD "'");
	sql("alter role pp_standby set default_transaction_read_only = on");
	sql("grant select, update (password) on mboxes to pp_writer, pp_standby");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	PQfinish(super);
	return 0;
}

/* --- pam_chauthtok ------------------------------------------------------- */

static void test_root_changes_without_current_password(void **state)
{
	const char *answers[] = { "New-pass-2", "New-pass-2", NULL };
	char buf[512];

	(void)state;
	put("alice@life.test", "{plain}Old-pass-1", false);
	assert_int_equal(change("lc", "alice@life.test", answers), PAM_SUCCESS);
	/* password-scheme's default: {crypt}, libxcrypt's default method. */
	assert_memory_equal(stored("alice@life.test", buf, sizeof buf), "{crypt}$y$", 10);
	expect_logins("lc", "alice@life.test", "New-pass-2", "Old-pass-1");
	/* The name is normalised as for a login. */
	assert_int_equal(change("lc", "ALICE@Life.Test", answers), PAM_SUCCESS);
	expect_logins("lc", "alice@life.test", "New-pass-2", "Old-pass-1");
}

static void test_user_must_give_current_password(void **state)
{
	const char *wrong[] = { "not-the-one", "Next-3", "Next-3", NULL };
	const char *right[] = { "Old-pass-1", "Next-3", "Next-3", NULL };
	char before[512], after[512];

	(void)state;
	put("bob@life.test", "{plain}Old-pass-1", false);
	stored("bob@life.test", before, sizeof before);
	assert_int_equal(change_as_user("lc", "bob@life.test", wrong), PAM_AUTH_ERR);
	assert_string_equal(stored("bob@life.test", after, sizeof after), before);
	assert_int_equal(change_as_user("lc", "bob@life.test", right), PAM_SUCCESS);
	expect_logins("lc", "bob@life.test", "Next-3", "Old-pass-1");
}

static void test_retyped_differently(void **state)
{
	const char *answers[] = { "First-4", "Second-5", NULL };
	char after[512];

	(void)state;
	put("carol@life.test", "{plain}Old-pass-1", false);
	assert_int_equal(change("lc", "carol@life.test", answers), PAM_TRY_AGAIN);
	assert_string_equal(stored("carol@life.test", after, sizeof after), "{plain}Old-pass-1");
}

static void test_use_authtok(void **state)
{
	const char *none[] = { NULL };
	char after[512];

	(void)state;
	put("dave@life.test", "{plain}Old-pass-1", false);
	/* The new password comes from the stack, not from a prompt. */
	setenv("PAM_AUTHTOK", "From-Stack-6", 1);
	assert_int_equal(change("lc_authtok", "dave@life.test", none), PAM_SUCCESS);
	unsetenv("PAM_AUTHTOK");
	expect_logins("lc", "dave@life.test", "From-Stack-6", "Old-pass-1");
	/* use_authtok and nothing on the stack: no change. */
	put("dave@life.test", "{plain}Old-pass-1", false);
	assert_int_equal(change("lc_authtok", "dave@life.test", none), PAM_AUTHTOK_ERR);
	assert_string_equal(stored("dave@life.test", after, sizeof after), "{plain}Old-pass-1");
}

static void test_password_scheme(void **state)
{
	const char *answers[] = { "Salted-7", "Salted-7", NULL };
	char buf[512];

	(void)state;
	put("erin@life.test", "{plain}Old-pass-1", false);
	assert_int_equal(change("lc_sha512", "erin@life.test", answers), PAM_SUCCESS);
	assert_memory_equal(stored("erin@life.test", buf, sizeof buf), "{ssha512}", 9);
	assert_int_equal(pp_verify(buf, "Salted-7", NULL), PP_MATCH);
	expect_logins("lc", "erin@life.test", "Salted-7", "Old-pass-1");
}

static void test_unknown_and_forward_refused(void **state)
{
	const char *answers[] = { "Any-8", "Any-8", NULL };
	char after[512];

	(void)state;
	put("fwd@life.test", "{plain}Old-pass-1", true);
	assert_int_equal(change("lc", "nobody@life.test", answers), PAM_USER_UNKNOWN);
	assert_int_equal(change("lc", "fwd@life.test", answers), PAM_PERM_DENIED);
	assert_string_equal(stored("fwd@life.test", after, sizeof after), "{plain}Old-pass-1");
	assert_string_equal(stored("nobody@life.test", after, sizeof after), "(none)");
}

static void test_write_refused(void **state)
{
	const char *answers[] = { "Refused-9", "Refused-9", NULL };
	char after[512], log[8192];

	(void)state;
	put("frank@life.test", "{plain}Old-pass-1", false);
	/* A role that may not update, and a read-only standby. */
	capture_start();
	assert_int_equal(change("lc_select", "frank@life.test", answers), PAM_AUTHTOK_ERR);
	expect_one_line(capture_stop(log, sizeof log), log,
			"password not changed: failed (SQLSTATE 42501)");
	capture_start();
	assert_int_equal(change("lc_standby", "frank@life.test", answers), PAM_AUTHTOK_ERR);
	expect_one_line(capture_stop(log, sizeof log), log,
			"password not changed: failed (SQLSTATE 25006)");
	assert_string_equal(stored("frank@life.test", after, sizeof after), "{plain}Old-pass-1");
	assert_null(strstr(log, "Refused-9"));
}

static void test_database_down(void **state)
{
	const char *answers[] = { "Down-10", "Down-10", NULL };
	char cmd[4200], after[512];

	(void)state;
	put("grace@life.test", "{plain}Old-pass-1", false);
	snprintf(cmd, sizeof cmd, "%s stop >/dev/null", env("PP_PGCTL"));
	assert_int_equal(system(cmd), 0);
	int rc = change("lc", "grace@life.test", answers);

	snprintf(cmd, sizeof cmd, "%s start >/dev/null", env("PP_PGCTL"));
	assert_int_equal(system(cmd), 0);
	reconnect_super();
	assert_int_equal(rc, PAM_AUTHINFO_UNAVAIL);
	assert_string_equal(stored("grace@life.test", after, sizeof after), "{plain}Old-pass-1");
	/* And once it is back, the change goes through. */
	assert_int_equal(change("lc", "grace@life.test", answers), PAM_SUCCESS);
	expect_logins("lc", "grace@life.test", "Down-10", "Old-pass-1");
}

/* --- upgrade on login ----------------------------------------------------- */

/* A bcrypt value of cost 5, below the 10 new values get. */
static void bcrypt5(const char *password, char *out, size_t size)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data data = { 0 };

	assert_non_null(crypt_gensalt_rn("$2b$", 5, NULL, 0, setting, sizeof setting));
	snprintf(out, size, "{crypt}%s", crypt_rn(password, setting, &data, sizeof data));
}

static void test_weak_values_upgraded(void **state)
{
	static const struct {
		const char *mbox, *scheme; /* scheme NULL: unprefixed plaintext */
	} rows[] = {
		{ "up-plain@life.test", "plain" }, { "up-bare@life.test", NULL },
		{ "up-des@life.test", "des-crypt" }, { "up-md5@life.test", "md5" },
		{ "up-sha1@life.test", "sha1" },     { "up-ssha@life.test", "ssha" },
		{ "up-sha256@life.test", "sha256" },
	};
	const char *password = "Upgrade-Me-11";
	char value[PP_HASH_MAX], buf[512], log[8192];
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		if (rows[i].scheme == NULL)
			snprintf(value, sizeof value, "%s", password);
		else
			assert_int_equal(pp_hash(rows[i].scheme, NULL, password, value,
						 sizeof value, &why), 0);
		put(rows[i].mbox, value, false);
		capture_start();
		assert_int_equal(login("lc_up", rows[i].mbox, password), PAM_SUCCESS);
		expect_one_line(capture_stop(log, sizeof log), log, "password upgraded from");
		assert_memory_equal(stored(rows[i].mbox, buf, sizeof buf), "{crypt}$y$", 10);
		expect_logins("lc_up", rows[i].mbox, password, "Upgrade-Me-12");
		/* Upgraded once: the next login leaves the value alone. */
		char again[512];

		assert_string_equal(stored(rows[i].mbox, again, sizeof again), buf);
	}
}

static void test_strong_values_left_alone(void **state)
{
	static const char *const schemes[] = { "crypt", "sha512-crypt", "argon2id" };
	const char *password = "Strong-13";
	char value[PP_HASH_MAX], buf[512];
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
		assert_int_equal(pp_hash(schemes[i], NULL, password, value, sizeof value, &why), 0);
		put("strong@life.test", value, false);
		assert_int_equal(login("lc_up", "strong@life.test", password), PAM_SUCCESS);
		assert_string_equal(stored("strong@life.test", buf, sizeof buf), value);
	}
	/* A wrong password never upgrades anything. */
	put("weak-wrong@life.test", "{plain}Strong-13", false);
	assert_int_equal(login("lc_up", "weak-wrong@life.test", "Strong-14"), PAM_AUTH_ERR);
	assert_string_equal(stored("weak-wrong@life.test", buf, sizeof buf), "{plain}Strong-13");
}

static void test_lower_cost_upgraded(void **state)
{
	char value[512], buf[512];

	(void)state;
	bcrypt5("Cost-15", value, sizeof value);
	put("cost@life.test", value, false);
	assert_int_equal(login("lc_up_bcrypt", "cost@life.test", "Cost-15"), PAM_SUCCESS);
	assert_memory_equal(stored("cost@life.test", buf, sizeof buf), "{crypt}$2b$10$", 14);
	expect_logins("lc_up_bcrypt", "cost@life.test", "Cost-15", "Cost-16");
}

static void test_failed_upgrade_still_logs_in(void **state)
{
	char buf[512], log[8192];

	(void)state;
	put("ro@life.test", "{plain}Read-Only-17", false);
	capture_start();
	assert_int_equal(login("lc_up_select", "ro@life.test", "Read-Only-17"), PAM_SUCCESS);
	expect_one_line(capture_stop(log, sizeof log), log,
			"password not upgraded from {plain} (the login goes on)");
	assert_non_null(strstr(log, "SQLSTATE 42501"));
	assert_null(strstr(log, "Read-Only-17"));
	assert_string_equal(stored("ro@life.test", buf, sizeof buf), "{plain}Read-Only-17");
}

/* --- writes the server refuses, in words that quote the value ------------ */

/* The {sha256} value the module makes of password, into out; handed to the
 * harness's secrets check. */
static void sha256_value(const char *password, char *out, size_t size)
{
	const char *why;

	assert_int_equal(pp_hash("sha256", NULL, password, out, size, &why), 0);
	harness_secret(out);
}

/* The password the server refused for mbox, as its own log quotes it
 * ("DETAIL:  Failing row contains (id, mbox, password, ...)"): a salted
 * value the module made, which the test cannot make itself.  The log is
 * the cluster's, beside its socket directory (tests/pg.sh). */
static void refused_value(const char *mbox, char *out, size_t size)
{
	char path[4200], line[4096], want[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/../log/postgresql.log", env("PGHOST"));
	snprintf(want, sizeof want, "Failing row contains (");
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot read the server's log %s", path);
	out[0] = '\0';
	while (fgets(line, sizeof line, f) != NULL) {
		char *row = strstr(line, want), *at;

		if (row == NULL || (at = strstr(row, mbox)) == NULL || at[strlen(mbox)] != ',')
			continue;
		at += strlen(mbox) + 2;
		snprintf(out, size, "%.*s", (int)strcspn(at, ","), at);
	}
	fclose(f);
	if (out[0] == '\0')
		fail_msg("the server's log quotes no refused row of %s", mbox);
	harness_secret(out);
}

/* capture_stop, and the lines shown again on stderr: the harness gathers
 * what the module logged from the test's output for its secrets check. */
static int capture_stop_shown(char *buf, size_t size)
{
	int lines = capture_stop(buf, size);

	fputs(buf, stderr);
	return lines;
}

/* The log holds none of these. */
static void expect_none_of(const char *log, const char *const *secrets, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(log, secrets[i]) != NULL)
			fail_msg("secret %zu is in the log:\n%s", i, log);
}

/* The finding: a CHECK constraint on the password column made a password
 * change log the server's DETAIL, "Failing row contains (..., the new
 * value, ...)"; an upgrade the same.  Now: the SQLSTATE and the primary
 * message only. */
static void test_check_constraint_quotes_no_value(void **state)
{
	const char *answers[] = { "N3w-Secret-20", "N3w-Secret-20", NULL };
	char changed[PP_HASH_MAX], upgraded[PP_HASH_MAX], buf[512], log[8192];

	(void)state;
	sha256_value("N3w-Secret-20", changed, sizeof changed);
	put("reject-change@life.test", "{plain}Old-pass-1", false);
	put("reject-upgrade@life.test", "{plain}Upgrade-Secret-21", false);
	sql("alter table mboxes add constraint pp_only_plain check "
	    "(mbox not like 'reject-%@life.test' or password like '{plain}%')");

	char log2[8192];

	capture_start();
	int rc = change("lc_sha256", "reject-change@life.test", answers);
	int lines = capture_stop_shown(log, sizeof log);

	capture_start();
	int rc_login = login("lc_up", "reject-upgrade@life.test", "Upgrade-Secret-21");
	int lines2 = capture_stop_shown(log2, sizeof log2);

	sql("alter table mboxes drop constraint pp_only_plain");
	/* The upgrade's value: {crypt}, salted; what the server saw. */
	refused_value("reject-upgrade@life.test", upgraded, sizeof upgraded);
	assert_memory_equal(upgraded, "{crypt}$y$", 10);
	assert_int_equal(rc, PAM_AUTHTOK_ERR);
	expect_one_line(lines, log,
			"password not changed: failed (SQLSTATE 23514): new row for relation "
			"\"mboxes\" violates check constraint \"pp_only_plain\"");
	assert_int_equal(rc_login, PAM_SUCCESS);
	expect_one_line(lines2, log2,
			"password not upgraded from {plain} (the login goes on): failed (SQLSTATE "
			"23514): new row for relation \"mboxes\" violates check constraint "
			"\"pp_only_plain\"");
	const char *secrets[] = { "N3w-Secret-20", changed + 8, "Upgrade-Secret-21", upgraded + 7,
				  "Failing row", "DETAIL" };

	expect_none_of(log, secrets, sizeof secrets / sizeof secrets[0]);
	expect_none_of(log2, secrets, sizeof secrets / sizeof secrets[0]);
	assert_string_equal(stored("reject-change@life.test", buf, sizeof buf), "{plain}Old-pass-1");
}

/* A trigger whose own message quotes the row: RAISE (class P0) is never
 * shown, and another condition's message is shown only when it holds none
 * of the values sent. */
static void test_trigger_quotes_no_value(void **state)
{
	const char *p0[] = { "Raised-Secret-22", "Raised-Secret-22", NULL };
	const char *c23[] = { "Raised-Secret-23", "Raised-Secret-23", NULL };
	char v22[PP_HASH_MAX], v23[PP_HASH_MAX], log[8192];

	(void)state;
	sha256_value("Raised-Secret-22", v22, sizeof v22);
	sha256_value("Raised-Secret-23", v23, sizeof v23);
	put("raise-p0@life.test", "{plain}Old-pass-1", false);
	put("raise-23@life.test", "{plain}Old-pass-1", false);
	sql("create or replace function pp_quote_row() returns trigger language plpgsql as $$ "
	    "begin "
	    "if new.mbox = 'raise-p0@life.test' then "
	    "raise exception 'refused % (was %)', new.password, old.password; end if; "
	    "if new.mbox = 'raise-23@life.test' then "
	    "raise exception using errcode = 'check_violation', "
	    "message = 'refused ' || new.password; end if; "
	    "return new; end $$");
	sql("create trigger pp_quote_row before update on mboxes for each row "
	    "execute function pp_quote_row()");

	capture_start();
	int rc_p0 = change("lc_sha256", "raise-p0@life.test", p0);
	int rc_23 = change("lc_sha256", "raise-23@life.test", c23);
	int lines = capture_stop_shown(log, sizeof log);

	sql("drop trigger pp_quote_row on mboxes");
	sql("drop function pp_quote_row()");
	assert_int_equal(rc_p0, PAM_AUTHTOK_ERR);
	assert_int_equal(rc_23, PAM_AUTHTOK_ERR);
	if (lines != 2 ||
	    strstr(log, "mailbox raise-p0@life.test: password not changed: failed (SQLSTATE "
			"P0001): raise_exception (the server's message is not shown") == NULL ||
	    strstr(log, "mailbox raise-23@life.test: password not changed: failed (SQLSTATE "
			"23514): check_violation (the server's message is not shown") == NULL)
		fail_msg("want two lines naming the condition, got %d:\n%s", lines, log);
	const char *secrets[] = { "Raised-Secret-22", v22 + 8, "Raised-Secret-23", v23 + 8,
				  "Old-pass-1", "refused" };

	expect_none_of(log, secrets, sizeof secrets / sizeof secrets[0]);
}

/* --- the second audit's triggers: a cut message, OLD, a quoted value ---- */

/* The log holds no 8-byte piece of secret (all of it when shorter). */
static void expect_no_piece(const char *log, const char *secret)
{
	size_t n = strlen(secret);

	for (size_t i = 0; i + 8 <= n || (i == 0 && n > 0); i++) {
		size_t len = n < 8 ? n : 8;

		if (memmem(log, strlen(log), secret + i, len) != NULL)
			fail_msg("\"%.*s\", a piece of a secret, is in the log:\n%s", (int)len,
				 secret + i, log);
	}
}

/* A BEFORE UPDATE trigger raising body (SQL, over new and old) as
 * check_violation, a class whose server messages are shown; a password
 * change of mbox to password (the service stores it as {plain}) is
 * refused, and its log line holds no piece of the new password, the
 * stored value or the new value. */
static void expect_trigger_quotes_nothing(const char *mbox, const char *old_value,
					  const char *password, const char *body)
{
	const char *answers[] = { password, password, NULL };
	char function[2048], new_value[512], buf[512], log[8192];

	snprintf(new_value, sizeof new_value, "{plain}%s", password);
	harness_secret(new_value);
	harness_secret(old_value);
	put(mbox, old_value, false);
	snprintf(function, sizeof function,
		 "create or replace function pp_audit_row() returns trigger language plpgsql "
		 "as $$ begin if new.mbox = '%s' then raise exception using errcode = "
		 "'check_violation', message = %s; end if; return new; end $$",
		 mbox, body);
	sql(function);
	sql("create trigger pp_audit_row before update on mboxes for each row "
	    "execute function pp_audit_row()");

	capture_start();
	int rc = change("lc_plain", mbox, answers);
	int lines = capture_stop_shown(log, sizeof log);

	sql("drop trigger pp_audit_row on mboxes");
	sql("drop function pp_audit_row()");
	assert_int_equal(rc, PAM_AUTHTOK_ERR);
	expect_one_line(lines, log, "password not changed: failed (SQLSTATE 23514): ");
	expect_no_piece(log, password);
	expect_no_piece(log, old_value);
	expect_no_piece(log, new_value);
	assert_string_equal(stored(mbox, buf, sizeof buf), old_value);
}

/* The message was cut to 255 bytes before it was searched: 15 of the 20
 * bytes of the new value were logged. */
static void test_trigger_long_message_quotes_no_value(void **state)
{
	(void)state;
	expect_trigger_quotes_nothing("audit-cut@life.test", "{plain}Old-Cut-Secret-24",
				      "NewSecret-QWERT-25", "repeat('x', 226) || ' rejected value ' || "
				      "new.password");
}

/* The stored value was not among the secrets: '...'||OLD.password logged
 * the current password. */
static void test_trigger_old_value_quotes_no_value(void **state)
{
	(void)state;
	expect_trigger_quotes_nothing("audit-old@life.test", "{plain}Current-Secret-26",
				      "Replacing-Secret-27", "'was ' || old.password");
}

/* format('%L') doubled the quote of a password that has one, and the
 * value went past the substring check. */
static void test_trigger_quoted_value_quotes_no_value(void **state)
{
	(void)state;
	expect_trigger_quotes_nothing("audit-quote@life.test", "{plain}Old-Quote-Secret-28",
				      "Quote'd-Secret-29", "format('refused %L', new.password)");
}

/* --- a change racing an upgrade ----------------------------------------- */

struct racer {
	int rc;
};

static void *race_login(void *arg)
{
	struct racer *r = arg;

	r->rc = login("lc_up", "race@life.test", "Before-18");
	return NULL;
}

/* Is a backend of ours waiting for a row lock?  Asked on a connection of
 * its own: inside super's open transaction, pg_stat_activity would not
 * change. */
static bool upgrade_waiting(void)
{
	const char *names[] = { "user", "dbname", NULL };
	const char *values[] = { env("PP_PGSUPER"), env("PP_PGDB"), NULL };
	PGconn *probe = PQconnectdbParams(names, values, 0);
	bool waiting;
	PGresult *r = PQexec(probe, "select count(*) from pg_stat_activity where application_name "
				    "= '" APP "' and wait_event_type = 'Lock'");

	waiting = PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), "1") == 0;
	PQclear(r);
	PQfinish(probe);
	return waiting;
}

static void test_change_racing_an_upgrade(void **state)
{
	struct racer r = { -1 };
	pthread_t t;
	char buf[512], log[8192];
	bool waited = false;

	(void)state;
	put("race@life.test", "{plain}Before-18", false);
	/* The change: made, not yet committed, when the login reads the row. */
	sql("begin");
	sql("update mboxes set password = '{plain}After-19' where mbox = 'race@life.test'");
	capture_start();
	assert_int_equal(pthread_create(&t, NULL, race_login, &r), 0);
	/* The login read the old value, which matches, and its upgrade now
	 * waits for our row lock. */
	for (int i = 0; i < 400 && !(waited = upgrade_waiting()); i++)
		usleep(10000);
	sql("commit");
	assert_int_equal(pthread_join(t, NULL), 0);
	int lines = capture_stop(log, sizeof log);

	assert_true(waited);
	assert_int_equal(r.rc, PAM_SUCCESS);
	expect_one_line(lines, log, "the stored password changed meanwhile");
	/* The change stands; the upgrade did not overwrite it. */
	assert_string_equal(stored("race@life.test", buf, sizeof buf), "{plain}After-19");
	expect_logins("lc_up", "race@life.test", "After-19", "Before-18");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_changes_without_current_password),
		cmocka_unit_test(test_user_must_give_current_password),
		cmocka_unit_test(test_retyped_differently),
		cmocka_unit_test(test_use_authtok),
		cmocka_unit_test(test_password_scheme),
		cmocka_unit_test(test_unknown_and_forward_refused),
		cmocka_unit_test(test_write_refused),
		cmocka_unit_test(test_database_down),
		cmocka_unit_test(test_weak_values_upgraded),
		cmocka_unit_test(test_strong_values_left_alone),
		cmocka_unit_test(test_lower_cost_upgraded),
		cmocka_unit_test(test_failed_upgrade_still_logs_in),
		cmocka_unit_test(test_check_constraint_quotes_no_value),
		cmocka_unit_test(test_trigger_quotes_no_value),
		cmocka_unit_test(test_trigger_long_message_quotes_no_value),
		cmocka_unit_test(test_trigger_old_value_quotes_no_value),
		cmocka_unit_test(test_trigger_quoted_value_quotes_no_value),
		cmocka_unit_test(test_change_racing_an_upgrade),
	};
	char svcdir[4096];
	int rc = pam_test_begin(argv, svcdir, sizeof svcdir, write_services);

	(void)argc;
	if (rc >= 0)
		return rc;
	snprintf(cap_path, sizeof cap_path, "%s/lifecycle-stderr.log", env("PP_TMP"));
	declare_secrets();
	return cmocka_run_group_tests(tests, setup, teardown);
}
