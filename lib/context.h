/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The caller's context at the end of a login's log lines, as pam_unix gives
 * it, so that a ban filter can find the client: "rhost=H ruser=U tty=T",
 * each field only where the caller set it (an unset or empty item is left
 * out, never written as "(null)"), in that order, one space between.
 *
 * A value is checked as a login name is (lib/name.c: at most 255 bytes,
 * valid UTF-8, no control character, no leading '-' or '+') and must hold
 * no space, which separates the fields; one that fails is written as
 * PP_CONTEXT_UNUSABLE, never as it came.  No filter takes that for an
 * address. */
#ifndef PP_CONTEXT_H
#define PP_CONTEXT_H

#include <stddef.h>

#include "name.h"

#define PP_CONTEXT_UNUSABLE "(unusable)"
/* Enough for the three fields at their longest. */
#define PP_CONTEXT_MAX (3 * (sizeof " ruser=" + PP_NAME_MAX) + 1)

/* Write the context for these items (any may be NULL) into out, which must
 * hold PP_CONTEXT_MAX bytes; "" when none is set. */
void pp_context_format(const char *rhost, const char *ruser, const char *tty,
		       char out[PP_CONTEXT_MAX]);

#endif
