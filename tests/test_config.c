/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configuration: every key changed from its default and read back; every
 * way to be wrong refused with a message naming key and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

static char path[4096];

/* Write len bytes of text to a fresh file in $PP_TMP (or /tmp) with the
 * given mode. */
static const char *write_config_n(const char *text, size_t len, mode_t mode)
{
	const char *dir = getenv("PP_TMP") ? getenv("PP_TMP") : "/tmp";
	static int serial;
	int fd;

	snprintf(path, sizeof path, "%s/pp-config-%d-%d.conf", dir, (int)getpid(), serial++);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static const char *write_config(const char *text, mode_t mode)
{
	return write_config_n(text, strlen(text), mode);
}

static void test_defaults(void **state)
{
	struct pp_config cfg;

	(void)state;
	pp_config_init(&cfg);
	assert_int_equal(cfg.connect_timeout, 5);
	assert_int_equal(cfg.query_timeout, 5000);
	assert_true(cfg.lowercase);
	assert_false(cfg.debug);
	assert_true(cfg.persistent);
	assert_false(cfg.equalize_timing);
	assert_null(cfg.query);
	assert_null(cfg.default_domain);
	assert_null(cfg.sslmode); /* lib/conn_params.c: verify-full over TCP */
	assert_null(cfg.passfile);
	assert_int_equal(cfg.reads, PP_READS_ANY);
	assert_false(cfg.load_balance);
	assert_int_equal(cfg.standby_max_lag, 5);
	assert_false(pp_config_split(&cfg)); /* one connection, as before these keys */
	pp_config_free(&cfg);
}

/* Reads and writes go apart whenever a lookup may land on a standby. */
static void test_split(void **state)
{
	static const struct {
		enum pp_reads reads;
		bool load_balance, split;
	} cases[] = {
		{ PP_READS_ANY, false, false },           { PP_READS_ANY, true, true },
		{ PP_READS_PRIMARY, false, true },        { PP_READS_PREFER_STANDBY, false, true },
		{ PP_READS_STANDBY, false, true },        { PP_READS_STANDBY, true, true },
	};
	struct pp_config cfg;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		pp_config_init(&cfg);
		cfg.reads = cases[i].reads;
		cfg.load_balance = cases[i].load_balance;
		assert_int_equal(pp_config_split(&cfg), cases[i].split);
		pp_config_free(&cfg);
	}
	assert_string_equal(pp_reads_name(PP_READS_PREFER_STANDBY), "prefer-standby");
}

