/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The login flow.  Data goes one way: name, userbase, dispatcher, result.
 * Every refusal is logged once, here, with the mailbox and the reason and
 * never a password or a stored value. */
#include "auth.h"
#include "equalize.h"
#include "secret.h"

#include <stdio.h>
#include <string.h>

/* Where a lookup reads: where lookups go (a standby, with reads and writes
 * apart), or, for a password change, where writes go. */
enum read_from {
	READ_SERVER,
	WRITE_SERVER,
};

/* Normalise and look up; the steps every entry point shares. */
static enum pp_result find_mailbox(const struct pp_config *cfg, enum read_from from,
				   const char *login, struct pp_login *out, struct pp_mailbox *mb,
				   const struct pp_logger *logger)
{
	const char *why = NULL;

	memset(out, 0, sizeof *out);
	memset(mb, 0, sizeof *mb);
	if (pp_normalize_name(cfg, login, out->name, &why) != 0) {
		/* The name itself is not logged: it may hold anything. */
		pp_log(logger, LOG_NOTICE, "refused a login name: %s", why);
		out->name[0] = '\0';
		return PP_NO_USER;
	}
	out->kind = from == WRITE_SERVER ? pp_userbase_lookup_primary(cfg, out->name, mb, logger)
					 : pp_userbase_lookup(cfg, out->name, mb, logger);
	out->quota_mb = mb->quota_mb;
	switch (out->kind) {
	case PP_KIND_UNKNOWN:
		pp_log(logger, LOG_NOTICE, "mailbox %s: unknown address", out->name);
		return PP_NO_USER;
	case PP_KIND_FORWARD:
		pp_log(logger, LOG_NOTICE, "mailbox %s: a forward address has no mailbox",
		       out->name);
		return PP_FORWARD;
	case PP_KIND_UNAVAILABLE:
		/* The userbase has logged why. */
		return PP_UNAVAILABLE;
	case PP_KIND_HOSTED:
		break;
	}
	return PP_OK;
}

static enum pp_result judge(const struct pp_config *cfg, struct pp_login *out,
			    const struct pp_logger *logger)
{
	switch (out->verdict) {
	case PP_MATCH:
		if (cfg->debug)
			pp_log(logger, LOG_INFO, "mailbox %s: authenticated ({%s})", out->name,
			       out->verify.scheme->name);
		return PP_OK;
	case PP_MISMATCH:
		pp_log(logger, LOG_NOTICE, "mailbox %s: authentication failed: %s", out->name,
		       out->verify.why ? out->verify.why : "wrong password");
		return PP_WRONG_PASSWORD;
	case PP_UNKNOWN_SCHEME:
		/* What stands between the braces is not logged: in a PowerMail
		 * 1.0 userbase it is part of a plaintext password. */
		pp_log(logger, LOG_WARNING,
		       "mailbox %s: the stored password names an unknown scheme and never "
		       "matches (a PowerMail 1.0 plaintext password? see pam_powermail(8))",
		       out->name);
		return PP_BAD_STORED;
	case PP_MALFORMED:
		pp_log(logger, LOG_WARNING, "mailbox %s: the stored {%s} value is malformed: %s",
		       out->name, out->verify.scheme->name, out->verify.why);
		return PP_BAD_STORED;
	case PP_WEAK_REFUSED:
		/* The operator's to fix, as a malformed value is; no password
		 * was tried, so nothing says the authentication failed. */
		pp_log(logger, LOG_WARNING,
		       "mailbox %s: stored value in weak scheme {%s}%s%s%s refused (weak-schemes = "
		       "refuse): re-hash it, see pptool(8)",
		       out->name, out->verify.scheme->name, out->verify.weak_form ? " (" : "",
		       out->verify.weak_form ? out->verify.weak_form : "",
		       out->verify.weak_form ? ")" : "");
		return PP_BAD_STORED;
	}
	return PP_BAD_STORED;
}

