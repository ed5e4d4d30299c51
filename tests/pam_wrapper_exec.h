/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the tests that drive the module through PAM: run this test
 * program again under pam_wrapper, so that PAM reads its service files from
 * a directory of ours and /etc/pam.d is never touched.  pam_wrapper must be
 * preloaded at exec time; the harness runs the tests plainly. */
#ifndef PP_PAM_WRAPPER_EXEC_H
#define PP_PAM_WRAPPER_EXEC_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Is this program built with a sanitizer (ASan, TSan)? */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SELF_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SELF_SANITIZED 1
#endif
#endif
#ifndef SELF_SANITIZED
#define SELF_SANITIZED 0
#endif

#define PW_STAGE_ENV "PP_TEST_UNDER_PAM_WRAPPER"

/* True in the second run, under pam_wrapper.  It then clears LD_PRELOAD so
 * that the programs the test starts (psql, pg.sh) do not load it. */
static inline int under_pam_wrapper(void)
{
	if (getenv(PW_STAGE_ENV) == NULL || getenv("PAM_WRAPPER") == NULL)
		return 0;
	unsetenv(PW_STAGE_ENV);
	unsetenv("LD_PRELOAD");
	return 1;
}

/* Exec this program again with pam_wrapper reading services from svcdir.
 * Returns only on failure. */
static inline int exec_under_pam_wrapper(char **argv, const char *svcdir)
{
	const char *preload = getenv("PP_PRELOAD") ? getenv("PP_PRELOAD") : "";
	char ld[4096];

	/* A sanitized program carries its own runtime: $PP_PRELOAD is for
	 * programs that are not sanitized. */
	if (*preload != '\0' && !SELF_SANITIZED) {
		snprintf(ld, sizeof ld, "%s:libpam_wrapper.so", preload);
		setenv("ASAN_OPTIONS", "verify_asan_link_order=0", 1);
	} else {
		snprintf(ld, sizeof ld, "libpam_wrapper.so");
	}
	if (*preload != '\0' || SELF_SANITIZED) {
		/* Sanitizers refuse dlopen(RTLD_DEEPBIND); pam_wrapper 1.1.4 reads
		 * the UID_WRAPPER_ spelling, the manual the PAM_WRAPPER_ one. */
		setenv("PAM_WRAPPER_DISABLE_DEEPBIND", "1", 1);
		setenv("UID_WRAPPER_DISABLE_DEEPBIND", "1", 1);
	}
	setenv("LD_PRELOAD", ld, 1);
	setenv("PAM_WRAPPER", "1", 1);
	setenv("PAM_WRAPPER_SERVICE_DIR", svcdir, 1);
	setenv("PAM_WRAPPER_DEBUGLEVEL", "2", 1); /* shows every pam_syslog priority */
	setenv(PW_STAGE_ENV, "2", 1);
	fflush(stdout);
	execv("/proc/self/exe", argv);
	printf("1..1\nnot ok 1 - re-executing under pam_wrapper: %s\n", strerror(errno));
	return 1;
}

/* The start of main() in a test that drives PAM.  Checks that the
 * harness's environment is there; on the first run, prepare(svcdir) writes
 * the PAM services and configuration files, and the program runs again
 * under pam_wrapper.  Returns -1 in that second run, where the test goes
 * on, and otherwise the status main returns (after a TAP line saying why). */
static inline int pam_test_begin(char **argv, char *svcdir, size_t size,
				 int (*prepare)(const char *svcdir))
{
	static const char *const needed[] = { "PP_TMP", "PP_BUILD", "PGHOST", "PP_PGCTL" };

	for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++)
		if (getenv(needed[i]) == NULL) {
			printf("1..1\nnot ok 1 - run me through tests/run-tests.sh\n");
			return 1;
		}
	snprintf(svcdir, size, "%s/pam.d", getenv("PP_TMP"));
	if (under_pam_wrapper())
		return -1;
	if (prepare(svcdir) != 0) {
		printf("1..1\nnot ok 1 - writing the PAM services and configuration\n");
		return 1;
	}
	return exec_under_pam_wrapper(argv, svcdir);
}

#endif
