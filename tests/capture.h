/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the module logs, caught in a test: pam_wrapper writes every
 * pam_syslog line to stderr as "PWRAP_...[...] - SYSLOG(<priority>):
 * <message>", so stderr goes to a file between capture_start and
 * capture_stop (or capture_stop_text).  Include after cmocka.h. */
#ifndef PP_CAPTURE_H
#define PP_CAPTURE_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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

/* stderr back where it was; the capture, open for reading. */
static inline FILE *capture_end(void)
{
	FILE *f;

	fflush(stderr);
	dup2(cap_saved, 2);
	close(cap_saved);
	cap_saved = -1;
	f = fopen(cap_path, "r");
	assert_non_null(f);
	return f;
}

/* The module's log lines since capture_start, counted; their text in buf. */
static inline int capture_stop(char *buf, size_t size)
{
	FILE *f = capture_end();
	char line[8192];
	int n = 0;

	buf[0] = '\0';
	while (fgets(line, sizeof line, f) != NULL) {
		if (strstr(line, "SYSLOG(") == NULL)
			continue;
		n++;
		strncat(buf, line, size - strlen(buf) - 1);
	}
	fclose(f);
	return n;
}

/* All that was written to stderr since capture_start, the module's lines
 * and any other; a new string, which the caller frees. */
static inline char *capture_stop_text(void)
{
	FILE *f = capture_end();
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	char chunk[8192];
	size_t n;

	assert_non_null(out);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		assert_int_equal(fwrite(chunk, 1, n, out), n);
	fclose(f);
	assert_int_equal(fclose(out), 0);
	return text;
}

#endif
