/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A query that passed query-timeout is cancelled on the server.
 *
 * Without it, closing the connection is not enough: a backend waiting on a
 * lock (a migration's LOCK TABLE) notices its client is gone only when the
 * lock is granted, so every timed-out login would leave a backend waiting,
 * until the database runs out of connections.  sql/schema.sql also gives
 * the role a statement_timeout, the server's own bound for a client that
 * cannot cancel at all (killed mid-query); the cancel is what stops the
 * query at once.
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
 * A server that slow is hung, and nothing runs on it to be stopped; one that
 * was only stalled gets the cancel from that thread when it runs again
 * (tests/test_faults.c, test_stalled_postmaster_gets_the_cancel, which
 * fails when every cancel is sent by the caller as below).
 *
 * A cancel is never skipped.  When no thread can be started (RLIMIT_NPROC,
 * no memory) or MAX_ABANDONED are out already, the caller sends it itself,
 * once the server has answered a probe within wait_ms: a live server takes
 * a cancel at once, and a hung one is not waited for.  The count of
 * abandoned threads belongs to the process that started them: a forked
 * child, which has none of them, starts again from zero.
 *
 * The cancel must reach the server before the connection is closed: a
 * pooler forwards a cancel only for a client it still has. */
#include "cancel.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_ABANDONED 4

/* The threads left waiting, and the process they belong to, in one word so
 * that both change together: (pid << 32) | count. */
static _Atomic uint64_t abandoned_state;

static uint32_t count_of(uint64_t state, uint32_t me)
{
	return (uint32_t)(state >> 32) == me ? (uint32_t)state : 0;
}

static uint32_t abandoned_now(void)
{
	return count_of(atomic_load(&abandoned_state), (uint32_t)getpid());
}

static void count_abandoned(int delta)
{
	uint32_t me = (uint32_t)getpid();
	uint64_t old = atomic_load(&abandoned_state), next;

	do {
		uint32_t n = count_of(old, me);

		if (delta < 0 && n == 0)
			return;
		next = ((uint64_t)me << 32) | (uint32_t)(n + (uint32_t)delta);
	} while (!atomic_compare_exchange_weak(&abandoned_state, &old, next));
}

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
		count_abandoned(-1);
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

static struct timespec deadline_in(long wait_ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += wait_ms / 1000;
	t.tv_nsec += (wait_ms % 1000) * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

static int ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? (int)ms : 0;
}

/* Wait for events on fd until deadline; false on a timeout or an error. */
static bool ready(int fd, short events, const struct timespec *deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int rc;

	do
		rc = poll(&p, 1, ms_left(deadline));
	while (rc < 0 && errno == EINTR);
	return rc > 0 && (p.revents & events) != 0;
}

/* Does the server conn talks to (postmaster or pooler) take a new
 * connection and answer within wait_ms?  Asked with an SSLRequest, which
 * any PostgreSQL server or pgbouncer answers at once with one byte. */
static bool server_answers(PGconn *conn, long wait_ms)
{
	static const unsigned char ssl_request[8] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f };
	struct timespec deadline = deadline_in(wait_ms);
	struct sockaddr_storage addr;
	socklen_t len = sizeof addr;
	bool answered = false;
	char reply;
	int fd;

	if (PQsocket(conn) < 0 || getpeername(PQsocket(conn), (struct sockaddr *)&addr, &len) != 0)
		return false;
	fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	if ((connect(fd, (struct sockaddr *)&addr, len) == 0 || errno == EINPROGRESS) &&
	    ready(fd, POLLOUT, &deadline)) {
		int err = 0;
		socklen_t errlen = sizeof err;

		answered = getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) == 0 && err == 0 &&
			   send(fd, ssl_request, sizeof ssl_request, MSG_NOSIGNAL) ==
				   (ssize_t)sizeof ssl_request &&
			   ready(fd, POLLIN, &deadline) && recv(fd, &reply, 1, 0) == 1;
	}
	close(fd);
	return answered;
}

/* No thread to send it: the caller does, if the server is alive. */
static void cancel_here(PGconn *conn, struct cancel *c, long wait_ms)
{
	char err[256];

	if (server_answers(conn, wait_ms))
		(void)PQcancel(c->handle, err, sizeof err);
	free_cancel(c);
}

void pp_cancel_query(PGconn *conn, long wait_ms)
{
	struct timespec deadline;
	struct cancel *c;
	pthread_t thread;
	bool delivered;

	if ((c = new_cancel(conn)) == NULL)
		return;
	if (abandoned_now() >= MAX_ABANDONED || start_thread(&thread, c) != 0) {
		cancel_here(conn, c, wait_ms);
		return;
	}
	deadline = deadline_in(wait_ms);
	pthread_mutex_lock(&c->lock);
	while (!c->delivered &&
	       pthread_cond_timedwait(&c->delivered_cond, &c->lock, &deadline) != ETIMEDOUT)
		;
	delivered = c->delivered;
	if (!delivered) {
		c->abandoned = true;
		count_abandoned(1);
	}
	pthread_mutex_unlock(&c->lock);
	if (delivered) {
		pthread_join(thread, NULL);
		free_cancel(c);
	} else {
		pthread_detach(thread);
	}
}
