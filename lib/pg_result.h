/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What of a libpq result may leave the process, and how a result is let go:
 * a failed query is described by its SQLSTATE and, when it can quote no
 * value, its primary message; a result's cells are wiped before it is
 * freed. */
#ifndef PP_PG_RESULT_H
#define PP_PG_RESULT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* "failed (SQLSTATE 42501): permission denied for table mboxes", into buf,
 * on one line: res's SQLSTATE and the first line of its primary message
 * (conn's message when there is no result), never DETAIL, HINT or CONTEXT.
 * The message is replaced by the condition's name unless
 * pp_pg_message_shown says it may be shown. */
const char *pp_pg_error(const PGresult *res, const PGconn *conn, const char *const *secrets,
			int nsecrets, char *buf, size_t size);

/* May a server message be shown?  Only when state (NULL: libpq's own
 * message) is of a class that names objects, not data, no procedural
 * language raised it (source_file, the server's PG_DIAG_SOURCE_FILE, is
 * not "pl*"), and the whole text holds no 8-byte piece of any of the
 * nsecrets secrets (all of a shorter one, or of its text past its
 * "{scheme}"), compared without case, quotes and backslashes. */
bool pp_pg_message_shown(const char *state, const char *source_file, const char *text,
			 const char *const *secrets, int nsecrets);

/* PQclear, after wiping every cell and the error text: a row may hold a
 * stored value, an error's DETAIL a new one. */
void pp_pg_clear(PGresult *res);

#endif
