/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parameters of a connection to the userbase, from the configuration
 * alone.  libpq fills every parameter left unset from a PG* environment
 * variable (PGHOSTADDR even wins over a configured host), and the files it
 * reads by default from $HOME: so every parameter that has such a variable
 * is given here, from the configuration or as a fixed default. */
#ifndef PP_CONN_PARAMS_H
#define PP_CONN_PARAMS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "host_order.h"

#define PP_CONN_PARAMS_MAX 128

/* What a connection is for.  The two differ only when reads and writes go
 * apart (pp_config_split): lookups then take postgresql-reads' kind of
 * server, in random order with postgresql-load-balance, and writes a server
 * that accepts them. */
enum pp_conn_use {
	PP_CONN_READ,
	PP_CONN_WRITE,
};

struct pp_conn_params {
	/* For PQconnectdbParams(keywords, values, 1): the first entry is a
	 * connection string that sets every such parameter, the later ones
	 * override it (libpq expands only the first dbname). */
	const char *keywords[PP_CONN_PARAMS_MAX + 1];
	const char *values[PP_CONN_PARAMS_MAX + 1];
	const char *secrets[8]; /* what no log line may carry; NULL-terminated */
	const char *sslmode;    /* the one in use */
	bool tcp;               /* some host is reached over TCP */
	char *base;             /* the first entry's connection string */
	PQconninfoOption *conninfo; /* postgresql-conninfo, parsed */
	struct pp_host_order order; /* the hosts shuffled, where libpq cannot */
};

/* For a connection used for use: 0, or -1 with *why set (nothing to free
 * then). */
int pp_conn_params_make(const struct pp_config *cfg, enum pp_conn_use use,
			struct pp_conn_params *p, const char **why);
void pp_conn_params_free(struct pp_conn_params *p);

/* Does text (libpq's message, whole) hold one of p's secrets? */
bool pp_conn_params_quotes_secret(const struct pp_conn_params *p, const char *text);

/* Is this a setuid or setgid process with a PG* variable in its
 * environment?  Then the variables' names, comma-separated, are in buf. */
bool pp_conn_env_untrusted(char *buf, size_t size);

#endif
