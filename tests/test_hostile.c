/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hostile input, one table, through PAM against the real PostgreSQL: names,
 * passwords, stored values and configuration files that try to break the
 * module.  For each: no crash, no success, the documented PAM code, and
 * exactly one log line from the module, which holds no secret. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pam_login.h"
#include "pam_test.h"

#define MB (1024 * 1024)
#define PASSWORD "H0stile-but-wrong"

static char *huge_name, *huge_password;

/* --- the table ---------------------------------------------------------- */

struct row {
	const char *what;
	const char *service; /* "h" or a config variant */
	const char *user;    /* NULL: the huge name */
	const char *password; /* NULL: the huge password */
	const char *stored;  /* inserted for the user first, when not NULL */
	int want;
};

static const struct row rows[] = {
	/* names: unknown, without hashing, never a query that breaks */
	{ "quote", "h", "x' OR '1'='1", PASSWORD, NULL, PAM_USER_UNKNOWN },
	{ "backslash", "h", "a\\'b@hostile.test", PASSWORD, NULL, PAM_USER_UNKNOWN },
	{ "printf", "h", "%s%n%s@hostile.test", PASSWORD, NULL, PAM_USER_UNKNOWN },
	{ "parameter", "h", "$1", PASSWORD, NULL, PAM_USER_UNKNOWN },
	{ "statement", "h", "'; drop table mboxes; --", PASSWORD, NULL, PAM_USER_UNKNOWN },
	{ "newline", "h", "a\nmailbox b@hostile.test: authenticated", PASSWORD, NULL, PAM_USER_UNKNOWN },
	{ "control", "h", "a\x1b[2Jb@hostile.test", PASSWORD, NULL, PAM_USER_UNKNOWN },
	{ "invalid UTF-8", "h", "\xff\xfe@hostile.test", PASSWORD, NULL, PAM_USER_UNKNOWN },
	{ "1 MB name", "h", NULL, PASSWORD, NULL, PAM_USER_UNKNOWN },
	{ "empty name", "h", "", PASSWORD, NULL, PAM_USER_UNKNOWN },
	/* passwords */
	{ "empty password", "h", "pw@hostile.test", "", "{plain}Real-pw-1", PAM_AUTH_ERR },
	{ "1 MB password", "h", "pw@hostile.test", NULL, "{plain}Real-pw-1", PAM_AUTH_ERR },
	{ "invalid UTF-8 password", "h", "pw@hostile.test", "\xff\xfe\xc0", "{plain}Real-pw-1",
	  PAM_AUTH_ERR },
	/* stored values */
	{ "stored {", "h", "s@hostile.test", PASSWORD, "{", PAM_AUTH_ERR },
	{ "stored }", "h", "s@hostile.test", PASSWORD, "}", PAM_AUTH_ERR },
	{ "stored {}", "h", "s@hostile.test", PASSWORD, "{}", PAM_AUTH_ERR },
	{ "stored {plain", "h", "s@hostile.test", PASSWORD, "{plain", PAM_AUTH_ERR },
	{ "stored {md5}", "h", "s@hostile.test", PASSWORD, "{md5}", PAM_AUTH_ERR },
	{ "stored {md5}$1$", "h", "s@hostile.test", PASSWORD, "{md5}$1$", PAM_AUTH_ERR },
	{ "stored {crypt}", "h", "s@hostile.test", PASSWORD, "{crypt}", PAM_AUTH_ERR },
	{ "stored {crypt}*", "h", "s@hostile.test", PASSWORD, "{crypt}*", PAM_AUTH_ERR },
	{ "stored {crypt}!", "h", "s@hostile.test", PASSWORD, "{crypt}!", PAM_AUTH_ERR },
	{ "truncated md5", "h", "s@hostile.test", "s3cr3t!", "{md5}$1$Wh/8PmbX$tLpq3mPsvT5gdVJcVVYXA",
	  PAM_AUTH_ERR },
	{ "truncated DES", "h", "s@hostile.test", "s3cr3t!", "{crypt}/CFF1gJfAFAq", PAM_AUTH_ERR },
	{ "truncated sha1", "h", "s@hostile.test", PASSWORD, "{sha1}qUqP5cyxm6YcTAhz05Hph5gvu9",
	  PAM_AUTH_ERR },
	{ "truncated ssha256", "h", "s@hostile.test", PASSWORD, "{ssha256}qUqP5cyxm6Yc", PAM_AUTH_ERR },
	{ "truncated sha512-crypt", "h", "s@hostile.test", PASSWORD, "{sha512-crypt}$6$salt$abc",
	  PAM_AUTH_ERR },
	{ "truncated argon2id", "h", "s@hostile.test", PASSWORD,
	  "{argon2id}$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ", PAM_AUTH_ERR },
	{ "bcrypt cost 31", "h", "s@hostile.test", PASSWORD,
	  "{crypt}$2b$31$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234", PAM_AUTH_ERR },
	{ "sha512-crypt 999999999 rounds", "h", "s@hostile.test", PASSWORD,
	  "{crypt}$6$rounds=999999999$salt$yQ/F6D3BrA6J4LeuZlaWRKVbCwWEzuIchZGQcwG2CRLib25KB6DD"
	  "1SBzbihx0v0nAGZeN3iGlnDTsWjzN2qUA1",
	  PAM_AUTH_ERR },
	{ "argon2 4 GiB", "h", "s@hostile.test", PASSWORD,
	  "{argon2id}$argon2id$v=19$m=4194304,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	  PAM_AUTH_ERR },
	{ "argon2 a million passes", "h", "s@hostile.test", PASSWORD,
	  "{argon2id}$argon2id$v=19$m=65536,t=1000000,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	  PAM_AUTH_ERR },
	/* configuration files */
	{ "config missing", "c_missing", "pw@hostile.test", "Real-pw-1", NULL, PAM_SERVICE_ERR },
	{ "config a directory", "c_dir", "pw@hostile.test", "Real-pw-1", NULL, PAM_SERVICE_ERR },
	{ "config binary junk", "c_junk", "pw@hostile.test", "Real-pw-1", NULL, PAM_SERVICE_ERR },
	{ "config one huge line", "c_huge", "pw@hostile.test", "Real-pw-1", NULL, PAM_SERVICE_ERR },
	{ "config key twice", "c_twice", "pw@hostile.test", "Real-pw-1", NULL, PAM_SERVICE_ERR },
	/* and the control: the right password still works */
	{ "control row", "h", "pw@hostile.test", "Real-pw-1", "{plain}Real-pw-1", PAM_SUCCESS },
};

static void store(const char *user, const char *stored)
{
	const char *params[2] = { user, stored };

	sql_params("INSERT INTO mboxes (mbox, password) VALUES ($1, $2) "
		   "ON CONFLICT (mbox) DO UPDATE SET password = EXCLUDED.password",
		   2, params);
}

/* Does the log hold the secret part of s: a stored value without its
 * "{scheme}" (the scheme's name is fit to log), a password?  Parts of
 * three characters or fewer are too short to tell. */
static bool leaks(const char *log, const char *s)
{
	const char *close;

	if (s == NULL)
		return false;
	if (s[0] == '{' && (close = strchr(s, '}')) != NULL)
		s = close + 1;
	return strlen(s) > 3 && strstr(log, s) != NULL;
}

static void test_table(void **state)
{
	static char log[1 << 16];
	unsigned failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];
		const char *user = r->user ? r->user : huge_name;
		const char *password = r->password ? r->password : huge_password;
		int rc, lines;

		if (r->stored != NULL)
			store(user, r->stored);
		capture_start();
		rc = pam_login(r->service, user, password);
		lines = capture_stop(log, sizeof log);
		/* For the harness's suite-wide secrets check. */
		if (r->password != NULL)
			harness_secret(r->password);
		/* Not the brace-syntax rows ("{plain"): as text they are what
		 * the module rightly logs, "{plain}", in part. */
		if (r->stored != NULL && !(r->stored[0] == '{' && !strchr(r->stored, '}')))
			harness_secret(r->stored);

		if (rc != r->want) {
			printf("# %s: got %s, want %s\n", r->what, pam_strerror(NULL, rc),
			       pam_strerror(NULL, r->want));
			failures++;
		}
		/* One line each: a refusal, or (debug is on) a success. */
		if (lines != 1) {
			printf("# %s: %d log lines:\n%s", r->what, lines, log);
			failures++;
		}
		if (leaks(log, r->stored) || leaks(log, r->password) ||
		    leaks(log, env("PP_PGPASSWORD"))) {
			printf("# %s: a secret is in the log:\n%s", r->what, log);
			failures++;
		}
		for (char *l = strtok(log, "\n"); l != NULL; l = strtok(NULL, "\n"))
			printf("# %s\n", l);
	}
	assert_int_equal(failures, 0);
}

