/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the tests that write their own PAM services and module
 * configurations: a text file, and a configuration that reaches the
 * harness's cluster as the SELECT-only role.  Include after pg_super.h
 * (env()). */
#ifndef PP_MODULE_CONF_H
#define PP_MODULE_CONF_H

#include <stdio.h>
#include <sys/stat.h>

/* path holds text, with mode; 0, or -1 when it cannot be written. */
static inline int write_text_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	return fputs(text, f) < 0 || fclose(f) != 0 || chmod(path, mode) != 0 ? -1 : 0;
}

/* A configuration file (mode 0600) reaching the cluster, then extra. */
static inline int write_module_config(const char *path, const char *extra)
{
	char text[8192];

	snprintf(text, sizeof text,
		 "postgresql-host = %s\npostgresql-port = %s\npostgresql-user = %s\n"
		 "postgresql-password = %s\npostgresql-database = %s\n%s",
		 env("PGHOST"), env("PGPORT"), env("PP_PGUSER"), env("PP_PGPASSWORD"),
		 env("PP_PGDB"), extra);
	return write_text_file(path, text, 0600);
}

#endif
