/* SPDX-License-Identifier: GPL-2.0-or-later */
/* {crypt} and its named variants ({md5}, {sha512-crypt}, {blf-crypt}, ...):
 * everything libxcrypt verifies, through crypt_rn only. */
#include "cost.h"
#include "scheme_family.h"
#include "secret.h"

#include <crypt.h>
#include <stdlib.h>
#include <string.h>

/* --method names for new values, strongest first, and their costs: the
 * libxcrypt default where it is sane, bcrypt raised from libxcrypt's 5. */
static const struct {
	const char *name;
	const char *prefix;
	unsigned long count;
} methods[] = {
	{ "yescrypt", "$y$", 0 },
	{ "bcrypt", "$2b$", 10 },
	{ "sha512", "$6$", 0 },
	{ "sha256", "$5$", 0 },
	{ "md5", "$1$", 0 },
	{ "des", "", 0 },
};

static int find_method(const char *name)
{
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (strcmp(methods[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *pp_crypt_method_name(size_t i)
{
	return i < sizeof methods / sizeof methods[0] ? methods[i].name : NULL;
}

/* Does value carry one of the prefixes this row demands? */
static int prefix_allowed(const struct pp_crypt_params *p, const char *value)
{
	if (p->prefixes[0] == NULL)
		return 1;
	for (size_t i = 0; i < sizeof p->prefixes / sizeof p->prefixes[0] && p->prefixes[i]; i++) {
		if (p->prefixes[i][0] == '\0' ? pp_is_des(value)
					      : strncmp(value, p->prefixes[i], strlen(p->prefixes[i])) == 0)
			return 1;
	}
	return 0;
}

enum pp_verdict pp_crypt_verify(const struct pp_scheme *scheme, const char *value,
				enum pp_encoding enc, const char *password, const char **why)
{
	const struct pp_crypt_params *params = scheme->params;
	enum pp_verdict verdict = PP_MALFORMED;
	struct crypt_data *data;
	const char *out;

	(void)enc;
	/* "*" and "!" lock an account in /etc/shadow: refused, not an error. */
	if (value[0] == '*' || value[0] == '!') {
		*why = "locked";
		return PP_MISMATCH;
	}
	if (!prefix_allowed(params, value)) {
		*why = "the value does not have this scheme's form";
		return PP_MALFORMED;
	}
	if (pp_crypt_cost_ok(value, why) != 0)
		return PP_MALFORMED;
	/* libxcrypt refuses longer passphrases, and no such password can
	 * match; the value is still judged on its own, with a stand-in. */
	bool too_long = strlen(password) >= CRYPT_MAX_PASSPHRASE_SIZE;
	/* struct crypt_data is 32 KiB: too big for the stack of a thread we do
	 * not own. */
	data = calloc(1, sizeof *data);
	if (data == NULL) {
		*why = "out of memory";
		return PP_MALFORMED;
	}
	out = crypt_rn(too_long ? "x" : password, value, data, sizeof *data);
	if (out == NULL || out[0] == '*') {
		*why = "crypt(3) cannot read the value";
	} else if (strlen(out) != strlen(value)) {
		/* crypt read a valid setting but the value has a wrong-sized hash:
		 * no password could ever match it. */
		*why = "the value has the wrong length";
	} else if (too_long) {
		verdict = PP_MISMATCH;
		*why = "password too long for crypt(3)";
	} else {
		verdict = pp_ct_equal(out, strlen(out), value, strlen(value)) ? PP_MATCH
									      : PP_MISMATCH;
	}
	explicit_bzero(data, sizeof *data);
	free(data);
	return verdict;
}

int pp_crypt_hash(const struct pp_scheme *scheme, const char *method, const char *password,
		  char *out, size_t outsize, const char **why)
{
	const struct pp_crypt_params *params = scheme->params;
	char rbytes[16], setting[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *prefix = NULL;
	unsigned long count = 0;
	struct crypt_data *data;
	int rc = -1;

	/* Named variants ({md5}, {blf-crypt}) make only their own method. */
	if (params->prefixes[0] != NULL) {
		if (method != NULL && strcmp(method, params->default_method) != 0) {
			*why = "this scheme does not take that method";
			return -1;
		}
		method = params->default_method;
	}
	if (method != NULL) {
		int i = find_method(method);

		if (i < 0) {
			*why = "unknown crypt method";
			return -1;
		}
		prefix = methods[i].prefix;
		count = methods[i].count;
	}
	if (pp_random(rbytes, sizeof rbytes) != 0) {
		*why = "getrandom failed";
		return -1;
	}
	/* prefix NULL asks libxcrypt for its default, strongest method. */
	if (crypt_gensalt_rn(prefix, count, rbytes, sizeof rbytes, setting, sizeof setting) == NULL) {
		*why = "crypt_gensalt failed";
		goto wipe;
	}
	data = calloc(1, sizeof *data);
	if (data == NULL) {
		*why = "out of memory";
		goto wipe;
	}
	const char *hashed = crypt_rn(password, setting, data, sizeof *data);
	if (hashed == NULL || hashed[0] == '*')
		*why = "crypt(3) failed";
	else if (pp_format_stored(scheme, hashed, out, outsize) != 0)
		*why = "the value does not fit";
	else
		rc = 0;
	explicit_bzero(data, sizeof *data);
	free(data);
wipe:
	explicit_bzero(rbytes, sizeof rbytes);
	return rc;
}

const char *pp_crypt_method_of(const char *value)
{
	if (pp_is_des(value))
		return "des";
	/* $2a$ and $2y$ are bcrypt as much as $2b$ is. */
	if (strncmp(value, "$2", 2) == 0 && value[2] != '\0' && value[3] == '$')
		return "bcrypt";
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (methods[i].prefix[0] != '\0' &&
		    strncmp(value, methods[i].prefix, strlen(methods[i].prefix)) == 0)
			return methods[i].name;
	return NULL;
}

const char *pp_crypt_default_method(void)
{
	static const char rbytes[16] = { 0 };
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];

	if (crypt_gensalt_rn(NULL, 0, rbytes, sizeof rbytes, setting, sizeof setting) == NULL)
		return NULL;
	return pp_crypt_method_of(setting);
}

long long pp_crypt_method_cost(const char *method)
{
	static const char rbytes[16] = { 0 };
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *why;
	int i = find_method(method);

	/* A setting made as a new value would be, read back. */
	if (i < 0 || crypt_gensalt_rn(methods[i].prefix,
				      methods[i].count, rbytes, sizeof rbytes, setting,
				      sizeof setting) == NULL)
		return -1;
	return pp_crypt_cost(setting, &why);
}

/* The hash that ends a value of each method, after its last '$': its
 * length is fixed by the method. */
static const struct {
	const char *prefix;
	size_t len;
} hash_parts[] = {
	{ "$1$", 22 },  { "$5$", 43 },  { "$6$", 86 },  { "$2a$", 53 }, { "$2b$", 53 },
	{ "$2y$", 53 }, { "$y$", 43 },  { "$gy$", 43 }, { "$7$", 43 },
};

enum pp_verdict pp_crypt_form(const struct pp_scheme *scheme, const char *value,
			      enum pp_encoding enc, const char **why)
{
	static const char itoa64[] =
		"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

	(void)enc;
	if (value[0] == '*' || value[0] == '!') {
		*why = "locked";
		return PP_MISMATCH;
	}
	if (!prefix_allowed(scheme->params, value)) {
		*why = "the value does not have this scheme's form";
		return PP_MALFORMED;
	}
	if (pp_crypt_cost_ok(value, why) != 0)
		return PP_MALFORMED;
	if (pp_is_des(value))
		return PP_MATCH;
	int salt = crypt_checksalt(value);

	if (salt == CRYPT_SALT_INVALID || salt == CRYPT_SALT_METHOD_DISABLED) {
		*why = "crypt(3) cannot read the value";
		return PP_MALFORMED;
	}
	const char *hash = strrchr(value, '$') + 1;

	for (size_t i = 0; i < sizeof hash_parts / sizeof hash_parts[0]; i++)
		if (strncmp(value, hash_parts[i].prefix, strlen(hash_parts[i].prefix)) == 0) {
			if (strlen(hash) != hash_parts[i].len || strspn(hash, itoa64) != strlen(hash)) {
				*why = "the value has the wrong length";
				return PP_MALFORMED;
			}
			return PP_MATCH;
		}
	*why = "crypt(3) cannot read the value";
	return PP_MALFORMED;
}
