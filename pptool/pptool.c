/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pptool: the PowerMail operator's tool.  Makes stored values and checks
 * passwords against them, through the same dispatcher as pam_powermail. */
#include "admin.h"
#include "escape.h"
#include "password.h"
#include "scheme.h"
#include "secret.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_USAGE 64 /* sysexits.h EX_USAGE */

/* What pptool echoes of its arguments is escaped as row data is
 * (lib/escape.c), in a buffer this big. */
#define SHOWN_ARG PP_ESCAPED_SIZE(64)

static const char usage_text[] =
	"usage: pptool COMMAND [ARGS]\n"
	"\n"
	"  crypt [--method M] [PASSWORD]  {crypt} value; M is yescrypt (default),\n"
	"                                 bcrypt, sha512, sha256, md5 or des\n"
	"  md5 [PASSWORD]                 {md5} value (MD5-crypt, $1$)\n"
	"  sha1 [PASSWORD]                {sha1} value (base64)\n"
	"  hash SCHEME [PASSWORD]         a value in any scheme that can hash; SCHEME may\n"
	"                                 end in .hex, .b64 or .base64 (sha256.hex)\n"
	"  verify STORED                  check the password on standard input against\n"
	"                                 STORED; exit 0 match, 1 mismatch, 2 unknown\n"
	"                                 scheme or malformed value, 64 usage error\n"
	"  schemes                        list the schemes: aliases, whether pptool hash\n"
	"                                 can make them, how they are written (a .hex,\n"
	"                                 .b64 or .base64 suffix changes that)\n"
	"\n"
	"On the userbase, with the module's configuration (--config FILE, default\n"
	"/etc/pam_powermail.conf):\n"
	"  check [--verbose]              count the stored values by scheme; name every\n"
	"                                 hosted mailbox that cannot log in (exit 1 if any)\n"
	"                                 and count the weak ones\n"
	"  migrate-plain [--dry-run]      prefix {plain} to every unprefixed value and every\n"
	"                                 value naming no known scheme, in one transaction;\n"
	"                                 those that may be a hash are listed, not changed\n"
	"  passwd MAILBOX                 set a password, in password-scheme\n"
	"  auth MAILBOX                   try a login as the module would: the kind of\n"
	"                                 address, the scheme and the verdict\n"
	"Exit 2 when the configuration or the userbase fails.\n"
	"\n"
	"Without PASSWORD, pptool asks on the terminal with echo off (twice), or reads\n"
	"one line from standard input when that is not a terminal.  A PASSWORD given\n"
	"on the command line is visible to other users of this machine (ps, /proc):\n"
	"prefer the prompt or a pipe.\n";

int pptool_usage(void)
{
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

/* The password from argv[0] if given, else from the terminal or stdin. */
static char *password_arg(int argc, char **argv)
{
	if (argc > 0)
		return pp_strdup_secret(argv[0]);
	return read_password("Password: ", true);
}

static int print_hash(const char *scheme, const char *method, int argc, char **argv)
{
	char out[PP_HASH_MAX], shown[SHOWN_ARG];
	const char *why = NULL;
	char *password;
	int rc;

	if (argc > 1)
		return pptool_usage();
	enum pp_encoding enc;

	if (pp_scheme_find_encoded(scheme, &enc) == NULL) {
		fprintf(stderr, "pptool: unknown scheme '%s' (see: pptool schemes)\n",
			pp_escape(shown, sizeof shown, scheme));
		return EXIT_USAGE;
	}
	password = password_arg(argc, argv);
	if (password == NULL)
		return 1;
	rc = pp_hash(scheme, method, password, out, sizeof out, &why);
	pp_free_secret(password);
	if (rc != 0) {
		fprintf(stderr, "pptool: cannot hash with {%s}: %s\n",
			pp_escape(shown, sizeof shown, scheme), why);
		return 1;
	}
	puts(out);
	explicit_bzero(out, sizeof out);
	return 0;
}

static int valid_method(const char *method)
{
	for (size_t i = 0; pp_crypt_method_name(i) != NULL; i++)
		if (strcmp(pp_crypt_method_name(i), method) == 0)
			return 1;
	return 0;
}

static int cmd_crypt(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "method", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	const char *method = NULL;
	char shown[SHOWN_ARG];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+m:", longopts, NULL)) != -1) {
		if (c != 'm')
			return pptool_usage();
		method = optarg;
	}
	if (method != NULL && !valid_method(method)) {
		fprintf(stderr, "pptool: unknown crypt method '%s'\n",
			pp_escape(shown, sizeof shown, method));
		return EXIT_USAGE;
	}
	return print_hash("crypt", method, argc - optind, argv + optind);
}

