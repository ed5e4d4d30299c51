/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lib/standby.c: what the answer to PP_STANDBY_QUERY says about a read
 * connection's server, against standby-max-lag.  Results are made by hand
 * (libpq's PQmakeEmptyPGresult), so no server is needed; the query itself
 * runs against real standbys in t_standby.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "standby.h"

/* A one-row result (in_recovery, lag); NULL text is SQL NULL. */
static PGresult *answer(const char *in_recovery, const char *lag)
{
	PGresAttDesc cols[2] = { { .name = "pg_is_in_recovery", .format = 0 },
				 { .name = "lag", .format = 0 } };
	PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);

	assert_non_null(res);
	assert_true(PQsetResultAttrs(res, 2, cols));
	assert_true(PQsetvalue(res, 0, 0, (char *)in_recovery, in_recovery ? (int)strlen(in_recovery) : -1));
	assert_true(PQsetvalue(res, 0, 1, (char *)lag, lag ? (int)strlen(lag) : -1));
	return res;
}

static void test_judge(void **state)
{
	static const struct {
		const char *in_recovery, *lag;
		long max_lag;
		enum pp_server want;
		double want_lag;
	} cases[] = {
		{ "f", NULL, 5, PP_SERVER_PRIMARY, 0 },
		{ "t", "0", 5, PP_SERVER_STANDBY, 0 },
		{ "t", "4.999", 5, PP_SERVER_STANDBY, 4.999 },
		{ "t", "5", 5, PP_SERVER_STANDBY, 5 },
		{ "t", "5.001", 5, PP_SERVER_LATE, 5.001 },
		{ "t", "0", 0, PP_SERVER_STANDBY, 0 },
		{ "t", "0.2", 0, PP_SERVER_LATE, 0.2 },
		{ "t", "-0.3", 5, PP_SERVER_STANDBY, -0.3 }, /* clocks a little apart */
		{ "t", "3600.5", 3600, PP_SERVER_LATE, 3600.5 },
		/* Unknown: nothing replayed yet, or not a number. */
		{ "t", NULL, 5, PP_SERVER_LATE, -1 },
		{ "t", "soon", 5, PP_SERVER_LATE, -1 },
		{ "t", "", 5, PP_SERVER_LATE, -1 },
		{ NULL, "0", 5, PP_SERVER_LATE, -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		PGresult *res = answer(cases[i].in_recovery, cases[i].lag);
		double lag = 99;

		if (pp_standby_judge(res, cases[i].max_lag, &lag) != cases[i].want)
			fail_msg("case %zu: not the expected verdict", i);
		assert_float_equal(lag, cases[i].want_lag, 1e-9);
		PQclear(res);
	}
}

/* Any other shape fails towards the primary. */
static void test_other_shapes(void **state)
{
	PGresult *empty = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	PGresult *error = PQmakeEmptyPGresult(NULL, PGRES_FATAL_ERROR);
	PGresAttDesc one = { .name = "x", .format = 0 };
	PGresult *narrow = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	double lag;

	(void)state;
	assert_true(PQsetResultAttrs(narrow, 1, &one));
	assert_true(PQsetvalue(narrow, 0, 0, "f", 1));
	assert_int_equal(pp_standby_judge(empty, 5, &lag), PP_SERVER_LATE);
	assert_int_equal(pp_standby_judge(error, 5, &lag), PP_SERVER_LATE);
	assert_int_equal(pp_standby_judge(narrow, 5, &lag), PP_SERVER_LATE);
	assert_int_equal(pp_standby_judge(NULL, 5, &lag), PP_SERVER_LATE);
	PQclear(empty);
	PQclear(error);
	PQclear(narrow);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_other_shapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
