/* SPDX-License-Identifier: GPL-2.0-or-later */
/* postgresql-conninfo, parsed: libpq's own parser (PQconninfoParse), but
 * none of its words reach a log line, and every value is wiped when freed.
 * libpq's text for a string it cannot parse quotes the string, password
 * included. */
#ifndef PP_CONNINFO_H
#define PP_CONNINFO_H

#include <libpq-fe.h>
#include <stdbool.h>

/* The options text sets (val != NULL), or NULL with *why saying, in our own
 * words, what is wrong.  Free with pp_conninfo_free. */
PQconninfoOption *pp_conninfo_parse(const char *text, const char **why);

/* Does it carry a secret: a password, an sslpassword (libpq marks such
 * options with dispchar "*"), or a user:password@ in a URI? */
bool pp_conninfo_has_secret(const PQconninfoOption *opts);

/* The value text gives keyword, or NULL (not set, or empty). */
const char *pp_conninfo_get(const PQconninfoOption *opts, const char *keyword);

/* Wipe every value, then PQconninfoFree.  NULL is allowed. */
void pp_conninfo_free(PQconninfoOption *opts);

#endif
