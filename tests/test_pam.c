/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The real module, through the real PAM library (under pam_wrapper), against
 * the real PostgreSQL that tests/run-tests.sh starts.
 *
 * Run plainly: main() writes the PAM service files and the module's config
 * files into $PP_TMP, then re-executes itself with pam_wrapper preloaded
 * (pam_wrapper copies the service directory once, when it is loaded).
 *
 * Every PAM call runs with stderr redirected to a file: pam_wrapper prints
 * what the module sends to pam_syslog there (PAM_WRAPPER_DEBUGLEVEL=2 shows
 * every priority, as "PWRAP_...[...] - SYSLOG(<priority>): <message>").  Each
 * capture is checked: no password tried, no stored value and no database
 * password may appear, and a refusal must have logged a line (naming the
 * mailbox when the refusal is about the mailbox).
 *
 * One table row = (service, user, password, expected pam_authenticate,
 * expected pam_acct_mgmt).  authenticate and acct_mgmt run in separate PAM
 * transactions; a row expected to authenticate also runs pam_setcred, reads
 * PAM_USER and the POWERMAIL_* variables, and runs authenticate+acct_mgmt
 * in one transaction.  A mismatch is printed as a "# MISMATCH" line and the
 * remaining rows still run, so one run lists every disagreement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpamtest.h>
#include <libpq-fe.h>
#include <security/pam_appl.h>

#include "pam_login.h"
#include "pam_test.h"
#include "module_conf.h"

#define SET_ITEMS "/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_set_items.so"
#define PAM_DENY "/lib/x86_64-linux-gnu/security/pam_deny.so"
#define SEED_MD5 "$1$Wh/8PmbX$tLpq3mPsvT5gdVJcVVYXA1"
#define NO_ACCT (-1)

/* ------------------------------------------------------------------ */
/* Small utilities                                                     */

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(99);
	}
	return p;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0) {
		fprintf(stderr, "out of memory\n");
		exit(99);
	}
	va_end(ap);
	return p;
}

/* A printable copy of s for diagnostics (control and non-ASCII bytes as \xNN). */
static char *vis_n(const char *s, size_t max);
static char *vis(const char *s)
{
	return vis_n(s, 80);
}

static char *vis_n(const char *s, size_t max)
{
	size_t n = s != NULL ? strlen(s) : 0, size = n * 4 + 8;
	char *out = malloc(size), *o = out;

	if (out == NULL)
		exit(99);
	if (s == NULL) {
		snprintf(out, size, "(null)");
		return out;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '\\')
			o += snprintf(o, size - (size_t)(o - out), "\\x%02x", *p);
		else
			*o++ = (char)*p;
	}
	*o = '\0';
	if (n > max) {
		/* keep diagnostics short */
		char *t = xasprintf("%.60s...(%zu bytes)", out, n);
		free(out);
		return t;
	}
	return out;
}

static const char *pam_name(int rc)
{
	switch (rc) {
	case PAM_SUCCESS: return "PAM_SUCCESS";
	case PAM_AUTH_ERR: return "PAM_AUTH_ERR";
	case PAM_USER_UNKNOWN: return "PAM_USER_UNKNOWN";
	case PAM_PERM_DENIED: return "PAM_PERM_DENIED";
	case PAM_AUTHINFO_UNAVAIL: return "PAM_AUTHINFO_UNAVAIL";
	case PAM_SERVICE_ERR: return "PAM_SERVICE_ERR";
	case PAM_SYSTEM_ERR: return "PAM_SYSTEM_ERR";
	case PAM_BUF_ERR: return "PAM_BUF_ERR";
	case PAM_CONV_ERR: return "PAM_CONV_ERR";
	case PAM_CRED_INSUFFICIENT: return "PAM_CRED_INSUFFICIENT";
	case PAM_MAXTRIES: return "PAM_MAXTRIES";
	case PAM_ACCT_EXPIRED: return "PAM_ACCT_EXPIRED";
	case PAM_NEW_AUTHTOK_REQD: return "PAM_NEW_AUTHTOK_REQD";
	case PAM_IGNORE: return "PAM_IGNORE";
	case PAM_ABORT: return "PAM_ABORT";
	case PAM_AUTHTOK_ERR: return "PAM_AUTHTOK_ERR";
	case PAM_AUTHTOK_RECOVERY_ERR: return "PAM_AUTHTOK_RECOVERY_ERR";
	case PAM_OPEN_ERR: return "PAM_OPEN_ERR";
	case PAM_SYMBOL_ERR: return "PAM_SYMBOL_ERR";
	default: return "PAM_(other)";
	}
}

/* ------------------------------------------------------------------ */
/* Check bookkeeping: every comparison is one check; a failed one is    */
/* printed and counted, and the cmocka test fails at its end.           */

