/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pp_parts: where the time of a PAM transaction goes, for `make bench`.
 *
 *   pp_parts N M CONFIG NOOP_SERVICE MODULE_SERVICE
 *
 * Times, in one process, N of each of these, in ROUNDS interleaved blocks
 * (so that every piece sees the same scheduler placement, see run.sh), and
 * prints "piece wall_us cpu_us" per operation, medians over the blocks:
 *   raw      PQexecParams of the module's query on a connection of its own: (a)
 *   lookup   lib/'s pp_userbase_lookup (its pool, its query path) + clear
 *   config   pp_config_from_args_cached("config=CONFIG") + pp_config_free:
 *            one lstat and a copy while the file is unchanged
 *   parse    pp_config_from_args("config=CONFIG") + pp_config_free: the
 *            file read and parsed, its path walked from / (safe_path.c)
 *   name     pp_normalize_name
 *   verify   pp_verify of a {plain} value, right password
 *   floor    a PAM transaction through bench/pam_noop.so (NOOP_SERVICE):
 *            libpam and pam_wrapper by themselves
 *   chain    floor, config, name, lookup, verify one after the other:
 *            the module's pieces without its glue, caches as cold as in it
 *   module   a PAM transaction through pam_powermail.so (MODULE_SERVICE): (b)
 * Runs under pam_wrapper like pp_bench; reads PGHOST, PGPORT, PP_PGDB,
 * PP_PGUSER, PP_PGPASSWORD for raw.  Uses libpowermail.a directly: its pool
 * is this program's own, apart from the module's.  So raw, lookup (and
 * chain) and module each talk to a backend of their own, which the
 * scheduler places as it likes: compare them with that in mind. */
#include <libpq-fe.h>
#include <security/pam_appl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/pam_login.h"
#include "config.h"
#include "name.h"
#include "scheme.h"
#include "userbase.h"

#define QUERY "select quotaMB,isForward,fwdDest,password from mboxes where mbox=$1"
#define ROUNDS 5

enum piece { RAW, LOOKUP, CONFIG, PARSE, NAME, VERIFY, FLOOR, CHAIN, MODULE, NPIECES };
static const char *const piece_name[NPIECES] = { "raw",   "lookup", "config", "parse", "name",
						 "verify", "floor", "chain",  "module" };

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "pp_parts: %s%s\n", what, detail ? detail : "");
	exit(2);
}

