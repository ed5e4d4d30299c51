/* SPDX-License-Identifier: GPL-2.0-or-later */
/* {argon2}, {argon2i} and {argon2id}: encoded Argon2 strings, through
 * libargon2. */
#include "cost.h"
#include "scheme_family.h"
#include "secret.h"

#include <argon2.h>
#include <string.h>

/* New values: Dovecot's defaults (64 MiB, 3 passes, 1 lane). */
#define NEW_M_KIB 65536
#define NEW_T 3
#define NEW_P 1
#define NEW_SALT 16
#define NEW_HASH 32

/* The variants we verify, by the prefix that names them.  "$argon2d$" is
 * malformed: libsodium, which Dovecot verifies with, has only these two, and
 * Argon2d's memory access depends on the password. */
static const struct {
	const char *prefix;
	argon2_type type;
} variants[] = {
	{ "$argon2i$", Argon2_i },
	{ "$argon2id$", Argon2_id },
};

/* The variant value names, when the row verifies it; -1 with *why set when
 * the value names none, or one the row does not take ({argon2i} takes only
 * "$argon2i$", {argon2} either). */
static int variant_of(const struct pp_argon2_params *p, const char *value, const char **why)
{
	for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
		if (strncmp(value, variants[i].prefix, strlen(variants[i].prefix)) == 0 &&
		    (p->prefix == NULL || strcmp(p->prefix, variants[i].prefix) == 0))
			return (int)variants[i].type;
	*why = "the value does not have this scheme's form";
	return -1;
}

enum pp_verdict pp_argon2_verify(const struct pp_scheme *scheme, const char *value,
				 enum pp_encoding enc, const char *password, const char **why)
{
	int type = variant_of(scheme->params, value, why);
	int rc;

	(void)enc;
	if (type < 0 || pp_argon2_cost_ok(value, why) != 0)
		return PP_MALFORMED;
	/* argon2_verify compares in constant time. */
	rc = argon2_verify(value, password, strlen(password), (argon2_type)type);
	if (rc == ARGON2_OK)
		return PP_MATCH;
	if (rc == ARGON2_VERIFY_MISMATCH)
		return PP_MISMATCH;
	*why = "libargon2 cannot read the value";
	return PP_MALFORMED;
}

/* "...$<salt>$<hash>", both unpadded base64: argon2's minimums are an
 * 8-byte salt and a 4-byte hash. */
enum pp_verdict pp_argon2_form(const struct pp_scheme *scheme, const char *value,
			       enum pp_encoding enc, const char **why)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *hash = strrchr(value, '$'), *salt;

	(void)enc;
	if (variant_of(scheme->params, value, why) < 0 || pp_argon2_cost_ok(value, why) != 0)
		return PP_MALFORMED;
	for (salt = hash - 1; salt > value && *salt != '$'; salt--)
		;
	salt++;
	hash++;
	if ((size_t)(hash - 1 - salt) < 11 || strspn(salt, b64) != (size_t)(hash - 1 - salt) ||
	    strlen(hash) < 6 || strspn(hash, b64) != strlen(hash)) {
		*why = "libargon2 cannot read the value";
		return PP_MALFORMED;
	}
	return PP_MATCH;
}

int pp_argon2_hash(const struct pp_scheme *scheme, const char *method, const char *password,
		   char *out, size_t outsize, const char **why)
{
	const struct pp_argon2_params *p = scheme->params;
	unsigned char salt[NEW_SALT];
	char encoded[256];
	int rc;

	(void)method;
	if (pp_random(salt, sizeof salt) != 0) {
		*why = "getrandom failed";
		return -1;
	}
	rc = argon2_hash(NEW_T, NEW_M_KIB, NEW_P, password, strlen(password), salt, sizeof salt,
			 NULL, NEW_HASH, encoded, sizeof encoded, (argon2_type)p->type,
			 ARGON2_VERSION_NUMBER);
	explicit_bzero(salt, sizeof salt);
	if (rc != ARGON2_OK) {
		*why = argon2_error_message(rc);
		return -1;
	}
	if (pp_format_stored(scheme, encoded, out, outsize) != 0) {
		*why = "the value does not fit";
		return -1;
	}
	return 0;
}
