/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Faults, through PAM, on a PostgreSQL cluster of this test's own: a server
 * that is down, one that hangs (SIGSTOP) under a kept connection and under
 * a new one, a locked table, a locked row; a timed-out query left on the
 * server by no login, whether or not a thread can be started, when the
 * postmaster stalls past the cancel's wait, in a forked child, and by a
 * client killed mid-query.  The door stays shut
 * (PAM_AUTHINFO_UNAVAIL, never PAM_AUTH_ERR or success), within the
 * configured bounds, and opens again by itself.  The bounds asserted are
 * generous multiples of the settings: they catch a hang, not slowness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pam_login.h"
#include "pam_wrapper_exec.h"
#include "pg_super.h"

static char cluster[4096], pgctl[8192];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run "tests/pg.sh CMD cluster"; 0 on success. */
static int pg(const char *cmd)
{
	char line[16384];

	snprintf(line, sizeof line, "%s %s %s >/dev/null 2>&1", pgctl, cmd, cluster);
	return system(line);
}

/* The value of KEY in the cluster's env file. */
static void cluster_env(const char *key, char *out, size_t size)
{
	char path[8192], line[1024];
	size_t klen = strlen(key);
	FILE *f;

	snprintf(path, sizeof path, "%s/env", cluster);
	f = fopen(path, "r");
	assert_non_null(f);
	out[0] = '\0';
	while (fgets(line, sizeof line, f) != NULL) {
		char *p = strstr(line, key);

		if (p != NULL && p[klen] == '=') {
			p += klen + 1;
			if (*p == '"')
				p++;
			p[strcspn(p, "\"\n")] = '\0';
			snprintf(out, size, "%s", p);
		}
	}
	fclose(f);
}

static PGconn *superuser(void)
{
	char host[4096], port[32];
	const char *names[] = { "host", "port", "user", "dbname", NULL };
	const char *values[] = { host, port, "postgres", "powermail", NULL };
	PGconn *c;

	cluster_env("PGHOST", host, sizeof host);
	cluster_env("PGPORT", port, sizeof port);
	c = PQconnectdbParams(names, values, 0);
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("superuser: %s", PQerrorMessage(c));
	return c;
}

static void exec_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

/* SIGSTOP or SIGCONT the cluster: the postmaster and every backend. */
static void signal_cluster(int sig)
{
	char cmd[8192];

	/* A backend may exit between pgrep and kill: only the postmaster's
	 * signal must land. */
	snprintf(cmd, sizeof cmd,
		 "pid=$(head -n 1 %s/data/postmaster.pid) && kill -%d $pid && "
		 "for c in $(pgrep -P $pid); do kill -%d $c 2>/dev/null; done; true",
		 cluster, sig, sig);
	assert_int_equal(system(cmd), 0);
}

static int timed_login(const char *user, const char *password, double *seconds)
{
	double start = now();
	int rc = pam_login("faults", user, password);

	*seconds = now() - start;
	return rc;
}

static int setup(void **state)
{
	PGconn *c = superuser();

	(void)state;
	exec_ok(c, "INSERT INTO mboxes (mbox, password) VALUES ('door@faults.test', '{plain}0pen-Sesame') "
		   "ON CONFLICT (mbox) DO UPDATE SET password = EXCLUDED.password");
	PQfinish(c);
	return 0;
}

static int teardown(void **state)
{
	char cmd[8192];

	(void)state;
	/* A test that failed with the postmaster stopped: let it stop. */
	snprintf(cmd, sizeof cmd, "kill -CONT $(head -n 1 %s/data/postmaster.pid) 2>/dev/null",
		 cluster);
	(void)system(cmd);
	pg("destroy");
	return 0;
}

static void test_down_at_first_login(void **state)
{
	double t;

	(void)state;
	assert_int_equal(pg("stop"), 0);
	assert_int_equal(timed_login("door@faults.test", "0pen-Sesame", &t), PAM_AUTHINFO_UNAVAIL);
	assert_true(t < 10.0);
	assert_int_equal(pg("resume"), 0);
	assert_int_equal(timed_login("door@faults.test", "0pen-Sesame", &t), PAM_SUCCESS);
	assert_int_equal(timed_login("door@faults.test", "wrong", &t), PAM_AUTH_ERR);
}

