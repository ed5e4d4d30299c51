/* pam_powermail: PAM's entry points, and nothing else.  Everything that can
 * be tested without PAM lives in lib/; here we only read PAM's arguments,
 * call lib/ and map its answer to a PAM code. */
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "auth.h"
#include "config.h"

__attribute__((format(printf, 3, 4))) static void log_to_pam(void *ctx, int priority,
								const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pam_vsyslog(ctx, priority, fmt, ap);
	va_end(ap);
}

/* Configuration from the file and the module arguments; PAM_SERVICE_ERR and
 * a log line naming the key and line when it is wrong. */
static int load_config(pam_handle_t *pamh, int argc, const char **argv, struct pp_config *cfg)
{
	char err[512];

	pp_config_init(cfg);
	if (pp_config_from_args_cached(cfg, argc, argv, err, sizeof err) != 0) {
		pam_syslog(pamh, LOG_ERR, "configuration: %s", err);
		return PAM_SERVICE_ERR;
	}
	return PAM_SUCCESS;
}

/* The login name; a conversation that cannot give one is logged once. */
static int get_user(pam_handle_t *pamh, const char **user)
{
	int retval = pam_get_user(pamh, user, NULL);

	if (retval == PAM_CONV_AGAIN)
		return PAM_INCOMPLETE;
	if (retval != PAM_SUCCESS || *user == NULL) {
		pam_syslog(pamh, LOG_NOTICE, "could not get a login name: %s",
			   pam_strerror(pamh, retval));
		return PAM_USER_UNKNOWN;
	}
	return PAM_SUCCESS;
}

/* What every entry point does first: the configuration (which cfg then
 * owns, even on failure), then the login name. */
static int begin(pam_handle_t *pamh, int argc, const char **argv, struct pp_config *cfg,
		 const char **user)
{
	int retval = load_config(pamh, argc, argv, cfg);

	return retval != PAM_SUCCESS ? retval : get_user(pamh, user);
}

/* A password (what) from PAM's item (PAM_AUTHTOK, PAM_OLDAUTHTOK) or its
 * conversation, as pam_get_authtok decides from use_first_pass,
 * try_first_pass and use_authtok.  A failure is logged once, under a name
 * fit for a log: only one that passes normalisation is. */
static int get_token(pam_handle_t *pamh, const struct pp_config *cfg, const char *user, int item,
		     const char *what, const char **token)
{
	int retval = pam_get_authtok(pamh, item, token, NULL);

	if (retval != PAM_SUCCESS) {
		char name[PP_NAME_MAX + 1];
		const char *why;

		if (pp_normalize_name(cfg, user, name, &why) != 0)
			snprintf(name, sizeof name, "(unusable name)");
		pam_syslog(pamh, LOG_NOTICE, "mailbox %s: could not get %s: %s", name, what,
			   pam_strerror(pamh, retval));
	}
	return retval;
}

/* The one place a lib/ result becomes a PAM code.  Authentication and
 * account management answer a forward address differently. */
static int pam_code(enum pp_result result, int forward_code, int wrong_password_code)
{
	switch (result) {
	case PP_OK:
		return PAM_SUCCESS;
	case PP_NO_USER:
		return PAM_USER_UNKNOWN;
	case PP_FORWARD:
		return forward_code;
	case PP_WRONG_PASSWORD:
	case PP_BAD_STORED:
		return wrong_password_code;
	case PP_UNAVAILABLE:
		return PAM_AUTHINFO_UNAVAIL;
	case PP_NOT_STORED:
		return PAM_AUTHTOK_ERR;
	}
	return PAM_SERVICE_ERR;
}

/* The mailbox authenticate found, kept on the handle for acct_mgmt in the
 * same transaction: a mail daemon calls both, and the second need not ask
 * the database again what the first just learnt. */
#define AUTHENTICATED_MAILBOX "pam_powermail_authenticated_mailbox"

static void free_data(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	free(data);
}

/* After a success: the canonical name for the caller, and what it may want
 * to know about the mailbox. */
static int publish(pam_handle_t *pamh, const struct pp_login *login)
{
	char var[PP_NAME_MAX + 32], *known;

	if (pam_set_item(pamh, PAM_USER, login->name) != PAM_SUCCESS)
		return PAM_BUF_ERR;
	known = strdup(login->name);
	if (known == NULL || pam_set_data(pamh, AUTHENTICATED_MAILBOX, known, free_data) != PAM_SUCCESS) {
		free(known);
		return PAM_BUF_ERR;
	}
	snprintf(var, sizeof var, "POWERMAIL_MBOX=%s", login->name);
	if (pam_putenv(pamh, var) != PAM_SUCCESS)
		return PAM_BUF_ERR;
	snprintf(var, sizeof var, "POWERMAIL_QUOTA_MB=%ld", login->quota_mb);
	if (pam_putenv(pamh, var) != PAM_SUCCESS)
		return PAM_BUF_ERR;
	return PAM_SUCCESS;
}

