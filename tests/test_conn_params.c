/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lib/conn_params.c: the connection string built from the configuration
 * alone.  Every parameter libpq would take from a PG* variable gets a
 * value; the configuration (keys, then postgresql-conninfo) wins over that
 * string and over the environment; values are quoted as libpq reads them;
 * a setting that does not fit its buffer is an error, never a cut or an
 * overrun; a setuid or setgid process with a PG* variable is refused.
 *
 * The file is compiled into this test, so that its static helpers
 * (append_setting, base_string) are tested directly, and the passwd entry,
 * the auxiliary vector and the process's ids are this test's: macros
 * rename those calls to the fakes below.  Whole logins with the real
 * environment are t_environment.sh's and test_setuid.c's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

static const char *fake_home;          /* NULL: no passwd entry */
static unsigned long fake_secure;      /* AT_SECURE */
static uid_t fake_uid, fake_euid;
static gid_t fake_gid, fake_egid;

static int fake_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t size,
			   struct passwd **found)
{
	(void)uid;
	*found = NULL;
	if (fake_home == NULL)
		return ENOENT;
	if (strlen(fake_home) + 1 > size)
		return ERANGE;
	memset(pw, 0, sizeof *pw);
	memcpy(buf, fake_home, strlen(fake_home) + 1);
	pw->pw_dir = buf;
	*found = pw;
	return 0;
}

static unsigned long fake_getauxval(unsigned long type)
{
	return type == AT_SECURE ? fake_secure : 0;
}

static uid_t fake_getuid(void)
{
	return fake_uid;
}

static uid_t fake_geteuid(void)
{
	return fake_euid;
}

static gid_t fake_getgid(void)
{
	return fake_gid;
}

static gid_t fake_getegid(void)
{
	return fake_egid;
}

#define getpwuid_r fake_getpwuid_r
#define getauxval fake_getauxval
#define getuid fake_getuid
#define geteuid fake_geteuid
#define getgid fake_getgid
#define getegid fake_getegid
#include "conn_params.c"
#undef getpwuid_r
#undef getauxval
#undef getuid
#undef geteuid
#undef getgid
#undef getegid

#include "config.h"

#define HOME "/home/pp-test"

static int setup(void **state)
{
	(void)state;
	fake_home = HOME;
	fake_secure = 0;
	fake_uid = fake_euid = 1000;
	fake_gid = fake_egid = 1000;
	return 0;
}

/* A configuration with every connection key set; free with pp_config_free. */
static void full_config(struct pp_config *cfg)
{
	pp_config_init(cfg);
	cfg->host = strdup("/nonexistent/pp-socket");
	cfg->port = strdup("5499");
	cfg->user = strdup("cfg_user");
	cfg->password = strdup("Cfg-db-pw-31");
	cfg->database = strdup("cfg_db");
	cfg->connect_timeout = 7;
}

/* The value parsed text gives keyword (NULL: not set). */
static const char *parsed(const PQconninfoOption *opts, const char *keyword)
{
	for (const PQconninfoOption *o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, keyword) == 0)
			return o->val;
	fail_msg("libpq has no option %s", keyword);
	return NULL;
}

/* The first entry is a connection string that gives every parameter with
 * a PG* variable a value (PGSERVICE aside: an empty one cannot be given),
 * ours and the home files as documented. */
static void test_base_sets_every_variable(void **state)
{
	struct pp_config cfg;
	struct pp_conn_params p;
	const char *why = NULL;
	char *err = NULL;

	(void)state;
	full_config(&cfg);
	assert_int_equal(pp_conn_params_make(&cfg, PP_CONN_READ, &p, &why), 0);
	assert_string_equal(p.keywords[0], "dbname");
	assert_ptr_equal(p.values[0], p.base);
	PQconninfoOption *base = PQconninfoParse(p.base, &err);
	PQconninfoOption *defaults = PQconndefaults();

	assert_non_null(base);
	assert_non_null(defaults);
	for (const PQconninfoOption *o = defaults; o->keyword != NULL; o++) {
		if (o->envvar == NULL || strcmp(o->keyword, "service") == 0)
			continue;
		if (parsed(base, o->keyword) == NULL)
			fail_msg("%s (%s) has no value in the base string", o->keyword, o->envvar);
	}
	assert_string_equal(parsed(base, "application_name"), "pam_powermail");
	assert_string_equal(parsed(base, "client_encoding"), "UTF8");
	assert_string_equal(parsed(base, "gssencmode"), "disable");
	assert_string_equal(parsed(base, "connect_timeout"), "7");
	assert_string_equal(parsed(base, "hostaddr"), "");
	assert_string_equal(parsed(base, "options"), "");
	assert_string_equal(parsed(base, "passfile"), HOME "/.pgpass");
	assert_string_equal(parsed(base, "sslcert"), HOME "/.postgresql/postgresql.crt");
	assert_string_equal(parsed(base, "sslkey"), HOME "/.postgresql/postgresql.key");
	assert_string_equal(parsed(base, "sslrootcert"), HOME "/.postgresql/root.crt");
	/* The database password is never in the string, only after it. */
	assert_null(strstr(p.base, cfg.password));
	PQconninfoFree(base);
	PQconninfoFree(defaults);
	pp_conn_params_free(&p);
	pp_config_free(&cfg);
}

