/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kept connection, driven through PAM against the real PostgreSQL:
 * 1,000 logins on one server connection, fork, threads, a server restart, a
 * changed configuration file, and persistent = no.  Connections are counted
 * on the server, in pg_stat_activity, by the application_name the test's
 * configuration gives them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stdbool.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pam_login.h"
#include "pam_wrapper_exec.h"
#include "pg_super.h"

#define APP "pp-persistent-test"

static char conf[4096], conf_off[4096], conf_split[4096];

/* --- the server's view ---------------------------------------------- */

/* The backend pids of the module's connections, as "pid,pid" in order. */
static void module_backends(char *out, size_t size)
{
	PGresult *r = PQexec(super, "select coalesce(string_agg(pid::text, ',' order by pid), '') "
				    "from pg_stat_activity where application_name = '" APP "'");

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("pg_stat_activity: %s", PQerrorMessage(super));
	snprintf(out, size, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
}

static int count_backends(void)
{
	char pids[1024];
	int n = 0;

	module_backends(pids, sizeof pids);
	for (char *p = pids; *p; p++)
		n += *p == ',';
	return pids[0] ? n + 1 : 0;
}

/* A closed connection's backend takes a moment to leave pg_stat_activity. */
static int settled_backends(int want)
{
	int n = count_backends();

	for (int i = 0; i < 100 && n != want; i++) {
		usleep(50000);
		n = count_backends();
	}
	return n;
}

/* --- PAM -------------------------------------------------------------- */

static int login(const char *service, const char *user, const char *password)
{
	return pam_login(service, user, password);
}

/* --- setup ------------------------------------------------------------ */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, 0600);
}

static void write_config(const char *path, const char *extra)
{
	char text[4096];

	snprintf(text, sizeof text,
		 "postgresql-conninfo = host=%s port=%s dbname=%s user=%s password=%s "
		 "application_name=" APP "\n%s",
		 env("PGHOST"), env("PGPORT"), env("PP_PGDB"), env("PP_PGUSER"),
		 env("PP_PGPASSWORD"), extra);
	write_file(path, text);
}

static int write_services(const char *svcdir)
{
	snprintf(conf, sizeof conf, "%s/persistent.conf", env("PP_TMP"));
	snprintf(conf_off, sizeof conf_off, "%s/not-persistent.conf", env("PP_TMP"));
	snprintf(conf_split, sizeof conf_split, "%s/split.conf", env("PP_TMP"));
	mkdir(svcdir, 0755);
	write_config(conf, "");
	write_config(conf_off, "persistent = no\n");
	/* Reads and writes apart on the one server, which is a primary; every
	 * right password of a weak value makes a write that changes nothing
	 * (the upgrade's compare never holds, or the role may not UPDATE). */
	write_config(conf_split, "postgresql-reads = primary\n"
				 "upgrade-scheme = {crypt}\n"
				 "upgrade-query = update mboxes set password=$2 "
				 "where mbox=$1 and password=$3 and false\n");
	return write_pam_service(svcdir, "pp", env("PP_BUILD"), conf) != 0 ||
	       write_pam_service(svcdir, "pp_off", env("PP_BUILD"), conf_off) != 0 ||
	       write_pam_service(svcdir, "pp_split", env("PP_BUILD"), conf_split) != 0;
}

static int setup(void **state)
{
	(void)state;
	reconnect_super();
	sql("INSERT INTO mboxes (mbox, password) VALUES "
	    "('keep1@persist.test', '{plain}Keep-0ne'), ('keep2@persist.test', '{md5}"
	    "$1$Wh/8PmbX$tLpq3mPsvT5gdVJcVVYXA1') "
	    "ON CONFLICT (mbox) DO UPDATE SET password = EXCLUDED.password");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	PQfinish(super);
	return 0;
}

/* --- tests ------------------------------------------------------------ */

static void test_thousand_logins_one_connection(void **state)
{
	char first[1024], now[1024];

	(void)state;
	assert_int_equal(settled_backends(0), 0);
	assert_int_equal(login("pp", "keep1@persist.test", "Keep-0ne"), PAM_SUCCESS);
	module_backends(first, sizeof first);
	assert_int_equal(count_backends(), 1);
	for (int i = 1; i < 1000; i++) {
		int rc = login("pp", i % 2 ? "keep2@persist.test" : "keep1@persist.test",
			       i % 2 ? "s3cr3t!" : (i % 3 ? "Keep-0ne" : "wrong"));
		int want = i % 2 || i % 3 ? PAM_SUCCESS : PAM_AUTH_ERR;

		if (rc != want)
			fail_msg("login %d: %s", i, pam_strerror(NULL, rc));
	}
	/* The same backend served all of them: one server connection. */
	module_backends(now, sizeof now);
	assert_string_equal(now, first);
}

