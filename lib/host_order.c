/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A random permutation of libpq's host lists.  libpq 16's
 * load_balance_hosts=random shuffles the hosts once per connection attempt;
 * this does the same with the written lists, before libpq sees them (it
 * does not also shuffle the addresses of one host name, as libpq 16 does). */
#include "host_order.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define MAX_HOSTS 64

static size_t count_items(const char *list)
{
	size_t n = 1;

	for (const char *p = list; *p; p++)
		n += *p == ',';
	return n;
}

/* list's items in the order of perm; NULL when list is NULL or has not n
 * items (a single port for every host), or without memory. */
static char *permuted(const char *list, const size_t *perm, size_t n)
{
	const char *start[MAX_HOSTS];
	size_t len[MAX_HOSTS];
	char *out, *o;

	if (list == NULL || count_items(list) != n)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		start[i] = i == 0 ? list : start[i - 1] + len[i - 1] + 1;
		len[i] = strcspn(start[i], ",");
	}
	out = o = malloc(strlen(list) + 1);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			*o++ = ',';
		memcpy(o, start[perm[i]], len[perm[i]]);
		o += len[perm[i]];
	}
	*o = '\0';
	return out;
}

int pp_host_order_shuffle(const char *host, const char *hostaddr, const char *port,
			  struct pp_host_order *out)
{
	const char *servers = hostaddr != NULL ? hostaddr : host;
	uint32_t draws[MAX_HOSTS];
	size_t perm[MAX_HOSTS], n;

	memset(out, 0, sizeof *out);
	if (servers == NULL || (n = count_items(servers)) < 2)
		return 0;
	if (n > MAX_HOSTS || getrandom(draws, n * sizeof draws[0], 0) !=
				     (ssize_t)(n * sizeof draws[0]))
		return -1;
	/* Fisher-Yates; the modulo's bias is below n / 2^32. */
	for (size_t i = 0; i < n; i++)
		perm[i] = i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = draws[i] % (i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	out->host = permuted(host, perm, n);
	out->hostaddr = permuted(hostaddr, perm, n);
	out->port = permuted(port, perm, n);
	if ((host != NULL && out->host == NULL) || (hostaddr != NULL && out->hostaddr == NULL)) {
		pp_host_order_free(out);
		return -1;
	}
	return 0;
}

void pp_host_order_free(struct pp_host_order *o)
{
	free(o->host);
	free(o->hostaddr);
	free(o->port);
	memset(o, 0, sizeof *o);
}