PAM_EXTERN __attribute__((visibility("default"))) int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const struct pp_logger logger = { log_to_pam, pamh };
	const char *user = NULL, *authtok = NULL;
	struct pp_config cfg;
	struct pp_login login;
	enum pp_result result;
	int retval;

	(void)flags;
	retval = begin(pamh, argc, argv, &cfg, &user);
	if (retval != PAM_SUCCESS)
		goto done;
	/* Honours use_first_pass, try_first_pass and use_authtok.  The token
	 * stays PAM's; lib/ makes no copy it does not wipe. */
	retval = get_token(pamh, &cfg, user, PAM_AUTHTOK, "a password", &authtok);
	if (retval != PAM_SUCCESS) {
		retval = PAM_AUTH_ERR;
		goto done;
	}
	result = pp_authenticate(&cfg, user, authtok, &login, &logger);
	/* With equalize-timing an unknown address answers as a wrong password
	 * does: a caller that shows or logs PAM's message cannot tell them
	 * apart either (Dovecot logs a password mismatch). */
	if (result == PP_NO_USER && cfg.equalize_timing)
		result = PP_WRONG_PASSWORD;
	retval = pam_code(result, PAM_AUTH_ERR, PAM_AUTH_ERR);
	if (retval == PAM_SUCCESS)
		retval = publish(pamh, &login);
done:
	pp_config_free(&cfg);
	return retval;
}

PAM_EXTERN __attribute__((visibility("default"))) int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

/* Did authenticate, in this transaction, just find the mailbox PAM_USER
 * names?  (It set PAM_USER to the canonical name itself.)  Then there is
 * nothing to read or ask: not even the configuration. */
static bool just_authenticated(pam_handle_t *pamh)
{
	const void *known = NULL, *user = NULL;

	return pam_get_data(pamh, AUTHENTICATED_MAILBOX, &known) == PAM_SUCCESS &&
	       known != NULL && pam_get_item(pamh, PAM_USER, &user) == PAM_SUCCESS &&
	       user != NULL && strcmp(user, known) == 0;
}

PAM_EXTERN __attribute__((visibility("default"))) int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const struct pp_logger logger = { log_to_pam, pamh };
	const char *user = NULL;
	struct pp_config cfg;
	struct pp_login login;
	int retval;

	(void)flags;
	if (just_authenticated(pamh))
		return PAM_SUCCESS;
	retval = begin(pamh, argc, argv, &cfg, &user);
	if (retval != PAM_SUCCESS)
		goto done;
	/* A wrong or unusable password is authentication's business. */
	retval = pam_code(pp_account(&cfg, user, &login, &logger), PAM_PERM_DENIED, PAM_SUCCESS);
done:
	pp_config_free(&cfg);
	return retval;
}

/* Root may set a mailbox's password without the current one, as passwd(1)
 * lets root do; anyone else must give it, and so must a change that PAM
 * asks for because a password expired. */
static bool needs_current_password(int flags)
{
	return getuid() != 0 || (flags & PAM_CHANGE_EXPIRED_AUTHTOK);
}

/* Before a change: the mailbox can have one, and whoever asks knows the
 * current password when they must. */
static int check_current(pam_handle_t *pamh, int flags, const struct pp_config *cfg,
			 const char *user, const struct pp_logger *logger)
{
	const char *current = NULL;
	struct pp_login login;
	int retval;

	if (!needs_current_password(flags))
		return pam_code(pp_account(cfg, user, &login, logger), PAM_PERM_DENIED, PAM_SUCCESS);
	retval = get_token(pamh, cfg, user, PAM_OLDAUTHTOK, "the current password", &current);
	if (retval != PAM_SUCCESS)
		return PAM_AUTHTOK_RECOVERY_ERR;
	return pam_code(pp_authenticate(cfg, user, current, &login, logger), PAM_PERM_DENIED,
			PAM_AUTH_ERR);
}

/* Linux-PAM calls this twice: PAM_PRELIM_CHECK (can this change be made?)
 * and PAM_UPDATE_AUTHTOK (make it).  The current password is checked in
 * both, as the stack may have changed between them. */
PAM_EXTERN __attribute__((visibility("default"))) int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const struct pp_logger logger = { log_to_pam, pamh };
	const char *user = NULL, *new_password = NULL;
	struct pp_config cfg;
	struct pp_login login;
	int retval;

	retval = begin(pamh, argc, argv, &cfg, &user);
	if (retval != PAM_SUCCESS)
		goto done;
	/* The stored value is about to be replaced: no upgrade on the way. */
	free(cfg.upgrade_scheme);
	cfg.upgrade_scheme = NULL;
	retval = check_current(pamh, flags, &cfg, user, &logger);
	if (retval != PAM_SUCCESS || !(flags & PAM_UPDATE_AUTHTOK))
		goto done;
	/* Asked for twice, or taken from the stack with use_authtok. */
	retval = get_token(pamh, &cfg, user, PAM_AUTHTOK, "a new password", &new_password);
	if (retval != PAM_SUCCESS) {
		if (retval != PAM_TRY_AGAIN && retval != PAM_AUTHTOK_RECOVERY_ERR)
			retval = PAM_AUTHTOK_ERR;
		goto done;
	}
	retval = pam_code(pp_change_password(&cfg, user, new_password, &login, &logger),
			  PAM_PERM_DENIED, PAM_AUTH_ERR);
done:
	pp_config_free(&cfg);
	return retval;
}
