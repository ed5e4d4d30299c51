/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the tests that log in through PAM: the one conversation of the
 * tests, a whole login transaction, and a service file. */
#ifndef PP_PAM_LOGIN_H
#define PP_PAM_LOGIN_H

#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What converse() answers and what it saw.  Every PAM_PROMPT_ECHO_OFF is
 * answered with password or, when answers is set, with the next of them
 * (a NULL ends the list); before(c), when set, runs first, with prompts
 * still the number of the prompts before this one.  No answer (password
 * NULL, the answers run out) and a PAM_PROMPT_ECHO_ON prompt fail the
 * conversation (PAM_CONV_ERR).  PAM_ERROR_MSG and PAM_TEXT_INFO texts are
 * kept in msgs, one a line. */
struct conv {
	const char *password;
	const char *const *answers;
	void (*before)(struct conv *c);
	int prompts; /* PAM_PROMPT_ECHO_OFF prompts seen */
	char msgs[2048];
};

static inline int converse(int n, const struct pam_message **msg, struct pam_response **resp,
			   void *data)
{
	struct conv *c = data;
	struct pam_response *r;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof *r);
	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		const char *answer;
		size_t used;

		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			if (c->before != NULL)
				c->before(c);
			answer = c->answers != NULL ? c->answers[c->prompts] : c->password;
			c->prompts++;
			if (answer == NULL || (r[i].resp = strdup(answer)) == NULL)
				goto fail;
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			used = strlen(c->msgs);
			snprintf(c->msgs + used, sizeof c->msgs - used, "%s\n",
				 msg[i]->msg ? msg[i]->msg : "");
			break;
		default: /* PAM_PROMPT_ECHO_ON: the user name is always given */
			goto fail;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (int i = 0; i < n; i++)
		free(r[i].resp);
	free(r);
	return PAM_CONV_ERR;
}

/* converse() with one password for every prompt (a const char *). */
static inline int answer_password(int n, const struct pam_message **msg,
				  struct pam_response **resp, void *password)
{
	struct conv c = { .password = password };

	return converse(n, msg, resp, &c);
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

/* pam_chauthtok of user through service with flags, conv answering; its
 * code, or pam_start's when that fails. */
static inline int pam_change(const char *service, const char *user, int flags,
			     const struct pam_conv *conv)
{
	pam_handle_t *pamh = NULL;
	int rc = pam_start(service, user, conv, &pamh);

	if (rc != PAM_SUCCESS)
		return rc;
	rc = pam_chauthtok(pamh, flags);
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
