/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: what pptool prints of a row and what migrate-plain
 * makes of it: pp_escape (lib/escape.c) and pp_may_be_hash
 * (lib/hash_shape.c).
 *
 * Input: one byte giving a cut buffer's size (5 to 68), then the text (up
 * to the first NUL, as libpq hands a value over).
 *
 * Invariants:
 *  - escaped into PP_ESCAPED_SIZE(strlen) bytes, the text comes out whole:
 *    undoing the escapes ("\\", "\xHH", "\uHHHH" back to UTF-8) gives the
 *    text back byte for byte;
 *  - the escaped text holds no byte below 0x20 and no DEL, and decodes as
 *    UTF-8 with no C1 control, no U+202A..U+202E, U+2066..U+2069, U+200E,
 *    U+200F, U+061C, U+2028 or U+2029 (decoded here, not by lib/);
 *  - into the cut buffer it is either the whole escaped text or a prefix
 *    of it followed by "\...", within the buffer;
 *  - pp_may_be_hash is false only for text a reference model calls a
 *    password: not empty, not starting with '$', '*' or '!', no byte below
 *    0x20, no DEL, no byte >= 0x80 other than in a UTF-8 letter (checked
 *    by pp_escape leaving it as it is), and no 8 hash characters in a row. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "hash_shape.h"
#include "invariant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* out's escapes undone into back (as big as out); its length, or -1. */
static long unescape(const char *out, char *back)
{
	size_t j = 0;

	for (size_t i = 0; out[i];) {
		if (out[i] != '\\') {
			back[j++] = out[i++];
			continue;
		}
		if (out[i + 1] == '\\') {
			back[j++] = '\\';
			i += 2;
		} else if (out[i + 1] == 'x' && hexval(out[i + 2]) >= 0 && hexval(out[i + 3]) >= 0) {
			back[j++] = (char)(hexval(out[i + 2]) * 16 + hexval(out[i + 3]));
			i += 4;
		} else if (out[i + 1] == 'u') {
			unsigned cp = 0;

			for (int k = 2; k < 6; k++) {
				if (hexval(out[i + k]) < 0)
					return -1;
				cp = cp * 16 + (unsigned)hexval(out[i + k]);
			}
			if (cp < 0x800) {
				back[j++] = (char)(0xc0 | cp >> 6);
			} else {
				back[j++] = (char)(0xe0 | cp >> 12);
				back[j++] = (char)(0x80 | (cp >> 6 & 0x3f));
			}
			back[j++] = (char)(0x80 | (cp & 0x3f));
			i += 6;
		} else {
			return -1;
		}
	}
	back[j] = '\0';
	return (long)j;
}

static bool forbidden(unsigned cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x61c ||
	       cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

/* Decoded by hand: every code point of out, none forbidden, none malformed. */
static void check_clean(const unsigned char *s)
{
	while (*s) {
		unsigned cp;
		int n = *s < 0x80 ? 1 : (*s & 0xe0) == 0xc0 ? 2 : (*s & 0xf0) == 0xe0 ? 3
						: (*s & 0xf8) == 0xf0 ? 4 : 0;

		CHECK(n > 0, "a stray byte %02x in the output", *s);
		cp = n == 1 ? *s : *s & (0x7f >> n);
		for (int k = 1; k < n; k++) {
			CHECK((s[k] & 0xc0) == 0x80, "a cut sequence in the output");
			cp = cp << 6 | (s[k] & 0x3f);
		}
		CHECK(!forbidden(cp), "U+%04x in the output", cp);
		s += n;
	}
}

static bool hash_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       memchr("!$%*+,-./:;=@\\_{}", c, 17) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t cut = 5 + data[0] % 64;
	char *text = strndup((const char *)data + 1, size - 1);
	size_t n = strlen(text), whole_size = PP_ESCAPED_SIZE(n);
	char *out = malloc(whole_size), *back = malloc(whole_size), *part = malloc(cut);

	if (text == NULL || out == NULL || back == NULL || part == NULL)
		abort();
	pp_escape(out, whole_size, text);
	CHECK(unescape(out, back) == (long)n && memcmp(back, text, n) == 0,
	      "escaping is not undone: \"%s\"", out);
	check_clean((const unsigned char *)out);
	pp_escape(part, cut, text);
	size_t plen = strlen(part);

	CHECK(plen < cut, "the cut output overran");
	CHECK(strcmp(part, out) == 0 ||
		      (plen >= 4 && strcmp(part + plen - 4, "\\...") == 0 &&
		       strncmp(part, out, plen - 4) == 0),
	      "the cut output \"%s\" is not a prefix of \"%s\"", part, out);

	if (!pp_may_be_hash(text)) {
		size_t run = 0;

		CHECK(n > 0 && !strchr("$*!", text[0]), "migrated: empty or crypt-led");
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)text[i];

			CHECK(c >= 0x20 && c != 0x7f, "migrated: a control byte");
			run = hash_char(c) ? run + 1 : 0;
			CHECK(run < PP_SHORTEST_HASH, "migrated: %zu hash characters in a row", run);
		}
		/* Non-ASCII only as UTF-8 shown as it is, or a mark. */
		for (size_t i = 0; out[i]; i++) {
			if (out[i] != '\\')
				continue;
			CHECK(out[i + 1] != 'x', "migrated: raw bytes");
			CHECK(strncmp(out + i + 1, "u00", 3) != 0, "migrated: a C1 control");
			i++; /* past "\\", or into the escape */
		}
	}
	free(text);
	free(out);
	free(back);
	free(part);
	return 0;
}
