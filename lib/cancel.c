/* A query that passed query-timeout is cancelled on the server.
 *
 * Without it, closing the connection is not enough: a backend waiting on a
 * lock (a migration's LOCK TABLE) notices its client is gone only when the
 * lock is granted, so every timed-out login would leave a backend waiting,
 * until the database runs out of connections.
 *
 * Why a per-query cancel (PQcancel) and not statement_timeout set at
 * connect time: behind pgbouncer in transaction mode (INSTALL, section 11)
 * a session SET does not stay with our connection; it would be lost for our
 * next query and left on a server connection other clients then use.  A
 * cancel goes through pgbouncer to whichever server connection runs our
 * query.
 *
 * Why a thread: PQcancel (the call libpq 15 and 17 both have) blocks with
 * no timeout of its own: on a hung server (SIGSTOP, a host that stopped
 * answering) it waits for ever.  So it runs in a thread of its own, and we
 * wait for it at most wait_ms; a cancel not delivered by then is left to
 * finish or hang on its own, and at most MAX_ABANDONED are left at once.
 * A server that slow is hung, and nothing runs on it to be stopped.
 *
 * The cancel must reach the server before the connection is closed: a
 * pooler forwards a cancel only for a client it still has. */
#include "cancel.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#define MAX_ABANDONED 4

static atomic_int abandoned_now;

struct cancel {
	PGcancel *handle;
	pthread_mutex_t lock;
	pthread_cond_t delivered_cond;
	bool delivered; /* PQcancel returned */
	bool abandoned; /* nobody waits for it any more: the thread frees it */
};

static void free_cancel(struct cancel *c)
{
	PQfreeCancel(c->handle);
	pthread_cond_destroy(&c->delivered_cond);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static void *send_cancel(void *arg)
{
	struct cancel *c = arg;
	char err[256];
	bool abandoned;

	(void)PQcancel(c->handle, err, sizeof err);
	pthread_mutex_lock(&c->lock);
	c->delivered = true;
	abandoned = c->abandoned;
	pthread_cond_signal(&c->delivered_cond);
	pthread_mutex_unlock(&c->lock);
	if (abandoned) {
		free_cancel(c);
		atomic_fetch_sub(&abandoned_now, 1);
	}
	return NULL;
}

static struct cancel *new_cancel(PGconn *conn)
{
	struct cancel *c = calloc(1, sizeof *c);
	pthread_condattr_t attr;

	if (c == NULL)
		return NULL;
	c->handle = PQgetCancel(conn);
	if (c->handle == NULL) {
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&c->delivered_cond, &attr);
	pthread_condattr_destroy(&attr);
	return c;
}

/* The thread takes no signal: they are the calling program's. */
static int start_thread(pthread_t *thread, struct cancel *c)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(thread, NULL, send_cancel, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

void pp_cancel_query(PGconn *conn, long wait_ms)
{
	struct timespec deadline;
	struct cancel *c;
	pthread_t thread;
	bool delivered;

	if (atomic_load(&abandoned_now) >= MAX_ABANDONED || (c = new_cancel(conn)) == NULL)
		return;
	if (start_thread(&thread, c) != 0) {
		free_cancel(c);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += wait_ms / 1000;
	deadline.tv_nsec += (wait_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&c->lock);
	while (!c->delivered &&
	       pthread_cond_timedwait(&c->delivered_cond, &c->lock, &deadline) != ETIMEDOUT)
		;
	delivered = c->delivered;
	if (!delivered) {
		c->abandoned = true;
		atomic_fetch_add(&abandoned_now, 1);
	}
	pthread_mutex_unlock(&c->lock);
	if (delivered) {
		pthread_join(thread, NULL);
		free_cancel(c);
	} else {
		pthread_detach(thread);
	}
}
