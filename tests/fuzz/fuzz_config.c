/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the configuration parser (lib/config.c): pp_config_load
 * on a file, pp_config_from_args on module arguments, pp_config_free.
 *
 * Input: FILE [NUL ARGUMENTS], or NUL FILE.  FILE is written, mode 0600, to
 * one per-process path under $TMPDIR (or /tmp) and loaded; in the second
 * form it may hold NUL bytes (which the loader must refuse) and there are no
 * fuzzed arguments.  ARGUMENTS (the whole input when there is no NUL) are
 * split at newlines and NULs into at most 32 module arguments.  The fuzzer never reads /etc/pam_powermail.conf: an
 * argument "config=..." is rewritten to "config=" + the file above, and
 * when there is none "config=" + a fixed, valid file written at start-up
 * (with a postgresql-password) is appended.
 *
 * Invariants:
 *  - the calls return 0 or -1; on -1 err is a non-empty string that fits
 *    its buffer; ASan's leak checker runs after every input, so anything
 *    pp_config_free misses, on success or failure, is reported;
 *  - on success: the query, if set, uses the bound parameter "$1" and only
 *    it (every '$' before a digit is "$1" not followed by another digit),
 *    has no printf placeholder %s left, and setting it again as
 *    postgresql-query gives it back unchanged; numbers are within their
 *    ranges; strings are non-empty; the port reads as 1..65535; the default
 *    domain is non-empty, without '@' or blanks; after pp_config_load,
 *    cfg->file is the path read and cfg->file_id is set;
 *  - on failure, err never contains the value of postgresql-password or
 *    postgresql-conninfo (six bytes or more, and not text the message
 *    could hold anyway: a key, a path, the messages' own words);
 *  - module arguments never set postgresql-password: after
 *    pp_config_from_args, success or not, the password is exactly what the
 *    file gave (the fixed file's, or what pp_config_load of the fuzzed file
 *    left); and when the fuzzed file fails to load, pp_config_from_args
 *    that names it fails too. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "strength.h"
#include "invariant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define MAX_ARGS 32
#define FIXED_PASSWORD "fixed-file-password"


static char fuzz_path[512], fixed_path[512], missing_path[512];
static char fuzz_arg[600], fixed_arg[600];

static void write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	const char *c = p;

	if (fd < 0 || fchmod(fd, 0600) != 0) {
		perror(path);
		abort();
	}
	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w <= 0) {
			perror(path);
			abort();
		}
		c += w;
		n -= (size_t)w;
	}
	close(fd);
}

