/* The login flow.  Data goes one way: name, userbase, dispatcher, result.
 * Every refusal is logged once, here, with the mailbox and the reason and
 * never a password or a stored value. */
#include "auth.h"

#include <string.h>

/* Normalise and look up; the steps pp_authenticate and pp_account share. */
static enum pp_result find_mailbox(const struct pp_config *cfg, const char *login,
				   struct pp_login *out, struct pp_mailbox *mb,
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
	out->kind = pp_userbase_lookup(cfg, out->name, mb, logger);
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
	}
	return PP_BAD_STORED;
}

/* A check in the default scheme ({crypt}, yescrypt) of a password nobody
 * has: what an unknown address costs with equalize-timing. */
static const char decoy[] =
	"{crypt}$y$j9T$iIGUpWUcEOK4pw7RaJq.k.$cCsWL5Jc5KBJyXsxS35k4KAiybFyvDvxUEFzAJzJizC";

enum pp_result pp_authenticate(const struct pp_config *cfg, const char *login,
			       const char *password, struct pp_login *out,
			       const struct pp_logger *logger)
{
	struct pp_mailbox mb;
	enum pp_result result = find_mailbox(cfg, login, out, &mb, logger);

	if (result == PP_OK) {
		out->verdict = pp_verify(mb.password, password, &out->verify);
		result = judge(cfg, out, logger);
	} else if (cfg->equalize_timing && (result == PP_NO_USER || result == PP_FORWARD)) {
		/* The seed refuses unknown addresses at once; a site that fears
		 * address enumeration more makes them cost a check. */
		(void)pp_verify(decoy, password, NULL);
	}
	pp_mailbox_clear(&mb);
	return result;
}

enum pp_result pp_account(const struct pp_config *cfg, const char *login, struct pp_login *out,
			  const struct pp_logger *logger)
{
	struct pp_mailbox mb;
	enum pp_result result = find_mailbox(cfg, login, out, &mb, logger);

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
	}
	return "?";
}
