#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/run.sh BUILD -- the measurements of `make bench`.
#
# Starts a throwaway PostgreSQL cluster (tests/pg.sh) in a temporary
# directory, fills mboxes with {plain} mailboxes, drives BUILD/pam_powermail.so
# through libpam under pam_wrapper with BUILD/bench/pp_bench, and prints one
# table: figures, ratios and the goals as PASS/FAIL.  Exits 0 whatever the
# goals say (it is a measurement, not a test); non-zero only when it could not
# measure.
#
# How it stays fair on a small shared machine:
# - Nothing is pinned.  On a 2-CPU VM a client and its backend run about 2.5
#   times faster on one CPU than on two (a cross-CPU wake-up is dear), and
#   which of the two the scheduler picks sticks for a while.  So (a) and (b)
#   run as ROUNDS alternating processes, a b a b ..., and the figures are
#   medians over them, with the spread shown.
# - (f) keeps its two tables in two databases, powermail (1,000 mailboxes)
#   and powermail_big (1,000,000), so that their runs alternate too; the
#   percentiles are over all the samples of a size.
# - Server connections are counted exactly: log_connections is on, and each
#   part's "connection authorized: user=powermail" lines are counted in the
#   cluster log between its start and its end (the parts run one at a time).
# - Lookups are counted on the server too: idx_scan of mbox_index.
#
# Sizes may be overridden for a quick try (the goals assume the defaults):
#   PP_BENCH_ROUNDS=5  PP_BENCH_A=20000 lookups and PP_BENCH_B=20000 logins a round
#                      (each of (b) and (b) with acct_mgmt asking again)
#   PP_BENCH_LONG=100000 logins in the RSS/connection run of (b)
#   PP_BENCH_C=1000 logins in (c)    PP_BENCH_E=40000 logins in each (e)
#   PP_BENCH_F=10000 logins a run of (f), ROUNDS runs per table size
#   PP_BENCH_VG=300 logins under valgrind
#   PP_BENCH_PARTS=20000 of each piece in the breakdown (bench/pp_parts.c)
#   PP_BENCH_G=40 refusals of each kind a round in (g)
#   PP_BENCH_H=10000 logins a round in (h) (bench/standby.sh, which runs
#                    alone too: bench/standby.sh build)
# PP_BENCH_ONLY=g runs (g) alone (its mailboxes only, no 1,000,000-row
# table) and prints the header, (g) and its goals.
# and, as an experiment, PP_BENCH_SHARED_BUFFERS=512MB sets the server's cache
# (tests/pg.sh leaves PostgreSQL's 128MB: less than the 1,000,000-row table).
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ $# -eq 1 && -d $1 ]] || { echo "usage: $0 BUILD" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
BENCH=$BUILD/bench
for f in "$BUILD/pam_powermail.so" "$BUILD/pptool" "$BENCH/pp_bench" "$BENCH/pp_schemes" \
    "$BENCH/pp_parts" "$BENCH/pam_noop.so" "$BENCH/pam_powermail_pool1.so"; do
    [[ -e $f ]] || { echo "$0: missing $f (run make bench)" >&2; exit 2; }
done
command -v valgrind >/dev/null || { echo "$0: no valgrind (tools/deps.sh check)" >&2; exit 2; }

ROUNDS=${PP_BENCH_ROUNDS:-5}
N_A=${PP_BENCH_A:-20000}
N_B=${PP_BENCH_B:-20000}
WARM_B=1000                 # RSS is read after these, and after all N_LONG
N_LONG=${PP_BENCH_LONG:-100000}
N_C=${PP_BENCH_C:-1000}
N_E=${PP_BENCH_E:-40000}
N_F=${PP_BENCH_F:-10000}
N_VG=${PP_BENCH_VG:-300}
N_PARTS=${PP_BENCH_PARTS:-20000}
N_G=${PP_BENCH_G:-40}
ONLY=${PP_BENCH_ONLY:-}
[[ -z $ONLY || $ONLY == g ]] || { echo "$0: PP_BENCH_ONLY is empty or g" >&2; exit 2; }
# (g) with each of these as the configured password-scheme: the label, the
# setting, and pptool's command for a value of it.
G_SCHEMES=(yescrypt sha512-crypt bcrypt argon2id)
declare -A G_SETTING=([yescrypt]="{crypt} yescrypt" [sha512-crypt]="{sha512-crypt}"
                      [bcrypt]="{blf-crypt}" [argon2id]="{argon2id}")
declare -A G_MAKE=([yescrypt]="crypt --method yescrypt" [sha512-crypt]="hash sha512-crypt"
                   [bcrypt]="hash blf-crypt" [argon2id]="hash argon2id")
WORKERS=8
POOL_SLOTS=$(sed -n 's/^#define PP_POOL_SIZE //p' "$TOP/lib/connection.c")
SMALL=1000
BIG=1000000

