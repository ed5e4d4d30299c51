/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pptool's commands on the userbase itself: check, migrate-plain, passwd and
 * auth.  They read the module's configuration file and go through lib/, so
 * that what they report is what a login would meet. */
#include "admin.h"
#include "password.h"

#include "auth.h"
#include "config.h"
#include "connection.h"
#include "escape.h"
#include "hash_shape.h"
#include "name.h"
#include "pg_result.h"
#include "scheme.h"
#include "secret.h"
#include "strength.h"
#include "userbase.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_USAGE 64
#define EXIT_TROUBLE 2 /* the configuration or the userbase failed us */

/* Every text of a row, or of the server, is printed through pp_escape
 * (lib/escape.c): a mailbox name is hostile input, and root reads the
 * report on a terminal.  Names longer than any mailbox's are cut. */
#define SHOWN_NAME PP_ESCAPED_SIZE(PP_NAME_MAX)
#define SHOWN_LINE 1024

/* The password column of PowerMail's table, as sql/schema.sql makes it:
 * checked when list-query is the default one. */
#define COLUMN_QUERY                                                                      \
	"select data_type, character_maximum_length from information_schema.columns "    \
	"where table_schema = current_schema() and table_name = 'mboxes' "               \
	"and column_name = 'password'"

__attribute__((format(printf, 3, 4))) static void log_to_stderr(void *ctx, int priority,
								   const char *fmt, ...)
{
	char line[SHOWN_LINE], shown[PP_ESCAPED_SIZE(SHOWN_LINE)];
	va_list ap;

	(void)ctx;
	(void)priority;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* A mailbox name, a server message: the lines lib/ logs carry both. */
	fprintf(stderr, "pptool: %s\n", pp_escape(shown, sizeof shown, line));
}

static const struct pp_logger logger = { log_to_stderr, NULL };

/* The options every userbase command takes: --config FILE, and the
 * command's own flag (--dry-run, --verbose) when it has one. */
struct options {
	const char *config;
	bool flag;
	const char *mailbox;
};

/* flag: the long name of the command's one flag, whose short form is its
 * first letter (--verbose, -v), or NULL. */
static int parse_options(int argc, char **argv, const char *flag, bool wants_mailbox,
			 struct options *o)
{
	const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ flag ? flag : "", no_argument, NULL, flag ? flag[0] : 0 },
		{ NULL, 0, NULL, 0 },
	};
	char shortopts[8];
	int c;

	snprintf(shortopts, sizeof shortopts, "c:%c", flag ? flag[0] : 'c');
	memset(o, 0, sizeof *o);
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == 'c')
			o->config = optarg;
		else if (flag != NULL && c == flag[0])
			o->flag = true;
		else
			return -1;
	}
	if (argc - optind != (wants_mailbox ? 1 : 0))
		return -1;
	o->mailbox = wants_mailbox ? argv[optind] : NULL;
	return 0;
}

/* name made absolute from the current directory, without resolving links:
 * the file is then checked as the module would check it.  0 or -1. */
static int absolute(const char *name, char *path, size_t size, char *err, size_t errlen)
{
	char cwd[PATH_MAX];

	if (name[0] != '/' && getcwd(cwd, sizeof cwd) == NULL) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	int n = name[0] == '/' ? snprintf(path, size, "%s", name)
			       : snprintf(path, size, "%s/%s", cwd, name);

	if (n < 0 || (size_t)n >= size) {
		snprintf(err, errlen, "%s: name too long", name);
		return -1;
	}
	return 0;
}

/* The module's configuration: the file named, or the default one, which
 * may be missing as for the module. */