static unsigned n_checks, n_mismatch, n_mismatch_at_start;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static bool check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool check(bool ok, const char *fmt, ...)
{
	va_list ap;

	n_checks++;
	if (ok)
		return true;
	n_mismatch++;
	fputs("# MISMATCH: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	return false;
}

static void begin_test(void)
{
	n_mismatch_at_start = n_mismatch;
}

static void end_test(void)
{
	unsigned n = n_mismatch - n_mismatch_at_start;

	if (n > 0)
		fail_msg("%u mismatch(es), see the MISMATCH lines above", n);
}

/* ------------------------------------------------------------------ */
/* Secrets that must never reach the log                               */

static char **secrets;
static size_t n_secrets, cap_secrets;

static void add_secret(const char *s)
{
	if (s == NULL || strlen(s) < 5)
		return; /* too short to search for meaningfully */
	for (size_t i = 0; i < n_secrets; i++)
		if (strcmp(secrets[i], s) == 0)
			return;
	if (n_secrets == cap_secrets) {
		cap_secrets = cap_secrets ? cap_secrets * 2 : 64;
		secrets = realloc(secrets, cap_secrets * sizeof *secrets);
		if (secrets == NULL)
			exit(99);
	}
	secrets[n_secrets++] = xstrdup(s);
}

/* A stored value: the whole value and the part after "{scheme}". */
static void add_stored_secret(const char *stored)
{
	const char *close;

	if (stored == NULL)
		return;
	if (stored[0] == '{' && (close = strchr(stored, '}')) != NULL) {
		if (close[1] == '\0')
			return; /* "{plain}": nothing but a scheme name */
		add_secret(close + 1);
	}
	add_secret(stored);
}

/* ------------------------------------------------------------------ */
/* The database                                                        */

/* Insert or replace a row of table mboxes.  password NULL: SQL NULL; quota,
 * forward NULL: SQL NULL. */
static void put_mbox(const char *mbox, const char *password, const char *quota,
		     const char *forward)
{
	const char *p[4] = { mbox, password, quota, forward };

	add_stored_secret(password);
	sql_params("INSERT INTO mboxes (mbox, password, quotaMB, isForward, fwdDest) "
		   "VALUES ($1, $2, $3::int, $4::int, "
		   "        CASE WHEN $4::int = 1 THEN 'elsewhere@forward.example' END) "
		   "ON CONFLICT (mbox) DO UPDATE SET password = EXCLUDED.password, "
		   "quotaMB = EXCLUDED.quotaMB, isForward = EXCLUDED.isForward, "
		   "fwdDest = EXCLUDED.fwdDest",
		   4, p);
}

/* ------------------------------------------------------------------ */
/* pptool                                                              */

/* Run argv, return its stdout (trailing newline removed) or NULL. */
static char *run_capture(char *const argv[])
{
	int pfd[2];
	pid_t pid;
	char buf[4096];
	size_t len = 0;
	ssize_t n;
	int status;

	if (pipe(pfd) != 0)
		return NULL;
	pid = fork();
	if (pid < 0)
		return NULL;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		dup2(devnull, 0);
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	close(pfd[0]);
	buf[len] = '\0';
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return NULL;
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	return xstrdup(buf);
}

/* ------------------------------------------------------------------ */
/* Services: one PAM service file and one config file each             */

#define SVC_SET_ITEMS 0x1 /* stack pam_set_items.so first (PAM_AUTHTOK from env) */
#define SVC_NO_BASE 0x2   /* conf is the whole file, not appended to the base */
#define SVC_DEBUG 0x4     /* the module logs debug lines: no one-line-per-refusal check */
#define SVC_NO_FILE 0x8   /* write no config file (the missing-file case) */

struct svc {
	const char *name;
	const char *conf; /* @PGHOST@ @PGPORT@ @PGUSER@ @PGPASSWORD@ @PGDB@ expand */
	const char *args; /* module arguments after config=PATH */
	unsigned flags;
	mode_t mode; /* 0: 0600 */
};

#define BASE_CONN "postgresql-host = @PGHOST@\npostgresql-port = @PGPORT@\n" \
		  "postgresql-user = @PGUSER@\npostgresql-password = @PGPASSWORD@\n"
#define DEFQ "select quotaMB,isForward,fwdDest,password from mboxes where mbox=$1"
#define CUSTQ(table) "postgresql-query = select q, fwd, dest, pw from " table " where addr = $1\n"

static const struct svc services[] = {
	{ "pp", "", "", 0, 0 },
	{ "pp_debug", "debug = yes\n", "debug", SVC_DEBUG, 0 },
	{ "pp_orig",
	  "postgresql-query = select quotaMB,isForward,fwdDest,password from pm_orig "
	  "where mbox='%s'\n", "", 0, 0 },
	{ "pp_custom", CUSTQ("pp_custom"), "", 0, 0 },
	{ "pp_custom_bare",
	  "postgresql-query = select q, fwd, dest, pw from pp_custom where addr = %s\n", "", 0, 0 },
	{ "pp_bool", CUSTQ("pp_bool"), "", 0, 0 },
	{ "pp_names", CUSTQ("pp_names") "lowercase = no\n", "", 0, 0 },
	{ "pp_dd", "default-domain = example.com\n", "", 0, 0 },
	{ "pp_dd_arg", "", "default-domain=pam.test", 0, 0 },
	{ "pp_nolc", "lowercase = no\n", "", 0, 0 },
	{ "pp_nolc_arg", "lowercase = yes\n", "lowercase=no", 0, 0 },
	{ "pp_lc_arg", "lowercase = no\n", "lowercase=yes", 0, 0 },
	{ "pp_ufp", "", "use_first_pass", SVC_SET_ITEMS, 0 },
	{ "pp_tfp", "", "try_first_pass", SVC_SET_ITEMS, 0 },
	{ "pp_authtok", "", "use_authtok", SVC_SET_ITEMS, 0 },
	{ "pp_timeouts", "connect-timeout = 3\nquery-timeout = 4000\n", "", 0, 0 },
	{ "pp_tcp",
	  "postgresql-host = 127.0.0.1\npostgresql-port = @PGPORT@\npostgresql-user = @PGUSER@\n"
	  "postgresql-password = @PGPASSWORD@\npostgresql-database = @PGDB@\n"
	  "postgresql-sslmode = disable   # the harness's cluster has no TLS\n",
	  "", SVC_NO_BASE, 0 },
	{ "pp_comments",
	  "# a comment line\n"
	  "   # an indented comment line\n"
	  "\n"
	  "postgresql-host = @PGHOST@   # a comment after spaces\n"
	  "postgresql-port = @PGPORT@\t# a comment after a tab\n"
	  "\n"
	  "postgresql-user = pp_hash_user\n"
	  "postgresql-password = pp#hash#pw # a '#' inside a value is not a comment\n"
	  "postgresql-database = @PGDB@\n"
	  "#postgresql-database = commented_out\n",
	  "", SVC_NO_BASE, 0 },
	{ "pp_conninfo",
	  "postgresql-conninfo = host=@PGHOST@ port=@PGPORT@ user=@PGUSER@ "
	  "password=@PGPASSWORD@ dbname=@PGDB@\n"
	  "postgresql-database = pp_no_such_db_conninfo\n"
	  "postgresql-user = pp_no_such_user\n",
	  "", SVC_NO_BASE, 0 },
	{ "pp_argover", BASE_CONN "postgresql-database = pp_no_such_db\n",
	  "postgresql-database=@PGDB@", SVC_NO_BASE, 0 },
	{ "pp_argbad", "", "postgresql-database=pp_no_such_db", 0, 0 },
	{ "pp_badpass",
	  "postgresql-host = @PGHOST@\npostgresql-port = @PGPORT@\npostgresql-user = @PGUSER@\n"
	  "postgresql-password = Wr0ng-DB-pass-42\npostgresql-database = @PGDB@\n",
	  "", SVC_NO_BASE, 0 },
	{ "pp_dup", CUSTQ("pp_dup"), "", 0, 0 },
	{ "pp_missing_table",
	  "postgresql-query = select quotaMB,isForward,fwdDest,password from pp_no_such_table "
	  "where mbox=$1\n", "", 0, 0 },
	{ "pp_noperm", CUSTQ("pp_noperm"), "", 0, 0 },
	{ "pp_slow",
	  "postgresql-query = " DEFQ " and (select count(*) from pg_sleep(3)) = 1\n"
	  "query-timeout = 300\n", "", 0, 0 },
	{ "pp_slow_ok", "postgresql-query = " DEFQ " and (select count(*) from pg_sleep(1)) = 1\n",
	  "", 0, 0 },
	/* bad configurations */
	{ "bad_unknown_key", "frobnicate = 1\n", "", 0, 0 },
	{ "bad_number", "connect-timeout = abc\n", "", 0, 0 },
	{ "bad_negative", "connect-timeout = -1\n", "", 0, 0 },
	{ "bad_qtimeout", "query-timeout = 5s\n", "", 0, 0 },
	{ "bad_port", "", "postgresql-port=notaport", 0, 0 },
	{ "bad_bool", "lowercase = maybe\n", "", 0, 0 },
	{ "bad_debug", "debug = 2\n", "", 0, 0 },
	{ "bad_dup", "postgresql-database = @PGDB@\n", "", 0, 0 },
	{ "bad_noeq", "postgresql-query\n", "", 0, 0 },
	{ "bad_ww", "", "", 0, 0666 },
	{ "bad_ow", "", "", 0, 0602 },
	{ "bad_gw", "", "", 0, 0620 },
	{ "bad_missing", "", "", SVC_NO_FILE, 0 },
	{ "bad_argpass", "", "postgresql-password=@PGPASSWORD@", 0, 0 },
	{ "bad_argkey", "", "frobnicate=1", 0, 0 },
	{ "bad_argnum", "", "query-timeout=soon", 0, 0 },
};

static const struct svc *find_svc(const char *name)
{
	for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
		if (strcmp(services[i].name, name) == 0)
			return &services[i];
	return NULL;
}

static char *expand(const char *tmpl)
{
	static const char *const names[][2] = {
		{ "@PGHOST@", "PGHOST" },   { "@PGPORT@", "PGPORT" }, { "@PGUSER@", "PP_PGUSER" },
		{ "@PGPASSWORD@", "PP_PGPASSWORD" }, { "@PGDB@", "PP_PGDB" },
	};
	size_t cap = strlen(tmpl) * 4 + 4096, len = 0;
	char *out = malloc(cap);

	if (out == NULL)
		exit(99);
	for (const char *p = tmpl; *p;) {
		bool done = false;

		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
			size_t k = strlen(names[i][0]);

			if (strncmp(p, names[i][0], k) == 0) {
				const char *v = env(names[i][1]);

				len += (size_t)snprintf(out + len, cap - len, "%s", v);
				p += k;
				done = true;
				break;
			}
		}
		if (!done && len + 1 < cap)
			out[len++] = *p++;
	}
	out[len] = '\0';
	return out;
}

static char *conf_path(const char *svc)
{
	return xasprintf("%s/conf/%s.conf", env("PP_TMP"), svc);
}

/* Before pam_wrapper: the service directory and the config files. */
static int write_services(const char *dir)
{
	char *cdir = xasprintf("%s/conf", env("PP_TMP"));
	char *module = xasprintf("%s/pam_powermail.so", env("PP_BUILD"));
	char *other = xasprintf("%s/other", dir);
	int rc = 0;

	if ((mkdir(dir, 0755) != 0 && errno != EEXIST) || (mkdir(cdir, 0700) != 0 && errno != EEXIST)) {
		fprintf(stderr, "test_pam: mkdir %s: %s\n", dir, strerror(errno));
		return -1;
	}
	/* libpam logs about a missing "other" service otherwise */
	rc |= write_text_file(other, "auth required " PAM_DENY "\naccount required " PAM_DENY "\n",
			      0644);
	for (size_t i = 0; i < sizeof services / sizeof services[0]; i++) {
		const struct svc *s = &services[i];
		char *path = conf_path(s->name);
		char *args = expand(s->args);
		char *line = xasprintf("%s config=%s %s", module, path, args);
		char *svcfile = xasprintf("%s/%s", dir, s->name);
		char *text = xasprintf("%sauth required %s\naccount required %s\n",
				       (s->flags & SVC_SET_ITEMS) ? "auth required " SET_ITEMS "\n" : "",
				       line, line);

		rc |= write_text_file(svcfile, text, 0644);
		if (!(s->flags & SVC_NO_FILE)) {
			char *body = xasprintf("%s%s", (s->flags & SVC_NO_BASE) ? "" :
						     BASE_CONN "postgresql-database = @PGDB@\n",
					       s->conf);
			char *conf = expand(body);

			rc |= write_text_file(path, conf, s->mode ? s->mode : 0600);
			free(body);
			free(conf);
		}
		free(path);
		free(args);
		free(line);
		free(svcfile);
		free(text);
	}
	free(cdir);
	free(module);
	free(other);
	return rc;
}

/* ------------------------------------------------------------------ */
/* What the module logs (capture.h)                                    */

/* The messages the module sent to pam_syslog, one per line, as
 * "<priority>:<message>" in a new string; *count gets their number. */
static char *syslog_lines(const char *log, unsigned *count)
{
	size_t n = strlen(log);
	char *out = malloc(n + 1), *o = out;
	const char *p = log;

	if (out == NULL)
		exit(99);
	*count = 0;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *s = memmem(p, len, "SYSLOG(", 7);

		if (s != NULL) {
			const char *msg = memmem(s, len - (size_t)(s - p), "): ", 3);

			/* libpam's own pam_get_authtok() logs this when the
			 * conversation fails: not the module's line */
			if (msg != NULL && !(len - (size_t)(msg + 3 - p) == 19 &&
					     memcmp(msg + 3, "conversation failed", 19) == 0)) {
				*o++ = s[7];
				*o++ = ':';
				memcpy(o, msg + 3, len - (size_t)(msg + 3 - p));
				o += len - (size_t)(msg + 3 - p);
				*o++ = '\n';
				(*count)++;
			}
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	*o = '\0';
	return out;
}

static void dump_log(const char *log)
{
	const char *p = log;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char *line = strndup(p, len), *v = vis_n(line, 4096);

		note("  log| %s", v);
		free(line);
		free(v);
		p += len;
		if (*p == '\n')
			p++;
	}
}

