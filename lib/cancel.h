/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stopping a query on the server after we stopped waiting for it. */
#ifndef PP_CANCEL_H
#define PP_CANCEL_H

#include <libpq-fe.h>

/* Ask the server to cancel what conn is running, and wait at most wait_ms
 * for the request to be delivered (with no thread: at most wait_ms for the
 * server to answer a probe, then the cancel, sent to a server that just
 * answered).  Never skipped; nothing is reported.  conn is untouched
 * (close it afterwards, not before: see cancel.c). */
void pp_cancel_query(PGconn *conn, long wait_ms);

#endif