/* Write a value made from password in the scheme target for out->name:
 * update-query with old == NULL, else the compare-and-swap upgrade-query.
 * stored, the value read before, is a secret the server's words must not
 * quote.  0 when one row changed; otherwise *msg says why. */
static enum pp_write store(const struct pp_config *cfg, const struct pp_target *target,
			   const char *password, const char *old, const char *stored,
			   struct pp_login *out, char *msg, size_t msglen,
			   const struct pp_logger *logger)
{
	char value[PP_HASH_MAX];
	const char *why = NULL;
	long rows = 0;
	enum pp_write w;

	/* A failed hash may leave part of a value behind: wiped on every way
	 * out, as the new value is. */
	if (pp_target_hash(target, password, value, sizeof value, &why) != 0) {
		snprintf(msg, msglen, "cannot make a {%s} value: %s", target->scheme->name, why);
		w = PP_WRITE_REFUSED;
		goto done;
	}
	const char *params[3] = { out->name, value, old };

	if (old == NULL)
		w = pp_userbase_write(cfg, cfg->update_query ? cfg->update_query
							      : PP_DEFAULT_UPDATE_QUERY,
				      2, params, stored, &rows, msg, msglen, logger);
	else
		w = pp_userbase_write(cfg, cfg->upgrade_query ? cfg->upgrade_query
							       : PP_DEFAULT_UPGRADE_QUERY,
				      3, params, stored, &rows, msg, msglen, logger);
	if (w == PP_WRITTEN && rows == 0) {
		snprintf(msg, msglen, old ? "the stored password changed meanwhile"
					  : "update-query changed no row");
		w = PP_WRITE_REFUSED;
	}
done:
	explicit_bzero(value, sizeof value);
	return w;
}

/* After a right password: with upgrade-scheme set, a weak stored value is
 * replaced, unless it changed since we read it.  Never fails the login. */
static void upgrade(const struct pp_config *cfg, const char *stored, const char *password,
		    struct pp_login *out, const struct pp_logger *logger)
{
	struct pp_target target;
	const char *why;
	char msg[320];

	if (cfg->upgrade_scheme == NULL || pp_target_parse(cfg->upgrade_scheme, &target, &why) != 0)
		return;
	out->weakness = pp_weakness(stored, &target);
	if (out->weakness == NULL)
		return;
	bool written = store(cfg, &target, password, stored, stored, out, msg, sizeof msg, logger) ==
		       PP_WRITTEN;

	if (!written)
		pp_log(logger, LOG_WARNING,
		       "mailbox %s: password not upgraded from {%s} (the login goes on): %s",
		       out->name, out->verify.scheme->name, msg);
	/* The server's words about a failed write may quote the new value. */
	explicit_bzero(msg, sizeof msg);
	if (!written)
		return;
	out->upgraded = true;
	pp_log(logger, LOG_INFO, "mailbox %s: password upgraded from {%s} (%s) to {%s}", out->name,
	       out->verify.scheme->name, out->weakness, target.scheme->name);
}

/* equalize-timing: which answers cost a decoy check too.  Every refusal
 * whose own work was less than a check of a value this configuration
 * makes (lib/equalize.h); not a success: its
 * time tells only someone who has the password that the address exists,
 * which the success itself has told them, and padding it would slow every
 * login of a plaintext userbase.  Nor an unavailable userbase: nothing was
 * learnt about the address. */
static bool padded(const struct pp_config *cfg, enum pp_result result, const char *stored)
{
	switch (result) {
	case PP_WRONG_PASSWORD:
		return pp_needs_padding(cfg, stored);
	case PP_NO_USER:
	case PP_FORWARD:
	case PP_BAD_STORED:
		return true;
	case PP_OK:
	case PP_UNAVAILABLE:
	case PP_NOT_STORED:
		return false;
	}
	return true;
}

/* Does proof show that password matched this very stored value of this
 * very mailbox a moment ago (a password change's first pass)?  Then the
 * hash is not computed again. */
