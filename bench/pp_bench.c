/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pp_bench: the driver of `make bench` (bench/run.sh).
 *
 * Every mode prints its figures as "key=value" lines on stdout, and nothing
 * while it is timing.  Mailbox i (1..M) is u<i, 7 digits>@bench.test with
 * the stored password {plain}pw<i, 7 digits>; every login here uses the
 * right password, so every transaction must end in PAM_SUCCESS, and the
 * ones that do not are counted as failures.
 *
 *   pp_bench libpq N M [FILE]        (a) N lookups on one libpq connection;
 *                                    with FILE, each one's latency (us) is appended
 *   pp_bench pam SERVICE W N M       (b), (c) W untimed logins, VmRSS, N timed
 *                                    logins (each phase timed too), VmRSS
 *   pp_bench threads SERVICE T N M   (e) T threads, N logins in all
 *   pp_bench procs SERVICE P N M     (e) P forked processes, N logins in all
 *   pp_bench latency SERVICE N M [FILE]  (f) the latency of each of N logins;
 *                                    with FILE, each sample (us) is appended to it
 *   pp_bench refusals SERVICE N DIR LABEL=USER...  (g) N rounds of one login
 *                                    with a wrong password for each USER, in
 *                                    turn; each sample (us) appended to DIR/LABEL
 *
 * The PAM modes expect to run under pam_wrapper (LD_PRELOAD, PAM_WRAPPER,
 * PAM_WRAPPER_SERVICE_DIR set by the caller); the libpq mode reads PGHOST,
 * PGPORT, PP_PGDB, PP_PGUSER and PP_PGPASSWORD. */
#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <security/pam_appl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tests/pam_login.h"

#define QUERY "select quotaMB,isForward,fwdDest,password from mboxes where mbox=$1"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "pp_bench: %s%s\n", what, detail ? detail : "");
	exit(2);
}

static long number(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0)
		die("not a count: ", s);
	return v;
}

/* xorshift64*: the same sequence on every run, one stream per worker. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static uint64_t seed(unsigned worker)
{
	return 0x9E3779B97F4A7C15ULL ^ ((uint64_t)worker + 1) * 0xBF58476D1CE4E5B9ULL;
}

/* A random mailbox of the M, and its password. */
static void pick(uint64_t *state, long m, char name[48], char password[48])
{
	long i = (long)(next_random(state) % (uint64_t)m) + 1;

	snprintf(name, 48, "u%07ld@bench.test", i);
	snprintf(password, 48, "pw%07ld", i);
}

/* CPU time (user + system) this process has used so far, in seconds. */
static double cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* VmRSS of this process, in kB. */
static long rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* --- (a) the limit: the query alone --------------------------------- */

static void write_samples(const char *file, const double *v, long n)
{
	FILE *f = fopen(file, "a");

	if (f == NULL)
		die("cannot append to ", file);
	for (long i = 0; i < n; i++)
		fprintf(f, "%.1f\n", v[i] * 1e6);
	if (fclose(f) != 0)
		die("cannot write ", file);
}

/* With file, the latency of each timed lookup is appended to it (us). */
static int mode_libpq(long n, long m, const char *file)
{
	const char *env_of[] = { "PGHOST", "PGPORT", "PP_PGDB", "PP_PGUSER", "PP_PGPASSWORD" };
	const char *names[] = { "host", "port", "dbname", "user", "password", NULL };
	const char *values[6] = { NULL };
	double *lat = file ? malloc((size_t)n * sizeof *lat) : NULL;
	uint64_t state = seed(0);
	long failures = 0;
	double t0 = 0, t1 = 0, c0 = 0, c1 = 0;
	PGconn *pg;

	if (file != NULL && lat == NULL)
		die("out of memory", NULL);
	for (int i = 0; i < 5; i++)
		if ((values[i] = getenv(env_of[i])) == NULL)
			die("not set: ", env_of[i]);
	pg = PQconnectdbParams(names, values, 0);
	if (PQstatus(pg) != CONNECTION_OK)
		die("connection: ", PQerrorMessage(pg));
	for (int pass = 0; pass < 2; pass++) {
		/* The first pass warms up, untimed. */
		long count = pass == 0 ? (n / 10 < 1000 ? n / 10 : 1000) : n;

		t0 = now();
		c0 = cpu();
		for (long i = 0; i < count; i++) {
			char name[48], password[48];
			const char *params[1] = { name };
			double start = lat ? now() : 0;
			PGresult *r;

			pick(&state, m, name, password);
			r = PQexecParams(pg, QUERY, 1, NULL, params, NULL, NULL, 0);
			if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1 ||
			    strcmp(PQgetvalue(r, 0, 3) + 7, password) != 0)
				failures++;
			PQclear(r);
			if (lat && pass == 1)
				lat[i] = now() - start;
		}
		t1 = now();
		c1 = cpu();
	}
	PQfinish(pg);
	printf("lookups=%ld\nseconds=%.6f\nper_second=%.1f\nmean_us=%.2f\ncpu_us=%.2f\nfailures=%ld\n",
	       n, t1 - t0, (double)n / (t1 - t0), (t1 - t0) * 1e6 / (double)n,
	       (c1 - c0) * 1e6 / (double)n, failures);
	if (lat) {
		write_samples(file, lat, n);
		free(lat);
	}
	return 0;
}