static int load_config(const struct options *o, struct pp_config *cfg)
{
	char err[512], path[PATH_MAX];
	int rc;

	pp_config_init(cfg);
	if (o->config == NULL)
		rc = pp_config_load(cfg, PP_DEFAULT_CONFIG, true, err, sizeof err);
	else
		rc = absolute(o->config, path, sizeof path, err, sizeof err) != 0
			     ? -1
			     : pp_config_load(cfg, path, false, err, sizeof err);
	if (rc != 0) {
		fprintf(stderr, "pptool: configuration: %s\n", err);
		pp_config_free(cfg);
		return -1;
	}
	return 0;
}

/* A value under a scheme name we do not know that may be a hash (a scheme
 * this version does not verify, or a wrong name on a real hash) rather
 * than a 1.0 password: given a {plain} prefix, the hash itself would become
 * the password, so it is left for the operator (lib/hash_shape.c). */
static bool unknown_may_be_hash(const char *stored)
{
	return pp_migration_of(stored) == PP_MIGRATE_MAY_BE_HASH;
}

#define MAY_BE_A_HASH "unknown scheme, may be a hash"

/* --- check ----------------------------------------------------------- */

#define MAX_LABELS 64

struct tally {
	struct tally_row {
		char label[48];
		unsigned long n;
	} rows[MAX_LABELS];
	size_t used;
};

static void count(struct tally *t, const char *label)
{
	size_t i;

	for (i = 0; i < t->used && strcmp(t->rows[i].label, label) != 0; i++)
		;
	if (i == t->used) {
		if (t->used == MAX_LABELS)
			return;
		snprintf(t->rows[t->used++].label, sizeof t->rows[0].label, "%s", label);
	}
	t->rows[i].n++;
}

static int by_label(const void *a, const void *b)
{
	return strcmp(((const struct tally_row *)a)->label, ((const struct tally_row *)b)->label);
}

static void print_tally(const char *title, struct tally *t)
{
	printf("%s\n", title);
	if (t->used == 0)
		printf("  (none)\n");
	qsort(t->rows, t->used, sizeof t->rows[0], by_label);
	for (size_t i = 0; i < t->used; i++)
		printf("  %-32s %lu\n", t->rows[i].label, t->rows[i].n);
}

/* "{crypt} yescrypt", "{md5}", "(unprefixed)", "(NULL)": how a value is
 * stored, never what. */
static void scheme_label(const char *stored, char *out, size_t size)
{
	const char *value = NULL;
	const struct pp_scheme *s = pp_stored_scheme(stored, &value);
	const char *method;

	if (stored == NULL)
		snprintf(out, size, "(NULL)");
	else if (stored[0] == '\0')
		snprintf(out, size, "(empty)");
	else if (s == NULL)
		snprintf(out, size, "(%s)",
			 unknown_may_be_hash(stored) ? MAY_BE_A_HASH : "unknown scheme");
	else if (!pp_has_prefix(stored))
		snprintf(out, size, "(unprefixed: plaintext)");
	else if (s->form == NULL || (method = pp_crypt_method_of(value)) == NULL ||
		 strcmp(s->name, "crypt") != 0)
		snprintf(out, size, "{%s}", s->name);
	else
		snprintf(out, size, "{%s} %s", s->name, method);
}

/* Why no password can log in to this mailbox, or NULL. */
static const char *cannot_log_in(const char *stored, char *buf, size_t size)
{
	struct pp_verify_info info;

	switch (pp_check_form(stored, &info)) {
	case PP_MATCH:
		return NULL;
	case PP_MISMATCH:
		snprintf(buf, size, "%s", stored == NULL       ? "no password (NULL)"
					  : stored[0] == '\0' ? "no password (empty)"
							      : info.why);
		return buf;
	case PP_UNKNOWN_SCHEME:
		/* What stands between the braces is not shown: in a 1.0
		 * userbase it is part of a plaintext password. */
		if (unknown_may_be_hash(stored))
			snprintf(buf, size, MAY_BE_A_HASH ": not changed by migrate-plain; correct "
						       "its prefix or set a password (pptool passwd)");
		else
			snprintf(buf, size, "names an unknown scheme: a PowerMail 1.0 plaintext "
					    "password? (pptool migrate-plain)");
		return buf;
	case PP_MALFORMED:
		snprintf(buf, size, "malformed {%s} value: %s", info.scheme->name, info.why);
		return buf;
	case PP_WEAK_REFUSED: /* pp_check_form judges the form only */
		break;
	}
	return "?";
}

