#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_saslauthd.sh -- TAP test: Cyrus saslauthd (sasl2-bin, `-a pam`: how
# Postfix and Cyrus reach PAM) checks logins through pam_powermail.so against
# the test userbase, asked with testsaslauthd.
#
# Two private saslauthd instances, each in the foreground (-d) with its own
# working directory under $PP_TMP (-m: socket "mux", pid file, cache files):
#   plain   `saslauthd -a pam`
#   cached  `saslauthd -a pam -c`, the credential cache that Debian's default
#           OPTIONS in /etc/default/saslauthd turn on
# saslauthd forks its workers without exec, so its process image is the one
# that calls PAM: pam_wrapper is preloaded into it (a directory of its own in each process that calls PAM) and
# reads the services from $PP_TMP/pam.d: smtp (the module), and "other"
# (deny all).
#
# Checks, on what testsaslauthd is answered: right password OK; wrong
# password, unknown address, forward address and a service without the module
# NO; the database stopped: NO as for a wrong password (saslauthd has no
# "try later"), except from the cache, which keeps answering OK for a
# password it holds; the database back: OK.  A password changed in the
# database: the old one is refused at once without -c and still accepted with
# -c, until a login with the new one replaces it in the cache.  Both stopped,
# nothing of theirs left (processes, pam_wrapper directories).
#
# Environment (tests/CONVENTIONS.md): PP_TOP, PP_BUILD, PP_TMP, PGHOST,
# PP_PGSUPER, PP_PGDB, PP_PGCTL, PP_PRELOAD, PP_SECRETS.
# Needs sasl2-bin and libpam-wrapper (tools/deps.sh).

set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tap.bash
. "$here/tap.bash"
# shellcheck source=tests/pamtester.bash
. "$here/pamtester.bash"
# shellcheck source=tests/pwrap_dirs.bash
. "$here/pwrap_dirs.bash"
require_env PP_TOP PP_BUILD PP_TMP PGHOST PP_PGSUPER PP_PGDB PP_PGCTL
export LC_ALL=C
PATH=$PATH:/usr/sbin:/sbin

MODULE=$PP_BUILD/pam_powermail.so
PAMD=$PP_TMP/pam.d
PPCONF=$PP_TMP/pp.conf
PW='s3cr3t!'
# A mailbox of this test's own, whose password it changes.
CHG=saslauthd-change@example.com
OLD_PW='old-Sasl-pw-4711'
NEW_PW='new-Sasl-pw-0815'
[[ -n ${PP_SECRETS:-} ]] && printf '%s\n' "$OLD_PW" "$NEW_PW" >>"$PP_SECRETS"

super_sql() {
    psql -X -q -At -v ON_ERROR_STOP=1 -U "$PP_PGSUPER" -d "$PP_PGDB" -c "$1" 2>&1
}

# ----------------------------------------------------------------------------
# cleanup: database back, both daemons stopped, their pam_wrapper directories gone
# ----------------------------------------------------------------------------
touch "$PP_TMP/.start"
declare -A daemon_pid=()
db_stopped=

daemon_pids() { # the masters and their workers, as now
    local p
    for p in "${daemon_pid[@]}"; do
        echo "$p"
        ps -o pid= --ppid "$p" 2>/dev/null
    done | tr -d ' ' | grep -E '^[0-9]+$'
}

stop_all() {
    local pids p _
    pids=$(daemon_pids)
    [[ -n $pids ]] || return 0
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null
    for _ in $(seq 1 100); do
        for p in $pids; do kill -0 "$p" 2>/dev/null && break; p=; done
        [[ -z $p ]] && return 0
        sleep 0.1
    done
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null
    return 1
}

cleanup() {
    local rc=$? d
    trap - EXIT INT TERM HUP
    stop_all
    # shellcheck disable=SC2086
    for d in $(pwrap_dirs "$PP_TMP/.start" ${daemon_pid[@]+"${daemon_pid[@]}"}); do rm -rf -- "$d"; done
    [[ -n $db_stopped ]] && $PP_PGCTL start >/dev/null 2>&1
    super_sql "DELETE FROM mboxes WHERE mbox = '$CHG'" >/dev/null
    exit "$rc"
}
on_exit cleanup

# ----------------------------------------------------------------------------
# prerequisites, userbase, PAM services
# ----------------------------------------------------------------------------
missing=()
need_commands saslauthd testsaslauthd psql
[[ -f $MODULE ]] || missing+=("$MODULE")
ldconfig -p 2>/dev/null | grep -q 'libpam_wrapper\.so ' || missing+=(libpam_wrapper.so)
# Failing, not skipping: a missing package must show (tools/deps.sh mail).
end_if_missing
ok "prerequisites: $(saslauthd -v 2>&1 | head -n 1), testsaslauthd, pam_wrapper, $MODULE"