/* --- PAM -------------------------------------------------------------- */

/* Seconds spent in each call of a transaction. */
struct phases {
	double start, authenticate, acct_mgmt, end;
};

/* One whole transaction, as a mail daemon does it: 0 when it succeeded.
 * With ph, the time of each call is added to it. */
static int login(const char *service, const char *user, const char *password,
		 struct phases *ph)
{
	struct pam_conv conv = { answer_password, (void *)password };
	pam_handle_t *pamh = NULL;
	double t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4;
	int rc;

	if (ph)
		t0 = now();
	rc = pam_start(service, user, &conv, &pamh);
	if (ph)
		t1 = now();
	if (rc != PAM_SUCCESS)
		return rc;
	rc = pam_authenticate(pamh, 0);
	if (ph)
		t2 = now();
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(pamh, 0);
	if (ph)
		t3 = now();
	pam_end(pamh, rc);
	if (ph) {
		t4 = now();
		ph->start += t1 - t0;
		ph->authenticate += t2 - t1;
		ph->acct_mgmt += t3 - t2;
		ph->end += t4 - t3;
	}
	return rc;
}

static long logins(const char *service, long n, long m, uint64_t *state, struct phases *ph)
{
	long failures = 0;

	for (long i = 0; i < n; i++) {
		char name[48], password[48];

		pick(state, m, name, password);
		if (login(service, name, password, ph) != PAM_SUCCESS)
			failures++;
	}
	return failures;
}

/* (b), (c): W warm-up logins, then N timed ones; VmRSS after each. */
static int mode_pam(const char *service, long warm, long n, long m)
{
	struct phases ph = { 0, 0, 0, 0 };
	uint64_t state = seed(0);
	long failures, rss_warm, rss_end;
	double t0, t1, c0, c1;

	failures = logins(service, warm, m, &state, NULL);
	rss_warm = rss_kb();
	t0 = now();
	c0 = cpu();
	failures += logins(service, n, m, &state, &ph);
	t1 = now();
	c1 = cpu();
	rss_end = rss_kb();
	printf("logins=%ld\ntimed=%ld\nseconds=%.6f\nper_second=%.1f\nmean_us=%.2f\ncpu_us=%.2f\n",
	       warm + n, n, t1 - t0, (double)n / (t1 - t0), (t1 - t0) * 1e6 / (double)n,
	       (c1 - c0) * 1e6 / (double)n);
	printf("start_us=%.2f\nauthenticate_us=%.2f\nacct_mgmt_us=%.2f\nend_us=%.2f\n",
	       ph.start * 1e6 / (double)n, ph.authenticate * 1e6 / (double)n,
	       ph.acct_mgmt * 1e6 / (double)n, ph.end * 1e6 / (double)n);
	printf("rss_warm_kb=%ld\nrss_end_kb=%ld\nfailures=%ld\n", rss_warm, rss_end, failures);
	return 0;
}

/* --- (e) threads and processes ---------------------------------------- */

#define WARM_EACH 100