static bool already_verified(const struct pp_config *cfg, const struct pp_proof *proof,
			     const char *stored, const char *password, struct pp_login *out,
			     const struct pp_logger *logger)
{
	if (!pp_proof_holds(proof, out->name, stored, password))
		return false;
	/* The scheme's name, for the log line, without the hash. */
	(void)pp_check_form(stored, &out->verify);
	out->verdict = PP_MATCH;
	if (cfg->debug)
		pp_log(logger, LOG_INFO,
		       "mailbox %s: current password as the first pass verified it ({%s})",
		       out->name, out->verify.scheme ? out->verify.scheme->name : "?");
	return true;
}

static bool same_value(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return pp_ct_equal(a, strlen(a), b, strlen(b));
}

/* A standby's value refused the password: it may predate a change its
 * replay has not reached yet.  The primary's value, when it differs, is
 * the one that counts, and is checked; the same value is not hashed
 * twice.  When the primary cannot answer, the standby's word stands. */
static void recheck_on_primary(const struct pp_config *cfg, const char *password,
			       struct pp_mailbox *mb, struct pp_login *out,
			       const struct pp_logger *logger)
{
	struct pp_mailbox primary;

	if (pp_userbase_recheck(cfg, out->name, &primary, logger) != PP_KIND_HOSTED ||
	    same_value(primary.password, mb->password)) {
		pp_mailbox_clear(&primary);
		return;
	}
	if (cfg->debug)
		pp_log(logger, LOG_INFO,
		       "mailbox %s: the standby's value is older than the primary's, which is "
		       "checked",
		       out->name);
	pp_mailbox_clear(mb);
	*mb = primary;
	out->quota_mb = mb->quota_mb;
	out->verdict = pp_verify_policy(mb->password, password, cfg->refuse_weak_schemes,
					&out->verify);
}

/* pp_authenticate, and for a password change: no hash when known (may be
 * NULL) holds for what the lookup read; after a match, made (may be NULL)
 * is made for it; keep (may be NULL) is handed the mailbox read, for the
 * caller to clear. */
static enum pp_result authenticate(const struct pp_config *cfg, enum read_from from,
				   const char *login, const char *password,
				   const struct pp_proof *known, struct pp_proof *made,
				   struct pp_mailbox *keep, struct pp_login *out,
				   const struct pp_logger *logger)
{
	struct pp_mailbox mb;
	enum pp_result result = find_mailbox(cfg, from, login, out, &mb, logger);

	if (made != NULL)
		pp_proof_clear(made);
	if (result == PP_OK && !already_verified(cfg, known, mb.password, password, out, logger)) {
		out->verdict = pp_verify_policy(mb.password, password, cfg->refuse_weak_schemes,
						&out->verify);
		if (out->verdict != PP_MATCH && mb.on_standby)
			recheck_on_primary(cfg, password, &mb, out, logger);
		result = judge(cfg, out, logger);
		if (result == PP_OK)
			upgrade(cfg, mb.password, password, out, logger);
	}
	/* Left unmade when it cannot be made: the second pass checks anew. */
	if (result == PP_OK && made != NULL && !out->upgraded)
		(void)pp_proof_make(made, out->name, mb.password, password);
	/* The seed refuses unknown addresses at once; a site that fears
	 * address enumeration more makes every refusal cost a check. */
	if (cfg->equalize_timing && padded(cfg, result, mb.password))
		pp_pad(cfg, password);
	if (keep != NULL)
		*keep = mb;
	else
		pp_mailbox_clear(&mb);
	return result;
}

enum pp_result pp_authenticate(const struct pp_config *cfg, const char *login,
			       const char *password, struct pp_login *out,
			       const struct pp_logger *logger)
{
	return authenticate(cfg, READ_SERVER, login, password, NULL, NULL, NULL, out, logger);
}

enum pp_result pp_check_current(const struct pp_config *cfg, const char *login,
				const char *current, struct pp_proof *proof, struct pp_login *out,
				const struct pp_logger *logger)
{
	return authenticate(cfg, WRITE_SERVER, login, current, NULL, proof, NULL, out, logger);
}

