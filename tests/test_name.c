/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Login names: what becomes a mailbox name, and what never reaches SQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "name.h"

struct row {
	const char *login;
	const char *domain; /* default-domain, or NULL */
	int lowercase;
	const char *want; /* NULL: refused */
};

static const struct row rows[] = {
	{ "info@example.com", NULL, 1, "info@example.com" },
	{ "Info@Example.COM", NULL, 1, "info@example.com" },
	{ "Info@Example.COM", NULL, 0, "Info@Example.COM" },
	{ "info", "example.com", 1, "info@example.com" },
	{ "INFO", "Example.com", 1, "info@example.com" },
	{ "info", NULL, 1, "info" },
	{ "info@other.org", "example.com", 1, "info@other.org" },
	{ "jos\xc3\xa9@example.com", NULL, 1, "jos\xc3\xa9@example.com" }, /* é, left alone */
	{ "x' OR '1'='1", NULL, 1, "x' or '1'='1" }, /* harmless: it is only ever $1 */
	{ "", NULL, 1, NULL },
	{ "-rf@example.com", NULL, 1, NULL },
	{ "+x@example.com", NULL, 1, NULL },
	{ "a\nb@example.com", NULL, 1, NULL },
	{ "a\tb", NULL, 1, NULL },
	{ "a\x7f", NULL, 1, NULL },
	{ "a\xc2\x85", NULL, 1, NULL },         /* C1 control NEL */
	{ "a\xff", NULL, 1, NULL },             /* not UTF-8 */
	{ "a\xc0\xaf" "b", NULL, 1, NULL },    /* overlong '/' */
	{ "a\xed\xa0\x80", NULL, 1, NULL },     /* surrogate */
	{ "a\xe2\x82", NULL, 1, NULL },         /* truncated */
	{ "a\xf4\x90\x80\x80", NULL, 1, NULL }, /* above U+10FFFF */
};

static void test_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct pp_config cfg = { .lowercase = rows[i].lowercase,
					 .default_domain = (char *)rows[i].domain };
		char out[PP_NAME_MAX + 1];
		const char *why = NULL;
		int rc = pp_normalize_name(&cfg, rows[i].login, out, &why);

		if (rows[i].want == NULL) {
			if (rc != -1)
				fail_msg("row %zu accepted as '%s'", i, out);
			assert_non_null(why);
		} else {
			if (rc != 0)
				fail_msg("row %zu refused: %s", i, why);
			assert_string_equal(out, rows[i].want);
		}
	}
}

static void test_lengths(void **state)
{
	struct pp_config cfg = { .lowercase = 1 };
	char name[PP_NAME_MAX + 2], out[PP_NAME_MAX + 1];
	const char *why;

	(void)state;
	memset(name, 'a', PP_NAME_MAX);
	name[PP_NAME_MAX] = '\0';
	assert_int_equal(pp_normalize_name(&cfg, name, out, &why), 0);
	name[PP_NAME_MAX] = 'a';
	name[PP_NAME_MAX + 1] = '\0';
	assert_int_equal(pp_normalize_name(&cfg, name, out, &why), -1);
	/* 250 bytes plus "@example.com" is over the limit too */
	cfg.default_domain = "example.com";
	name[250] = '\0';
	assert_int_equal(pp_normalize_name(&cfg, name, out, &why), -1);
}

/* ---- Every limit, on both sides (issue 20, point 12) ----------------
 * 255 bytes is mboxes.mbox's VARCHAR(255): a name one byte over, cut to
 * fit, could be another mailbox.  So each limit is tried exactly at it and
 * one byte past it, with and without default-domain. */

/* A login of len bytes: 'a's, then tail. */
static void make_login(char *buf, size_t len, const char *tail)
{
	size_t t = strlen(tail);

	assert_true(len >= t);
	memset(buf, 'a', len - t);
	memcpy(buf + len - t, tail, t + 1);
}

static void expect_name(const char *domain, const char *login, const char *want_tail,
			size_t want_len)
{
	struct pp_config cfg = { .lowercase = 1, .default_domain = (char *)domain };
	char out[PP_NAME_MAX + 1];
	const char *why = NULL;

	memset(out, 0, sizeof out);
	if (want_tail == NULL) {
		if (pp_normalize_name(&cfg, login, out, &why) != -1)
			fail_msg("%zu-byte login (domain %s) accepted as %zu bytes", strlen(login),
				 domain ? domain : "none", strlen(out));
		assert_non_null(why);
		return;
	}
	if (pp_normalize_name(&cfg, login, out, &why) != 0)
		fail_msg("%zu-byte login (domain %s) refused: %s", strlen(login),
			 domain ? domain : "none", why);
	assert_int_equal(strlen(out), want_len);
	assert_string_equal(out + want_len - strlen(want_tail), want_tail);
}

