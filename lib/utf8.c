/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The UTF-8 decoder (utf8.h): no overlong forms, no surrogates, nothing
 * above U+10FFFF. */
#include "utf8.h"

size_t pp_utf8_seq(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned char c = s[0];
	size_t len;
	unsigned v;

	if (n == 0)
		return 0;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, v = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, v = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, v = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}
