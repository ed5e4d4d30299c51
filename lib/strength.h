/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The scheme new values are made in (password-scheme, upgrade-scheme), and
 * whether a stored value is weaker than that: what password changes,
 * upgrade-on-login and "pptool check" share. */
#ifndef PP_STRENGTH_H
#define PP_STRENGTH_H

#include <stdbool.h>
#include <stddef.h>

#include "scheme.h"

struct pp_target {
	const struct pp_scheme *scheme;
	char method[16]; /* for {crypt} and its variants, the method new values
			  * get ("yescrypt"); "" for other schemes */
};

/* Read "{crypt}", "crypt", "{crypt} bcrypt", "{ssha512}"...: a scheme that
 * can make values, and for {crypt} optionally a method.  t may be NULL (only
 * check).  0, or -1 with *why set. */
int pp_target_parse(const char *spec, struct pp_target *t, const char **why);

/* Is t itself a weak scheme ({plain}, digests, DES or MD5 crypt)? */
bool pp_target_weak(const struct pp_target *t);

/* A new stored value for password, "{scheme}...", into out (PP_HASH_MAX). */
int pp_target_hash(const struct pp_target *t, const char *password, char *out, size_t size,
		   const char **why);

/* Why stored is weak, as a short phrase, or NULL when it is not: plaintext
 * (prefixed or not), an unsalted or fast digest, DES or MD5 crypt, or, when
 * target is given, target's own crypt method at a lower cost.  A value that
 * cannot log in at all (NULL, empty, an unknown scheme) is not "weak": that
 * is another question (pp_verify). */
const char *pp_weakness(const char *stored, const struct pp_target *target);

/* Does checking stored cost at least as much as checking reference?  Judged
 * from the two values, never timed: only when both are crypt values of the
 * same method and stored's cost is the same or higher.  Anything else, a
 * cheaper method, another family, a locked, malformed or unknown value, is
 * "not known to cost as much": false (equalize-timing then pads it). */
bool pp_costs_at_least(const char *stored, const char *reference);

#endif
