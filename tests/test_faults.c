/* Faults, through PAM, on a PostgreSQL cluster of this test's own: a server
 * that is down, one that hangs (SIGSTOP) under a kept connection and under
 * a new one, a locked table, a locked row.  The door stays shut
 * (PAM_AUTHINFO_UNAVAIL, never PAM_AUTH_ERR or success), within the
 * configured bounds, and opens again by itself.  The bounds asserted are
 * generous multiples of the settings: they catch a hang, not slowness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pam_login.h"
#include "pam_wrapper_exec.h"

static char cluster[4096], pgctl[8192];

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v ? v : "";
}

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
	(void)state;
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

/* The finding: a login that passed query-timeout dropped its connection
 * and left its backend waiting on the lock, one per login, until the lock
 * went.  Each timed-out query is cancelled on the server: once the logins
 * have returned, and with the lock still held, no backend of the module's
 * role waits.  The cancel is delivered before the login returns; the poll
 * gives the server time to act on it, and is a bound, not a measure. */
static void test_locked_table_leaves_no_backend(void **state)
{
	PGconn *c = superuser();
	int waiting = -1;
	double t;

	(void)state;
	exec_ok(c, "BEGIN");
	exec_ok(c, "LOCK TABLE mboxes IN ACCESS EXCLUSIVE MODE");
	for (int i = 0; i < 4; i++)
		assert_int_equal(timed_login("door@faults.test", "0pen-Sesame", &t),
				 PAM_AUTHINFO_UNAVAIL);
	for (int i = 0; i < 100 && (waiting = module_backends_waiting()) != 0; i++)
		usleep(100000);
	exec_ok(c, "ROLLBACK");
	PQfinish(c);
	if (waiting != 0)
		fail_msg("%d backends of the module still wait on the lock", waiting);
	assert_int_equal(timed_login("door@faults.test", "0pen-Sesame", &t), PAM_SUCCESS);
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

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_down_at_first_login),
		cmocka_unit_test(test_hung_server),
		cmocka_unit_test(test_locked_table),
		cmocka_unit_test(test_locked_table_leaves_no_backend),
		cmocka_unit_test(test_locked_row),
	};
	char svcdir[4096], conf[4096], cmd[32768];
	FILE *f;

	(void)argc;
	if (getenv("PP_TMP") == NULL || getenv("PP_TOP") == NULL || getenv("PP_BUILD") == NULL) {
		printf("1..1\nnot ok 1 - run me through tests/run-tests.sh\n");
		return 1;
	}
	snprintf(cluster, sizeof cluster, "%s/faults-pg", env("PP_TMP"));
	snprintf(pgctl, sizeof pgctl, "%s/tests/pg.sh", env("PP_TOP"));
	snprintf(svcdir, sizeof svcdir, "%s/pam.d", env("PP_TMP"));
	snprintf(conf, sizeof conf, "%s/faults.conf", env("PP_TMP"));
	if (!under_pam_wrapper()) {
		/* A cluster of our own: this test stops and freezes it. */
		if (pg("start") != 0) {
			printf("1..1\nnot ok 1 - starting a PostgreSQL cluster in %s\n", cluster);
			return 1;
		}
		snprintf(cmd, sizeof cmd, "%s pamconf %s > %s && chmod 600 %s", pgctl, cluster, conf,
			 conf);
		f = NULL;
		mkdir(svcdir, 0755);
		if (system(cmd) != 0 || (f = fopen(conf, "a")) == NULL ||
		    write_pam_service(svcdir, "faults", env("PP_BUILD"), conf) != 0) {
			printf("1..1\nnot ok 1 - writing the configuration\n");
			pg("destroy");
			return 1;
		}
		fputs("connect-timeout = 2\nquery-timeout = 1000\n", f);
		fclose(f);
		return exec_under_pam_wrapper(argv, svcdir);
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
