/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pam_powermail: PAM's entry points, and nothing else.  Everything that can
 * be tested without PAM lives in lib/; here we only read PAM's arguments,
 * call lib/ and map its answer to a PAM code. */
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "auth.h"
#include "config.h"
#include "context.h"

/* Where the module's lines go: pam_syslog, each ending with the caller's
 * context (lib/context.h), read once per call of an entry point.  Every line
 * of a login passes here, so each carries it exactly once. */
struct pam_log {
	pam_handle_t *pamh;
	char context[PP_CONTEXT_MAX];
};

__attribute__((format(printf, 3, 4))) static void log_to_pam(void *ctx, int priority,
								const char *fmt, ...)
{
	const struct pam_log *log = ctx;
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	/* A longer line is cut; its context is not. */
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (log->context[0] != '\0')
		pam_syslog(log->pamh, priority, "%s; %s", line, log->context);
	else
		pam_syslog(log->pamh, priority, "%s", line);
}

static const char *item(pam_handle_t *pamh, int type)
{
	const void *value = NULL;

	return pam_get_item(pamh, type, &value) == PAM_SUCCESS ? value : NULL;
}

/* A logger for one call of an entry point, with the caller's context. */
static struct pp_logger pam_logger(pam_handle_t *pamh, struct pam_log *log)
{
	log->pamh = pamh;
	pp_context_format(item(pamh, PAM_RHOST), item(pamh, PAM_RUSER), item(pamh, PAM_TTY),
			  log->context);
	return (struct pp_logger){ log_to_pam, log };
}

/* Whether this process has said that an argument has no effect. */
static atomic_flag argument_without_effect_logged = ATOMIC_FLAG_INIT;

/* Configuration from the file and the module arguments; PAM_SERVICE_ERR and
 * a log line naming the key and line when it is wrong. */
static int load_config(const struct pp_logger *logger, int argc, const char **argv,
		       struct pp_config *cfg)
{
	const char *idle, *why = NULL;
	char err[512];

	pp_config_init(cfg);
	if (pp_config_from_args_cached(cfg, argc, argv, err, sizeof err) != 0) {
		pp_log(logger, LOG_ERR, "configuration: %s", err);
		return PAM_SERVICE_ERR;
	}
	/* Once per process: a line the operator copied from pam_unix works,
	 * and says once that its nullok changes nothing. */
	idle = pp_argument_without_effect(argc, argv, &why);
	if (idle != NULL && !atomic_flag_test_and_set(&argument_without_effect_logged))
		pp_log(logger, LOG_NOTICE, "configuration: module argument '%s' has no effect: %s",
		       idle, why);
	return PAM_SUCCESS;
}

/* The login name; a conversation that cannot give one is logged once. */
static int get_user(pam_handle_t *pamh, const struct pp_logger *logger, const char **user)
{
	int retval = pam_get_user(pamh, user, NULL);

	if (retval == PAM_CONV_AGAIN)
		return PAM_INCOMPLETE;
	if (retval != PAM_SUCCESS || *user == NULL) {
		pp_log(logger, LOG_NOTICE, "could not get a login name: %s",
		       pam_strerror(pamh, retval));
		return PAM_USER_UNKNOWN;
	}
	return PAM_SUCCESS;
}

/* What every entry point does first: the configuration (which cfg then
 * owns, even on failure), then the login name. */
static int begin(pam_handle_t *pamh, const struct pp_logger *logger, int argc, const char **argv,
		 struct pp_config *cfg, const char **user)
{
	int retval = load_config(logger, argc, argv, cfg);

	return retval != PAM_SUCCESS ? retval : get_user(pamh, logger, user);
}

/* A password (what) from PAM's item (PAM_AUTHTOK, PAM_OLDAUTHTOK) or its
 * conversation, as pam_get_authtok decides from use_first_pass,
 * try_first_pass and use_authtok.  A failure is logged once, under a name
 * fit for a log: only one that passes normalisation is. */