/* Is the password column wide enough for the values we would write? */
static void check_column(PGconn *pg, const struct pp_config *cfg)
{
	const char *specs[2] = { cfg->password_scheme ? cfg->password_scheme
						       : PP_DEFAULT_PASSWORD_SCHEME,
				 cfg->upgrade_scheme };
	PGresult *res = PQexec(pg, COLUMN_QUERY);
	char type[SHOWN_NAME];
	long width;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		printf("password column: not found in table mboxes\n");
		pp_pg_clear(res);
		return;
	}
	if (PQgetisnull(res, 0, 1)) {
		printf("password column: %s, no length limit\n",
		       pp_escape(type, sizeof type, PQgetvalue(res, 0, 0)));
		pp_pg_clear(res);
		return;
	}
	width = strtol(PQgetvalue(res, 0, 1), NULL, 10);
	printf("password column: %s(%ld)\n", pp_escape(type, sizeof type, PQgetvalue(res, 0, 0)),
	       width);
	pp_pg_clear(res);
	/* sha512-crypt and argon2 values are about 100 to 120 characters. */
	if (width < 128)
		printf("  too narrow for modern hashes: make it at least 128 characters "
		       "(sql/schema.sql widens it to 255)\n");
	for (size_t i = 0; i < 2; i++) {
		struct pp_target t;
		char value[PP_HASH_MAX];
		const char *why;

		if (specs[i] == NULL || pp_target_parse(specs[i], &t, &why) != 0 ||
		    pp_target_hash(&t, "a sample password", value, sizeof value, &why) != 0)
			continue;
		if ((long)strlen(value) > width)
			printf("  too narrow for %s = %s: its values are %zu characters\n",
			       i == 0 ? "password-scheme" : "upgrade-scheme", specs[i], strlen(value));
		explicit_bzero(value, sizeof value);
	}
}

/* list-query, or with lock the same ending in FOR UPDATE (in a static
 * buffer; NULL, said on stderr, when it would not fit). */
static const char *list_query(const struct pp_config *cfg, bool lock)
{
	static char locked[PP_CONFIG_MAX_LINE + 32];
	const char *q = cfg->list_query ? cfg->list_query : PP_DEFAULT_LIST_QUERY;

	if (!lock)
		return q;
	if ((size_t)snprintf(locked, sizeof locked, "%s for update", q) >= sizeof locked) {
		fprintf(stderr, "pptool: list-query is too long\n");
		return NULL;
	}
	return locked;
}

/* A failed query, said as the module says it: SQLSTATE and primary
 * message, never DETAIL (which quotes rows), never one of the secrets. */
static void print_error(const PGresult *res, const PGconn *pg, const char *const *secrets,
			int nsecrets)
{
	char msg[320], shown[PP_ESCAPED_SIZE(sizeof msg)];
	const char *text = pp_pg_error(res, pg, secrets, nsecrets, msg, sizeof msg);

	fprintf(stderr, "pptool: userbase: %s\n", pp_escape(shown, sizeof shown, text));
}

static bool exec_ok(PGconn *pg, const char *sql, int n, const char *const *params,
		    bool want_one_row)
{
	PGresult *res = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK &&
		  (!want_one_row || strcmp(PQcmdTuples(res), "1") == 0);

	/* params[0] is the mailbox; the others are a new and an old value. */
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		print_error(res, pg, n > 1 ? params + 1 : NULL, n > 1 ? n - 1 : 0);
	pp_pg_clear(res);
	return ok;
}