/* query-timeout is 1000 ms and connect-timeout 2 s in this test's file. */
static void test_hung_server(void **state)
{
	double t;

	(void)state;
	assert_int_equal(timed_login("door@faults.test", "0pen-Sesame", &t), PAM_SUCCESS);
	signal_cluster(SIGSTOP);
	/* On the kept connection: query-timeout. */
	int rc = timed_login("door@faults.test", "0pen-Sesame", &t);
	double first = t;
	/* On a new connection: connect-timeout. */
	int rc2 = timed_login("door@faults.test", "0pen-Sesame", &t);
	double second = t;

	signal_cluster(SIGCONT);
	assert_int_equal(rc, PAM_AUTHINFO_UNAVAIL);
	assert_true(first < 10.0);
	assert_int_equal(rc2, PAM_AUTHINFO_UNAVAIL);
	assert_true(second < 15.0);
	/* The door opens again by itself. */
	for (int i = 0; i < 50 && rc != PAM_SUCCESS; i++) {
		rc = timed_login("door@faults.test", "0pen-Sesame", &t);
		if (rc != PAM_SUCCESS)
			usleep(100000);
	}
	assert_int_equal(rc, PAM_SUCCESS);
}

static void test_locked_table(void **state)
{
	PGconn *c = superuser();
	double t;

	(void)state;
	exec_ok(c, "BEGIN");
	exec_ok(c, "LOCK TABLE mboxes IN ACCESS EXCLUSIVE MODE");
	assert_int_equal(timed_login("door@faults.test", "0pen-Sesame", &t), PAM_AUTHINFO_UNAVAIL);
	assert_true(t < 10.0);
	exec_ok(c, "ROLLBACK");
	PQfinish(c);
	assert_int_equal(timed_login("door@faults.test", "0pen-Sesame", &t), PAM_SUCCESS);
}

/* Backends of the module's role waiting on a lock, asked on a connection
 * of its own; -1 when the question fails. */
static int module_backends_waiting(void)
{
	char role[256];
	const char *params[1] = { role };
	PGconn *c = superuser();
	PGresult *r;
	int n = -1;

	cluster_env("PP_PGUSER", role, sizeof role);
	r = PQexecParams(c, "select count(*) from pg_stat_activity where usename = $1 and "
			    "wait_event_type = 'Lock'",
			 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK)
		n = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(c);
	return n;
}

/* The backends of the module's role still waiting on a lock WAIT_BOUND
 * seconds after a login returned (0 as soon as none is).  The bound gives
 * the server time to act on a cancel delivered before the login returned;
 * it is well short of the role's statement_timeout (6 s, sql/schema.sql),
 * which would end a query nobody cancelled 5 s after query-timeout. */
#define WAIT_BOUND 3.0

static int waiting_after_login(void)
{
	double start = now();
	int waiting;

	while ((waiting = module_backends_waiting()) != 0 && now() - start < WAIT_BOUND)
		usleep(100000);
	return waiting;
}

/* The finding: a login that passed query-timeout dropped its connection
 * and left its backend waiting on the lock, one per login, until the lock
 * went.  Each timed-out query is cancelled on the server: once the logins
 * have returned, and with the lock still held, no backend of the module's
 * role waits.  The cancel is delivered before the login returns. */
static void test_locked_table_leaves_no_backend(void **state)
{
	PGconn *c = superuser();
	int waiting;
	double t;

	(void)state;
	exec_ok(c, "BEGIN");
	exec_ok(c, "LOCK TABLE mboxes IN ACCESS EXCLUSIVE MODE");
	for (int i = 0; i < 4; i++)
		assert_int_equal(timed_login("door@faults.test", "0pen-Sesame", &t),
				 PAM_AUTHINFO_UNAVAIL);
	waiting = waiting_after_login();
	exec_ok(c, "ROLLBACK");
	PQfinish(c);
	if (waiting != 0)
		fail_msg("%d backends of the module still wait on the lock", waiting);
	assert_int_equal(timed_login("door@faults.test", "0pen-Sesame", &t), PAM_SUCCESS);
}

/* --- a stalled postmaster, a cancel with no thread, in a forked child, and
 * none at all ------------------------------------------------------------ */

/* The postmaster alone stopped or continued: sessions already open go on,
 * a new connection or a cancel request waits. */
