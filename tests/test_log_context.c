/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Through PAM (the real module under pam_wrapper, the real PostgreSQL):
 * every line the module writes for a refused login, and for a login while
 * the userbase cannot be reached, ends with the caller's context exactly
 * once ("; rhost=H ruser=U tty=T", the items that are set), hostile items
 * are written as "(unusable)" and split no line, and an outage is worded
 * "userbase unavailable", never as a failed authentication.
 *
 * Table rows: service, login, password, PAM_RHOST/PAM_RUSER/PAM_TTY (NULL:
 * not set), the start of the refusal's message, the context the lines must
 * end with. */
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

#include "context.h"
#include "pam_login.h"
#include "pam_test.h"
#include "module_conf.h"

#define PW "C0ntext-right-pw"
#define NOT_PW "C0ntext-wrong-pw"

static char long300[301];

/* One login with these items set; its pam_authenticate code. */
static int login_with(const char *service, const char *user, const char *password,
		      const char *rhost, const char *ruser, const char *tty)
{
	struct pam_conv conv = { answer_password, (void *)password };
	pam_handle_t *pamh = NULL;
	int rc = pam_start(service, user, &conv, &pamh);

	assert_int_equal(rc, PAM_SUCCESS);
	if (rhost != NULL)
		assert_int_equal(pam_set_item(pamh, PAM_RHOST, rhost), PAM_SUCCESS);
	if (ruser != NULL)
		assert_int_equal(pam_set_item(pamh, PAM_RUSER, ruser), PAM_SUCCESS);
	if (tty != NULL)
		assert_int_equal(pam_set_item(pamh, PAM_TTY, tty), PAM_SUCCESS);
	rc = pam_authenticate(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}

/* How many times needle is in hay. */
static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* Every captured line (pam_wrapper's "PWRAP_...] - SYSLOG(n): message"):
 * one message starts with what the row says, and every one ends with "; "ctx exactly once
 * (or holds no context at all when ctx is empty).  The number of wrong
 * lines, and the diagnostics, printed. */
static unsigned check_lines(size_t row, const char *log, int nlines, const char *what,
			    const char *ctx)
{
	char tail[PP_CONTEXT_MAX + 8];
	unsigned wrong = 0;
	bool seen = false;

	snprintf(tail, sizeof tail, "; %s", ctx);
	for (const char *p = log; *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char line[8192];
		const char *msg;

		snprintf(line, sizeof line, "%.*s", (int)len, p);
		p += len + (eol != NULL);
		msg = strstr(line, "SYSLOG(");
		if (msg == NULL || (msg = strstr(msg, "): ")) == NULL) {
			printf("# row %zu: not a syslog line: %s\n", row, line);
			wrong++;
			continue;
		}
		msg += 3;
		seen |= strstr(msg, what) == msg;
		if (ctx[0] != '\0'
			    ? count(msg, "; rhost=") + count(msg, "; ruser=") + count(msg, "; tty=") !=
					      1 ||
				      len < strlen(tail) ||
				      strcmp(line + strlen(line) - strlen(tail), tail) != 0
			    : strstr(msg, "rhost=") != NULL || strstr(msg, "tty=") != NULL ||
				      strstr(msg, "ruser=") != NULL || strstr(msg, "(null)") != NULL) {
			printf("# row %zu: want the context \"%s\" once, at the end: %s\n", row, ctx,
			       msg);
			wrong++;
		}
	}
	if (nlines == 0 || !seen) {
		printf("# row %zu: no line starts \"%s\" (%d lines)\n", row, what, nlines);
		wrong++;
	}
	return wrong;
}

struct row {
	const char *service, *user, *password, *rhost, *ruser, *tty;
	int want;
	const char *what, *ctx;
};

static unsigned run_rows(const struct row *rows, size_t n)
{
	static char log[65536];
	unsigned failed = 0;

	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		int got, nlines;

		capture_start();
		got = login_with(r->service, r->user, r->password, r->rhost, r->ruser, r->tty);
		nlines = capture_stop(log, sizeof log);
		if (got != r->want) {
			printf("# row %zu: %s gave %s, want %s\n", i, r->user,
			       pam_strerror(NULL, got), pam_strerror(NULL, r->want));
			failed++;
		}
		failed += check_lines(i, log, nlines, r->what, r->ctx);
		if (count(log, "authentication fail") > 0 && r->want == PAM_AUTHINFO_UNAVAIL) {
			printf("# row %zu: an outage worded as a failed authentication\n", i);
			failed++;
		}
	}
	return failed;
}

#define DV "127.0.0.5", NULL, "dovecot"
#define DV_CTX "rhost=127.0.0.5 tty=dovecot"

static void test_refusals(void **state)
{
	const struct row rows[] = {
		{ "ctx", "ctx@context.test", NOT_PW, DV, PAM_AUTH_ERR,
		  "mailbox ctx@context.test: authentication failed: wrong password", DV_CTX },
		{ "ctx", "nobody@context.test", PW, DV, PAM_USER_UNKNOWN,
		  "mailbox nobody@context.test: unknown address", DV_CTX },
		{ "ctx", "fwd@context.test", PW, DV, PAM_AUTH_ERR,
		  "mailbox fwd@context.test: a forward address has no mailbox", DV_CTX },
		{ "ctx", "odd@context.test", PW, DV, PAM_AUTH_ERR,
		  "mailbox odd@context.test: the stored password names an unknown scheme", DV_CTX },
		{ "ctx", "-ctx@context.test", PW, DV, PAM_USER_UNKNOWN, "refused a login name: ",
		  DV_CTX },
		/* All three, none, and empty ones. */
		{ "ctx", "ctx@context.test", NOT_PW, "203.0.113.7", "alice", "imap", PAM_AUTH_ERR,
		  "mailbox ctx@context.test: authentication failed", "rhost=203.0.113.7 ruser=alice tty=imap" },
		{ "ctx", "ctx@context.test", NOT_PW, NULL, NULL, NULL, PAM_AUTH_ERR,
		  "mailbox ctx@context.test: authentication failed", "" },
		{ "ctx", "ctx@context.test", NOT_PW, "", "", "", PAM_AUTH_ERR,
		  "mailbox ctx@context.test: authentication failed", "" },
		{ "ctx", "ctx@context.test", NOT_PW, NULL, "bob", NULL, PAM_AUTH_ERR,
		  "mailbox ctx@context.test: authentication failed", "ruser=bob" },
		/* Hostile items: the marker, on the same line. */
		{ "ctx", "ctx@context.test", NOT_PW, "127.0.0.6\nforged: rhost=127.0.0.7", NULL,
		  "dovecot", PAM_AUTH_ERR, "mailbox ctx@context.test: authentication failed",
		  "rhost=(unusable) tty=dovecot" },
		{ "ctx", "ctx@context.test", NOT_PW, "127.0.0.6 rhost=127.0.0.7", "\x1b[2J",
		  "tty\r", PAM_AUTH_ERR, "mailbox ctx@context.test: authentication failed",
		  "rhost=(unusable) ruser=(unusable) tty=(unusable)" },
		{ "ctx", "ctx@context.test", NOT_PW, "127.0.0.\xff", long300, NULL, PAM_AUTH_ERR,
		  "mailbox ctx@context.test: authentication failed",
		  "rhost=(unusable) ruser=(unusable)" },
		/* A success logs with debug, and carries it too. */
		{ "ctx_debug", "ctx@context.test", PW, DV, PAM_SUCCESS,
		  "mailbox ctx@context.test: authenticated", DV_CTX },
	};
	unsigned failed = run_rows(rows, sizeof rows / sizeof rows[0]);

	(void)state;
	if (failed > 0)
		fail_msg("%u thing(s) wrong, see above", failed);
}

/* The userbase cannot be reached (a socket directory with no server): the
 * lines say so, with the context, in words no ban filter takes for a
 * failed login. */
static void test_outage(void **state)
{
	const struct row rows[] = {
		{ "ctx_down", "ctx@context.test", PW, DV, PAM_AUTHINFO_UNAVAIL,
		  "userbase unavailable: cannot reach the userbase: ", DV_CTX },
		{ "ctx_down", "ctx@context.test", NOT_PW, "127.0.0.8", "carol", "pop3",
		  PAM_AUTHINFO_UNAVAIL, "userbase unavailable: cannot reach the userbase: ",
		  "rhost=127.0.0.8 ruser=carol tty=pop3" },
		{ "ctx_down", "ctx@context.test", PW, NULL, NULL, NULL, PAM_AUTHINFO_UNAVAIL,
		  "userbase unavailable: ", "" },
	};
	unsigned failed = run_rows(rows, sizeof rows / sizeof rows[0]);

	(void)state;
	if (failed > 0)
		fail_msg("%u thing(s) wrong, see above", failed);
}

/* --- setup ---------------------------------------------------------------- */

static int write_services(const char *svcdir)
{
	const char *build = env("PP_BUILD");
	char conf[4096], conf_down[4096], conf_debug[4096], down[4200], other[4200];

	snprintf(conf, sizeof conf, "%s/ctx.conf", env("PP_TMP"));
	snprintf(conf_debug, sizeof conf_debug, "%s/ctx-debug.conf", env("PP_TMP"));
	snprintf(conf_down, sizeof conf_down, "%s/ctx-down.conf", env("PP_TMP"));
	snprintf(down, sizeof down,
		 "postgresql-host = %s/no-server\npostgresql-database = powermail\n"
		 "postgresql-user = powermail\npostgresql-password = x\npersistent = no\n",
		 env("PP_TMP"));
	snprintf(other, sizeof other, "%s/other", svcdir);
	mkdir(svcdir, 0755);
	return write_module_config(conf, "") != 0 ||
	       write_module_config(conf_debug, "debug = yes\n") != 0 ||
	       write_text_file(conf_down, down, 0600) != 0 ||
	       write_text_file(other, "# deny\n", 0644) != 0 ||
	       write_pam_service(svcdir, "ctx", build, conf) != 0 ||
	       write_pam_service(svcdir, "ctx_debug", build, conf_debug) != 0 ||
	       write_pam_service(svcdir, "ctx_down", build, conf_down) != 0;
}

static int setup(void **state)
{
	(void)state;
	memset(long300, 'r', 300);
	harness_secret(PW);
	harness_secret(NOT_PW);
	reconnect_super();
	sql("DELETE FROM mboxes WHERE mbox LIKE '%@context.test'");
	sql("INSERT INTO mboxes (mbox, password) VALUES ('ctx@context.test', '{plain}" PW "'), "
	    "('odd@context.test', '{nosuch}" PW "')");
	sql("INSERT INTO mboxes (mbox, isForward, fwdDest) VALUES "
	    "('fwd@context.test', 1, 'elsewhere@example.com')");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return finish_super("DELETE FROM mboxes WHERE mbox LIKE '%@context.test'");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_outage),
	};

	(void)argc;
	return PAM_TEST_RUN(argv, write_services, "ctx-stderr.log", tests, setup, teardown);
}
