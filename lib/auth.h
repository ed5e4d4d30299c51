/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One login, start to end: normalise the name, ask the userbase, verify
 * through the dispatcher.  Everything that logs someone in calls this. */
#ifndef PP_AUTH_H
#define PP_AUTH_H

#include "config.h"
#include "log.h"
#include "name.h"
#include "proof.h"
#include "scheme.h"
#include "strength.h"
#include "userbase.h"

enum pp_result {
	PP_OK,             /* right password (or, for pp_account, a mailbox) */
	PP_NO_USER,        /* unknown address, or a name no mailbox can have */
	PP_FORWARD,        /* a forward: no mailbox to log in to */
	PP_WRONG_PASSWORD, /* wrong or empty password, nothing stored, locked */
	PP_BAD_STORED,     /* unknown scheme or malformed stored value */
	PP_UNAVAILABLE,    /* the userbase could not answer */
	PP_NOT_STORED,     /* a new password the userbase refused, or an unfit one */
};

struct pp_login {
	char name[PP_NAME_MAX + 1]; /* canonical mailbox name, once known */
	enum pp_kind kind;
	long quota_mb;
	enum pp_verdict verdict;      /* pp_authenticate only */
	struct pp_verify_info verify; /* which scheme, and why it failed */
	const char *weakness;         /* pp_authenticate: why the stored value was
				       * upgraded (strength.h), or NULL */
	bool upgraded;                /* ... and whether that was stored */
};

/* Check login's password.  Logs one line for each refusal, and successes
 * when cfg->debug. */
enum pp_result pp_authenticate(const struct pp_config *cfg, const char *login,
			       const char *password, struct pp_login *out,
			       const struct pp_logger *logger);

/* Store new_password for login in password-scheme through update-query.
 * Checking the old password is the caller's business.  Unknown and forward
 * addresses are refused; PP_NOT_STORED when the userbase refused the write
 * or the password is empty or too long, PP_UNAVAILABLE when it could not be
 * asked.  Logs one line either way. */
enum pp_result pp_change_password(const struct pp_config *cfg, const char *login,
				  const char *new_password, struct pp_login *out,
				  const struct pp_logger *logger);

/* A password change's first pass: check the current password as
 * pp_authenticate does, and after a match make proof (lib/proof.h) of what
 * was verified; otherwise, or when it cannot be made, proof is unmade. */
enum pp_result pp_check_current(const struct pp_config *cfg, const char *login,
				const char *current, struct pp_proof *proof, struct pp_login *out,
				const struct pp_logger *logger);

/* A password change's second pass: look login up, check current against
 * the value read (no hash when proof, from the first pass, holds for this
 * very name, value and password: lib/proof.h), then store new_password as
 * pp_change_password does.  The value is read again, after the new
 * password was asked for: a change made meanwhile is checked anew, and
 * only the hash of the new value stands between that read and the
 * write. */
enum pp_result pp_change_password_checked(const struct pp_config *cfg, const char *login,
					  const char *current, const struct pp_proof *proof,
					  const char *new_password, struct pp_login *out,
					  const struct pp_logger *logger);

/* Is login a mailbox one may log in to (PAM's account management)? */
enum pp_result pp_account(const struct pp_config *cfg, const char *login, struct pp_login *out,
			  const struct pp_logger *logger);

const char *pp_result_name(enum pp_result r);

#endif