static void signal_postmaster(int sig)
{
	char cmd[8192];

	snprintf(cmd, sizeof cmd, "kill -%d $(head -n 1 %s/data/postmaster.pid)", sig, cluster);
	assert_int_equal(system(cmd), 0);
}

/* The cluster's log, and how often text occurs in it from byte offset on. */
static long log_size(void)
{
	char path[8192];
	struct stat st;

	snprintf(path, sizeof path, "%s/log/postgresql.log", cluster);
	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static int log_count_since(long offset, const char *text)
{
	char path[8192], line[4096];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/log/postgresql.log", cluster);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, offset, SEEK_SET), 0);
	while (fgets(line, sizeof line, f) != NULL)
		n += strstr(line, text) != NULL;
	fclose(f);
	return n;
}

/* What the cancel thread buys over a cancel sent by the login itself: a
 * postmaster that does not answer within the wait (stopped here, as a
 * stalled or overloaded one would be) still gets the cancel when it runs
 * again, from the thread the login left waiting.  The login's own cancel
 * (cancel.c, when no thread can be started) goes only to a server that
 * answered a probe in time; this one did not, so without the thread the
 * backend would wait on the lock until the role's statement_timeout.  The
 * server's log tells the two apart, with no clock: a cancel ends the query
 * "due to user request", the timeout "due to statement timeout". */
static void test_stalled_postmaster_gets_the_cancel(void **state)
{
	PGconn *c = superuser();
	int rc, waiting = -1, cancelled, timed_out;
	double t, start;
	long mark;

	(void)state;
	/* A kept connection: the query reaches its backend while the
	 * postmaster is stopped. */
	assert_int_equal(timed_login("door@faults.test", "0pen-Sesame", &t), PAM_SUCCESS);
	exec_ok(c, "BEGIN");
	exec_ok(c, "LOCK TABLE mboxes IN ACCESS EXCLUSIVE MODE");
	mark = log_size();
	assert_true(mark >= 0);
	signal_postmaster(SIGSTOP);
	rc = timed_login("door@faults.test", "0pen-Sesame", &t);
	signal_postmaster(SIGCONT);
	start = now();
	/* Ended by the cancel at once, or by statement_timeout within 6 s. */
	while ((waiting = module_backends_waiting()) != 0 && now() - start < 15.0)
		usleep(100000);
	exec_ok(c, "ROLLBACK");
	PQfinish(c);
	cancelled = log_count_since(mark, "canceling statement due to user request");
	timed_out = log_count_since(mark, "canceling statement due to statement timeout");
	assert_int_equal(rc, PAM_AUTHINFO_UNAVAIL);
	if (waiting != 0)
		fail_msg("%d backends of the module still wait on the lock", waiting);
	if (cancelled != 1 || timed_out != 0)
		fail_msg("the server logged %d cancels and %d statement timeouts; want 1 and 0",
			 cancelled, timed_out);
}

/* Drop CAP_SYS_RESOURCE and CAP_SYS_ADMIN, which lift RLIMIT_NPROC. */
static int drop_nproc_exemption(void)
{
	struct __user_cap_header_struct head = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &head, data) != 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		unsigned mask = 0;

		if (CAP_SYS_RESOURCE / 32 == i)
			mask |= 1u << (CAP_SYS_RESOURCE % 32);
		if (CAP_SYS_ADMIN / 32 == i)
			mask |= 1u << (CAP_SYS_ADMIN % 32);
		data[i].effective &= ~mask;
		data[i].permitted &= ~mask;
	}
	return (int)syscall(SYS_capset, &head, data);
}

static void *nothing(void *arg)
{
	return arg;
}

/* Wait for child pid, its status into *status; true when a backend of the
 * module's role was seen waiting on the lock meanwhile: the login got as
 * far as the query. */
static bool child_waited_on_lock(pid_t pid, int *status)
{
	bool seen = false;
	pid_t done;

	while ((done = waitpid(pid, status, WNOHANG)) == 0) {
		seen = seen || module_backends_waiting() == 1;
		usleep(50000);
	}
	assert_int_equal(done, pid);
	return seen;
}

#define NO_LIMIT 98 /* the child could still start a thread */