/* ------------------------------------------------------------------ */
/* ------------------------------------------------------------------ */
/* Rows                                                                */

struct row {
	const char *svc;
	const char *user;
	const char *pw;      /* the conversation's answer; NULL: the conversation fails */
	int auth;            /* expected pam_authenticate */
	int acct;            /* expected pam_acct_mgmt, or NO_ACCT */
	const char *canon;   /* on success: PAM_USER and POWERMAIL_MBOX; NULL: user */
	const char *quota;   /* on success: POWERMAIL_QUOTA_MB; NULL: "0" */
	const char *authtok; /* PAM_AUTHTOK that pam_set_items puts in place */
	int prompts;         /* expected password prompts in authenticate; -1: any */
	const char *scheme;  /* a warning (LOG_WARNING) must name the mailbox and this */
	const char *hidden;  /* must not be logged: an unknown scheme's name, which in a
			      * PowerMail 1.0 userbase is part of a plaintext password */
	double max_seconds;  /* each call must return within this; 0: no limit */
};

#define ANY_PROMPTS .prompts = -1

/* A name the log can be searched for: nothing a module would escape. */
static bool plain_name(const char *s)
{
	if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || strlen(s) > 255)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (!isalnum(*p) && !strchr("@.-_", *p))
			return false;
	return true;
}

