/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Turning a login name into the mailbox name the userbase is asked for. */
#ifndef PP_NAME_H
#define PP_NAME_H

#include <stddef.h>

#include "config.h"

#define PP_NAME_MAX 255 /* mboxes.mbox is VARCHAR(255) */

/* Write the canonical mailbox name for login into out (PP_NAME_MAX + 1
 * bytes): lowercased when cfg->lowercase, with "@default-domain" added to a
 * name without '@'.  Returns 0, or -1 with *why set when no mailbox can have
 * that name (empty, too long, a control character, invalid UTF-8, or a
 * leading '-' or '+' that other tools would read as an option). */
int pp_normalize_name(const struct pp_config *cfg, const char *login, char *out,
		      const char **why);

#endif
