/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Connections to the userbase, kept open across logins.  A login costs one
 * query round trip, not a connection setup with its authentication. */
#ifndef PP_CONNECTION_H
#define PP_CONNECTION_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "config.h"
#include "conn_params.h"
#include "log.h"
#include "standby.h"

struct pp_conn {
	PGconn *pg;
	bool fresh; /* opened for this request: its failures are not a dropped
		     * connection that a reconnect would cure */
	int slot;   /* its place in the pool; -1 when persistent = no */
	/* A read connection's server, as last asked (lib/standby.h), and
	 * when (CLOCK_MONOTONIC, ms; 0: never): kept with the connection. */
	enum pp_server server;
	long long asked_ms;
};

/* A connection for cfg, for use: an idle one from the pool with the same
 * settings, or, when there is none or want_new is set, a new one.  Returns
 * 0, or -1 after logging why. */
int pp_conn_acquire(const struct pp_config *cfg, enum pp_conn_use use, bool want_new,
		    struct pp_conn *conn, const struct pp_logger *logger);

/* Give the connection back: to the pool when reusable, else closed. */
void pp_conn_release(struct pp_conn *conn, bool reusable);

/* A libpq message on one line, into buf: the line for each host it tried,
 * without the indented hints. */
const char *pp_first_line(const char *msg, char *buf, size_t size);

#endif
