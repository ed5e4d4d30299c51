/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pam_powermail's configuration: /etc/pam_powermail.conf and module
 * arguments, with PowerMail's key names.  The config owns every string. */
#ifndef PP_CONFIG_H
#define PP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#define PP_DEFAULT_CONFIG "/etc/pam_powermail.conf"
#define PP_DEFAULT_QUERY "select quotaMB,isForward,fwdDest,password from mboxes where mbox=$1"
#define PP_DEFAULT_UPDATE_QUERY "update mboxes set password=$2 where mbox=$1"
#define PP_DEFAULT_UPGRADE_QUERY "update mboxes set password=$2 where mbox=$1 and password=$3"
#define PP_DEFAULT_PASSWORD_SCHEME "{crypt}"
#define PP_DEFAULT_LIST_QUERY "select mbox, isForward, password from mboxes order by mbox"
#define PP_CONFIG_MAX_SIZE (64 * 1024)
#define PP_CONFIG_MAX_LINE 4096
#define PP_FILE_ID_MAX 192 /* pp_config_file_identity() */

/* postgresql-reads: which server lookups read from (libpq's
 * target_session_attrs of the same names). */
enum pp_reads {
	PP_READS_ANY,
	PP_READS_PRIMARY,
	PP_READS_PREFER_STANDBY,
	PP_READS_STANDBY,
};

struct pp_config {
	char *database;       /* postgresql-database */
	char *host;           /* postgresql-host: a host name or a socket directory */
	char *port;           /* postgresql-port */
	char *user;           /* postgresql-user */
	char *password;       /* postgresql-password: never from module arguments */
	char *query;          /* postgresql-query, with %s already turned into $1 */
	char *conninfo;       /* postgresql-conninfo: wins over the keys above and
			       * below; parsed (PQconninfoParse) when set */
	char *sslmode;        /* postgresql-sslmode: NULL: verify-full over TCP */
	char *sslrootcert;    /* postgresql-sslrootcert, -sslcert, -sslkey and */
	char *sslcert;        /* -passfile: absolute paths; NULL: libpq's file */
	char *sslkey;         /* of that name in the home directory of the */
	char *passfile;       /* effective user (lib/conn_params.c) */
	char *update_query;   /* update-query: $1 mailbox, $2 new value */
	char *upgrade_query;  /* upgrade-query: the same, and $3 the value replaced */
	char *list_query;     /* list-query: every mailbox, isForward, password */
	char *password_scheme; /* password-scheme: what password changes store */
	char *upgrade_scheme; /* upgrade-scheme: NULL: logins never rewrite a value */
	char *default_domain; /* appended to a name without '@' */
	long connect_timeout; /* seconds */
	long query_timeout;   /* milliseconds; 0: none */
	bool lowercase;
	bool debug;
	bool persistent;      /* keep the connection across logins */
	bool equalize_timing; /* unknown and forward addresses cost a check too */
	bool refuse_weak_schemes; /* weak-schemes = refuse: values in a scheme
				   * Dovecot 2.4 calls weak never match */
	enum pp_reads reads;  /* postgresql-reads */
	bool load_balance;    /* postgresql-load-balance: hosts in random order */
	long standby_max_lag; /* seconds a standby read from may be behind */
	char *file;           /* the file read, if any */
	char *file_id;        /* its identity: pp_config_file_identity() */
	unsigned long seen;   /* keys already given, by table index */
};

void pp_config_init(struct pp_config *cfg);

/* Do writes go over a connection of their own (target_session_attrs
 * read-write)?  Whenever lookups may land on a standby: postgresql-reads is
 * not any, or the hosts are load-balanced.  Otherwise one connection serves
 * both, as before these keys. */
bool pp_config_split(const struct pp_config *cfg);

const char *pp_reads_name(enum pp_reads reads);
void pp_config_free(struct pp_config *cfg);

/* Set key to value.  origin says where it came from ("file:12",
 * "argument"); arguments may not carry secrets: neither postgresql-password
 * nor a postgresql-conninfo holding a password.  Returns 0, or -1 with a
 * message naming the key and origin in err. */
int pp_config_set(struct pp_config *cfg, const char *key, const char *value, const char *origin,
		  bool from_argument, char *err, size_t errlen);

/* Read a configuration file.  It must be a regular file owned by root or by
 * us and writable by nobody else, below directories that are as safe
 * (pp_safe_open), and readable by others only when it holds no database
 * password.  A missing file is an error unless may_be_missing.  Returns 0 or
 * -1 with err set. */
int pp_config_load(struct pp_config *cfg, const char *path, bool may_be_missing, char *err,
		   size_t errlen);

/* Module arguments: "config=PATH" picks the file (read first), then each
 * "key=value" overrides it; "debug" is debug=yes; PAM's own use_first_pass,
 * try_first_pass and use_authtok are left to pam_get_authtok; pam_unix's
 * nullok is taken and has no effect.  Any other word is an error naming
 * it. */
int pp_config_from_args(struct pp_config *cfg, int argc, const char **argv, char *err,
			size_t errlen);

/* Does module argument arg change no answer of the module (debug, debug=,
 * PAM's own words, nullok)?  A configuration's identity leaves it out. */
bool pp_argument_changes_no_answer(const char *arg);

/* The first argument taken that has no effect (nullok), with *why saying
 * what the module does instead; NULL when there is none. */
const char *pp_argument_without_effect(int argc, const char **argv, const char **why);

/* The file named by a "config=" argument, or NULL (PP_DEFAULT_CONFIG, which
 * may be missing). */
const char *pp_config_path(int argc, const char **argv);

/* Device, inode, mtime, ctime, size, mode and owner as one string: whatever
 * an edit, a replacement or a chmod/chown of the file changes.  0 or -1. */
int pp_config_file_identity(const struct stat *st, char *buf, size_t size);

/* A deep copy (secrets copied as secrets); 0, or -1 and dst empty. */
int pp_config_copy(struct pp_config *dst, const struct pp_config *src);

/* pp_config_from_args, but a file whose identity has not changed since the
 * last call with the same arguments is not read and parsed again: a copy of
 * the last result is returned.  Thread- and fork-safe.  Errors are never
 * cached. */
int pp_config_from_args_cached(struct pp_config *cfg, int argc, const char **argv, char *err,
			       size_t errlen);

#endif