/* The finding: as nobody with "ulimit -u 1" no cancel thread could be
 * started, the cancel was skipped, and the backend went on waiting after
 * the login returned.  A child as the audit had it: real uid nobody (the
 * limit counts its processes), effective uid still root (the module reads
 * its root-owned file) without the capabilities that lift the limit. */
static void test_no_thread_still_cancels(void **state)
{
	PGconn *c = superuser();
	int status, waiting;
	pid_t pid;

	(void)state;
	exec_ok(c, "BEGIN");
	exec_ok(c, "LOCK TABLE mboxes IN ACCESS EXCLUSIVE MODE");
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit one = { 1, 1 };
		pthread_t t;

		unset_pg_variables();
		if (setrlimit(RLIMIT_NPROC, &one) != 0 || setresuid(65534, 0, 0) != 0 ||
		    drop_nproc_exemption() != 0)
			_exit(99);
		if (pthread_create(&t, NULL, nothing, NULL) == 0)
			_exit(NO_LIMIT);
		/* _exit: a sanitizer's leak check at exit needs a thread too. */
		_exit(pam_login("faults", "door@faults.test", "0pen-Sesame"));
	}
	bool reached = child_waited_on_lock(pid, &status);

	waiting = waiting_after_login();
	exec_ok(c, "ROLLBACK");
	PQfinish(c);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == NO_LIMIT)
		fail_msg("RLIMIT_NPROC did not stop a thread in the child");
	assert_int_equal(WEXITSTATUS(status), PAM_AUTHINFO_UNAVAIL);
	assert_true(reached);
	if (waiting != 0)
		fail_msg("%d backends of the module still wait on the lock", waiting);
}

/* The finding: the count of cancel threads left waiting on a hung server
 * was inherited by a forked child, which has none of those threads; at
 * four the child never cancelled again.  The parent leaves four: one
 * login on each of four kept connections while the postmaster alone is
 * stopped (the query waits on the lock, the cancel on the postmaster).
 * A child forked then logs in once the postmaster runs again. */
static void test_forked_child_cancels(void **state)
{
	static const char *const services[] = { "faults_a", "faults_b", "faults_c", "faults_d" };
	PGconn *c = superuser();
	int go[2], status, waiting;
	double t;
	pid_t pid;
	char byte;

	(void)state;
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(pam_login(services[i], "door@faults.test", "0pen-Sesame"),
				 PAM_SUCCESS);
	exec_ok(c, "BEGIN");
	exec_ok(c, "LOCK TABLE mboxes IN ACCESS EXCLUSIVE MODE");
	signal_postmaster(SIGSTOP);
	for (size_t i = 0; i < 4; i++) {
		int rc = pam_login(services[i], "door@faults.test", "0pen-Sesame");

		if (rc != PAM_AUTHINFO_UNAVAIL) {
			signal_postmaster(SIGCONT);
			fail_msg("%s: %d", services[i], rc);
		}
	}
	assert_int_equal(pipe(go), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &byte, 1) != 1)
			_exit(99);
		_exit(timed_login("door@faults.test", "0pen-Sesame", &t));
	}
	close(go[0]);
	signal_postmaster(SIGCONT);
	/* The postmaster now takes the parent's four cancels. */
	for (int i = 0; i < 100 && module_backends_waiting() != 0; i++)
		usleep(100000);
	assert_int_equal(write(go[1], "x", 1), 1);
	close(go[1]);
	bool reached = child_waited_on_lock(pid, &status);

	waiting = waiting_after_login();
	exec_ok(c, "ROLLBACK");
	PQfinish(c);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), PAM_AUTHINFO_UNAVAIL);
	assert_true(reached);
	if (waiting != 0)
		fail_msg("%d backends of the module still wait on the lock", waiting);
}

/* A client that never cancels (killed mid-query; service faults_forever
 * waits without limit): the role's statement_timeout from sql/schema.sql
 * ends its query on the server, with the lock still held. */
