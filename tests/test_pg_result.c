/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lib/pg_result.c: which server messages may be shown.  A table of
 * decisions (pp_pg_message_shown), then real errors from the test cluster
 * through pp_pg_error: a message past 255 bytes whose tail quotes a
 * secret, a piece of one, a value's body past its "{scheme}", a RAISE from
 * PL/pgSQL under a harmless class, and a plain one that is shown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "pg_result.h"
#include "pg_super.h"

static const struct decision {
	const char *why;
	const char *state, *file, *text, *secret;
	bool shown;
} decisions[] = {
	{ "a permission error", "42501", "aclchk.c", "permission denied for table mboxes",
	  "{plain}Unrelated-Secret-1", true },
	{ "a constraint's name", "23514", "execMain.c",
	  "new row for relation \"mboxes\" violates check constraint \"c\"", "{plain}Unrelated-2",
	  true },
	{ "libpq's own message", NULL, NULL, "server closed the connection unexpectedly", NULL,
	  true },
	{ "the whole secret", "42703", "parse_relation.c", "column \"{plain}Whole-Secret-3\"",
	  "{plain}Whole-Secret-3", false },
	{ "only the body, past {scheme}", "42703", "parse_relation.c",
	  "column \"Body-Only-Secret-4\" does not exist", "{plain}Body-Only-Secret-4", false },
	{ "a short body, all of it", "42703", "parse_relation.c", "column \"Ab5\" does not exist",
	  "{plain}Ab5", false },
	{ "an 8-byte piece from the middle", "42703", "parse_relation.c",
	  "column \"ddle-Pie\" does not exist", "{plain}Middle-Piece-6", false },
	{ "the value with its quote doubled (format %L)", "23514", "execMain.c",
	  "refused '{plain}It''s-Secret-7'", "{plain}It's-Secret-7", false },
	{ "the value with its quote escaped", "23514", "execMain.c",
	  "refused E'{plain}It\\'s-Secret-8'", "{plain}It's-Secret-8", false },
	{ "the value upper-cased", "42703", "parse_relation.c", "column \"UPPER-SECRET-9\"",
	  "{plain}Upper-Secret-9", false },
	{ "the secret past byte 255", "42704", "guc.c",
	  "unrecognized configuration parameter \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxLong-Secret-10\"",
	  "{plain}Long-Secret-10", false },
	{ "a hash's body", "42703", "parse_relation.c",
	  "column \"$y$j9T$abcdefgh\" does not exist", "{crypt}$y$j9T$abcdefghijklmnop", false },
	{ "a data exception, no secret", "22P02", "numutils.c",
	  "invalid input syntax for type integer: \"x\"", NULL, false },
	{ "RAISE, no secret", "P0001", "pl_exec.c", "refused", NULL, false },
	{ "RAISE under a shown class", "42501", "pl_exec.c", "harmless", NULL, false },
	{ "PL/Python under a shown class", "23514", "plpy_elog.c", "harmless", NULL, false },
	{ "an internal error", "XX000", "heapam.c", "could not read block", NULL, false },
	{ "a class we do not list", "2F005", "fmgr.c", "function ended", NULL, false },
};

static void test_decisions(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof decisions / sizeof decisions[0]; i++) {
		const struct decision *d = &decisions[i];
		const char *secrets[2] = { "{plain}Other-Secret-0", d->secret };

		if (pp_pg_message_shown(d->state, d->file, d->text, secrets, d->secret ? 2 : 1) !=
		    d->shown)
			fail_msg("%s: want %s", d->why, d->shown ? "shown" : "withheld");
	}
}

/* Run text on the test cluster and say its error through pp_pg_error. */
static const char *said(const char *text, const char *secret, char *buf, size_t size)
{
	PGresult *r = PQexec(super, text);
	const char *secrets[1] = { secret };

	assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
	pp_pg_error(r, super, secrets, 1, buf, size);
	pp_pg_clear(r);
	return buf;
}

static void expect_withheld(const char *text, const char *secret, const char *state,
			    const char *piece)
{
	char buf[512], want[64];

	said(text, secret, buf, sizeof buf);
	snprintf(want, sizeof want, "failed (SQLSTATE %s): ", state);
	if (strncmp(buf, want, strlen(want)) != 0 ||
	    strstr(buf, "(the server's message is not shown: it may quote a value)") == NULL ||
	    strstr(buf, piece) != NULL)
		fail_msg("%s: %s", text, buf);
}

static void test_real_errors(void **state)
{
	char buf[512];

	(void)state;
	/* 238 bytes of message before the secret: the old cut kept 17 of it. */
	expect_withheld("select set_config(repeat('x', 200) || 'Long-Tail-Secret-31', '1', false)",
			"{plain}Long-Tail-Secret-31", "42704", "Long-Tai");
	expect_withheld("select \"Piece-Of-Secret\"", "{plain}Piece-Of-Secret-32", "42703",
			"Piece-Of");
	expect_withheld("select \"Body-Only-Secret-33\"", "{sha256}Body-Only-Secret-33", "42703",
			"Body-Onl");
	expect_withheld("do $$ begin raise exception using errcode = '42501', "
			"message = 'harmless'; end $$",
			"{plain}Unrelated-34", "42501", "harmless");
	assert_string_equal(said("select \"no_such_column\"", "{plain}Unrelated-35", buf,
				 sizeof buf),
			    "failed (SQLSTATE 42703): column \"no_such_column\" does not exist");
}

static int setup(void **state)
{
	static const char *const secrets[] = {
		"Long-Tail-Secret-31", "Piece-Of-Secret-32", "Body-Only-Secret-33",
	};

	(void)state;
	for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
		harness_secret(secrets[i]);
	reconnect_super();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return finish_super(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decisions),
		cmocka_unit_test(test_real_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
