#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_standby.sh -- TAP test: pam_powermail reading logins from streaming
# standbys and writing to the primary (postgresql-reads,
# postgresql-load-balance, standby-max-lag).
#
# Servers of its own in $PP_TMP (tests/replicas.bash), on 127.0.0.1:
#   primary            tests/pg.sh, a replication role, sql/sample.sql, a
#                      role ppstandby with SELECT and UPDATE (password)
#   standby1, standby2 pg_basebackup -R, hot standbys
#   bouncer0..2        pgbouncer (transaction mode) in front of each
# The module: postgresql-conninfo listing the three servers (then the three
# bouncers), postgresql-reads = prefer-standby, postgresql-load-balance =
# yes, standby-max-lag = 2.
#
# Checks, with pamtester under pam_wrapper and pptool:
#   1. 20 processes of 10 logins: every lookup on a standby (the standbys'
#      pg_stat_user_tables counts them, the primary's does not move), both
#      standbys with a real share
#   2. chauthtok and pptool passwd change the primary's row
#   3. replay paused on both standbys, a change: the new password works at
#      once, the old one is refused within standby-max-lag + 1 s, with the
#      module's "lags ... standby-max-lag" warning; with standby-max-lag =
#      3600 the new password works too (read on a standby, then checked
#      against the primary's value)
#   4. primary stopped: right, wrong and unknown keep their answers, pptool
#      auth and pptool check read on a standby; a change
#      is PAM_AUTHINFO_UNAVAIL, "userbase unavailable for writes"; primary
#      started: changes work again, in new processes and in one pamtester
#      process that lived through it all (its kept write connection retried)
#   5. a standby stopped: the other one answers
#   6. a weak value read on a standby is upgraded on the primary; with
#      replay paused and the primary's value changed meanwhile, the upgrade
#      leaves the changed value (compare-and-set)
#   7. 1, 2 and 4 again through pgbouncers
#   8. nothing printed holds a password or a stored value
# Needs PP_TOP, PP_BUILD, PP_TMP, PP_PRELOAD from tests/run-tests.sh.
set -uo pipefail

# shellcheck source=tests/tap.bash
. "$(dirname "${BASH_SOURCE[0]}")/tap.bash"
require_env PP_TOP PP_BUILD PP_TMP

module=$PP_BUILD/pam_powermail.so
pptool=$PP_BUILD/pptool
svcdir=$PP_TMP/pam.d
primary=$PP_TMP/primary
standby1=$PP_TMP/standby1
standby2=$PP_TMP/standby2
alloutput=$PP_TMP/all-output   # everything pamtester and pptool printed
ROLE=ppstandby
ROLE_PASSWORD=Sb-role-pw-4f7a
MAX_LAG=2
MSG_AUTHINFO_UNAVAIL="Authentication service cannot retrieve authentication info"
MSG_UNKNOWN="User not known to the underlying authentication module"
MSG_CHANGED="authentication token altered successfully"

[[ -f $module && -x $pptool ]] || bail "no module or pptool in $PP_BUILD"
need_commands pamtester pgbouncer psql
end_if_missing "(tools/deps.sh check installs them)"

# shellcheck source=tests/replicas.bash
. "$(dirname "${BASH_SOURCE[0]}")/replicas.bash"
[[ -x $replica_bin/pg_basebackup ]] || bail "no PostgreSQL server under /usr/lib/postgresql"

keeper_pid=
pids=()
cleanup() {
    local pid
    [[ -z $keeper_pid ]] || stop_pid "$keeper_pid"
    for pid in "${pids[@]}"; do
        pkill -TERM -P "$pid" 2>/dev/null
        stop_pid "$pid"
    done
    replicas_stop_all
}
on_exit cleanup
trap '' PIPE   # a write to a pamtester that died must not end the test

# --- helpers ------------------------------------------------------------

secrets=("$ROLE_PASSWORD" "$REPL_PASSWORD" 's3cr3t!')
# secret VALUE...: checked at the end, and by the harness (PP_SECRETS).
secret() {
    secrets+=("$@")
    [[ -z ${PP_SECRETS:-} ]] || printf '%s\n' "$@" >>"$PP_SECRETS"
}

