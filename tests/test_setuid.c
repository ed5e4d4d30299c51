/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A setuid-root PAM program run by an unprivileged user: the caller sets
 * its environment, and a PG* variable there makes the module refuse to
 * connect (lib/conn_params.c), with a log line naming it.
 *
 * Run by the harness as root: this program copies itself into $PP_TMP,
 * makes the copy setuid root, and runs it as nobody (setpriv), once with a
 * clean environment (the login works: the module does run setuid) and once
 * with PGHOSTADDR=127.0.0.1, which libpq would otherwise take over the
 * configured socket directory: refused.  The copy logs in with the real libpam and
 * pam_start_confdir, so /etc/pam.d is never read, and syslog's LOG_PERROR
 * brings the module's lines to its stderr; they are printed here as
 * "SYSLOG(setuid)" lines for the harness's secrets check.  Not in sanitized
 * builds (a sanitizer runtime and setuid do not mix) nor when not root. */
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "pam_login.h"
#include "pam_wrapper_exec.h"

#define STAGE "PP_SETUID_STAGE"
#define USER "setuid@example.com"
#define PASSWORD "Setuid-pw-8"

/* The setuid copy: one login, its PAM code on stdout. */
static int copy_main(const char *confdir)
{
	struct pam_conv conv = { answer_password, (void *)PASSWORD };
	pam_handle_t *pamh = NULL;
	int rc;

	openlog("pp_setuid", LOG_PERROR, LOG_AUTHPRIV);
	rc = pam_start_confdir("pp_setuid", USER, &conv, confdir, &pamh);
	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(pamh, 0);
	pam_end(pamh, rc);
	printf("rc=%d euid=%d uid=%d\n", rc, (int)geteuid(), (int)getuid());
	return 0;
}

static int run(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	size_t got;

	if (p == NULL)
		return -1;
	got = fread(out, 1, size - 1, p);
	out[got] = '\0';
	return pclose(p);
}

/* Run the copy as nobody with extra environment; its PAM code, or -1. */
static int login_as_nobody(const char *copy, const char *confdir, const char *extra,
			   char *out, size_t size)
{
	char cmd[16384];
	const char *rc;

	snprintf(cmd, sizeof cmd,
		 "setpriv --reuid=65534 --regid=65534 --clear-groups env -i %s=2 %s %s %s 2>&1",
		 STAGE, extra, copy, confdir);
	if (run(cmd, out, size) != 0)
		return -1;
	rc = strstr(out, "rc=");
	return rc != NULL && strstr(out, "euid=0 uid=65534") != NULL ? atoi(rc + 3) : -1;
}

static void print_log(const char *out)
{
	for (const char *line = out; *line;) {
		size_t n = strcspn(line, "\n");

		if (strncmp(line, "pp_setuid:", 10) == 0)
			printf("# SYSLOG(setuid): %.*s\n", (int)n, line);
		line += n + (line[n] == '\n');
	}
}

int main(int argc, char **argv)
{
	char dir[1024], copy[1100], confdir[1100], conf[1100], cmd[16384], out[16384];
	const char *tmp = getenv("PP_TMP"), *build = getenv("PP_BUILD");
	int rc, failed = 0;

	if (getenv(STAGE) != NULL && argc == 2)
		return copy_main(argv[1]);
	if (tmp == NULL || build == NULL || getenv("PP_PGCTL") == NULL) {
		printf("1..1\nnot ok 1 - run me through tests/run-tests.sh\n");
		return 1;
	}
	if (SELF_SANITIZED || geteuid() != 0) {
		printf("1..1\nok 1 # SKIP %s\n",
		       SELF_SANITIZED ? "a sanitized build cannot run setuid" : "needs root");
		return 0;
	}
	if (strlen(tmp) >= sizeof dir) {
		printf("1..1\nnot ok 1 - PP_TMP is too long\n");
		return 1;
	}
	snprintf(dir, sizeof dir, "%s", tmp);
	snprintf(copy, sizeof copy, "%s/pp_setuid", dir);
	snprintf(confdir, sizeof confdir, "%s/pam.d", dir);
	snprintf(conf, sizeof conf, "%s/setuid.conf", dir);
	snprintf(cmd, sizeof cmd,
		 "set -e; cp /proc/%d/exe %s && chown root:root %s && chmod 4755 %s && "
		 "mkdir -p %s && (umask 077 && $PP_PGCTL pamconf >%s) && "
		 "psql -X -q -h \"$PGHOST\" -p \"$PGPORT\" -U \"$PP_PGSUPER\" -d \"$PP_PGDB\" -c "
		 "\"INSERT INTO mboxes (mbox, password) VALUES ('%s', '{plain}%s') "
		 "ON CONFLICT (mbox) DO UPDATE SET password = EXCLUDED.password\" && "
		 "echo %s >>\"$PP_SECRETS\"",
		 (int)getpid(), copy, copy, copy, confdir, conf, USER, PASSWORD, PASSWORD);
	if (system(cmd) != 0 || write_pam_service(confdir, "pp_setuid", build, conf) != 0) {
		printf("1..1\nnot ok 1 - setting up the setuid copy, its service and its row\n");
		return 1;
	}

	rc = login_as_nobody(copy, confdir, "", out, sizeof out);
	print_log(out);
	if (rc == PAM_SUCCESS) {
		printf("ok 1 - setuid root, run by nobody, clean environment: the login works\n");
	} else {
		printf("not ok 1 - setuid root, clean environment: got %d, want PAM_SUCCESS\n", rc);
		failed++;
	}

	rc = login_as_nobody(copy, confdir, "PGHOSTADDR=127.0.0.1 PGSSLMODE=disable", out,
			     sizeof out);
	print_log(out);
	if (rc == PAM_AUTHINFO_UNAVAIL) {
		printf("ok 2 - setuid root with PGHOSTADDR in the environment: "
		       "PAM_AUTHINFO_UNAVAIL\n");
	} else {
		printf("not ok 2 - setuid root with PGHOSTADDR: got %d, want "
		       "PAM_AUTHINFO_UNAVAIL\n", rc);
		failed++;
	}
	if (strstr(out, "refusing to reach the userbase: a setuid or setgid program runs with "
			"PGHOSTADDR, PGSSLMODE in its environment") != NULL) {
		printf("ok 3 - ... and the log line names the variables\n");
	} else {
		printf("not ok 3 - ... and the log line names the variables\n");
		failed++;
	}
	unlink(copy);
	printf("1..3\n");
	return failed ? 1 : 0;
}
