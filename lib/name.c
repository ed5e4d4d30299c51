/* Name normalisation: everything a name must be before the database sees it. */
#include "name.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Length of the UTF-8 sequence at s (at most n bytes), or 0 when it is not
 * well-formed: no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Printable UTF-8 without control characters (C0, DEL, C1). */
static bool clean_text(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(s + i, len - i);

		if (n == 0 || s[i] < 0x20 || s[i] == 0x7f ||
		    (n == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0))
			return false;
		i += n;
	}
	return true;
}

int pp_normalize_name(const struct pp_config *cfg, const char *login, char *out,
		      const char **why)
{
	size_t len = strnlen(login, PP_NAME_MAX + 1);
	int n;

	if (len == 0) {
		*why = "empty name";
		return -1;
	}
	if (len > PP_NAME_MAX) {
		*why = "name longer than 255 bytes";
		return -1;
	}
	if (login[0] == '-' || login[0] == '+') {
		*why = "name starts with '-' or '+'";
		return -1;
	}
	if (!clean_text(login, len)) {
		*why = "name has a control character or invalid UTF-8";
		return -1;
	}
	if (strchr(login, '@') == NULL && cfg->default_domain != NULL)
		n = snprintf(out, PP_NAME_MAX + 1, "%s@%s", login, cfg->default_domain);
	else
		n = snprintf(out, PP_NAME_MAX + 1, "%s", login);
	if (n < 0 || n > PP_NAME_MAX) {
		*why = "name longer than 255 bytes with the default domain";
		return -1;
	}
	/* ASCII only: what a mail system folds.  UTF-8 bytes are left alone. */
	if (cfg->lowercase)
		for (char *p = out; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	return 0;
}
