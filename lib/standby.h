/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Is the server of a read connection fit to answer a lookup: the primary,
 * a standby close enough behind it, or one too far behind
 * (standby-max-lag)? */
#ifndef PP_STANDBY_H
#define PP_STANDBY_H

#include <libpq-fe.h>

/* One row: in recovery (a standby), and its lag in seconds.
 *
 * The lag is 0 when the standby has replayed everything it received (or
 * received nothing by streaming: a standby cut off from a primary that is
 * down has nothing newer to learn); otherwise the time since the last
 * transaction it replayed was committed on the primary.  That time alone
 * would not do: on an idle primary it grows without any change waiting, so
 * every standby would look late.  Counted only while something received
 * waits for replay, it says how old the standby's view is: a change waiting
 * behind it is at most that old.  It compares the primary's clock (commit
 * times) with the standby's (now()): keep them in step (NTP). */
#define PP_STANDBY_QUERY                                                                      \
	"SELECT pg_catalog.pg_is_in_recovery(), "                                             \
	"CASE WHEN coalesce(pg_catalog.pg_last_wal_receive_lsn() <= "                         \
	"pg_catalog.pg_last_wal_replay_lsn(), true) THEN 0 "                                  \
	"ELSE extract(epoch FROM now() - pg_catalog.pg_last_xact_replay_timestamp()) END"

enum pp_server {
	PP_SERVER_PRIMARY,
	PP_SERVER_STANDBY, /* within standby-max-lag */
	PP_SERVER_LATE,    /* further behind, or its lag is unknown */
};

/* What PP_STANDBY_QUERY's result says, against max_lag seconds.  *lag is
 * the lag in seconds, or -1 when unknown (no transaction replayed yet, or a
 * result of another shape: fail towards the primary). */
enum pp_server pp_standby_judge(const PGresult *res, long max_lag, double *lag);

#endif
