/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Could a stored value be a password hash?  For a value under a scheme
 * name we do not know: a PowerMail 1.0 plaintext password, or a hash of a
 * scheme this version does not verify.  Only the first may be given a
 * {plain} prefix: done to a hash, the hash itself would become the
 * password.  No table of hash shapes is ever complete, so the rule is the
 * other way round: a value is a password only when it cannot be a hash. */
#ifndef PP_HASH_SHAPE_H
#define PP_HASH_SHAPE_H

#include <stdbool.h>

/* Shorter than any hash: DES crypt has 13 characters, 64 bits in base64
 * 11, and a 32-bit checksum in hex, the least anyone stored, 8. */
#define PP_SHORTEST_HASH 8

/* May text (what follows a "{NAME}") be a hash, or an account's lock?
 * false only when it cannot: it is not empty, does not start with '$', '*'
 * or '!', holds no control character and no invalid UTF-8, and every run
 * of characters a hash is written in (ASCII letters, digits and
 * ! $ % * + , - . / : ; = @ \ _ { }) is shorter than PP_SHORTEST_HASH.
 * NULL may be a hash. */
bool pp_may_be_hash(const char *text);

/* What pptool migrate-plain does with a hosted mailbox's stored value. */
enum pp_migration {
	PP_MIGRATE_NONE,        /* NULL, empty, or a known scheme's value */
	PP_MIGRATE_UNPREFIXED,  /* 1.0 plaintext, read as {plain} already: prefixed */
	PP_MIGRATE_UNKNOWN,     /* "{NAME}..." that cannot be a hash: 1.0 plaintext, prefixed */
	PP_MIGRATE_MAY_BE_HASH, /* "{NAME}..." that may be a hash: left, and listed */
};

enum pp_migration pp_migration_of(const char *stored);

#endif