/* No passwd entry, or a home that is not absolute: files under
 * /nonexistent, never under $HOME. */
static void test_home_without_passwd_entry(void **state)
{
	static const char *const homes[] = { NULL, "", "relative/home" };

	(void)state;
	setenv("HOME", "/tmp/pp-evil-home", 1);
	for (size_t i = 0; i < sizeof homes / sizeof homes[0]; i++) {
		struct pp_config cfg;
		struct pp_conn_params p;
		const char *why;
		char *err = NULL;

		fake_home = homes[i];
		pp_config_init(&cfg);
		assert_int_equal(pp_conn_params_make(&cfg, PP_CONN_READ, &p, &why), 0);
		PQconninfoOption *base = PQconninfoParse(p.base, &err);

		assert_non_null(base);
		assert_string_equal(parsed(base, "passfile"), "/nonexistent/.pgpass");
		assert_null(strstr(p.base, "pp-evil-home"));
		PQconninfoFree(base);
		pp_conn_params_free(&p);
		pp_config_free(&cfg);
	}
	unsetenv("HOME");
}

/* The keyword arrays as libpq reads them, with every PG* variable set to
 * something else: the effective options (PQconninfo of a connection that
 * is started and left) are the configuration's, or the base string's,
 * never a variable's. */
static PGconn *start(const struct pp_conn_params *p)
{
	PGconn *conn = PQconnectStartParams(p->keywords, p->values, 1);

	assert_non_null(conn);
	return conn;
}

static const char *effective(PGconn *conn, PQconninfoOption **opts, const char *keyword)
{
	if (*opts == NULL)
		*opts = PQconninfo(conn);
	assert_non_null(*opts);
	return parsed(*opts, keyword);
}

/* Set every PG* variable libpq knows (PGSERVICE aside: see the file's
 * comment) to "pp-env-<n>"; unset them again with clear_env. */
static void set_env(void)
{
	PQconninfoOption *defaults = PQconndefaults();
	int n = 0;

	assert_non_null(defaults);
	for (const PQconninfoOption *o = defaults; o->keyword != NULL; o++) {
		char value[32];

		if (o->envvar == NULL || strcmp(o->keyword, "service") == 0)
			continue;
		snprintf(value, sizeof value, "pp-env-%d", n++);
		setenv(o->envvar, value, 1);
	}
	PQconninfoFree(defaults);
}

static void clear_env(void)
{
	PQconninfoOption *defaults = PQconndefaults();

	for (const PQconninfoOption *o = defaults; o != NULL && o->keyword != NULL; o++)
		if (o->envvar != NULL)
			unsetenv(o->envvar);
	PQconninfoFree(defaults);
}

static void no_variable_used(PQconninfoOption *opts)
{
	for (const PQconninfoOption *o = opts; o->keyword != NULL; o++)
		if (o->val != NULL && strncmp(o->val, "pp-env-", 7) == 0)
			fail_msg("%s came from %s", o->keyword, o->envvar ? o->envvar : "?");
}

