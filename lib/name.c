/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Name normalisation: everything a name must be before the database sees it. */
#include "name.h"
#include "utf8.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Printable UTF-8 without control characters (C0, DEL, C1). */
static bool clean_text(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;

	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = pp_utf8_seq(s + i, len - i, &cp);

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
