/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The connection pool.
 *
 * Why a small pool behind a mutex: Dovecot runs PAM in single-threaded auth
 * worker processes, which need exactly one connection each, kept for the
 * worker's life.  A threaded PAM caller should not queue every login behind
 * one round trip, nor open a connection per thread without bound: so up to
 * POOL_SIZE connections per process, each used by one thread at a time.
 * What the slots buy: bench/RESULTS.md, (e), eight threads against a
 * one-slot copy of the module (make bench builds it with PP_POOL_SIZE=1).
 *
 * The module is linked with -z nodelete, so this state outlives the
 * dlclose() that pam_end() does after every login.
 *
 * After fork() the child must never use nor close its parent's connections:
 * a PQfinish() there would send Terminate down the socket the two share and
 * end the parent's session.  The child disowns them (see disown()) and opens
 * its own. */
#include "connection.h"
#include "conn_params.h"
#include "secret.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef PP_POOL_SIZE
#define PP_POOL_SIZE 8
#endif
#define POOL_SIZE PP_POOL_SIZE

static struct slot {
	PGconn *pg;
	char *settings; /* what the connection was made with; holds the password */
	char *file;     /* the configuration file it came from, or NULL */
	enum pp_conn_use use; /* the same settings give a read and a write
			       * connection when they go apart */
	enum pp_server server; /* struct pp_conn's */
	long long asked_ms;
	bool busy;
} slots[POOL_SIZE];

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slot_freed = PTHREAD_COND_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pid_t owner; /* the process whose connections the slots hold */

const char *pp_first_line(const char *msg, char *buf, size_t size)
{
	size_t used = 0;

	/* libpq writes one line per host tried, each followed by indented
	 * hints: keep the former, joined, so that every host's reason shows. */
	buf[0] = '\0';
	for (const char *line = msg; *line && used + 1 < size;) {
		size_t n = strcspn(line, "\n");

		if (n > 0 && line[0] != '\t' && line[0] != ' ') {
			int w = snprintf(buf + used, size - used, "%s%.*s", used ? "; " : "",
					 (int)n, line);

			used = w < 0 ? size : used + (size_t)w;
		}
		line += n + (line[n] == '\n');
	}
	return buf;
}

/* A fork while another thread holds the lock would leave the child's copy
 * locked forever: hold it across fork() instead. */
static void before_fork(void)
{
	pthread_mutex_lock(&lock);
}

static void after_fork(void)
{
	pthread_mutex_unlock(&lock);
}

static void init_once(void)
{
	pthread_atfork(before_fork, after_fork, after_fork);
}

/* Inherited connections this child could not free safely: kept reachable,
 * so that a leak checker sees no leak, and never touched. */
static PGconn *abandoned[POOL_SIZE];

/* Free a connection inherited from the parent without a word to the
 * server: the socket is replaced by /dev/null first, so the Terminate that
 * PQfinish writes goes nowhere, and the parent's session lives on.  With no
 * /dev/null (out of descriptors, a sandbox) the connection is left as it
 * is: a PQfinish would end the parent's session, a close() would let the
 * number go to the next socket opened, which PQfinish would then write to. */
static void disown(PGconn *pg)
{
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int fd = PQsocket(pg);

	if (fd >= 0 && (devnull < 0 || dup2(devnull, fd) < 0)) {
		for (int i = 0; i < POOL_SIZE; i++)
			if (abandoned[i] == NULL) {
				abandoned[i] = pg;
				break;
			}
		pg = NULL;
	}
	if (devnull >= 0)
		close(devnull);
	PQfinish(pg);
}

static void clear_slot(struct slot *s, bool inherited)
{
	if (s->pg != NULL) {
		if (inherited)
			disown(s->pg);
		else
			PQfinish(s->pg);
	}
	pp_free_secret(s->settings);
	free(s->file);
	memset(s, 0, sizeof *s);
}

/* Everything a connection depends on, as one string: the connection keys
 * and the identity of the file they came from.  Length-prefixed, so that no
 * two different settings read alike. */