/* Store new_password for out->name, which a lookup found hosted with the
 * value stored: a secret the server's words about the write must not quote
 * (a trigger's OLD.password). */
static enum pp_result store_new(const struct pp_config *cfg, const char *new_password,
				const char *stored, struct pp_login *out,
				const struct pp_logger *logger)
{
	struct pp_target target;
	const char *why = NULL;
	char msg[320];
	enum pp_result result = PP_NOT_STORED; /* until the write says otherwise */

	if (pp_target_parse(cfg->password_scheme ? cfg->password_scheme
						 : PP_DEFAULT_PASSWORD_SCHEME,
			    &target, &why) != 0) {
		pp_log(logger, LOG_ERR, "password-scheme: %s", why);
		goto done;
	}
	if (new_password == NULL || new_password[0] == '\0' ||
	    strnlen(new_password, PP_MAX_PASSWORD + 1) > PP_MAX_PASSWORD) {
		pp_log(logger, LOG_NOTICE, "mailbox %s: password not changed: the new one is %s",
		       out->name, new_password && new_password[0] ? "longer than 4096 bytes" : "empty");
		goto done;
	}
	switch (store(cfg, &target, new_password, NULL, stored, out, msg, sizeof msg, logger)) {
	case PP_WRITTEN:
		pp_log(logger, LOG_NOTICE, "mailbox %s: password changed ({%s})", out->name,
		       target.scheme->name);
		result = PP_OK;
		break;
	case PP_WRITE_REFUSED:
		pp_log(logger, LOG_ERR, "mailbox %s: password not changed: %s", out->name, msg);
		result = PP_NOT_STORED;
		break;
	case PP_WRITE_UNAVAILABLE:
		pp_log(logger, LOG_ERR,
		       "mailbox %s: password not changed: userbase unavailable: %s", out->name,
		       msg);
		result = PP_UNAVAILABLE;
		break;
	}
	/* The server's words about a refused write may quote the new value. */
	explicit_bzero(msg, sizeof msg);
done:
	return result;
}

enum pp_result pp_change_password(const struct pp_config *cfg, const char *login,
				  const char *new_password, struct pp_login *out,
				  const struct pp_logger *logger)
{
	struct pp_mailbox mb;
	enum pp_result result = find_mailbox(cfg, WRITE_SERVER, login, out, &mb, logger);

	if (result == PP_OK)
		result = store_new(cfg, new_password, mb.password, out, logger);
	pp_mailbox_clear(&mb);
	return result;
}

enum pp_result pp_change_password_checked(const struct pp_config *cfg, const char *login,
					  const char *current, const struct pp_proof *proof,
					  const char *new_password, struct pp_login *out,
					  const struct pp_logger *logger)
{
	struct pp_mailbox mb;
	enum pp_result result =
		authenticate(cfg, WRITE_SERVER, login, current, proof, NULL, &mb, out, logger);

	if (result == PP_OK)
		result = store_new(cfg, new_password, mb.password, out, logger);
	pp_mailbox_clear(&mb);
	return result;
}

enum pp_result pp_account(const struct pp_config *cfg, const char *login, struct pp_login *out,
			  const struct pp_logger *logger)
{
	struct pp_mailbox mb;
	enum pp_result result = find_mailbox(cfg, READ_SERVER, login, out, &mb, logger);

	pp_mailbox_clear(&mb);
	return result;
}

const char *pp_result_name(enum pp_result r)
{
	switch (r) {
	case PP_OK:
		return "ok";
	case PP_NO_USER:
		return "unknown address";
	case PP_FORWARD:
		return "forward address";
	case PP_WRONG_PASSWORD:
		return "wrong password";
	case PP_BAD_STORED:
		return "unusable stored password";
	case PP_UNAVAILABLE:
		return "userbase unavailable";
	case PP_NOT_STORED:
		return "new password not stored";
	}
	return "?";
}
