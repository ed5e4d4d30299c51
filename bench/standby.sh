#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/standby.sh BUILD -- (h) of `make bench`: logins read on streaming
# standbys against the primary alone, and a login right after a change.
#
# A primary and two hot standbys of its own (tests/replicas.bash), all on
# this machine, reached over TCP on 127.0.0.1, 1,000 {plain} mailboxes.
# Three PAM services under pam_wrapper, driven by BUILD/bench/pp_bench:
#   primary   postgresql-conninfo naming the primary, the new keys unset
#   standbys  the three servers, postgresql-reads = prefer-standby,
#             postgresql-load-balance = yes (standby-max-lag 5)
#   after     the same with standby-max-lag = 3600, for the login right
#             after a change: every value is changed on the primary while
#             replay is paused on both standbys, so each login reads a value
#             on a standby that refuses the password, then the primary's,
#             and checks that one
# Logins a second: ROUNDS alternating processes of each of primary and
# standbys (medians); where the lookups ran: idx_scan of mbox_index on each
# server.  Latency: every login of a run, p50 and p99.
# On one machine the standbys add no CPU: this shows what the lag question
# (at most once a second per connection) and the second connection cost,
# not a gain.
# Prints its lines; exits non-zero only when it could not measure.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ $# -eq 1 && -d $1 ]] || { echo "usage: $0 BUILD" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
ROUNDS=${PP_BENCH_ROUNDS:-5}
N_H=${PP_BENCH_H:-10000}
MAILBOXES=1000
export PP_TOP=$TOP