static void test_config_wins(void **state)
{
	struct pp_config cfg;
	struct pp_conn_params p;
	PQconninfoOption *opts = NULL;
	const char *why;

	(void)state;
	full_config(&cfg);
	cfg.sslrootcert = strdup("/etc/pp-test/root.crt");
	assert_int_equal(pp_conn_params_make(&cfg, PP_CONN_READ, &p, &why), 0);
	set_env();
	PGconn *conn = start(&p);

	clear_env();
	no_variable_used(opts = PQconninfo(conn));
	assert_string_equal(effective(conn, &opts, "host"), "/nonexistent/pp-socket");
	assert_string_equal(effective(conn, &opts, "hostaddr"), "");
	assert_string_equal(effective(conn, &opts, "port"), "5499");
	assert_string_equal(effective(conn, &opts, "user"), "cfg_user");
	assert_string_equal(effective(conn, &opts, "password"), "Cfg-db-pw-31");
	assert_string_equal(effective(conn, &opts, "dbname"), "cfg_db");
	assert_string_equal(effective(conn, &opts, "sslmode"), "disable");
	assert_string_equal(effective(conn, &opts, "sslrootcert"), "/etc/pp-test/root.crt");
	assert_string_equal(effective(conn, &opts, "sslkey"), HOME "/.postgresql/postgresql.key");
	assert_string_equal(effective(conn, &opts, "options"), "");
	assert_string_equal(effective(conn, &opts, "application_name"), "pam_powermail");
	assert_string_equal(effective(conn, &opts, "connect_timeout"), "7");
	assert_false(p.tcp);
	assert_true(pp_conn_params_quotes_secret(&p, "text with Cfg-db-pw-31 in it"));
	assert_false(pp_conn_params_quotes_secret(&p, "text without it"));
	PQconninfoFree(opts);
	PQfinish(conn);
	pp_conn_params_free(&p);
	pp_config_free(&cfg);
}

/* With nothing configured: libpq's defaults and ours, still no variable;
 * the database is powermail. */
static void test_defaults_win_over_environment(void **state)
{
	struct pp_config cfg;
	struct pp_conn_params p;
	PQconninfoOption *opts = NULL;
	const char *why;

	(void)state;
	pp_config_init(&cfg);
	assert_int_equal(pp_conn_params_make(&cfg, PP_CONN_READ, &p, &why), 0);
	set_env();
	PGconn *conn = start(&p);

	clear_env();
	no_variable_used(opts = PQconninfo(conn));
	assert_string_equal(effective(conn, &opts, "dbname"), "powermail");
	assert_string_equal(effective(conn, &opts, "password"), "");
	PQconninfoFree(opts);
	PQfinish(conn);
	pp_conn_params_free(&p);
	pp_config_free(&cfg);
}

/* postgresql-conninfo wins over the keys and over our defaults; its
 * password and the whole string are secrets. */
static void test_conninfo_wins(void **state)
{
	struct pp_config cfg;
	struct pp_conn_params p;
	PQconninfoOption *opts = NULL;
	const char *why;

	(void)state;
	full_config(&cfg);
	cfg.sslmode = strdup("require");
	cfg.conninfo = strdup("host=/nonexistent/ci port=6543 user=ci_user password='ci pw\\'x' "
			      "dbname=ci_db sslmode=disable application_name=ci_app");
	assert_int_equal(pp_conn_params_make(&cfg, PP_CONN_READ, &p, &why), 0);
	set_env();
	PGconn *conn = start(&p);

	clear_env();
	no_variable_used(opts = PQconninfo(conn));
	assert_string_equal(effective(conn, &opts, "host"), "/nonexistent/ci");
	assert_string_equal(effective(conn, &opts, "port"), "6543");
	assert_string_equal(effective(conn, &opts, "user"), "ci_user");
	assert_string_equal(effective(conn, &opts, "password"), "ci pw'x");
	assert_string_equal(effective(conn, &opts, "dbname"), "ci_db");
	assert_string_equal(effective(conn, &opts, "sslmode"), "disable");
	assert_string_equal(effective(conn, &opts, "application_name"), "ci_app");
	assert_string_equal(p.sslmode, "disable");
	assert_true(pp_conn_params_quotes_secret(&p, "... ci pw'x ..."));
	assert_true(pp_conn_params_quotes_secret(&p, cfg.conninfo));
	assert_true(pp_conn_params_quotes_secret(&p, "Cfg-db-pw-31"));
	PQconninfoFree(opts);
	PQfinish(conn);
	pp_conn_params_free(&p);
	pp_config_free(&cfg);

	/* A string libpq cannot parse: an error in our words, nothing to free. */
	pp_config_init(&cfg);
	cfg.conninfo = strdup("host='unbalanced password=Bad-ci-pw");
	why = NULL;
	assert_int_equal(pp_conn_params_make(&cfg, PP_CONN_READ, &p, &why), -1);
	assert_non_null(why);
	assert_null(strstr(why, "Bad-ci-pw"));
	pp_config_free(&cfg);
}

