#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_failover.sh -- TAP test: pam_powermail in front of a streaming replica
# pair, and behind pgbouncer in transaction pooling mode.
#
# Builds its own servers in $PP_TMP, on 127.0.0.1 and unix sockets there
# (never the harness's shared cluster, never the system's):
#
#   primary   tests/pg.sh start: role/database powermail, schema, scram;
#             plus a replication role `replicator`, a pg_hba replication
#             line, log_connections (the logs say which server answered a
#             login), and sql/sample.sql
#   standby   pg_basebackup -R -c fast -X stream from the primary, own port
#             and socket directory, hot standby
#   bouncer1  pgbouncer, pool_mode = transaction, default_pool_size = 1, in
#             front of the primary; auth_file with the powermail role's
#             SCRAM secret from the primary's pg_authid
#   bouncer2  the same in front of the standby
#
# Checks, with pamtester under pam_wrapper:
#   - pgbouncer: right/wrong/unknown; 200 logins in one process; 4 processes
#     of 200 at once and 50 processes one after another, all over the one
#     server connection of the pool (no ignore_startup_parameters needed:
#     the module sends application_name and client_encoding, which pgbouncer
#     handles itself)
#   - postgresql-conninfo with host=A,B port=P1,P2 target_session_attrs=any:
#     the primary answers; prefer-standby reads from the standby; the primary
#     stopped (pg_ctl stop -m fast): one pamtester process that logged in
#     before the stop logs in again after it (its kept connection is dropped,
#     the module reconnects once, libpq goes on to the standby); new logins
#     go to the standby; wrong password and unknown address keep their
#     answers; read-write finds no server; the standby refuses writes
#   - pgbouncer per server: while bouncer1 runs with its server down libpq
#     cannot tell, and logins through it are PAM_AUTHINFO_UNAVAIL (never a
#     wrong password); once bouncer1 is gone too they go to bouncer2
#   - the standby promoted: writes work, a changed password is in effect
#
# Cleanup (trap): pgbouncers, standby and primary stopped and their
# directories removed (the harness removes the rest of $PP_TMP).
# Needs PP_TOP, PP_BUILD, PP_TMP, PP_PRELOAD from tests/run-tests.sh; the
# harness's PGHOST/PGPORT are not used.
set -uo pipefail

# shellcheck source=tests/tap.bash
. "$(dirname "${BASH_SOURCE[0]}")/tap.bash"

require_env PP_TOP PP_BUILD PP_TMP

module=$PP_BUILD/pam_powermail.so
svcdir=$PP_TMP/pam.d
primary=$PP_TMP/primary
standby=$PP_TMP/standby
alloutput=$PP_TMP/all-output   # everything pamtester printed, checked at the end
REPL_PASSWORD=pp-repl-secret
MSG_AUTHINFO_UNAVAIL="Authentication service cannot retrieve authentication info"
MSG_UNKNOWN="User not known to the underlying authentication module"

[[ -f $module ]] || bail "no module at $module"
command -v pamtester >/dev/null || bail "pamtester is not installed"
have_bouncer=yes
command -v pgbouncer >/dev/null || have_bouncer=

bin=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
[[ -x $bin/pg_basebackup && -x $bin/pg_ctl ]] || bail "no PostgreSQL server under /usr/lib/postgresql"

# as_owner and give (pg_ctl, pg_basebackup and pgbouncer refuse to run as
# root), free_port, wait_for, alive, stop_pid.
# shellcheck source=tests/replicas.bash
. "$(dirname "${BASH_SOURCE[0]}")/replicas.bash"

# --- cleanup ------------------------------------------------------------

bouncer_pids=()
inproc_pid=
pids=()   # background logins

stop_standby() {
    if [[ -f $standby/data/postmaster.pid ]]; then
        as_owner "$bin/pg_ctl" stop -D "$standby/data" -m fast -w -t 30 >/dev/null 2>&1 ||
            as_owner "$bin/pg_ctl" stop -D "$standby/data" -m immediate -w -t 30 >/dev/null 2>&1 || true
    fi
}