/* A transaction whose statements the role's statement_timeout (schema.sql:
 * the module's bound) does not end: walking a large userbase takes longer.
 * SET LOCAL, so that behind pgbouncer no other client's session keeps it. */
static bool begin_unbounded(PGconn *pg)
{
	return exec_ok(pg, "begin", 0, NULL, false) &&
	       exec_ok(pg, "set local statement_timeout = 0", 0, NULL, false);
}

/* Send list-query in single-row mode: memory stays flat however many
 * mailboxes there are.  Calls row() for each; -1 on an error.  Each row
 * holds a stored value: wiped before it is freed. */
static int each_row(PGconn *pg, const char *sql, int (*row)(PGresult *res, void *ctx), void *ctx)
{
	PGresult *res;
	int rc = 0;

	if (!PQsendQuery(pg, sql) || !PQsetSingleRowMode(pg)) {
		print_error(NULL, pg, NULL, 0);
		return -1;
	}
	while ((res = PQgetResult(pg)) != NULL) {
		if (PQresultStatus(res) == PGRES_SINGLE_TUPLE && PQnfields(res) != 3) {
			if (rc == 0)
				fprintf(stderr, "pptool: list-query returns %d columns; it must return "
						"3: mailbox, isForward, password\n",
					PQnfields(res));
			rc = -1;
		} else if (PQresultStatus(res) == PGRES_SINGLE_TUPLE) {
			if (rc == 0 && row(res, ctx) != 0)
				rc = -1;
		} else if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			print_error(res, pg, NULL, 0);
			rc = -1;
		}
		pp_pg_clear(res);
	}
	return rc;
}

#define UNUSUAL_FORWARD                                                                   \
	"isForward is neither 0, f, false nor 1, t, true: read as a forward, no login"

struct check {
	const struct pp_target *upgrade;
	bool verbose;
	unsigned long hosted, forward, broken, weak, unusual;
	struct tally schemes, weaknesses;
	bool refuse_weak;         /* weak-schemes = refuse */
	unsigned long weak_schemes;
	struct tally weak_scheme_labels;
};

/* A line under the "cannot log in:" heading (printed before the first one
 * unless --verbose printed its own). */
static void cannot_log_in_line(struct check *c, const char *mbox, const char *reason)
{
	char shown[SHOWN_NAME];

	if (c->broken++ == 0 && !c->verbose)
		printf("cannot log in:\n");
	printf("  %s: %s\n", pp_escape(shown, sizeof shown, mbox), reason);
}

static int check_row(PGresult *res, void *ctx)
{
	struct check *c = ctx;
	const char *mbox = PQgetvalue(res, 0, 0);
	const char *mark = PQgetisnull(res, 0, 1) ? NULL : PQgetvalue(res, 0, 1);
	const char *stored = PQgetisnull(res, 0, 2) ? NULL : PQgetvalue(res, 0, 2);
	char label[48], why[160], shown[SHOWN_NAME];
	const char *reason;

	if (pp_is_forward(mark)) {
		c->forward++;
		/* Read as a forward, so that a row no one can read never logs
		 * in; named, as it may be a mailbox someone meant.  The value is
		 * not shown: a list-query with its columns in the wrong order
		 * would show passwords. */
		if (!pp_forward_mark_is_usual(mark)) {
			c->unusual++;
			cannot_log_in_line(c, mbox, UNUSUAL_FORWARD);
		}
		return 0;
	}
	c->hosted++;
	scheme_label(stored, label, sizeof label);
	count(&c->schemes, label);
	/* weak-schemes: under refuse such a value cannot log in, and is named
	 * as every other; under allow it is counted (named with --verbose). */
	if (pp_stored_weak(stored)) {
		c->weak_schemes++;
		count(&c->weak_scheme_labels, label);
		if (c->refuse_weak) {
			cannot_log_in_line(c, mbox, "in a weak scheme, refused (weak-schemes = "
						    "refuse): re-hash it");
			return 0;
		}
		if (c->verbose)
			printf("  weak scheme: %s: %s\n", pp_escape(shown, sizeof shown, mbox), label);
	}
	/* One pass, nothing kept: with --verbose the two kinds of line come
	 * in table order, under one heading. */
	if ((reason = cannot_log_in(stored, why, sizeof why)) != NULL) {
		cannot_log_in_line(c, mbox, reason);
	} else if ((reason = pp_weakness(stored, c->upgrade)) != NULL) {
		c->weak++;
		count(&c->weaknesses, reason);
		if (c->verbose)
			printf("  weak: %s: %s\n", pp_escape(shown, sizeof shown, mbox), reason);
	}
	return 0;
}

