/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libpq access.  The mailbox name only ever travels as parameter $1 of
 * PQsendQueryParams; the query is bounded by query-timeout on our side, so
 * a hung server cannot hang the mail daemon, and cancelled on the server
 * when it passes it.  Every result is wiped before it is freed, and a
 * server error is said by its SQLSTATE and primary message only
 * (pg_result.c). */
#include "userbase.h"
#include "cancel.h"
#include "connection.h"
#include "pg_result.h"
#include "secret.h"
#include "standby.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum { COL_QUOTA, COL_FORWARD, COL_FWDDEST, COL_PASSWORD, NCOLS };

/* How long a cancel may take to be delivered (cancel.c), at most: a server
 * that does not take one within a second is hung, and runs nothing. */
#define CANCEL_WAIT_MS 1000

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until libpq can hand out the next result without blocking, within
 * the deadline (0: none).  0 when ready, -1 on timeout or a broken
 * connection. */
static int wait_ready(PGconn *conn, long long deadline, bool *timed_out)
{
	struct pollfd pfd = { .fd = PQsocket(conn), .events = POLLIN };

	while (PQisBusy(conn)) {
		long long left = deadline > 0 ? deadline - now_ms() : -1;
		int rc;

		if (deadline > 0 && left <= 0) {
			*timed_out = true;
			return -1;
		}
		rc = poll(&pfd, 1, left > 0 && left < 3600000 ? (int)left : -1);
		if (rc < 0 && errno != EINTR)
			return -1;
		if (rc > 0 && !PQconsumeInput(conn))
			return -1;
	}
	return 0;
}

/* The query's one result, read within timeout_ms.  NULL on timeout or a
 * broken connection. */
static PGresult *await_result(PGconn *conn, long timeout_ms, bool *timed_out)
{
	long long deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	PGresult *res = NULL, *next;

	*timed_out = false;
	for (;;) {
		if (wait_ready(conn, deadline, timed_out) != 0) {
			pp_pg_clear(res);
			return NULL;
		}
		next = PQgetResult(conn);
		if (next == NULL)
			return res;
		if (res == NULL)
			res = next;
		else
			pp_pg_clear(next);
	}
}

/* The isForward values we know, as PowerMail's INT and a boolean or text
 * column write them; compared without case and without the blanks around
 * them (a char(n) column pads with blanks). */
static const struct forward_mark {
	const char *text;
	bool forward;
} forward_marks[] = {
	{ "0", false }, { "f", false }, { "false", false },
	{ "1", true },  { "t", true },  { "true", true },
};

static const struct forward_mark *find_forward_mark(const char *v)
{
	size_t len;

	v += strspn(v, " ");
	for (len = strlen(v); len > 0 && v[len - 1] == ' '; len--)
		;
	for (size_t i = 0; i < sizeof forward_marks / sizeof forward_marks[0]; i++)
		if (strlen(forward_marks[i].text) == len &&
		    strncasecmp(v, forward_marks[i].text, len) == 0)
			return &forward_marks[i];
	return NULL;
}

/* Fail closed: a value that does not plainly say "no forward" is one, so a
 * forward row with a stale password and an isForward of 2 never logs in. */
bool pp_is_forward(const char *v)
{
	const struct forward_mark *m;

	if (v == NULL)
		return false;
	m = find_forward_mark(v);
	return m != NULL ? m->forward : true;
}

bool pp_forward_mark_is_usual(const char *v)
{
	return v == NULL || find_forward_mark(v) != NULL;
}

static enum pp_kind read_row(PGresult *res, const char *name, struct pp_mailbox *mb,
			     const struct pp_logger *logger)
{
	const char *mark = PQgetisnull(res, 0, COL_FORWARD) ? NULL : PQgetvalue(res, 0, COL_FORWARD);
	bool forward = pp_is_forward(mark);

	if (!PQgetisnull(res, 0, COL_QUOTA)) {
		char *end;
		long q = strtol(PQgetvalue(res, 0, COL_QUOTA), &end, 10);

		/* Quota is information for the mail server; a bad one is not a
		 * reason to refuse a login. */
		mb->quota_mb = (*end == '\0' && q > 0) ? q : 0;
	}
	/* An unusual isForward is not logged here: the refusal of a forward
	 * is logged once, by the caller, and pptool check names these rows. */
	if (forward) {
		if (!PQgetisnull(res, 0, COL_FWDDEST))
			mb->forward = strdup(PQgetvalue(res, 0, COL_FWDDEST));
		return PP_KIND_FORWARD;
	}
	if (!PQgetisnull(res, 0, COL_PASSWORD)) {
		mb->password = pp_strdup_secret(PQgetvalue(res, 0, COL_PASSWORD));
		if (mb->password == NULL) {
			pp_log(logger, LOG_ERR, "userbase unavailable: mailbox %s: out of memory", name);
			return PP_KIND_UNAVAILABLE;
		}
	}
	return PP_KIND_HOSTED;
}

