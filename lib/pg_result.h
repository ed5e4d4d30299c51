/* What of a libpq result may leave the process, and how a result is let go:
 * a failed query is described by its SQLSTATE and primary message only,
 * never quoting a secret, and a result's cells are wiped before it is
 * freed. */
#ifndef PP_PG_RESULT_H
#define PP_PG_RESULT_H

#include <libpq-fe.h>
#include <stddef.h>

/* "failed (SQLSTATE 42501): permission denied for table mboxes", into buf,
 * on one line: res's SQLSTATE and primary message (conn's message when
 * there is no result), never DETAIL, HINT or CONTEXT.  The message is
 * replaced by the condition's name when it could quote a value: when it
 * holds one of the nsecrets secrets (or a secret's text past its
 * "{scheme}"), or comes from class 22 (a data exception, which quotes the
 * offending input) or P0 (RAISE, text of the userbase's own code). */
const char *pp_pg_error(const PGresult *res, const PGconn *conn, const char *const *secrets,
			int nsecrets, char *buf, size_t size);

/* PQclear, after wiping every cell and the error text: a row may hold a
 * stored value, an error's DETAIL a new one. */
void pp_pg_clear(PGresult *res);

#endif
