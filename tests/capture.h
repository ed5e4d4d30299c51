/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the module logs, caught in a test: pam_wrapper writes every
 * pam_syslog line to stderr as "PWRAP_...[...] - SYSLOG(<priority>):
 * <message>", so stderr goes to a file between capture_start and
 * capture_stop.  Include after cmocka.h. */
#ifndef PP_CAPTURE_H
#define PP_CAPTURE_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char cap_path[4096];
static int cap_saved = -1;

static inline void capture_start(void)
{
	int fd = open(cap_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	fflush(stderr);
	cap_saved = dup(2);
	dup2(fd, 2);
	close(fd);
}

/* The module's log lines since capture_start, counted; their text in buf. */
static inline int capture_stop(char *buf, size_t size)
{
	FILE *f;
	char line[8192];
	int n = 0;

	fflush(stderr);
	dup2(cap_saved, 2);
	close(cap_saved);
	buf[0] = '\0';
	f = fopen(cap_path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL) {
		if (strstr(line, "SYSLOG(") == NULL)
			continue;
		n++;
		strncat(buf, line, size - strlen(buf) - 1);
	}
	fclose(f);
	return n;
}

#endif