static void test_persistent_no(void **state)
{
	char kept[1024], now[1024];

	(void)state;
	module_backends(kept, sizeof kept);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(login("pp_off", "keep1@persist.test", "Keep-0ne"), PAM_SUCCESS);
		/* Each call closed its own connection: only the kept one is left. */
		assert_int_equal(settled_backends(1), 1);
	}
	module_backends(now, sizeof now);
	assert_string_equal(now, kept);
}

/* Log in, fork, let the child run child_logins (its exit status: 0 when
 * they went as they should), then check that the parent's connection is
 * the one it had, alive, and not replaced. */
static void child_spares_parent(int (*child_logins)(void))
{
	char parent[1024], now[1024];
	int status;
	pid_t child;

	assert_int_equal(login("pp", "keep1@persist.test", "Keep-0ne"), PAM_SUCCESS);
	module_backends(parent, sizeof parent);
	assert_int_equal(count_backends(), 1);
	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(child_logins());
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("the child's logins went wrong (status %d)", WEXITSTATUS(status));
	/* The child's connection went with it; the parent's is untouched and
	 * still answers, without a new connection. */
	assert_int_equal(settled_backends(1), 1);
	module_backends(now, sizeof now);
	assert_string_equal(now, parent);
	assert_int_equal(login("pp", "keep1@persist.test", "Keep-0ne"), PAM_SUCCESS);
	assert_int_equal(login("pp", "keep1@persist.test", "wrong"), PAM_AUTH_ERR);
	module_backends(now, sizeof now);
	assert_string_equal(now, parent);
}

/* The child opens its own connection and logs in twice. */
static int two_logins(void)
{
	return login("pp", "keep2@persist.test", "s3cr3t!") == PAM_SUCCESS &&
			       login("pp", "keep1@persist.test", "wrong") == PAM_AUTH_ERR
		       ? 0
		       : 1;
}

static void test_fork(void **state)
{
	(void)state;
	child_spares_parent(two_logins);
}

/* From now on this process cannot open a file for writing (EMFILE, as when
 * out of descriptors): /dev/null is out of reach, reading files is not. */
static int forbid_opening_for_write(void)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 0, 3),
		/* the flags' low 32 bits (x86_64 is little-endian) */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, O_WRONLY | O_RDWR, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EMFILE & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof filter / sizeof filter[0], filter };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
		return -1;
	/* The condition the test is about. */
	return open("/dev/null", O_WRONLY | O_CLOEXEC) < 0 && errno == EMFILE ? 0 : -1;
}

/* A login with no /dev/null to be had: pam_start first, since pam_wrapper
 * copies its service files in a new process. */
static int login_without_devnull(void)
{
	struct pam_conv conv = { answer_password, (void *)"s3cr3t!" };
	pam_handle_t *pamh = NULL;
	int rc = pam_start("pp", "keep2@persist.test", &conv, &pamh);

	if (rc != PAM_SUCCESS || forbid_opening_for_write() != 0)
		return 2;
	rc = pam_authenticate(pamh, 0);
	pam_end(pamh, rc);
	return rc == PAM_SUCCESS ? 0 : 1;
}

/* A child that cannot open /dev/null to disown the parent's connection
 * leaves it alone rather than PQfinish it (which would send Terminate down
 * the socket they share and end the parent's session). */
static void test_fork_without_devnull(void **state)
{
	(void)state;
	child_spares_parent(login_without_devnull);
}

struct worker {
	pthread_t thread;
	const char *service;
	int index;
	int failures;
};

static void *work(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < 100; i++) {
		bool right = (i + w->index) % 3 != 0;
		const char *user = i % 2 ? "keep2@persist.test" : "keep1@persist.test";
		const char *password = right ? (i % 2 ? "s3cr3t!" : "Keep-0ne") : "wrong";
		int rc = login(w->service, user, password);

		if (rc != (right ? PAM_SUCCESS : PAM_AUTH_ERR))
			w->failures++;
		if (login(w->service, "nobody@persist.test", "x") != PAM_USER_UNKNOWN)
			w->failures++;
	}
	return NULL;
}