static void test_length_limits(void **state)
{
	static const char *const domains[] = { "example.com", "x", "a-much-longer.example.org" };
	char login[PP_NAME_MAX + 8];

	(void)state;
	/* Without default-domain, and a name with '@' (the domain is not
	 * added): 255 bytes in, 255 out; 256 refused. */
	for (size_t d = 0; d <= sizeof domains / sizeof domains[0]; d++) {
		const char *domain = d < sizeof domains / sizeof domains[0] ? domains[d] : NULL;

		make_login(login, PP_NAME_MAX, "@example.com");
		expect_name(domain, login, "@example.com", PP_NAME_MAX);
		make_login(login, PP_NAME_MAX + 1, "@example.com");
		expect_name(domain, login, NULL, 0);
		make_login(login, PP_NAME_MAX + 2, "@example.com");
		expect_name(domain, login, NULL, 0);
	}
	make_login(login, PP_NAME_MAX, "");
	expect_name(NULL, login, "aaa", PP_NAME_MAX);
	make_login(login, PP_NAME_MAX + 1, "");
	expect_name(NULL, login, NULL, 0);
	make_login(login, 1, "");
	expect_name(NULL, login, "a", 1);

	/* With default-domain: the login plus '@' plus the domain is exactly
	 * 255 bytes (accepted, nothing cut), or 256 (refused, not cut to 255). */
	for (size_t d = 0; d < sizeof domains / sizeof domains[0]; d++) {
		char tail[64];
		size_t room = PP_NAME_MAX - 1 - strlen(domains[d]);

		snprintf(tail, sizeof tail, "@%s", domains[d]);
		make_login(login, room, "");
		expect_name(domains[d], login, tail, PP_NAME_MAX);
		make_login(login, room + 1, "");
		expect_name(domains[d], login, NULL, 0);
		make_login(login, room - 1, "");
		expect_name(domains[d], login, tail, PP_NAME_MAX - 1);
	}

	/* A character of two bytes that ends at byte 255, or at byte 256. */
	make_login(login, PP_NAME_MAX, "\xc3\xa9");
	expect_name(NULL, login, "\xc3\xa9", PP_NAME_MAX);
	make_login(login, PP_NAME_MAX + 1, "\xc3\xa9");
	expect_name(NULL, login, NULL, 0);
	/* ... and one cut in half by the limit: invalid either way. */
	make_login(login, PP_NAME_MAX, "\xc3");
	expect_name(NULL, login, NULL, 0);
}

/* Each bound of the character rules, on both sides: C0 and DEL, C1 and
 * NBSP, the end of each UTF-8 length's overlong range, surrogates, the
 * last code point, lead bytes. */
static void test_character_limits(void **state)
{
	static const struct {
		const char *text;
		int ok;
	} chars[] = {
		{ "a\x1f", 0 },                 /* the last C0 control */
		{ "a\x20", 1 },                 /* space */
		{ "a\x7e", 1 },                 /* '~' */
		{ "a\x7f", 0 },                 /* DEL */
		{ "a\xc2\x80", 0 },             /* U+0080, the first C1 control */
		{ "a\xc2\x9f", 0 },             /* U+009F, the last */
		{ "a\xc2\xa0", 1 },             /* U+00A0 */
		{ "a\xc1\xbf", 0 },             /* overlong U+007F */
		{ "a\xdf\xbf", 1 },             /* U+07FF */
		{ "a\xe0\x9f\xbf", 0 },         /* overlong U+07FF */
		{ "a\xe0\xa0\x80", 1 },         /* U+0800 */
		{ "a\xed\x9f\xbf", 1 },         /* U+D7FF */
		{ "a\xed\xa0\x80", 0 },         /* U+D800 */
		{ "a\xed\xbf\xbf", 0 },         /* U+DFFF */
		{ "a\xee\x80\x80", 1 },         /* U+E000 */
		{ "a\xef\xbf\xbf", 1 },         /* U+FFFF */
		{ "a\xf0\x8f\xbf\xbf", 0 },     /* overlong U+FFFF */
		{ "a\xf0\x90\x80\x80", 1 },     /* U+10000 */
		{ "a\xf4\x8f\xbf\xbf", 1 },     /* U+10FFFF */
		{ "a\xf4\x90\x80\x80", 0 },     /* U+110000 */
		{ "a\xf5\x80\x80\x80", 0 },     /* lead byte past F4 */
		{ "a\xe2\x82\xac", 1 },         /* U+20AC, whole */
		{ "a\xe2\x82", 0 },             /* cut short at the end */
		{ "a\xe2\x82" "b", 0 },         /* cut short before another */
		{ "a\xe2\x82\xac\xac", 0 },     /* a continuation byte alone */
		{ "-a", 0 },
		{ "a-", 1 },
		{ "+a", 0 },
		{ "a+b", 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof chars / sizeof chars[0]; i++) {
		struct pp_config cfg = { .lowercase = 1 };
		char out[PP_NAME_MAX + 1];
		const char *why = NULL;
		int rc = pp_normalize_name(&cfg, chars[i].text, out, &why);

		if ((rc == 0) != chars[i].ok)
			fail_msg("row %zu: %s", i, chars[i].ok ? why : "accepted");
		if (rc == 0)
			assert_string_equal(out, chars[i].text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_length_limits),
		cmocka_unit_test(test_character_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