static bool mailbox_refusal(int rc)
{
	return rc == PAM_USER_UNKNOWN || rc == PAM_AUTH_ERR || rc == PAM_PERM_DENIED;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Check one capture: secrets absent; a refusal logged (one line, naming
 * the mailbox where it is about the mailbox); the scheme warning. */
static void check_log(const struct row *r, const char *what, int expected, int actual,
		      const char *log, const char *convmsgs)
{
	const struct svc *s = find_svc(r->svc);
	unsigned nlines;
	char *lines = syslog_lines(log, &nlines);
	char *u = vis(r->user);
	bool bad = false;

	n_checks++; /* the secret scan counts as one check */
	for (size_t i = 0; i < n_secrets; i++) {
		if (strstr(log, secrets[i]) != NULL) {
			char *v = vis(secrets[i]);

			bad |= !check(false, "%s %s as %s: the log contains the secret \"%s\"",
				      r->svc, what, u, v);
			free(v);
		}
		if (strstr(convmsgs, secrets[i]) != NULL) {
			char *v = vis(secrets[i]);

			bad |= !check(false, "%s %s as %s: a PAM message contains the secret \"%s\"",
				      r->svc, what, u, v);
			free(v);
		}
	}
	if (r->pw != NULL && strlen(r->pw) >= 5)
		bad |= !check(strstr(log, r->pw) == NULL,
			      "%s %s as %s: the log contains the password tried", r->svc, what, u);
	/* (a call that did not return what was expected is reported already) */
	if (expected != PAM_SUCCESS && actual == expected) {
		bad |= !check(nlines >= 1, "%s %s as %s: refused (%s) but logged no line", r->svc,
			      what, u, pam_name(expected));
		if (nlines >= 1 && s != NULL && !(s->flags & SVC_DEBUG))
			bad |= !check(nlines == 1,
				      "%s %s as %s: refused (%s) with %u log lines, want one", r->svc,
				      what, u, pam_name(expected), nlines);
		if (mailbox_refusal(expected) && plain_name(r->user))
			bad |= !check(strcasestr(lines, r->user) != NULL,
				      "%s %s as %s: refused (%s), no log line names the mailbox",
				      r->svc, what, u, pam_name(expected));
	}
	if (r->scheme != NULL && strcmp(what, "authenticate") == 0 && actual == expected) {
		bool found = false;

		for (char *line = lines; *line;) {
			char *eol = strchr(line, '\n');

			*eol = '\0';
			if (line[0] == '4' && strcasestr(line, r->user) != NULL &&
			    strcasestr(line, r->scheme) != NULL)
				found = true;
			line = eol + 1;
		}
		bad |= !check(found, "%s %s as %s: no warning naming the mailbox and scheme \"%s\"",
			      r->svc, what, u, r->scheme);
	}
	if (r->hidden != NULL)
		bad |= !check(strcasestr(log, r->hidden) == NULL,
			      "%s %s as %s: the log names the unknown scheme \"%s\"", r->svc, what,
			      u, r->hidden);
	if (bad)
		dump_log(log);
	free(lines);
	free(u);
}

/* One row: authenticate (+ setcred, PAM_USER, environment), acct_mgmt, and
 * for a success row both in one transaction. */
static void run_row(const struct row *r)
{
	char *u = vis(r->user);
	const char *canon = r->canon ? r->canon : r->user;
	const char *quota = r->quota ? r->quota : "0";
	struct conv cs;
	enum pamtest_err perr;
	char *log;
	double t0, dt;
	int auth_rc;

	if (r->authtok != NULL)
		setenv("PAM_AUTHTOK", r->authtok, 1);
	else
		unsetenv("PAM_AUTHTOK");

	/* authenticate */
	{
		struct pam_testcase tc[] = {
			pam_test(PAMTEST_AUTHENTICATE, r->auth),
			pam_test(PAMTEST_KEEPHANDLE, 0),
		};

		cs = (struct conv){ .password = r->pw };
		capture_start();
		t0 = now();
		perr = _pamtest_conv(r->svc, r->user, converse, &cs, tc, 2, NULL);
		dt = now() - t0;
		auth_rc = perr == PAMTEST_ERR_OK || perr == PAMTEST_ERR_CASE ? tc[0].op_rv : -1;
		if (perr == PAMTEST_ERR_OK) {
			pam_handle_t *ph = tc[1].case_out.ph;
			int src = pam_setcred(ph, PAM_ESTABLISH_CRED);
			const void *item = NULL;
			const char *mbox = pam_getenv(ph, "POWERMAIL_MBOX");
			const char *q = pam_getenv(ph, "POWERMAIL_QUOTA_MB");
			char *mbox_c = mbox ? xstrdup(mbox) : NULL, *q_c = q ? xstrdup(q) : NULL;
			char *user_c;

			pam_get_item(ph, PAM_USER, &item);
			user_c = item ? xstrdup(item) : NULL;
			pam_end(ph, PAM_SUCCESS);
			log = capture_stop_text();
			check(true, "authenticate");
			if (r->auth == PAM_SUCCESS) {
				char *v1 = vis(user_c), *v2 = vis(mbox_c), *v3 = vis(canon);

				check(src == PAM_SUCCESS, "%s setcred after authenticate as %s: got %s",
				      r->svc, u, pam_name(src));
				check(user_c && strcmp(user_c, canon) == 0,
				      "%s authenticate as %s: PAM_USER is %s, want %s", r->svc, u, v1,
				      v3);
				check(mbox_c && strcmp(mbox_c, canon) == 0,
				      "%s authenticate as %s: POWERMAIL_MBOX is %s, want %s", r->svc,
				      u, v2, v3);
				check(q_c && strcmp(q_c, quota) == 0,
				      "%s authenticate as %s: POWERMAIL_QUOTA_MB is %s, want %s",
				      r->svc, u, q_c ? q_c : "(unset)", quota);
				free(v1);
				free(v2);
				free(v3);
			}
			free(mbox_c);
			free(q_c);
			free(user_c);
		} else {
			log = capture_stop_text();
			if (perr == PAMTEST_ERR_CASE)
				check(false, "%s authenticate as %s (password %s): got %s, want %s",
				      r->svc, u, r->pw ? "given" : "none", pam_name(tc[0].op_rv),
				      pam_name(r->auth));
			else
				check(false, "%s authenticate as %s: libpamtest: %s", r->svc, u,
				      pamtest_strerror(perr));
			dump_log(log);
		}
		if (r->prompts >= 0)
			check(cs.prompts == r->prompts,
			      "%s authenticate as %s: %d password prompts, want %d", r->svc, u,
			      cs.prompts, r->prompts);
		if (r->max_seconds > 0)
			check(dt <= r->max_seconds, "%s authenticate as %s took %.2f s, limit %.2f s",
			      r->svc, u, dt, r->max_seconds);
		check_log(r, "authenticate", r->auth, auth_rc, log, cs.msgs);
		free(log);
	}

	/* acct_mgmt in a transaction of its own */
	if (r->acct != NO_ACCT) {
		struct pam_testcase tc[] = { pam_test(PAMTEST_ACCOUNT, r->acct) };

		cs = (struct conv){ .password = r->pw };
		capture_start();
		t0 = now();
		perr = _pamtest_conv(r->svc, r->user, converse, &cs, tc, 1, NULL);
		dt = now() - t0;
		log = capture_stop_text();
		if (perr == PAMTEST_ERR_CASE)
			check(false, "%s acct_mgmt as %s: got %s, want %s", r->svc, u,
			      pam_name(tc[0].op_rv), pam_name(r->acct));
		else
			check(perr == PAMTEST_ERR_OK, "%s acct_mgmt as %s: libpamtest: %s", r->svc, u,
			      pamtest_strerror(perr));
		if (perr != PAMTEST_ERR_OK)
			dump_log(log);
		check(cs.prompts == 0, "%s acct_mgmt as %s asked for a password", r->svc, u);
		if (r->max_seconds > 0)
			check(dt <= r->max_seconds, "%s acct_mgmt as %s took %.2f s, limit %.2f s",
			      r->svc, u, dt, r->max_seconds);
		check_log(r, "acct_mgmt", r->acct, tc[0].op_rv, log, cs.msgs);
		free(log);
	}

	/* the usual sequence: authenticate, then acct_mgmt on the same handle */
	if (r->auth == PAM_SUCCESS && r->acct == PAM_SUCCESS) {
		struct pam_testcase tc[] = {
			pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
			pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
			pam_test(PAMTEST_SETCRED, PAM_SUCCESS),
		};

		cs = (struct conv){ .password = r->pw };
		capture_start();
		perr = _pamtest_conv(r->svc, r->user, converse, &cs, tc, 3, NULL);
		log = capture_stop_text();
		if (perr != PAMTEST_ERR_OK) {
			const struct pam_testcase *f = pamtest_failed_case(tc);

			check(false, "%s authenticate+acct_mgmt+setcred as %s: %s%s%s", r->svc, u,
			      pamtest_strerror(perr), f ? ": got " : "",
			      f ? pam_name(f->op_rv) : "");
			dump_log(log);
		} else {
			check(true, "sequence");
		}
		check_log(r, "authenticate+acct_mgmt", PAM_SUCCESS, PAM_SUCCESS, log, cs.msgs);
		free(log);
	}
	unsetenv("PAM_AUTHTOK");
	free(u);
}

static void run_rows(const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		run_row(&rows[i]);
}

#define RUN(rows) run_rows(rows, sizeof rows / sizeof rows[0])

/* Shorthands: OK = right password, REFUSE = (auth, acct) */
#define OK_ROW(svc_, user_, pw_) \
	{ .svc = svc_, .user = user_, .pw = pw_, .auth = PAM_SUCCESS, .acct = PAM_SUCCESS, ANY_PROMPTS }
#define ROW(svc_, user_, pw_, auth_, acct_) \
	{ .svc = svc_, .user = user_, .pw = pw_, .auth = auth_, .acct = acct_, ANY_PROMPTS }

/* ------------------------------------------------------------------ */
/* Database contents                                                   */

struct hashed {
	char name[40];
	char mbox[80];
	char password[64];
	char wrong[64];
};
static struct hashed hashed[64];
static size_t n_hashed;
static char long255[256], long256[257];

static int setup_db(void **state)
{
	char *cmd, *pptool = xasprintf("%s/pptool", env("PP_BUILD"));
	char *const schemes_argv[] = { pptool, (char *)"schemes", NULL };
	char *list;
	int rc = 0;

	(void)state;
	reconnect_super();
	add_secret(env("PP_PGPASSWORD"));
	add_secret("pp#hash#pw");
	add_secret("Wr0ng-DB-pass-42");

	/* PowerMail's sample rows, as the brief says: with psql */
	cmd = xasprintf("psql -X -q -U %s -d %s -v ON_ERROR_STOP=1 -f '%s/sql/sample.sql' >/dev/null",
			env("PP_PGSUPER"), env("PP_PGDB"), env("PP_TOP"));
	if (system(cmd) != 0) {
		note("loading sql/sample.sql failed: %s", cmd);
		rc = -1;
	}
	free(cmd);
	add_stored_secret("{plain}s3cr3t!");
	add_stored_secret("s3cr3t!");
	add_stored_secret("{crypt}/CFF1gJfAFAqM");
	add_stored_secret("{md5}" SEED_MD5);
	add_stored_secret("{abc}def");

	sql("DELETE FROM mboxes WHERE mbox LIKE '%@pam.test' OR mbox IN "
	    "('user@example.com', 'Üser@example.com')");
	sql("DROP TABLE IF EXISTS pm_orig, pp_custom, pp_bool, pp_names, pp_dup, pp_noperm");

	/* one row per scheme pptool can hash */
	list = run_capture(schemes_argv);
	if (list == NULL) {
		note("pptool schemes failed");
		rc = -1;
	} else {
		char *save = NULL;

		for (char *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char name[40], aliases[80], canhash[8];

			if (sscanf(line, "%39s %79s %7s", name, aliases, canhash) != 3 ||
			    strcmp(name, "SCHEME") == 0 || strcmp(canhash, "yes") != 0)
				continue;
			if (n_hashed == sizeof hashed / sizeof hashed[0])
				break;
			struct hashed *h = &hashed[n_hashed];
			snprintf(h->name, sizeof h->name, "%s", name);
			snprintf(h->mbox, sizeof h->mbox, "hash-%s@pam.test", name);
			snprintf(h->password, sizeof h->password, "Tr1ed-%s-pw", name);
			snprintf(h->wrong, sizeof h->wrong, "Wr0ng-%s-pw", name);
			char *const hash_argv[] = { pptool, (char *)"hash", h->name, h->password, NULL };
			char *value = run_capture(hash_argv);

			if (value == NULL || value[0] != '{') {
				note("pptool hash %s failed", name);
				rc = -1;
			} else {
				put_mbox(h->mbox, value, NULL, NULL);
				n_hashed++;
			}
			add_secret(h->password);
			add_secret(h->wrong);
			free(value);
		}
		free(list);
		if (n_hashed == 0) {
			note("pptool schemes listed no scheme that can hash");
			rc = -1;
		}
	}

	/* the table's other rows */
	put_mbox("empty@pam.test", "", NULL, NULL);
	put_mbox("emptyplain@pam.test", "{plain}", NULL, NULL);
	put_mbox("fwdpw@pam.test", "{plain}Fwd-pw-123", NULL, "1");
	put_mbox("fwd0@pam.test", "{plain}Fwd0-pw-123", NULL, "0");
	put_mbox("fwd2@pam.test", "{plain}Fwd2-pw-123", NULL, "2");
	put_mbox("unknownscheme@pam.test", "{zork}Zork-Stored-V4lue", NULL, NULL);
	put_mbox("malformed@pam.test", "{md5}$1$Wh/8PmbX$tLpq3mPsvT5gdVJcVVYXA", NULL, NULL);
	put_mbox("malcrypt@pam.test", "{crypt}$9$nonsenseQQ", NULL, NULL);
	put_mbox("quota-big@pam.test", "{plain}Quota-big-pw", "2147483647", NULL);
	put_mbox("quota-zero@pam.test", "{plain}Quota-zero-pw", "0", NULL);
	put_mbox("user@example.com", "{plain}Fold-pw-1", NULL, NULL);
	put_mbox("Üser@example.com", "{plain}Umlaut-pw-1", NULL, NULL);
	put_mbox("MixedCase@pam.test", "{plain}Mixed-pw-1", NULL, NULL);
	put_mbox("dd-user@pam.test", "{plain}Dd-user-pw", "12", NULL);
	put_mbox("first@pam.test", "{plain}First-pass-1", NULL, NULL);
	put_mbox("-dash@pam.test", "{plain}Names-pw-1", NULL, NULL);
	put_mbox("+plus@pam.test", "{plain}Names-pw-1", NULL, NULL);
	memset(long255, 'a', 255 - strlen("@pam.test"));
	strcat(long255, "@pam.test");
	memset(long256, 'a', 256 - strlen("@pam.test"));
	strcat(long256, "@pam.test");
	put_mbox(long255, "{plain}Long-255-pw", NULL, NULL);
	add_secret("Wr0ng-password");
	add_secret("s3cr3t");

	/* An original PowerMail table and its query */
	sql("CREATE TABLE pm_orig (id SERIAL PRIMARY KEY, mbox VARCHAR(255) NOT NULL, "
	    "password VARCHAR(50) DEFAULT NULL, quotaMB INT DEFAULT NULL, "
	    "isForward INT DEFAULT NULL, fwdDest VARCHAR(80) DEFAULT NULL)");
	sql("GRANT SELECT ON pm_orig TO powermail");
	sql("INSERT INTO pm_orig (mbox, password, quotaMB, isForward, fwdDest) VALUES "
	    "('orig@example.com', '{plain}Orig-pw-1', 25, NULL, NULL), "
	    "('origplain@example.com', 'Orig-plain-2', NULL, 0, NULL), "
	    "('origcrypt@example.com', '{crypt}/CFF1gJfAFAqM', NULL, NULL, NULL), "
	    "('origmd5@example.com', '{md5}" SEED_MD5 "', NULL, NULL, NULL), "
	    "('origfwd@example.com', NULL, NULL, 1, 'someone@elsewhere.example'), "
	    "('orignull@example.com', NULL, NULL, NULL, NULL), "
	    "('origdup@example.com', '{plain}Orig-dup-1', NULL, NULL, NULL), "
	    "('origdup@example.com', '{plain}Orig-dup-2', NULL, NULL, NULL)");
	add_stored_secret("{plain}Orig-pw-1");
	add_stored_secret("Orig-plain-2");
	add_stored_secret("{plain}Orig-dup-1");
	add_stored_secret("{plain}Orig-dup-2");

	/* A custom table: other column names, isForward as text */
	sql("CREATE TABLE pp_custom (addr TEXT PRIMARY KEY, pw TEXT, q INT, fwd TEXT, dest TEXT)");
	sql("GRANT SELECT ON pp_custom TO powermail");
	sql("INSERT INTO pp_custom VALUES "
	    "('c-fwd-1@pam.test', '{plain}Cust-pw-1', NULL, '1', 'x@elsewhere.example'), "
	    "('c-fwd-t@pam.test', '{plain}Cust-pw-1', NULL, 't', 'x@elsewhere.example'), "
	    "('c-fwd-true@pam.test', '{plain}Cust-pw-1', NULL, 'true', 'x@elsewhere.example'), "
	    "('c-host-0@pam.test', '{plain}Cust-pw-1', 7, '0', NULL), "
	    "('c-host-f@pam.test', '{plain}Cust-pw-1', NULL, 'f', NULL), "
	    "('c-host-false@pam.test', '{plain}Cust-pw-1', NULL, 'false', NULL), "
	    "('c-host-empty@pam.test', '{plain}Cust-pw-1', NULL, '', NULL), "
	    "('c-host-null@pam.test', '{plain}Cust-pw-1', NULL, NULL, NULL)");
	add_stored_secret("{plain}Cust-pw-1");
	/* isForward as a boolean column (PostgreSQL sends t / f) */
	sql("CREATE TABLE pp_bool (addr TEXT PRIMARY KEY, pw TEXT, q INT, fwd BOOLEAN, dest TEXT)");
	sql("GRANT SELECT ON pp_bool TO powermail");
	sql("INSERT INTO pp_bool VALUES "
	    "('b-fwd@pam.test', '{plain}Bool-pw-1', NULL, true, 'x@elsewhere.example'), "
	    "('b-host@pam.test', '{plain}Bool-pw-1', 3, false, NULL)");
	add_stored_secret("{plain}Bool-pw-1");

	/* Names the module must refuse before asking: they are in this table */
	sql("CREATE TABLE pp_names (addr TEXT PRIMARY KEY, pw TEXT, q INT, fwd TEXT, dest TEXT)");
	sql("GRANT SELECT ON pp_names TO powermail");
	{
		const char *names[] = { "normal@pam.test", "-dash@pam.test", "+plus@pam.test",
					"tab\there@pam.test", "nl\nhere@pam.test", "cr\rhere@pam.test",
					"ctl\001x@pam.test", "esc\033x@pam.test", "del\177x@pam.test",
					"-", "+", long256, long255 };

		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
			const char *p[1] = { names[i] };

			sql_params("INSERT INTO pp_names "
				   "VALUES ($1, '{plain}Names-pw-1', NULL, NULL, NULL)",
				   1, p);
		}
	}
	add_stored_secret("{plain}Names-pw-1");

	/* More than one row for one address */
	sql("CREATE TABLE pp_dup (addr TEXT, pw TEXT, q INT, fwd TEXT, dest TEXT)");
	sql("GRANT SELECT ON pp_dup TO powermail");
	sql("INSERT INTO pp_dup VALUES ('dup@pam.test', '{plain}Dup-pw-1', NULL, NULL, NULL), "
	    "('dup@pam.test', '{plain}Dup-pw-1', NULL, NULL, NULL)");
	add_stored_secret("{plain}Dup-pw-1");
	/* A table powermail may not read */
	sql("CREATE TABLE pp_noperm (addr TEXT, pw TEXT, q INT, fwd TEXT, dest TEXT)");
	sql("INSERT INTO pp_noperm "
	    "VALUES ('noperm@pam.test', '{plain}Noperm-pw-1', NULL, NULL, NULL)");
	add_stored_secret("{plain}Noperm-pw-1");

	/* A role whose password holds '#' (pp_comments) */
	sql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pp_hash_user') "
	    "THEN CREATE ROLE pp_hash_user LOGIN; END IF; END $$");
	/* the cluster's password_encryption is scram-sha-256 (tests/pg.sh) */
	sql("ALTER ROLE pp_hash_user PASSWORD 'pp#hash#pw'");
	sql("GRANT SELECT ON mboxes TO pp_hash_user");

	/* every password the rows below try */
	{
		static const char *const pws[] = {
			"Fwd-pw-123", "Fwd0-pw-123", "Fwd2-pw-123", "Quota-big-pw", "Quota-zero-pw",
			"Fold-pw-1", "Umlaut-pw-1", "Mixed-pw-1", "Dd-user-pw", "First-pass-1",
			"Wr0ng-first-pass", "Names-pw-1", "Long-255-pw", "Orig-pw-1", "Orig-plain-2",
			"Cust-pw-1", "Bool-pw-1", "Dup-pw-1", "Noperm-pw-1", "Zork-Stored-V4lue",
			"Inj3ction-pw",
		};

		for (size_t i = 0; i < sizeof pws / sizeof pws[0]; i++)
			add_secret(pws[i]);
	}
	free(pptool);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The tests                                                           */