cleanup() {
    local pid
    [[ -z $inproc_pid ]] || stop_pid "$inproc_pid"
    for pid in "${pids[@]}"; do
        pkill -TERM -P "$pid" 2>/dev/null   # its pamtester, by parent pid
        stop_pid "$pid"
    done
    for pid in "${bouncer_pids[@]}"; do
        stop_pid "$pid"
    done
    stop_standby
    rm -rf "$standby"
    "$PP_TOP/tests/pg.sh" destroy "$primary" >/dev/null 2>&1 || true
    rm -rf "$PP_TMP/bouncer1" "$PP_TMP/bouncer2"
}
on_exit cleanup
# A write to pamtester's stdin after it died must not kill the test.
trap '' PIPE

# --- helpers ------------------------------------------------------------

psql_primary() {
    psql -X -q -v ON_ERROR_STOP=1 -h "$primary/sock" -p "$P_PORT" -U postgres "$@"
}
psql_standby() {
    psql -X -q -v ON_ERROR_STOP=1 -h "$standby/sock" -p "$S_PORT" -U postgres "$@"
}

# conns LOGFILE: how many sessions of the powermail role the server accepted.
conns() {
    grep -c 'connection authorized: user=powermail ' "$1" 2>/dev/null || true
}
p_conns() { conns "$primary/log/postgresql.log"; }
s_conns() { conns "$standby/log/postgresql.log"; }

# The module's configuration: write_conf NAME LINE... makes $PP_TMP/NAME.conf
# (mode 0600) and the PAM service NAME using it.
write_conf() {
    local name=$1 conf=$PP_TMP/$1.conf
    shift
    (umask 077 && printf '%s\n' "$@" >"$conf")
    cat >"$svcdir/$name" <<EOF
auth     required  $module config=$conf
account  required  $module config=$conf
EOF
}

# shellcheck source=tests/pamtester.bash
. "$(dirname "${BASH_SOURCE[0]}")/pamtester.bash"
use_pam_wrapper "$svcdir"

# check_eq LABEL GOT WANT
check_eq() {
    if [[ $2 == "$3" ]]; then
        ok "$1"
    else
        not_ok "$1: got '$2', want '$3'"
    fi
}

# login_on LABEL SERVICE WHERE(primary|standby): info@example.com logs in,
# and WHERE's log has one new session of the powermail role.
login_on() {
    local label=$1 service=$2 where=$3 before after
    before=$("${where:0:1}_conns")
    login_once "$service" info@example.com 's3cr3t!' authenticate acct_mgmt
    after=$("${where:0:1}_conns")
    expect "$label" yes "successfully authenticated" "account management done"
    check_eq "$label: the $where answered" "$((after - before))" 1
}

# start_bouncer DIR SERVER_PORT: pgbouncer in transaction mode in front of
# the server on 127.0.0.1:SERVER_PORT; sets B_PORT, appends to bouncer_pids.
start_bouncer() {
    local dir=$1 server_port=$2 pid
    mkdir -p "$dir"
    give "$dir"
    # The powermail role's SCRAM secret, as the server stores it: pgbouncer
    # checks the client with it and logs in to the server with the keys the
    # client's SCRAM exchange gave it.
    printf '"powermail" "%s"\n' "$SECRET" >"$dir/userlist.txt"
    chmod 600 "$dir/userlist.txt"
    give "$dir/userlist.txt"
    for _ in 1 2 3 4 5; do
        B_PORT=$(free_port) || return 1
        cat >"$dir/pgbouncer.ini" <<EOF
[databases]
powermail = host=127.0.0.1 port=$server_port dbname=powermail

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $B_PORT
unix_socket_dir = $dir
pidfile = $dir/pgbouncer.pid
logfile = $dir/pgbouncer.log
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = 1
max_client_conn = 100
EOF
        give "$dir/pgbouncer.ini"
        as_owner pgbouncer -d "$dir/pgbouncer.ini" >>"$dir/start.log" 2>&1 || true
        if wait_for 10 test -s "$dir/pgbouncer.pid"; then
            pid=$(<"$dir/pgbouncer.pid")
            bouncer_pids+=("$pid")
            if wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$B_PORT" 2>/dev/null; then
                return 0
            fi
            stop_pid "$pid"
        fi
        grep -q 'Address already in use' "$dir/pgbouncer.log" 2>/dev/null || break
    done
    cat "$dir/start.log" "$dir/pgbouncer.log" 2>/dev/null | tail -n 20 | diag
    return 1
}