static void test_statement_timeout_without_client(void **state)
{
	PGconn *c = superuser();
	int waiting = -1, status;
	double start;
	pid_t pid;

	(void)state;
	exec_ok(c, "BEGIN");
	exec_ok(c, "LOCK TABLE mboxes IN ACCESS EXCLUSIVE MODE");
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(pam_login("faults_forever", "door@faults.test", "0pen-Sesame"));
	for (int i = 0; i < 100 && module_backends_waiting() != 1; i++)
		usleep(100000);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	start = now();
	/* 6 s from the query's start at most; a generous bound. */
	while ((waiting = module_backends_waiting()) != 0 && now() - start < 15.0)
		usleep(100000);
	exec_ok(c, "ROLLBACK");
	PQfinish(c);
	assert_true(WIFSIGNALED(status));
	if (waiting != 0)
		fail_msg("%d backends of the module still wait on the lock", waiting);
}

/* A row lock does not stop a plain SELECT (MVCC): nobody is kept out. */
static void test_locked_row(void **state)
{
	PGconn *c = superuser();
	double t;

	(void)state;
	exec_ok(c, "BEGIN");
	exec_ok(c, "SELECT * FROM mboxes WHERE mbox = 'door@faults.test' FOR UPDATE");
	exec_ok(c, "UPDATE mboxes SET quotaMB = 7 WHERE mbox = 'door@faults.test'");
	assert_int_equal(timed_login("door@faults.test", "0pen-Sesame", &t), PAM_SUCCESS);
	assert_int_equal(timed_login("door@faults.test", "wrong", &t), PAM_AUTH_ERR);
	exec_ok(c, "ROLLBACK");
	PQfinish(c);
}

/* Service NAME in svcdir, with its file NAME.conf reaching the cluster,
 * connect-timeout 2 s, plus extra. */
static int write_service(const char *svcdir, const char *name, const char *extra)
{
	char conf[4096], cmd[32768];
	FILE *f;

	snprintf(conf, sizeof conf, "%s/%s.conf", env("PP_TMP"), name);
	snprintf(cmd, sizeof cmd, "%s pamconf %s > %s && chmod 600 %s", pgctl, cluster, conf,
		 conf);
	if (system(cmd) != 0 || (f = fopen(conf, "a")) == NULL)
		return -1;
	fprintf(f, "connect-timeout = 2\n%s", extra);
	if (fclose(f) != 0)
		return -1;
	return write_pam_service(svcdir, name, env("PP_BUILD"), conf);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_down_at_first_login),
		cmocka_unit_test(test_hung_server),
		cmocka_unit_test(test_locked_table),
		cmocka_unit_test(test_locked_table_leaves_no_backend),
		cmocka_unit_test(test_stalled_postmaster_gets_the_cancel),
		cmocka_unit_test(test_no_thread_still_cancels),
		cmocka_unit_test(test_forked_child_cancels),
		cmocka_unit_test(test_statement_timeout_without_client),
		cmocka_unit_test(test_locked_row),
	};
	char svcdir[4096];

	(void)argc;
	if (getenv("PP_TMP") == NULL || getenv("PP_TOP") == NULL || getenv("PP_BUILD") == NULL) {
		printf("1..1\nnot ok 1 - run me through tests/run-tests.sh\n");
		return 1;
	}
	snprintf(cluster, sizeof cluster, "%s/faults-pg", env("PP_TMP"));
	snprintf(pgctl, sizeof pgctl, "%s/tests/pg.sh", env("PP_TOP"));
	snprintf(svcdir, sizeof svcdir, "%s/pam.d", env("PP_TMP"));
	if (!under_pam_wrapper()) {
		/* A cluster of our own: this test stops and freezes it. */
		if (pg("start") != 0) {
			printf("1..1\nnot ok 1 - starting a PostgreSQL cluster in %s\n", cluster);
			return 1;
		}
		mkdir(svcdir, 0755);
		/* faults_a to faults_d: four files, so four kept connections. */
		if (write_service(svcdir, "faults", "query-timeout = 1000\n") != 0 ||
		    write_service(svcdir, "faults_forever", "query-timeout = 0\n") != 0 ||
		    write_service(svcdir, "faults_a", "query-timeout = 1000\n") != 0 ||
		    write_service(svcdir, "faults_b", "query-timeout = 1000\n") != 0 ||
		    write_service(svcdir, "faults_c", "query-timeout = 1000\n") != 0 ||
		    write_service(svcdir, "faults_d", "query-timeout = 1000\n") != 0) {
			printf("1..1\nnot ok 1 - writing the configuration\n");
			pg("destroy");
			return 1;
		}
		return exec_under_pam_wrapper(argv, svcdir);
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