__attribute__((format(printf, 3, 4))) static void log_stderr(void *ctx, int priority,
								const char *fmt, ...)
{
	va_list ap;

	(void)ctx;
	(void)priority;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t state = 0x9E3779B97F4A7C15ULL;

static void pick(long m, char name[48], char password[48])
{
	uint64_t x = state;
	long i;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	state = x;
	i = (long)((x * 0x2545F4914F6CDD1DULL) % (uint64_t)m) + 1;
	snprintf(name, 48, "u%07ld@bench.test", i);
	snprintf(password, 48, "pw%07ld", i);
}

/* The same whole transaction the tests use. */
static int login(const char *service, const char *user, const char *password)
{
	return pam_login(service, user, password);
}

static const struct pp_logger logger = { log_stderr, NULL };
static PGconn *raw_conn;
static struct pp_config lib_cfg;
static const char *config_arg, *noop_service, *module_service;
static long mailboxes, failures;

/* One operation of piece p on a random mailbox. */
static void one(enum piece p)
{
	char name[48], password[48], stored[64], out[PP_NAME_MAX + 1], err[256];
	const char *params[1] = { name };
	const char *args[1] = { config_arg };
	const char *why;
	struct pp_mailbox mb;
	struct pp_config cfg;
	PGresult *r;

	pick(mailboxes, name, password);
	switch (p) {
	case RAW:
		r = PQexecParams(raw_conn, QUERY, 1, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
			failures++;
		PQclear(r);
		break;
	case LOOKUP:
		if (pp_userbase_lookup(&lib_cfg, name, &mb, &logger) != PP_KIND_HOSTED)
			failures++;
		pp_mailbox_clear(&mb);
		break;
	case CONFIG:
	case PARSE:
		pp_config_init(&cfg);
		if ((p == CONFIG ? pp_config_from_args_cached : pp_config_from_args)(
			    &cfg, 1, args, err, sizeof err) != 0)
			failures++;
		pp_config_free(&cfg);
		break;
	case NAME:
		if (pp_normalize_name(&lib_cfg, name, out, &why) != 0)
			failures++;
		break;
	case VERIFY:
		snprintf(stored, sizeof stored, "{plain}%s", password);
		if (pp_verify(stored, password, NULL) != PP_MATCH)
			failures++;
		break;
	case FLOOR:
		if (login(noop_service, name, password) != PAM_SUCCESS)
			failures++;
		break;
	case CHAIN:
		/* The pieces pick their own mailboxes: the same work all the same. */
		one(FLOOR);
		one(CONFIG);
		one(NAME);
		one(LOOKUP);
		one(VERIFY);
		break;
	case MODULE:
		if (login(module_service, name, password) != PAM_SUCCESS)
			failures++;
		break;
	case NPIECES:
		break;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	const char *env_of[] = { "PGHOST", "PGPORT", "PP_PGDB", "PP_PGUSER", "PP_PGPASSWORD" };
	const char *names[] = { "host", "port", "dbname", "user", "password", NULL };
	const char *values[6] = { NULL };
	double w[NPIECES][ROUNDS], c[NPIECES][ROUNDS];
	static char arg[4200];
	char err[256];
	long n;

	if (argc != 6)
		die("usage: pp_parts N M CONFIG NOOP_SERVICE MODULE_SERVICE", NULL);
	n = atol(argv[1]) / ROUNDS;
	mailboxes = atol(argv[2]);
	if (n < 1 || mailboxes < 1)
		die("bad counts", NULL);
	snprintf(arg, sizeof arg, "config=%s", argv[3]);
	config_arg = arg;
	noop_service = argv[4];
	module_service = argv[5];

	for (int i = 0; i < 5; i++)
		if ((values[i] = getenv(env_of[i])) == NULL)
			die("not set: ", env_of[i]);
	raw_conn = PQconnectdbParams(names, values, 0);
	if (PQstatus(raw_conn) != CONNECTION_OK)
		die("connection: ", PQerrorMessage(raw_conn));
	pp_config_init(&lib_cfg);
	{
		const char *args[1] = { config_arg };

		if (pp_config_from_args(&lib_cfg, 1, args, err, sizeof err) != 0)
			die("configuration: ", err);
	}

	/* Warm every piece up: connections, caches, the module loaded. */
	for (int p = 0; p < NPIECES; p++)
		for (long i = 0; i < 200; i++)
			one((enum piece)p);
	failures = 0;
	for (int r = 0; r < ROUNDS; r++)
		for (int p = 0; p < NPIECES; p++) {
			double w0 = wall(), c0 = cpu();

			for (long i = 0; i < n; i++)
				one((enum piece)p);
			w[p][r] = (wall() - w0) * 1e6 / (double)n;
			c[p][r] = (cpu() - c0) * 1e6 / (double)n;
		}
	for (int p = 0; p < NPIECES; p++) {
		qsort(w[p], ROUNDS, sizeof w[p][0], cmp_double);
		qsort(c[p], ROUNDS, sizeof c[p][0], cmp_double);
		printf("%s_wall_us=%.2f\n%s_cpu_us=%.2f\n", piece_name[p], w[p][ROUNDS / 2],
		       piece_name[p], c[p][ROUNDS / 2]);
	}
	printf("per_piece=%ld\nfailures=%ld\n", n * ROUNDS, failures);
	pp_config_free(&lib_cfg);
	PQfinish(raw_conn);
	return 0;
}