static char *settings_of(const struct pp_config *cfg)
{
	const char *fields[] = { cfg->conninfo,    cfg->host,    cfg->port,
				 cfg->user,        cfg->password, cfg->database,
				 cfg->sslmode,     cfg->sslrootcert, cfg->sslcert,
				 cfg->sslkey,      cfg->passfile, cfg->file_id };
	size_t size = 64;
	char *s, *p;

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		size += (fields[i] ? strlen(fields[i]) : 0) + 24;
	s = p = calloc(1, size);
	if (s == NULL)
		return NULL;
	p += snprintf(p, size, "%ld;%d;%d;", cfg->connect_timeout, (int)cfg->reads,
		      (int)cfg->load_balance);
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const char *f = fields[i] ? fields[i] : "";

		p += snprintf(p, size - (size_t)(p - s), "%zu:%s;", strlen(f), f);
	}
	return s;
}

/* libpq prints server notices on stderr by default: the mail daemon's
 * stderr is no place for them. */
static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Once per process: TLS that does not check the server is the operator's
 * written choice, and the log says so. */
static void warn_weak_tls(const struct pp_conn_params *p, const struct pp_logger *logger)
{
	static const struct {
		const char *mode, *meaning;
	} weak[] = {
		{ "disable", "no TLS: the database password and every reply travel in clear" },
		{ "allow", "TLS only if the server asks, and its certificate is not checked" },
		{ "prefer", "TLS only if the server offers it, and its certificate is not checked" },
		{ "require", "the server's certificate is not checked" },
		{ "verify-ca", "the server's certificate is not checked against its host name" },
	};
	static bool warned;

	if (!p->tcp)
		return;
	for (size_t i = 0; i < sizeof weak / sizeof weak[0]; i++)
		if (strcmp(p->sslmode, weak[i].mode) == 0 &&
		    !__atomic_exchange_n(&warned, true, __ATOMIC_RELAXED))
			pp_log(logger, LOG_WARNING,
			       "the userbase is reached over TCP with sslmode %s: %s "
			       "(verify-full checks it)",
			       weak[i].mode, weak[i].meaning);
}

/* How the log names a failure to connect: a write connection of its own
 * says so, for a primary that is down while standbys answer lookups. */
static const char *unavailable(const struct pp_config *cfg, enum pp_conn_use use)
{
	return pp_config_split(cfg) && use == PP_CONN_WRITE
		       ? "userbase unavailable for writes: cannot reach a server that accepts writes"
		       : "userbase unavailable: cannot reach the userbase";
}

static PGconn *open_connection(const struct pp_config *cfg, enum pp_conn_use use,
			       const struct pp_logger *logger)
{
	struct pp_conn_params p;
	char msg[256], names[256];
	const char *why;
	PGconn *pg;

	if (pp_conn_env_untrusted(names, sizeof names)) {
		pp_log(logger, LOG_ERR,
		       "userbase unavailable: refusing to reach the userbase: a setuid or setgid "
		       "program runs with %s in its environment, which could steer libpq's "
		       "connection; unset them",
		       names);
		return NULL;
	}
	if (pp_conn_params_make(cfg, use, &p, &why) != 0) {
		pp_log(logger, LOG_ERR, "%s: %s", unavailable(cfg, use), why);
		return NULL;
	}
	warn_weak_tls(&p, logger);
	pg = PQconnectdbParams(p.keywords, p.values, 1);
	if (pg == NULL) {
		pp_log(logger, LOG_ERR, "%s: out of memory", unavailable(cfg, use));
	} else if (PQstatus(pg) != CONNECTION_OK) {
		/* libpq's words name hosts, ports, users and databases; should one
		 * of them be a password too (user = password, a misplaced field),
		 * or the text quote the connection string, they are not logged. */
		const char *text = PQerrorMessage(pg);

		pp_log(logger, LOG_ERR, "%s: %s", unavailable(cfg, use),
		       pp_conn_params_quotes_secret(&p, text)
			       ? "(libpq's message is withheld: it holds a configured secret)"
			       : pp_first_line(text, msg, sizeof msg));
		PQfinish(pg);
		pg = NULL;
	} else {
		PQsetNoticeProcessor(pg, ignore_notice, NULL);
	}
	pp_conn_params_free(&p);
	return pg;
}