/* Every scheme pptool can hash, stored in a row: right, wrong, empty. */
static void test_hashed_schemes(void **state)
{
	(void)state;
	begin_test();
	for (size_t i = 0; i < n_hashed; i++) {
		const struct hashed *h = &hashed[i];
		const struct row rows[] = {
			OK_ROW("pp", h->mbox, h->password),
			ROW("pp", h->mbox, h->wrong, PAM_AUTH_ERR, NO_ACCT),
			ROW("pp", h->mbox, "", PAM_AUTH_ERR, NO_ACCT),
		};

		RUN(rows);
	}
	note("%zu hashing schemes tried", n_hashed);
	end_test();
}

/* The seed's four stored forms of s3cr3t!, the sample rows. */
static void test_seed_forms(void **state)
{
	static const struct row rows[] = {
		OK_ROW("pp", "info@example.com", "s3cr3t!"),
		OK_ROW("pp", "plain@example.com", "s3cr3t!"),
		OK_ROW("pp", "crypt@example.com", "s3cr3t!"),
		OK_ROW("pp", "md5@example.com", "s3cr3t!"),
		ROW("pp", "info@example.com", "s3cr3t", PAM_AUTH_ERR, PAM_SUCCESS),
		ROW("pp", "plain@example.com", "s3cr3t", PAM_AUTH_ERR, PAM_SUCCESS),
		ROW("pp", "crypt@example.com", "s3cr3t", PAM_AUTH_ERR, PAM_SUCCESS),
		ROW("pp", "md5@example.com", "s3cr3t", PAM_AUTH_ERR, PAM_SUCCESS),
		/* the stored value itself is not the password */
		ROW("pp", "crypt@example.com", "{crypt}/CFF1gJfAFAqM", PAM_AUTH_ERR, NO_ACCT),
		ROW("pp", "md5@example.com", "{md5}" SEED_MD5, PAM_AUTH_ERR, NO_ACCT),
		{ .svc = "pp", .user = "quota@example.com", .pw = "s3cr3t!", .auth = PAM_SUCCESS,
		  .acct = PAM_SUCCESS, .quota = "100", ANY_PROMPTS },
	};

	(void)state;
	begin_test();
	RUN(rows);
	end_test();
}

/* Every row of the spec's result table. */
static void test_result_table(void **state)
{
	static const struct row rows[] = {
		/* unknown address */
		ROW("pp", "nobody@example.com", "s3cr3t!", PAM_USER_UNKNOWN, PAM_USER_UNKNOWN),
		ROW("pp", "nobody@pam.test", "", PAM_USER_UNKNOWN, PAM_USER_UNKNOWN),
		/* forward addresses */
		ROW("pp", "forward@example.com", "s3cr3t!", PAM_AUTH_ERR, PAM_PERM_DENIED),
		ROW("pp", "forward@example.com", "", PAM_AUTH_ERR, PAM_PERM_DENIED),
		ROW("pp", "fwdpw@pam.test", "Fwd-pw-123", PAM_AUTH_ERR, PAM_PERM_DENIED),
		/* isForward 0 is a hosted mailbox; 2, which PowerMail never
		 * writes, is a forward (fail closed), stale password or not */
		OK_ROW("pp", "fwd0@pam.test", "Fwd0-pw-123"),
		ROW("pp", "fwd2@pam.test", "Fwd2-pw-123", PAM_AUTH_ERR, PAM_PERM_DENIED),
		ROW("pp", "fwd0@pam.test", "Wr0ng-password", PAM_AUTH_ERR, PAM_SUCCESS),
		/* hosted: wrong or empty password, NULL or empty stored value */
		ROW("pp", "info@example.com", "Wr0ng-password", PAM_AUTH_ERR, PAM_SUCCESS),
		ROW("pp", "info@example.com", "", PAM_AUTH_ERR, PAM_SUCCESS),
		ROW("pp", "nopass@example.com", "", PAM_AUTH_ERR, PAM_SUCCESS),
		ROW("pp", "nopass@example.com", "Wr0ng-password", PAM_AUTH_ERR, PAM_SUCCESS),
		ROW("pp", "empty@pam.test", "", PAM_AUTH_ERR, PAM_SUCCESS),
		ROW("pp", "empty@pam.test", "Wr0ng-password", PAM_AUTH_ERR, PAM_SUCCESS),
		ROW("pp", "emptyplain@pam.test", "", PAM_AUTH_ERR, PAM_SUCCESS),
		ROW("pp", "emptyplain@pam.test", "Wr0ng-password", PAM_AUTH_ERR, PAM_SUCCESS),
		/* malformed value: a warning naming mailbox and scheme.  Unknown
		 * scheme: a warning naming the mailbox and saying so, but not the
		 * name between the braces (the seed's 1.0 plaintext case) */
		{ .svc = "pp", .user = "legacy@example.com", .pw = "{abc}def", .auth = PAM_AUTH_ERR,
		  .acct = PAM_SUCCESS, .scheme = "unknown scheme", .hidden = "{abc",
		  ANY_PROMPTS },
		{ .svc = "pp", .user = "legacy@example.com", .pw = "def", .auth = PAM_AUTH_ERR,
		  .acct = PAM_SUCCESS, .scheme = "unknown scheme", .hidden = "{abc",
		  ANY_PROMPTS },
		{ .svc = "pp", .user = "unknownscheme@pam.test", .pw = "Zork-Stored-V4lue",
		  .auth = PAM_AUTH_ERR, .acct = PAM_SUCCESS, .scheme = "unknown scheme",
		  .hidden = "zork", ANY_PROMPTS },
		{ .svc = "pp", .user = "malformed@pam.test", .pw = "s3cr3t!", .auth = PAM_AUTH_ERR,
		  .acct = PAM_SUCCESS, .scheme = "md5", ANY_PROMPTS },
		{ .svc = "pp", .user = "malcrypt@pam.test", .pw = "s3cr3t!", .auth = PAM_AUTH_ERR,
		  .acct = PAM_SUCCESS, .scheme = "crypt", ANY_PROMPTS },
		/* the same with debug logging: still no secret in the log */
		OK_ROW("pp_debug", "info@example.com", "s3cr3t!"),
		ROW("pp_debug", "info@example.com", "Wr0ng-password", PAM_AUTH_ERR, PAM_SUCCESS),
		ROW("pp_debug", "crypt@example.com", "s3cr3t", PAM_AUTH_ERR, PAM_SUCCESS),
		ROW("pp_debug", "nobody@example.com", "s3cr3t!", PAM_USER_UNKNOWN, PAM_USER_UNKNOWN),
		ROW("pp_debug", "forward@example.com", "s3cr3t!", PAM_AUTH_ERR, PAM_PERM_DENIED),
		{ .svc = "pp_debug", .user = "unknownscheme@pam.test", .pw = "Zork-Stored-V4lue",
		  .auth = PAM_AUTH_ERR, .acct = PAM_SUCCESS, .scheme = "unknown scheme",
		  .hidden = "zork", ANY_PROMPTS },
		/* no password at all: the conversation fails */
		ROW("pp", "info@example.com", NULL, PAM_AUTH_ERR, PAM_SUCCESS),
		/* one prompt for the password */
		{ .svc = "pp", .user = "info@example.com", .pw = "s3cr3t!", .auth = PAM_SUCCESS,
		  .acct = PAM_SUCCESS, .prompts = 1 },
	};

	(void)state;
	begin_test();
	RUN(rows);
	end_test();
}