/* How a query went, for deciding what to do with its connection. */
enum outcome {
	ANSWERED,  /* rows, or an SQL error the connection survives */
	DROPPED,   /* the connection is gone: a reconnect may cure it */
	TIMED_OUT, /* no answer in time: the connection is in an unknown state */
};

/* SQLSTATE class 08 (connection exception) and the 57P0x shutdowns (a
 * restart, pg_terminate_backend) end a session; so does an error libpq
 * made up itself, which has no SQLSTATE. */
static bool connection_lost(PGconn *conn, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return PQstatus(conn) == CONNECTION_BAD || state == NULL ||
	       strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0;
}

/* A query: its text, its parameters, and which of them are secrets (all
 * but the first, the mailbox name, or none); stored, a secret not sent. */
struct query {
	const char *sql;
	int nparams;
	const char *const *params;
	bool secret_values;
	const char *stored;
};

/* Send q on conn and read its one result within query-timeout.  Returns
 * the result (NULL when there is none: timeout or a broken connection) and
 * says what became of the connection; on failure msg says why, on one line,
 * without the parameters. */
static PGresult *run(PGconn *conn, const struct pp_config *cfg, const struct query *q,
		     enum outcome *outcome, char *msg, size_t msglen)
{
	PGresult *res = NULL;
	bool timed_out = false;

	*outcome = ANSWERED;
	if (PQsendQueryParams(conn, q->sql, q->nparams, NULL, q->params, NULL, NULL, 0))
		res = await_result(conn, cfg->query_timeout, &timed_out);
	if (timed_out) {
		*outcome = TIMED_OUT;
		/* Before the connection is closed, so that the backend does not
		 * go on waiting (on a lock, say) for a client long gone. */
		pp_cancel_query(conn, cfg->query_timeout < CANCEL_WAIT_MS ? cfg->query_timeout
									  : CANCEL_WAIT_MS);
		snprintf(msg, msglen, "no answer within %ld ms", cfg->query_timeout);
		return NULL;
	}
	if (res != NULL && (PQresultStatus(res) == PGRES_TUPLES_OK ||
			    PQresultStatus(res) == PGRES_COMMAND_OK))
		return res;
	if ((res == NULL || PQresultStatus(res) == PGRES_FATAL_ERROR) && connection_lost(conn, res))
		*outcome = DROPPED;
	const char *secrets[4];
	int nsecrets = 0;

	for (int i = 1; q->secret_values && i < q->nparams && nsecrets < 3; i++)
		secrets[nsecrets++] = q->params[i];
	if (q->stored != NULL)
		secrets[nsecrets++] = q->stored;
	pp_pg_error(res, conn, secrets, nsecrets, msg, msglen);
	return res;
}

/* Once a minute per process at most: a late standby is late for every
 * lookup until it catches up. */