static void run_workers(const char *service)
{
	struct worker workers[8];

	for (int i = 0; i < 8; i++) {
		workers[i].service = service;
		workers[i].index = i;
		workers[i].failures = 0;
		assert_int_equal(pthread_create(&workers[i].thread, NULL, work, &workers[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		assert_int_equal(pthread_join(workers[i].thread, NULL), 0);
		if (workers[i].failures != 0)
			fail_msg("%s, thread %d: %d wrong answers", service, i, workers[i].failures);
	}
	/* At most the pool's eight connections, whatever the interleaving. */
	assert_in_range(count_backends(), 1, 8);
}

static void test_threads(void **state)
{
	(void)state;
	run_workers("pp");
}

/* With reads and writes apart, a process keeps a read and a write
 * connection, each opened once: the write one on the first write. */
static void test_reads_and_writes_apart(void **state)
{
	char before[1024], after[1024];
	int others;

	(void)state;
	others = count_backends();
	assert_int_equal(login("pp_split", "nobody@persist.test", "x"), PAM_USER_UNKNOWN);
	assert_int_equal(settled_backends(others + 1), others + 1);
	/* keep2's {md5} is weak: a right password tries the upgrade. */
	assert_int_equal(login("pp_split", "keep2@persist.test", "s3cr3t!"), PAM_SUCCESS);
	assert_int_equal(settled_backends(others + 2), others + 2);
	module_backends(before, sizeof before);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(login("pp_split", "keep2@persist.test", "s3cr3t!"), PAM_SUCCESS);
		assert_int_equal(login("pp_split", "keep1@persist.test", "wrong"), PAM_AUTH_ERR);
	}
	module_backends(after, sizeof after);
	assert_string_equal(after, before);
	/* The same under threads: reads, upgrades and refusals at once. */
	run_workers("pp_split");
}

static void test_server_restart(void **state)
{
	char cmd[8192];

	(void)state;
	assert_int_equal(login("pp", "keep1@persist.test", "Keep-0ne"), PAM_SUCCESS);
	snprintf(cmd, sizeof cmd, "%s stop >/dev/null 2>&1", env("PP_PGCTL"));
	assert_int_equal(system(cmd), 0);
	assert_int_equal(login("pp", "keep1@persist.test", "Keep-0ne"), PAM_AUTHINFO_UNAVAIL);
	snprintf(cmd, sizeof cmd, "%s start >/dev/null 2>&1", env("PP_PGCTL"));
	assert_int_equal(system(cmd), 0);
	reconnect_super();
	/* The same process: the dead connection is replaced, the query
	 * retried, and the login goes through. */
	assert_int_equal(login("pp", "keep1@persist.test", "Keep-0ne"), PAM_SUCCESS);
	assert_int_equal(count_backends(), 1);
}

static void test_terminated_backend(void **state)
{
	char before[1024], after[1024];

	(void)state;
	assert_int_equal(login("pp", "keep1@persist.test", "Keep-0ne"), PAM_SUCCESS);
	module_backends(before, sizeof before);
	sql("select pg_terminate_backend(pid) from pg_stat_activity "
	    "where application_name = '" APP "'");
	assert_int_equal(settled_backends(0), 0);
	assert_int_equal(login("pp", "keep1@persist.test", "Keep-0ne"), PAM_SUCCESS);
	module_backends(after, sizeof after);
	assert_int_equal(count_backends(), 1);
	assert_string_not_equal(after, before);
}

static void test_config_change(void **state)
{
	char before[1024], after[1024];
	struct timespec times[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };

	(void)state;
	assert_int_equal(login("pp", "keep1@persist.test", "Keep-0ne"), PAM_SUCCESS);
	module_backends(before, sizeof before);
	/* Only the file's time changes: a new connection all the same. */
	usleep(20000);
	assert_int_equal(utimensat(AT_FDCWD, conf, times, 0), 0);
	assert_int_equal(login("pp", "keep1@persist.test", "Keep-0ne"), PAM_SUCCESS);
	module_backends(after, sizeof after);
	assert_string_not_equal(after, before);
	/* ... and the old one was closed. */
	assert_int_equal(settled_backends(1), 1);
}

/* acct_mgmt right after a successful authenticate, on the same handle,
 * takes authenticate's answer instead of a second query: seen by removing
 * the row in between.  A new transaction asks the database again. */
static void test_account_reuses_authenticate(void **state)
{
	struct pam_conv conv = { answer_password, (void *)"Tr4nsient" };
	pam_handle_t *pamh = NULL;

	(void)state;
	sql("INSERT INTO mboxes (mbox, password) VALUES ('brief@persist.test', '{plain}Tr4nsient')");
	assert_int_equal(pam_start("pp", "brief@persist.test", &conv, &pamh), PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	sql("DELETE FROM mboxes WHERE mbox = 'brief@persist.test'");
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	pam_end(pamh, PAM_SUCCESS);

	pamh = NULL;
	assert_int_equal(pam_start("pp", "brief@persist.test", &conv, &pamh), PAM_SUCCESS);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_USER_UNKNOWN);
	pam_end(pamh, PAM_SUCCESS);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thousand_logins_one_connection),
		cmocka_unit_test(test_persistent_no),
		cmocka_unit_test(test_fork),
		cmocka_unit_test(test_fork_without_devnull),
		/* before test_threads, whose connections fill the pool */
		cmocka_unit_test(test_reads_and_writes_apart),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_server_restart),
		cmocka_unit_test(test_terminated_backend),
		cmocka_unit_test(test_config_change),
		cmocka_unit_test(test_account_reuses_authenticate),
	};
	char svcdir[4096];
	int rc = pam_test_begin(argv, svcdir, sizeof svcdir, write_services);

	(void)argc;
	if (rc >= 0)
		return rc;
	snprintf(conf, sizeof conf, "%s/persistent.conf", env("PP_TMP"));
	return cmocka_run_group_tests(tests, setup, teardown);
}
