/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pptool's commands on the userbase (admin.c). */
#ifndef PPTOOL_ADMIN_H
#define PPTOOL_ADMIN_H

int pp_cmd_check(int argc, char **argv);
int pp_cmd_migrate_plain(int argc, char **argv);
int pp_cmd_passwd(int argc, char **argv);
int pp_cmd_auth(int argc, char **argv);

/* Print the usage to stderr; returns the usage exit code (pptool.c). */
int pptool_usage(void);

#endif
