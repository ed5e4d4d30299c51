/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The built module: it loads with every symbol resolved, exports PAM's entry
 * points, and keeps libpowermail to itself; neither it nor pptool carries a
 * test hook, not even as a local symbol. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *module;

static int load(void **state)
{
	char path[4096];

	(void)state;
	snprintf(path, sizeof path, "%s/pam_powermail.so",
		 getenv("PP_BUILD") ? getenv("PP_BUILD") : "build");
	module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (module == NULL)
		fprintf(stderr, "dlopen: %s\n", dlerror());
	return module == NULL ? -1 : 0;
}

static int unload(void **state)
{
	(void)state;
	return dlclose(module);
}

static void test_entry_points(void **state)
{
	static const char *const wanted[] = { "pam_sm_authenticate", "pam_sm_setcred",
					      "pam_sm_acct_mgmt", "pam_sm_chauthtok" };

	(void)state;
	for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
		if (dlsym(module, wanted[i]) == NULL)
			fail_msg("%s is not exported", wanted[i]);
}

static void test_nothing_else(void **state)
{
	static const char *const hidden[] = { "pp_verify", "pp_hash", "pp_authenticate",
					      "pp_config_load", "pp_userbase_lookup",
					      "pp_change_password", "pp_userbase_write",
					      "pp_pad", "pp_decoy", "log_to_pam" };

	(void)state;
	for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++)
		if (dlsym(module, hidden[i]) != NULL)
			fail_msg("%s leaks out of the module", hidden[i]);
}

/* Counters the tests once read through the library (they now wrap its
 * functions at link time, see the Makefile). */
static const char *const test_hooks[] = { "pp_pad_count", "pp_config_cache_hits" };

/* How many of the file's symbols, local ones included (nm -a), are test
 * hooks; -1 when nm fails or the table lacks pp_pad (then nothing could be
 * checked: a stripped file, no nm). */
static int hooks_in(const char *file)
{
	char cmd[4200], line[1024];
	int hooks = 0;
	bool seen = false;
	FILE *nm;

	snprintf(cmd, sizeof cmd, "nm -a '%s' 2>/dev/null", file);
	if ((nm = popen(cmd, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, nm) != NULL) {
		const char *name = strrchr(line, ' ');

		name = name ? name + 1 : line;
		line[strcspn(line, "\n")] = '\0';
		seen = seen || strcmp(name, "pp_pad") == 0;
		for (size_t i = 0; i < sizeof test_hooks / sizeof test_hooks[0]; i++)
			if (strcmp(name, test_hooks[i]) == 0) {
				printf("# %s: %s\n", file, line);
				hooks++;
			}
	}
	return pclose(nm) == 0 && seen ? hooks : -1;
}

static void test_no_test_hooks(void **state)
{
	static const char *const shipped[] = { "pam_powermail.so", "pptool" };
	const char *build = getenv("PP_BUILD") ? getenv("PP_BUILD") : "build";

	(void)state;
	for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
		char path[4096];
		int n;

		snprintf(path, sizeof path, "%s/%s", build, shipped[i]);
		n = hooks_in(path);
		if (n < 0)
			fail_msg("%s: nm could not list its symbols", path);
		if (n > 0)
			fail_msg("%s carries a test hook", path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_points),
		cmocka_unit_test(test_nothing_else),
		cmocka_unit_test(test_no_test_hooks),
	};

	return cmocka_run_group_tests(tests, load, unload);
}