/* Reads and writes apart: the read connection asks for postgresql-reads'
 * kind of server, the write connection for one that accepts writes, and
 * the connection string may not choose as well; unsplit, neither is set. */
static void test_reads_and_writes(void **state)
{
	struct pp_config cfg;
	struct pp_conn_params p;
	PQconninfoOption *opts = NULL;
	const char *why = NULL;
	PGconn *conn;

	(void)state;
	full_config(&cfg);
	assert_int_equal(pp_conn_params_make(&cfg, PP_CONN_WRITE, &p, &why), 0);
	conn = start(&p);
	assert_string_equal(effective(conn, &opts, "target_session_attrs"), "any");
	PQconninfoFree(opts), opts = NULL;
	PQfinish(conn);
	pp_conn_params_free(&p);

	cfg.reads = PP_READS_PREFER_STANDBY;
	assert_int_equal(pp_conn_params_make(&cfg, PP_CONN_READ, &p, &why), 0);
	conn = start(&p);
	assert_string_equal(effective(conn, &opts, "target_session_attrs"), "prefer-standby");
	assert_string_equal(effective(conn, &opts, "host"), "/nonexistent/pp-socket");
	PQconninfoFree(opts), opts = NULL;
	PQfinish(conn);
	pp_conn_params_free(&p);
	assert_int_equal(pp_conn_params_make(&cfg, PP_CONN_WRITE, &p, &why), 0);
	conn = start(&p);
	assert_string_equal(effective(conn, &opts, "target_session_attrs"), "read-write");
	PQconninfoFree(opts), opts = NULL;
	PQfinish(conn);
	pp_conn_params_free(&p);

	/* Two places choosing the server: refused, in words naming both. */
	cfg.conninfo = strdup("host=/nonexistent/a target_session_attrs=any");
	assert_int_equal(pp_conn_params_make(&cfg, PP_CONN_READ, &p, &why), -1);
	assert_non_null(strstr(why, "postgresql-reads"));
	assert_int_equal(pp_conn_params_make(&cfg, PP_CONN_WRITE, &p, &why), -1);
	/* ... but not when the keys are unset: as before them. */
	cfg.reads = PP_READS_ANY;
	assert_int_equal(pp_conn_params_make(&cfg, PP_CONN_READ, &p, &why), 0);
	pp_conn_params_free(&p);
	pp_config_free(&cfg);
}

/* postgresql-load-balance on the read connection: libpq's
 * load_balance_hosts where it has one, else the lists shuffled together,
 * each host with its own port, and every host first now and then; the
 * write connection keeps the written order. */
