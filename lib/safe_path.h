/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Opening a file that only root (or we) could have put there, in the spirit
 * of OpenSSH's StrictModes: every directory from / down is checked. */
#ifndef PP_SAFE_PATH_H
#define PP_SAFE_PATH_H

#include <stdbool.h>
#include <stddef.h>

/* Open the absolute path read-only, walking it from / one component at a
 * time with openat(2) and O_NOFOLLOW, so that what is opened is what was
 * checked.  Every directory on the way must be owned by root or by the
 * effective user, and writable by no one else unless it is root's and
 * sticky (/tmp); no component may be a symbolic link, "." and empty ones
 * are skipped, ".." is refused.  The file itself is only opened (O_NOFOLLOW,
 * O_NONBLOCK): its own checks are the caller's.  Returns the descriptor, or
 * -1 with err set; *missing is then true when a component does not exist. */
int pp_safe_open(const char *path, bool *missing, char *err, size_t errlen);

#endif