mkdir -p "$svcdir"
: >"$alloutput"
# Without an "other" service libpam logs a complaint on every pam_start.
cat >"$svcdir/other" <<EOF
auth     required  pam_deny.so
account  required  pam_deny.so
EOF

t0=$SECONDS

# --- 1. the primary and its standby ---------------------------------------

"$PP_TOP/tests/pg.sh" start "$primary" >"$PP_TMP/pg-start.log" 2>&1 || {
    diag <"$PP_TMP/pg-start.log"
    bail "tests/pg.sh start $primary"
}
# shellcheck source=/dev/null disable=SC2153 # PGPORT and PP_PGPASSWORD come from env
P_PORT=$(. "$primary/env" && echo "$PGPORT")
# shellcheck source=/dev/null
DBPASSWORD=$(. "$primary/env" && echo "$PP_PGPASSWORD")

# Streaming replication needs wal_level replica (15's default) and WAL
# senders; tests/pg.sh's pg_hba.conf has no replication line.
wal_level=$(psql_primary -d postgres -Atc 'SHOW wal_level')
senders=$(psql_primary -d postgres -Atc 'SHOW max_wal_senders')
echo "host  replication replicator 127.0.0.1/32 scram-sha-256" >>"$primary/data/pg_hba.conf"
echo "log_connections = on" >>"$primary/data/postgresql.conf"
if [[ $wal_level == minimal || $senders -lt 2 ]]; then
    psql_primary -d postgres -c "ALTER SYSTEM SET wal_level = replica" \
        -c "ALTER SYSTEM SET max_wal_senders = 4" >/dev/null
    if ! "$PP_TOP/tests/pg.sh" stop "$primary" || ! "$PP_TOP/tests/pg.sh" resume "$primary"; then
        bail "restarting the primary with wal_level = replica"
    fi
fi
psql_primary -d powermail >"$PP_TMP/psql.log" 2>&1 <<EOF || { diag <"$PP_TMP/psql.log"; bail "replication role and sample rows on the primary"; }
SET password_encryption = 'scram-sha-256';
CREATE ROLE replicator REPLICATION LOGIN PASSWORD '$REPL_PASSWORD';
SELECT pg_reload_conf();
\i $PP_TOP/sql/sample.sql
EOF
ok "primary on 127.0.0.1:$P_PORT with sql/sample.sql, a replication role and a pg_hba replication line"

mkdir -p "$standby/sock" "$standby/log"
chmod 755 "$standby" "$standby/sock" "$standby/log"
give "$standby" "$standby/sock" "$standby/log"
# -c fast: without it pg_basebackup waits for the next spread checkpoint
# (a minute and a half, tried).
if as_owner env PGPASSWORD="$REPL_PASSWORD" "$bin/pg_basebackup" -R -c fast -X stream \
    -D "$standby/data" -h 127.0.0.1 -p "$P_PORT" -U replicator >"$PP_TMP/basebackup.log" 2>&1 &&
    [[ -f $standby/data/standby.signal ]] &&
    grep -q primary_conninfo "$standby/data/postgresql.auto.conf"; then
    ok "pg_basebackup -R -c fast -X stream: standby.signal and primary_conninfo written"
