/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pam_noop.so: the floor of (b) in `make bench`.  A module that does what
 * any password module must do through the PAM API -- get the login name,
 * get the password through the conversation -- and nothing else: no
 * configuration, no userbase, no check.  Linked with -z nodelete like
 * pam_powermail.so, so that pam_start() finds it loaded, as it finds the
 * real module.  A transaction through it is what libpam and pam_wrapper
 * cost by themselves; pam_powermail can be no faster. */
#include <stddef.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv);
EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv);
EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv);

int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const char *user = NULL, *authtok = NULL;

	(void)flags;
	(void)argc;
	(void)argv;
	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || user == NULL)
		return PAM_USER_UNKNOWN;
	if (pam_get_authtok(pamh, PAM_AUTHTOK, &authtok, NULL) != PAM_SUCCESS)
		return PAM_AUTH_ERR;
	return PAM_SUCCESS;
}

int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const char *user = NULL;

	(void)flags;
	(void)argc;
	(void)argv;
	return pam_get_user(pamh, &user, NULL) == PAM_SUCCESS ? PAM_SUCCESS : PAM_USER_UNKNOWN;
}