static void test_load_balance(void **state)
{
	static const char *const hosts[] = { "/nonexistent/a", "/nonexistent/b", "/nonexistent/c" };
	static const char *const ports[] = { "5401", "5402", "5403" };
	bool libpq16 = libpq_knows("load_balance_hosts");
	unsigned first[3] = { 0 };
	struct pp_config cfg;
	const char *why = NULL;

	(void)state;
	pp_config_init(&cfg);
	cfg.load_balance = true;
	cfg.conninfo = strdup("host=/nonexistent/a,/nonexistent/b,/nonexistent/c "
			      "port=5401,5402,5403 dbname=pm");
	for (int round = 0; round < 200; round++) {
		struct pp_conn_params p;
		PQconninfoOption *opts = NULL;
		char host_list[128], port_list[64];

		assert_int_equal(pp_conn_params_make(&cfg, PP_CONN_READ, &p, &why), 0);
		PGconn *conn = start(&p);

		snprintf(host_list, sizeof host_list, "%s", effective(conn, &opts, "host"));
		snprintf(port_list, sizeof port_list, "%s", effective(conn, &opts, "port"));
		if (libpq16) {
			assert_string_equal(effective(conn, &opts, "load_balance_hosts"), "random");
			assert_string_equal(host_list, "/nonexistent/a,/nonexistent/b,/nonexistent/c");
			round = 200;
		}
		for (size_t i = 0; i < 3; i++) {
			char *h = strstr(host_list, hosts[i]);
			size_t at = 0;

			assert_non_null(h);
			for (const char *c = host_list; c < h; c++)
				at += *c == ',';
			/* the i-th port sits where its host went */
			char *port = port_list;
			for (size_t k = 0; k < at; k++)
				port = strchr(port, ',') + 1;
			assert_int_equal(strncmp(port, ports[i], 4), 0);
			first[i] += at == 0;
		}
		PQconninfoFree(opts);
		PQfinish(conn);
		pp_conn_params_free(&p);
	}
	if (!libpq16)
		for (size_t i = 0; i < 3; i++)
			if (first[i] < 20)
				fail_msg("%s came first %u times in 200", hosts[i], first[i]);

	/* Writes: the order written, no load balancing. */
	struct pp_conn_params p;
	PQconninfoOption *opts = NULL;

	assert_int_equal(pp_conn_params_make(&cfg, PP_CONN_WRITE, &p, &why), 0);
	PGconn *conn = start(&p);

	assert_string_equal(effective(conn, &opts, "host"),
			    "/nonexistent/a,/nonexistent/b,/nonexistent/c");
	assert_string_equal(effective(conn, &opts, "target_session_attrs"), "read-write");
	if (libpq16)
		assert_string_equal(effective(conn, &opts, "load_balance_hosts"), "disable");
	PQconninfoFree(opts);
	PQfinish(conn);
	pp_conn_params_free(&p);
	pp_config_free(&cfg);
}

/* lib/host_order.c on its own (libpq 16 never needs it): parallel lists
 * stay parallel, a single port stays, one host is left alone. */
static void test_host_order(void **state)
{
	struct pp_host_order o;

	(void)state;
	assert_int_equal(pp_host_order_shuffle("x,y", "10.0.0.1,10.0.0.2", "1,2", &o), 0);
	assert_true(strcmp(o.host, "x,y") == 0 || strcmp(o.host, "y,x") == 0);
	assert_string_equal(o.hostaddr, o.host[0] == 'x' ? "10.0.0.1,10.0.0.2" : "10.0.0.2,10.0.0.1");
	assert_string_equal(o.port, o.host[0] == 'x' ? "1,2" : "2,1");
	pp_host_order_free(&o);
	assert_int_equal(pp_host_order_shuffle("x,y,,z", NULL, "5432", &o), 0);
	assert_int_equal(strlen(o.host), strlen("x,y,,z"));
	assert_null(o.hostaddr);
	assert_null(o.port); /* one port for every host: as written */
	pp_host_order_free(&o);
	assert_int_equal(pp_host_order_shuffle("x", NULL, "1", &o), 0);
	assert_null(o.host);
	assert_int_equal(pp_host_order_shuffle(NULL, NULL, NULL, &o), 0);
	assert_null(o.host);
}

