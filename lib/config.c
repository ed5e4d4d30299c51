/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configuration: a table of keys, a strict line parser, and the file checks.
 * Anything unknown, repeated or out of range is an error naming file and
 * line: a mail platform should not run on a silently guessed setting. */
#include "config.h"
#include "conninfo.h"
#include "safe_path.h"
#include "secret.h"
#include "strength.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum key_type {
	KEY_STRING,
	KEY_SECRET,
	KEY_QUERY,  /* min: how many parameters it takes */
	KEY_SCHEME, /* a scheme new values are made in (strength.h); min: strong */
	KEY_NUMBER,
	KEY_BOOL,
	KEY_DOMAIN,
	KEY_PORT,
	KEY_CONNINFO, /* a secret: it may hold the password */
	KEY_SSLMODE,
	KEY_PATH,     /* an absolute path */
	KEY_REFUSE,   /* allow or refuse: a bool, true for refuse */
	KEY_READS,    /* a server kind for lookups: enum pp_reads */
};

static const struct key {
	const char *name;
	enum key_type type;
	size_t offset;
	long min, max; /* KEY_NUMBER */
} keys[] = {
	{ "postgresql-database", KEY_STRING, offsetof(struct pp_config, database), 0, 0 },
	{ "postgresql-host", KEY_STRING, offsetof(struct pp_config, host), 0, 0 },
	{ "postgresql-port", KEY_PORT, offsetof(struct pp_config, port), 1, 65535 },
	{ "postgresql-user", KEY_STRING, offsetof(struct pp_config, user), 0, 0 },
	{ "postgresql-password", KEY_SECRET, offsetof(struct pp_config, password), 0, 0 },
	{ "postgresql-query", KEY_QUERY, offsetof(struct pp_config, query), 1, 0 },
	{ "update-query", KEY_QUERY, offsetof(struct pp_config, update_query), 2, 0 },
	{ "upgrade-query", KEY_QUERY, offsetof(struct pp_config, upgrade_query), 3, 0 },
	{ "list-query", KEY_QUERY, offsetof(struct pp_config, list_query), 0, 0 },
	{ "password-scheme", KEY_SCHEME, offsetof(struct pp_config, password_scheme), 0, 0 },
	{ "upgrade-scheme", KEY_SCHEME, offsetof(struct pp_config, upgrade_scheme), 1, 0 },
	{ "postgresql-conninfo", KEY_CONNINFO, offsetof(struct pp_config, conninfo), 0, 0 },
	{ "postgresql-sslmode", KEY_SSLMODE, offsetof(struct pp_config, sslmode), 0, 0 },
	{ "postgresql-sslrootcert", KEY_PATH, offsetof(struct pp_config, sslrootcert), 0, 0 },
	{ "postgresql-sslcert", KEY_PATH, offsetof(struct pp_config, sslcert), 0, 0 },
	{ "postgresql-sslkey", KEY_PATH, offsetof(struct pp_config, sslkey), 0, 0 },
	{ "postgresql-passfile", KEY_PATH, offsetof(struct pp_config, passfile), 0, 0 },
	{ "default-domain", KEY_DOMAIN, offsetof(struct pp_config, default_domain), 0, 0 },
	{ "connect-timeout", KEY_NUMBER, offsetof(struct pp_config, connect_timeout), 1, 300 },
	{ "query-timeout", KEY_NUMBER, offsetof(struct pp_config, query_timeout), 0, 600000 },
	{ "lowercase", KEY_BOOL, offsetof(struct pp_config, lowercase), 0, 0 },
	{ "debug", KEY_BOOL, offsetof(struct pp_config, debug), 0, 0 },
	{ "persistent", KEY_BOOL, offsetof(struct pp_config, persistent), 0, 0 },
	{ "equalize-timing", KEY_BOOL, offsetof(struct pp_config, equalize_timing), 0, 0 },
	{ "weak-schemes", KEY_REFUSE, offsetof(struct pp_config, refuse_weak_schemes), 0, 0 },
	{ "postgresql-reads", KEY_READS, offsetof(struct pp_config, reads), 0, 0 },
	{ "postgresql-load-balance", KEY_BOOL, offsetof(struct pp_config, load_balance), 0, 0 },
	{ "standby-max-lag", KEY_NUMBER, offsetof(struct pp_config, standby_max_lag), 0, 3600 },
};

