/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the tests that log in through PAM: a conversation that answers
 * with one password, a whole login transaction, and a service file. */
#ifndef PP_PAM_LOGIN_H
#define PP_PAM_LOGIN_H

#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline int answer_password(int n, const struct pam_message **msg,
				  struct pam_response **resp, void *password)
{
	struct pam_response *r = calloc((size_t)n, sizeof *r);

	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF)
			r[i].resp = strdup(password);
	*resp = r;
	return PAM_SUCCESS;
}

/* One whole transaction, as a mail daemon does it; returns authenticate's
 * code, or acct_mgmt's when authenticate succeeded. */
static inline int pam_login(const char *service, const char *user, const char *password)
{
	struct pam_conv conv = { answer_password, (void *)password };
	pam_handle_t *pamh = NULL;
	int rc = pam_start(service, user, &conv, &pamh);

	if (rc != PAM_SUCCESS)
		return rc;
	rc = pam_authenticate(pamh, 0);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}

/* DIR/NAME: the module in BUILD, auth and account, with config=CONFIG.
 * Returns 0, or -1 when the file cannot be written. */
static inline int write_pam_service(const char *dir, const char *name, const char *build,
				    const char *config)
{
	char path[8192];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "auth required %s/pam_powermail.so config=%s\n", build, config);
	fprintf(f, "account required %s/pam_powermail.so config=%s\n", build, config);
	return fclose(f);
}

#endif