int pp_cmd_check(int argc, char **argv)
{
	struct check c = { 0 };
	struct pp_target upgrade;
	struct options o;
	struct pp_config cfg;
	struct pp_conn conn;
	const char *why;
	int rc = EXIT_TROUBLE;

	if (parse_options(argc, argv, "verbose", false, &o) != 0)
		return pptool_usage();
	if (load_config(&o, &cfg) != 0)
		return EXIT_TROUBLE;
	c.verbose = o.flag;
	c.refuse_weak = cfg.refuse_weak_schemes;
	if (cfg.upgrade_scheme && pp_target_parse(cfg.upgrade_scheme, &upgrade, &why) == 0)
		c.upgrade = &upgrade;
	if (pp_conn_acquire(&cfg, PP_CONN_READ, true, &conn, &logger) != 0)
		goto done;
	if (c.verbose)
		printf("cannot log in, or weak, in table order:\n");
	bool begun = begin_unbounded(conn.pg);

	if (begun && each_row(conn.pg, list_query(&cfg, false), check_row, &c) == 0) {
		printf("mailboxes: %lu (%lu hosted, %lu forward)\n", c.hosted + c.forward, c.hosted,
		       c.forward);
		print_tally("stored as (hosted mailboxes):", &c.schemes);
		printf("cannot log in: %lu\n", c.broken);
		printf("unusual isForward: %lu%s\n", c.unusual,
		       c.unusual ? " (read as forwards: set each to 0 or 1)" : "");
		printf("weak: %lu%s\n", c.weak,
		       c.weak == 0	   ? ""
		       : c.upgrade	   ? " (upgraded at their next login: upgrade-scheme is set)"
					   : " (set upgrade-scheme to replace them at their next login)");
		if (c.weak > 0)
			print_tally("weak, by reason:", &c.weaknesses);
		printf("weak scheme (Dovecot 2.4's list): %lu%s\n", c.weak_schemes,
		       c.weak_schemes == 0 ? ""
		       : c.refuse_weak     ? " (weak-schemes = refuse: they cannot log in; re-hash them)"
					   : " (weak-schemes = allow: they log in; refuse would refuse them)");
		if (c.weak_schemes > 0)
			print_tally("weak scheme, by scheme:", &c.weak_scheme_labels);
		if (cfg.list_query == NULL)
			check_column(conn.pg, &cfg);
		rc = c.broken > 0 ? 1 : 0;
	}
	if (begun && !exec_ok(conn.pg, "commit", 0, NULL, false))
		rc = EXIT_TROUBLE;
	pp_conn_release(&conn, false);
done:
	pp_config_free(&cfg);
	return rc;
}

/* --- migrate-plain --------------------------------------------------- */

/* One value to rewrite, or to name as left alone: kept until the walk over
 * the table is over, as a connection runs one query at a time. */
struct change {
	char *mbox;
	char *old;   /* a secret: a 1.0 plaintext password; NULL when left */
	char *value; /* "{plain}" + old; NULL when left */
	enum pp_migration action; /* lib/hash_shape.c: what a 1.0 value gets */
};

struct migrate {
	struct change *changes;
	size_t n, cap, left;
};