/* PAM_USER, POWERMAIL_MBOX and POWERMAIL_QUOTA_MB; pam_setcred. */
static void test_environment(void **state)
{
	static const struct row rows[] = {
		{ .svc = "pp", .user = "quota@example.com", .pw = "s3cr3t!", .auth = PAM_SUCCESS,
		  .acct = PAM_SUCCESS, .quota = "100", ANY_PROMPTS },
		{ .svc = "pp", .user = "QUOTA@EXAMPLE.COM", .pw = "s3cr3t!", .auth = PAM_SUCCESS,
		  .acct = PAM_SUCCESS, .canon = "quota@example.com", .quota = "100", ANY_PROMPTS },
		{ .svc = "pp", .user = "quota-big@pam.test", .pw = "Quota-big-pw", .auth = PAM_SUCCESS,
		  .acct = PAM_SUCCESS, .quota = "2147483647", ANY_PROMPTS },
		{ .svc = "pp", .user = "quota-zero@pam.test", .pw = "Quota-zero-pw",
		  .auth = PAM_SUCCESS, .acct = PAM_SUCCESS, .quota = "0", ANY_PROMPTS },
		{ .svc = "pp", .user = "info@example.com", .pw = "s3cr3t!", .auth = PAM_SUCCESS,
		  .acct = PAM_SUCCESS, .quota = "0", ANY_PROMPTS },
	};
	const char *const users[] = { "nobody@example.com", "info@example.com" };

	(void)state;
	begin_test();
	RUN(rows);
	/* pam_setcred on its own */
	for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
		struct pam_testcase tc[] = { pam_test(PAMTEST_SETCRED, PAM_SUCCESS) };
		struct conv cs = { .password = NULL };
		enum pamtest_err perr;
		char *log;

		capture_start();
		perr = _pamtest_conv("pp", users[i], converse, &cs, tc, 1, NULL);
		log = capture_stop_text();
		check(perr == PAMTEST_ERR_OK, "pp setcred alone as %s: got %s, want PAM_SUCCESS",
		      users[i], pam_name(tc[0].op_rv));
		free(log);
	}
	end_test();
}

/* An original PowerMail table with PowerMail's own query ('%s'). */
static void test_original_table(void **state)
{
	static const struct row rows[] = {
		{ .svc = "pp_orig", .user = "orig@example.com", .pw = "Orig-pw-1", .auth = PAM_SUCCESS,
		  .acct = PAM_SUCCESS, .quota = "25", ANY_PROMPTS },
		{ .svc = "pp_orig", .user = "Orig@Example.com", .pw = "Orig-pw-1", .auth = PAM_SUCCESS,
		  .acct = PAM_SUCCESS, .canon = "orig@example.com", .quota = "25", ANY_PROMPTS },
		OK_ROW("pp_orig", "origplain@example.com", "Orig-plain-2"),
		OK_ROW("pp_orig", "origcrypt@example.com", "s3cr3t!"),
		OK_ROW("pp_orig", "origmd5@example.com", "s3cr3t!"),
		ROW("pp_orig", "orig@example.com", "Wr0ng-password", PAM_AUTH_ERR, PAM_SUCCESS),
		ROW("pp_orig", "origfwd@example.com", "s3cr3t!", PAM_AUTH_ERR, PAM_PERM_DENIED),
		ROW("pp_orig", "orignull@example.com", "", PAM_AUTH_ERR, PAM_SUCCESS),
		ROW("pp_orig", "info@example.com", "s3cr3t!", PAM_USER_UNKNOWN, PAM_USER_UNKNOWN),
		ROW("pp_orig", "origdup@example.com", "Orig-dup-1", PAM_AUTHINFO_UNAVAIL,
		    PAM_AUTHINFO_UNAVAIL),
	};

	(void)state;
	begin_test();
	RUN(rows);
	end_test();
}

/* A custom query: positional columns, isForward as text and boolean. */
static void test_custom_query(void **state)
{
	static const struct row rows[] = {
		ROW("pp_custom", "c-fwd-1@pam.test", "Cust-pw-1", PAM_AUTH_ERR, PAM_PERM_DENIED),
		ROW("pp_custom", "c-fwd-t@pam.test", "Cust-pw-1", PAM_AUTH_ERR, PAM_PERM_DENIED),
		ROW("pp_custom", "c-fwd-true@pam.test", "Cust-pw-1", PAM_AUTH_ERR, PAM_PERM_DENIED),
		{ .svc = "pp_custom", .user = "c-host-0@pam.test", .pw = "Cust-pw-1",
		  .auth = PAM_SUCCESS, .acct = PAM_SUCCESS, .quota = "7", ANY_PROMPTS },
		OK_ROW("pp_custom", "c-host-f@pam.test", "Cust-pw-1"),
		OK_ROW("pp_custom", "c-host-false@pam.test", "Cust-pw-1"),
		/* an empty isForward is none of NULL, 0, f, false: a forward */
		ROW("pp_custom", "c-host-empty@pam.test", "Cust-pw-1", PAM_AUTH_ERR, PAM_PERM_DENIED),
		OK_ROW("pp_custom", "c-host-null@pam.test", "Cust-pw-1"),
		ROW("pp_custom", "c-host-null@pam.test", "Wr0ng-password", PAM_AUTH_ERR, PAM_SUCCESS),
		ROW("pp_custom", "info@example.com", "s3cr3t!", PAM_USER_UNKNOWN, PAM_USER_UNKNOWN),
		/* a bare %s is the parameter too */
		{ .svc = "pp_custom_bare", .user = "c-host-0@pam.test", .pw = "Cust-pw-1",
		  .auth = PAM_SUCCESS, .acct = PAM_SUCCESS, .quota = "7", ANY_PROMPTS },
		ROW("pp_custom_bare", "c-fwd-t@pam.test", "Cust-pw-1", PAM_AUTH_ERR, PAM_PERM_DENIED),
		ROW("pp_custom_bare", "nobody@pam.test", "Cust-pw-1", PAM_USER_UNKNOWN,
		    PAM_USER_UNKNOWN),
		/* a boolean column */
		ROW("pp_bool", "b-fwd@pam.test", "Bool-pw-1", PAM_AUTH_ERR, PAM_PERM_DENIED),
		{ .svc = "pp_bool", .user = "b-host@pam.test", .pw = "Bool-pw-1", .auth = PAM_SUCCESS,
		  .acct = PAM_SUCCESS, .quota = "3", ANY_PROMPTS },
	};

	(void)state;
	begin_test();
	RUN(rows);
	end_test();
}