struct worker {
	pthread_t thread;
	const char *service;
	unsigned index;
	long n, m, failures;
	pthread_barrier_t *go;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	uint64_t state = seed(w->index + 1);

	/* Each worker's connection is made before the clock starts. */
	w->failures = logins(w->service, WARM_EACH, w->m, &state, NULL);
	pthread_barrier_wait(w->go);
	w->failures += logins(w->service, w->n, w->m, &state, NULL);
	return NULL;
}

static int mode_threads(const char *service, long t, long n, long m)
{
	struct worker *w = calloc((size_t)t, sizeof *w);
	pthread_barrier_t go;
	long failures = 0;
	double t0, t1;

	if (w == NULL || t < 1)
		die("threads: bad count", NULL);
	pthread_barrier_init(&go, NULL, (unsigned)t + 1);
	for (long i = 0; i < t; i++) {
		w[i] = (struct worker){ .service = service, .index = (unsigned)i, .m = m,
					.n = n / t + (i < n % t), .go = &go };
		if (pthread_create(&w[i].thread, NULL, work, &w[i]) != 0)
			die("pthread_create failed", NULL);
	}
	pthread_barrier_wait(&go);
	t0 = now();
	for (long i = 0; i < t; i++) {
		pthread_join(w[i].thread, NULL);
		failures += w[i].failures;
	}
	t1 = now();
	printf("logins=%ld\nseconds=%.6f\nper_second=%.1f\nfailures=%ld\n", n, t1 - t0,
	       (double)n / (t1 - t0), failures);
	pthread_barrier_destroy(&go);
	free(w);
	return 0;
}

/* Each child logs in WARM_EACH times, says it is ready, waits for the
 * start (EOF on the go pipe), does its share and exits with 0 when every
 * login succeeded.  The children are started one after the other, each
 * once the one before is ready: pam_wrapper sets itself up again in every
 * child, choosing a /tmp/pam.X directory of its own, and children doing
 * that at once can pick the same one (and the first to exit removes it
 * under the others). */
static int mode_procs(const char *service, long p, long n, long m)
{
	long failed_children = 0;
	double t0, t1;
	int go[2];
	char byte;

	if (p < 1 || pipe(go) != 0)
		die("procs: setup failed", NULL);
	fflush(stdout);
	for (long i = 0; i < p; i++) {
		int ready[2];
		pid_t pid;

		/* A pipe per child: EOF there means it died before it was ready. */
		if (pipe(ready) != 0)
			die("pipe: ", strerror(errno));
		pid = fork();
		if (pid < 0)
			die("fork: ", strerror(errno));
		if (pid == 0) {
			uint64_t state = seed((unsigned)i + 1);
			long failures;

			close(ready[0]);
			close(go[1]);
			failures = logins(service, WARM_EACH, m, &state, NULL);
			if (write(ready[1], "r", 1) != 1)
				_exit(3);
			close(ready[1]);
			while (read(go[0], &byte, 1) < 0 && errno == EINTR)
				;
			failures += logins(service, n / p + (i < n % p), m, &state, NULL);
			/* exit(), not _exit(): the module says goodbye to the
			 * server, as a mail daemon's worker would. */
			exit(failures == 0 ? 0 : 1);
		}
		close(ready[1]);
		if (read(ready[0], &byte, 1) != 1)
			die("procs: a child died before it was ready", NULL);
		close(ready[0]);
	}
	close(go[0]);
	t0 = now();
	close(go[1]);
	for (long i = 0; i < p; i++) {
		int status;

		if (wait(&status) < 0)
			die("wait: ", strerror(errno));
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed_children++;
	}
	t1 = now();
	printf("logins=%ld\nseconds=%.6f\nper_second=%.1f\nfailed_processes=%ld\n", n, t1 - t0,
	       (double)n / (t1 - t0), failed_children);
	return 0;
}

