/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Getting a password into pptool without echoing it. */
#ifndef PPTOOL_PASSWORD_H
#define PPTOOL_PASSWORD_H

#include <stdbool.h>

/* Read a password: with echo off from the terminal when standard input is
 * one (asking twice when confirm is set), otherwise one line from standard
 * input without its newline.  Returns a string for pp_free_secret, or NULL
 * after printing why to stderr. */
char *read_password(const char *prompt, bool confirm);

#endif
