/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A password change hashes the current password once: pam_chauthtok's
 * first pass (PAM_PRELIM_CHECK) verifies it, and its second
 * (PAM_UPDATE_AUTHTOK) reads the row again and takes the first pass's word
 * only when the mailbox, the stored value and the password are the ones it
 * verified; otherwise it verifies in full.  Through PAM and the real
 * module, against the real PostgreSQL.
 *
 * How the hashes are counted: this program defines crypt_rn, which the
 * module (loaded by PAM into this process) binds to before libxcrypt's, and
 * which counts the calls whose setting is a stored value the test watches
 * before it calls libxcrypt's own.  A verification of a {crypt} value is
 * exactly such a call; making the new value is a call with a fresh salt,
 * not counted.  No clock is read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <crypt.h>
#include <dlfcn.h>
#include <security/pam_appl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pam_login.h"
#include "pam_test.h"
#include "module_conf.h"
#include "scheme.h"

#define ROLE "pp_once_writer"
#define ROLE_PASSWORD "pp-once-Writer-pw-1"
#define USER "once@once.test"
#define OLD "Once-Old-pw-1"
#define NEW "Once-New-pw-2"
#define ADMIN "Once-Admin-pw-3"
#define WRONG "Once-Wrong-pw-4"
#define SET_ITEMS "/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_set_items.so"

/* --- counting the verifications ------------------------------------------ */

#define WATCHED_MAX 4
static char watched[WATCHED_MAX][PP_HASH_MAX]; /* crypt settings, "" unused */
static int verified[WATCHED_MAX];

__attribute__((visibility("default"))) char *crypt_rn(const char *phrase, const char *setting,
						     void *data, int size)
{
	static char *(*real)(const char *, const char *, void *, int);

	if (real == NULL)
		*(void **)&real = dlvsym(RTLD_NEXT, "crypt_rn", "XCRYPT_2.0");
	if (real == NULL)
		abort();
	for (int i = 0; i < WATCHED_MAX; i++)
		if (watched[i][0] != '\0' && strcmp(setting, watched[i]) == 0)
			verified[i]++;
	return real(phrase, setting, data, size);
}

/* Watch stored (a "{crypt}..." value) as number i; its count starts at 0. */
static void watch(int i, const char *stored)
{
	assert_memory_equal(stored, "{crypt}", 7);
	snprintf(watched[i], sizeof watched[i], "%s", stored + 7);
	verified[i] = 0;
}

static void unwatch(void)
{
	memset(watched, 0, sizeof watched);
	memset(verified, 0, sizeof verified);
}

/* --- the database --------------------------------------------------------- */

/* A new {crypt} value (yescrypt, a fresh salt) of password, into out. */
static void crypt_value(const char *password, char *out, size_t size)
{
	const char *why;

	assert_int_equal(pp_hash("crypt", NULL, password, out, size, &why), 0);
}

static void put(const char *stored)
{
	const char *params[2] = { USER, stored };

	sql_params("insert into mboxes (mbox, password) values ($1, $2) on conflict (mbox) do "
		   "update set password = excluded.password",
		   2, params);
}