static int migrate_row(PGresult *res, void *ctx)
{
	struct migrate *m = ctx;
	const char *stored = PQgetisnull(res, 0, 2) ? NULL : PQgetvalue(res, 0, 2);
	enum pp_migration action = pp_migration_of(stored);
	struct change *c;

	if ((!PQgetisnull(res, 0, 1) && pp_is_forward(PQgetvalue(res, 0, 1))) ||
	    action == PP_MIGRATE_NONE)
		return 0;
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 64;
		struct change *more = realloc(m->changes, cap * sizeof *more);

		if (more == NULL)
			goto oom;
		m->changes = more;
		m->cap = cap;
	}
	/* Counted at once, so that free_changes frees what was made; given
	 * its action only when its name was, so print_left has one. */
	c = &m->changes[m->n++];
	memset(c, 0, sizeof *c);
	c->mbox = strdup(PQgetvalue(res, 0, 0));
	if (c->mbox == NULL)
		goto oom;
	c->action = action;
	if (action == PP_MIGRATE_MAY_BE_HASH) {
		m->left++;
		return 0;
	}
	c->old = pp_strdup_secret(stored);
	size_t size = strlen(stored) + sizeof "{plain}";

	c->value = calloc(1, size);
	if (c->old == NULL || c->value == NULL)
		goto oom;
	snprintf(c->value, size, "{plain}%s", stored);
	return 0;
oom:
	fprintf(stderr, "pptool: out of memory\n");
	return -1;
}

static void free_changes(struct migrate *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->changes[i].mbox);
		pp_free_secret(m->changes[i].old);
		pp_free_secret(m->changes[i].value);
	}
	free(m->changes);
}

/* The mailboxes left because their value may be a hash, by name only: the
 * value, and the scheme name with it, may still be a 1.0 password. */
static void print_left(const struct migrate *m)
{
	char shown[SHOWN_NAME];

	if (m->left == 0)
		return;
	printf(MAY_BE_A_HASH ": not changed\n");
	for (size_t i = 0; i < m->n; i++)
		if (m->changes[i].action == PP_MIGRATE_MAY_BE_HASH)
			printf("  %s\n", pp_escape(shown, sizeof shown, m->changes[i].mbox));
}

/* Run sql; true when it did what it should (a command, or one row changed
 * when want_one_row). */

int pp_cmd_migrate_plain(int argc, char **argv)
{
	struct migrate m = { 0 };
	struct options o;
	struct pp_config cfg;
	struct pp_conn conn;
	char shown[SHOWN_NAME];
	bool ok;
	int rc = EXIT_TROUBLE;

	if (parse_options(argc, argv, "dry-run", false, &o) != 0)
		return pptool_usage();
	if (load_config(&o, &cfg) != 0)
		return EXIT_TROUBLE;
	if (pp_conn_acquire(&cfg, PP_CONN_WRITE, true, &conn, &logger) != 0)
		goto done;
	/* One transaction, the rows locked from the walk to the commit: a
	 * change made meanwhile waits, and nothing is half done. */
	const char *lock = list_query(&cfg, true);

	ok = lock != NULL && begin_unbounded(conn.pg) &&
	     each_row(conn.pg, lock, migrate_row, &m) == 0;
	for (size_t i = 0; ok && i < m.n; i++) {
		const char *params[3] = { m.changes[i].mbox, m.changes[i].value, m.changes[i].old };

		if (m.changes[i].action == PP_MIGRATE_MAY_BE_HASH)
			continue;
		printf("  %s: {plain} (%s)\n", pp_escape(shown, sizeof shown, m.changes[i].mbox),
		       m.changes[i].action == PP_MIGRATE_UNPREFIXED ? "was unprefixed"
								     : "named an unknown scheme");
		/* upgrade-query: the row changes only if it still holds the old
		 * value, which our lock guarantees anyway. */
		ok = exec_ok(conn.pg, cfg.upgrade_query ? cfg.upgrade_query : PP_DEFAULT_UPGRADE_QUERY, 3,
			     params, true);
		if (!ok)
			fprintf(stderr, "pptool: %s: not changed; nothing is\n",
				pp_escape(shown, sizeof shown, m.changes[i].mbox));
	}
	if (!ok || o.flag)
		(void)exec_ok(conn.pg, "rollback", 0, NULL, false);
	print_left(&m);
	size_t changed = m.n - m.left;

	if (ok && o.flag) {
		printf("%zu mailbox%s to change (--dry-run: nothing changed)\n", changed,
		       changed == 1 ? "" : "es");
		rc = 0;
	} else if (ok && exec_ok(conn.pg, "commit", 0, NULL, false)) {
		printf("%zu mailbox%s changed\n", changed, changed == 1 ? "" : "es");
		rc = 0;
	} else {
		printf("nothing changed\n");
	}
	pp_conn_release(&conn, false);
done:
	free_changes(&m);
	pp_config_free(&cfg);
	return rc;
}