else
    diag <"$PP_TMP/basebackup.log"
    bail "pg_basebackup -R from the primary"
fi

S_PORT=
for _ in 1 2 3 4 5; do
    S_PORT=$(free_port) || bail "no free port"
    cat >>"$standby/data/postgresql.conf" <<EOF

# --- t_failover.sh: the standby (later settings win) ---
port = $S_PORT
unix_socket_directories = '$standby/sock'
EOF
    if as_owner "$bin/pg_ctl" start -w -t 60 -D "$standby/data" -l "$standby/log/postgresql.log" >/dev/null; then
        break
    fi
    tail -n 20 "$standby/log/postgresql.log" 2>/dev/null | grep -q 'could not bind\|Address already in use' || break
    S_PORT=
done
[[ -n $S_PORT ]] || { tail -n 20 "$standby/log/postgresql.log" | diag; bail "starting the standby"; }

standby_has() { # standby_has MBOX
    [[ $(psql_standby -d powermail -Atc "SELECT count(*) FROM mboxes WHERE mbox = '$1'" 2>/dev/null) == 1 ]]
}
if wait_for 30 standby_has info@example.com &&
    [[ $(psql_standby -d postgres -Atc 'SELECT pg_is_in_recovery()') == t ]]; then
    ok "standby on 127.0.0.1:$S_PORT: in recovery, with the sample rows"
else
    tail -n 20 "$standby/log/postgresql.log" | diag
    bail "the standby did not come up in recovery with the sample rows"
fi
streaming() {
    [[ $(psql_primary -d postgres -Atc "SELECT state FROM pg_stat_replication") == streaming ]]
}
if wait_for 30 streaming; then
    ok "pg_stat_replication on the primary: streaming"
else
    not_ok "pg_stat_replication on the primary: not streaming"
fi
# A row written now reaches the standby only by streaming.
psql_primary -d powermail -c \
    "INSERT INTO mboxes (mbox, password) VALUES ('replica@example.com', '{crypt}/CFF1gJfAFAqM')" ||
    bail "inserting replica@example.com on the primary"
if wait_for 30 standby_has replica@example.com; then
    ok "a row inserted on the primary is replayed on the standby"
else
    not_ok "replica@example.com did not reach the standby within 30 s"
fi
echo "# setup: $((SECONDS - t0)) s"

# --- 2. pgbouncer in transaction mode --------------------------------------