/* sslmode: verify-full over TCP unless written, disable on a socket. */
static void test_sslmode(void **state)
{
	static const struct {
		const char *host, *conninfo, *sslmode;
		bool tcp;
		const char *want;
	} rows[] = {
		{ NULL, NULL, NULL, false, "disable" },
		{ "/run/postgresql", NULL, NULL, false, "disable" },
		{ "@abstract", NULL, NULL, false, "disable" },
		{ "db.example.org", NULL, NULL, true, "verify-full" },
		{ "127.0.0.1", NULL, NULL, true, "verify-full" },
		{ "/run/postgresql,db.example.org", NULL, NULL, true, "verify-full" },
		{ "/run/postgresql,", NULL, NULL, false, "disable" },
		{ "db.example.org", NULL, "require", true, "require" },
		{ "/run/postgresql", "hostaddr=127.0.0.1", NULL, true, "verify-full" },
		{ "db.example.org", "host=/run/postgresql", NULL, false, "disable" },
		{ NULL, "host=db.example.org sslmode=verify-ca", "require", true, "verify-ca" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct pp_config cfg;
		struct pp_conn_params p;
		const char *why;

		pp_config_init(&cfg);
		cfg.host = rows[i].host ? strdup(rows[i].host) : NULL;
		cfg.conninfo = rows[i].conninfo ? strdup(rows[i].conninfo) : NULL;
		cfg.sslmode = rows[i].sslmode ? strdup(rows[i].sslmode) : NULL;
		assert_int_equal(pp_conn_params_make(&cfg, PP_CONN_READ, &p, &why), 0);
		if (p.tcp != rows[i].tcp || strcmp(p.sslmode, rows[i].want) != 0)
			fail_msg("row %zu: tcp %d sslmode %s, want %d %s", i, p.tcp, p.sslmode,
				 rows[i].tcp, rows[i].want);
		/* The last keyword is the sslmode in use. */
		size_t n = 0;

		while (p.keywords[n] != NULL)
			n++;
		assert_string_equal(p.keywords[n - 1], "sslmode");
		assert_string_equal(p.values[n - 1], rows[i].want);
		pp_conn_params_free(&p);
		pp_config_free(&cfg);
	}
}

/* Values as libpq reads them back: quotes, backslashes, spaces, '=',
 * nothing at all. */
static const char *const awkward[] = {
	"", "plain", "a b", "o'brien", "back\\slash", "\\'", "trailing\\", "'", "''", "= x",
	"  ", "a'b\\c d=e", "/home/x y/.pgpass",
};

static void test_quoting(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof awkward / sizeof awkward[0]; i++) {
		char buf[256], *err = NULL;
		PQconninfoOption *opts;

		assert_non_null(append_setting(buf, buf + sizeof buf, "application_name", awkward[i]));
		opts = PQconninfoParse(buf, &err);
		if (opts == NULL)
			fail_msg("row %zu: libpq cannot read [%s]: %s", i, buf, err ? err : "");
		assert_string_equal(parsed(opts, "application_name"), awkward[i]);
		PQconninfoFree(opts);
	}
}

/* A home with quotes, backslashes and spaces in the passwd entry: the file
 * names in the base string are still read back whole. */
static void test_awkward_home(void **state)
{
	static const char *const homes[] = { "/home/o'brien x", "/home/back\\slash", "/h/'",
					     "/h/ \\' " };

	(void)state;
	for (size_t i = 0; i < sizeof homes / sizeof homes[0]; i++) {
		struct pp_config cfg;
		struct pp_conn_params p;
		const char *why;
		char want[256], *err = NULL;

		fake_home = homes[i];
		pp_config_init(&cfg);
		assert_int_equal(pp_conn_params_make(&cfg, PP_CONN_READ, &p, &why), 0);
		PQconninfoOption *base = PQconninfoParse(p.base, &err);

		assert_non_null(base);
		snprintf(want, sizeof want, "%s/.pgpass", homes[i]);
		assert_string_equal(parsed(base, "passfile"), want);
		snprintf(want, sizeof want, "%s/.postgresql/root.crt", homes[i]);
		assert_string_equal(parsed(base, "sslrootcert"), want);
		PQconninfoFree(base);
		pp_conn_params_free(&p);
		pp_config_free(&cfg);
	}
}

/* A home longer than the buffer it is copied to is not cut (a cut path
 * names another directory): no file of it is named at all. */
static void test_home_too_long(void **state)
{
	static char home[6000];
	struct pp_config cfg;
	struct pp_conn_params p;
	const char *why;
	char *err = NULL;

	(void)state;
	home[0] = '/';
	memset(home + 1, 'h', sizeof home - 2);
	fake_home = home;
	pp_config_init(&cfg);
	assert_int_equal(pp_conn_params_make(&cfg, PP_CONN_READ, &p, &why), 0);
	PQconninfoOption *base = PQconninfoParse(p.base, &err);

	assert_non_null(base);
	assert_string_equal(parsed(base, "passfile"), "/nonexistent/.pgpass");
	PQconninfoFree(base);
	pp_conn_params_free(&p);
	pp_config_free(&cfg);
}

/* Every buffer size below what a setting needs: NULL, and not a byte
 * written past the end.  From what it needs (the check before each
 * character keeps room for an escape, so a byte more at most) it is
 * written whole. */
static void test_bounded_write(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof awkward / sizeof awkward[0]; i++) {
		char whole[256], buf[256 + 16];
		char *end = append_setting(whole, whole + sizeof whole, "application_name", awkward[i]);

		assert_non_null(end);
		size_t need = (size_t)(end - whole) + 1;

		for (size_t size = 0; size <= need + 2; size++) {
			memset(buf, 0x5a, sizeof buf);
			char *got = append_setting(buf, buf + size, "application_name", awkward[i]);

			for (size_t k = size; k < sizeof buf; k++)
				if ((unsigned char)buf[k] != 0x5a)
					fail_msg("row %zu, size %zu of %zu: byte %zu written", i, size,
						 need, k);
			if (size < need && got != NULL)
				fail_msg("row %zu, size %zu of %zu: fits?", i, size, need);
			if (size > need && got == NULL)
				fail_msg("row %zu, size %zu of %zu: does not fit", i, size, need);
			if (got != NULL) {
				assert_ptr_equal(got, buf + need - 1);
				assert_string_equal(buf, whole);
			}
		}
	}
}

