/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pp_schemes: (d) of `make bench`, the cost of one password check for each
 * scheme at its default cost.
 *
 *   pp_schemes SCHEME...
 *
 * For each scheme: pp_hash makes a value at the scheme's default cost, then
 * pp_verify is timed on it (right password) once untimed, then at least
 * MIN_RUNS and at most MAX_RUNS times, stopping after BUDGET seconds; the
 * median is reported.  One line per scheme:
 *   scheme=NAME runs=K median_us=X params=P
 * where P is the value's method and cost (the "$id$cost$" part of a crypt
 * or argon2 value), "-" when the value has none. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scheme.h"

#define MIN_RUNS 5
#define MAX_RUNS 301
#define BUDGET 1.5 /* seconds per scheme, past MIN_RUNS */
#define PASSWORD "bench-Passw0rd!"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The method and cost of a "$..." value: everything before the salt. */
static void params_of(const char *value, char *out, size_t size)
{
	const char *v = strchr(value, '}');
	const char *cut = NULL;
	int dollars = 0;

	v = v ? v + 1 : value;
	for (const char *p = v; *p; p++)
		dollars += *p == '$';
	if (v[0] != '$' || dollars < 3) {
		snprintf(out, size, "-");
		return;
	}
	/* bcrypt's salt and hash are one field: $2b$12$<salt+hash>. */
	int keep = strncmp(v, "$2", 2) == 0 ? dollars : dollars - 1;
	for (const char *p = v; *p && keep > 0; p++)
		if (*p == '$' && --keep == 0)
			cut = p + 1;
	snprintf(out, size, "%.*s", cut ? (int)(cut - v) : 0, v);
}

int main(int argc, char **argv)
{
	int status = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: pp_schemes SCHEME...\n");
		return 64;
	}
	for (int a = 1; a < argc; a++) {
		char value[PP_HASH_MAX], params[PP_HASH_MAX];
		double runs[MAX_RUNS], spent = 0;
		const char *why = NULL;
		bool bad = false;
		int k = 0;

		if (pp_hash(argv[a], NULL, PASSWORD, value, sizeof value, &why) != 0) {
			printf("scheme=%s error=pp_hash:%s\n", argv[a], why ? why : "?");
			status = 1;
			continue;
		}
		if (pp_verify(value, PASSWORD, NULL) != PP_MATCH ||
		    pp_verify(value, "wrong", NULL) != PP_MISMATCH) {
			printf("scheme=%s error=its-own-value-does-not-verify\n", argv[a]);
			status = 1;
			continue;
		}
		while (k < MAX_RUNS && (k < MIN_RUNS || spent < BUDGET)) {
			double t0 = now();
			enum pp_verdict v = pp_verify(value, PASSWORD, NULL);

			runs[k] = now() - t0;
			spent += runs[k++];
			if (v != PP_MATCH) {
				bad = true;
				break;
			}
		}
		if (bad) {
			printf("scheme=%s error=no-match-while-timing\n", argv[a]);
			status = 1;
			continue;
		}
		qsort(runs, (size_t)k, sizeof runs[0], cmp_double);
		params_of(value, params, sizeof params);
		printf("scheme=%s runs=%d median_us=%.1f params=%s\n", argv[a], k,
		       (k % 2 ? runs[k / 2] : (runs[k / 2 - 1] + runs[k / 2]) / 2) * 1e6, params);
	}
	return status;
}