static void test_default_domain(void **state)
{
	static const struct row rows[] = {
		{ .svc = "pp_dd", .user = "info", .pw = "s3cr3t!", .auth = PAM_SUCCESS,
		  .acct = PAM_SUCCESS, .canon = "info@example.com", ANY_PROMPTS },
		{ .svc = "pp_dd", .user = "INFO", .pw = "s3cr3t!", .auth = PAM_SUCCESS,
		  .acct = PAM_SUCCESS, .canon = "info@example.com", ANY_PROMPTS },
		{ .svc = "pp_dd", .user = "quota", .pw = "s3cr3t!", .auth = PAM_SUCCESS,
		  .acct = PAM_SUCCESS, .canon = "quota@example.com", .quota = "100", ANY_PROMPTS },
		OK_ROW("pp_dd", "info@example.com", "s3cr3t!"),
		ROW("pp_dd", "info", "s3cr3t", PAM_AUTH_ERR, PAM_SUCCESS),
		ROW("pp_dd", "forward", "s3cr3t!", PAM_AUTH_ERR, PAM_PERM_DENIED),
		ROW("pp_dd", "nobody", "s3cr3t!", PAM_USER_UNKNOWN, PAM_USER_UNKNOWN),
		/* a name with '@' keeps its domain */
		ROW("pp_dd", "dd-user@example.com", "Dd-user-pw", PAM_USER_UNKNOWN, PAM_USER_UNKNOWN),
		{ .svc = "pp_dd", .user = "dd-user@pam.test", .pw = "Dd-user-pw", .auth = PAM_SUCCESS,
		  .acct = PAM_SUCCESS, .quota = "12", ANY_PROMPTS },
		/* as a module argument */
		{ .svc = "pp_dd_arg", .user = "dd-user", .pw = "Dd-user-pw", .auth = PAM_SUCCESS,
		  .acct = PAM_SUCCESS, .canon = "dd-user@pam.test", .quota = "12", ANY_PROMPTS },
		ROW("pp_dd_arg", "info", "s3cr3t!", PAM_USER_UNKNOWN, PAM_USER_UNKNOWN),
		/* no default domain: a bare name is not completed */
		ROW("pp", "info", "s3cr3t!", PAM_USER_UNKNOWN, PAM_USER_UNKNOWN),
	};

	(void)state;
	begin_test();
	RUN(rows);
	end_test();
}

static void test_case_folding(void **state)
{
	static const struct row rows[] = {
		{ .svc = "pp", .user = "User@Example.COM", .pw = "Fold-pw-1", .auth = PAM_SUCCESS,
		  .acct = PAM_SUCCESS, .canon = "user@example.com", ANY_PROMPTS },
		{ .svc = "pp", .user = "INFO@EXAMPLE.COM", .pw = "s3cr3t!", .auth = PAM_SUCCESS,
		  .acct = PAM_SUCCESS, .canon = "info@example.com", ANY_PROMPTS },
		/* only ASCII letters fold */
		{ .svc = "pp", .user = "ÜSER@EXAMPLE.COM", .pw = "Umlaut-pw-1", .auth = PAM_SUCCESS,
		  .acct = PAM_SUCCESS, .canon = "Üser@example.com", ANY_PROMPTS },
		ROW("pp", "üser@example.com", "Umlaut-pw-1", PAM_USER_UNKNOWN, PAM_USER_UNKNOWN),
		/* a stored mixed-case name cannot be reached when folding */
		ROW("pp", "MixedCase@pam.test", "Mixed-pw-1", PAM_USER_UNKNOWN, PAM_USER_UNKNOWN),
		/* lowercase = no */
		ROW("pp_nolc", "User@Example.COM", "Fold-pw-1", PAM_USER_UNKNOWN, PAM_USER_UNKNOWN),
		OK_ROW("pp_nolc", "user@example.com", "Fold-pw-1"),
		OK_ROW("pp_nolc", "MixedCase@pam.test", "Mixed-pw-1"),
		ROW("pp_nolc", "mixedcase@pam.test", "Mixed-pw-1", PAM_USER_UNKNOWN, PAM_USER_UNKNOWN),
		/* module arguments override the file */
		ROW("pp_nolc_arg", "User@Example.COM", "Fold-pw-1", PAM_USER_UNKNOWN, PAM_USER_UNKNOWN),
		OK_ROW("pp_nolc_arg", "MixedCase@pam.test", "Mixed-pw-1"),
		{ .svc = "pp_lc_arg", .user = "User@Example.COM", .pw = "Fold-pw-1",
		  .auth = PAM_SUCCESS, .acct = PAM_SUCCESS, .canon = "user@example.com", ANY_PROMPTS },
	};

	(void)state;
	begin_test();
	RUN(rows);
	end_test();
}

/* use_first_pass / try_first_pass / use_authtok with pam_set_items.so
 * putting PAM_AUTHTOK in place first. */
static void test_first_pass(void **state)
{
	static const struct row rows[] = {
		/* the stacked password is used, nobody is asked */
		{ .svc = "pp_ufp", .user = "first@pam.test", .pw = NULL, .authtok = "First-pass-1",
		  .auth = PAM_SUCCESS, .acct = NO_ACCT, .prompts = 0 },
		/* use_first_pass: a wrong stacked password fails, nobody is asked */
		{ .svc = "pp_ufp", .user = "first@pam.test", .pw = "First-pass-1",
		  .authtok = "Wr0ng-first-pass", .auth = PAM_AUTH_ERR, .acct = PAM_SUCCESS,
		  .prompts = 0 },
		{ .svc = "pp_tfp", .user = "first@pam.test", .pw = NULL, .authtok = "First-pass-1",
		  .auth = PAM_SUCCESS, .acct = NO_ACCT, .prompts = 0 },
		/* try_first_pass without a stacked password asks */
		{ .svc = "pp_tfp", .user = "first@pam.test", .pw = "First-pass-1", .authtok = NULL,
		  .auth = PAM_SUCCESS, .acct = PAM_SUCCESS, .prompts = 1 },
		{ .svc = "pp_authtok", .user = "first@pam.test", .pw = NULL, .authtok = "First-pass-1",
		  .auth = PAM_SUCCESS, .acct = NO_ACCT, .prompts = 0 },
		{ .svc = "pp_authtok", .user = "first@pam.test", .pw = "First-pass-1",
		  .authtok = "Wr0ng-first-pass", .auth = PAM_AUTH_ERR, .acct = NO_ACCT, .prompts = 0 },
		/* the stacked password of a forward address changes nothing */
		{ .svc = "pp_ufp", .user = "forward@example.com", .pw = NULL, .authtok = "s3cr3t!",
		  .auth = PAM_AUTH_ERR, .acct = PAM_PERM_DENIED, ANY_PROMPTS },
		{ .svc = "pp_ufp", .user = "nobody@pam.test", .pw = NULL, .authtok = "First-pass-1",
		  .auth = PAM_USER_UNKNOWN, .acct = PAM_USER_UNKNOWN, ANY_PROMPTS },
	};

	(void)state;
	begin_test();
	RUN(rows);
	end_test();
}

/* User names that try SQL injection: unknown, and the tables unchanged. */
static void test_injection(void **state)
{
	static const char *const names[] = {
		"x' OR '1'='1",
		"x' OR '1'='1' --",
		"x' OR 1=1; --",
		"%s",
		"%s@example.com",
		"%s%s%s%s%s%n",
		"$1",
		"$1@example.com",
		";",
		"a;b@example.com",
		"a\\b@example.com",
		"\\",
		"info@example.com\\",
		"'; drop table mboxes; --",
		"'; DROP TABLE mboxes; --@example.com",
		"info@example.com' --",
		"info@example.com'; --",
		"info@example.com' OR 'a'='a",
		/* one row of pm_orig whose password is s3cr3t!, if spliced in */
		"origcrypt@example.com' --",
		"origcrypt@example.com'; --",
		"x' OR mbox LIKE 'origcrypt%",
		/* SHA-1 of s3cr3t! in hex: a value the log may show as part of the name */
		"x' UNION SELECT 1, 0, '', '{sha1.hex}36b77494f2d8816d4b55f8af3602e7acf63584fa' --",
		"\" OR \"\"=\"",
		"inf_@example.com",
		"%@example.com",
		"info@example.com\" --",
	};
	static const char *const svcs[] = { "pp", "pp_orig", "pp_dd", "pp_custom_bare", "pp_debug" };
	long mboxes_before, orig_before, custom_before, mboxes_after, orig_after, custom_after;

	(void)state;
	begin_test();
	mboxes_before = sql_long("SELECT count(*) FROM mboxes");
	orig_before = sql_long("SELECT count(*) FROM pm_orig");
	custom_before = sql_long("SELECT count(*) FROM pp_custom");
	for (size_t s = 0; s < sizeof svcs / sizeof svcs[0]; s++)
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
			const struct row r = ROW(svcs[s], names[i], "s3cr3t!", PAM_USER_UNKNOWN,
						 PAM_USER_UNKNOWN);

			run_row(&r);
		}
	mboxes_after = sql_long("SELECT count(*) FROM mboxes");
	orig_after = sql_long("SELECT count(*) FROM pm_orig");
	custom_after = sql_long("SELECT count(*) FROM pp_custom");
	check(mboxes_before > 0 && mboxes_after == mboxes_before,
	      "mboxes had %ld rows before the injection names, %ld after", mboxes_before,
	      mboxes_after);
	check(orig_before > 0 && orig_after == orig_before,
	      "pm_orig had %ld rows before the injection names, %ld after", orig_before, orig_after);
	check(custom_before > 0 && custom_after == custom_before,
	      "pp_custom had %ld rows before the injection names, %ld after", custom_before,
	      custom_after);
	check(sql_long("SELECT count(*) FROM mboxes WHERE mbox = 'info@example.com' "
		       "AND password = '{plain}s3cr3t!'") == 1,
	      "info@example.com changed during the injection names");
	end_test();
}

/* Names refused without asking the database: they are in pp_names, yet
 * unknown.  (test_server_stopped tries them with no server at all.) */