static const char *stored(char *buf, size_t size)
{
	const char *params[1] = { USER };
	PGresult *r = sql_result("select password from mboxes where mbox = $1", 1, params);

	if (PQntuples(r) != 1)
		fail_msg("stored: %d rows for " USER, PQntuples(r));
	snprintf(buf, size, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return buf;
}

/* --- services ------------------------------------------------------------- */

static char conf_path[4096];

/* The module's configuration, as a new file (a new inode) each time. */
static int write_conf(void)
{
	char text[8192], tmp[4200];

	snprintf(text, sizeof text,
		 "postgresql-conninfo = host=%s port=%s dbname=%s user=" ROLE
		 " password=" ROLE_PASSWORD "\n",
		 env("PGHOST"), env("PGPORT"), env("PP_PGDB"));
	snprintf(tmp, sizeof tmp, "%s.new", conf_path);
	return write_text_file(tmp, text, 0600) != 0 || rename(tmp, conf_path) != 0 ? -1 : 0;
}

static int write_services(const char *svcdir)
{
	char path[4200], text[16384];
	const char *build = env("PP_BUILD");

	snprintf(conf_path, sizeof conf_path, "%s/once.conf", env("PP_TMP"));
	if (mkdir(svcdir, 0755) != 0 || write_conf() != 0)
		return -1;
	snprintf(path, sizeof path, "%s/other", svcdir);
	if (write_text_file(path, "# every test service names the types it uses\n", 0644) != 0)
		return -1;
	/* once: the module alone, with debug (its log says which pass hashed). */
	snprintf(path, sizeof path, "%s/once", svcdir);
	snprintf(text, sizeof text,
		 "auth required %s/pam_powermail.so config=%s\n"
		 "password required %s/pam_powermail.so config=%s debug\n",
		 build, conf_path, build, conf_path);
	if (write_text_file(path, text, 0644) != 0)
		return -1;
	/* once_items: pam_set_items after the module sets PAM_OLDAUTHTOK (from
	 * the environment) in the first pass, after the module read it. */
	snprintf(path, sizeof path, "%s/once_items", svcdir);
	snprintf(text, sizeof text,
		 "password required %s/pam_powermail.so config=%s\n"
		 "password required " SET_ITEMS "\n",
		 build, conf_path);
	return write_text_file(path, text, 0644);
}

/* --- PAM ------------------------------------------------------------------ */

/* Between the passes: what the conversation does, and when.  Each pass
 * reads its configuration before it asks anything; the second asks for
 * the new password before it reads the row. */
enum between {
	NOTHING,
	REHASHED,     /* asked for the new password: the row gets another value
		       * of the same password */
	RESET,        /* asked for the new password: the row gets another
		       * password (an administrator's) */
	REWRITE_CONF, /* asked for the current password: the module's
		       * configuration is written again, same text, so that
		       * the second pass reads another file than the first */
};

struct change {
	struct conv conv; /* first: converse() hands act_between() the whole */
	enum between between;
	char *rehashed; /* REHASHED, RESET: the value put */
};

/* Before each password prompt: between the passes, what c->between says. */
static void act_between(struct conv *conv)
{
	struct change *c = (struct change *)conv;

	if (conv->prompts != (c->between == REWRITE_CONF ? 0 : 1))
		return;
	switch (c->between) {
	case NOTHING:
		break;
	case REHASHED:
	case RESET:
		put(c->rehashed);
		break;
	case REWRITE_CONF:
		assert_int_equal(write_conf(), 0);
		break;
	}
}

/* The answers (echo-off prompts, in order), and between and value for
 * act_between(). */
#define CHANGE(answers_, between_, value_)                                               \
	{ .conv = { .answers = (answers_), .before = act_between }, .between = (between_), \
	  .rehashed = (value_) }

/* pam_chauthtok of USER through service, with flags and the answers in
 * order; its code. */
static int change(const char *service, int flags, struct change *c)
{
	struct pam_conv conv = { converse, &c->conv };

	return pam_change(service, USER, flags, &conv);
}

static int login(const char *password)
{
	struct pam_conv conv = { answer_password, (void *)password };
	pam_handle_t *pamh = NULL;
	int rc = pam_start("once", USER, &conv, &pamh);

	assert_int_equal(rc, PAM_SUCCESS);
	rc = pam_authenticate(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}

/* The capture holds want, count times. */
static void expect_lines(const char *log, const char *want, int count)
{
	int n = 0;

	for (const char *p = log; (p = strstr(p, want)) != NULL; p += strlen(want))
		n++;
	if (n != count)
		fail_msg("want %d line(s) with \"%s\", got %d:\n%s", count, want, n, log);
}

/* --- the tests ------------------------------------------------------------ */

/* Root asked for the current password (an expired one): the first pass
 * hashes it, the second takes its word. */
static void test_current_password_hashed_once(void **state)
{
	const char *answers[] = { OLD, NEW, NEW, NULL };
	struct change c = CHANGE(answers, NOTHING, NULL);
	char value[PP_HASH_MAX], buf[PP_HASH_MAX], log[16384];

	(void)state;
	crypt_value(OLD, value, sizeof value);
	put(value);
	watch(0, value);
	capture_start();
	int rc = change("once", PAM_CHANGE_EXPIRED_AUTHTOK, &c);
	capture_stop(log, sizeof log);

	assert_int_equal(rc, PAM_SUCCESS);
	assert_int_equal(c.conv.prompts, 3);
	if (verified[0] != 1)
		fail_msg("the current password was hashed %d times, not once:\n%s", verified[0],
			 log);
	expect_lines(log, "mailbox " USER ": authenticated ({crypt})", 1);
	expect_lines(log, "mailbox " USER ": current password as the first pass verified it "
			  "({crypt})",
		     1);
	expect_lines(log, "mailbox " USER ": password changed ({crypt})", 1);
	assert_string_not_equal(stored(buf, sizeof buf), value);
	unwatch();
	assert_int_equal(login(NEW), PAM_SUCCESS);
	assert_int_equal(login(OLD), PAM_AUTH_ERR);
}

/* The same with the real uid of a user, as for a set-uid passwd; the
 * child reports its code and its count through a pipe. */
static void test_user_hashed_once(void **state)
{
	const char *answers[] = { OLD, NEW, NEW, NULL };
	char value[PP_HASH_MAX];
	int fds[2], status, got[2] = { -1, -1 };
	pid_t pid;

	(void)state;
	crypt_value(OLD, value, sizeof value);
	put(value);
	watch(0, value);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct change c = CHANGE(answers, NOTHING, NULL);
		int report[2];

		close(fds[0]);
		/* A set-uid program's module refuses the caller's PG* variables;
		 * the configuration names host and port itself. */
		unset_pg_variables();
		if (setresuid(65534, 0, 0) != 0)
			_exit(99);
		report[0] = change("once", 0, &c);
		report[1] = verified[0];
		_exit(write(fds[1], report, sizeof report) == sizeof report ? 0 : 98);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], got, sizeof got), (ssize_t)sizeof got);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(got[0], PAM_SUCCESS);
	assert_int_equal(got[1], 1);
	unwatch();
	assert_int_equal(login(NEW), PAM_SUCCESS);
}