if [[ -n $have_bouncer ]]; then
    SECRET=$(psql_primary -d postgres -Atc "SELECT rolpassword FROM pg_authid WHERE rolname = 'powermail'")
    [[ $SECRET == SCRAM-SHA-256\$* ]] || bail "the powermail role has no SCRAM secret"
    p_before=$(p_conns)
    start_bouncer "$PP_TMP/bouncer1" "$P_PORT" || bail "starting pgbouncer in front of the primary"
    B1_PORT=$B_PORT
    ok "pgbouncer (transaction pooling, pool size 1) on 127.0.0.1:$B1_PORT in front of the primary"
    write_conf pp_bouncer "postgresql-host = 127.0.0.1" "postgresql-port = $B1_PORT" \
        "postgresql-database = powermail" "postgresql-user = powermail" \
        "postgresql-password = $DBPASSWORD" "postgresql-sslmode = disable"

    login_once pp_bouncer info@example.com 's3cr3t!' authenticate acct_mgmt
    expect "pgbouncer: info@example.com with s3cr3t! authenticates" yes \
        "successfully authenticated" "account management done"
    login_once pp_bouncer info@example.com 'Wr0ng-failover-pw' authenticate
    expect "pgbouncer: a wrong password is refused" no "Authentication failure"
    login_once pp_bouncer nobody@example.com 's3cr3t!' authenticate
    expect "pgbouncer: an unknown address is unknown" no "$MSG_UNKNOWN"
    login_once pp_bouncer forward@example.com 's3cr3t!' acct_mgmt
    expect "pgbouncer: a forward address is refused by acct_mgmt" no "Permission denied"

    t1=$SECONDS
    run_many pp_bouncer md5@example.com 's3cr3t!' 200
    if [[ $rc -eq 0 && $succ -eq 200 ]] && ! sanitizer_report "$out"; then
        ok "pgbouncer: 200 logins in one pamtester process"
    else
        not_ok "pgbouncer: 200 logins in one process: $succ succeeded, exit status $rc"
        tail -n 20 <<<"$out" | diag
    fi

    # Four processes at once share the pool's one server connection,
    # transaction by transaction.
    pids=()
    for i in 1 2 3 4; do
        (run_many pp_bouncer crypt@example.com 's3cr3t!' 200
            echo "$rc $succ" >"$PP_TMP/many.$i"
            sanitizer_report "$out" && echo sanitizer >>"$PP_TMP/many.$i") &
        pids+=($!)
    done
    wait "${pids[@]}"
    pids=()
    bad=
    for i in 1 2 3 4; do
        res=$(cat "$PP_TMP/many.$i" 2>/dev/null)
        [[ $res == "0 200" ]] || bad+=" process $i: ${res//$'\n'/ };"
    done
    if [[ -z $bad ]]; then
        ok "pgbouncer: 4 concurrent processes of 200 logins each, all successful"
    else
        not_ok "pgbouncer: concurrent processes (exit status, successes):$bad"
    fi

    bad=0
    for i in $(seq 50); do
        login_once pp_bouncer info@example.com 's3cr3t!' authenticate
        if [[ $rc -ne 0 || $out != *"successfully authenticated"* ]] || sanitizer_report "$out"; then
            bad=$((bad + 1))
            [[ $bad -gt 1 ]] || diag <<<"$out"
        fi
    done
    check_eq "pgbouncer: 50 pamtester processes one after another, failures" "$bad" 0
    echo "# 1,050 logins through pgbouncer: $((SECONDS - t1)) s"
    check_eq "pgbouncer: every login above went over one server connection (new sessions on the primary)" \
        "$(($(p_conns) - p_before))" 1
    if grep -qi 'prepared statement\|unsupported startup parameter' "$PP_TMP/bouncer1/pgbouncer.log"; then
        not_ok "pgbouncer's log complains about statements or startup parameters"
        grep -i 'prepared statement\|unsupported startup parameter' "$PP_TMP/bouncer1/pgbouncer.log" | head -n 5 | diag
    else
        ok "pgbouncer's log: no prepared-statement or startup-parameter complaint"
    fi

    # The same in front of the standby: reads through a pooler on a standby.
    start_bouncer "$PP_TMP/bouncer2" "$S_PORT" || bail "starting pgbouncer in front of the standby"
    B2_PORT=$B_PORT
    write_conf pp_bouncer2 "postgresql-host = 127.0.0.1" "postgresql-port = $B2_PORT" \
        "postgresql-database = powermail" "postgresql-user = powermail" \
        "postgresql-password = $DBPASSWORD" "postgresql-sslmode = disable"
    login_on "pgbouncer in front of the standby: info@example.com authenticates" pp_bouncer2 standby
    # Both poolers, as libpq hosts; a short query-timeout for the case below.
    write_conf pp_bouncers \
        "postgresql-conninfo = host=127.0.0.1,127.0.0.1 port=$B1_PORT,$B2_PORT dbname=powermail user=powermail password=$DBPASSWORD connect_timeout=2 sslmode=disable" \
        "query-timeout = 2000"
    login_once pp_bouncers info@example.com 's3cr3t!' authenticate
    expect "both poolers as hosts, primary up: authenticates" yes "successfully authenticated"
else
    not_ok "pgbouncer is not installed (tools/deps.sh check installs it); its checks are skipped"
fi

# --- 3. several hosts, and the primary stopped ------------------------------

