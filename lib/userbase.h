/* The userbase: one parameterized query against PostgreSQL, answered as one
 * of PowerMail's kinds of address. */
#ifndef PP_USERBASE_H
#define PP_USERBASE_H

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
};

/* Look name up.  Fills mb (free it with pp_mailbox_clear) and returns its
 * kind.  Errors are logged through logger, without secrets. */
enum pp_kind pp_userbase_lookup(const struct pp_config *cfg, const char *name,
				struct pp_mailbox *mb, const struct pp_logger *logger);

void pp_mailbox_clear(struct pp_mailbox *mb);

const char *pp_kind_name(enum pp_kind kind);

#endif