/* Root's own change asks for no current password and hashes none, as
 * before. */
static void test_root_hashes_nothing(void **state)
{
	const char *answers[] = { NEW, NEW, NULL };
	struct change c = CHANGE(answers, NOTHING, NULL);
	char value[PP_HASH_MAX];

	(void)state;
	crypt_value(OLD, value, sizeof value);
	put(value);
	watch(0, value);
	assert_int_equal(change("once", 0, &c), PAM_SUCCESS);
	assert_int_equal(c.conv.prompts, 2);
	assert_int_equal(verified[0], 0);
	unwatch();
	assert_int_equal(login(NEW), PAM_SUCCESS);
}

/* The stored value changed between the passes to another value of the
 * same password: the second pass hashes against the new value, and the
 * change goes through. */
static void test_value_changed_between_passes(void **state)
{
	const char *answers[] = { OLD, NEW, NEW, NULL };
	char first[PP_HASH_MAX], second[PP_HASH_MAX];
	struct change c = CHANGE(answers, REHASHED, second);

	(void)state;
	crypt_value(OLD, first, sizeof first);
	crypt_value(OLD, second, sizeof second);
	put(first);
	watch(0, first);
	watch(1, second);
	assert_int_equal(change("once", PAM_CHANGE_EXPIRED_AUTHTOK, &c), PAM_SUCCESS);
	assert_int_equal(verified[0], 1);
	assert_int_equal(verified[1], 1);
	unwatch();
	assert_int_equal(login(NEW), PAM_SUCCESS);
}

