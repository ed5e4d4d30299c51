/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lib/escape.c: what pptool prints of a row.  A table of hostile and
 * ordinary texts and what they become; then cut buffers; then every byte
 * and every two-byte string, whose escaped form must hold no byte a
 * terminal acts on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "utf8.h"

static const struct {
	const char *text, *want;
} rows[] = {
	/* the audit's rows: erase the line and forge a name, set the title */
	{ "\r\x1b[2Kok@example.com", "\\x0d\\x1b[2Kok@example.com" },
	{ "\x1b]0;owned\a", "\\x1b]0;owned\\x07" },
	/* every C0 control, DEL, and the backslash that makes escapes ours */
	{ "a\nb\tc\x01\x1f\x7f", "a\\x0ab\\x09c\\x01\\x1f\\x7f" },
	{ "back\\slash", "back\\\\slash" },
	{ "\\x1b", "\\\\x1b" },
	/* C1 controls, in UTF-8 (U+009B is CSI) and as raw bytes */
	{ "a\xc2\x9b" "31mb", "a\\u009b31mb" },
	{ "\xc2\x80\xc2\x9f", "\\u0080\\u009f" },
	{ "\x9b" "31m", "\\x9b31m" },
	/* invalid UTF-8: lone continuation, cut sequence, overlong, surrogate,
	 * above U+10FFFF */
	{ "\x80", "\\x80" },
	{ "a\xc3", "a\\xc3" },
	{ "\xc0\xaf", "\\xc0\\xaf" },
	{ "\xe0\x80\xaf", "\\xe0\\x80\\xaf" },
	{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },
	{ "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80" },
	{ "\xff\xfe", "\\xff\\xfe" },
	/* the marks that turn text around, and Unicode's line separators */
	{ "abc\xe2\x80\xaegnp.moc", "abc\\u202egnp.moc" },
	{ "\xe2\x81\xa6x\xe2\x81\xa9", "\\u2066x\\u2069" },
	{ "\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f", "\\u061c\\u200e\\u200f" },
	{ "a\xe2\x80\xa8" "b\xe2\x80\xa9", "a\\u2028b\\u2029" },
	/* what is printed as it is */
	{ "alice@example.com", "alice@example.com" },
	{ "j\xc3\xbcrgen@m\xc3\xbcller.example", "j\xc3\xbcrgen@m\xc3\xbcller.example" },
	{ "\xe6\x97\xa5\xe6\x9c\xac@example.jp", "\xe6\x97\xa5\xe6\x9c\xac@example.jp" },
	{ "\xf0\x9f\x93\xa7@example.com", "\xf0\x9f\x93\xa7@example.com" },
	{ "\xc2\xa0nbsp", "\xc2\xa0nbsp" },
	{ " !\"#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~", " !\"#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~" },
	{ "", "" },
	{ NULL, "(NULL)" },
};

static void test_rows(void **state)
{
	char out[PP_ESCAPED_SIZE(64)];

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const char *got = pp_escape(out, sizeof out, rows[i].text);

		if (got != out || strcmp(got, rows[i].want) != 0)
			fail_msg("row %zu: got \"%s\", want \"%s\"", i, got, rows[i].want);
	}
}

/* A buffer too small: whole pieces, then "\...", never half an escape. */
static void test_cut(void **state)
{
	static const struct {
		const char *text;
		size_t size;
		const char *want;
	} cuts[] = {
		{ "abcdefgh", 9, "abcdefgh" },
		{ "abcdefghi", 9, "abcd\\..." },
		{ "ab\x1b" "cdef", 10, "ab\\..." },    /* "\x1b" would not fit with the mark */
		{ "ab\x1b" "cdefg", 11, "ab\\x1b\\..." },
		{ "ab\x1b" "cdef", 11, "ab\\x1bcdef" },
		{ "\xe2\x80\xae" "abcdef", 9, "\\..." },
		{ "abc", 5, "abc" },
		{ "abcdef", 5, "\\..." },
		{ "abcdef", 4, "" },
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		memset(out, 'Z', sizeof out);
		pp_escape(out, cuts[i].size, cuts[i].text);
		if (strcmp(out, cuts[i].want) != 0)
			fail_msg("cut %zu: got \"%s\", want \"%s\"", i, out, cuts[i].want);
		for (size_t j = cuts[i].size; j < sizeof out; j++)
			if (out[j] != 'Z')
				fail_msg("cut %zu: wrote past %zu bytes", i, cuts[i].size);
	}
	assert_string_equal(pp_escape(out, 0, "abc"), "");
}

/* No byte a terminal acts on survives, in any string of one or two bytes
 * (and three, for the marks that start 0xe2): C0, DEL and raw 0x80-0x9f
 * are gone, and what is left is well-formed UTF-8. */
static void check_clean(const unsigned char *in, size_t n)
{
	char text[4] = { 0 }, out[PP_ESCAPED_SIZE(3)];
	unsigned cp;

	memcpy(text, in, n);
	pp_escape(out, sizeof out, text);
	for (size_t i = 0; out[i];) {
		size_t len = pp_utf8_seq((const unsigned char *)out + i, strlen(out + i), &cp);

		if (len == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x202e)
			fail_msg("%02x %02x %02x: \"%s\" holds U+%04x or bad UTF-8", in[0], in[1],
				 n > 2 ? in[2] : 0, out, cp);
		i += len;
	}
}

static void test_every_short_string(void **state)
{
	unsigned char s[3];

	(void)state;
	for (unsigned a = 1; a < 256; a++) {
		s[0] = (unsigned char)a;
		check_clean(s, 1);
		for (unsigned b = 1; b < 256; b++) {
			s[1] = (unsigned char)b;
			check_clean(s, 2);
		}
	}
	s[0] = 0xe2;
	for (unsigned b = 0x80; b < 0xc0; b++)
		for (unsigned c = 1; c < 256; c++) {
			s[1] = (unsigned char)b;
			s[2] = (unsigned char)c;
			check_clean(s, 3);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_every_short_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
