/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tests' own way into the cluster tests/run-tests.sh starts: the
 * superuser over the unix socket (trust), for setting rows up and looking
 * at the server.  Include after cmocka.h. */
#ifndef PP_PG_SUPER_H
#define PP_PG_SUPER_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline const char *env(const char *name)
{
	const char *v = getenv(name);

	return v ? v : "";
}

extern char **environ;

/* No PG* variable left, as a set-uid program's module must see it. */
static inline void unset_pg_variables(void)
{
	for (size_t i = 0; environ[i] != NULL;) {
		char name[256];

		if (strncmp(environ[i], "PG", 2) != 0) {
			i++;
			continue;
		}
		snprintf(name, sizeof name, "%.*s", (int)strcspn(environ[i], "="), environ[i]);
		unsetenv(name);
	}
}

/* A secret the test uses, for the harness's check of every log line
 * (PP_SECRETS, tests/CONVENTIONS.md). */
static inline void harness_secret(const char *secret)
{
	FILE *f = getenv("PP_SECRETS") ? fopen(getenv("PP_SECRETS"), "a") : NULL;

	if (f == NULL)
		return;
	fprintf(f, "%s\n", secret);
	fclose(f);
}

static PGconn *super;

/* text, with n parameters $1... (NULL: SQL NULL; with none, text may
 * hold more than one statement); the test fails on an error.  The
 * result, which the caller clears. */
static inline PGresult *sql_result(const char *text, int n, const char *const *params)
{
	PGresult *r = n == 0 ? PQexec(super, text)
			     : PQexecParams(super, text, n, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", text, PQerrorMessage(super));
	return r;
}

static inline void sql_params(const char *text, int n, const char *const *params)
{
	PQclear(sql_result(text, n, params));
}

static inline void sql(const char *text)
{
	sql_params(text, 0, NULL);
}

/* The one integer a query returns. */
static inline long sql_long(const char *text)
{
	PGresult *r = sql_result(text, 0, NULL);
	long v;

	if (PQntuples(r) != 1 || PQnfields(r) != 1 || PQgetisnull(r, 0, 0))
		fail_msg("%s: %d rows, not one number", text, PQntuples(r));
	v = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return v;
}

/* A login role of the test's own, as a password change needs one: it
 * may read mboxes and write its password column (the role powermail
 * stays SELECT-only). */
static inline void writer_role(const char *role, const char *password)
{
	const char *params[2] = { role, password };

	sql_params("select set_config('pp.role', $1, false), set_config('pp.role_pw', $2, false)",
		   2, params);
	sql("do $$ declare r text := current_setting('pp.role'); begin "
	    "if not exists (select 1 from pg_roles where rolname = r) then "
	    "execute format('create role %I login', r); end if; "
	    "execute format('alter role %I password %L', r, current_setting('pp.role_pw')); "
	    "execute format('grant select, update (password) on mboxes to %I', r); end $$");
	sql("reset pp.role; reset pp.role_pw");
}

/* A group teardown: the rows the test wrote go (cleanup, SQL; NULL:
 * nothing to do), and the connection closes.  0, as cmocka wants. */
static inline int finish_super(const char *cleanup)
{
	if (cleanup != NULL)
		sql(cleanup);
	PQfinish(super);
	super = NULL;
	return 0;
}

/* (Re)connect super, after a server restart too. */
static inline void reconnect_super(void)
{
	const char *names[] = { "user", "dbname", NULL };
	const char *values[] = { env("PP_PGSUPER"), env("PP_PGDB"), NULL };

	if (super != NULL)
		PQfinish(super);
	super = PQconnectdbParams(names, values, 0);
	if (PQstatus(super) != CONNECTION_OK)
		fail_msg("superuser connection: %s", PQerrorMessage(super));
	/* no NOTICE lines ("does not exist, skipping") among the test's */
	PQclear(PQexec(super, "SET client_min_messages = warning"));
}

#endif