#define NKEYS (sizeof keys / sizeof keys[0])
#define FIELD(cfg, k, type) ((type *)((char *)(cfg) + (k)->offset))

static bool is_secret(const struct key *k)
{
	return k->type == KEY_SECRET || k->type == KEY_CONNINFO;
}

/* Does the key's field hold a string the config owns? */
static bool is_string(const struct key *k)
{
	return k->type != KEY_NUMBER && k->type != KEY_BOOL && k->type != KEY_REFUSE &&
	       k->type != KEY_READS;
}

/* postgresql-reads' values: libpq's target_session_attrs, by enum pp_reads. */
static const char *const reads_names[] = {
	[PP_READS_ANY] = "any",
	[PP_READS_PRIMARY] = "primary",
	[PP_READS_PREFER_STANDBY] = "prefer-standby",
	[PP_READS_STANDBY] = "standby",
};

const char *pp_reads_name(enum pp_reads reads)
{
	return reads_names[reads];
}

bool pp_config_split(const struct pp_config *cfg)
{
	return cfg->reads != PP_READS_ANY || cfg->load_balance;
}

void pp_config_init(struct pp_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->connect_timeout = 5;
	cfg->query_timeout = 5000;
	cfg->lowercase = true;
	cfg->persistent = true;
	cfg->standby_max_lag = 5;
}

void pp_config_free(struct pp_config *cfg)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if (!is_string(&keys[i]))
			continue;
		char **field = FIELD(cfg, &keys[i], char *);
		if (is_secret(&keys[i]))
			pp_free_secret(*field);
		else
			free(*field);
		*field = NULL;
	}
	free(cfg->file);
	free(cfg->file_id);
	cfg->file = cfg->file_id = NULL;
}

static char *copy_string(const char *s, bool secret)
{
	return s == NULL ? NULL : secret ? pp_strdup_secret(s) : strdup(s);
}

int pp_config_copy(struct pp_config *dst, const struct pp_config *src)
{
	bool lost = false;

	*dst = *src;
	for (size_t i = 0; i < NKEYS; i++) {
		if (!is_string(&keys[i]))
			continue;
		char **field = FIELD(dst, &keys[i], char *);
		*field = copy_string(*field, is_secret(&keys[i]));
		lost |= *field == NULL && *FIELD(src, &keys[i], char *) != NULL;
	}
	dst->file = copy_string(src->file, false);
	dst->file_id = copy_string(src->file_id, false);
	lost |= (dst->file == NULL && src->file != NULL) ||
		(dst->file_id == NULL && src->file_id != NULL);
	if (lost) {
		pp_config_free(dst);
		return -1;
	}
	return 0;
}

