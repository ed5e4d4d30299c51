/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The caller's context for a login's log lines (see context.h). */
#include "context.h"

#include <stdio.h>
#include <string.h>

/* value, or the marker when it is not fit for a log line. */
static const char *loggable(const char *value)
{
	/* Only the checks on the text: no default domain, no folding. */
	static const struct pp_config as_is = { 0 };
	char checked[PP_NAME_MAX + 1];
	const char *why;

	if (pp_normalize_name(&as_is, value, checked, &why) != 0 || strchr(value, ' ') != NULL)
		return PP_CONTEXT_UNUSABLE;
	return value;
}

void pp_context_format(const char *rhost, const char *ruser, const char *tty,
		       char out[PP_CONTEXT_MAX])
{
	const struct {
		const char *key, *value;
	} fields[] = { { "rhost", rhost }, { "ruser", ruser }, { "tty", tty } };
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (fields[i].value == NULL || fields[i].value[0] == '\0')
			continue;
		/* Cannot be cut short: PP_CONTEXT_MAX holds every field at its
		 * longest, and a longer value is the marker. */
		used += (size_t)snprintf(out + used, PP_CONTEXT_MAX - used, "%s%s=%s",
					 used ? " " : "", fields[i].key, loggable(fields[i].value));
	}
}
