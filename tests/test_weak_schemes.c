/* SPDX-License-Identifier: GPL-2.0-or-later */
/* weak-schemes, through PAM (the real module under pam_wrapper, the real
 * PostgreSQL): with "weak-schemes = refuse" (in the file, or as a module
 * argument) a right password against a value in a scheme Dovecot 2.4 calls
 * weak ({ntlm}, {lanman}, {hmac-md5}, {plain-md4}, {md5}, DES crypt under
 * {crypt} and {des-crypt}, MD5-crypt under {crypt}) is refused, a wrong one
 * the same way (never compared), with a warning that names the scheme, says
 * to re-hash and never says the authentication failed nor quotes the value;
 * strong values still log in; with the default (allow) the weak values log
 * in; a bad value of the key is a configuration error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <security/pam_appl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pam_login.h"
#include "pam_test.h"
#include "module_conf.h"
#include "scheme.h"

#define PW "Weak-Sch3me.pw"
#define NOT_PW "Xeak-Sch3me.pw" /* DES reads 8 bytes */

/* Each mailbox's value is made at setup by pp_hash. */
static struct mailbox {
	const char *mbox, *scheme, *method;
	const char *log_name; /* the refusal's "{...}" part; NULL: strong */
	char stored[PP_HASH_MAX];
} mailboxes[] = {
	{ "ntlm@weak.test", "ntlm", NULL, "{ntlm}", "" },
	{ "lanman@weak.test", "lanman", NULL, "{lanman}", "" },
	{ "hmac@weak.test", "hmac-md5", NULL, "{hmac-md5}", "" },
	{ "md4@weak.test", "plain-md4", NULL, "{plain-md4}", "" },
	{ "md5crypt@weak.test", "md5", NULL, "{md5}", "" },
	{ "des@weak.test", "des-crypt", NULL, "{des-crypt}", "" },
	{ "cryptdes@weak.test", "crypt", "des", "{crypt} (DES)", "" },
	{ "cryptmd5@weak.test", "crypt", "md5", "{crypt} (MD5-crypt)", "" },
	{ "yescrypt@weak.test", "crypt", NULL, NULL, "" },
	{ "sha512@weak.test", "sha512-crypt", NULL, NULL, "" },
	{ "plain@weak.test", "plain", NULL, NULL, "" },
	{ "cram@weak.test", "cram-md5", NULL, NULL, "" },
	{ "sha1@weak.test", "sha1", NULL, NULL, "" },
	{ "unprefixed@weak.test", NULL, NULL, NULL, PW },
};

#define NBOXES (sizeof mailboxes / sizeof mailboxes[0])

/* One login (authenticate, then acct_mgmt) through service; its code, and
 * the module's lines in log. */
static int login(const char *service, const char *user, const char *password, char *log,
		 size_t size, int *nlines)
{
	int rc;

	capture_start();
	rc = pam_login(service, user, password);
	*nlines = capture_stop(log, size);
	return rc;
}

/* What a refusal of m's value must log, and must not. */
static unsigned check_refusal(const char *service, const struct mailbox *m, const char *password,
			      const char *log, int nlines)
{
	char want[512];
	const char *body = strchr(m->stored, '}');
	unsigned wrong = 0;

	snprintf(want, sizeof want,
		 "mailbox %s: stored value in weak scheme %s refused (weak-schemes = refuse): "
		 "re-hash it, see pptool(8)",
		 m->mbox, m->log_name);
	if (nlines != 1 || strstr(log, want) == NULL || strstr(log, "SYSLOG(4)") == NULL) {
		printf("# %s %s '%s': want one warning \"%s\"; got %d lines:\n%s", service, m->mbox,
		       password, want, nlines, log);
		wrong++;
	}
	if (strstr(log, "authentication failed") != NULL || strstr(log, "malformed") != NULL) {
		printf("# %s %s: worded as a failed authentication or a malformed value\n",
		       service, m->mbox);
		wrong++;
	}
	if (body != NULL && strstr(log, body + 1) != NULL) {
		printf("# %s %s: the stored value is in the log\n", service, m->mbox);
		wrong++;
	}
	return wrong;
}

/* Every mailbox through service: weak ones refused (refuse) or in (allow),
 * strong ones in with the right password and out with the wrong one. */
static unsigned run(const char *service, bool refuse)
{
	static char log[65536];
	unsigned wrong = 0;
	int nlines;

	for (size_t i = 0; i < NBOXES; i++) {
		const struct mailbox *m = &mailboxes[i];
		bool refused = refuse && m->log_name != NULL;
		int want = refused ? PAM_AUTH_ERR : PAM_SUCCESS;
		int rc = login(service, m->mbox, PW, log, sizeof log, &nlines);

		if (rc != want) {
			printf("# %s %s right password: %s, want %s\n", service, m->mbox,
			       pam_strerror(NULL, rc), pam_strerror(NULL, want));
			wrong++;
		}
		if (refused)
			wrong += check_refusal(service, m, PW, log, nlines);
		else if (strstr(log, "weak scheme") != NULL) {
			printf("# %s %s: logged a weak scheme:\n%s", service, m->mbox, log);
			wrong++;
		}
		rc = login(service, m->mbox, NOT_PW, log, sizeof log, &nlines);
		if (rc != PAM_AUTH_ERR) {
			printf("# %s %s wrong password: %s\n", service, m->mbox,
			       pam_strerror(NULL, rc));
			wrong++;
		}
		if (refused)
			wrong += check_refusal(service, m, NOT_PW, log, nlines);
		else if (strstr(log, "authentication failed: wrong password") == NULL) {
			printf("# %s %s wrong password: no 'wrong password' line:\n%s", service,
			       m->mbox, log);
			wrong++;
		}
	}
	return wrong;
}

