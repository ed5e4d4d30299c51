/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading cost parameters out of stored values, to refuse before computing. */
#include "cost.h"

#include <crypt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Parse up to 10 decimal digits at *p, advancing it; -1 when there are none
 * or too many. */
static long long parse_decimal(const char **p)
{
	long long v = 0;
	int digits = 0;

	while (**p >= '0' && **p <= '9') {
		if (++digits > 10)
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	return digits == 0 ? -1 : v;
}

static long long sha_crypt_cost(const char *setting, const char **why)
{
	const char *p = setting + 3;

	if (strncmp(p, "rounds=", 7) != 0)
		return 5000; /* the default */
	p += 7;
	long long rounds = parse_decimal(&p);

	if (rounds < 0 || *p != '$') {
		*why = "unreadable sha-crypt rounds";
		return -1;
	}
	if (rounds > PP_CAP_SHA_ROUNDS) {
		*why = "sha-crypt rounds above the cap";
		return -1;
	}
	/* libxcrypt clamps below 1000, as it verifies. */
	return rounds < 1000 ? 1000 : rounds;
}

static long long bcrypt_cost(const char *setting, const char **why)
{
	const char *p = setting + 4;
	long long cost = parse_decimal(&p);

	if (cost < 0 || *p != '$') {
		*why = "unreadable bcrypt cost";
		return -1;
	}
	if (cost > PP_CAP_BCRYPT_COST) {
		*why = "bcrypt cost above the cap";
		return -1;
	}
	return cost;
}

/* yescrypt and scrypt pack their parameters in a compact encoding whose
 * decoder is internal to libxcrypt.  Rather than re-implement it, accept
 * exactly the parameter strings libxcrypt itself writes for costs up to the
 * cap: anything else is either more expensive or not what libxcrypt makes. */
static long long params_cost(const char *prefix, const char *setting, size_t params_len,
			     bool delimited, unsigned long min_cost, unsigned long cap)
{
	static const char rbytes[16] = { 0 };
	size_t plen = strlen(prefix);
	char gen[CRYPT_GENSALT_OUTPUT_SIZE];

	if (strnlen(setting, plen + params_len) < plen + params_len)
		return -1;
	for (unsigned long cost = min_cost; cost <= cap; cost++) {
		if (crypt_gensalt_rn(prefix, cost, rbytes, sizeof rbytes, gen, sizeof gen) == NULL)
			continue;
		/* The same length first: a long parameter string must not make
		 * us read past what libxcrypt wrote.  yescrypt's parameters end
		 * at a '$'; scrypt's have a fixed length, the salt follows. */
		size_t gen_params = delimited ? strcspn(gen + plen, "$")
					      : strnlen(gen + plen, params_len);

		if (gen_params == params_len && memcmp(gen + plen, setting + plen, params_len) == 0)
			return (long long)cost;
	}
	return -1;
}

static long long yescrypt_cost(const char *prefix, const char *setting, const char **why)
{
	const char *params = setting + strlen(prefix);
	const char *end = strchr(params, '$');
	long long cost = end == NULL ? -1
				     : params_cost(prefix, setting, (size_t)(end - params), true, 1,
						   PP_CAP_YESCRYPT_COST);

	if (cost < 0)
		*why = "yescrypt parameters above the cap";
	return cost;
}

static long long scrypt_cost(const char *setting, const char **why)
{
	/* "$7$" N (1 char), r (5), p (5), then the salt. */
	long long cost = params_cost("$7$", setting, 11, false, 6, PP_CAP_SCRYPT_COST);

	if (cost < 0)
		*why = "scrypt parameters above the cap";
	return cost;
}

bool pp_is_des(const char *setting)
{
	static const char itoa64[] =
		"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

	return strlen(setting) == 13 && strspn(setting, itoa64) == 13;
}

/* Only the methods whose cost we can read are verified at all: libxcrypt
 * also knows BSDi "_", NetBSD "$sha1$", Sun "$md5" and others whose round
 * counts would let one row burn minutes, and bigcrypt, whose length
 * depends on the password. */
static const char *const capped_prefixes[] = { "$1$",  "$5$", "$6$", "$2a$", "$2b$",
					       "$2y$", "$y$", "$gy$", "$7$" };

long long pp_crypt_cost(const char *setting, const char **why)
{
	bool known = pp_is_des(setting);

	for (size_t i = 0; !known && i < sizeof capped_prefixes / sizeof capped_prefixes[0]; i++)
		known = strncmp(setting, capped_prefixes[i], strlen(capped_prefixes[i])) == 0;
	if (!known) {
		*why = "not a crypt method pam_powermail verifies (DES, $1$, $5$, $6$, $2b$, "
		       "$y$, $gy$, $7$)";
		return -1;
	}
	if (strncmp(setting, "$5$", 3) == 0 || strncmp(setting, "$6$", 3) == 0)
		return sha_crypt_cost(setting, why);
	if (strncmp(setting, "$2", 2) == 0 && setting[2] != '\0' && setting[3] == '$')
		return bcrypt_cost(setting, why);
	if (strncmp(setting, "$y$", 3) == 0)
		return yescrypt_cost("$y$", setting, why);
	if (strncmp(setting, "$gy$", 4) == 0)
		return yescrypt_cost("$gy$", setting, why);
	if (strncmp(setting, "$7$", 3) == 0)
		return scrypt_cost(setting, why);
	return 0; /* DES and $1$ have no cost to read */
}

int pp_crypt_cost_ok(const char *setting, const char **why)
{
	return pp_crypt_cost(setting, why) < 0 ? -1 : 0;
}

int pp_argon2_params(const char *encoded, struct pp_argon2_cost *out, const char **why)
{
	const char *p = strstr(encoded, "$m=");

	if (p == NULL) {
		*why = "argon2 parameters missing";
		return -1;
	}
	p += 3;
	out->m_kib = parse_decimal(&p);
	if (out->m_kib < 0 || strncmp(p, ",t=", 3) != 0)
		goto unreadable;
	p += 3;
	out->t = parse_decimal(&p);
	if (out->t < 0 || strncmp(p, ",p=", 3) != 0)
		goto unreadable;
	p += 3;
	out->p = parse_decimal(&p);
	if (out->p < 0 || *p != '$')
		goto unreadable;
	return 0;
unreadable:
	*why = "unreadable argon2 parameters";
	return -1;
}

int pp_argon2_cost_ok(const char *encoded, const char **why)
{
	struct pp_argon2_cost c;

	if (pp_argon2_params(encoded, &c, why) != 0)
		return -1;
	if (c.m_kib > PP_CAP_ARGON2_M_KIB || c.t > PP_CAP_ARGON2_T || c.p > PP_CAP_ARGON2_P ||
	    c.m_kib * c.t > PP_CAP_ARGON2_M_T) {
		*why = "argon2 parameters above the cap";
		return -1;
	}
	return 0;
}