static void warn_late(const struct pp_config *cfg, PGconn *pg, double lag,
		      const struct pp_logger *logger)
{
	static long long last_warned = -60000;
	long long now = now_ms(), last = __atomic_load_n(&last_warned, __ATOMIC_RELAXED);
	char delay[64];

	if (now - last < 60000 ||
	    !__atomic_compare_exchange_n(&last_warned, &last, now, false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		return;
	if (lag < 0)
		snprintf(delay, sizeof delay, "by an unknown time");
	else
		snprintf(delay, sizeof delay, "%.1f s", lag);
	pp_log(logger, LOG_WARNING,
	       "the standby at %s:%s lags %s behind its primary (standby-max-lag %ld s): "
	       "lookups go to a server that accepts writes until it catches up",
	       PQhost(pg) ? PQhost(pg) : "?", PQport(pg) ? PQport(pg) : "?", delay,
	       cfg->standby_max_lag);
}

/* How long a server's answer about itself is taken as true: a standby
 * may fall behind just after it answered, so the old password may work
 * up to standby-max-lag and this long after a change. */
#define ASK_EVERY_MS 1000

/* Before a lookup on a read connection, when reads and writes go apart:
 * which server answers (lib/standby.h), asked at most once every
 * ASK_EVERY_MS per connection.  The question's failures are the lookup's,
 * told through outcome and msg. */
static enum pp_server ask_server(struct pp_conn *conn, const struct pp_config *cfg,
				 enum outcome *outcome, char *msg, size_t msglen,
				 const struct pp_logger *logger)
{
	const struct query q = { PP_STANDBY_QUERY, 0, NULL, false, NULL };
	long long now = now_ms();
	double lag = -1;
	PGresult *res;

	*outcome = ANSWERED;
	if (conn->asked_ms != 0 && now - conn->asked_ms < ASK_EVERY_MS)
		return conn->server;
	res = run(conn->pg, cfg, &q, outcome, msg, msglen);
	if (*outcome == ANSWERED) {
		conn->server = pp_standby_judge(res, cfg->standby_max_lag, &lag);
		conn->asked_ms = now;
		if (conn->server == PP_SERVER_LATE)
			warn_late(cfg, conn->pg, lag, logger);
	}
	pp_pg_clear(res);
	return conn->server;
}

/* When where writes go last failed to answer: no connection, or none in
 * time (CLOCK_MONOTONIC ms; 0: never, or it answered since). */
static long long write_failed_ms;

/* How long a second opinion (pp_userbase_recheck) is not asked for after
 * that: a primary that is down would cost every wrong password a
 * connection attempt, and connect-timeout when its host does not answer. */
#define RECHECK_PAUSE_MS 10000

/* Did where writes go answer (a connection opened, a query answered, if
 * only with an SQL error)? */
static void note_write_server(bool answered)
{
	__atomic_store_n(&write_failed_ms, answered ? 0 : now_ms(), __ATOMIC_RELAXED);
}

const char *pp_userbase_unavailable(const struct pp_config *cfg, bool write)
{
	return write && pp_config_split(cfg) ? "userbase unavailable for writes"
					     : "userbase unavailable";
}

/* run() on a connection from the pool, for use.  A kept connection the
 * server has since closed (a restart, an idle timeout) is retried once on
 * a new one; nothing else is.  A read on a standby further behind than
 * standby-max-lag goes to a write connection instead; *on_standby (may be
 * NULL) says whether a standby answered.  NULL with msg set when no
 * connection could be had (the pool has logged why: msg is then empty) or
 * none answered. */
static PGresult *run_pooled(const struct pp_config *cfg, enum pp_conn_use use,
			    const struct query *q, enum outcome *outcome, char *msg, size_t msglen,
			    bool *on_standby, const struct pp_logger *logger)
{
	bool ask = use == PP_CONN_READ && pp_config_split(cfg);
	enum pp_server server = PP_SERVER_PRIMARY;
	PGresult *res = NULL;
	struct pp_conn conn;

	msg[0] = '\0';
	for (int attempt = 0;; attempt++) {
		if (pp_conn_acquire(cfg, use, attempt > 0, &conn, logger) != 0) {
			/* Logged by the pool; a dropped first try is old news. */
			msg[0] = '\0';
			*outcome = DROPPED;
			if (use == PP_CONN_WRITE)
				note_write_server(false);
			return NULL;
		}
		bool may_retry = attempt == 0 && !conn.fresh;

		if (ask)
			server = ask_server(&conn, cfg, outcome, msg, msglen, logger);
		if (!ask || *outcome == ANSWERED) {
			if (server == PP_SERVER_LATE) {
				pp_conn_release(&conn, true);
				return run_pooled(cfg, PP_CONN_WRITE, q, outcome, msg, msglen,
						  on_standby, logger);
			}
			res = run(conn.pg, cfg, q, outcome, msg, msglen);
		}
		pp_conn_release(&conn, *outcome == ANSWERED);
		if (*outcome == DROPPED && may_retry) {
			pp_pg_clear(res);
			res = NULL;
			continue;
		}
		if (on_standby != NULL)
			*on_standby = server == PP_SERVER_STANDBY;
		if (use == PP_CONN_WRITE)
			note_write_server(*outcome == ANSWERED);
		return res;
	}
}

static enum pp_kind lookup(const struct pp_config *cfg, enum pp_conn_use use, const char *name,
			   struct pp_mailbox *mb, const struct pp_logger *logger)
{
	const char *params[1] = { name };
	const struct query q = { cfg->query ? cfg->query : PP_DEFAULT_QUERY, 1, params, false, NULL };
	enum outcome outcome;
	bool on_standby = false;
	char msg[300];
	PGresult *res;

	memset(mb, 0, sizeof *mb);
	mb->kind = PP_KIND_UNAVAILABLE;
	const char *unavailable = pp_userbase_unavailable(cfg, use == PP_CONN_WRITE);

	res = run_pooled(cfg, use, &q, &outcome, msg, sizeof msg, &on_standby, logger);
	/* An empty msg: the pool could not connect, and has logged why. */
	if (outcome == TIMED_OUT) {
		pp_log(logger, LOG_ERR, "%s: userbase query for %s: %s", unavailable, name, msg);
	} else if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (msg[0] != '\0')
			pp_log(logger, LOG_ERR, "%s: userbase query %s", unavailable, msg);
	} else if (PQnfields(res) != NCOLS) {
		pp_log(logger, LOG_ERR,
		       "%s: postgresql-query returns %d columns; it must "
		       "return 4: quotaMB, isForward, fwdDest, password",
		       unavailable, PQnfields(res));
	} else if (PQntuples(res) > 1) {
		pp_log(logger, LOG_ERR, "%s: mailbox %s: the userbase has %d rows for it",
		       unavailable, name, PQntuples(res));
	} else {
		mb->kind = PQntuples(res) == 0 ? PP_KIND_UNKNOWN : read_row(res, name, mb, logger);
	}
	pp_pg_clear(res);
	if (mb->kind == PP_KIND_UNAVAILABLE)
		pp_mailbox_clear(mb), mb->kind = PP_KIND_UNAVAILABLE;
	mb->on_standby = on_standby && mb->kind != PP_KIND_UNAVAILABLE;
	return mb->kind;
}

enum pp_kind pp_userbase_lookup(const struct pp_config *cfg, const char *name,
				struct pp_mailbox *mb, const struct pp_logger *logger)
{
	return lookup(cfg, PP_CONN_READ, name, mb, logger);
}

enum pp_kind pp_userbase_lookup_primary(const struct pp_config *cfg, const char *name,
					struct pp_mailbox *mb, const struct pp_logger *logger)
{
	return lookup(cfg, PP_CONN_WRITE, name, mb, logger);
}

enum pp_kind pp_userbase_recheck(const struct pp_config *cfg, const char *name,
				 struct pp_mailbox *mb, const struct pp_logger *logger)
{
	long long failed = __atomic_load_n(&write_failed_ms, __ATOMIC_RELAXED);

	if (failed != 0 && now_ms() - failed < RECHECK_PAUSE_MS) {
		memset(mb, 0, sizeof *mb);
		mb->kind = PP_KIND_UNAVAILABLE;
		return mb->kind;
	}
	return lookup(cfg, PP_CONN_WRITE, name, mb, logger);
}

enum pp_write pp_userbase_write(const struct pp_config *cfg, const char *sql, int nparams,
				const char *const *params, const char *stored, long *rows,
				char *msg, size_t msglen, const struct pp_logger *logger)
{
	const struct query q = { sql, nparams, params, true, stored };
	enum pp_write result = PP_WRITE_REFUSED;
	enum outcome outcome;
	PGresult *res;

	*rows = 0;
	res = run_pooled(cfg, PP_CONN_WRITE, &q, &outcome, msg, msglen, NULL, logger);
	if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK) {
		*rows = strtol(PQcmdTuples(res), NULL, 10);
		result = PP_WRITTEN;
	} else if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK) {
		snprintf(msg, msglen, "the query returned rows: it must be an UPDATE");
	} else if (outcome != ANSWERED) {
		/* Only an answer from a live server is the server's word. */
		result = PP_WRITE_UNAVAILABLE;
		if (msg[0] == '\0')
			snprintf(msg, msglen, "no connection to the userbase");
	}
	pp_pg_clear(res);
	return result;
}

void pp_mailbox_clear(struct pp_mailbox *mb)
{
	pp_free_secret(mb->password);
	free(mb->forward);
	memset(mb, 0, sizeof *mb);
}

const char *pp_kind_name(enum pp_kind kind)
{
	switch (kind) {
	case PP_KIND_UNKNOWN:
		return "unknown";
	case PP_KIND_HOSTED:
		return "hosted";
	case PP_KIND_FORWARD:
		return "forward";
	case PP_KIND_UNAVAILABLE:
		return "unavailable";
	}
	return "?";
}