static bool same_file(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Under the lock: a slot for these settings and use, marked busy.  On the
 * way, an idle connection made from an older version of the same file is
 * closed, and so is a matching one when want_new: its server went away.
 * Idle connections of other configurations (another PAM service's file)
 * and of the other use stay, unless the pool is full. */
static int take_slot(const char *settings, enum pp_conn_use use, const char *file, bool want_new)
{
	for (;;) {
		int empty = -1, dead = -1, victim = -1;

		for (int i = 0; i < POOL_SIZE; i++) {
			struct slot *s = &slots[i];
			bool same_settings, same;

			if (s->busy)
				continue;
			same_settings = s->pg != NULL && strcmp(s->settings, settings) == 0;
			same = same_settings && s->use == use;
			if (same && !want_new) {
				s->busy = true;
				return i;
			}
			if (s->pg != NULL && !same_settings && same_file(s->file, file))
				clear_slot(s, false); /* and it is free now */
			if (s->pg == NULL && empty < 0)
				empty = i;
			if (same)
				dead = i;
			else if (s->pg != NULL && victim < 0)
				victim = i;
		}
		if (dead >= 0 || (empty < 0 && victim >= 0)) {
			empty = dead >= 0 ? dead : victim;
			clear_slot(&slots[empty], false);
		}
		if (empty >= 0) {
			slots[empty].busy = true;
			slots[empty].use = use;
			return empty;
		}
		pthread_cond_wait(&slot_freed, &lock);
	}
}

int pp_conn_acquire(const struct pp_config *cfg, enum pp_conn_use use, bool want_new,
		    struct pp_conn *conn, const struct pp_logger *logger)
{
	char *settings;
	struct slot *s;

	memset(conn, 0, sizeof *conn);
	conn->slot = -1;
	if (!cfg->persistent) {
		conn->pg = open_connection(cfg, use, logger);
		conn->fresh = true;
		return conn->pg != NULL ? 0 : -1;
	}
	settings = settings_of(cfg);
	if (settings == NULL) {
		pp_log(logger, LOG_ERR,
		       "userbase unavailable: cannot reach the userbase: out of memory");
		return -1;
	}
	pthread_once(&once, init_once);
	/* Unsplit, one connection serves reads and writes alike. */
	if (!pp_config_split(cfg))
		use = PP_CONN_READ;
	pthread_mutex_lock(&lock);
	if (owner != getpid()) {
		for (int i = 0; i < POOL_SIZE; i++)
			clear_slot(&slots[i], owner != 0);
		owner = getpid();
	}
	conn->slot = take_slot(settings, use, cfg->file, want_new);
	s = &slots[conn->slot];
	pthread_mutex_unlock(&lock);

	if (s->pg != NULL) {
		pp_free_secret(settings);
		conn->pg = s->pg;
		conn->server = s->server;
		conn->asked_ms = s->asked_ms;
		return 0;
	}
	/* Connect outside the lock: other threads' logins go on meanwhile. */
	conn->pg = open_connection(cfg, use, logger);
	conn->fresh = true;
	pthread_mutex_lock(&lock);
	if (conn->pg != NULL) {
		s->pg = conn->pg;
		s->settings = settings;
		s->file = cfg->file ? strdup(cfg->file) : NULL;
	} else {
		pp_free_secret(settings);
		s->busy = false;
		pthread_cond_signal(&slot_freed);
	}
	pthread_mutex_unlock(&lock);
	return conn->pg != NULL ? 0 : -1;
}

void pp_conn_release(struct pp_conn *conn, bool reusable)
{
	/* A connection in the middle of a transaction is not reusable. */
	reusable = reusable && PQstatus(conn->pg) == CONNECTION_OK &&
		   PQtransactionStatus(conn->pg) == PQTRANS_IDLE;
	if (conn->slot < 0) {
		PQfinish(conn->pg);
	} else {
		pthread_mutex_lock(&lock);
		slots[conn->slot].server = conn->server;
		slots[conn->slot].asked_ms = conn->asked_ms;
		if (!reusable)
			clear_slot(&slots[conn->slot], false);
		slots[conn->slot].busy = false;
		pthread_cond_signal(&slot_freed);
		pthread_mutex_unlock(&lock);
	}
	memset(conn, 0, sizeof *conn);
}

/* At exit, say goodbye to the server rather than vanish: it then logs a
 * disconnection, not a lost client. */
__attribute__((destructor)) static void close_pool(void)
{
	if (owner != getpid())
		return;
	pthread_mutex_lock(&lock);
	for (int i = 0; i < POOL_SIZE; i++)
		if (!slots[i].busy)
			clear_slot(&slots[i], false);
	pthread_mutex_unlock(&lock);
}
