/* SPDX-License-Identifier: GPL-2.0-or-later */
/* equalize-timing: a refusal costs at least one check in the scheme the
 * configuration makes new values in (password-scheme, or upgrade-scheme
 * where that is dearer), at the cost it makes them, so that how long it
 * took does not tell an unknown address, a forward or a mailbox with a
 * cheap stored value from one whose value was made by this configuration. */
#ifndef PP_EQUALIZE_H
#define PP_EQUALIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* Into out (PP_HASH_MAX): the decoy a padded refusal under cfg checks, a
 * "{scheme}..." value of a random password nobody has, made in cfg's
 * password-scheme (default {crypt}) or, when upgrade-scheme is set and
 * costs more, in that one.  Made on first use, then kept per pair of the
 * two settings.  0, or -1 when no decoy could be made. */
int pp_decoy(const struct pp_config *cfg, char *out, size_t size);

/* Must a wrong password against stored be padded under cfg?  Judged by
 * cost class, never by a clock: only a value known to cost at least cfg's
 * decoy (the same crypt method at the same or a higher cost, the same
 * Argon2 variant with at least its memory and passes) is not. */
bool pp_needs_padding(const struct pp_config *cfg, const char *stored);

/* Check password against cfg's decoy and throw the answer away.  (The
 * tests count its calls by wrapping it at link time: no counter here.) */
void pp_pad(const struct pp_config *cfg, const char *password);

#endif