work=$(mktemp -d /tmp/pp-bench.XXXXXX)
pgdir=$work/pg
# shellcheck disable=SC2317  # called by the trap
cleanup() {
    "$TOP/tests/pg.sh" destroy "$pgdir" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# The postgres user must reach the cluster directory.
chmod 755 "$work"

started=$(date +%s)
log() { printf '[%4ds] %s\n' $(($(date +%s) - started)) "$*" >&2; }

log "starting PostgreSQL in $pgdir"
"$TOP/tests/pg.sh" start "$pgdir" >/dev/null
# shellcheck source=/dev/null
. "$pgdir/env"
pglog=$pgdir/log/postgresql.log
BIGDB=${PP_PGDB}_big

# Other load on the machine spoils every figure here: measure it.  Busy
# jiffies of the whole machine, minus those of this script's children and
# of the cluster's processes, over the run.
busy_jiffies() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
cluster_jiffies() {
    local pm t=0 p
    pm=$(head -n 1 "$pgdir/data/postmaster.pid" 2>/dev/null) || { echo 0; return; }
    for p in "$pm" $(pgrep -P "$pm" || true); do
        # utime stime cutime cstime: the postmaster's c* hold its ended backends.
        t=$((t + $(awk '{ sub(/.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
    echo "$t"
}
# This shell's ended children, from the times builtin, which must run in
# this shell (not in a $(...) subshell): own_jiffies FILE after times >FILE.
own_jiffies() {
    tail -n 1 "$1" | awk -v hz="$(getconf CLK_TCK)" '{
        t = 0
        for (i = 1; i <= 2; i++) { split($i, a, /m|s/); t += a[1] * 60 + a[2] }
        printf "%d", t * hz }'
}
times >"$work/times0"
busy0=$(busy_jiffies) cluster0=$(cluster_jiffies) own0=$(own_jiffies "$work/times0")
load0=$(cut -d' ' -f1-3 /proc/loadavg)

sql() {
    local db=$PP_PGDB
    if [[ $1 == --db=* ]]; then db=${1#--db=}; shift; fi
    psql -X -q -tA -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U "$PP_PGSUPER" -d "$db" "$@"
}

if [[ -n ${PP_BENCH_SHARED_BUFFERS:-} ]]; then
    # An experiment, not the default: the server's cache size.
    sql -c "ALTER SYSTEM SET shared_buffers = '$PP_BENCH_SHARED_BUFFERS'" >/dev/null
    "$TOP/tests/pg.sh" stop "$pgdir" >/dev/null
    "$TOP/tests/pg.sh" resume "$pgdir" >/dev/null
fi
sql -c "ALTER SYSTEM SET log_connections = on" -c "SELECT pg_reload_conf()" >/dev/null
pgversion=$(sql -c "SHOW server_version")
# Sessions started after the reload log themselves: wait until one has.
for _ in $(seq 1 50); do
    sql -c "SELECT 1" >/dev/null
    grep -q 'connection authorized: user=postgres' "$pglog" && break
    sleep 0.1
done
grep -q 'connection authorized: user=postgres' "$pglog" ||
    { echo "$0: log_connections did not take effect" >&2; exit 1; }

# load_mailboxes DB FROM TO: u<7 digits>@bench.test, password {plain}pw<7 digits>.
load_mailboxes() {
    sql --db="$1" -c "INSERT INTO mboxes (mbox, password, quotaMB, isForward)
            SELECT 'u' || lpad(i::text, 7, '0') || '@bench.test',
                   '{plain}pw' || lpad(i::text, 7, '0'), 100, 0
              FROM generate_series($2, $3) AS i" \
        -c "VACUUM (ANALYZE) mboxes" -c "CHECKPOINT"
}
mailboxes() { sql --db="$1" -c "SELECT count(*) FROM mboxes"; }

if [[ -z $ONLY ]]; then
    log "loading $SMALL mailboxes into $PP_PGDB, $BIG into $BIGDB"
    load_mailboxes "$PP_PGDB" 1 "$SMALL"
    sql -c "CREATE DATABASE $BIGDB"
    sql --db="$BIGDB" -f "$TOP/sql/schema.sql" >/dev/null
    load_mailboxes "$BIGDB" 1 "$BIG"
    [[ $(mailboxes "$PP_PGDB") == "$SMALL" && $(mailboxes "$BIGDB") == "$BIG" ]] ||
        { echo "$0: the tables do not hold what they should" >&2; exit 1; }
fi
# (g)'s mailboxes, one per kind of stored value, made now by pptool.
sql -v plain="{plain}Eq-right-1" -v md5="$("$BUILD/pptool" md5 Eq-right-1)" \
    -v yes="$("$BUILD/pptool" crypt Eq-right-1)" <<'SQL'
INSERT INTO mboxes (mbox, password) VALUES ('eq-plain@bench.test', :'plain'),
    ('eq-md5@bench.test', :'md5'), ('eq-yes@bench.test', :'yes');
SQL
for k in "${G_SCHEMES[@]}"; do
    # shellcheck disable=SC2086  # G_MAKE holds a command and its arguments
    sql -v mbox="eq-s-$k@bench.test" -v value="$("$BUILD/pptool" ${G_MAKE[$k]} Eq-right-1)" \
        <<<"INSERT INTO mboxes (mbox, password) VALUES (:'mbox', :'value');"
done

# --- PAM services and configurations ----------------------------------
svcdir=$work/pam.d
mkdir -p "$svcdir"
# tests/pg.sh's configuration turns debug on, for the tests' log checks; the
# bench measures the module as shipped, where a success logs nothing.
conf() { "$TOP/tests/pg.sh" pamconf "$pgdir" | sed '/^debug *=/d'; }
conf >"$work/persistent.conf"
{ conf; echo "persistent = no"; } >"$work/not-persistent.conf"
# The same text in another file: an account line on it is another
# configuration, so acct_mgmt does not take authenticate's answer.
conf >"$work/persistent-again.conf"
{ conf; echo "equalize-timing = yes"; } >"$work/equalize.conf"
conf | sed "s/^postgresql-database = .*/postgresql-database = $BIGDB/" >"$work/big.conf"
chmod 600 "$work"/*.conf
g_services=()
for k in "${G_SCHEMES[@]}"; do
    { conf; echo "equalize-timing = yes"; echo "password-scheme = ${G_SETTING[$k]}"; } \
        >"$work/equalize-$k.conf"
    g_services+=("pp_eq_$k:equalize-$k.conf")
done
chmod 600 "$work"/*.conf
for pair in pp_bench:persistent.conf pp_bench_off:not-persistent.conf pp_bench_big:big.conf \
    pp_eq:equalize.conf "${g_services[@]}"; do
    svc=${pair%%:*} cfg=$work/${pair#*:}
    printf '%s required %s config=%s\n' auth "$BUILD/pam_powermail.so" "$cfg" \
        account "$BUILD/pam_powermail.so" "$cfg" >"$svcdir/$svc"
done
# (b) with acct_mgmt asking the database again.
printf '%s required %s config=%s\n' auth "$BUILD/pam_powermail.so" "$work/persistent.conf" \
    account "$BUILD/pam_powermail.so" "$work/persistent-again.conf" >"$svcdir/pp_bench_ask"
# (e) again with a one-slot pool: the module as built with PP_POOL_SIZE=1.
printf '%s required %s config=%s\n' auth "$BENCH/pam_powermail_pool1.so" "$work/persistent.conf" \
    account "$BENCH/pam_powermail_pool1.so" "$work/persistent.conf" >"$svcdir/pp_bench_pool1"
# (b)'s floor: a module that only asks PAM for the name and the password.
printf '%s required %s\n' auth "$BENCH/pam_noop.so" account "$BENCH/pam_noop.so" >"$svcdir/pp_noop"
# libpam reads "other" on every pam_start for the types a service leaves
# out, and logs an error when there is none; a system has one.
printf '# the bench services name every type they use\n' >"$svcdir/other"

# The driver under pam_wrapper: PAM reads our service files, never /etc/pam.d.
PW_ENV=(LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$svcdir")
# shellcheck disable=SC2317  # called through run_part
drive() { env "${PW_ENV[@]}" "$BENCH/pp_bench" "$@"; }

# --- counting on the server -------------------------------------------
mark() { wc -l <"$pglog"; }
# Connections the powermail role opened since line $1 of the log.
conns_since() { tail -n +"$(($1 + 1))" "$pglog" | grep -c 'connection authorized: user=powermail ' || true; }
# Index scans of mbox_index in both databases so far: the lookups the server
# answered.  A backend reports its counts when it ends, so first wait until
# the role has none left.
idx_scans() {
    local n total=0 db
    for _ in $(seq 1 200); do
        n=$(sql -c "SELECT count(*) FROM pg_stat_activity WHERE usename = 'powermail'")
        [[ $n == 0 ]] && break
        sleep 0.05
    done
    local dbs=("$PP_PGDB")
    [[ -n $ONLY ]] || dbs+=("$BIGDB")
    for db in "${dbs[@]}"; do
        n=$(sql --db="$db" -c "SELECT pg_stat_clear_snapshot()" \
            -c "SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = 'mbox_index'" | tail -n 1)
        total=$((total + n))
    done
    echo "$total"
}

# val FILE KEY: a key=value of a part's output.
val() { sed -n "s/^$2=//p" "$1" | head -n 1; }

# run_part NAME CMD...: stdout to $work/NAME.out, stderr to $work/NAME.err;
# records the part's server connections and lookups in CONNS and SCANS.
declare -A CONNS SCANS
parts=()
run_part() {
    local name=$1 m s
    shift
    m=$(mark)
    s=$(idx_scans)
    if ! "$@" >"$work/$name.out" 2>"$work/$name.err"; then
        echo "$0: part $name failed:" >&2
        cat "$work/$name.out" "$work/$name.err" >&2
        exit 1
    fi
    CONNS[$name]=$(conns_since "$m")
    SCANS[$name]=$(($(idx_scans) - s))
    parts+=("$name")
}

# --- the parts ----------------------------------------------------------
if [[ -z $ONLY ]]; then
log "(a), (b): $ROUNDS rounds of $N_A raw lookups, $N_B PAM logins and $N_B with acct_mgmt asking again"
for r in $(seq 1 "$ROUNDS"); do
    run_part "a$r" "$BENCH/pp_bench" libpq "$N_A" "$SMALL"
    run_part "b$r" drive pam pp_bench 500 "$N_B" "$SMALL"
    run_part "bask$r" drive pam pp_bench_ask 500 "$N_B" "$SMALL"
done

log "(b) one process, $N_LONG logins: connections and RSS"
run_part long drive pam pp_bench "$WARM_B" "$((N_LONG - WARM_B))" "$SMALL"

log "where the time goes: $N_PARTS of each piece"
run_part parts env "${PW_ENV[@]}" "$BENCH/pp_parts" "$N_PARTS" "$SMALL" "$work/persistent.conf" pp_noop pp_bench

# Syscalls per transaction and per raw lookup, exactly: the difference of
# two traced runs that differ by 1,000 transactions (1,100 lookups).  The
# configuration file's opens are counted apart, as "config-file-opens".
syscalls_per() {   # OUT DIVISOR SMALLER-RUN... -- LARGER-RUN...
    local out=$1 div=$2 small=() large=()
    shift 2
    while [[ $1 != -- ]]; do small+=("$1"); shift; done
    shift
    large=("$@")
    strace -f -qq -o "$work/$out.s1" "${small[@]}" >/dev/null 2>&1 || return 0
    strace -f -qq -o "$work/$out.s2" "${large[@]}" >/dev/null 2>&1 || return 0
    awk -v div="$div" -v conf="$work/persistent.conf" '
        FNR == 1 { file++ }
        { sub(/^[0-9]+ +/, "") }
        /^[a-z_0-9]+\(/ {
            name = substr($0, 1, index($0, "(") - 1)
            n[name] += file == 1 ? -1 : 1
            if (name ~ /^open/ && index($0, "\"" conf "\"")) n["config-file-opens"] += file == 1 ? -1 : 1
        }
        END { for (k in n) if (n[k] / div >= 0.05) printf "%s %.2f\n", k, n[k] / div }' \
        "$work/$out.s1" "$work/$out.s2" | sort -k2,2gr -k1,1 >"$work/$out"
}
if command -v strace >/dev/null; then
    log "syscalls: traced runs"
    syscalls_per sys_b 1000 env "${PW_ENV[@]}" "$BENCH/pp_bench" pam pp_bench 0 200 "$SMALL" -- \
        env "${PW_ENV[@]}" "$BENCH/pp_bench" pam pp_bench 0 1200 "$SMALL"
    syscalls_per sys_a 1100 "$BENCH/pp_bench" libpq 1000 "$SMALL" -- "$BENCH/pp_bench" libpq 2000 "$SMALL"
fi

log "(c) persistent = no: $N_C logins"
run_part c drive pam pp_bench_off 10 "$N_C" "$SMALL"

log "(d) one check per scheme"
schemes=$("$BUILD/pptool" schemes | awk 'NR > 1 && $3 == "yes" { print $1 }')
# shellcheck disable=SC2086
"$BENCH/pp_schemes" $schemes >"$work/d.out" 2>"$work/d.err" || true
fi

log "(g) refusals: $ROUNDS rounds of $N_G of each kind, equalize-timing no and yes, and yes under each of ${G_SCHEMES[*]}"
G_KINDS=(unknown=eq-nobody@bench.test plain=eq-plain@bench.test md5=eq-md5@bench.test
         yescrypt=eq-yes@bench.test)
G_NO_KINDS=("${G_KINDS[@]}")
for k in "${G_SCHEMES[@]}"; do
    [[ $k == yescrypt ]] || G_NO_KINDS+=("$k=eq-s-$k@bench.test")
    mkdir -p "$work/g_s_$k"
done
mkdir -p "$work/g_no" "$work/g_yes"
for r in $(seq 1 "$ROUNDS"); do
    run_part "gno$r" drive refusals pp_bench "$N_G" "$work/g_no" "${G_NO_KINDS[@]}"
    run_part "gyes$r" drive refusals pp_eq "$N_G" "$work/g_yes" "${G_KINDS[@]}"
    # The configured scheme's own mailbox against an unknown address.
    for k in "${G_SCHEMES[@]}"; do
        run_part "gs_$k$r" drive refusals "pp_eq_$k" "$N_G" "$work/g_s_$k" \
            unknown=eq-nobody@bench.test "stored=eq-s-$k@bench.test"
    done
done

if [[ -z $ONLY ]]; then

log "(e) $ROUNDS rounds of $WORKERS threads on the pool and on a one-slot pool, then $WORKERS processes: $N_E logins each"
# Threads with the pool's slots and with one, in alternating rounds as (a)
# and (b): what the slots buy is the ratio of the medians.
for r in $(seq 1 "$ROUNDS"); do
    run_part "e_threads$r" drive threads pp_bench "$WORKERS" "$N_E" "$SMALL"
    run_part "e_pool1_$r" drive threads pp_bench_pool1 "$WORKERS" "$N_E" "$SMALL"
done
run_part e_procs drive procs pp_bench "$WORKERS" "$N_E" "$SMALL"

log "(f) latency: $ROUNDS runs of $N_F logins and of $N_F raw lookups for each table size"
# dbstats DB: idx_scan of mbox_index, then blocks of mboxes and its indexes
# read into shared buffers (misses) and found there (hits).
dbstats() {
    idx_scans >/dev/null   # waits until no powermail backend is left
    sql --db="$1" -c "SELECT pg_stat_clear_snapshot()" -c "
        SELECT i.idx_scan, t.heap_blks_read + t.idx_blks_read, t.heap_blks_hit + t.idx_blks_hit
          FROM pg_stat_user_indexes i, pg_statio_user_tables t
         WHERE i.indexrelname = 'mbox_index' AND t.relname = 'mboxes'" | tail -n 1 | tr '|' ' '
}
read -r s_scan0 s_read0 s_hit0 < <(dbstats "$PP_PGDB")
read -r b_scan0 b_read0 b_hit0 < <(dbstats "$BIGDB")
for f in lat_small lat_big raw_small raw_big; do : >"$work/$f"; done
for r in $(seq 1 "$ROUNDS"); do
    run_part "fs$r" drive latency pp_bench "$N_F" "$SMALL" "$work/lat_small"
    run_part "fb$r" drive latency pp_bench_big "$N_F" "$BIG" "$work/lat_big"
    run_part "rs$r" "$BENCH/pp_bench" libpq "$N_F" "$SMALL" "$work/raw_small"
    run_part "rb$r" env PP_PGDB="$BIGDB" "$BENCH/pp_bench" libpq "$N_F" "$BIG" "$work/raw_big"
done
read -r s_scan1 s_read1 s_hit1 < <(dbstats "$PP_PGDB")
read -r b_scan1 b_read1 b_hit1 < <(dbstats "$BIGDB")
# Shared-buffer misses per lookup (served from the OS page cache here).
s_miss=$(awk -v r=$((s_read1 - s_read0)) -v n=$((s_scan1 - s_scan0)) 'BEGIN { printf "%.3f", n ? r / n : 0 }')
b_miss=$(awk -v r=$((b_read1 - b_read0)) -v n=$((b_scan1 - b_scan0)) 'BEGIN { printf "%.3f", n ? r / n : 0 }')
s_blocks=$(awk -v r=$((s_read1 - s_read0 + s_hit1 - s_hit0)) -v n=$((s_scan1 - s_scan0)) 'BEGIN { printf "%.2f", n ? r / n : 0 }')
b_blocks=$(awk -v r=$((b_read1 - b_read0 + b_hit1 - b_hit0)) -v n=$((b_scan1 - b_scan0)) 'BEGIN { printf "%.2f", n ? r / n : 0 }')

log "valgrind: $N_VG logins"
vg_rc=0
vgm=$(mark)
# env runs under valgrind too and execs the driver, which valgrind follows:
# pam_wrapper is preloaded into the driver only, never into valgrind's
# launcher.  The driver's report replaces env's in the log file.
valgrind --trace-children=yes --leak-check=full --errors-for-leak-kinds=definite \
    --error-exitcode=99 --log-file="$work/valgrind.log" \
    env "${PW_ENV[@]}" "$BENCH/pp_bench" pam pp_bench 0 "$N_VG" "$SMALL" \
    >"$work/vg.out" 2>"$work/vg.err" || vg_rc=$?
vg_conns=$(conns_since "$vgm")
vg_errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$work/valgrind.log" | tail -n 1)
vg_definite=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$work/valgrind.log" | tail -n 1)
vg_logins=$(val "$work/vg.out" logins)
vg_failures=$(val "$work/vg.out" failures)

log "(h) reads on streaming standbys: bench/standby.sh"
"$TOP/bench/standby.sh" "$BUILD" >"$work/h.out" 2>"$work/h.err" ||
    { echo "$0: (h) failed:" >&2; cat "$work/h.out" "$work/h.err" >&2; exit 1; }
fi
total_time=$(($(date +%s) - started))
times >"$work/times1"
other=$(( ($(busy_jiffies) - busy0) - ($(cluster_jiffies) - cluster0) - ($(own_jiffies "$work/times1") - own0) ))
# Tick-sampled machine totals against exact process times: +-10% or so.
other_pct=$(awk -v o="$other" -v t="$total_time" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { p = t ? 100 * o / hz / t : 0; printf "%.0f", p < 0 ? 0 : p }')
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# --- figures -------------------------------------------------------------
fmt() { awk -v v="$1" -v d="${2:-0}" 'BEGIN { printf "%.*f", d, v }'; }
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
verdict() { if awk "BEGIN { exit !($1) }"; then echo PASS; else echo FAIL; fi; }
# stats KEY PREFIX: "median min max" of KEY over the rounds PREFIX1..N.
stats() {
    local r
    for r in $(seq 1 "$ROUNDS"); do val "$work/$2$r.out" "$1"; done |
        sort -g | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
                                            print m, v[1], v[NR] }'
}
# percentiles FILE: p50 p99 p99.9 max of the samples, nearest rank.
percentiles() {
    sort -g "$1" | awk '{ v[NR] = $1 }
        function q(p) { k = int(p * NR); if (k < p * NR) k++; if (k < 1) k = 1; return v[k] }
        END { printf "%.1f %.1f %.1f %.1f %d\n", q(0.5), q(0.99), q(0.999), v[NR], NR }'
}
# sum_of PREFIX: the connections of the rounds PREFIX1..N.
sum_of() { local r t=0; for r in $(seq 1 "$ROUNDS"); do t=$((t + ${CONNS[$1$r]})); done; echo "$t"; }

# (g): the median refusal of each kind, and unknown over {plain} and {md5};
# under each configured scheme, unknown over a wrong password against a
# value of that scheme.
declare -A G
for o in no yes; do
    for k in unknown plain md5 yescrypt; do
        G[$o.$k]=$(percentiles "$work/g_$o/$k" | cut -d' ' -f1)
    done
done
for k in "${G_SCHEMES[@]}"; do
    [[ $k == yescrypt ]] || G[no.$k]=$(percentiles "$work/g_no/$k" | cut -d' ' -f1)
    G[s.$k.unknown]=$(percentiles "$work/g_s_$k/unknown" | cut -d' ' -f1)
    G[s.$k.stored]=$(percentiles "$work/g_s_$k/stored" | cut -d' ' -f1)
    G[s.$k.r]=$(calc "${G[s.$k.unknown]} / ${G[s.$k.stored]}")
    G[no.$k.r]=$(calc "${G[no.unknown]} / ${G[no.$k]}")
done
g_no_plain_r=$(calc "${G[no.unknown]} / ${G[no.plain]}") g_no_md5_r=$(calc "${G[no.unknown]} / ${G[no.md5]}")
g_yes_plain_r=$(calc "${G[yes.unknown]} / ${G[yes.plain]}") g_yes_md5_r=$(calc "${G[yes.unknown]} / ${G[yes.md5]}")
g_table() {
    echo "(g) a refused login (wrong password, pam_start to pam_end), median of $ROUNDS rounds x $N_G, us"
    echo "      equalize-timing no:   unknown $(printf '%8s' "${G[no.unknown]}")  {plain} $(printf '%8s' "${G[no.plain]}")  {md5} $(printf '%8s' "${G[no.md5]}")  {crypt} yescrypt $(printf '%8s' "${G[no.yescrypt]}")"
    echo "                           $(for k in "${G_SCHEMES[@]}"; do [[ $k == yescrypt ]] || printf ' %s %8s ' "$k" "${G[no.$k]}"; done)"
    echo "      equalize-timing yes:  unknown $(printf '%8s' "${G[yes.unknown]}")  {plain} $(printf '%8s' "${G[yes.plain]}")  {md5} $(printf '%8s' "${G[yes.md5]}")  {crypt} yescrypt $(printf '%8s' "${G[yes.yescrypt]}")"
    echo "    equalize-timing yes and password-scheme as named: an unknown address, a wrong password against a value of that scheme"
    for k in "${G_SCHEMES[@]}"; do
        printf '      %-14s %-18s unknown %9s  wrong %9s  unknown/wrong %s\n' "$k" "${G_SETTING[$k]}" \
            "${G[s.$k.unknown]}" "${G[s.$k.stored]}" "$(fmt "${G[s.$k.r]}" 3)"
    done
}
goal() { printf '      %-62s %-20s %s\n' "$1" "$2" "$3"; }
g_goals() {
    goal "equalize-timing yes: unknown / {plain} wrong = $(fmt "$g_yes_plain_r" 3)" "goal 0.8 to 1.25" \
        "$(verdict "$g_yes_plain_r >= 0.8 && $g_yes_plain_r <= 1.25")"
    goal "equalize-timing yes: unknown / {md5} wrong = $(fmt "$g_yes_md5_r" 3)" "goal 0.8 to 1.25" \
        "$(verdict "$g_yes_md5_r >= 0.8 && $g_yes_md5_r <= 1.25")"
    for k in "${G_SCHEMES[@]}"; do
        goal "equalize-timing yes, $k: unknown / wrong = $(fmt "${G[s.$k.r]}" 3)" \
            "goal 0.8 to 1.25" "$(verdict "${G[s.$k.r]} >= 0.8 && ${G[s.$k.r]} <= 1.25")"
    done
    goal "equalize-timing no:  unknown / {plain} wrong = $(fmt "$g_no_plain_r" 3)" "no goal (the gap)" "-"
    goal "equalize-timing no:  unknown / {md5} wrong = $(fmt "$g_no_md5_r" 3)" "no goal (the gap)" "-"
    for k in "${G_SCHEMES[@]}"; do
        goal "equalize-timing no:  unknown / $k wrong = $(fmt "${G[no.$k.r]}" 3)" "no goal (the gap)" "-"
    done
}
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
tree_state() {
    local head dirty
    head=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null) || { echo "not a git checkout"; return; }
    dirty=$(git -C "$TOP" status --porcelain -- lib pam_powermail Makefile 2>/dev/null | awk '{ print $2 }' | tr '\n' ' ')
    echo "commit $head${dirty:+, with uncommitted changes in: $dirty}"
}
header() {
    cat <<EOF
pam_powermail benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')$([[ -z $ONLY ]] || echo ", (g) only (PP_BENCH_ONLY=g)")
machine:   $(nproc) CPUs, ${model:-unknown model}, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $(uname -srm)
           PostgreSQL $pgversion, tests/pg.sh settings, shared_buffers $(sql -c "SHOW shared_buffers")$([[ -z ${PP_BENCH_SHARED_BUFFERS:-} ]] || echo " (PP_BENCH_SHARED_BUFFERS)")
module:    $BUILD/pam_powermail.so, libpam under pam_wrapper, services in the bench's temp dir
source:    $(tree_state)
others:    load average $load0 at the start, $load1 at the end; processes not the bench's used about ${other_pct}% of one CPU meanwhile$([[ $other_pct -gt 25 ]] && echo " -- THE FIGURES ARE DISTURBED")
EOF
}
if [[ -n $ONLY ]]; then
    header
    echo
    g_table
    echo
    echo "ratios and goals"
    g_goals
    for p in "${parts[@]}"; do
        f=$(val "$work/$p.out" failures)
        [[ $f == 0 ]] || echo "  !! $p: failures=$f: its figure is not valid"
        if [[ -s $work/$p.err ]]; then
            echo "  !! $p wrote $(wc -l <"$work/$p.err") lines on stderr, the first:"
            head -n 3 "$work/$p.err" | sed 's/^/       /'
        fi
    done
    echo
    echo "whole run: ${total_time}s"
    exit 0
fi

read -r a_ps a_min a_max < <(stats per_second a)
read -r b_ps b_min b_max < <(stats per_second b)
read -r a_us _ _ < <(stats mean_us a)
read -r a_cpu _ _ < <(stats cpu_us a)
read -r b_us _ _ < <(stats mean_us b)
read -r b_cpu _ _ < <(stats cpu_us b)
read -r bask_ps bask_min bask_max < <(stats per_second bask)
read -r e8_ps e8_min e8_max < <(stats per_second e_threads)
read -r e1_ps e1_min e1_max < <(stats per_second e_pool1_)
read -r bask_us _ _ < <(stats mean_us bask)
bask_scans=0 bask_logins=0
for r in $(seq 1 "$ROUNDS"); do
    bask_scans=$((bask_scans + SCANS[bask$r]))
    bask_logins=$((bask_logins + $(val "$work/bask$r.out" logins)))
done
c_ps=$(val "$work/c.out" per_second)
b_over_a=$(calc "$b_ps / $a_ps")
b_over_c=$(calc "$b_ps / $c_ps")
read -r fs50 fs99 fs999 fsmax fsn < <(percentiles "$work/lat_small")
read -r fb50 fb99 fb999 fbmax fbn < <(percentiles "$work/lat_big")
read -r rs50 rs99 rs999 rsmax rsn < <(percentiles "$work/raw_small")
read -r rb50 rb99 rb999 rbmax rbn < <(percentiles "$work/raw_big")
p99_ratio=$(calc "$fb99 / $fs99")
rss_warm=$(val "$work/long.out" rss_warm_kb)
rss_end=$(val "$work/long.out" rss_end_kb)
rss_diff=$((rss_end - rss_warm))

# Connections per process in (b): every round and the long run.
b_conns=() b_one=1
for p in $(seq 1 "$ROUNDS" | sed 's/^/b/') long; do
    b_conns+=("${CONNS[$p]}")
    [[ ${CONNS[$p]} == 1 ]] || b_one=0
done
b_scans=0 b_logins=0
for p in $(seq 1 "$ROUNDS" | sed 's/^/b/') long; do
    b_scans=$((b_scans + SCANS[$p]))
    b_logins=$((b_logins + $(val "$work/$p.out" logins)))
done
a_scans=0 a_lookups=0
for r in $(seq 1 "$ROUNDS"); do
    a_scans=$((a_scans + ${SCANS[a$r]}))
    a_lookups=$((a_lookups + N_A + $(awk -v n="$N_A" 'BEGIN { print (n / 10 < 1000 ? int(n / 10) : 1000) }')))
done

if [[ $vg_rc == 0 && ${vg_errors:-x} == 0 && ${vg_failures:-x} == 0 ]]; then
    vg_result=clean
else
    vg_result="${vg_errors:-?} errors (exit $vg_rc, ${vg_failures:-?} failed logins)"
fi

L=$work/long.out
P=$work/parts.out
syscall_lines() {
    [[ -s $work/sys_b ]] || { echo "    syscalls: strace not installed, not counted"; return; }
    local total_b total_a
    total_b=$(awk '$1 != "config-file-opens" { t += $2 } END { printf "%.1f", t }' "$work/sys_b")
    total_a=$(awk '$1 != "config-file-opens" { t += $2 } END { printf "%.1f", t }' "$work/sys_a")
    echo "    syscalls (strace, difference of two runs): $total_b a transaction, $total_a a raw lookup"
    echo "      (b): $(awk '$1 != "config-file-opens" { printf "%s %s, ", $1, $2 }' "$work/sys_b" | sed 's/, $//')"
    echo "      (a): $(awk '{ printf "%s %s, ", $1, $2 }' "$work/sys_a" | sed 's/, $//')"
    echo "      configuration file opened $(awk '$1 == "config-file-opens" { n = $2 } END { printf "%.2f", n }' "$work/sys_b") times a transaction"
}
piece() { printf '%8.1f %10.1f' "$(val "$P" "$1_wall_us")" "$(val "$P" "$1_cpu_us")"; }
parts_sum_w=$(calc "$(val "$P" floor_wall_us) + $(val "$P" lookup_wall_us) + $(val "$P" config_wall_us) + $(val "$P" name_wall_us) + $(val "$P" verify_wall_us)")
parts_sum_c=$(calc "$(val "$P" floor_cpu_us) + $(val "$P" lookup_cpu_us) + $(val "$P" config_cpu_us) + $(val "$P" name_cpu_us) + $(val "$P" verify_cpu_us)")

header
cat <<EOF
mailboxes: {plain}, picked at random, right password; $SMALL in $PP_PGDB.mboxes, $BIG in $BIGDB.mboxes
conns:     server connections of the powermail role, counted in the cluster log (log_connections)
lookups:   idx_scan of mbox_index on the server, per lookup or transaction

(a) raw libpq, PQexecParams of the module's query, one connection, unix socket
      $ROUNDS processes x $N_A lookups:      median $(fmt "$a_ps") lookups/s (min $(fmt "$a_min"), max $(fmt "$a_max"))
      per lookup: $(fmt "$a_us" 1) us wall, $(fmt "$a_cpu" 1) us client CPU;  conns $(sum_of a) in $ROUNDS processes;  lookups/lookup $(fmt "$(calc "$a_scans / $a_lookups")" 2)
(b) PAM transactions (pam_start, pam_authenticate, pam_acct_mgmt, pam_end), single thread, persistent
      $ROUNDS processes x $N_B logins:       median $(fmt "$b_ps") tx/s (min $(fmt "$b_min"), max $(fmt "$b_max"))
      per transaction: $(fmt "$b_us" 1) us wall, $(fmt "$b_cpu" 1) us client CPU;  lookups/tx $(fmt "$(calc "$b_scans / $b_logins")" 2)
      one process, $N_LONG logins:    $(fmt "$(val "$L" per_second)") tx/s; conns per process (rounds, long run): ${b_conns[*]}
      acct_mgmt asking the database again (its line on a copy of the file, so no reuse of authenticate's answer):
      $ROUNDS processes x $N_B logins:       median $(fmt "$bask_ps") tx/s (min $(fmt "$bask_min"), max $(fmt "$bask_max")); $(fmt "$bask_us" 1) us a transaction;  lookups/tx $(fmt "$(calc "$bask_scans / $bask_logins")" 2)
      => acct_mgmt taking authenticate's answer: $(fmt "$(calc "$b_ps / $bask_ps")" 2) times the logins a second
      where the time goes (long run, mean): pam_start $(fmt "$(val "$L" start_us)" 1) + authenticate $(fmt "$(val "$L" authenticate_us)" 1) + acct_mgmt $(fmt "$(val "$L" acct_mgmt_us)" 1) + pam_end $(fmt "$(val "$L" end_us)" 1) = $(fmt "$(val "$L" mean_us)" 1) us
    where the time goes, (b) against (a): bench/pp_parts, one process, each piece timed
    hot in a loop, 5 interleaved blocks, $(val "$P" per_piece) of each, medians      wall us  client CPU us
      (a) raw lookup, PQexecParams                              $(piece raw)
      lib/'s pp_userbase_lookup (pool, query, row)              $(piece lookup)
      configuration, cached (once a transaction)                $(piece config)
      configuration, read and parsed (path walk, open, read)    $(piece parse)
      pp_normalize_name                                         $(piece name)
      pp_verify, {plain}                                        $(piece verify)
      PAM floor: a transaction through bench/pam_noop.so        $(piece floor)
      sum: floor + lookup + config + name + verify              $(printf '%8.1f' "$parts_sum_w") $(printf '%10.1f' "$parts_sum_c")
      the same pieces chained, as in one transaction            $(piece chain)
      (b) a transaction through pam_powermail.so                $(piece module)
      => the module's own glue (b - chained; their queries go to different backends): $(fmt "$(calc "$(val "$P" module_wall_us) - $(val "$P" chain_wall_us)")" 1) us; chaining the pieces (chained - sum): $(fmt "$(calc "$(val "$P" chain_wall_us) - $parts_sum_w")" 1) us
      => b/a in this process $(fmt "$(calc "$(val "$P" raw_wall_us) / $(val "$P" module_wall_us)")" 3); for a module that cost nothing beyond the floor it would be $(fmt "$(calc "$(val "$P" raw_wall_us) / ($(val "$P" raw_wall_us) + $(val "$P" floor_wall_us))")" 3)
$(syscall_lines)
(c) PAM transactions, persistent = no (a connection per call), $N_C logins
      one process, $N_C logins (+10 untimed): $(fmt "$c_ps" 1) tx/s;  conns ${CONNS[c]} for $((N_C + 10)) logins;  lookups/tx $(fmt "$(calc "${SCANS[c]} / ($N_C + 10)")" 2)
(e) $WORKERS threads, a pam handle each, $ROUNDS alternating runs of $N_E logins:
      the pool's $POOL_SLOTS slots:  median $(fmt "$e8_ps") tx/s in all (min $(fmt "$e8_min"), max $(fmt "$e8_max"));  conns $(sum_of e_threads) in $ROUNDS runs
      a one-slot pool:  median $(fmt "$e1_ps") tx/s in all (min $(fmt "$e1_min"), max $(fmt "$e1_max"));  conns $(sum_of e_pool1_) in $ROUNDS runs  (bench/pam_powermail_pool1.so)
      => $POOL_SLOTS slots against 1, for $WORKERS threads: $(fmt "$(calc "$e8_ps / $e1_ps")" 2) times the logins a second
    $WORKERS processes (fork):               $(fmt "$(val "$work/e_procs.out" per_second)") tx/s in all, $N_E logins;  conns ${CONNS[e_procs]}
(f) latency of a whole transaction, $ROUNDS alternating runs of $N_F logins per size
      $(printf '%7s' "$SMALL") mailboxes: p50 $(printf '%7s' "$fs50") us  p99 $(printf '%7s' "$fs99") us  (p99.9 $fs999, max $fsmax; $fsn samples)
      $(printf '%7s' "$BIG") mailboxes: p50 $(printf '%7s' "$fb50") us  p99 $(printf '%7s' "$fb99") us  (p99.9 $fb999, max $fbmax; $fbn samples)
    the same for raw libpq lookups as in (a), runs alternating with the above:
      $(printf '%7s' "$SMALL") mailboxes: p50 $(printf '%7s' "$rs50") us  p99 $(printf '%7s' "$rs99") us  (p99.9 $rs999, max $rsmax; $rsn samples)
      $(printf '%7s' "$BIG") mailboxes: p50 $(printf '%7s' "$rb50") us  p99 $(printf '%7s' "$rb99") us  (p99.9 $rb999, max $rbmax; $rbn samples)
    server blocks touched per lookup, and of those not in shared buffers (read from the OS):
      $(printf '%7s' "$SMALL") mailboxes: $s_blocks, $s_miss missed;  $(printf '%7s' "$BIG") mailboxes: $b_blocks, $b_miss missed
RSS of the driver (b, long run): after $WARM_B logins $rss_warm kB, after $N_LONG logins $rss_end kB: $rss_diff kB more
valgrind memcheck, $vg_logins logins (persistent): $vg_result; definitely lost ${vg_definite:-0} bytes; conns $vg_conns
$(g_table)
$([[ -n $ONLY ]] || cat "$work/h.out")
(d) one check at the scheme's default cost (pp_verify, right password, median of the runs):
EOF
while read -r line; do
    name=${line#scheme=}; name=${name%% *}
    if [[ $line == *error=* ]]; then
        printf '      %-14s ERROR %s\n' "$name" "${line#*error=}"
        continue
    fi
    us=${line#*median_us=}; us=${us%% *}
    runs=${line#*runs=}; runs=${runs%% *}
    params=${line#*params=}
    printf '      %-14s %10s us  %4s runs  %s\n' "$name" "$us" "$runs" "$([[ $params == - ]] || echo "$params")"
done <"$work/d.out"

echo
echo "ratios and goals"
goal "b/a = $(fmt "$b_over_a" 3)  ((b) $(fmt "$b_us" 1) us a transaction, (a) $(fmt "$a_us" 1) us a lookup)" \
    "goal >= 0.8" "$(verdict "$b_over_a >= 0.8")"
goal "b/c = $(fmt "$b_over_c" 1)" "goal >= 15" "$(verdict "$b_over_c >= 15")"
goal "(b) server connections per process: ${b_conns[*]}" "goal 1 each" "$(verdict "$b_one == 1")"
goal "p99 with $BIG / p99 with $SMALL = $(fmt "$p99_ratio" 3)" "goal <= 1.2" \
    "$(verdict "$p99_ratio <= 1.2")"
goal "RSS after $N_LONG logins - after $WARM_B = $rss_diff kB" "goal within 1024 kB" \
    "$(verdict "$rss_diff <= 1024 && $rss_diff >= -1024")"
goal "valgrind: $vg_result" "goal clean" "$(verdict "\"$vg_result\" == \"clean\"")"
g_goals
for p in "${parts[@]}"; do
    key=failures
    [[ $p == e_procs ]] && key=failed_processes
    f=$(val "$work/$p.out" "$key")
    [[ $f == 0 ]] || echo "  !! $p: $key=$f: its figure is not valid"
    if [[ -s $work/$p.err ]]; then
        echo "  !! $p wrote $(wc -l <"$work/$p.err") lines on stderr, the first:"
        head -n 3 "$work/$p.err" | sed 's/^/       /'
    fi
done
if [[ -s $work/d.err ]]; then echo "  !! (d) stderr:"; head -n 3 "$work/d.err" | sed 's/^/       /'; fi
if [[ $vg_result != clean ]]; then
    echo "  valgrind's report (first lines):"
    grep -E '^==[0-9]+== ' "$work/valgrind.log" | grep -vE '== (Memcheck|Copyright|Using Valgrind|Command|Parent PID|$)' |
        head -n 40 | sed 's/^/       /'
    [[ -s $work/vg.err ]] && head -n 5 "$work/vg.err" | sed 's/^/       /'
fi
echo
echo "whole run: ${total_time}s"
exit 0