now_ms() { local t=${EPOCHREALTIME//[.,]/}; echo $((t / 1000)); }

# stored_at DIR MBOX: the stored value (into a variable, never printed).
stored_at() {
    psql_at "$1" -d powermail -Atc "SELECT password FROM mboxes WHERE mbox = '$2'" 2>/dev/null
}
# scans DIR: how many scans of mboxes the server counted.
scans() {
    psql_at "$1" -d powermail -Atc "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0)
        FROM pg_stat_user_tables WHERE relname = 'mboxes'" 2>/dev/null
}
# idle DIR...: none of the servers has a session of the role (a session
# flushes its statistics when it ends).
idle() {
    local d
    for d in "$@"; do
        [[ $(psql_at "$d" -d postgres -Atc \
            "SELECT count(*) FROM pg_stat_activity WHERE usename = '$ROLE'" 2>/dev/null) == 0 ]] || return 1
    done
}
# caught_up LSN DIR...: each standby has replayed the primary's WAL up to LSN.
caught_up() {
    local lsn=$1 d
    shift
    for d in "$@"; do
        [[ $(psql_at "$d" -d postgres -Atc \
            "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn" 2>/dev/null) == t ]] || return 1
    done
}
primary_lsn() { psql_at "$primary" -d postgres -Atc 'SELECT pg_current_wal_lsn()'; }
# sync_standbys DIR...: wait until the standbys have all the primary wrote.
sync_standbys() {
    local lsn
    lsn=$(primary_lsn) && wait_for 30 caught_up "$lsn" "$@"
}
replay() { # replay pause|resume DIR...
    local what=$1 d
    shift
    for d in "$@"; do
        psql_at "$d" -d postgres -Atc "SELECT pg_wal_replay_$what()" >/dev/null || return 1
    done
}
paused() {
    local d
    for d in "$@"; do
        [[ $(psql_at "$d" -d postgres -Atc 'SELECT pg_get_wal_replay_pause_state()') == paused ]] || return 1
    done
}
set_stored() { # set_stored MBOX VALUE: on the primary
    psql_at "$primary" -d powermail -c "UPDATE mboxes SET password = '$2' WHERE mbox = '$1'" >/dev/null
}

# write_conf NAME LINE...: $PP_TMP/NAME.conf (0600) and the PAM service NAME.
write_conf() {
    local name=$1 conf=$PP_TMP/$1.conf
    shift
    (umask 077 && printf '%s\n' "$@" >"$conf")
    printf '%s\n' "auth required $module config=$conf" "account required $module config=$conf" \
        "password required $module config=$conf" >"$svcdir/$name"
}

# shellcheck source=tests/pamtester.bash
. "$(dirname "${BASH_SOURCE[0]}")/pamtester.bash"
mkdir -p "$svcdir"
use_pam_wrapper "$svcdir"
: >"$alloutput"


# many_at_once SERVICE USER PASSWORD PROCESSES COUNT: PROCESSES run_many at
# once; sets $bad (empty when every login succeeded).
many_at_once() {
    local i res
    pids=()
    for ((i = 1; i <= $4; i++)); do
        (run_many "$1" "$2" "$3" "$5"
            echo "$rc $succ" >"$PP_TMP/many.$i"
            sanitizer_report "$out" && echo sanitizer >>"$PP_TMP/many.$i") &
        pids+=($!)
    done
    wait "${pids[@]}"
    pids=()
    bad=
    for ((i = 1; i <= $4; i++)); do
        res=$(cat "$PP_TMP/many.$i" 2>/dev/null)
        [[ $res == "0 $5" ]] || bad+=" process $i: ${res//$'\n'/ };"
        rm -f "$PP_TMP/many.$i"
    done
}

check_eq() { # check_eq LABEL GOT WANT
    if [[ $2 == "$3" ]]; then ok "$1"; else not_ok "$1: got '$2', want '$3'"; fi
}

# --- setup --------------------------------------------------------------

t0=$SECONDS
primary_start "$primary" || bail "starting the primary (tests/pg.sh, replication role)"
psql_at "$primary" -d powermail >"$PP_TMP/psql.log" 2>&1 <<EOF || { diag <"$PP_TMP/psql.log"; bail "sample rows and role $ROLE on the primary"; }
\i $PP_TOP/sql/sample.sql
SET password_encryption = 'scram-sha-256';
CREATE ROLE $ROLE LOGIN PASSWORD '$ROLE_PASSWORD';
GRANT SELECT, UPDATE (password) ON mboxes TO $ROLE;
INSERT INTO mboxes (mbox, password) VALUES
    ('chg@example.com', '{plain}Sb-chg-old'), ('chgb@example.com', '{plain}Sb-chgb-old'),
    ('keep@example.com', '{plain}Sb-keep-old'),
    ('up1@example.com', '{plain}Sb-up-weak1'), ('up2@example.com', '{plain}Sb-up-weak2');
EOF
secret '{plain}Sb-chg-old' '{plain}Sb-chgb-old' '{plain}Sb-keep-old' '{plain}Sb-up-weak1' '{plain}Sb-up-weak2'
P_PORT=$(port_of "$primary")
ok "primary on 127.0.0.1:$P_PORT: sql/sample.sql, role $ROLE, a replication role"

for s in "$standby1" "$standby2"; do
    standby_start "$s" "$primary" || bail "pg_basebackup -R and a hot standby in $s"
done
S1_PORT=$(port_of "$standby1")
S2_PORT=$(port_of "$standby2")
streaming() {
    [[ $(psql_at "$primary" -d postgres -Atc \
        "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") == 2 ]]
}
if wait_for 30 streaming && sync_standbys "$standby1" "$standby2" &&
    [[ $(psql_at "$standby1" -d postgres -Atc 'SELECT pg_is_in_recovery()') == t &&
        $(psql_at "$standby2" -d postgres -Atc 'SELECT pg_is_in_recovery()') == t &&
        $(stored_at "$standby2" up2@example.com) == '{plain}Sb-up-weak2' ]]; then
    ok "two hot standbys (127.0.0.1:$S1_PORT, :$S2_PORT) streaming from the primary, with its rows"
else
    tail -n 10 "$standby1/log/postgresql.log" "$standby2/log/postgresql.log" | diag
    bail "the standbys did not come up streaming"
fi
echo "# setup: $((SECONDS - t0)) s"

SPLIT_KEYS=("postgresql-reads = prefer-standby" "postgresql-load-balance = yes" "standby-max-lag = $MAX_LAG")
conninfo() { # conninfo PORT...: the three servers (or bouncers) as libpq hosts
    local IFS=,
    echo "host=127.0.0.1,127.0.0.1,127.0.0.1 port=$* dbname=powermail user=$ROLE password=$ROLE_PASSWORD sslmode=disable connect_timeout=2"
}
direct=$(conninfo "$P_PORT" "$S1_PORT" "$S2_PORT")
write_conf pp_split "postgresql-conninfo = $direct" "${SPLIT_KEYS[@]}"
write_conf pp_upgrade "postgresql-conninfo = $direct" "${SPLIT_KEYS[@]}" "upgrade-scheme = {crypt}"
# A standby-max-lag no pause here reaches: lookups stay on the standbys.
write_conf pp_patient "postgresql-conninfo = $direct" "postgresql-reads = prefer-standby" \
    "postgresql-load-balance = yes" "standby-max-lag = 3600"
# The one pamtester process that lives through the primary's stop: a failed
# change must not end it, so its password stack goes on past the module.
write_conf pp_keep "postgresql-conninfo = $direct" "${SPLIT_KEYS[@]}"
printf '%s\n' "auth required $module config=$PP_TMP/pp_keep.conf" \
    "password [success=ok default=ignore] $module config=$PP_TMP/pp_keep.conf" \
    "password required pam_permit.so" >"$svcdir/pp_keep"
write_conf pp_badconf "postgresql-conninfo = $direct target_session_attrs=any" "${SPLIT_KEYS[@]}"

# pam_powermail.conf(5): a configuration error (PAM_SERVICE_ERR), and the
# log says why.
login_once pp_badconf info@example.com 's3cr3t!' authenticate
expect "target_session_attrs in postgresql-conninfo besides postgresql-reads: a configuration error, the log says why" no \
    "Error in service module" "postgresql-conninfo sets target_session_attrs"

# --- the checks shared by the direct servers and the bouncers --------------

# spread_reads WHERE SERVICE: 20 processes of 10 logins, all read on the
# standbys, each standby with at least 10 %.
spread_reads() {
    local where=$1 service=$2 p0 a0 b0 p1 a1 b1 t
    p0=$(scans "$primary") a0=$(scans "$standby1") b0=$(scans "$standby2")
    t=$SECONDS
    many_at_once "$service" info@example.com 's3cr3t!' 20 10
    if [[ -z $bad ]]; then
        ok "$where: 200 logins in 20 processes at once, all successful"
    else
        not_ok "$where: 20 processes of 10 logins (exit status, successes):$bad"
    fi
    echo "# $where: 200 logins in $((SECONDS - t)) s"
    wait_for 20 idle "$primary" "$standby1" "$standby2" || diag <<<"sessions of $ROLE still open after 20 s"
    all_counted() {
        a1=$(scans "$standby1") b1=$(scans "$standby2")
        [[ $((a1 - a0 + b1 - b0)) -ge 200 ]]
    }
    wait_for 15 all_counted
    p1=$(scans "$primary")
    diag <<<"$where: scans of mboxes: standby1 +$((a1 - a0)), standby2 +$((b1 - b0)), primary +$((p1 - p0))"
    if [[ $((a1 - a0 + b1 - b0)) -ge 200 ]]; then
        ok "$where: the standbys counted the 200 lookups"
    else
        not_ok "$where: the standbys counted $((a1 - a0 + b1 - b0)) lookups, want 200"
    fi
    check_eq "$where: no lookup on the primary (its scans of mboxes)" "$((p1 - p0))" 0
    if [[ $((a1 - a0)) -ge 20 && $((b1 - b0)) -ge 20 ]]; then
        ok "$where: both standbys got a share (at least 10 % each)"
    else
        not_ok "$where: load not spread: standby1 $((a1 - a0)), standby2 $((b1 - b0)) of 200"
    fi
}

# change_lands WHERE SERVICE CONF MBOX PASSWORD1 PASSWORD2: a change by
# chauthtok, then one by pptool passwd, each on the primary's row.
change_lands() {
    local where=$1 service=$2 conf=$3 mbox=$4 before after
    secret "$5" "$6"
    before=$(stored_at "$primary" "$mbox")
    login_once "$service" "$mbox" "$5"$'\n'"$5" chauthtok
    expect "$where: chauthtok succeeds" yes "$MSG_CHANGED"
    after=$(stored_at "$primary" "$mbox")
    secret "$after"
    if [[ -n $after && $after != "$before" && $after == '{crypt}'* ]]; then
        ok "$where: chauthtok changed the primary's row (to a {crypt} value)"
    else
        not_ok "$where: the primary's row did not change to a {crypt} value after chauthtok"
    fi
    login_once "$service" "$mbox" "$5" authenticate
    expect "$where: the password set by chauthtok logs in" yes "successfully authenticated"
    before=$after
    out=$(printf '%s\n' "$6" | "$pptool" passwd --config "$conf" "$mbox" 2>&1) && rc=0 || rc=$?
    printf '%s\n' "$out" >>"$alloutput"
    expect "$where: pptool passwd succeeds" yes "$mbox: password changed"
    after=$(stored_at "$primary" "$mbox")
    secret "$after"
    if [[ -n $after && $after != "$before" ]]; then
        ok "$where: pptool passwd changed the primary's row"
    else
        not_ok "$where: the primary's row did not change after pptool passwd"
    fi
    login_once "$service" "$mbox" "$6" authenticate
    expect "$where: the password set by pptool logs in" yes "successfully authenticated"
}

# primary_down WHERE SERVICE CONF MBOX NEWPASSWORD: with the primary stopped
# (by the caller): logins keep their answers, a change is unavailable.
primary_down() {
    local where=$1 service=$2 conf=$3 mbox=$4
    secret "$5"
    login_once "$service" info@example.com 's3cr3t!' authenticate acct_mgmt
    expect "$where, primary down: the right password logs in" yes \
        "successfully authenticated" "account management done"
    login_once "$service" info@example.com 'Sb-wrong-pw' authenticate
    expect "$where, primary down: a wrong password is PAM_AUTH_ERR" no "Authentication failure"
    [[ $out != *"$MSG_AUTHINFO_UNAVAIL"* ]] ||
        not_ok "$where, primary down: a wrong password must not read as the userbase being unavailable"
    login_once "$service" nobody@example.com 's3cr3t!' authenticate
    expect "$where, primary down: an unknown address is PAM_USER_UNKNOWN" no "$MSG_UNKNOWN"
    out=$(printf '%s\n' 's3cr3t!' | "$pptool" auth --config "$conf" info@example.com 2>&1) && rc=0 || rc=$?
    printf '%s\n' "$out" >>"$alloutput"
    expect "$where, primary down: pptool auth reads on a standby" yes "result:  ok"
    out=$("$pptool" check --config "$conf" 2>&1) && rc=0 || rc=$?
    printf '%s\n' "$out" >>"$alloutput"
    # Exit status 1: sql/sample.sql's mailboxes that cannot log in are listed.
    if [[ $rc -eq 1 && $out == *"mailboxes: "* ]]; then
        ok "$where, primary down: pptool check reads on a standby"
    else
        not_ok_diag "$where, primary down: pptool check (exit status $rc, want 1)" "$out"
    fi
    login_once "$service" "$mbox" "$5"$'\n'"$5" chauthtok
    expect "$where, primary down: a change is PAM_AUTHINFO_UNAVAIL, logged as unavailable for writes" no \
        "$MSG_AUTHINFO_UNAVAIL" "userbase unavailable for writes"
    [[ $out != *"Authentication failure"* && $out != *"$MSG_CHANGED"* ]] ||
        not_ok "$where, primary down: the change must be neither a wrong password nor done"
    out=$(printf '%s\n' "$5" | "$pptool" passwd --config "$conf" "$mbox" 2>&1) && rc=0 || rc=$?
    printf '%s\n' "$out" >>"$alloutput"
    if [[ $rc -ne 0 && $out != *"password changed"* && $out == *"unavailable"* ]]; then
        ok "$where, primary down: pptool passwd fails, the userbase unavailable"
    else
        not_ok_diag "$where, primary down: pptool passwd (exit status $rc)" "$out"
    fi
}

# change_after_restart WHERE SERVICE MBOX PASSWORD: the primary back, a
# change by a new process works.
change_after_restart() {
    local where=$1 before after
    before=$(stored_at "$primary" "$3")
    login_once "$2" "$3" "$4"$'\n'"$4" chauthtok
    expect "$where, primary started again: a change works" yes "$MSG_CHANGED"
    after=$(stored_at "$primary" "$3")
    secret "$after"
    [[ -n $after && $after != "$before" ]] ||
        not_ok "$where, primary started again: the primary's row did not change"
}

# --- 1, 2: reads on the standbys, changes on the primary ---------------------

t1=$SECONDS
spread_reads "direct" pp_split
change_lands "direct" pp_split "$PP_TMP/pp_split.conf" chg@example.com Sb-chg-new1 Sb-chg-new2
echo "# reads and changes: $((SECONDS - t1)) s"

# --- 3: replay paused ------------------------------------------------------

sync_standbys "$standby1" "$standby2" || not_ok "the standbys did not catch up before the pause"
if replay pause "$standby1" "$standby2" && wait_for 10 paused "$standby1" "$standby2"; then
    ok "replay paused on both standbys (pg_wal_replay_pause)"
else
    not_ok "pausing replay on the standbys"
fi
secret Sb-chg-new3
old_value=$(stored_at "$primary" chg@example.com)
t_change=$(now_ms)
login_once pp_split chg@example.com $'Sb-chg-new3\nSb-chg-new3' chauthtok
expect "replay paused: chauthtok succeeds" yes "$MSG_CHANGED"
new_value=$(stored_at "$primary" chg@example.com)
secret "$new_value"
if [[ $new_value != "$old_value" && $(stored_at "$standby1" chg@example.com) == "$old_value" &&
    $(stored_at "$standby2" chg@example.com) == "$old_value" ]]; then
    ok "replay paused: the primary has the new value, both standbys the old one"
else
    not_ok "replay paused: the primary's and standbys' values are not new and old"
fi
login_once pp_split chg@example.com Sb-chg-new3 authenticate
expect "replay paused: the new password logs in at once (first try)" yes "successfully authenticated"
refused_ms=
lag_logged=
tries=0
while [[ $(($(now_ms) - t_change)) -lt 8000 ]]; do
    tries=$((tries + 1))
    login_once pp_split chg@example.com Sb-chg-new2 authenticate
    [[ $out == *lags*standby-max-lag* ]] && lag_logged=yes
    if [[ $rc -ne 0 ]]; then
        if [[ $out == *"Authentication failure"* ]]; then
            refused_ms=$(($(now_ms) - t_change))
        else
            not_ok_diag "replay paused: the old password's refusal is not PAM_AUTH_ERR" "$out"
        fi
        break
    fi
    sleep 0.2
done
diag <<<"replay paused: the old password refused ${refused_ms:-never} ms after the change began ($tries tries)"
if [[ -n $refused_ms && $refused_ms -le $(((MAX_LAG + 1) * 1000)) ]]; then
    ok "replay paused: the old password is refused within standby-max-lag + 1 s of the change"
else
    not_ok "replay paused: the old password still logs in $(((MAX_LAG + 1) * 1000)) ms after the change"
fi
if [[ -n $lag_logged ]]; then
    ok "replay paused: the module logs that the standby lags more than standby-max-lag"
else
    not_ok "replay paused: no log line with 'lags' and 'standby-max-lag'"
fi
# The standbys, still paused, are read whatever their lag: the new password
# works only because the primary's value is checked after the standby's
# refused it.
a0=$(scans "$standby1") b0=$(scans "$standby2")
login_once pp_patient chg@example.com Sb-chg-new3 authenticate
expect "replay paused, standby-max-lag = 3600: the new password logs in (checked against the primary's value)" \
    yes "successfully authenticated"
[[ $out != *lags* ]] || not_ok "replay paused, standby-max-lag = 3600: the standby was skipped as lagging"
wait_for 10 idle "$standby1" "$standby2"
if [[ $(($(scans "$standby1") - a0 + $(scans "$standby2") - b0)) -ge 1 ]]; then
    ok "replay paused, standby-max-lag = 3600: that login read a standby first"
else
    not_ok "replay paused, standby-max-lag = 3600: no lookup counted on the standbys"
fi
if replay resume "$standby1" "$standby2" && sync_standbys "$standby1" "$standby2" &&
    [[ $(stored_at "$standby1" chg@example.com) == "$new_value" ]]; then
    ok "replay resumed: the standbys have the new value"
else
    not_ok "replay resumed: the standbys did not catch up"
fi

# --- 6: upgrades on the primary -------------------------------------------

secret Sb-up-changed2
a0=$(scans "$standby1") b0=$(scans "$standby2")
login_once pp_upgrade up1@example.com Sb-up-weak1 authenticate
expect "upgrade: a {plain} value logs in" yes "successfully authenticated"
value=$(stored_at "$primary" up1@example.com)
secret "$value"
if [[ $value == '{crypt}$'* ]]; then
    ok "upgrade: the primary's row now holds a {crypt} value"
else
    not_ok "upgrade: the primary's row was not upgraded to {crypt}"
fi
wait_for 10 idle "$standby1" "$standby2"
if [[ $(($(scans "$standby1") - a0 + $(scans "$standby2") - b0)) -ge 1 ]]; then
    ok "upgrade: the login was read on a standby"
else
    not_ok "upgrade: no lookup counted on the standbys"
fi
login_once pp_upgrade up1@example.com Sb-up-weak1 authenticate
expect "upgrade: the password logs in against the upgraded value" yes "successfully authenticated"

# Compare-and-set: the standby (replay paused) still has the weak value the
# login matches, the primary has another; the upgrade must leave that.
# A fresh commit replayed just before the pause keeps the standbys within
# standby-max-lag for the login; if the login came too late, try again.
cas=
for attempt in 1 2 3; do
    set_stored up2@example.com '{plain}Sb-up-weak2'
    if ! sync_standbys "$standby1" "$standby2" || ! replay pause "$standby1" "$standby2" ||
        ! wait_for 10 paused "$standby1" "$standby2"; then
        not_ok "compare-and-set: pausing the standbys"
        break
    fi
    set_stored up2@example.com '{plain}Sb-up-changed2'
    login_once pp_upgrade up2@example.com Sb-up-weak2 authenticate
    if [[ $rc -eq 0 ]]; then
        cas=$(stored_at "$primary" up2@example.com)
        replay resume "$standby1" "$standby2"
        break
    fi
    diag <<<"compare-and-set, attempt $attempt: the login was not read on a standby in time"
    replay resume "$standby1" "$standby2"
done
if [[ -z $cas ]]; then
    not_ok "compare-and-set: no login read the weak value on a standby in 3 attempts"
elif [[ $cas == '{plain}Sb-up-changed2' ]]; then
    ok "compare-and-set: the upgrade of a value read on a paused standby left the primary's newer value"
else
    not_ok "compare-and-set: the upgrade overwrote the primary's newer value"
fi
sync_standbys "$standby1" "$standby2" || not_ok "the standbys did not catch up after the upgrades"

# --- 4: the primary stopped -------------------------------------------------

# One process: chauthtok, authenticate (the primary stopped before), chauthtok
# (fails), authenticate (the primary started before), chauthtok (works).
fifo=$PP_TMP/keeper.fifo
keeper_out=$PP_TMP/keeper.out
keeper_err=$PP_TMP/keeper.err
mkfifo "$fifo"
secret Sb-keep-1 Sb-keep-2 Sb-keep-3
env "${wrapper_env[@]}" pamtester -v pp_keep keep@example.com chauthtok authenticate chauthtok \
    authenticate chauthtok <"$fifo" >"$keeper_out" 2>"$keeper_err" &
keeper_pid=$!
exec 3<>"$fifo"
# libpam's prompts: "Password: ", "New password: ", "Retype new password: ".
prompts() { [[ $(grep -o -E '(Password|New password|Retype new password): ' "$keeper_err" | wc -l) -ge $1 ]]; }
keeper_step() { # keeper_step PROMPTS LABEL: wait until pamtester asked PROMPTS times
    wait_for 20 prompts "$1" && return 0
    not_ok "one process: $2: no prompt within 20 s"
    cat "$keeper_out" "$keeper_err" | diag
    return 1
}
printf '%s\n' Sb-keep-1 Sb-keep-1 >&3
keeper_step 3 "after the first change"
keep1=$(stored_at "$primary" keep@example.com)
secret "$keep1"
sync_standbys "$standby1" "$standby2"

t4=$SECONDS
if server_stop "$primary"; then
    ok "primary stopped (pg_ctl stop -m fast)"
else
    bail "stopping the primary"
fi
printf '%s\n' Sb-keep-1 >&3
keeper_step 4 "after the login with the primary down" && printf '%s\n' Sb-keep-2 Sb-keep-2 >&3
keeper_step 6 "after the change with the primary down"

primary_down "direct" pp_split "$PP_TMP/pp_split.conf" chg@example.com Sb-chg-down
echo "# primary down: $((SECONDS - t4)) s"

server_start "$primary" || bail "starting the primary again"
printf '%s\n' Sb-keep-1 >&3
keeper_step 7 "after the login with the primary back" && printf '%s\n' Sb-keep-3 Sb-keep-3 >&3
exec 3>&-
keeper_done() { ! alive "$keeper_pid"; }
rc=timeout
if wait_for 30 keeper_done; then
    rc=0
    wait "$keeper_pid" || rc=$?
fi
stop_pid "$keeper_pid"
keeper_pid=
out=$(cat "$keeper_out" "$keeper_err")
printf '%s\n' "$out" >>"$alloutput"
keep3=$(stored_at "$primary" keep@example.com)
secret "$keep3"
if [[ $rc == 0 && $(grep -c '^pamtester: successfully authenticated$' "$keeper_out") -eq 2 ]] &&
    ! sanitizer_report "$out"; then
    ok "one process: logged in with the primary down and again after its start"
else
    not_ok_diag "one process: exit status $rc" "$(tail -n 30 <<<"$out")"
fi
if [[ $out == *"userbase unavailable for writes"* ]]; then
    ok "one process: its change with the primary down was unavailable for writes"
else
    not_ok "one process: no 'userbase unavailable for writes' for its change with the primary down"
fi
if [[ -n $keep3 && $keep3 != "$keep1" ]]; then
    ok "one process: its change after the primary's start reached the primary (kept connection retried)"
else
    not_ok "one process: the primary's row did not change after its start"
fi
login_once pp_split keep@example.com Sb-keep-3 authenticate
expect "one process: the password it set last logs in" yes "successfully authenticated"
change_after_restart "direct" pp_split chg@example.com Sb-chg-up
secret Sb-chg-up

# --- 5: a standby stopped ---------------------------------------------------

sync_standbys "$standby1" "$standby2"
server_stop "$standby2" || not_ok "stopping standby2"
p0=$(scans "$primary") a0=$(scans "$standby1")
many_at_once pp_split info@example.com 's3cr3t!' 5 4
if [[ -z $bad ]]; then
    ok "standby2 stopped: 20 logins in 5 processes, all successful"
else
    not_ok "standby2 stopped: 5 processes of 4 logins (exit status, successes):$bad"
fi
wait_for 20 idle "$primary" "$standby1"
standby1_counted() { [[ $(($(scans "$standby1") - a0)) -ge 20 ]]; }
if wait_for 15 standby1_counted; then
    ok "standby2 stopped: standby1 answered the 20 lookups"
else
    not_ok "standby2 stopped: standby1 counted $(($(scans "$standby1") - a0)) lookups, want 20"
fi
check_eq "standby2 stopped: no lookup on the primary" "$(($(scans "$primary") - p0))" 0
server_start "$standby2" || bail "starting standby2 again"
if ! wait_for 30 streaming || ! sync_standbys "$standby1" "$standby2"; then
    not_ok "standby2 did not catch up again"
fi

# --- 7: the same through pgbouncer -------------------------------------------

t7=$SECONDS
SECRET=$(psql_at "$primary" -d postgres -Atc "SELECT rolpassword FROM pg_authid WHERE rolname = '$ROLE'")
[[ $SECRET == SCRAM-SHA-256\$* ]] || bail "role $ROLE has no SCRAM secret"
# Here only: its "SCRAM-SHA-256$" would make pieces the suite-wide check
# could find in any test's lines that name the method.
secrets+=("$SECRET")
bports=()
for i in 0 1 2; do
    server=$primary
    [[ $i -eq 1 ]] && server=$standby1
    [[ $i -eq 2 ]] && server=$standby2
    bouncer_start "$PP_TMP/bouncer$i" "$(port_of "$server")" "$ROLE" "$SECRET" ||
        bail "starting pgbouncer in front of $(basename "$server")"
    bports+=("$B_PORT")
done
ok "three pgbouncers (transaction pooling) on 127.0.0.1:${bports[0]}, :${bports[1]}, :${bports[2]}"
write_conf pp_bouncers "postgresql-conninfo = $(conninfo "${bports[@]}")" "${SPLIT_KEYS[@]}" "query-timeout = 2000"

spread_reads "pgbouncer" pp_bouncers
change_lands "pgbouncer" pp_bouncers "$PP_TMP/pp_bouncers.conf" chgb@example.com Sb-chgb-new1 Sb-chgb-new2
sync_standbys "$standby1" "$standby2"
server_stop "$primary" || bail "stopping the primary (pgbouncer)"
primary_down "pgbouncer" pp_bouncers "$PP_TMP/pp_bouncers.conf" chgb@example.com Sb-chgb-down
server_start "$primary" || bail "starting the primary again (pgbouncer)"
# pgbouncer logs in to a server that failed again only after
# server_login_retry (1 s here); until then it refuses every client.
bouncer_serves() {
    [[ $(PGPASSWORD=$ROLE_PASSWORD PGSSLMODE=disable psql -X -h 127.0.0.1 -p "$1" -U "$ROLE" \
        -d powermail -Atc 'SELECT 1' 2>/dev/null) == 1 ]]
}
wait_for 10 bouncer_serves "${bports[0]}" || not_ok "pgbouncer in front of the primary: no session within 10 s of its start"
change_after_restart "pgbouncer" pp_bouncers chgb@example.com Sb-chgb-up
secret Sb-chgb-up
echo "# pgbouncer: $((SECONDS - t7)) s"

# --- 8: nothing printed holds a secret ----------------------------------------

leaked=
for s in "${secrets[@]}"; do
    [[ -n $s ]] || continue
    s=${s#\{*\}}   # a stored value's scheme may be printed, the rest not
    [[ ${#s} -ge 4 ]] || continue
    grep -qF -- "$s" "$alloutput" && leaked+=" '${s:0:3}...'"
done
if [[ -z $leaked ]]; then
    ok "no password, stored value or database secret in anything pamtester, pptool or the module printed"
else
    not_ok "the output holds secrets starting with$leaked"
fi
# What the module logged, each line once, for the harness's secrets check
# (it reads the "SYSLOG(" lines of every test's output) and the reader.
grep -a 'SYSLOG(' "$alloutput" | sed -E 's/^.*(SYSLOG\()/\1/' | sort | uniq -c | diag
echo "# total: $((SECONDS - t0)) s"

echo "1..$n"
[[ $failed -eq 0 ]]
