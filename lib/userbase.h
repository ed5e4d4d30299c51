/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The userbase: one parameterized query against PostgreSQL, answered as one
 * of PowerMail's kinds of address. */
#ifndef PP_USERBASE_H
#define PP_USERBASE_H

#include <stdbool.h>

#include "config.h"
#include "log.h"

enum pp_kind {
	PP_KIND_UNKNOWN,     /* no row: refuse at once */
	PP_KIND_HOSTED,      /* a mailbox with a password */
	PP_KIND_FORWARD,     /* mail goes on to fwdDest; no mailbox */
	PP_KIND_UNAVAILABLE, /* no connection, a query error, a timeout, two rows */
};

struct pp_mailbox {
	enum pp_kind kind;
	char *password; /* stored value, NULL when the column is NULL; a secret */
	long quota_mb;  /* 0: unlimited (or NULL) */
	char *forward;  /* fwdDest, or NULL */
	bool on_standby; /* read on a standby (reads and writes apart) */
};

/* Look name up.  Fills mb (free it with pp_mailbox_clear) and returns its
 * kind.  Errors are logged through logger, without secrets. */
enum pp_kind pp_userbase_lookup(const struct pp_config *cfg, const char *name,
				struct pp_mailbox *mb, const struct pp_logger *logger);

/* The same, read where writes go: what a password change checks against,
 * and the word that counts when a standby's value refused a password.
 * Without reads and writes apart, the same connection as any lookup. */
enum pp_kind pp_userbase_lookup_primary(const struct pp_config *cfg, const char *name,
					struct pp_mailbox *mb, const struct pp_logger *logger);

/* pp_userbase_lookup_primary for a second opinion, after a standby's value
 * refused a password: PP_KIND_UNAVAILABLE at once, without trying, for ten
 * seconds after a connection to where writes go failed to open (a primary
 * that is down would otherwise cost every wrong password a connection
 * attempt, and connect-timeout when its host does not answer). */
enum pp_kind pp_userbase_recheck(const struct pp_config *cfg, const char *name,
				 struct pp_mailbox *mb, const struct pp_logger *logger);

void pp_mailbox_clear(struct pp_mailbox *mb);

/* Does an isForward column's text (NULL for SQL NULL) mark a forward?
 * Only NULL, 0, f and false are a mailbox, in any case and with blanks
 * around them; anything else is a forward (fail closed). */
bool pp_is_forward(const char *v);

/* Is v one of the values PowerMail and a boolean column write: NULL, 0, 1,
 * t, true, f or false (as pp_is_forward compares them)?  pptool check names
 * the rows whose value is not. */
bool pp_forward_mark_is_usual(const char *v);

enum pp_write {
	PP_WRITTEN,           /* the server ran it: *rows rows changed */
	PP_WRITE_REFUSED,     /* the server refused it: read-only, no permission,
			       * a constraint, a bad query */
	PP_WRITE_UNAVAILABLE, /* no connection, or no answer in time */
};

/* Run a data-changing query (update-query, upgrade-query) with its
 * parameters, on the same connections and with the same retry as lookups.
 * params[0] is the mailbox name; the others are secrets (a new value, the
 * old one).  stored (or NULL) is the value read for the mailbox before:
 * not sent, but a trigger may quote the row's (OLD.password).  Logs
 * nothing but a failed connection: on failure msg says why, on one line,
 * never quoting a secret parameter or stored. */
enum pp_write pp_userbase_write(const struct pp_config *cfg, const char *sql, int nparams,
				const char *const *params, const char *stored, long *rows,
				char *msg, size_t msglen, const struct pp_logger *logger);

const char *pp_kind_name(enum pp_kind kind);

#endif
