/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How strong a stored value is, against the scheme an operator wants.  The
 * order is deliberately short: the weak schemes of the table, DES and MD5
 * crypt, and one crypt method's costs.  Between two strong methods there is
 * no upgrade: which is better is the operator's call, not a login's. */
#include "strength.h"
#include "cost.h"
#include "scheme_family.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int pp_target_parse(const char *spec, struct pp_target *t, const char **why)
{
	struct pp_target scratch;
	const char *name = spec, *end, *method;
	size_t len;

	if (t == NULL)
		t = &scratch;
	memset(t, 0, sizeof *t);
	if (*name == '{') {
		end = strchr(++name, '}');
		if (end == NULL) {
			*why = "a scheme name, such as {crypt}";
			return -1;
		}
		method = end + 1;
	} else {
		end = name + strcspn(name, " \t");
		method = end;
	}
	len = (size_t)(end - name);
	while (*method == ' ' || *method == '\t')
		method++;
	t->scheme = pp_scheme_find(name, len);
	if (t->scheme == NULL) {
		*why = "a scheme pam_powermail knows (see: pptool schemes)";
		return -1;
	}
	if (t->scheme->hash == NULL) {
		*why = "a scheme that can make new values (see: pptool schemes)";
		return -1;
	}
	if (t->scheme->verify != pp_crypt_verify) {
		if (*method != '\0') {
			*why = "only {crypt} takes a method";
			return -1;
		}
		return 0;
	}
	const struct pp_crypt_params *params = t->scheme->params;
	const char *want = *method != '\0' ? method
			   : params->default_method ? params->default_method
						    : pp_crypt_default_method();
	bool known = false;

	for (size_t i = 0; !known && want != NULL && pp_crypt_method_name(i) != NULL; i++)
		known = strcmp(pp_crypt_method_name(i), want) == 0;
	if (!known || (params->default_method && strcmp(want, params->default_method) != 0)) {
		*why = params->default_method ? "this scheme takes no other method"
					      : "a crypt method: yescrypt, bcrypt, sha512, sha256, "
						"md5 or des";
		return -1;
	}
	snprintf(t->method, sizeof t->method, "%s", want);
	return 0;
}

bool pp_target_weak(const struct pp_target *t)
{
	return (t->scheme->flags & PP_SCHEME_WEAK) || strcmp(t->method, "des") == 0 ||
	       strcmp(t->method, "md5") == 0;
}

int pp_target_hash(const struct pp_target *t, const char *password, char *out, size_t size,
		   const char **why)
{
	return pp_hash(t->scheme->name, t->method[0] ? t->method : NULL, password, out, size, why);
}

const char *pp_weakness(const char *stored, const struct pp_target *target)
{
	const char *value = NULL, *why;
	const struct pp_scheme *scheme = pp_stored_scheme(stored, &value);

	if (scheme == NULL || value[0] == '\0')
		return NULL;
	if (pp_is_plain(scheme))
		return stored[0] == '{' ? "plaintext" : "plaintext without a prefix";
	if (scheme->verify == pp_crypt_verify) {
		const char *method = pp_crypt_method_of(value);

		if (method == NULL)
			return NULL;
		if (strcmp(method, "des") == 0)
			return "DES crypt";
		if (strcmp(method, "md5") == 0)
			return "MD5-crypt";
		if (target == NULL || strcmp(method, target->method) != 0)
			return NULL;
		long long have = pp_crypt_cost(value, &why);

		return have >= 0 && have < pp_crypt_method_cost(method)
			       ? "a lower cost than the upgrade scheme's"
			       : NULL;
	}
	if (scheme->verify == pp_plain_trunc_verify)
		return "plaintext";
	if (scheme->flags & PP_SCHEME_WEAK)
		return scheme->flags & PP_SCHEME_SALTED ? "a fast salted digest" : "an unsalted digest";
	return NULL;
}

/* The crypt method and cost of a stored value; NULL when it is not one. */
static const char *crypt_cost_of(const char *stored, long long *cost)
{
	const char *value = NULL, *why, *method;
	const struct pp_scheme *scheme = pp_stored_scheme(stored, &value);

	if (scheme == NULL || scheme->verify != pp_crypt_verify || value[0] == '\0')
		return NULL;
	method = pp_crypt_method_of(value);
	*cost = method != NULL ? pp_crypt_cost(value, &why) : -1;
	return *cost >= 0 ? method : NULL;
}

bool pp_costs_at_least(const char *stored, const char *reference)
{
	long long have = -1, want = -1;
	const char *mine = crypt_cost_of(stored, &have), *theirs = crypt_cost_of(reference, &want);

	return mine != NULL && theirs != NULL && strcmp(mine, theirs) == 0 && have >= want;
}
