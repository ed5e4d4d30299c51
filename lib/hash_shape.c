/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whether a value under an unknown scheme name may be a hash (hash_shape.h).
 *
 * Every hash form, whatever its scheme, writes its digest (with its salt
 * and separators) as one run of hex, base64 (either alphabet), crypt's
 * alphabet or their separators, at least PP_SHORTEST_HASH characters long.
 * A hash cut short, a lock ('*', '!') and crypt's "$id$" are caught by how
 * they start; raw bytes by a control character or invalid UTF-8.  What is
 * left is text with a space or punctuation no hash uses every few
 * characters, or short text: a password.  When in doubt the value is left:
 * a password taken for a hash only waits for the operator, a hash taken
 * for a password becomes one. */
#include "hash_shape.h"
#include "utf8.h"
#include "scheme.h"

#include <string.h>

/* The characters hashes are written in, bar letters and digits: base64's
 * "+/=" and "-_", crypt's "./", the separators of crypt, PHC, Django,
 * passlib, SCRAM, Oracle and MySQL ("$,:;*!@"), a nested prefix's "{}",
 * and '%' and '\' as a badly quoted or URL-encoded value carries them. */
#define HASH_PUNCT "!$%*+,-./:;=@\\_{}"

static bool hash_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c != '\0' && strchr(HASH_PUNCT, c) != NULL);
}

bool pp_may_be_hash(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n, run = 0;

	if (text == NULL || text[0] == '\0' || strchr("$*!", text[0]) != NULL)
		return true;
	n = strlen(text);
	for (size_t i = 0; i < n;) {
		unsigned cp;
		size_t len = pp_utf8_seq(s + i, n - i, &cp);

		if (len == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return true; /* raw bytes, not typed text */
		run = len == 1 && hash_char(s[i]) ? run + 1 : 0;
		if (run >= PP_SHORTEST_HASH)
			return true;
		i += len;
	}
	return false;
}

enum pp_migration pp_migration_of(const char *stored)
{
	const char *value;

	if (stored == NULL || stored[0] == '\0')
		return PP_MIGRATE_NONE;
	if (!pp_has_prefix(stored))
		return PP_MIGRATE_UNPREFIXED;
	if (pp_stored_scheme(stored, &value) != NULL)
		return PP_MIGRATE_NONE;
	return pp_may_be_hash(strchr(stored, '}') + 1) ? PP_MIGRATE_MAY_BE_HASH : PP_MIGRATE_UNKNOWN;
}