/* setuid or setgid (AT_SECURE, or real and effective ids differ) with a
 * PG* variable: refused, the variables named; never without a variable,
 * never when not privileged; and a buffer too small for the names still
 * refuses. */
static void test_setuid_refusal(void **state)
{
	static const struct {
		unsigned long secure;
		uid_t uid, euid;
		gid_t gid, egid;
		const char *const vars[3];
		bool want;
	} rows[] = {
		{ 0, 1000, 1000, 1000, 1000, { "PGHOST=x", NULL }, false },
		{ 1, 1000, 1000, 1000, 1000, { "PGHOST=x", NULL }, true },
		{ 0, 1000, 0, 1000, 1000, { "PGHOSTADDR=1", NULL }, true },
		{ 0, 1000, 1000, 1000, 0, { "PGSERVICE=evil", NULL }, true },
		{ 0, 0, 1000, 1000, 1000, { "PGTZ=UTC", NULL }, true },
		{ 1, 1000, 0, 1000, 0, { NULL }, false },
		{ 1, 1000, 0, 1000, 0, { "PGX=", "PGPORT=1", NULL }, true },
		{ 1, 1000, 0, 1000, 0, { "PATH=/bin", "XPG=1", NULL }, false },
	};
	char **saved = environ;

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *env[4] = { NULL };
		char names[256];

		for (size_t k = 0; rows[i].vars[k] != NULL; k++)
			env[k] = (char *)rows[i].vars[k];
		fake_secure = rows[i].secure;
		fake_uid = rows[i].uid;
		fake_euid = rows[i].euid;
		fake_gid = rows[i].gid;
		fake_egid = rows[i].egid;
		environ = env;
		bool got = pp_conn_env_untrusted(names, sizeof names);

		environ = saved;
		if (got != rows[i].want)
			fail_msg("row %zu: %s", i, got ? "refused" : "not refused");
		if (got && (strstr(names, "PG") != names || strchr(names, '=') != NULL))
			fail_msg("row %zu: names [%s]", i, names);
	}
	/* Two variables, both named; then buffers too small for them. */
	char *env[] = { "PGHOST=x", "LANG=C", "PGPASSWORD=y", NULL };
	char names[64 + 8];

	fake_secure = 1;
	environ = env;
	bool two = pp_conn_env_untrusted(names, 64);

	environ = saved;
	assert_true(two);
	assert_string_equal(names, "PGHOST, PGPASSWORD");
	for (size_t size = 1; size < 24; size++) {
		memset(names, 0x5a, sizeof names);
		environ = env;
		bool got = pp_conn_env_untrusted(names, size);

		environ = saved;
		if (!got)
			fail_msg("a %zu-byte buffer: not refused", size);
		for (size_t k = size; k < sizeof names; k++)
			if ((unsigned char)names[k] != 0x5a)
				fail_msg("a %zu-byte buffer: byte %zu written", size, k);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_base_sets_every_variable, setup),
		cmocka_unit_test_setup(test_home_without_passwd_entry, setup),
		cmocka_unit_test_setup(test_config_wins, setup),
		cmocka_unit_test_setup(test_defaults_win_over_environment, setup),
		cmocka_unit_test_setup(test_conninfo_wins, setup),
		cmocka_unit_test_setup(test_reads_and_writes, setup),
		cmocka_unit_test_setup(test_load_balance, setup),
		cmocka_unit_test_setup(test_host_order, setup),
		cmocka_unit_test_setup(test_sslmode, setup),
		cmocka_unit_test_setup(test_quoting, setup),
		cmocka_unit_test_setup(test_awkward_home, setup),
		cmocka_unit_test_setup(test_home_too_long, setup),
		cmocka_unit_test_setup(test_bounded_write, setup),
		cmocka_unit_test_setup(test_setuid_refusal, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