static void test_every_key(void **state)
{
	struct pp_config cfg;
	char err[512] = "";
	const char *p = write_config(
		"# PowerMail userbase\n"
		"postgresql-database = pmdb\n"
		"postgresql-host = /run/postgresql   # the socket directory\n"
		"postgresql-port=6432\n"
		"\tpostgresql-user = pm\n"
		"postgresql-password = pa#ss word\n"
		"postgresql-query = select quotaMB,isForward,fwdDest,password from mboxes where mbox='%s'"
		" and fwdDest not like '%sales%'\n"
		"postgresql-conninfo = host=a,b target_session_attrs=any\n"
		"postgresql-sslmode = verify-ca\n"
		"postgresql-sslrootcert = /etc/pm/ca.crt\n"
		"postgresql-sslcert = /etc/pm/client.crt\n"
		"postgresql-sslkey = /etc/pm/client.key\n"
		"postgresql-passfile = /etc/pm/pgpass\n"
		"\n"
		"connect-timeout = 7\n"
		"query-timeout = 250\n"
		"default-domain = example.com\n"
		"lowercase = no\n"
		"persistent = no\n"
		"equalize-timing = yes\n"
		"weak-schemes = refuse\n"
		"password-scheme = {SSHA512}\n"
		"upgrade-scheme = {crypt} bcrypt\n"
		"update-query = update mb set pw=$2 where name=$1\n"
		"upgrade-query = update mb set pw=$2 where name=$1 and pw=$3\n"
		"list-query = select name, fwd, pw from mb\n"
		"postgresql-reads = prefer-standby\n"
		"postgresql-load-balance = yes\n"
		"standby-max-lag = 0\n"
		"debug = yes\r\n",
		0600);

	(void)state;
	pp_config_init(&cfg);
	if (pp_config_load(&cfg, p, false, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_string_equal(cfg.database, "pmdb");
	assert_string_equal(cfg.host, "/run/postgresql");
	assert_string_equal(cfg.port, "6432");
	assert_string_equal(cfg.user, "pm");
	assert_string_equal(cfg.password, "pa#ss word");
	assert_string_equal(cfg.query, "select quotaMB,isForward,fwdDest,password from mboxes "
				       "where mbox=$1 and fwdDest not like '%sales%'");
	assert_string_equal(cfg.conninfo, "host=a,b target_session_attrs=any");
	assert_string_equal(cfg.sslmode, "verify-ca");
	assert_string_equal(cfg.sslrootcert, "/etc/pm/ca.crt");
	assert_string_equal(cfg.sslcert, "/etc/pm/client.crt");
	assert_string_equal(cfg.sslkey, "/etc/pm/client.key");
	assert_string_equal(cfg.passfile, "/etc/pm/pgpass");
	assert_int_equal(cfg.connect_timeout, 7);
	assert_int_equal(cfg.query_timeout, 250);
	assert_string_equal(cfg.default_domain, "example.com");
	assert_false(cfg.lowercase);
	assert_true(cfg.debug);
	assert_false(cfg.persistent);
	assert_true(cfg.equalize_timing);
	assert_true(cfg.refuse_weak_schemes);
	assert_string_equal(cfg.password_scheme, "{SSHA512}");
	assert_string_equal(cfg.upgrade_scheme, "{crypt} bcrypt");
	assert_string_equal(cfg.update_query, "update mb set pw=$2 where name=$1");
	assert_string_equal(cfg.upgrade_query, "update mb set pw=$2 where name=$1 and pw=$3");
	assert_string_equal(cfg.list_query, "select name, fwd, pw from mb");
	assert_int_equal(cfg.reads, PP_READS_PREFER_STANDBY);
	assert_true(cfg.load_balance);
	assert_int_equal(cfg.standby_max_lag, 0);
	assert_non_null(cfg.file_id);
	assert_string_equal(cfg.file, p);
	pp_config_free(&cfg);
}

/* Each bad file: the text, and what the message must say. */
static const struct {
	const char *text;
	const char *want;
} bad_files[] = {
	{ "nosuchkey = 1\n", ":1: unknown key 'nosuchkey'" },
	{ "debug = yes\ndebug = no\n", ":2: debug is given twice" },
	{ "connect-timeout = 0\n", ":1: bad value for connect-timeout" },
	{ "connect-timeout = 5s\n", ":1: bad value for connect-timeout" },
	{ "connect-timeout = 99999999999999999999\n", ":1: bad value for connect-timeout" },
	{ "query-timeout = -1\n", ":1: bad value for query-timeout" },
	{ "lowercase = perhaps\n", ":1: bad value for lowercase" },
	{ "weak-schemes = yes\n", ":1: bad value for weak-schemes: expected allow or refuse" },
	{ "weak-schemes = Refuse\n", ":1: bad value for weak-schemes" },
	{ "weak-schemes = allow\nweak-schemes = refuse\n", ":2: weak-schemes is given twice" },
	{ "postgresql-port = notaport\n", ":1: bad value for postgresql-port" },
	{ "postgresql-port = 65536\n", ":1: bad value for postgresql-port" },
	{ "just words\n", ":1: expected 'key = value'" },
	{ "postgresql-query = select * from mboxes\n", "must use the mailbox name as $1" },
	{ "postgresql-query = select $2 from t where a=$1\n", "only one parameter" },
	{ "postgresql-query = select a from t where b='%s'7\n", "must not run into" },
	{ "postgresql-query = select a from t where b=$1x\n", "must not run into" },
	{ "default-domain = a@b\n", ":1: bad value for default-domain" },
	{ "\n\n\nbogus\n", ":4: expected" },
	{ "postgresql-conninfo =\n", ":1: bad value for postgresql-conninfo" },
	{ "postgresql-database = \n", ":1: bad value for postgresql-database" },
	{ "update-query = update mboxes set password=$2\n", "must use the mailbox name as $1 and" },
	{ "update-query = update mboxes set password='%s' where mbox=$1\n", "as $1 and the new" },
	{ "update-query = update t set p=$2 where m=$1 and p=$3\n", "may use only $1 and $2" },
	{ "update-query = update t set p=$2x where m=$1\n", "must not run into" },
	{ "upgrade-query = update t set p=$2 where m=$1\n", "and the old as $3" },
	{ "password-scheme = {nosuch}\n", ":1: bad value for password-scheme: expected a scheme" },
	{ "password-scheme = {sha1} fast\n", "only {crypt} takes a method" },
	{ "password-scheme = {crypt} rot13\n", "a crypt method: yescrypt" },
	{ "password-scheme = {md5} bcrypt\n", "this scheme takes no other method" },
	{ "password-scheme = {crypt\n", "a scheme name, such as {crypt}" },
	{ "upgrade-scheme = {plain}\n", "expected a strong scheme" },
	{ "upgrade-scheme = {crypt} md5\n", "expected a strong scheme" },
	{ "upgrade-scheme = {ssha512}\n", "expected a strong scheme" },
	{ "list-query = select * from t where a=$1\n", "expected a query without parameters" },
	{ "list-query =   \n", "expected a query" },
	{ "postgresql-sslmode = verify_full\n", ":1: bad value for postgresql-sslmode: expected "
						"disable, allow, prefer, require, verify-ca or verify-full" },
	{ "postgresql-sslmode =\n", ":1: bad value for postgresql-sslmode" },
	{ "postgresql-sslrootcert = ca.crt\n", "postgresql-sslrootcert: expected an absolute path" },
	{ "postgresql-sslcert = ~/c.crt\n", "postgresql-sslcert: expected an absolute path" },
	{ "postgresql-sslkey = \n", "postgresql-sslkey: expected an absolute path" },
	{ "postgresql-passfile = .pgpass\n", "postgresql-passfile: expected an absolute path" },
	{ "postgresql-conninfo = host=a nosuchkeyword=1\n", ":1: bad value for postgresql-conninfo: "
							    "expected a libpq connection string" },
	{ "postgresql-conninfo = host='a\n", "expected a libpq connection string" },
	{ "postgresql-conninfo = service=powermail\n", "expected no service=" },
	{ "postgresql-reads = prefer_standby\n", ":1: bad value for postgresql-reads: expected "
						 "any, primary, prefer-standby or standby" },
	{ "postgresql-reads = Standby\n", ":1: bad value for postgresql-reads" },
	{ "postgresql-reads = read-write\n", ":1: bad value for postgresql-reads" },
	{ "postgresql-reads =\n", ":1: bad value for postgresql-reads" },
	{ "postgresql-load-balance = random\n", ":1: bad value for postgresql-load-balance" },
	{ "standby-max-lag = 3601\n", ":1: bad value for standby-max-lag" },
	{ "standby-max-lag = -1\n", ":1: bad value for standby-max-lag" },
	{ "standby-max-lag = 5s\n", ":1: bad value for standby-max-lag" },
};

static void test_bad_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_files / sizeof bad_files[0]; i++) {
		struct pp_config cfg;
		char err[512] = "";

		pp_config_init(&cfg);
		if (pp_config_load(&cfg, write_config(bad_files[i].text, 0600), false, err,
				   sizeof err) == 0)
			fail_msg("row %zu accepted", i);
		if (strstr(err, bad_files[i].want) == NULL)
			fail_msg("row %zu: message '%s' lacks '%s'", i, err, bad_files[i].want);
		pp_config_free(&cfg);
	}
}