static void test_allow_by_default(void **state)
{
	unsigned wrong = run("weak_default", false);

	(void)state;
	wrong += run("weak_allow", false);
	if (wrong > 0)
		fail_msg("%u thing(s) wrong, see above", wrong);
}

static void test_refuse(void **state)
{
	unsigned wrong = run("weak_refuse", true);

	(void)state;
	if (wrong > 0)
		fail_msg("%u thing(s) wrong, see above", wrong);
}

static void test_refuse_as_argument(void **state)
{
	unsigned wrong = run("weak_refuse_arg", true);

	(void)state;
	if (wrong > 0)
		fail_msg("%u thing(s) wrong, see above", wrong);
}

static void test_bad_value(void **state)
{
	static char log[8192];
	int nlines;
	int rc = login("weak_bad", "plain@weak.test", PW, log, sizeof log, &nlines);

	(void)state;
	assert_int_equal(rc, PAM_SERVICE_ERR);
	if (strstr(log, "bad value for weak-schemes: expected allow or refuse") == NULL)
		fail_msg("no line naming the key:\n%s", log);
}

/* --- setup ---------------------------------------------------------------- */

static int write_service(const char *svcdir, const char *name, const char *args)
{
	char path[4096], text[20000];
	const char *m = env("PP_BUILD");

	snprintf(path, sizeof path, "%s/%s", svcdir, name);
	snprintf(text, sizeof text,
		 "auth required %s/pam_powermail.so %s\naccount required %s/pam_powermail.so %s\n",
		 m, args, m, args);
	return write_text_file(path, text, 0644);
}

static int write_services(const char *svcdir)
{
	char dflt[4096], allow[4096], refuse[4096], bad[4096], other[4200], args[8192];
	int failed;

	snprintf(dflt, sizeof dflt, "%s/weak-default.conf", env("PP_TMP"));
	snprintf(allow, sizeof allow, "%s/weak-allow.conf", env("PP_TMP"));
	snprintf(refuse, sizeof refuse, "%s/weak-refuse.conf", env("PP_TMP"));
	snprintf(bad, sizeof bad, "%s/weak-bad.conf", env("PP_TMP"));
	snprintf(other, sizeof other, "%s/other", svcdir);
	mkdir(svcdir, 0755);
	failed = write_module_config(dflt, "") != 0 ||
		 write_module_config(allow, "weak-schemes = allow\n") != 0 ||
		 write_module_config(refuse, "weak-schemes = refuse\n") != 0 ||
		 write_module_config(bad, "weak-schemes = no\n") != 0 ||
		 write_text_file(other, "# deny\n", 0644) != 0 ||
		 write_pam_service(svcdir, "weak_default", env("PP_BUILD"), dflt) != 0 ||
		 write_pam_service(svcdir, "weak_allow", env("PP_BUILD"), allow) != 0 ||
		 write_pam_service(svcdir, "weak_refuse", env("PP_BUILD"), refuse) != 0 ||
		 write_pam_service(svcdir, "weak_bad", env("PP_BUILD"), bad) != 0;
	snprintf(args, sizeof args, "config=%s weak-schemes=refuse", dflt);
	return failed || write_service(svcdir, "weak_refuse_arg", args) != 0;
}

static int setup(void **state)
{
	const char *why = NULL;

	(void)state;
	for (size_t i = 0; i < NBOXES; i++) {
		struct mailbox *m = &mailboxes[i];

		if (m->scheme != NULL &&
		    pp_hash(m->scheme, m->method, PW, m->stored, sizeof m->stored, &why) != 0)
			fail_msg("pp_hash %s: %s", m->scheme, why);
		harness_secret(m->stored);
	}
	harness_secret(PW);
	harness_secret(NOT_PW);
	reconnect_super();
	sql("DELETE FROM mboxes WHERE mbox LIKE '%@weak.test'");
	for (size_t i = 0; i < NBOXES; i++) {
		const char *values[2] = { mailboxes[i].mbox, mailboxes[i].stored };
		PGresult *r = PQexecParams(super,
					   "INSERT INTO mboxes (mbox, password) VALUES ($1, $2)", 2,
					   NULL, values, NULL, NULL, 0);

		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			fail_msg("insert %s: %s", mailboxes[i].mbox, PQerrorMessage(super));
		PQclear(r);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return finish_super("DELETE FROM mboxes WHERE mbox LIKE '%@weak.test'");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allow_by_default),
		cmocka_unit_test(test_refuse),
		cmocka_unit_test(test_refuse_as_argument),
		cmocka_unit_test(test_bad_value),
	};

	(void)argc;
	return PAM_TEST_RUN(argv, write_services, "weak-stderr.log", tests, setup, teardown);
}