/* The password was reset between the passes (an administrator's): the
 * second pass checks the current password against it, refuses, and does
 * not overwrite it. */
static void test_reset_between_passes_not_overwritten(void **state)
{
	const char *answers[] = { OLD, NEW, NEW, NULL };
	char first[PP_HASH_MAX], admin[PP_HASH_MAX], buf[PP_HASH_MAX];
	struct change c = CHANGE(answers, RESET, admin);

	(void)state;
	crypt_value(OLD, first, sizeof first);
	crypt_value(ADMIN, admin, sizeof admin);
	put(first);
	watch(0, first);
	watch(1, admin);
	assert_int_equal(change("once", PAM_CHANGE_EXPIRED_AUTHTOK, &c), PAM_AUTH_ERR);
	assert_int_equal(verified[0], 1);
	assert_int_equal(verified[1], 1);
	assert_string_equal(stored(buf, sizeof buf), admin);
	unwatch();
}

/* The configuration was written again between the passes: the first
 * pass's word was given under another one, and the second pass, which
 * reads the new file, does not take it. */
static void test_configuration_changed_between_passes(void **state)
{
	const char *answers[] = { OLD, NEW, NEW, NULL };
	struct change c = CHANGE(answers, REWRITE_CONF, NULL);
	char value[PP_HASH_MAX];

	(void)state;
	crypt_value(OLD, value, sizeof value);
	put(value);
	watch(0, value);
	assert_int_equal(change("once", PAM_CHANGE_EXPIRED_AUTHTOK, &c), PAM_SUCCESS);
	assert_int_equal(verified[0], 2);
	unwatch();
	assert_int_equal(login(NEW), PAM_SUCCESS);
}

/* Another current password reached the second pass (a module after ours
 * set PAM_OLDAUTHTOK): it is checked, and refused. */
static void test_other_password_in_second_pass(void **state)
{
	const char *answers[] = { OLD, NEW, NEW, NULL };
	struct change c = CHANGE(answers, NOTHING, NULL);
	char value[PP_HASH_MAX], buf[PP_HASH_MAX];

	(void)state;
	crypt_value(OLD, value, sizeof value);
	put(value);
	watch(0, value);
	setenv("PAM_OLDAUTHTOK", WRONG, 1);
	int rc = change("once_items", PAM_CHANGE_EXPIRED_AUTHTOK, &c);

	unsetenv("PAM_OLDAUTHTOK");
	assert_int_equal(rc, PAM_AUTH_ERR);
	assert_int_equal(verified[0], 2);
	assert_string_equal(stored(buf, sizeof buf), value);
	unwatch();
}

/* --- fixtures ------------------------------------------------------------- */

static void declare_secrets(void)
{
	static const char *const secrets[] = { OLD, NEW, ADMIN, WRONG, ROLE_PASSWORD };

	for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
		harness_secret(secrets[i]);
}

static int setup(void **state)
{
	(void)state;
	snprintf(conf_path, sizeof conf_path, "%s/once.conf", env("PP_TMP"));
	declare_secrets();
	reconnect_super();
	writer_role(ROLE, ROLE_PASSWORD);
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
		cmocka_unit_test(test_current_password_hashed_once),
		cmocka_unit_test(test_user_hashed_once),
		cmocka_unit_test(test_root_hashes_nothing),
		cmocka_unit_test(test_value_changed_between_passes),
		cmocka_unit_test(test_reset_between_passes_not_overwritten),
		cmocka_unit_test(test_configuration_changed_between_passes),
		cmocka_unit_test(test_other_password_in_second_pass),
	};

	(void)argc;
	return PAM_TEST_RUN(argv, write_services, "once-stderr.log", tests, setup, teardown);
}