static void test_secrets_stay_out_of_messages(void **state)
{
	struct pp_config cfg;
	char err[512] = "";

	(void)state;
	pp_config_init(&cfg);
	assert_int_equal(pp_config_load(&cfg, write_config("connect-timeout = hunter2\n", 0600),
					false, err, sizeof err),
			 -1);
	assert_null(strstr(err, "hunter2"));
	pp_config_free(&cfg);
}

/* libpq's parser quotes what it cannot parse, password and all: a bad
 * postgresql-conninfo is refused at load time in words of our own. */
static void test_conninfo_errors_are_ours(void **state)
{
	static const char *const texts[] = {
		"postgresql-conninfo = postgresql://u:Typo-S3cret-1@[127.0.0.1:5432/db\n",
		"postgresql-conninfo = host=h password=Typo-S3cret-1 port\n",
		"postgresql-conninfo = password='Typo-S3cret-1\n",
		"postgresql-conninfo = postgresql://u:Typo-S3cret-1@h/db?nosuch=1\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct pp_config cfg;
		char err[512] = "";

		pp_config_init(&cfg);
		if (pp_config_load(&cfg, write_config(texts[i], 0600), false, err, sizeof err) == 0)
			fail_msg("row %zu accepted", i);
		if (strstr(err, "bad value for postgresql-conninfo: expected a libpq connection "
				"string") == NULL)
			fail_msg("row %zu: '%s'", i, err);
		assert_null(strstr(err, "Typo-S3cret-1"));
		assert_null(strstr(err, "127.0.0.1"));
		pp_config_free(&cfg);
	}
}