# The test's servers have no TLS: written out, as an operator must (TLS:
# tests/t_tls.sh).
conninfo="host=127.0.0.1,127.0.0.1 port=$P_PORT,$S_PORT dbname=powermail user=powermail password=$DBPASSWORD connect_timeout=2 sslmode=disable"
write_conf pp_ha "postgresql-conninfo = $conninfo target_session_attrs=any"
write_conf pp_prefer "postgresql-conninfo = $conninfo target_session_attrs=prefer-standby"
write_conf pp_rw "postgresql-conninfo = $conninfo target_session_attrs=read-write"

login_on "two hosts, target_session_attrs=any: info@example.com authenticates" pp_ha primary
login_on "target_session_attrs=prefer-standby: info@example.com authenticates" pp_prefer standby
login_once pp_rw info@example.com 's3cr3t!' authenticate
expect "target_session_attrs=read-write, primary up: authenticates" yes "successfully authenticated"

# One process, two logins, the primary stopped between them: pamtester
# prompts for the second password only after the first login is done.
fifo=$PP_TMP/inproc.fifo
inproc_out=$PP_TMP/inproc.out
inproc_err=$PP_TMP/inproc.err
mkfifo "$fifo"
env "${wrapper_env[@]}" pamtester -v pp_ha info@example.com authenticate authenticate \
    <"$fifo" >"$inproc_out" 2>"$inproc_err" &
inproc_pid=$!
exec 3<>"$fifo"
printf '%s\n' 's3cr3t!' >&3
second_prompt() { [[ $(grep -o 'Password:' "$inproc_err" | wc -l) -ge 2 ]]; }
if wait_for 20 second_prompt; then
    ok "one process: the first login is done, pamtester asks for the second"
else
    not_ok "one process: no second prompt within 20 s"
    cat "$inproc_out" "$inproc_err" | diag
fi
s_before=$(s_conns)

t2=$SECONDS
if "$PP_TOP/tests/pg.sh" stop "$primary" >/dev/null; then
    ok "primary stopped (pg_ctl stop -m fast)"
else
    bail "stopping the primary"
fi

printf '%s\n' 's3cr3t!' >&3
exec 3>&-
inproc_done() { ! alive "$inproc_pid"; }
if wait_for 20 inproc_done; then
    rc=0
    wait "$inproc_pid" || rc=$?
else
    stop_pid "$inproc_pid"
    rc=timeout
fi
inproc_pid=
succ=$(grep -c '^pamtester: successfully authenticated$' "$inproc_out")
out=$(cat "$inproc_out" "$inproc_err")
printf '%s\n' "$out" >>"$alloutput"
if [[ $rc == 0 && $succ -eq 2 ]] &&
    ! sanitizer_report "$out"; then
    ok "one process: logged in before and after the primary stopped"
else
    not_ok "one process across the stop: exit status $rc"
    diag <<<"$out"
fi
check_eq "one process: its second login went to the standby (new sessions there)" \
    "$(($(s_conns) - s_before))" 1

login_on "primary down: info@example.com authenticates" pp_ha standby
echo "# first login after the stop: $((SECONDS - t2)) s after it"
login_once pp_ha replica@example.com 's3cr3t!' authenticate acct_mgmt
expect "primary down: replica@example.com (a streamed row) authenticates" yes \
    "successfully authenticated" "account management done"
login_once pp_ha info@example.com 'Wr0ng-failover-pw' authenticate
expect "primary down: a wrong password is PAM_AUTH_ERR" no "Authentication failure"
if [[ $out == *"$MSG_AUTHINFO_UNAVAIL"* ]]; then
    not_ok "primary down: a wrong password must not read as the database being unavailable"
