/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The built module: it loads with every symbol resolved, exports PAM's entry
 * points, and keeps libpowermail to itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

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
					      "pp_pad_count", "pp_pad", "pp_decoy", "log_to_pam" };

	(void)state;
	for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++)
		if (dlsym(module, hidden[i]) != NULL)
			fail_msg("%s leaks out of the module", hidden[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_points),
		cmocka_unit_test(test_nothing_else),
	};

	return cmocka_run_group_tests(tests, load, unload);
}