static void test_file_checks(void **state)
{
	struct pp_config cfg;
	char err[512];
	char big[PP_CONFIG_MAX_SIZE + 2];

	(void)state;
	pp_config_init(&cfg);
	assert_int_equal(pp_config_load(&cfg, write_config("debug = yes\n", 0602), false, err,
					sizeof err),
			 -1);
	assert_non_null(strstr(err, "writable by group or others"));
	assert_int_equal(pp_config_load(&cfg, write_config("debug = yes\n", 0620), false, err,
					sizeof err),
			 -1);
	assert_int_equal(pp_config_load(&cfg, "/nonexistent/pam_powermail.conf", false, err,
					sizeof err),
			 -1);
	assert_int_equal(pp_config_load(&cfg, "/nonexistent/pam_powermail.conf", true, err,
					sizeof err),
			 0);
	assert_int_equal(pp_config_load(&cfg, "relative.conf", true, err, sizeof err), -1);
	assert_int_equal(pp_config_load(&cfg, "/", false, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(pp_config_load(&cfg, write_config_n("debug = yes\n\0\n", 13, 0600), false,
					err, sizeof err),
			 -1);
	assert_non_null(strstr(err, "NUL byte"));
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(pp_config_load(&cfg, write_config(big, 0600), false, err, sizeof err), -1);
	assert_non_null(strstr(err, "larger than"));
	memset(big, 'x', PP_CONFIG_MAX_LINE + 10);
	big[PP_CONFIG_MAX_LINE + 10] = '\0';
	assert_int_equal(pp_config_load(&cfg, write_config(big, 0600), false, err, sizeof err), -1);
	assert_non_null(strstr(err, "line longer than"));
	pp_config_free(&cfg);
}

/* --- who may have written the file, and who may read it -------------------- */

#define SECRET_PW "Conf-Secret-7d41"
#define WITH_PASSWORD "postgresql-password = " SECRET_PW "\n"
#define CONNINFO_PASSWORD "postgresql-conninfo = host=db password=" SECRET_PW "\n"
#define NO_SECRET "postgresql-user = pm\npostgresql-passfile = /etc/pm/pgpass\n"

enum parent { REAL_DIR, SYMLINK_TO_DIR };

/* One file, base/d/pp.conf, and its parent d as the row says; NULL: loads. */
static const struct strict_row {
	const char *what;
	const char *text;
	mode_t file_mode;
	bool file_nobody;
	mode_t dir_mode;
	bool dir_nobody;
	enum parent parent;
	const char *refused; /* a piece of the error, or NULL */
} strict_rows[] = {
	{ "0600 with the password", WITH_PASSWORD, 0600, false, 0755, false, REAL_DIR, NULL },
	{ "0640 with the password (Exim's group)", WITH_PASSWORD, 0640, false, 0755, false,
	  REAL_DIR, NULL },
	{ "0400 with the password", WITH_PASSWORD, 0400, false, 0700, false, REAL_DIR, NULL },
	{ "0644 with the password", WITH_PASSWORD, 0644, false, 0755, false, REAL_DIR,
	  "readable by others, and it holds the database password (postgresql-password)" },
	{ "0604 with the password", WITH_PASSWORD, 0604, false, 0755, false, REAL_DIR,
	  "readable by others" },
	{ "0644 with a password in the conninfo", CONNINFO_PASSWORD, 0644, false, 0755, false,
	  REAL_DIR, "(a password in postgresql-conninfo)" },
	{ "0644 with a conninfo without one", "postgresql-conninfo = host=db\n", 0644, false,
	  0755, false, REAL_DIR, NULL },
	{ "0644 without a secret", NO_SECRET, 0644, false, 0755, false, REAL_DIR, NULL },
	{ "file owned by nobody", WITH_PASSWORD, 0600, true, 0755, false, REAL_DIR,
	  "must be owned by root" },
	{ "file owned by nobody, no secret", NO_SECRET, 0644, true, 0755, false, REAL_DIR,
	  "must be owned by root" },
	{ "group-writable parent", WITH_PASSWORD, 0600, false, 0775, false, REAL_DIR,
	  "/d: a directory above the configuration writable by group or others" },
	{ "world-writable parent, not sticky", WITH_PASSWORD, 0600, false, 0777, false, REAL_DIR,
	  "writable by group or others" },
	{ "parent owned by nobody", WITH_PASSWORD, 0600, false, 0755, true, REAL_DIR,
	  "/d: a directory above the configuration owned by uid" },
	{ "symlinked parent owned by nobody", WITH_PASSWORD, 0600, false, 0755, true,
	  SYMLINK_TO_DIR, "/d: a symbolic link" },
	{ "symlinked parent owned by root", WITH_PASSWORD, 0600, false, 0755, false,
	  SYMLINK_TO_DIR, "/d: a symbolic link" },
	{ "sticky parent owned by root, as /tmp", WITH_PASSWORD, 0600, false, 01777, false,
	  REAL_DIR, NULL },
	{ "sticky parent owned by nobody", WITH_PASSWORD, 0600, false, 01777, true, REAL_DIR,
	  "owned by uid" },
	{ "sticky group-writable parent owned by root", WITH_PASSWORD, 0600, false, 01770,
	  false, REAL_DIR, NULL },
};

/* base/d (a directory, or a link to base/real) and base/d/pp.conf as row
 * says; the path to load in conf. */
static void make_strict_case(const struct strict_row *row, int i, uid_t nobody, char *conf,
			     size_t size)
{
	char base[4096], dir[4200], real[4200];
	const char *tmp = getenv("PP_TMP") ? getenv("PP_TMP") : "/tmp";

	snprintf(base, sizeof base, "%s/strict-%d-%d", tmp, (int)getpid(), i);
	snprintf(dir, sizeof dir, "%s/d", base);
	snprintf(real, sizeof real, "%s/real", base);
	assert_int_equal(mkdir(base, 0755), 0);
	assert_int_equal(chmod(base, 0755), 0);
	if (row->parent == SYMLINK_TO_DIR) {
		assert_int_equal(mkdir(real, 0755), 0);
		assert_int_equal(symlink(real, dir), 0);
	} else {
		assert_int_equal(mkdir(dir, 0755), 0);
	}
	snprintf(conf, size, "%s/pp.conf", dir);
	int fd = open(conf, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, row->text, strlen(row->text)), (ssize_t)strlen(row->text));
	assert_int_equal(fchmod(fd, row->file_mode), 0);
	if (row->file_nobody)
		assert_int_equal(fchown(fd, nobody, (gid_t)-1), 0);
	close(fd);
	/* Modes and owners last, so that making the case needs none of them. */
	assert_int_equal(chmod(dir, row->dir_mode), 0);
	if (row->dir_nobody)
		assert_int_equal(chown(dir, nobody, (gid_t)-1), 0);
}

/* StrictModes: the file's owner and readers, and every directory above it.
 * The owners need root to make; run-tests.sh runs as root. */
static void test_strict_modes(void **state)
{
	const struct passwd *pw = getpwnam("nobody");
	unsigned failed = 0;

	(void)state;
	if (geteuid() != 0 || pw == NULL)
		skip();
	for (size_t i = 0; i < sizeof strict_rows / sizeof strict_rows[0]; i++) {
		const struct strict_row *row = &strict_rows[i];
		struct pp_config cfg;
		char conf[4300], err[512] = "";

		make_strict_case(row, (int)i, pw->pw_uid, conf, sizeof conf);
		pp_config_init(&cfg);
		int rc = pp_config_load(&cfg, conf, false, err, sizeof err);
		pp_config_free(&cfg);
		if (row->refused == NULL ? rc != 0
					 : rc != -1 || strstr(err, row->refused) == NULL) {
			print_message("# %s: got %d '%s', want %s\n", row->what, rc, err,
				      row->refused ? row->refused : "0");
			failed++;
		}
		if (strstr(err, SECRET_PW) != NULL) {
			print_message("# %s: the message holds the password\n", row->what);
			failed++;
		}
	}
	if (failed > 0)
		fail_msg("%u row(s) wrong, see above", failed);
}

/* The walk itself: where the path is odd, not the permissions. */
static void test_path_walk(void **state)
{
	struct pp_config cfg;
	char err[512], name[4300];
	const char *tmp = getenv("PP_TMP") ? getenv("PP_TMP") : "/tmp";
	const char *file = write_config(WITH_PASSWORD, 0600);

	(void)state;
	pp_config_init(&cfg);
	/* "//", "/./" are the same file; ".." is refused outright. */
	snprintf(name, sizeof name, "/%s/.//%s", tmp, strrchr(file, '/') + 1);
	if (pp_config_load(&cfg, name, false, err, sizeof err) != 0)
		fail_msg("%s: %s", name, err);
	pp_config_free(&cfg);
	pp_config_init(&cfg);
	snprintf(name, sizeof name, "%s/../%s", tmp, file + 1);
	assert_int_equal(pp_config_load(&cfg, name, false, err, sizeof err), -1);
	assert_non_null(strstr(err, "'..'"));
	/* A missing directory is a missing file: fine for the default one. */
	assert_int_equal(pp_config_load(&cfg, "/nonexistent/dir/pp.conf", true, err, sizeof err),
			 0);
	assert_int_equal(pp_config_load(&cfg, "/nonexistent/dir/pp.conf", false, err, sizeof err),
			 -1);
	assert_non_null(strstr(err, "/nonexistent: "));
	/* A file where a directory should be. */
	snprintf(name, sizeof name, "%s/x.conf", file);
	assert_int_equal(pp_config_load(&cfg, name, true, err, sizeof err), -1);
	pp_config_free(&cfg);
}

static void test_module_arguments(void **state)
{
	struct pp_config cfg;
	char err[512] = "", conf[4096];
	const char *file = write_config("postgresql-user = pm\ndebug = no\n", 0600);

	(void)state;
	snprintf(conf, sizeof conf, "config=%s", file);
	{
		const char *argv[] = { conf, "debug", "use_first_pass", "try_first_pass",
				       "postgresql-user=other", "default-domain=example.org" };

		pp_config_init(&cfg);
		if (pp_config_from_args(&cfg, 6, argv, err, sizeof err) != 0)
			fail_msg("%s", err);
		assert_true(cfg.debug);
		assert_string_equal(cfg.user, "other");
		assert_string_equal(cfg.default_domain, "example.org");
		pp_config_free(&cfg);
	}
	{
		const char *argv[] = { conf, "postgresql-password=secret" };

		pp_config_init(&cfg);
		assert_int_equal(pp_config_from_args(&cfg, 2, argv, err, sizeof err), -1);
		assert_non_null(strstr(err, "not allowed as a module argument"));
		assert_null(strstr(err, "secret"));
		pp_config_free(&cfg);
	}
	/* A password inside postgresql-conninfo, in either form, is refused
	 * like postgresql-password; one without is fine. */
	static const char *const with_password[] = {
		"postgresql-conninfo=host=db password=Arg-S3cret-2 dbname=pm",
		"postgresql-conninfo=postgresql://pm:Arg-S3cret-2@db/pm",
		"postgresql-conninfo=postgresql://pm@db/pm?password=Arg-S3cret-2",
		"postgresql-conninfo=host=db sslpassword=Arg-S3cret-2",
	};
	for (size_t i = 0; i < sizeof with_password / sizeof with_password[0]; i++) {
		const char *argv[] = { conf, with_password[i] };

		pp_config_init(&cfg);
		assert_int_equal(pp_config_from_args(&cfg, 2, argv, err, sizeof err), -1);
		if (strstr(err, "postgresql-conninfo with a password is not allowed as a module "
				"argument") == NULL)
			fail_msg("row %zu: '%s'", i, err);
		assert_null(strstr(err, "Arg-S3cret-2"));
		pp_config_free(&cfg);
	}
	{
		const char *argv[] = { conf, "postgresql-conninfo=postgresql://pm@db/pm" };

		pp_config_init(&cfg);
		if (pp_config_from_args(&cfg, 2, argv, err, sizeof err) != 0)
			fail_msg("%s", err);
		assert_string_equal(cfg.conninfo, "postgresql://pm@db/pm");
		pp_config_free(&cfg);
	}
	{
		const char *argv[] = { conf, "bogus" };

		pp_config_init(&cfg);
		assert_int_equal(pp_config_from_args(&cfg, 2, argv, err, sizeof err), -1);
		pp_config_free(&cfg);
	}
	{
		const char *argv[] = { "config=/nonexistent/x.conf" };

		pp_config_init(&cfg);
		assert_int_equal(pp_config_from_args(&cfg, 1, argv, err, sizeof err), -1);
		pp_config_free(&cfg);
	}
}

/* Parses, counted: the link sends every call of pp_config_from_args here
 * (-Wl,--wrap=pp_config_from_args, Makefile), the cache's own included, so
 * that the library keeps no counter for the tests. */
int __real_pp_config_from_args(struct pp_config *cfg, int argc, const char **argv, char *err,
			       size_t errlen);
int __wrap_pp_config_from_args(struct pp_config *cfg, int argc, const char **argv, char *err,
			       size_t errlen);
static unsigned long parses;

int __wrap_pp_config_from_args(struct pp_config *cfg, int argc, const char **argv, char *err,
			       size_t errlen)
{
	parses++;
	return __real_pp_config_from_args(cfg, argc, argv, err, errlen);
}

/* Load through the cache with "config=file" plus extra; 0 or -1. */
static int load_cached(struct pp_config *cfg, const char *file, const char *extra, char *err,
		       size_t errlen)
{
	char arg[4200];
	const char *args[2] = { arg, extra };

	snprintf(arg, sizeof arg, "config=%s", file);
	pp_config_init(cfg);
	return pp_config_from_args_cached(cfg, extra ? 2 : 1, args, err, errlen);
}

/* The module reads the file through the cache: an unchanged file is not
 * parsed again, and any change to its text, its place or its permissions is
 * seen at the next login. */
static void test_cache(void **state)
{
	struct pp_config cfg;
	char err[512], file[4096], moved[4200];
	unsigned long parsed;

	(void)state;
	snprintf(file, sizeof file, "%s", write_config("postgresql-database = one\n"
						       "postgresql-password = s3cret\n", 0600));
	assert_int_equal(load_cached(&cfg, file, NULL, err, sizeof err), 0);
	pp_config_free(&cfg);
	parsed = parses;
	assert_true(parsed > 0);

	/* Unchanged: a copy, equal to what a fresh parse gives, secrets too. */
	assert_int_equal(load_cached(&cfg, file, NULL, err, sizeof err), 0);
	assert_int_equal(parses, parsed);
	assert_string_equal(cfg.database, "one");
	assert_string_equal(cfg.password, "s3cret");
	assert_string_equal(cfg.file, file);
	pp_config_free(&cfg);

	/* Other arguments are another entry, and win over the file as always. */
	assert_int_equal(load_cached(&cfg, file, "postgresql-database=two", err, sizeof err), 0);
	assert_string_equal(cfg.database, "two");
	assert_int_equal(parses, parsed + 1);
	pp_config_free(&cfg);
	assert_int_equal(load_cached(&cfg, file, "postgresql-database=two", err, sizeof err), 0);
	assert_string_equal(cfg.database, "two");
	assert_int_equal(parses, parsed + 1);
	pp_config_free(&cfg);

	/* Rewritten in place with text of the same size, mtime put back:
	 * the ctime still moves, and the new text is read. */
	struct stat before;
	assert_int_equal(stat(file, &before), 0);
	FILE *f = fopen(file, "r+");
	assert_non_null(f);
	fputs("postgresql-database = ONE\n", f);
	fclose(f);
	struct timespec times[2] = { before.st_atim, before.st_mtim };
	assert_int_equal(utimensat(AT_FDCWD, file, times, 0), 0);
	assert_int_equal(load_cached(&cfg, file, NULL, err, sizeof err), 0);
	assert_string_equal(cfg.database, "ONE");
	assert_int_equal(parses, parsed + 2);
	pp_config_free(&cfg);

	/* A chmod that makes it unsafe is refused at once, not served. */
	assert_int_equal(chmod(file, 0620), 0);
	assert_int_equal(load_cached(&cfg, file, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "writable by group or others"));
	pp_config_free(&cfg);
	assert_int_equal(chmod(file, 0600), 0);

	/* Replaced by a symbolic link to the same text: refused, as ever. */
	snprintf(moved, sizeof moved, "%s.real", file);
	assert_int_equal(rename(file, moved), 0);
	assert_int_equal(symlink(moved, file), 0);
	assert_int_equal(load_cached(&cfg, file, NULL, err, sizeof err), -1);
	pp_config_free(&cfg);

	/* Gone: an error naming the file, never the last good copy. */
	unlink(file);
	assert_int_equal(load_cached(&cfg, file, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, file));
	pp_config_free(&cfg);
	unlink(moved);
}

/* The words a module line may hold, from the table in lib/config.c: which
 * are taken, which change no answer, which are logged as having no
 * effect; any other word fails, naming itself. */
static void test_argument_words(void **state)
{
	static const struct {
		const char *arg;
		bool taken;       /* pp_config_from_args accepts it */
		bool no_answer;   /* pp_argument_changes_no_answer */
		bool no_effect;   /* pp_argument_without_effect names it */
	} rows[] = {
		{ "debug", true, true, false },
		{ "debug=yes", true, true, false },
		{ "use_first_pass", true, true, false },
		{ "try_first_pass", true, true, false },
		{ "use_authtok", true, true, false },
		{ "nullok", true, true, true },
		{ "postgresql-user=other", true, false, false },
		{ "bogus", false, false, false },
		{ "NULLOK", false, false, false },
		{ "nullok=yes", false, false, false },
		{ "nullok_secure", false, false, false },
		{ "", false, false, false },
	};
	char err[512], conf[4096];
	const char *file = write_config("postgresql-user = pm\n", 0600);

	(void)state;
	snprintf(conf, sizeof conf, "config=%s", file);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const char *argv[] = { conf, rows[i].arg };
		const char *why = NULL, *idle;
		struct pp_config cfg;
		int rc;

		pp_config_init(&cfg);
		err[0] = '\0';
		rc = pp_config_from_args(&cfg, 2, argv, err, sizeof err);
		if ((rc == 0) != rows[i].taken)
			fail_msg("'%s': %s", rows[i].arg, rc == 0 ? "taken" : err);
		if (!rows[i].taken && strstr(rows[i].arg, "=") == NULL) {
			char want[128];

			snprintf(want, sizeof want, "module argument '%s': unknown", rows[i].arg);
			if (strstr(err, want) == NULL)
				fail_msg("'%s': the error does not name it: %s", rows[i].arg, err);
		}
		if (pp_argument_changes_no_answer(rows[i].arg) != rows[i].no_answer)
			fail_msg("'%s': changes_no_answer is wrong", rows[i].arg);
		idle = pp_argument_without_effect(2, argv, &why);
		if ((idle != NULL) != rows[i].no_effect)
			fail_msg("'%s': without_effect is wrong", rows[i].arg);
		if (idle != NULL) {
			assert_string_equal(idle, "nullok");
			assert_string_equal(why, "an empty password never matches");
		}
		/* nullok changes nothing. */
		if (rc == 0 && rows[i].no_effect) {
			assert_string_equal(cfg.user, "pm");
			assert_false(cfg.debug);
		}
		pp_config_free(&cfg);
	}
	/* config= itself is part of the configuration's identity. */
	assert_false(pp_argument_changes_no_answer(conf));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_secrets_stay_out_of_messages),
		cmocka_unit_test(test_conninfo_errors_are_ours),
		cmocka_unit_test(test_file_checks),
		cmocka_unit_test(test_strict_modes),
		cmocka_unit_test(test_path_walk),
		cmocka_unit_test(test_module_arguments),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_argument_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
