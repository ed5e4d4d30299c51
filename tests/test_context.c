/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lib/context.c: the caller's context at the end of a login's log lines.
 * A table of PAM items and the text they must give: set, unset and empty
 * items, and values that must never reach a log line as they are. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "context.h"

static char long256[257], long255[256];

static void test_format_table(void **state)
{
	const struct {
		const char *rhost, *ruser, *tty, *want;
	} rows[] = {
		/* Set items, in the fixed order rhost, ruser, tty. */
		{ "203.0.113.7", NULL, "dovecot", "rhost=203.0.113.7 tty=dovecot" },
		{ "127.0.0.5", "alice", "pts/3", "rhost=127.0.0.5 ruser=alice tty=pts/3" },
		{ "::1", NULL, NULL, "rhost=::1" },
		{ "mail.example.com", NULL, NULL, "rhost=mail.example.com" },
		{ NULL, "bob", NULL, "ruser=bob" },
		{ NULL, NULL, "/dev/pts/0", "tty=/dev/pts/0" },
		/* Unset or empty: left out, never "(null)". */
		{ NULL, NULL, NULL, "" },
		{ "", "", "", "" },
		{ "", NULL, "dovecot", "tty=dovecot" },
		/* UTF-8 is a name's character like any other. */
		{ NULL, "j\xc3\xb6rg", NULL, "ruser=j\xc3\xb6rg" },
		{ long255, NULL, NULL, NULL /* rhost=long255, checked below */ },
		/* What a log line must not get: the marker instead. */
		{ "127.0.0.1\nDec  2 14:00:00 mail auth[1]: forged", NULL, NULL, "rhost=(unusable)" },
		{ "127.0.0.1\r", NULL, NULL, "rhost=(unusable)" },
		{ "127.0.0.1\t", NULL, NULL, "rhost=(unusable)" },
		{ "\x1b[31m127.0.0.1", NULL, NULL, "rhost=(unusable)" },
		{ "127.0.0.1\x7f", NULL, NULL, "rhost=(unusable)" },
		{ "127.0.0.1\xc2\x85", NULL, NULL, "rhost=(unusable)" }, /* C1: NEL */
		{ "127.0.0.\xff", NULL, NULL, "rhost=(unusable)" },
		{ "127.0.0.\xc0\xae", NULL, NULL, "rhost=(unusable)" }, /* overlong '.' */
		{ "10.0.0.1 rhost=127.0.0.9", NULL, NULL, "rhost=(unusable)" },
		{ "-127.0.0.1", NULL, NULL, "rhost=(unusable)" },
		{ long256, NULL, NULL, "rhost=(unusable)" },
		{ "127.0.0.2", "x\ny", "tty\x01", "rhost=127.0.0.2 ruser=(unusable) tty=(unusable)" },
		{ long256, long256, long256, "rhost=(unusable) ruser=(unusable) tty=(unusable)" },
	};
	char out[PP_CONTEXT_MAX], want[PP_CONTEXT_MAX];
	unsigned failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		if (rows[i].want == NULL)
			snprintf(want, sizeof want, "rhost=%s", rows[i].rhost);
		else
			snprintf(want, sizeof want, "%s", rows[i].want);
		memset(out, 'X', sizeof out);
		pp_context_format(rows[i].rhost, rows[i].ruser, rows[i].tty, out);
		if (strcmp(out, want) != 0) {
			printf("# row %zu: got \"%s\", want \"%s\"\n", i, out, want);
			failed++;
		}
	}
	if (failed > 0)
		fail_msg("%u row(s) wrong, see above", failed);
}

/* The longest context there is fits, whole. */
static void test_longest_fits(void **state)
{
	char out[PP_CONTEXT_MAX];

	(void)state;
	pp_context_format(long255, long255, long255, out);
	assert_int_equal(strlen(out), strlen("rhost= ruser= tty=") + 3 * 255);
	assert_true(strlen(out) < sizeof out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_table),
		cmocka_unit_test(test_longest_fits),
	};

	memset(long256, 'h', 256);
	memset(long255, 'h', 255);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