/* The injection attempts left the table as it was. */
static void test_table_intact(void **state)
{
	(void)state;
	assert_int_equal(sql_long("select count(*) from mboxes where mbox like '%hostile.test'"),
			 2);
}

/* --- setup -------------------------------------------------------------- */

static void write_text(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		exit(2);
	close(fd);
}

/* The service files and configurations; returns 0. */
static int write_setup(const char *svcdir)
{
	char conf[4096], path[8192], cmd[16384];
	const char *tmp = env("PP_TMP");
	char *junk, *line;

	mkdir(svcdir, 0755);
	snprintf(conf, sizeof conf, "%s/hostile.conf", tmp);
	snprintf(cmd, sizeof cmd, "%s pamconf > %s && chmod 600 %s", env("PP_PGCTL"), conf, conf);
	if (system(cmd) != 0)
		return -1;
	write_pam_service(svcdir, "h", env("PP_BUILD"), conf);
	/* PAM's fallback service: silence, not a log line per call */
	snprintf(path, sizeof path, "%s/other", svcdir);
	write_text(path, "auth required pam_deny.so\n", 26);

	snprintf(path, sizeof path, "%s/nonexistent.conf", tmp);
	write_pam_service(svcdir, "c_missing", env("PP_BUILD"), path);
	write_pam_service(svcdir, "c_dir", env("PP_BUILD"), tmp);
	junk = malloc(4096);
	for (int i = 0; i < 4096; i++)
		junk[i] = (char)((i * 7919 + 13) & 0xff);
	snprintf(path, sizeof path, "%s/junk.conf", tmp);
	write_text(path, junk, 4096);
	write_pam_service(svcdir, "c_junk", env("PP_BUILD"), path);
	free(junk);
	line = malloc(60000);
	memset(line, 'x', 60000);
	memcpy(line, "debug = ", 8);
	line[59999] = '\n';
	snprintf(path, sizeof path, "%s/huge.conf", tmp);
	write_text(path, line, 60000);
	write_pam_service(svcdir, "c_huge", env("PP_BUILD"), path);
	free(line);
	snprintf(path, sizeof path, "%s/twice.conf", tmp);
	write_text(path, "debug = no\ndebug = no\n", 22);
	write_pam_service(svcdir, "c_twice", env("PP_BUILD"), path);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	reconnect_super();
	huge_name = malloc(MB + 1);
	huge_password = malloc(MB + 1);
	memset(huge_name, 'n', MB);
	memcpy(huge_name + MB - 13, "@hostile.test", 13);
	huge_name[MB] = '\0';
	memset(huge_password, 'p', MB);
	huge_password[MB] = '\0';
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(huge_name);
	free(huge_password);
	return finish_super(NULL);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_intact),
	};

	(void)argc;
	return PAM_TEST_RUN(argv, write_setup, "hostile-stderr.log", tests, setup, teardown);
}