work=$(mktemp -d /tmp/pp-bench-h.XXXXXX)
chmod 755 "$work"
# shellcheck source=tests/replicas.bash
. "$TOP/tests/replicas.bash"
# shellcheck disable=SC2317  # called by the trap
cleanup() {
    replicas_stop_all
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
die() { echo "$0: $*" >&2; exit 1; }

primary_start "$work/primary" || die "the primary did not start"
standby_start "$work/s1" "$work/primary" || die "standby 1 did not start"
standby_start "$work/s2" "$work/primary" || die "standby 2 did not start"
# shellcheck source=/dev/null
. "$work/primary/env"
servers=("$work/primary" "$work/s1" "$work/s2")
sql_at() { psql_at "$1" -d powermail -tA "${@:2}"; }

sql_at "$work/primary" -c "INSERT INTO mboxes (mbox, password, quotaMB, isForward)
        SELECT 'u' || lpad(i::text, 7, '0') || '@bench.test', '{plain}pw' || lpad(i::text, 7, '0'), 100, 0
          FROM generate_series(1, $MAILBOXES) AS i" -c "VACUUM (ANALYZE) mboxes" >/dev/null
# replayed DIR PATTERN COUNT: DIR has COUNT rows whose password is like PATTERN.
replayed() {
    [[ $(sql_at "$1" -c "SELECT count(*) FROM mboxes WHERE password LIKE '$2'") == "$3" ]]
}
for s in "$work/s1" "$work/s2"; do
    wait_for 60 replayed "$s" '{plain}pw%' "$MAILBOXES" || die "a standby did not replay the mailboxes"
done

# --- the services --------------------------------------------------------
svcdir=$work/pam.d
mkdir -p "$svcdir"
ports="$(port_of "$work/primary"),$(port_of "$work/s1"),$(port_of "$work/s2")"
base() {
    echo "postgresql-conninfo = host=$1 port=$2 dbname=powermail user=powermail password=$PP_PGPASSWORD sslmode=disable"
}
base 127.0.0.1 "$(port_of "$work/primary")" >"$work/primary.conf"
{ base 127.0.0.1,127.0.0.1,127.0.0.1 "$ports"; printf '%s\n' "postgresql-reads = prefer-standby" \
    "postgresql-load-balance = yes"; } >"$work/standbys.conf"
{ cat "$work/standbys.conf"; echo "standby-max-lag = 3600"; } >"$work/after.conf"
chmod 600 "$work"/*.conf
for svc in primary standbys after; do
    printf '%s required %s config=%s\n' auth "$BUILD/pam_powermail.so" "$work/$svc.conf" \
        account "$BUILD/pam_powermail.so" "$work/$svc.conf" >"$svcdir/pp_h_$svc"
done
printf '# the bench services name every type they use\n' >"$svcdir/other"
drive() { env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$svcdir" \
    "$BUILD/bench/pp_bench" "$@"; }
val() { sed -n "s/^$2=//p" "$1" | head -n 1; }

# idx_scan of mbox_index on DIR, once no powermail session is left there
# (a backend's counts are flushed when it ends).
scans() {
    wait_for 20 test "$(psql_at "$1" -d postgres -tAc "SELECT count(*) FROM pg_stat_activity WHERE usename = 'powermail'")" = 0 ||
        true
    sql_at "$1" -c "SELECT pg_stat_clear_snapshot()" \
        -c "SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = 'mbox_index'" | tail -n 1
}
declare -A SCANS0 SCANS1
for s in "${servers[@]}"; do SCANS0[$s]=$(scans "$s"); done

# --- logins a second, alternating rounds -----------------------------------
failures=0
check_out() { # the run's failures count against the figures
    local f
    f=$(val "$1" failures)
    failures=$((failures + ${f:-1}))
}
for r in $(seq 1 "$ROUNDS"); do
    drive pam pp_h_primary 0 "$N_H" "$MAILBOXES" >"$work/p$r.out" 2>>"$work/err"
    check_out "$work/p$r.out"
    drive pam pp_h_standbys 0 "$N_H" "$MAILBOXES" >"$work/s$r.out" 2>>"$work/err"
    check_out "$work/s$r.out"
done
for s in "${servers[@]}"; do SCANS1[$s]=$(scans "$s"); done
median() { sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
p_ps=$(for r in $(seq 1 "$ROUNDS"); do val "$work/p$r.out" per_second; done | median)
s_ps=$(for r in $(seq 1 "$ROUNDS"); do val "$work/s$r.out" per_second; done | median)
read_on() { echo $((SCANS1[$1] - SCANS0[$1])); }

# --- latency ---------------------------------------------------------------
: >"$work/lat_primary"
: >"$work/lat_standbys"
: >"$work/lat_after"
for r in $(seq 1 "$ROUNDS"); do
    drive latency pp_h_primary "$N_H" "$MAILBOXES" "$work/lat_primary" >"$work/lp$r.out" 2>>"$work/err"
    check_out "$work/lp$r.out"
    drive latency pp_h_standbys "$N_H" "$MAILBOXES" "$work/lat_standbys" >"$work/ls$r.out" 2>>"$work/err"
    check_out "$work/ls$r.out"
done
# Right after a change: the standbys hold {plain}old..., which refuses the
# password; the primary holds {plain}pw... again, which takes it.
sql_at "$work/primary" -c "UPDATE mboxes SET password = '{plain}old' || substr(password, 10) WHERE mbox LIKE '%@bench.test'" >/dev/null
for s in "$work/s1" "$work/s2"; do
    wait_for 60 replayed "$s" '{plain}old%' "$MAILBOXES" || die "a standby did not replay the change"
    psql_at "$s" -d postgres -tAc "SELECT pg_wal_replay_pause()" >/dev/null
done
sql_at "$work/primary" -c "UPDATE mboxes SET password = '{plain}pw' || substr(password, 11) WHERE mbox LIKE '%@bench.test'" >/dev/null
before_after=$(scans "$work/primary")
for r in $(seq 1 "$ROUNDS"); do
    drive latency pp_h_after "$N_H" "$MAILBOXES" "$work/lat_after" >"$work/la$r.out" 2>>"$work/err"
    check_out "$work/la$r.out"
done
after_on_primary=$(( $(scans "$work/primary") - before_after ))
for s in "$work/s1" "$work/s2"; do
    replayed "$s" '{plain}old%' "$MAILBOXES" || die "a standby replayed while paused"
    psql_at "$s" -d postgres -tAc "SELECT pg_wal_replay_resume()" >/dev/null
done

percentiles() {
    sort -g "$1" | awk '{ v[NR] = $1 }
        function q(p) { k = int(p * NR); if (k < p * NR) k++; if (k < 1) k = 1; return v[k] }
        END { printf "p50 %7.1f us  p99 %7.1f us  (%d samples)\n", q(0.5), q(0.99), NR }'
}
fmt() { awk -v v="$1" -v d="${2:-0}" 'BEGIN { printf "%.*f", d, v }'; }

cat <<OUT
(h) reads on streaming standbys: a primary and two hot standbys of PostgreSQL $(sql_at "$work/primary" -c "SHOW server_version"), all on this machine, TCP 127.0.0.1,
    $MAILBOXES {plain} mailboxes; 'primary': the primary alone, the new keys unset; 'standbys': the three servers,
    postgresql-reads = prefer-standby, postgresql-load-balance = yes
      logins a second, $ROUNDS alternating processes x $N_H (pam_authenticate + pam_acct_mgmt), medians:
        primary $(fmt "$p_ps") tx/s, standbys $(fmt "$s_ps") tx/s => standbys / primary $(fmt "$(awk -v a="$s_ps" -v b="$p_ps" 'BEGIN { print a / b }')" 3)
      lookups read there (idx_scan of mbox_index): primary $(read_on "$work/primary"), standby 1 $(read_on "$work/s1"), standby 2 $(read_on "$work/s2")
      latency of a whole transaction, $ROUNDS runs x $N_H each:
        primary                        $(percentiles "$work/lat_primary")
        standbys                       $(percentiles "$work/lat_standbys")
        standbys, right after a change $(percentiles "$work/lat_after")
          (replay paused, standby-max-lag 3600: each login's value on a standby refuses the new password,
           the primary's differs and is checked; lookups on the primary meanwhile: $after_on_primary)
      one machine: the standbys add no CPU, so this is the cost of the lag question (once a second per
      connection) and of the recheck on the primary, not the gain of spreading reads over machines
OUT
[[ $failures == 0 ]] || echo "  !! $failures logins failed: the figures are not valid"
if [[ -s $work/err ]]; then
    echo "  !! the driver wrote $(wc -l <"$work/err") lines on stderr, the first:"
    head -n 3 "$work/err" | sed 's/^/       /'
fi
exit 0