int pp_config_file_identity(const struct stat *st, char *buf, size_t size)
{
	/* Whatever a change to the file's text or its permissions moves. */
	int n = snprintf(buf, size, "%ju:%ju:%jd.%09ld:%jd.%09ld:%jd:%jo:%ju",
			 (uintmax_t)st->st_dev, (uintmax_t)st->st_ino,
			 (intmax_t)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
			 (intmax_t)st->st_ctim.tv_sec, st->st_ctim.tv_nsec,
			 (intmax_t)st->st_size, (uintmax_t)st->st_mode, (uintmax_t)st->st_uid);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int parse_bool(const char *value, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(value, yes[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(value, no[i]) == 0)
			return *out = false, 0;
	}
	return -1;
}

static int parse_number(const char *value, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Is there a printf placeholder "%s" at p, and not the start of a word
 * such as '%sales'? */
static bool placeholder_at(const char *p)
{
	return p[0] == '%' && p[1] == 's' && !isalnum((unsigned char)p[2]) && p[2] != '_';
}

/* PowerMail's lookup query quotes a printf placeholder: '%s' or %s.  Both
 * become the bound parameter $1, so the name is never part of the SQL text.
 * A query with nparams parameters must use each of $1..$nparams, and no
 * other (list-query: none); only the lookup (nparams 1) may use '%s'. */
static char *make_query(const char *value, int nparams, const char **why)
{
	static const char *const missing[] = {
		"no parameter",
		"the query must use the mailbox name as $1 (or '%s')",
		"the query must use the mailbox name as $1 and the new value as $2",
		"the query must use the mailbox name as $1, the new value as $2 and the old as $3",
	};
	static const char *const too_many[] = {
		"a query without parameters",
		"the query may use only one parameter, $1 (or '%s')",
		"the query may use only $1 and $2",
		"the query may use only $1, $2 and $3",
	};
	size_t len = strlen(value);
	char *q = malloc(len + 1), *o = q;
	unsigned used = 0;

	if (q == NULL) {
		*why = "out of memory";
		return NULL;
	}
	for (const char *p = value; *p;) {
		if (nparams == 1 &&
		    ((p[0] == '\'' && placeholder_at(p + 1) && p[3] == '\'') || placeholder_at(p))) {
			p += p[0] == '\'' ? 4 : 2;
			memcpy(o, "$1", 2);
			o += 2;
			used |= 1;
		} else if (p[0] == '$' && p[1] >= '0' && p[1] <= '9') {
			if (p[1] < '1' || p[1] > '0' + nparams || (p[2] >= '0' && p[2] <= '9')) {
				*why = too_many[nparams];
				goto fail;
			}
			used |= 1U << (p[1] - '1');
			*o++ = *p++;
			*o++ = *p++;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	/* "$1" must end there: "'%s'7" would read as $17, "$1x" as junk. */
	for (const char *p = strchr(q, '$'); p != NULL; p = strchr(p + 1, '$'))
		if (p[1] >= '1' && p[1] <= '0' + nparams &&
		    (isalnum((unsigned char)p[2]) || p[2] == '_')) {
			*why = nparams == 1 ? "the query's $1 (or '%s') must not run into a letter or "
					      "digit"
					    : "a parameter ($1, $2, $3) must not run into a letter or "
					      "digit";
			goto fail;
		}
	if (used != (1U << nparams) - 1) {
		*why = missing[nparams];
		goto fail;
	}
	return q;
fail:
	free(q);
	return NULL;
}

/* libpq's sslmode values, weakest first. */
static bool known_sslmode(const char *value)
{
	static const char *const modes[] = { "disable", "allow",     "prefer",
					     "require", "verify-ca", "verify-full" };

	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
		if (strcmp(value, modes[i]) == 0)
			return true;
	return false;
}

/* NULL when value is a connection string libpq can parse, else why not.
 * A service is refused: libpq finds its file through PGSERVICEFILE and
 * $HOME, which the caller sets, and it could only fill what the module
 * leaves unset: nothing that picks the server, the credentials or TLS
 * (lib/conn_params.c). */
static const char *check_conninfo(const char *value)
{
	const char *why = NULL;
	PQconninfoOption *opts = pp_conninfo_parse(value, &why);

	if (opts != NULL && pp_conninfo_get(opts, "service") != NULL)
		why = "no service=: write the service's parameters in postgresql-conninfo itself";
	pp_conninfo_free(opts);
	return why;
}

/* Does this value put a password in the module's arguments?  A connection
 * string that does not parse is refused later, for that. */
static bool holds_password(const struct key *k, const char *value)
{
	const char *why;
	PQconninfoOption *opts;
	bool found;

	if (k->type == KEY_SECRET)
		return true;
	if (k->type != KEY_CONNINFO)
		return false;
	opts = pp_conninfo_parse(value, &why);
	found = opts != NULL && pp_conninfo_has_secret(opts);
	pp_conninfo_free(opts);
	return found;
}

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

int pp_config_set(struct pp_config *cfg, const char *key, const char *value, const char *origin,
		  bool from_argument, char *err, size_t errlen)
{
	const struct key *k = find_key(key);
	const char *why = NULL;
	char *copy = NULL;
	unsigned long bit;

	if (k == NULL) {
		snprintf(err, errlen, "%s: unknown key '%.64s'", origin, key);
		return -1;
	}
	bit = 1UL << (k - keys);
	if (from_argument && holds_password(k, value)) {
		snprintf(err, errlen, "%s: %s%s is not allowed as a module argument: /etc/pam.d "
				      "is world-readable; put it in the configuration file",
			 origin, key, k->type == KEY_CONNINFO ? " with a password" : "");
		return -1;
	}
	/* A file may give each key once; arguments override the file. */
	if (!from_argument && (cfg->seen & bit)) {
		snprintf(err, errlen, "%s: %s is given twice", origin, key);
		return -1;
	}
	switch (k->type) {
	case KEY_NUMBER:
		if (parse_number(value, k->min, k->max, FIELD(cfg, k, long)) != 0)
			why = "a whole number in range";
		break;
	case KEY_BOOL:
		if (parse_bool(value, FIELD(cfg, k, bool)) != 0)
			why = "yes or no";
		break;
	case KEY_REFUSE:
		if (strcmp(value, "allow") != 0 && strcmp(value, "refuse") != 0)
			why = "allow or refuse";
		else
			*FIELD(cfg, k, bool) = strcmp(value, "refuse") == 0;
		break;
	case KEY_READS:
		why = "any, primary, prefer-standby or standby";
		for (size_t i = 0; i < sizeof reads_names / sizeof reads_names[0]; i++)
			if (strcmp(value, reads_names[i]) == 0) {
				*FIELD(cfg, k, enum pp_reads) = (enum pp_reads)i;
				why = NULL;
			}
		break;
	case KEY_QUERY:
		if (strspn(value, " \t") == strlen(value))
			why = "a query";
		else
			copy = make_query(value, (int)k->min, &why);
		break;
	case KEY_SCHEME: {
		struct pp_target t;

		if (pp_target_parse(value, &t, &why) != 0)
			break;
		if (k->min && pp_target_weak(&t))
			why = "a strong scheme, not one of those it would upgrade from";
		else
			copy = strdup(value);
		break;
	}
	case KEY_PORT: {
		long port;

		if (parse_number(value, k->min, k->max, &port) != 0)
			why = "a port number, 1 to 65535";
		else
			copy = strdup(value);
		break;
	}
	case KEY_DOMAIN:
		if (value[0] == '\0' || strchr(value, '@') != NULL || strpbrk(value, " \t\r\n") != NULL)
			why = "a domain name without '@' or spaces";
		else
			copy = strdup(value);
		break;
	case KEY_SSLMODE:
		if (!known_sslmode(value))
			why = "disable, allow, prefer, require, verify-ca or verify-full";
		else
			copy = strdup(value);
		break;
	case KEY_PATH:
		if (value[0] != '/')
			why = "an absolute path";
		else
			copy = strdup(value);
		break;
	case KEY_CONNINFO:
		if (value[0] == '\0')
			why = "a value (to use the default, leave the key out)";
		else if ((why = check_conninfo(value)) == NULL &&
			 (copy = pp_strdup_secret(value)) == NULL)
			why = "enough memory";
		break;
	case KEY_STRING:
	case KEY_SECRET:
		/* An empty value would silently mean libpq's default. */
		if (value[0] == '\0') {
			why = "a value (to use the default, leave the key out)";
			break;
		}
		copy = k->type == KEY_SECRET ? pp_strdup_secret(value) : strdup(value);
		if (copy == NULL)
			why = "enough memory";
		break;
	}
	if (why != NULL) {
		/* Never echo a value: it may be a password. */
		snprintf(err, errlen, "%s: bad value for %s: expected %s", origin, key, why);
		return -1;
	}
	if (is_string(k)) {
		char **field = FIELD(cfg, k, char *);

		if (is_secret(k))
			pp_free_secret(*field);
		else
			free(*field);
		*field = copy;
	}
	cfg->seen |= bit;
	return 0;
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

/* One "key = value" line; comments and blank lines are fine. */
static int parse_line(struct pp_config *cfg, char *line, const char *origin, char *err,
		      size_t errlen)
{
	char *eq, *key, *value;

	/* '#' starts a comment at the start of a line or after a blank, so a
	 * password may still contain one. */
	for (char *p = line; *p; p++)
		if (*p == '#' && (p == line || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	line = trim(line);
	if (*line == '\0')
		return 0;
	eq = strchr(line, '=');
	if (eq == NULL) {
		snprintf(err, errlen, "%s: expected 'key = value'", origin);
		return -1;
	}
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	return pp_config_set(cfg, key, value, origin, false, err, errlen);
}

static int check_file(struct pp_config *cfg, int fd, const char *path, char *err, size_t errlen,
		      off_t *size, mode_t *mode)
{
	char id[PP_FILE_ID_MAX];

	struct stat st;

	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s: must be owned by root", path);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen, "%s: writable by group or others: chmod 600 it", path);
		return -1;
	}
	if (st.st_size > PP_CONFIG_MAX_SIZE) {
		snprintf(err, errlen, "%s: larger than %d bytes", path, PP_CONFIG_MAX_SIZE);
		return -1;
	}
	/* A connection made from an older version of the file is not reused,
	 * nor a cached parse of it (config_cache.c). */
	if (pp_config_file_identity(&st, id, sizeof id) != 0) {
		snprintf(err, errlen, "%s: cannot describe the file", path);
		return -1;
	}
	free(cfg->file_id);
	free(cfg->file);
	cfg->file_id = strdup(id);
	cfg->file = strdup(path);
	*size = st.st_size;
	*mode = st.st_mode;
	return 0;
}

/* The database password, if the file gave one: as postgresql-password or
 * inside postgresql-conninfo.  (Module arguments, read after the file, may
 * hold neither.) */
static const char *password_key(const struct pp_config *cfg)
{
	if (cfg->password != NULL)
		return "postgresql-password";
	if (cfg->conninfo != NULL && holds_password(find_key("postgresql-conninfo"), cfg->conninfo))
		return "a password in postgresql-conninfo";
	return NULL;
}

/* libpq refuses a ~/.pgpass with any group or other bit; here the group may
 * read, as Exim needs (it runs PAM as Debian-exim): 0640 root:Debian-exim. */
static int check_secret_readers(const struct pp_config *cfg, const char *path, mode_t mode,
				char *err, size_t errlen)
{
	const char *key = password_key(cfg);

	if (key == NULL || !(mode & S_IROTH))
		return 0;
	snprintf(err, errlen,
		 "%s: readable by others, and it holds the database password (%s): "
		 "chmod 600 it, or 640 with the group of the service that reads it",
		 path, key);
	return -1;
}

int pp_config_load(struct pp_config *cfg, const char *path, bool may_be_missing, char *err,
		   size_t errlen)
{
	char *text = NULL, origin[PATH_MAX + 32];
	off_t size = 0;
	mode_t mode = 0;
	ssize_t got = 0;
	int fd, rc = -1, lineno = 0;
	bool missing;

	fd = pp_safe_open(path, &missing, err, errlen);
	if (fd < 0)
		return missing && may_be_missing ? 0 : -1;
	if (check_file(cfg, fd, path, err, errlen, &size, &mode) != 0)
		goto done;
	text = calloc(1, (size_t)size + 1);
	if (text == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto done;
	}
	for (ssize_t n; got < size && (n = read(fd, text + got, (size_t)(size - got))) != 0; got += n)
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto done;
		}
	if (memchr(text, '\0', (size_t)got) != NULL) {
		snprintf(err, errlen, "%s: contains a NUL byte: not a text file", path);
		goto done;
	}
	for (char *line = text, *next; line != NULL && *line; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		snprintf(origin, sizeof origin, "%s:%d", path, ++lineno);
		if (strlen(line) > PP_CONFIG_MAX_LINE) {
			snprintf(err, errlen, "%s: line longer than %d bytes", origin,
				 PP_CONFIG_MAX_LINE);
			goto done;
		}
		if (parse_line(cfg, line, origin, err, errlen) != 0)
			goto done;
	}
	if (check_secret_readers(cfg, path, mode, err, errlen) != 0)
		goto done;
	rc = 0;
done:
	if (text != NULL) {
		explicit_bzero(text, (size_t)size);
		free(text);
	}
	close(fd);
	return rc;
}

const char *pp_config_path(int argc, const char **argv)
{
	const char *path = NULL;

	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], "config=", 7) == 0)
			path = argv[i] + 7;
	return path;
}

/* Module arguments that are a word, not key=value. */
enum word_effect {
	WORD_DEBUG,     /* debug = yes */
	WORD_PAM,       /* PAM's own: pam_get_authtok reads it */
	WORD_NO_EFFECT, /* taken so that a copied pam_unix line works; logged */
};

static const struct word {
	const char *name;
	enum word_effect effect;
	const char *why; /* WORD_NO_EFFECT: what the module does instead */
} words[] = {
	{ "debug", WORD_DEBUG, NULL },
	{ "use_first_pass", WORD_PAM, NULL },
	{ "try_first_pass", WORD_PAM, NULL },
	{ "use_authtok", WORD_PAM, NULL },
	{ "nullok", WORD_NO_EFFECT, "an empty password never matches" },
};

#define NWORDS (sizeof words / sizeof words[0])

static const struct word *find_word(const char *arg)
{
	for (size_t i = 0; i < NWORDS; i++)
		if (strcmp(arg, words[i].name) == 0)
			return &words[i];
	return NULL;
}

bool pp_argument_changes_no_answer(const char *arg)
{
	return find_word(arg) != NULL || strncmp(arg, "debug=", 6) == 0;
}

const char *pp_argument_without_effect(int argc, const char **argv, const char **why)
{
	for (int i = 0; i < argc; i++) {
		const struct word *w = find_word(argv[i]);

		if (w != NULL && w->effect == WORD_NO_EFFECT) {
			*why = w->why;
			return w->name;
		}
	}
	return NULL;
}

int pp_config_from_args(struct pp_config *cfg, int argc, const char **argv, char *err,
			size_t errlen)
{
	const char *path = pp_config_path(argc, argv);

	if (pp_config_load(cfg, path ? path : PP_DEFAULT_CONFIG, path == NULL, err, errlen) != 0)
		return -1;
	for (int i = 0; i < argc; i++) {
		const struct word *w = find_word(argv[i]);
		const char *eq = strchr(argv[i], '=');
		char key[64];

		if (strncmp(argv[i], "config=", 7) == 0)
			continue;
		if (w != NULL) {
			cfg->debug |= w->effect == WORD_DEBUG;
			continue;
		}
		if (eq == NULL || (size_t)(eq - argv[i]) >= sizeof key) {
			snprintf(err, errlen,
				 "module argument '%.64s': unknown (expected key=value, debug, "
				 "use_first_pass, try_first_pass, use_authtok or nullok)",
				 argv[i]);
			return -1;
		}
		memcpy(key, argv[i], (size_t)(eq - argv[i]));
		key[eq - argv[i]] = '\0';
		if (pp_config_set(cfg, key, eq + 1, "module argument", true, err, errlen) != 0)
			return -1;
	}
	return 0;
}
