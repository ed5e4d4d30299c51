/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Handling of secrets: constant-time comparison and wiping. */
#ifndef PP_SECRET_H
#define PP_SECRET_H

#include <stdbool.h>
#include <stddef.h>

/* True when a[0..alen) equals b[0..blen).  The time taken depends on the
 * lengths, never on where the contents first differ. */
bool pp_ct_equal(const void *a, size_t alen, const void *b, size_t blen);

/* Overwrite a NUL-terminated secret and free it.  NULL is allowed. */
void pp_free_secret(char *s);

/* A copy of a secret that must later go to pp_free_secret. NULL on ENOMEM. */
char *pp_strdup_secret(const char *s);

/* Fill buf with len bytes from getrandom(2).  0 on success, -1 on failure. */
int pp_random(void *buf, size_t len);

#endif