static int cmd_md5(int argc, char **argv)
{
	return print_hash("md5", NULL, argc - 1, argv + 1);
}

static int cmd_sha1(int argc, char **argv)
{
	return print_hash("sha1", NULL, argc - 1, argv + 1);
}

static int cmd_hash(int argc, char **argv)
{
	if (argc < 2)
		return pptool_usage();
	return print_hash(argv[1], NULL, argc - 2, argv + 2);
}

static int cmd_verify(int argc, char **argv)
{
	struct pp_verify_info info;
	enum pp_verdict verdict;
	char *password, shown[SHOWN_ARG];

	if (argc != 2)
		return pptool_usage();
	/* No password to check is a usage error, not a mismatch. */
	password = read_password("Password: ", false);
	if (password == NULL)
		return EXIT_USAGE;
	verdict = pp_verify(argv[1], password, &info);
	pp_free_secret(password);
	switch (verdict) {
	case PP_MATCH:
		return 0;
	case PP_MISMATCH:
		return 1;
	case PP_UNKNOWN_SCHEME:
		fprintf(stderr, "pptool: unknown scheme {%s}: this value never matches "
				"(a PowerMail 1.0 plaintext password? store it as {plain}...)\n",
			pp_escape(shown, sizeof shown, info.scheme_name));
		return 2;
	case PP_MALFORMED:
		fprintf(stderr, "pptool: malformed {%s} value: %s\n",
			pp_escape(shown, sizeof shown, info.scheme_name), info.why);
		return 2;
	case PP_WEAK_REFUSED: /* pp_verify allows every scheme */
		break;
	}
	return 2;
}

/* How new values of s are written: what a suffix changes. */
static const char *writes(const struct pp_scheme *s)
{
	if (!(s->flags & PP_SCHEME_ENCODINGS))
		return "text";
	return s->flags & PP_SCHEME_HEX ? "hex" : "base64";
}

static int cmd_schemes(int argc, char **argv)
{
	size_t n;
	const struct pp_scheme *s = pp_schemes(&n);

	(void)argv;
	if (argc != 1)
		return pptool_usage();
	printf("%-14s %-20s %-5s %-7s %s\n", "SCHEME", "ALIASES", "HASH", "WRITES", "STORED VALUE");
	for (size_t i = 0; i < n; i++) {
		char aliases[64] = "-";
		size_t used = 0;

		for (size_t a = 0; a < sizeof s[i].aliases / sizeof s[i].aliases[0] && s[i].aliases[a];
		     a++)
			used += (size_t)snprintf(aliases + used, sizeof aliases - used, "%s%s",
						 a ? "," : "", s[i].aliases[a]);
		printf("%-14s %-20s %-5s %-7s %s\n", s[i].name, aliases, s[i].hash ? "yes" : "no",
		       writes(&s[i]), s[i].summary);
	}
	return 0;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "crypt", cmd_crypt },   { "md5", cmd_md5 },       { "sha1", cmd_sha1 },
	{ "hash", cmd_hash },     { "verify", cmd_verify }, { "schemes", cmd_schemes },
	{ "check", pp_cmd_check }, { "migrate-plain", pp_cmd_migrate_plain },
	{ "passwd", pp_cmd_passwd }, { "auth", pp_cmd_auth },
};

int main(int argc, char **argv)
{
	char shown[SHOWN_ARG];

	if (argc < 2)
		return pptool_usage();
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, argv[1]) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "pptool: unknown command '%s'\n", pp_escape(shown, sizeof shown, argv[1]));
	return pptool_usage();
}
