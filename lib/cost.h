/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Caps on the cost parameters a stored value may ask for.  A userbase row
 * must not be able to make one login burn seconds of CPU or gigabytes of
 * memory: values above these caps are malformed and are never computed.
 * Each cap is well above the defaults of libxcrypt, Dovecot and argon2. */
#ifndef PP_COST_H
#define PP_COST_H

#include <stdbool.h>

#define PP_CAP_BCRYPT_COST   14      /* $2b$14$: ~1 s; default 10 */
#define PP_CAP_SHA_ROUNDS    1000000 /* $6$rounds=: ~0.3 s for a short password, ~2 s
					 * at libxcrypt's 511-byte limit; default 5000 */
#define PP_CAP_YESCRYPT_COST 8       /* libxcrypt's cost scale: ~0.25 s; default 5 */
#define PP_CAP_SCRYPT_COST   8       /* $7$, libxcrypt's cost scale; default 7 */
#define PP_CAP_PBKDF2_ROUNDS 1000000 /* {pbkdf2}, {scram-*} iterations: ~0.5 s of
					 * SHA-1, ~1 s of SHA-256; Dovecot's 5000, 4096 */
#define PP_CAP_ARGON2_M_KIB  262144  /* 256 MiB; Dovecot's default is 64 MiB */
#define PP_CAP_ARGON2_T      16
#define PP_CAP_ARGON2_P      16
#define PP_CAP_ARGON2_M_T    1048576 /* m (KiB) x t: 1 GiB of memory passes */

/* 0 when a crypt(3) value is of a method we verify (DES, $1$, $5$, $6$,
 * $2a$/$2b$/$2y$, $y$, $gy$, $7$) and within the caps; -1 with *why set
 * when it is not. */
int pp_crypt_cost_ok(const char *setting, const char **why);

/* The cost such a value asks for, on the scale of its method: bcrypt's log2
 * rounds, sha-crypt's rounds (5000 when not given), the libxcrypt cost that
 * makes yescrypt's and scrypt's parameters; 0 for DES and $1$, which have
 * none.  -1 with *why set, as pp_crypt_cost_ok. */
long long pp_crypt_cost(const char *setting, const char **why);

/* Is value a traditional DES crypt: 13 characters of the crypt alphabet? */
bool pp_is_des(const char *value);

/* An encoded "$argon2..$v=19$m=..,t=..,p=..$" string's parameters, read
 * and not judged: 0, or -1 with *why set when they cannot be read. */
struct pp_argon2_cost {
	long long m_kib, t, p;
};
int pp_argon2_params(const char *encoded, struct pp_argon2_cost *out, const char **why);

/* pp_crypt_cost_ok for an encoded "$argon2..$v=19$m=..,t=..,p=..$" string. */
int pp_argon2_cost_ok(const char *encoded, const char **why);

#endif