static void remove_files(void)
{
	unlink(fuzz_path);
	unlink(fixed_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char fixed[] = "# fuzz_config's fixed file\n"
				    "postgresql-host = /var/run/postgresql\n"
				    "postgresql-database = powermail\n"
				    "postgresql-user = powermail\n"
				    "postgresql-password = " FIXED_PASSWORD "\n"
				    "postgresql-query = select quotaMB,isForward,fwdDest,password "
				    "from mboxes where mbox='%s'\n";
	const char *dir = getenv("TMPDIR");
	struct pp_config cfg;
	char err[256];

	(void)argc;
	(void)argv;
	if (dir == NULL || dir[0] != '/' || strlen(dir) > 300)
		dir = "/tmp";
	snprintf(fuzz_path, sizeof fuzz_path, "%s/fuzz_config.%ld.conf", dir, (long)getpid());
	snprintf(fixed_path, sizeof fixed_path, "%s/fuzz_config.%ld.fixed.conf", dir,
		 (long)getpid());
	snprintf(missing_path, sizeof missing_path, "%s/fuzz_config.%ld.missing.conf", dir,
		 (long)getpid());
	snprintf(fuzz_arg, sizeof fuzz_arg, "config=%s", fuzz_path);
	snprintf(fixed_arg, sizeof fixed_arg, "config=%s", fixed_path);
	write_file(fixed_path, fixed, sizeof fixed - 1);
	atexit(remove_files);

	/* The fixed file loads, and a missing file is fine only when allowed. */
	pp_config_init(&cfg);
	CHECK(pp_config_load(&cfg, fixed_path, false, err, sizeof err) == 0, "fixed file: %s",
	      err);
	CHECK(cfg.password && strcmp(cfg.password, FIXED_PASSWORD) == 0, "fixed file's password");
	pp_config_free(&cfg);
	pp_config_init(&cfg);
	CHECK(pp_config_load(&cfg, missing_path, true, err, sizeof err) == 0 && cfg.file == NULL,
	      "a missing file that may be missing");
	CHECK(pp_config_load(&cfg, missing_path, false, err, sizeof err) == -1,
	      "a missing file that must exist");
	pp_config_free(&cfg);
	return 0;
}

/* ---- invariants of a configuration that loaded ---- */

static bool placeholder_at(const char *p)
{
	return p[0] == '%' && p[1] == 's' &&
	       !((p[2] >= 'a' && p[2] <= 'z') || (p[2] >= 'A' && p[2] <= 'Z') ||
		 (p[2] >= '0' && p[2] <= '9') || p[2] == '_');
}

/* A query with n parameters: each of $1..$n and no other (list-query: n 0);
 * the lookup's (n 1) has no %s left, having turned it into $1.  Set again under its
 * key, it comes back unchanged. */
static void check_query(const char *key, const char *q, int n)
{
	struct pp_config again;
	char err[256];
	unsigned used = 0;

	for (const char *p = q; *p; p++) {
		CHECK(n != 1 || !placeholder_at(p), "query keeps a %%s placeholder: %s", q);
		if (p[0] == '$' && p[1] >= '0' && p[1] <= '9') {
			CHECK(p[1] >= '1' && p[1] <= '0' + n && !(p[2] >= '0' && p[2] <= '9'),
			      "%s uses a parameter beyond $%d: %s", key, n, q);
			used |= 1U << (p[1] - '1');
		}
	}
	CHECK(used == (1U << n) - 1, "%s lacks one of $1..$%d: %s", key, n, q);
	pp_config_init(&again);
	CHECK(pp_config_set(&again, key, q, "again", false, err, sizeof err) == 0,
	      "the %s it made is refused: %s (%s)", key, q, err);
	const char *back = n == 0   ? again.list_query
			   : n == 1 ? again.query
			   : n == 2 ? again.update_query
				    : again.upgrade_query;

	CHECK(back != NULL && strcmp(back, q) == 0, "%s '%s' becomes '%s'", key, q,
	      back ? back : "(null)");
	pp_config_free(&again);
}

/* A scheme new values can be made in; an upgrade's must not be weak. */
static void check_scheme(const char *spec, bool upgrade)
{
	struct pp_target t;
	const char *why;

	CHECK(pp_target_parse(spec, &t, &why) == 0, "scheme '%s' kept but unreadable", spec);
	CHECK(t.scheme->hash != NULL, "scheme '%s' cannot make values", spec);
	CHECK(!upgrade || !pp_target_weak(&t), "upgrade-scheme '%s' is weak", spec);
}

static void check_config(const struct pp_config *cfg)
{
	const char *strings[] = { cfg->database, cfg->host, cfg->user, cfg->password,
				  cfg->conninfo };

	for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
		CHECK(strings[i] == NULL || strings[i][0] != '\0', "an empty string value");
	CHECK(cfg->connect_timeout >= 1 && cfg->connect_timeout <= 300, "connect-timeout %ld",
	      cfg->connect_timeout);
	CHECK(cfg->query_timeout >= 0 && cfg->query_timeout <= 600000, "query-timeout %ld",
	      cfg->query_timeout);
	if (cfg->port != NULL) {
		char *end;
		long port = strtol(cfg->port, &end, 10);

		CHECK(end != cfg->port && *end == '\0' && port >= 1 && port <= 65535, "port '%s'",
		      cfg->port);
	}
	if (cfg->default_domain != NULL)
		CHECK(cfg->default_domain[0] != '\0' && strpbrk(cfg->default_domain, "@ \t\r\n") == NULL,
		      "default-domain '%s'", cfg->default_domain);
	if (cfg->query != NULL)
		check_query("postgresql-query", cfg->query, 1);
	if (cfg->update_query != NULL)
		check_query("update-query", cfg->update_query, 2);
	if (cfg->upgrade_query != NULL)
		check_query("upgrade-query", cfg->upgrade_query, 3);
	if (cfg->list_query != NULL)
		check_query("list-query", cfg->list_query, 0);
	if (cfg->password_scheme != NULL)
		check_scheme(cfg->password_scheme, false);
	if (cfg->upgrade_scheme != NULL)
		check_scheme(cfg->upgrade_scheme, true);
}

/* ---- secrets in error messages ---- */

static const char *const key_names[] = {
	"postgresql-database", "postgresql-host", "postgresql-port", "postgresql-user",
	"postgresql-password", "postgresql-query", "postgresql-conninfo", "default-domain",
	"connect-timeout", "query-timeout", "lowercase", "debug", "persistent", "equalize-timing",
	"update-query", "upgrade-query", "password-scheme", "upgrade-scheme", "list-query",
	"postgresql-sslmode", "postgresql-sslrootcert", "postgresql-sslcert", "postgresql-sslkey",
	"postgresql-passfile", "weak-schemes",
};

/* The messages' own words: a secret that is a substring of these is not
 * evidence of an echo. */
static const char message_words[] =
	"unknown key '' is given twice : bad value for : expected a value (to use the default, "
	"leave the key out) enough memory a whole number in range yes or no a port number, 1 to "
	"65535 a domain name without '@' or spaces the query may use only one parameter, $1 (or "
	"'%s') the query must use the mailbox name as $1 (or '%s') out of memory module argument "
	"'': expected key=value is not allowed as a module argument: /etc/pam.d is "
	"world-readable; put it in the configuration file contains a NUL byte: not a text file "
	"line longer than 4096 bytes expected 'key = value' the configuration path must be "
	"absolute not a regular file must be owned by root writable by group or others: chmod "
	"600 it larger than 65536 bytes the query must use the mailbox name as $1 and the new "
	"value as $2 the query must use the mailbox name as $1, the new value as $2 and the old "
	"as $3 the query may use only $1 and $2 the query may use only $1, $2 and $3 a "
	"parameter ($1, $2, $3) must not run into a letter or digit the query's $1 (or '%s') "
	"must not run into a letter or digit a scheme name, such as {crypt} a scheme "
	"pam_powermail knows (see: pptool schemes) a scheme that can make new values (see: "
	"pptool schemes) only {crypt} takes a method this scheme takes no other method a crypt "
	"method: yescrypt, bcrypt, sha512, sha256, md5 or des a strong scheme, not one of those "
	"it would upgrade from a query without parameters";

struct text {
	char *p;
	size_t len, cap;
};

static void text_add(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 2 > t->cap) {
		t->cap = (t->len + n + 2) * 2;
		t->p = realloc(t->p, t->cap);
		if (t->p == NULL)
			abort();
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len++] = '\n';
	t->p[t->len] = '\0';
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static bool is_secret_key(const char *key)
{
	return strcmp(key, "postgresql-password") == 0 || strcmp(key, "postgresql-conninfo") == 0;
}

/* One "key=value" (a file line once trimmed, or a module argument): a
 * secret's value goes to secrets, the key (what an "unknown key" message
 * quotes) to allowed. */
static void collect_pair(char *line, bool file, struct text *secrets, struct text *allowed)
{
	char *eq = strchr(line, '='), *key, *value;

	/* An argument without '=', or with a key of 64 bytes or more, is
	 * quoted (64 bytes of it). */
	text_add(allowed, line, strlen(line) < 64 ? strlen(line) : 64);
	if (eq == NULL)
		return;
	*eq = '\0';
	key = file ? trim(line) : line;
	value = file ? trim(eq + 1) : eq + 1;
	text_add(allowed, key, strlen(key));
	if (is_secret_key(key))
		text_add(secrets, value, strlen(value));
}

/* The lines of a file, as config.c cuts them. */
static void collect_file(const char *text, size_t n, struct text *secrets, struct text *allowed)
{
	char *copy = strndup(text, n);

	if (copy == NULL)
		abort();
	for (char *line = copy, *next; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		for (char *p = line; *p; p++)
			if (*p == '#' && (p == line || p[-1] == ' ' || p[-1] == '\t')) {
				*p = '\0';
				break;
			}
		collect_pair(trim(line), true, secrets, allowed);
	}
	free(copy);
}

static void collect_arg(const char *arg, struct text *secrets, struct text *allowed)
{
	char *copy = strdup(arg);

	if (copy == NULL)
		abort();
	collect_pair(copy, false, secrets, allowed);
	free(copy);
}

static void check_no_secret(const char *err, const struct text *secrets,
			    const struct text *allowed)
{
	if (secrets->p == NULL)
		return;
	for (const char *s = secrets->p; *s;) {
		const char *nl = strchr(s, '\n');
		size_t n = (size_t)(nl - s);
		char *v = strndup(s, n);

		if (v == NULL)
			abort();
		bool in_key = false;

		for (size_t k = 0; k < sizeof key_names / sizeof key_names[0]; k++)
			in_key |= strstr(key_names[k], v) != NULL;
		if (n >= 6 && !in_key && strstr(message_words, v) == NULL &&
		    (allowed->p == NULL || strstr(allowed->p, v) == NULL) &&
		    strstr(fuzz_path, v) == NULL && strstr(fixed_path, v) == NULL)
			CHECK(strstr(err, v) == NULL, "error message quotes a secret: %s", err);
		free(v);
		s = nl + 1;
	}
}

static void check_err(const char *err, size_t size)
{
	CHECK(memchr(err, '\0', size) != NULL && err[0] != '\0', "failure without a message");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A leading NUL: the rest is the file, NUL bytes and all, and there
	 * are no fuzzed arguments.  Otherwise FILE [NUL ARGUMENTS]. */
	bool raw = size > 0 && data[0] == '\0';
	const uint8_t *file = raw ? data + 1 : data;
	const uint8_t *nul = raw ? NULL : memchr(data, '\0', size);
	size_t file_len = raw ? size - 1 : nul ? (size_t)(nul - data) : size;
	const uint8_t *args_text = raw ? data : nul ? nul + 1 : data;
	size_t args_len = raw ? 0 : nul ? size - file_len - 1 : size;
	struct text secrets = { 0 }, allowed = { 0 };
	struct pp_config cfg;
	char err[256], *file_password = NULL;
	int rc;

	/* 1. The file. */
	write_file(fuzz_path, file, file_len);
	collect_file((const char *)file, file_len, &secrets, &allowed);
	pp_config_init(&cfg);
	memset(err, 0, sizeof err);
	rc = pp_config_load(&cfg, fuzz_path, false, err, sizeof err);
	CHECK(rc == 0 || rc == -1, "pp_config_load returned %d", rc);
	if (rc == 0) {
		check_config(&cfg);
		CHECK(cfg.file != NULL && strcmp(cfg.file, fuzz_path) == 0 && cfg.file_id != NULL,
		      "cfg->file after a load");
	} else {
		check_err(err, sizeof err);
		check_no_secret(err, &secrets, &allowed);
	}
	int file_rc = rc;
	if (cfg.password != NULL) {
		file_password = strdup(cfg.password);
		if (file_password == NULL)
			abort();
	}
	pp_config_free(&cfg);
	CHECK(cfg.password == NULL && cfg.query == NULL && cfg.file == NULL,
	      "pp_config_free left a pointer");

	/* 2. Module arguments, over the fuzzed file or the fixed one. */
	char *argv_buf[MAX_ARGS + 1];
	const char *argv[MAX_ARGS + 1];
	int argc = 0;
	bool named_file = false;

	for (size_t i = 0; i < args_len && argc < MAX_ARGS;) {
		size_t j = i;

		while (j < args_len && args_text[j] != '\n' && args_text[j] != '\0')
			j++;
		argv_buf[argc] = strndup((const char *)args_text + i, j - i);
		if (argv_buf[argc] == NULL)
			abort();
		collect_arg(argv_buf[argc], &secrets, &allowed);
		if (strncmp(argv_buf[argc], "config=", 7) == 0) {
			argv[argc] = fuzz_arg;
			named_file = true;
		} else {
			argv[argc] = argv_buf[argc];
		}
		argc++;
		i = j + 1;
	}
	if (!named_file) {
		argv_buf[argc] = NULL;
		argv[argc++] = fixed_arg;
	}
	pp_config_init(&cfg);
	memset(err, 0, sizeof err);
	rc = pp_config_from_args(&cfg, argc, argv, err, sizeof err);
	CHECK(rc == 0 || rc == -1, "pp_config_from_args returned %d", rc);
	if (rc == 0) {
		check_config(&cfg);
		if (named_file)
			CHECK(file_rc == 0, "the file failed to load, the arguments naming it did not");
	} else {
		check_err(err, sizeof err);
		check_no_secret(err, &secrets, &allowed);
	}
	if (named_file)
		CHECK((cfg.password == NULL && file_password == NULL) ||
			      (cfg.password != NULL && file_password != NULL &&
			       strcmp(cfg.password, file_password) == 0),
		      "the password is not the file's after module arguments");
	else
		CHECK(cfg.password != NULL && strcmp(cfg.password, FIXED_PASSWORD) == 0,
		      "module arguments changed the fixed file's password");
	pp_config_free(&cfg);

	for (int i = 0; i < argc; i++)
		free(argv_buf[i]);
	free(file_password);
	free(secrets.p);
	free(allowed.p);
	return 0;
}
