/* SPDX-License-Identifier: GPL-2.0-or-later */
/* postgresql-conninfo through libpq's parser, with our own words and wiped
 * memory around it. */
#include "conninfo.h"

#include <string.h>

PQconninfoOption *pp_conninfo_parse(const char *text, const char **why)
{
	char *errmsg = NULL;
	PQconninfoOption *opts = PQconninfoParse(text, &errmsg);

	if (errmsg != NULL) {
		/* It may quote the string, password and all: wiped, never shown. */
		explicit_bzero(errmsg, strlen(errmsg));
		PQfreemem(errmsg);
	}
	if (opts == NULL)
		*why = "a libpq connection string, keyword=value pairs or a postgresql:// URI, "
		       "with known keywords and balanced quotes and brackets";
	return opts;
}

bool pp_conninfo_has_secret(const PQconninfoOption *opts)
{
	for (const PQconninfoOption *o = opts; o->keyword != NULL; o++)
		if (o->val != NULL && o->val[0] != '\0' && o->dispchar != NULL &&
		    o->dispchar[0] == '*')
			return true;
	return false;
}

const char *pp_conninfo_get(const PQconninfoOption *opts, const char *keyword)
{
	for (const PQconninfoOption *o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, keyword) == 0)
			return o->val != NULL && o->val[0] != '\0' ? o->val : NULL;
	return NULL;
}

void pp_conninfo_free(PQconninfoOption *opts)
{
	if (opts == NULL)
		return;
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
		if (o->val != NULL)
			explicit_bzero(o->val, strlen(o->val));
	PQconninfoFree(opts);
}
