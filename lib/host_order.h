/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The servers of a connection in random order: postgresql-load-balance
 * where libpq has no load_balance_hosts of its own (libpq 15, Debian 12). */
#ifndef PP_HOST_ORDER_H
#define PP_HOST_ORDER_H

/* The same random order applied to each of host, hostaddr and port (libpq
 * reads them as parallel comma-separated lists; a single port serves every
 * host and stays as it is).  Each out string is malloc'd, or NULL where the
 * input was NULL or there is nothing to reorder.  Returns 0, or -1 when
 * there is no memory or no randomness: the caller keeps the written order. */
struct pp_host_order {
	char *host, *hostaddr, *port;
};

int pp_host_order_shuffle(const char *host, const char *hostaddr, const char *port,
			  struct pp_host_order *out);
void pp_host_order_free(struct pp_host_order *o);

#endif
