/* SPDX-License-Identifier: GPL-2.0-or-later */
/* main() of a test that drives the module through PAM and reads what it
 * logs: pam_test_begin (pam_wrapper_exec.h), then, in the run under
 * pam_wrapper, the capture file $PP_TMP/CAPTURE (capture.h) and the tests.
 * Include after cmocka.h. */
#ifndef PP_PAM_TEST_H
#define PP_PAM_TEST_H

#include <stdio.h>

#include "capture.h"
#include "pam_wrapper_exec.h"
#include "pg_super.h"

static inline int pam_test_run(char **argv, int (*prepare)(const char *svcdir),
			       const char *capture, const struct CMUnitTest *tests, size_t n,
			       CMFixtureFunction setup, CMFixtureFunction teardown)
{
	char svcdir[4096];
	int rc = pam_test_begin(argv, svcdir, sizeof svcdir, prepare);

	if (rc >= 0)
		return rc;
	snprintf(cap_path, sizeof cap_path, "%s/%s", env("PP_TMP"), capture);
	return _cmocka_run_group_tests("tests", tests, n, setup, teardown);
}

/* pam_test_run with an array of tests. */
#define PAM_TEST_RUN(argv, prepare, capture, tests, setup, teardown)                     \
	pam_test_run((argv), (prepare), (capture), (tests), sizeof(tests) / sizeof((tests)[0]), \
		     (setup), (teardown))

#endif
