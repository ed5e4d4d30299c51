/* Stopping a query on the server after we stopped waiting for it. */
#ifndef PP_CANCEL_H
#define PP_CANCEL_H

#include <libpq-fe.h>

/* Ask the server to cancel what conn is running, and wait at most wait_ms
 * for the request to be delivered.  Best effort: nothing is reported, and
 * conn is untouched (close it afterwards, not before: see cancel.c). */
void pp_cancel_query(PGconn *conn, long wait_ms);

#endif
