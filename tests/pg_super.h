/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tests' own way into the cluster tests/run-tests.sh starts: the
 * superuser over the unix socket (trust), for setting rows up and looking
 * at the server.  Include after cmocka.h. */
#ifndef PP_PG_SUPER_H
#define PP_PG_SUPER_H

#include <libpq-fe.h>
#include <stdlib.h>

static inline const char *env(const char *name)
{
	const char *v = getenv(name);

	return v ? v : "";
}

static PGconn *super;

static inline void sql(const char *text)
{
	PGresult *r = PQexec(super, text);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", text, PQerrorMessage(super));
	PQclear(r);
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
}

#endif