static const char *const bad_names[] = {
	"",
	"-dash@pam.test",
	"+plus@pam.test",
	"-",
	"+",
	"tab\there@pam.test",
	"nl\nhere@pam.test",
	"cr\rhere@pam.test",
	"ctl\001x@pam.test",
	"esc\033x@pam.test",
	"del\177x@pam.test",
	"\xff\xfe@pam.test",
	"caf\xc3@pam.test",
	"\xc0\xaf@pam.test",         /* overlong '/' */
	"\xed\xa0\x80@pam.test",     /* a UTF-16 surrogate */
	"\xf4\x90\x80\x80@pam.test", /* above U+10FFFF */
	"x\x80y@pam.test",
	NULL, /* long256, filled in at run time */
};

static void test_bad_names(void **state)
{
	const char *names[sizeof bad_names / sizeof bad_names[0]];
	static const struct row ok_rows[] = {
		OK_ROW("pp_names", "normal@pam.test", "Names-pw-1"),
		/* 255 bytes is still a name */
		{ .svc = "pp", .user = long255, .pw = "Long-255-pw", .auth = PAM_SUCCESS,
		  .acct = PAM_SUCCESS, ANY_PROMPTS },
		{ .svc = "pp_names", .user = long255, .pw = "Names-pw-1", .auth = PAM_SUCCESS,
		  .acct = PAM_SUCCESS, ANY_PROMPTS },
	};

	(void)state;
	begin_test();
	memcpy(names, bad_names, sizeof names);
	names[sizeof names / sizeof names[0] - 1] = long256;
	RUN(ok_rows);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const struct row r1 = ROW("pp_names", names[i], "Names-pw-1", PAM_USER_UNKNOWN,
					  PAM_USER_UNKNOWN);
		const struct row r2 = ROW("pp", names[i], "s3cr3t!", PAM_USER_UNKNOWN,
					  PAM_USER_UNKNOWN);

		run_row(&r1);
		run_row(&r2);
	}
	end_test();
}

/* Query errors, more than one row, timeouts, connection failures. */
static void test_db_errors(void **state)
{
	static const struct row rows[] = {
		ROW("pp_dup", "dup@pam.test", "Dup-pw-1", PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL),
		ROW("pp_missing_table", "info@example.com", "s3cr3t!", PAM_AUTHINFO_UNAVAIL,
		    PAM_AUTHINFO_UNAVAIL),
		ROW("pp_noperm", "noperm@pam.test", "Noperm-pw-1", PAM_AUTHINFO_UNAVAIL,
		    PAM_AUTHINFO_UNAVAIL),
		ROW("pp_badpass", "info@example.com", "s3cr3t!", PAM_AUTHINFO_UNAVAIL,
		    PAM_AUTHINFO_UNAVAIL),
		ROW("pp_argbad", "info@example.com", "s3cr3t!", PAM_AUTHINFO_UNAVAIL,
		    PAM_AUTHINFO_UNAVAIL),
		/* query-timeout 300 ms against a 3 s query */
		{ .svc = "pp_slow", .user = "info@example.com", .pw = "s3cr3t!",
		  .auth = PAM_AUTHINFO_UNAVAIL, .acct = PAM_AUTHINFO_UNAVAIL, .max_seconds = 2.5,
		  ANY_PROMPTS },
		/* the default query-timeout (5 s) lets a 1 s query finish */
		OK_ROW("pp_slow_ok", "info@example.com", "s3cr3t!"),
	};

	(void)state;
	begin_test();
	RUN(rows);
	end_test();
}

/* Config syntax: comments, conninfo, TCP, module arguments overriding. */
static void test_config(void **state)
{
	static const struct row rows[] = {
		OK_ROW("pp_comments", "info@example.com", "s3cr3t!"),
		OK_ROW("pp_conninfo", "info@example.com", "s3cr3t!"),
		ROW("pp_conninfo", "nobody@example.com", "s3cr3t!", PAM_USER_UNKNOWN, PAM_USER_UNKNOWN),
		OK_ROW("pp_tcp", "info@example.com", "s3cr3t!"),
		OK_ROW("pp_argover", "info@example.com", "s3cr3t!"),
		OK_ROW("pp_timeouts", "info@example.com", "s3cr3t!"),
	};

	(void)state;
	begin_test();
	RUN(rows);
	end_test();
}

static void test_bad_configs(void **state)
{
	static const char *const svcs[] = {
		"bad_unknown_key", "bad_number", "bad_negative", "bad_qtimeout", "bad_port",
		"bad_bool", "bad_debug", "bad_dup", "bad_noeq", "bad_ww", "bad_ow", "bad_gw",
		"bad_missing", "bad_argpass", "bad_argkey", "bad_argnum",
	};
	static const char *const users[] = { "info@example.com", "nobody@example.com" };

	(void)state;
	begin_test();
	for (size_t i = 0; i < sizeof svcs / sizeof svcs[0]; i++)
		for (size_t j = 0; j < sizeof users / sizeof users[0]; j++) {
			const struct row r = ROW(svcs[i], users[j], "s3cr3t!", PAM_SERVICE_ERR,
						 PAM_SERVICE_ERR);

			run_row(&r);
		}
	end_test();
}

/* The server stopped: AUTHINFO_UNAVAIL; names that are refused without
 * asking the database stay USER_UNKNOWN; bad configs stay SERVICE_ERR. */
static void test_server_stopped(void **state)
{
	static const struct row rows[] = {
		{ .svc = "pp", .user = "info@example.com", .pw = "s3cr3t!",
		  .auth = PAM_AUTHINFO_UNAVAIL, .acct = PAM_AUTHINFO_UNAVAIL, .max_seconds = 10,
		  ANY_PROMPTS },
		ROW("pp", "nobody@example.com", "s3cr3t!", PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL),
		ROW("pp", "forward@example.com", "s3cr3t!", PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL),
		ROW("pp_tcp", "info@example.com", "s3cr3t!", PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL),
		ROW("pp_orig", "orig@example.com", "Orig-pw-1", PAM_AUTHINFO_UNAVAIL,
		    PAM_AUTHINFO_UNAVAIL),
		ROW("pp_dd", "info", "s3cr3t!", PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL),
		ROW("pp_debug", "info@example.com", "s3cr3t!", PAM_AUTHINFO_UNAVAIL,
		    PAM_AUTHINFO_UNAVAIL),
		ROW("bad_unknown_key", "info@example.com", "s3cr3t!", PAM_SERVICE_ERR, PAM_SERVICE_ERR),
	};
	static const struct row after[] = {
		OK_ROW("pp", "info@example.com", "s3cr3t!"),
	};
	char *stop = xasprintf("%s stop >/dev/null", env("PP_PGCTL"));
	char *start = xasprintf("%s start >/dev/null", env("PP_PGCTL"));
	const char *names[sizeof bad_names / sizeof bad_names[0]];

	(void)state;
	begin_test();
	memcpy(names, bad_names, sizeof names);
	names[sizeof names / sizeof names[0] - 1] = long256;
	if (!check(getenv("PP_PGCTL") != NULL && system(stop) == 0, "could not stop the server (%s)",
		   stop)) {
		free(stop);
		free(start);
		end_test();
		return;
	}
	RUN(rows);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const struct row r = ROW("pp", names[i], "s3cr3t!", PAM_USER_UNKNOWN, PAM_USER_UNKNOWN);

		run_row(&r);
	}
	/* restart whatever happened above (no assertion aborts before this) */
	check(system(start) == 0, "could not restart the server (%s)", start);
	reconnect_super();
	RUN(after);
	free(stop);
	free(start);
	end_test();
}

/* pam_wrapper must show the module's syslog lines at all, or the log
 * checks above prove nothing. */
static void test_log_is_captured(void **state)
{
	const struct row r = ROW("pp", "nobody-logcheck@example.com", "s3cr3t!", PAM_USER_UNKNOWN,
				 NO_ACCT);
	struct pam_testcase tc[] = { pam_test(PAMTEST_AUTHENTICATE, PAM_USER_UNKNOWN) };
	struct conv cs = { .password = "s3cr3t!" };
	unsigned nlines;
	char *log, *lines;

	(void)state;
	begin_test();
	capture_start();
	_pamtest_conv(r.svc, r.user, converse, &cs, tc, 1, NULL);
	log = capture_stop_text();
	lines = syslog_lines(log, &nlines);
	check(strstr(lines, "nobody-logcheck@example.com") != NULL,
	      "pam_wrapper showed no syslog line naming the mailbox (%u lines captured)", nlines);
	if (nlines == 0)
		dump_log(log);
	free(lines);
	free(log);
	end_test();
}

static int report(void **state)
{
	(void)state;
	note("test_pam: %u checks, %u mismatches", n_checks, n_mismatch);
	return 0;
}

/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_is_captured),
		cmocka_unit_test(test_hashed_schemes),
		cmocka_unit_test(test_seed_forms),
		cmocka_unit_test(test_result_table),
		cmocka_unit_test(test_environment),
		cmocka_unit_test(test_original_table),
		cmocka_unit_test(test_custom_query),
		cmocka_unit_test(test_default_domain),
		cmocka_unit_test(test_case_folding),
		cmocka_unit_test(test_first_pass),
		cmocka_unit_test(test_injection),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_db_errors),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_server_stopped),
	};

	(void)argc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	return PAM_TEST_RUN(argv, write_services, "pam-stderr.log", tests, setup_db, report);
}
