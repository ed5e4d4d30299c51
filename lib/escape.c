/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Escaping row text for a terminal (escape.h).  One rule for every line
 * pptool prints: what could move the cursor, erase, set a title or turn
 * text around is shown as an escape, and '\' is doubled so that an escape
 * in the output was made here, not by the row. */
#include "escape.h"
#include "utf8.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define CUT_MARK "\\..."

/* Code points a terminal acts on rather than shows: C1 controls (0x9b is
 * CSI), the marks that reverse text (a line can then read as another), and
 * the Unicode line and paragraph separators. */
static bool unicode_control(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x61c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x2028 || cp == 0x2029;
}

/* The shown form of the character at s (n bytes left) in piece (at least
 * 7 bytes); its length, and the bytes it takes from s in *used. */
static size_t one(const unsigned char *s, size_t n, char piece[8], size_t *used)
{
	unsigned cp;
	size_t len = pp_utf8_seq(s, n, &cp);

	if (len == 0 || cp < 0x20 || cp == 0x7f) {
		*used = 1;
		return (size_t)snprintf(piece, 8, "\\x%02x", s[0]);
	}
	*used = len;
	if (cp == '\\')
		return (size_t)snprintf(piece, 8, "\\\\");
	if (unicode_control(cp))
		return (size_t)snprintf(piece, 8, "\\u%04x", cp);
	memcpy(piece, s, len);
	return len;
}

const char *pp_escape(char *out, size_t size, const char *text)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "(NULL)");
	size_t n = strlen((const char *)s), need = 0, kept = 0;
	char piece[8];
	size_t used;

	if (size == 0)
		return "";
	for (size_t i = 0; i < n; i += used)
		need += one(s + i, n - i, piece, &used);
	/* Whole when it fits; else whole pieces while the mark still fits. */
	size_t room = need < size ? size : size > sizeof CUT_MARK ? size - sizeof CUT_MARK + 1 : 1;

	for (size_t i = 0; i < n; i += used) {
		size_t len = one(s + i, n - i, piece, &used);

		if (kept + len + 1 > room)
			break;
		memcpy(out + kept, piece, len);
		kept += len;
	}
	out[kept] = '\0';
	if (need >= size && kept + sizeof CUT_MARK <= size)
		memcpy(out + kept, CUT_MARK, sizeof CUT_MARK);
	return out;
}