/* --- (f) latency ------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile of sorted v[0..n), nearest rank. */
static double quantile(const double *v, long n, double q)
{
	long k = (long)(q * (double)n + 0.999999999);

	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

static int mode_latency(const char *service, long n, long m, const char *file)
{
	double *lat = malloc((size_t)n * sizeof *lat);
	uint64_t state = seed(100);
	long failures, warm = n / 10 < 2000 ? n / 10 : 2000;
	double sum = 0;

	if (lat == NULL)
		die("out of memory", NULL);
	failures = logins(service, warm, m, &state, NULL);
	for (long i = 0; i < n; i++) {
		char name[48], password[48];
		double t0;

		pick(&state, m, name, password);
		t0 = now();
		if (login(service, name, password, NULL) != PAM_SUCCESS)
			failures++;
		lat[i] = now() - t0;
		sum += lat[i];
	}
	/* Every sample, for a caller that pools runs. */
	if (file != NULL)
		write_samples(file, lat, n);
	qsort(lat, (size_t)n, sizeof *lat, cmp_double);
	printf("logins=%ld\nmean_us=%.1f\np50_us=%.1f\np90_us=%.1f\np99_us=%.1f\np999_us=%.1f\n"
	       "max_us=%.1f\nfailures=%ld\n",
	       n, sum * 1e6 / (double)n, quantile(lat, n, 0.50) * 1e6,
	       quantile(lat, n, 0.90) * 1e6, quantile(lat, n, 0.99) * 1e6,
	       quantile(lat, n, 0.999) * 1e6, lat[n - 1] * 1e6, failures);
	free(lat);
	return 0;
}

/* --- (g) what a refusal costs, per kind of address ------------------- */

/* Rounds interleave the kinds, so that whatever else the machine does
 * falls on all of them alike, and each round starts one kind later: a
 * login right after a yescrypt check finds the CPU's caches cold.  Every
 * login here must be refused. */
static int mode_refusals(const char *service, long n, const char *dir, int count,
			 char **targets)
{
	double *lat = malloc((size_t)n * (size_t)count * sizeof *lat);
	long failures = 0;

	if (lat == NULL)
		die("out of memory", NULL);
	for (long round = -3; round < n; round++) /* 3 untimed */
		for (int i = 0; i < count; i++) {
			int k = (int)((round + 3 + i) % count);
			const char *user = strchr(targets[k], '=');
			double t0;

			if (user == NULL)
				die("not LABEL=USER: ", targets[k]);
			t0 = now();
			if (login(service, user + 1, "Not-the-password-9", NULL) == PAM_SUCCESS)
				failures++;
			if (round >= 0)
				lat[(size_t)k * (size_t)n + (size_t)round] = now() - t0;
		}
	for (int k = 0; k < count; k++) {
		char file[4096];

		snprintf(file, sizeof file, "%s/%.*s", dir,
			 (int)(strchr(targets[k], '=') - targets[k]), targets[k]);
		write_samples(file, lat + (size_t)k * (size_t)n, n);
	}
	printf("logins=%ld\nfailures=%ld\n", n * count, failures);
	free(lat);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: pp_bench libpq N M [FILE]\n"
			"       pp_bench pam SERVICE WARM N M\n"
			"       pp_bench threads SERVICE T N M\n"
			"       pp_bench procs SERVICE P N M\n"
			"       pp_bench latency SERVICE N M [FILE]\n"
			"       pp_bench refusals SERVICE N DIR LABEL=USER...\n");
	exit(64);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(mode, "libpq") == 0 && (argc == 4 || argc == 5))
		return mode_libpq(number(argv[2]), number(argv[3]), argc == 5 ? argv[4] : NULL);
	if (strcmp(mode, "pam") == 0 && argc == 6)
		return mode_pam(argv[2], number(argv[3]), number(argv[4]), number(argv[5]));
	if (strcmp(mode, "threads") == 0 && argc == 6)
		return mode_threads(argv[2], number(argv[3]), number(argv[4]), number(argv[5]));
	if (strcmp(mode, "procs") == 0 && argc == 6)
		return mode_procs(argv[2], number(argv[3]), number(argv[4]), number(argv[5]));
	if (strcmp(mode, "latency") == 0 && (argc == 5 || argc == 6) && number(argv[3]) > 0)
		return mode_latency(argv[2], number(argv[3]), number(argv[4]),
				    argc == 6 ? argv[5] : NULL);
	if (strcmp(mode, "refusals") == 0 && argc >= 6 && number(argv[3]) > 0)
		return mode_refusals(argv[2], number(argv[3]), argv[4], argc - 5, argv + 5);
	usage();
	return 64;
}
