/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Constant-time comparison, wiping and random bytes: the three things every
 * scheme needs and none may get wrong. */
#include "secret.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>

bool pp_ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	if (alen != blen)
		return false;
	return CRYPTO_memcmp(a, b, alen) == 0;
}

void pp_free_secret(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

char *pp_strdup_secret(const char *s)
{
	size_t len = strlen(s);
	char *copy = malloc(len + 1);

	if (copy != NULL)
		memcpy(copy, s, len + 1);
	return copy;
}

int pp_random(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