fi
login_once pp_ha nobody@example.com 's3cr3t!' authenticate
expect "primary down: an unknown address is PAM_USER_UNKNOWN" no "$MSG_UNKNOWN"
login_once pp_ha nobody@example.com 's3cr3t!' acct_mgmt
expect "primary down: acct_mgmt of an unknown address is PAM_USER_UNKNOWN" no "$MSG_UNKNOWN"
login_once pp_ha forward@example.com 's3cr3t!' acct_mgmt
expect "primary down: a forward address is refused by acct_mgmt" no "Permission denied"
login_once pp_rw info@example.com 's3cr3t!' authenticate
expect "primary down: read-write finds no server, PAM_AUTHINFO_UNAVAIL" no \
    "$MSG_AUTHINFO_UNAVAIL" "cannot reach the userbase"
run_many pp_ha quota@example.com 's3cr3t!' 50
if [[ $rc -eq 0 && $succ -eq 50 ]] && ! sanitizer_report "$out"; then
    ok "primary down: 50 logins in one process from the standby"
else
    not_ok "primary down: 50 logins in one process: $succ succeeded, exit status $rc"
    tail -n 20 <<<"$out" | diag
fi
if psql_standby -d powermail -c \
    "UPDATE mboxes SET password = '{plain}x' WHERE mbox = 'info@example.com'" >"$PP_TMP/ro.log" 2>&1; then
    not_ok "the standby accepted a write"
elif grep -q 'read-only transaction' "$PP_TMP/ro.log"; then
    ok "the standby refuses a password change (read-only transaction)"
else
    not_ok "a write on the standby failed otherwise"
    diag <"$PP_TMP/ro.log"
fi

if [[ -n $have_bouncer ]]; then
    # bouncer1 still accepts connections: libpq takes it for a live server.
    t3=$SECONDS
    login_once pp_bouncers info@example.com 's3cr3t!' authenticate
    expect "primary down, its pgbouncer up: PAM_AUTHINFO_UNAVAIL, not a wrong password" no \
        "$MSG_AUTHINFO_UNAVAIL"
    echo "# that refusal took $((SECONDS - t3)) s (query-timeout = 2000)"
    stop_pid "${bouncer_pids[0]}"
    bouncer_pids[0]=
    login_once pp_bouncers info@example.com 's3cr3t!' authenticate
    expect "primary and its pgbouncer down: the standby's pgbouncer answers" yes \
        "successfully authenticated"
    login_once pp_bouncers info@example.com 'Wr0ng-failover-pw' authenticate
    expect "primary and its pgbouncer down: a wrong password is PAM_AUTH_ERR" no \
        "Authentication failure"
fi

# --- 4. the standby promoted ------------------------------------------------

if as_owner "$bin/pg_ctl" promote -w -t 60 -D "$standby/data" >/dev/null &&
    [[ $(psql_standby -d postgres -Atc 'SELECT pg_is_in_recovery()') == f ]]; then
    ok "standby promoted (pg_ctl promote)"
else
    not_ok "promoting the standby"
fi
if psql_standby -d powermail -c \
    "UPDATE mboxes SET password = '{plain}N3w-failover-pw' WHERE mbox = 'info@example.com'" >/dev/null; then
    ok "the promoted standby takes a password change"
else
    not_ok "a password change on the promoted standby"
fi
login_once pp_rw info@example.com 'N3w-failover-pw' authenticate
expect "after promotion: read-write finds the new primary, the new password works" yes \
    "successfully authenticated"
login_once pp_ha info@example.com 's3cr3t!' authenticate
expect "after promotion: the old password is refused" no "Authentication failure"

# --- the end ----------------------------------------------------------------

leaked=
for s in "$DBPASSWORD" "$REPL_PASSWORD" 's3cr3t!' 'N3w-failover-pw' 'Wr0ng-failover-pw' 'SCRAM-SHA-256$'; do
    grep -qF -- "$s" "$alloutput" && leaked+=" '$s'"
done
if [[ -z $leaked ]]; then
    ok "no password or SCRAM secret in anything pamtester and the module printed"
else
    not_ok "the output contains$leaked"
fi
echo "# total: $((SECONDS - t0)) s"

echo "1..$n"
[[ $failed -eq 0 ]]
