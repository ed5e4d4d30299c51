/* Login names: what becomes a mailbox name, and what never reaches SQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
