/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Password input for pptool: the terminal with echo off, or one line of a
 * pipe.  Every buffer that held a password is wiped. */
#include "password.h"
#include "scheme.h"
#include "secret.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* One line from f into buf (size PP_MAX_PASSWORD + 2), without its newline.
 * Returns 0, or -1 on end of file or a line that does not fit. */
static int read_line(FILE *f, char *buf, size_t size)
{
	size_t len;

	if (fgets(buf, (int)size, f) == NULL)
		return -1;
	len = strlen(buf);
	if (len > 0 && buf[len - 1] == '\n') {
		buf[len - 1] = '\0';
		return 0;
	}
	if (len + 1 < size)
		return 0; /* the last line, with no newline */
	/* Too long: drain the line so nothing of it is taken for input. */
	for (int c; (c = fgetc(f)) != EOF && c != '\n';)
		;
	return -1;
}

static int read_tty(const char *prompt, char *buf, size_t size)
{
	struct termios saved, quiet;
	int rc;

	fputs(prompt, stderr);
	fflush(stderr);
	if (tcgetattr(STDIN_FILENO, &saved) != 0)
		return -1;
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
		return -1;
	rc = read_line(stdin, buf, size);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	fputc('\n', stderr);
	return rc;
}

char *read_password(const char *prompt, bool confirm)
{
	char first[PP_MAX_PASSWORD + 2], again[PP_MAX_PASSWORD + 2];
	char *result = NULL;

	if (!isatty(STDIN_FILENO)) {
		if (read_line(stdin, first, sizeof first) != 0)
			fprintf(stderr, "pptool: no password on standard input, or longer than %d bytes\n",
				PP_MAX_PASSWORD);
		else
			result = pp_strdup_secret(first);
		goto done;
	}
	if (read_tty(prompt, first, sizeof first) != 0) {
		fprintf(stderr, "pptool: could not read a password from the terminal\n");
		goto done;
	}
	if (confirm) {
		if (read_tty("Again: ", again, sizeof again) != 0 ||
		    !pp_ct_equal(first, strlen(first), again, strlen(again))) {
			fprintf(stderr, "pptool: the passwords differ\n");
			goto done;
		}
	}
	result = pp_strdup_secret(first);
done:
	explicit_bzero(first, sizeof first);
	explicit_bzero(again, sizeof again);
	return result;
}
