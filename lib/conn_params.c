/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Connection parameters from the configuration alone.
 *
 * libpq takes any parameter the caller leaves unset from its PG* variable,
 * and the client certificate, key, root certificate and password file from
 * $HOME.  In a PAM module the environment is the caller's: a setuid program
 * run by any user (passwd(1) on a password line, a setuid pamtester), or a
 * daemon started with variables meant for something else.  So:
 *
 *  - every parameter that has a PG* variable in PQconndefaults() (so
 *    whatever the installed libpq knows, 15 or 17) gets a value in one
 *    connection string given first: ours (below), the configuration's, or
 *    libpq's compiled-in default, or '' where that means "none" (PGOPTIONS,
 *    PGHOSTADDR, ...).  Only a string can say '': libpq skips an empty
 *    value in the keyword arrays and then reads the variable;
 *  - the files libpq would find under $HOME are named from the effective
 *    user's passwd entry instead;
 *  - what libpq reads whatever it is given is why a setuid or setgid
 *    process with any PG* variable is refused outright
 *    (pp_conn_env_untrusted): PGSERVICE (an empty service cannot be given:
 *    libpq looks it up and fails), with PGSERVICEFILE and PGSYSCONFDIR,
 *    whose service file fills only what is still unset (none of host,
 *    port, user, password, database, TLS: at most tcp_user_timeout and the
 *    like); PGTZ, PGDATESTYLE and PGGEQO, sent as session settings.
 *    Ignoring them would mean editing the caller's environment, which a
 *    library must not do (another thread may read it; the program may need
 *    it), and a refusal shows the attempt in the log.
 */
#include "conn_params.h"
#include "conninfo.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char **environ;

/* Ours, whatever the environment says; postgresql-conninfo may override. */
static const struct {
	const char *keyword, *value;
} module_defaults[] = {
	{ "application_name", "pam_powermail" },
	{ "client_encoding", "UTF8" },
	/* Kerberos only when written in postgresql-conninfo: a GSS-encrypted
	 * session would stand in for the TLS that sslmode asks for. */
	{ "gssencmode", "disable" },
	/* A kept connection to a server that vanished without a word (a
	 * network partition, a powered-off host) is noticed within about a
	 * minute and a half instead of the kernel's two hours.  Unix sockets
	 * ignore these. */
	{ "keepalives", "1" },
	{ "keepalives_idle", "60" },
	{ "keepalives_interval", "10" },
	{ "keepalives_count", "3" },
	/* libpq 16 and later (Debian 13; left out where PQconndefaults() does
	 * not list them): libpq's own defaults, applied in its code, so there
	 * is no compiled value to copy, and '' is refused ("invalid
	 * sslcertmode value"). */
	{ "sslcertmode", "allow" },
	/* libpq 16 and later: no requirement is no value, which a string
	 * cannot say ('' names no method, and every server then fails it):
	 * every method libpq knows is the same as none required. */
	{ "require_auth", "password,md5,gss,sspi,scram-sha-256,none" },
};

/* libpq's default files, under the effective user's home, not $HOME. */
static const struct {
	const char *keyword, *file;
} home_files[] = {
	{ "passfile", ".pgpass" },
	{ "sslcert", ".postgresql/postgresql.crt" },
	{ "sslkey", ".postgresql/postgresql.key" },
	{ "sslrootcert", ".postgresql/root.crt" },
};

static const char *module_default(const char *keyword)
{
	for (size_t i = 0; i < sizeof module_defaults / sizeof module_defaults[0]; i++)
		if (strcmp(module_defaults[i].keyword, keyword) == 0)
			return module_defaults[i].value;
	return NULL;
}

static const char *home_file(const char *keyword)
{
	for (size_t i = 0; i < sizeof home_files / sizeof home_files[0]; i++)
		if (strcmp(home_files[i].keyword, keyword) == 0)
			return home_files[i].file;
	return NULL;
}

/* The effective user's home directory; "/nonexistent" (where no file is)
 * when there is no passwd entry, or one too long for buf: cut, it would
 * name another directory. */
static void effective_home(char *buf, size_t size)
{
	char scratch[16384];
	struct passwd pw, *found = NULL;

	if (getpwuid_r(geteuid(), &pw, scratch, sizeof scratch, &found) == 0 && found != NULL &&
	    found->pw_dir[0] == '/') {
		int n = snprintf(buf, size, "%s", found->pw_dir);

		if (n >= 0 && (size_t)n < size)
			return;
	}
	snprintf(buf, size, "/nonexistent");
}

/* Append " keyword='value'" with libpq's quoting, within [out, limit).
 * The caller sized the buffer for it; should it not fit, NULL: a setting
 * left out would be libpq's to take from the environment. */