/* --- passwd and auth ------------------------------------------------- */

/* What passwd and auth do first: a mailbox, the configuration, a
 * password.  0, or the exit status (and nothing left to free). */
static int begin_with_password(int argc, char **argv, const char *prompt, bool confirm,
			       struct options *o, struct pp_config *cfg, char **password)
{
	if (parse_options(argc, argv, NULL, true, o) != 0)
		return pptool_usage();
	if (load_config(o, cfg) != 0)
		return EXIT_TROUBLE;
	*password = read_password(prompt, confirm);
	if (*password == NULL) {
		pp_config_free(cfg);
		return EXIT_USAGE;
	}
	return 0;
}

/* pp_result as an exit status: 0 done, 1 refused, 2 no userbase. */
static int exit_status(enum pp_result r)
{
	return r == PP_OK ? 0 : r == PP_UNAVAILABLE ? EXIT_TROUBLE : 1;
}

int pp_cmd_passwd(int argc, char **argv)
{
	struct options o;
	struct pp_config cfg;
	struct pp_login login;
	enum pp_result r;
	char *password, shown[SHOWN_NAME];
	int rc = begin_with_password(argc, argv, "New password: ", true, &o, &cfg, &password);

	if (rc != 0)
		return rc;
	r = pp_change_password(&cfg, o.mailbox, password, &login, &logger);
	pp_free_secret(password);
	pp_config_free(&cfg);
	if (r == PP_OK)
		printf("%s: password changed\n", pp_escape(shown, sizeof shown, login.name));
	return exit_status(r);
}

int pp_cmd_auth(int argc, char **argv)
{
	struct options o;
	struct pp_config cfg;
	struct pp_login login;
	enum pp_result r;
	char *password, shown[SHOWN_NAME];
	int rc = begin_with_password(argc, argv, "Password: ", false, &o, &cfg, &password);

	if (rc != 0)
		return rc;
	r = pp_authenticate(&cfg, o.mailbox, password, &login, &logger);
	pp_free_secret(password);
	pp_config_free(&cfg);
	printf("mailbox: %s\n",
	       login.name[0] ? pp_escape(shown, sizeof shown, login.name) : "(refused name)");
	printf("kind:    %s\n", pp_kind_name(login.kind));
	if (login.kind == PP_KIND_HOSTED) {
		/* An unknown scheme's name is not shown: in a 1.0 userbase it
		 * is part of a password. */
		if (login.verify.scheme != NULL)
			printf("scheme:  {%s}\n", login.verify.scheme->name);
		else
			printf("scheme:  %s\n", login.verify.scheme_name[0] ? "(unknown scheme)"
									     : "(none stored)");
		printf("verdict: %s\n", pp_verdict_name(login.verdict));
	}
	if (login.weakness != NULL)
		printf("upgrade: %s (%s)\n", login.upgraded ? "stored" : "failed", login.weakness);
	printf("result:  %s\n", pp_result_name(r));
	return exit_status(r);
}