out=$(psql -X -q -v ON_ERROR_STOP=1 -U "$PP_PGSUPER" -d "$PP_PGDB" -f "$PP_TOP/sql/sample.sql" 2>&1 &&
    super_sql "INSERT INTO mboxes (mbox, password) VALUES ('$CHG', '{plain}$OLD_PW')
               ON CONFLICT (mbox) DO UPDATE SET password = EXCLUDED.password")
rc=$?
if [[ $rc -eq 0 ]]; then
    ok "sql/sample.sql loaded, and $CHG with a password of its own"
else
    not_ok "sql/sample.sql loaded, and $CHG" && diag <<<"$out"
fi

umask 022
mkdir -p "$PAMD"
{ $PP_PGCTL pamconf && echo "connect-timeout = 5"; } >"$PPCONF"
chmod 600 "$PPCONF"
printf '%s\n' "auth    required $MODULE config=$PPCONF" \
    "account required $MODULE config=$PPCONF" >"$PAMD/smtp"
use_pam_wrapper "$PAMD"
# pam_wrapper 1.1.7 makes its directories in $TMPDIR (tests/pwrap_dirs.bash)
PWRAP_TMPDIR=$PP_TMP/pwrap
mkdir -p "$PWRAP_TMPDIR"
wrapper_env+=(TMPDIR="$PWRAP_TMPDIR")

# ----------------------------------------------------------------------------
# the two saslauthd instances
# ----------------------------------------------------------------------------
# start NAME OPTION...: saslauthd -a pam -d -m $PP_TMP/NAME OPTION..., its
# log $PP_TMP/NAME.log; ready when its socket accepts a connection.
start() {
    local name=$1 dir=$PP_TMP/$1 ready='' _
    shift
    mkdir -p "$dir"
    # Its own session: on SIGTERM saslauthd signals its whole process group.
    setsid env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "${wrapper_env[@]}" \
        saslauthd -a pam -d -n 2 -m "$dir" "$@" >"$PP_TMP/$name.log" 2>&1 </dev/null &
    daemon_pid[$name]=$!
    for _ in $(seq 1 100); do
        if [[ -S $dir/mux ]] && /usr/bin/python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' "$dir/mux" 2>/dev/null; then
            ready=1
            break
        fi
        kill -0 "${daemon_pid[$name]}" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -n $ready ]]; then
        ok "saslauthd -a pam -d -n 2 -m \$PP_TMP/$name${*:+ $*} started (pid ${daemon_pid[$name]}, socket $dir/mux)"
    else
        not_ok "saslauthd -a pam -d -n 2 -m \$PP_TMP/$name${*:+ $*} started"
        tail -n 20 "$PP_TMP/$name.log" | diag
        echo "1..$n"
        exit 1
    fi
}
start plain
start cached -c

# ask NAME SERVICE USER PASSWORD: testsaslauthd on NAME's socket; sets
# $out (its answer) and $rc.
ask() {
    out=$(timeout 30 testsaslauthd -f "$PP_TMP/$1/mux" -s "$2" -u "$3" -p "$4" 2>&1)
    rc=$?
}
# expect_answer NAME SERVICE USER PASSWORD OK|NO DESC
expect_answer() {
    local want=$5 desc=$6
    ask "$1" "$2" "$3" "$4"
    if [[ $want == OK && $rc -eq 0 && $out == '0: OK "Success."' ]] ||
        [[ $want == NO && $rc -ne 0 && $out == '0: NO "authentication failed"' ]]; then
        ok "$desc: $out"
    else
        not_ok "$desc: want $want, got exit $rc"
        diag <<<"$out"
        tail -n 10 "$PP_TMP/$1.log" | diag
    fi
}

# ----------------------------------------------------------------------------
# logins
# ----------------------------------------------------------------------------
expect_answer plain smtp info@example.com "$PW" OK "right password"
expect_answer plain smtp md5@example.com "$PW" OK "right password ({md5} stored)"
expect_answer plain smtp info@example.com 's3cr3t' NO "wrong password"
expect_answer plain smtp nobody@example.com "$PW" NO "unknown address"
expect_answer plain smtp forward@example.com "$PW" NO "forward address"
expect_answer plain imap info@example.com "$PW" NO \
    "service imap (no such PAM service: \"other\" denies): the PAM service is testsaslauthd's -s"
# The cache learns info@example.com's password.
expect_answer cached smtp info@example.com "$PW" OK "-c: right password"
expect_answer cached smtp info@example.com 's3cr3t' NO "-c: wrong password"

# ----------------------------------------------------------------------------
# the database stopped, and back
# ----------------------------------------------------------------------------
db_stopped=1
if out=$($PP_PGCTL stop 2>&1); then
    ok "database stopped"
else
    not_ok "database stopped" && diag <<<"$out"
fi
mark=$(stat -c %s "$PP_TMP/plain.log")
expect_answer plain smtp info@example.com "$PW" NO \
    "database down: right password answered as a wrong one"
diag <<<"saslauthd logs for it: $(tail -c +"$((mark + 1))" "$PP_TMP/plain.log" | grep -v 'SYSLOG(' | grep -i 'fail' | head -n 3)"
expect_answer plain smtp nobody@example.com "$PW" NO "database down: unknown address"
expect_answer cached smtp info@example.com "$PW" OK \
    "database down, -c: a password in the cache is still accepted (PAM is not asked)"
