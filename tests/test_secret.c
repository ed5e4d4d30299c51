/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lib/secret.c: the constant-time compare every scheme ends in, the wiping
 * copy, and random bytes.  A compare that skips one byte (the first or the
 * last) or ignores the lengths lets a hash that is almost right match: the
 * table's mismatches differ in one byte only, at either end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "secret.h"

struct pair {
	const char *a;
	size_t alen;
	const char *b;
	size_t blen;
	bool want;
	const char *what;
};

#define P(a, b, want, what) { a, sizeof a - 1, b, sizeof b - 1, want, what }

static const struct pair pairs[] = {
	P("", "", true, "both empty"),
	P("", "a", false, "empty and one byte"),
	P("a", "", false, "one byte and empty"),
	P("a", "a", true, "one byte, equal"),
	P("a", "b", false, "one byte, different"),
	P("abcdefgh", "abcdefgh", true, "equal"),
	P("abcdefgh", "abcdefgi", false, "only the last byte differs"),
	P("abcdefgh", "bbcdefgh", false, "only the first byte differs"),
	P("abcdefgh", "abcdxfgh", false, "only a middle byte differs"),
	P("abcdefgh", "abcdefghi", false, "a prefix of the other"),
	P("abcdefghi", "abcdefgh", false, "the other a prefix of it"),
	P("abcdefgh", "abcdefg", false, "one byte shorter"),
	P("\x00\x00\x00\x00", "\x00\x00\x00\x01", false, "zeros, the last bit differs"),
	P("\x01\x00\x00\x00", "\x00\x00\x00\x00", false, "zeros, the first bit differs"),
	P("\x00\x00\x00\x00", "\x00\x00\x00\x00", true, "zeros, equal"),
	P("\xff\xff\xff\xff", "\xff\xff\xff\x7f", false, "high bit of the last byte"),
	P("\x80", "\x00", false, "the high bit alone"),
	P("\x00", "\x00\x00", false, "a NUL is a byte, not an end"),
};

static void test_pairs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		const struct pair *p = &pairs[i];

		if (pp_ct_equal(p->a, p->alen, p->b, p->blen) != p->want)
			fail_msg("row %zu (%s): not %s", i, p->what, p->want ? "equal" : "different");
		if (pp_ct_equal(p->b, p->blen, p->a, p->alen) != p->want)
			fail_msg("row %zu (%s), swapped: not %s", i, p->what,
				 p->want ? "equal" : "different");
	}
}

/* Every length a digest or crypt string has (and more), every position,
 * every bit: one bit changed anywhere is a mismatch. */
static void test_every_position(void **state)
{
	unsigned char a[256], b[256];

	(void)state;
	for (size_t i = 0; i < sizeof a; i++)
		a[i] = (unsigned char)(i * 37 + 11);
	for (size_t len = 1; len <= sizeof a; len++) {
		memcpy(b, a, len);
		if (!pp_ct_equal(a, len, b, len))
			fail_msg("length %zu: equal buffers differ", len);
		for (size_t pos = 0; pos < len; pos++)
			for (int bit = 0; bit < 8; bit++) {
				b[pos] ^= (unsigned char)(1u << bit);
				if (pp_ct_equal(a, len, b, len))
					fail_msg("length %zu: byte %zu bit %d changed, still equal", len,
						 pos, bit);
				b[pos] ^= (unsigned char)(1u << bit);
			}
		/* Same contents, one length one byte longer or shorter. */
		if (len > 1 && pp_ct_equal(a, len, b, len - 1))
			fail_msg("length %zu against %zu: equal", len, len - 1);
	}
}

static void test_strdup_secret(void **state)
{
	static const char *const texts[] = { "", "x", "s3cr3t!", "with\nnewline" };

	(void)state;
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		char *copy = pp_strdup_secret(texts[i]);

		assert_non_null(copy);
		assert_ptr_not_equal(copy, texts[i]);
		assert_string_equal(copy, texts[i]);
		pp_free_secret(copy);
	}
	pp_free_secret(NULL);
}

/* Random bytes: every length filled, and two draws differ (32 bytes alike
 * twice is 2^-256). */
static void test_random(void **state)
{
	unsigned char a[64], b[64], zero[64] = { 0 };

	(void)state;
	assert_int_equal(pp_random(a, 0), 0);
	for (size_t len = 1; len <= sizeof a; len *= 2) {
		memset(a, 0, sizeof a);
		memset(b, 0, sizeof b);
		assert_int_equal(pp_random(a, len), 0);
		assert_int_equal(pp_random(b, len), 0);
		assert_memory_equal(a + len, zero, sizeof a - len);
		if (len >= 32) {
			assert_memory_not_equal(a, b, len);
			assert_memory_not_equal(a, zero, len);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs),
		cmocka_unit_test(test_every_position),
		cmocka_unit_test(test_strdup_secret),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