static char *append_setting(char *out, const char *limit, const char *keyword, const char *value)
{
	int n = snprintf(out, (size_t)(limit - out), " %s='", keyword);

	/* Room for the closing quote and the NUL too (an empty value has no
	 * character whose check below would see to it). */
	if (n < 0 || limit - out < n + 2)
		return NULL;
	out += n;
	for (const char *v = value; *v; v++) {
		if (limit - out < 4) /* this character, its escape, the quote, NUL */
			return NULL;
		if (*v == '\'' || *v == '\\')
			*out++ = '\\';
		*out++ = *v;
	}
	*out++ = '\'';
	*out = '\0';
	return out;
}

/* The value the base string gives option o, or NULL to leave it out. */
static const char *fixed_value(const PQconninfoOption *o, const char *home,
			       const char *timeout, char *path, size_t size)
{
	const char *ours = module_default(o->keyword);

	if (strcmp(o->keyword, "connect_timeout") == 0)
		return timeout;
	if (ours != NULL)
		return ours;
	/* No variable: nothing but the configuration (or a service file,
	 * which PGSERVICE names: see above) sets it. */
	if (o->envvar == NULL)
		return NULL;
	/* An empty service is looked up, and not found: it cannot be given. */
	if (strcmp(o->keyword, "service") == 0)
		return NULL;
	if (home_file(o->keyword) != NULL) {
		snprintf(path, size, "%s/%s", home, home_file(o->keyword));
		return path;
	}
	return o->compiled ? o->compiled : "";
}

/* The connection string that sets every parameter libpq could take from
 * the environment, and ours. */