expect_answer cached smtp md5@example.com "$PW" NO \
    "database down, -c: a password not in the cache is refused"
if out=$($PP_PGCTL start 2>&1); then
    db_stopped=
    ok "database started again"
else
    not_ok "database started again" && diag <<<"$out"
fi
expect_answer plain smtp info@example.com "$PW" OK "database back: right password"
expect_answer cached smtp md5@example.com "$PW" OK "database back, -c: right password"

# ----------------------------------------------------------------------------
# a password changed in the database
# ----------------------------------------------------------------------------
expect_answer plain smtp "$CHG" "$OLD_PW" OK "$CHG: its password"
expect_answer cached smtp "$CHG" "$OLD_PW" OK "-c: $CHG: its password (now cached)"
if out=$(super_sql "UPDATE mboxes SET password = '{plain}$NEW_PW' WHERE mbox = '$CHG'"); then
    ok "$CHG: password changed in the database"
else
    not_ok "$CHG: password changed in the database" && diag <<<"$out"
fi
expect_answer plain smtp "$CHG" "$OLD_PW" NO "changed: without -c the old password is refused at once"
expect_answer plain smtp "$CHG" "$NEW_PW" OK "changed: without -c the new password is accepted"
expect_answer cached smtp "$CHG" "$OLD_PW" OK \
    "changed: with -c the OLD password is still accepted (from the cache, until -t's TTL, 8 h by default)"
expect_answer cached smtp "$CHG" "$NEW_PW" OK "changed: with -c the new password is accepted"
expect_answer cached smtp "$CHG" "$OLD_PW" NO \
    "changed: with -c, once the new password logged in, it replaced the old one in the cache"

# ----------------------------------------------------------------------------
# logs, stop
# ----------------------------------------------------------------------------
# (PWRAP_ERROR lines that are not SYSLOG( are pam_wrapper's own errors.)
bad=$(grep -hE 'AddressSanitizer|LeakSanitizer|runtime error:|PWRAP_ERROR[^ ]* [^ ]*\] - [^S]' "$PP_TMP/plain.log" "$PP_TMP/cached.log" | head -n 10)
if [[ -z $bad ]]; then
    ok "saslauthd's logs have no sanitizer report or pam_wrapper error"
else
    not_ok "saslauthd's logs have no sanitizer report or pam_wrapper error" && diag <<<"$bad"
fi
# The module's lines (PAM_WRAPPER_DEBUGLEVEL=2: to saslauthd's stderr), for
# the harness's look for secrets.
grep -h 'SYSLOG(' "$PP_TMP/plain.log" "$PP_TMP/cached.log" | sed 's/^/# /'

pids=$(daemon_pids)
want=(libpam_wrapper)
[[ -n ${PP_PRELOAD:-} ]] && want+=("$(basename "$PP_PRELOAD")")
for w in "${want[@]}"; do
    without=()
    for p in $pids; do grep -qF -- "$w" "/proc/$p/maps" 2>/dev/null || without+=("$p"); done
    if [[ -n $pids && ${#without[@]} -eq 0 ]]; then
        ok "every saslauthd process has $w loaded"
    else
        not_ok "every saslauthd process has $w loaded" && diag <<<"without: ${without[*]}"
    fi
done
# shellcheck disable=SC2086
dirs=$(pwrap_dirs "$PP_TMP/.start" $pids)
# pam_wrapper starts in the first pam_start() of a process: each process that
# served a login (the master too) has a directory of its own.
if [[ -n $dirs ]]; then
    ok "PAM ran under pam_wrapper: $(wc -l <<<"$dirs") pam_wrapper directories of saslauthd processes (${dirs//$'\n'/ })"
else
    not_ok "PAM ran under pam_wrapper: a pam_wrapper directory of saslauthd processes" && diag <<<"pids: ${pids//$'\n'/ }"
fi
if stop_all; then
    left=()
    # shellcheck disable=SC2086
    for p in $pids; do kill -0 "$p" 2>/dev/null && left+=("$p"); done
    if [[ ${#left[@]} -eq 0 ]]; then
        ok "both saslauthd stopped, none of their $(wc -w <<<"$pids") processes left"
    else
        not_ok "both saslauthd stopped" && diag <<<"left: ${left[*]}"
    fi
else
    not_ok "both saslauthd stopped on SIGTERM (killed)"
fi
# shellcheck disable=SC2086
stale=$(pwrap_dirs "$PP_TMP/.start" $pids)
# shellcheck disable=SC2086
[[ -n $stale ]] && rm -rf -- $stale
# shellcheck disable=SC2086
still=$(pwrap_dirs "$PP_TMP/.start" $pids)
if [[ -z $still ]]; then
    ok "no pam_wrapper directory of theirs is left${stale:+ (removed after them: ${stale//$'\n'/ })}"
else
    not_ok "no pam_wrapper directory of theirs is left" && diag <<<"$still"
fi

echo "1..$n"
[[ $failed -eq 0 ]]