static int get_token(pam_handle_t *pamh, const struct pp_logger *logger,
		     const struct pp_config *cfg, const char *user, int item, const char *what,
		     const char **token)
{
	int retval = pam_get_authtok(pamh, item, token, NULL);

	if (retval != PAM_SUCCESS) {
		char name[PP_NAME_MAX + 1];
		const char *why;

		if (pp_normalize_name(cfg, user, name, &why) != 0)
			snprintf(name, sizeof name, "(unusable name)");
		pp_log(logger, LOG_NOTICE, "mailbox %s: could not get %s: %s", name, what,
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
 * the database again what the first just learnt (what that saves:
 * bench/RESULTS.md, (b) against acct_mgmt asking again).  Only an acct_mgmt
 * of the same configuration may take it: another file or other arguments
 * may name another userbase, where this mailbox need not exist
 * (tests/test_account_binding.c: without the check, acct_mgmt under a
 * configuration that has no such mailbox says PAM_SUCCESS). */
#define AUTHENTICATED_MAILBOX "pam_powermail_authenticated_mailbox"

struct authenticated {
	char mailbox[PP_NAME_MAX + 1];
	char binding[]; /* binding() of the configuration that found it */
};

/* Which configuration a module line runs with, as one string: the identity
 * of its file (pp_config_file_identity, "-" when there is none) and its
 * arguments, each with its length, in order.  PAM's own flags, debug and
 * nullok are left out (pp_argument_changes_no_answer): they change no
 * answer, and a stack may give them to one line only.  NULL when out of
 * memory. */
static char *binding(const char *file_id, int argc, const char **argv)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	if (f == NULL)
		return NULL;
	fprintf(f, "%s", file_id ? file_id : "-");
	for (int i = 0; i < argc; i++)
		if (!pp_argument_changes_no_answer(argv[i]))
			fprintf(f, " %zu:%s", strlen(argv[i]), argv[i]);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* binding() of the file as it is now: what acct_mgmt compares, without
 * reading the file. */
static char *binding_now(int argc, const char **argv)
{
	const char *path = pp_config_path(argc, argv);
	char id[PP_FILE_ID_MAX];
	struct stat st;
	bool known = lstat(path ? path : PP_DEFAULT_CONFIG, &st) == 0 &&
		     pp_config_file_identity(&st, id, sizeof id) == 0;

	return binding(known ? id : NULL, argc, argv);
}

static void free_data(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	free(data);
}

/* Keep what authenticate found, bound to cfg and the arguments. */
static int remember(pam_handle_t *pamh, const struct pp_login *login, const struct pp_config *cfg,
		    int argc, const char **argv)
{
	char *bound = binding(cfg->file_id, argc, argv);
	struct authenticated *known = bound ? calloc(1, sizeof *known + strlen(bound) + 1) : NULL;

	if (known != NULL) {
		snprintf(known->mailbox, sizeof known->mailbox, "%s", login->name);
		memcpy(known->binding, bound, strlen(bound) + 1);
	}
	free(bound);
	if (known == NULL || pam_set_data(pamh, AUTHENTICATED_MAILBOX, known, free_data) != PAM_SUCCESS) {
		free(known);
		return PAM_BUF_ERR;
	}
	return PAM_SUCCESS;
}

/* After a success: the canonical name for the caller, and what it may want
 * to know about the mailbox. */
static int publish(pam_handle_t *pamh, const struct pp_login *login)
{
	char var[PP_NAME_MAX + 32];

	if (pam_set_item(pamh, PAM_USER, login->name) != PAM_SUCCESS)
		return PAM_BUF_ERR;
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
	struct pam_log log;
	const struct pp_logger logger = pam_logger(pamh, &log);
	const char *user = NULL, *authtok = NULL;
	struct pp_config cfg;
	struct pp_login login;
	enum pp_result result;
	int retval;

	(void)flags;
	/* An earlier success on this handle is forgotten, whatever this one
	 * says. */
	(void)pam_set_data(pamh, AUTHENTICATED_MAILBOX, NULL, NULL);
	retval = begin(pamh, &logger, argc, argv, &cfg, &user);
	if (retval != PAM_SUCCESS)
		goto done;
	/* Honours use_first_pass, try_first_pass and use_authtok.  The token
	 * stays PAM's; lib/ makes no copy it does not wipe. */
	retval = get_token(pamh, &logger, &cfg, user, PAM_AUTHTOK, "a password", &authtok);
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
	if (retval == PAM_SUCCESS)
		retval = remember(pamh, &login, &cfg, argc, argv);
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

/* Did authenticate, in this transaction and with this very configuration
 * (the same file, unchanged, and the same arguments), just find the mailbox
 * PAM_USER names?  (It set PAM_USER to the canonical name itself.)  Then
 * there is nothing to ask: the file is only looked at, not read. */
static bool just_authenticated(pam_handle_t *pamh, int argc, const char **argv)
{
	const void *data = NULL, *user = NULL;
	const struct authenticated *known;
	char *now;
	bool same;

	if (pam_get_data(pamh, AUTHENTICATED_MAILBOX, &data) != PAM_SUCCESS || data == NULL ||
	    pam_get_item(pamh, PAM_USER, &user) != PAM_SUCCESS || user == NULL)
		return false;
	known = data;
	if (strcmp(user, known->mailbox) != 0)
		return false;
	now = binding_now(argc, argv);
	same = now != NULL && strcmp(now, known->binding) == 0;
	free(now);
	return same;
}

PAM_EXTERN __attribute__((visibility("default"))) int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct pam_log log;
	const struct pp_logger logger = pam_logger(pamh, &log);
	const char *user = NULL;
	struct pp_config cfg;
	struct pp_login login;
	int retval;

	(void)flags;
	if (just_authenticated(pamh, argc, argv))
		return PAM_SUCCESS;
	retval = begin(pamh, &logger, argc, argv, &cfg, &user);
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

/* What the first pass of a change verified (lib/proof.h: keyed digests,
 * no secret), kept on the handle for the second pass of a line with the
 * same configuration (binding()): another configuration may refuse what
 * this one accepted. */
#define FIRST_PASS "pam_powermail_first_pass"

struct first_pass {
	struct pp_proof proof;
	char binding[];
};

static void wipe_first_pass(pam_handle_t *pamh, void *data, int error_status)
{
	struct first_pass *verified = data;

	(void)pamh;
	(void)error_status;
	if (verified != NULL)
		pp_proof_clear(&verified->proof);
	free(verified);
}

/* The first pass's proof, when this line's configuration is the one it
 * was made under; else NULL, and the second pass checks in full. */
static const struct pp_proof *first_pass_proof(pam_handle_t *pamh, const struct pp_config *cfg,
					       int argc, const char **argv)
{
	const void *data = NULL;
	const struct first_pass *verified;
	char *now;
	bool same;

	if (pam_get_data(pamh, FIRST_PASS, &data) != PAM_SUCCESS || data == NULL)
		return NULL;
	verified = data;
	now = binding(cfg->file_id, argc, argv);
	same = now != NULL && strcmp(now, verified->binding) == 0;
	free(now);
	return same ? &verified->proof : NULL;
}

/* The current password, from PAM_OLDAUTHTOK or the conversation. */
static int get_current(pam_handle_t *pamh, const struct pp_logger *logger,
		       const struct pp_config *cfg, const char *user, const char **current)
{
	return get_token(pamh, logger, cfg, user, PAM_OLDAUTHTOK, "the current password",
			 current) == PAM_SUCCESS
		       ? PAM_SUCCESS
		       : PAM_AUTHTOK_RECOVERY_ERR;
}

/* PAM_PRELIM_CHECK: the mailbox can have a password, and whoever asks
 * knows the current one when they must; what was verified is kept for the
 * second pass. */
static int prelim_check(pam_handle_t *pamh, int flags, const struct pp_config *cfg, int argc,
			const char **argv, const char *user, const struct pp_logger *logger)
{
	const char *current = NULL;
	struct first_pass *verified;
	struct pp_login login;
	char *bound;
	int retval;

	/* An earlier change's proof is forgotten, whatever this one says. */
	(void)pam_set_data(pamh, FIRST_PASS, NULL, NULL);
	if (!needs_current_password(flags))
		return pam_code(pp_account(cfg, user, &login, logger), PAM_PERM_DENIED, PAM_SUCCESS);
	retval = get_current(pamh, logger, cfg, user, &current);
	if (retval != PAM_SUCCESS)
		return retval;
	bound = binding(cfg->file_id, argc, argv);
	verified = bound ? calloc(1, sizeof *verified + strlen(bound) + 1) : NULL;
	if (verified == NULL) {
		free(bound);
		return PAM_BUF_ERR;
	}
	memcpy(verified->binding, bound, strlen(bound) + 1);
	free(bound);
	retval = pam_code(pp_check_current(cfg, user, current, &verified->proof, &login, logger),
			  PAM_PERM_DENIED, PAM_AUTH_ERR);
	/* Unkept, the second pass checks in full. */
	if (retval != PAM_SUCCESS || !verified->proof.made ||
	    pam_set_data(pamh, FIRST_PASS, verified, wipe_first_pass) != PAM_SUCCESS)
		wipe_first_pass(pamh, verified, 0);
	return retval;
}

/* PAM_UPDATE_AUTHTOK: the new password first, then one lookup that checks
 * the current password against what it reads (by the first pass's proof
 * when it still holds, else in full) just before the write. */
static int update_authtok(pam_handle_t *pamh, int flags, const struct pp_config *cfg, int argc,
			  const char **argv, const char *user, const struct pp_logger *logger)
{
	const char *current = NULL, *new_password = NULL;
	struct pp_login login;
	enum pp_result result;
	int retval;

	if (needs_current_password(flags)) {
		retval = get_current(pamh, logger, cfg, user, &current);
		if (retval != PAM_SUCCESS)
			return retval;
	}
	/* Asked for twice, or taken from the stack with use_authtok. */
	retval = get_token(pamh, logger, cfg, user, PAM_AUTHTOK, "a new password", &new_password);
	if (retval != PAM_SUCCESS)
		return retval == PAM_TRY_AGAIN || retval == PAM_AUTHTOK_RECOVERY_ERR ? retval
										: PAM_AUTHTOK_ERR;
	if (current == NULL)
		result = pp_change_password(cfg, user, new_password, &login, logger);
	else
		result = pp_change_password_checked(cfg, user, current,
						    first_pass_proof(pamh, cfg, argc, argv),
						    new_password, &login, logger);
	return pam_code(result, PAM_PERM_DENIED, PAM_AUTH_ERR);
}

/* Linux-PAM calls this twice: PAM_PRELIM_CHECK (can this change be made?)
 * and PAM_UPDATE_AUTHTOK (make it).  The current password is hashed once:
 * the second pass reads the stored value again and hashes only when the
 * mailbox, that value or the password is not what the first pass
 * verified. */
PAM_EXTERN __attribute__((visibility("default"))) int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct pam_log log;
	const struct pp_logger logger = pam_logger(pamh, &log);
	const char *user = NULL;
	struct pp_config cfg;
	int retval;

	retval = begin(pamh, &logger, argc, argv, &cfg, &user);
	if (retval != PAM_SUCCESS)
		goto done;
	/* The stored value is about to be replaced: no upgrade on the way. */
	free(cfg.upgrade_scheme);
	cfg.upgrade_scheme = NULL;
	if (flags & PAM_UPDATE_AUTHTOK) {
		retval = update_authtok(pamh, flags, &cfg, argc, argv, user, &logger);
		/* A proof serves one change. */
		(void)pam_set_data(pamh, FIRST_PASS, NULL, NULL);
	} else {
		retval = prelim_check(pamh, flags, &cfg, argc, argv, user, &logger);
	}
done:
	pp_config_free(&cfg);
	return retval;
}