static char *base_string(const struct pp_config *cfg)
{
	PQconninfoOption *defaults = PQconndefaults();
	char home[4096], path[4200], timeout[24];
	size_t size = 1;
	char *s, *end;

	if (defaults == NULL)
		return NULL;
	effective_home(home, sizeof home);
	snprintf(timeout, sizeof timeout, "%ld", cfg->connect_timeout);
	/* Each value at most doubled by quoting. */
	for (const PQconninfoOption *o = defaults; o->keyword != NULL; o++) {
		const char *value = fixed_value(o, home, timeout, path, sizeof path);

		size += value ? strlen(o->keyword) + 2 * strlen(value) + 4 : 0;
	}
	s = end = calloc(1, size);
	for (const PQconninfoOption *o = defaults; end != NULL && o->keyword != NULL; o++) {
		const char *value = fixed_value(o, home, timeout, path, sizeof path);

		if (value != NULL)
			end = append_setting(end, s + size, o->keyword, value);
	}
	PQconninfoFree(defaults);
	if (end == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

/* Does the host list (or a hostaddr) reach some server over TCP?  A host
 * starting with '/' or '@' is a unix socket directory; no host at all, or
 * an empty one in a list, is libpq's socket directory. */
static bool reaches_tcp(const char *hosts, const char *hostaddrs)
{
	if (hostaddrs != NULL)
		return true;
	for (const char *h = hosts; h != NULL; h = strchr(h, ',') ? strchr(h, ',') + 1 : NULL)
		if (*h != '\0' && *h != ',' && *h != '/' && *h != '@')
			return true;
	return false;
}

static void add(struct pp_conn_params *p, size_t *n, const char *keyword, const char *value)
{
	if (value == NULL || value[0] == '\0' || *n >= PP_CONN_PARAMS_MAX)
		return;
	p->keywords[*n] = keyword;
	p->values[*n] = value;
	++*n;
}

/* Does the installed libpq know this parameter (load_balance_hosts: 16 and
 * later)? */
static bool libpq_knows(const char *keyword)
{
	PQconninfoOption *defaults = PQconndefaults();
	bool found = false;

	for (const PQconninfoOption *o = defaults; o != NULL && o->keyword != NULL; o++)
		found |= strcmp(o->keyword, keyword) == 0;
	PQconninfoFree(defaults);
	return found;
}

/* Which server, in which order: last, so that it wins.  Nothing unless
 * reads and writes go apart: then the configuration's connection string
 * may not choose too. */
static const char *add_server_choice(const struct pp_config *cfg, enum pp_conn_use use,
				     struct pp_conn_params *p, size_t *n, const char *hosts,
				     const char *hostaddrs, const char *ports)
{
	if (!pp_config_split(cfg))
		return NULL;
	if (p->conninfo != NULL && (pp_conninfo_get(p->conninfo, "target_session_attrs") ||
				    pp_conninfo_get(p->conninfo, "load_balance_hosts")))
		return "postgresql-conninfo sets target_session_attrs or load_balance_hosts, "
		       "which postgresql-reads and postgresql-load-balance set: keep one";
	if (use == PP_CONN_WRITE) {
		add(p, n, "target_session_attrs", "read-write");
		return NULL;
	}
	add(p, n, "target_session_attrs", pp_reads_name(cfg->reads));
	if (!cfg->load_balance)
		return NULL;
	if (libpq_knows("load_balance_hosts")) {
		add(p, n, "load_balance_hosts", "random");
		return NULL;
	}
	/* Without randomness or memory, the written order: who answers a
	 * lookup is no matter of security. */
	if (pp_host_order_shuffle(hosts, hostaddrs, ports, &p->order) == 0) {
		add(p, n, "host", p->order.host);
		add(p, n, "hostaddr", p->order.hostaddr);
		add(p, n, "port", p->order.port);
	}
	return NULL;
}

static void add_secret(struct pp_conn_params *p, const char *secret)
{
	size_t i = 0;

	if (secret == NULL || secret[0] == '\0')
		return;
	while (p->secrets[i] != NULL)
		i++;
	if (i + 1 < sizeof p->secrets / sizeof p->secrets[0])
		p->secrets[i] = secret;
}

int pp_conn_params_make(const struct pp_config *cfg, enum pp_conn_use use,
			struct pp_conn_params *p, const char **why)
{
	const char *hosts = cfg->host, *hostaddrs = NULL, *ports = cfg->port;
	const char *sslmode = cfg->sslmode;
	size_t n = 0;

	memset(p, 0, sizeof *p);
	if (cfg->conninfo != NULL && (p->conninfo = pp_conninfo_parse(cfg->conninfo, why)) == NULL)
		return -1;
	p->base = base_string(cfg);
	if (p->base == NULL) {
		pp_conninfo_free(p->conninfo);
		*why = "out of memory";
		return -1;
	}
	add(p, &n, "dbname", p->base);
	if (p->conninfo == NULL) {
		add(p, &n, "host", cfg->host);
		add(p, &n, "port", cfg->port);
		add(p, &n, "user", cfg->user);
		add(p, &n, "password", cfg->password);
		add(p, &n, "dbname", cfg->database ? cfg->database : "powermail");
	}
	add(p, &n, "sslrootcert", cfg->sslrootcert);
	add(p, &n, "sslcert", cfg->sslcert);
	add(p, &n, "sslkey", cfg->sslkey);
	add(p, &n, "passfile", cfg->passfile);
	add_secret(p, cfg->password);
	if (p->conninfo != NULL) {
		/* Last: the connection string wins over the keys. */
		for (const PQconninfoOption *o = p->conninfo; o->keyword != NULL; o++) {
			add(p, &n, o->keyword, o->val);
			if (o->dispchar != NULL && o->dispchar[0] == '*')
				add_secret(p, o->val);
		}
		add_secret(p, cfg->conninfo);
		hosts = pp_conninfo_get(p->conninfo, "host");
		hostaddrs = pp_conninfo_get(p->conninfo, "hostaddr");
		ports = pp_conninfo_get(p->conninfo, "port");
		if (pp_conninfo_get(p->conninfo, "sslmode") != NULL)
			sslmode = pp_conninfo_get(p->conninfo, "sslmode");
	}
	p->tcp = reaches_tcp(hosts, hostaddrs);
	/* Over TCP the server's certificate is checked, name included, unless
	 * the operator wrote otherwise; a unix socket never uses TLS. */
	p->sslmode = sslmode ? sslmode : p->tcp ? "verify-full" : "disable";
	add(p, &n, "sslmode", p->sslmode);
	if ((*why = add_server_choice(cfg, use, p, &n, hosts, hostaddrs, ports)) != NULL) {
		pp_conn_params_free(p);
		return -1;
	}
	if (n >= PP_CONN_PARAMS_MAX) {
		pp_conn_params_free(p);
		*why = "too many connection parameters";
		return -1;
	}
	p->keywords[n] = p->values[n] = NULL;
	return 0;
}

void pp_conn_params_free(struct pp_conn_params *p)
{
	free(p->base);
	pp_conninfo_free(p->conninfo);
	pp_host_order_free(&p->order);
	memset(p, 0, sizeof *p);
}

bool pp_conn_params_quotes_secret(const struct pp_conn_params *p, const char *text)
{
	for (size_t i = 0; p->secrets[i] != NULL; i++)
		if (strstr(text, p->secrets[i]) != NULL)
			return true;
	return false;
}

bool pp_conn_env_untrusted(char *buf, size_t size)
{
	bool privileged = getauxval(AT_SECURE) != 0 || getuid() != geteuid() ||
			  getgid() != getegid();
	bool found = false;
	size_t used = 0;

	buf[0] = '\0';
	if (!privileged)
		return false;
	for (char **e = environ; e != NULL && *e != NULL; e++) {
		size_t name = strcspn(*e, "=");

		if (strncmp(*e, "PG", 2) != 0)
			continue;
		/* Refused whether or not its name still fits in buf. */
		found = true;
		if (used + 1 >= size)
			continue;
		int w = snprintf(buf + used, size - used, "%s%.*s", used ? ", " : "", (int)name, *e);
		used = w < 0 ? size : used + (size_t)w;
	}
	return found;
}
