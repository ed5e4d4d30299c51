#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_fail2ban.sh -- TAP test: the project's fail2ban filter bans for the
# module's refusals and never for a database outage, on the module's real
# lines from real Dovecot logins, with Debian's fail2ban.
#
# A private Dovecot (tests/dovecot.bash, pam_wrapper in its auth worker
# only) takes POP3 and IMAP logins from several client addresses
# (curl --interface 127.0.0.N: Dovecot passes that rip as PAM_RHOST): wrong
# passwords, an unknown and a forward address, successes (logged: debug is
# on), and logins while the test's database is stopped.  The module's lines
# in Dovecot's log, as pam_wrapper writes them ("PWRAP_...SYSLOG(n): MSG"),
# become what syslog writes for pam_syslog ("Mmm dd hh:mm:ss HOST auth[PID]:
# pam_powermail(SERVICE:auth): MSG"; PID is the auth worker's, SERVICE the
# one Dovecot's own line names for that login: libpam's prefix, which
# pam_wrapper leaves out).  Then, with a private copy of /etc/fail2ban (the
# original only read) holding the project's filter beside common.conf:
#   - fail2ban-regex with the project's filter matches every refusal with
#     its client's address and no line of an outage or a success;
#   - fail2ban-regex with the stock "dovecot" filter on Dovecot's own log
#     counts the outage's logins as failures (the hazard INSTALL section 8
#     describes), as far as this release's filter knows Dovecot's form
#     (tests/dovecot.bash: DOVECOT_STOCK_FILTER_SEES_OUTAGE);
#   - a real fail2ban-server in the foreground (private socket, pidfile,
#     database, log; a file backend on a log the test appends to; an action
#     that only writes the address to a file): fifty logins during an outage
#     from one address ban nobody, then five wrong passwords from another
#     ban that one.  Waits are bounded polls; the server is stopped.
#
# Environment (tests/CONVENTIONS.md): PP_TOP, PP_BUILD, PP_TMP, PGHOST,
# PGPORT, PP_PGSUPER, PP_PGDB, PP_PGCTL, PP_PRELOAD.  Needs Dovecot, curl,
# libpam-wrapper, fail2ban (tools/deps.sh dovecot, check, mail).

set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tap.bash
. "$here/tap.bash"
require_env PP_TOP PP_BUILD PP_TMP PGHOST PP_PGSUPER PP_PGDB PP_PGCTL
export LC_ALL=C
PATH=$PATH:/usr/sbin:/sbin
PP_PRELOAD=${PP_PRELOAD:-}
PP_TMP=$(cd "$PP_TMP" && pwd)
chmod 755 "$PP_TMP"

MODULE=$PP_BUILD/pam_powermail.so
PW='s3cr3t!'
F2B=$PP_TMP/fail2ban            # the private configuration directory
SYSLOG=$PP_TMP/auth.log         # the module's lines as syslog writes them
BANS=$PP_TMP/bans               # the dummy action's output
SOCK=$PP_TMP/f2b.sock
F2B_PIDFILE=$PP_TMP/f2b.pid
CURL_MAX=10

# shellcheck source=tests/dovecot.bash
. "$here/dovecot.bash"

db_stopped= f2b_pid=
touch "$PP_TMP/.start"
cleanup() {
    local rc=$? d
    trap - EXIT INT TERM HUP
    if [[ -n $f2b_pid ]] && kill -0 "$f2b_pid" 2>/dev/null; then
        fail2ban-client -s "$SOCK" stop >/dev/null 2>&1 || kill -TERM "$f2b_pid"
        for _ in $(seq 1 100); do kill -0 "$f2b_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$f2b_pid" 2>/dev/null
    fi
    dovecot_stop >/dev/null 2>&1
    for d in $(dovecot_pam_dirs); do rm -rf -- "$d"; done
    [[ -n $db_stopped ]] && $PP_PGCTL start >/dev/null 2>&1
    exit "$rc"
}
on_exit cleanup

# --- prerequisites ------------------------------------------------------------
missing=()
need_commands dovecot doveadm curl psql fail2ban-regex fail2ban-server fail2ban-client
[[ -f $MODULE ]] || missing+=("$MODULE")
[[ -n $DOVECOT_SERIES ]] || missing+=("Dovecot 2.3 or 2.4")
[[ -n $(dovecot_libexec) ]] || missing+=("dovecot's auth binary")
[[ -f /etc/fail2ban/filter.d/common.conf ]] || missing+=(/etc/fail2ban/filter.d/common.conf)
end_if_missing
F2B_VERSION=$(fail2ban-server -V 2>/dev/null | head -n 1)
ok "prerequisites: Dovecot $(dovecot --version | cut -d' ' -f1), fail2ban $F2B_VERSION"

# --- the userbase, PAM services, Dovecot ----------------------------------------
if out=$(psql -X -q -v ON_ERROR_STOP=1 -U "$PP_PGSUPER" -d "$PP_PGDB" \
    -f "$PP_TOP/sql/sample.sql" 2>&1); then
    ok "sql/sample.sql loaded"
else
    not_ok "sql/sample.sql loaded"; diag <<<"$out"
fi
if [[ $(id -u) -eq 0 ]]; then
    mail_uid=$(id -u nobody) mail_gid=$(id -g nobody) login_user=dovenull internal_user=dovecot
else
    mail_uid=$(id -u) mail_gid=$(id -g) login_user=$(id -un) internal_user=$(id -un)
fi
umask 022
mkdir -p "$PP_TMP/pam.d" "$PP_TMP/run" "$PP_TMP/state" "$PP_TMP/mail"
chown "$mail_uid:$mail_gid" "$PP_TMP/mail"
# pamconf has debug on: a success is logged too, and shown not to be matched.
{ $PP_PGCTL pamconf && printf '%s\n' "connect-timeout = 5"; } >"$PP_TMP/pp.conf"
chmod 600 "$PP_TMP/pp.conf"
for svc in pop3 imap; do
    printf '%s\n' "auth    required $MODULE config=$PP_TMP/pp.conf" \
        "account required $MODULE config=$PP_TMP/pp.conf" >"$PP_TMP/pam.d/$svc"
done
printf '%s\n' "auth required pam_deny.so" "account required pam_deny.so" >"$PP_TMP/pam.d/other"

DV_INSTANCE=pp-t-fail2ban DV_RUN=$PP_TMP/run DV_STATE=$PP_TMP/state DV_LOG=$PP_TMP/dovecot.log
DV_MAIL=$PP_TMP/mail DV_LOGIN_USER=$login_user DV_INTERNAL_USER=$internal_user
DV_MAIL_UID=$mail_uid DV_MAIL_GID=$mail_gid DV_WORKER=$PP_TMP/auth-worker
DV_PAM_MAX_REQUESTS=1000 DV_CONF=$PP_TMP/dovecot.conf DV_PAMD=$PP_TMP/pam.d
DV_MARKER=$PP_TMP/.start
if dovecot_start; then
    ok "dovecot started (pop3 127.0.0.1:$DV_POP3_PORT, imap 127.0.0.1:$DV_IMAP_PORT)"
else
    bail "dovecot started" "$DOVECOT_START_ERROR"
fi


# The module's lines in Dovecot's log since byte offset FROM, as syslog
# writes them (see the header).  Dovecot's timestamp is "Mmm dd hh:mm:ss",
# syslog's day is blank-padded.
syslog_lines() {
    tail -c +"$(($1 + 1))" "$DV_LOG" | awk -v host="$(hostname)" '
        match($0, /service=(pop3|imap)/) { svc = substr($0, RSTART + 8, RLENGTH - 8) }
        /PWRAP_[A-Z]+\[[^]]*\] - SYSLOG\([0-9]\): / {
            pid = $0; sub(/^.*PWRAP_[A-Z]+\[[^]]* \(/, "", pid); sub(/\).*$/, "", pid)
            msg = $0; sub(/^.*\] - SYSLOG\([0-9]\): /, "", msg)
            printf "%s %2d %s %s auth[%s]: pam_powermail(%s:auth): %s\n", $1, $2, $3, host, pid, svc, msg
        }'
}
log_size() { stat -c %s "$DV_LOG"; }

# wait_lines FROM COUNT REGEX: until COUNT module lines since FROM match
# (Dovecot's log process writes asynchronously), at most 10 s.
wait_lines() {
    local _
    for _ in $(seq 1 100); do
        [[ $(syslog_lines "$1" | grep -Ec -- "$3") -ge $2 ]] && return 0
        sleep 0.1
    done
    return 1
}

# --- the logins -----------------------------------------------------------------
# address: what it does.  Refusals from .2 to .5, a success from .6.
start=$(log_size)
rcs=
dovecot_login pop3 2 info@example.com wrong-pw; rcs+=" $?"
dovecot_login imap 3 info@example.com wrong-pw; rcs+=" $?"
dovecot_login pop3 4 nobody@example.com "$PW"; rcs+=" $?"
dovecot_login imap 5 forward@example.com "$PW"; rcs+=" $?"
dovecot_login pop3 6 info@example.com "$PW"; rcs+=" $?"
if [[ $rcs == " 67 67 67 67 0" ]]; then
    ok "wrong password (.2 POP3, .3 IMAP), unknown (.4) and forward (.5) refused, .6 in"
else
    not_ok "wrong password, unknown, forward refused, right password in (curl:$rcs)"
fi
# The outage: the right password from .7, a wrong one from .8.
db_stopped=1
$PP_PGCTL stop >/dev/null 2>&1 || not_ok "database stopped"
outage=$(log_size)
rcs=
dovecot_login pop3 7 info@example.com "$PW"; rcs+=" $?"
dovecot_login imap 8 info@example.com wrong-pw; rcs+=" $?"
[[ $rcs == " 67 67" ]] && ok "database down: logins from .7 and .8 refused" ||
    not_ok "database down: logins from .7 and .8 refused (curl:$rcs)"
wait_lines "$outage" 2 'userbase unavailable' || not_ok "the outage's module lines in Dovecot's log"
$PP_PGCTL start >/dev/null 2>&1 && db_stopped=
wait_lines "$start" 4 'rhost=127\.0\.0\.[2-5] ' || not_ok "the refusals' module lines in Dovecot's log"
wait_lines "$start" 1 'authenticated.*rhost=127\.0\.0\.6 ' || not_ok "the success's module line in Dovecot's log"
syslog_lines "$start" >"$SYSLOG"
diag <"$SYSLOG"  # the lines fail2ban reads, for the record

# --- fail2ban's configuration, a private copy -------------------------------------
# The original is only read; the copy gets the project's filter beside
# common.conf, no jail of the system's, and the test's own jail and action.
rm -rf "$F2B"
cp -a /etc/fail2ban "$F2B"
rm -f "$F2B"/jail.d/* "$F2B"/fail2ban.d/*
cp "$PP_TOP/etc/fail2ban/filter.d/pam_powermail.conf" "$F2B/filter.d/"

# regex FILTER LOG: the addresses fail2ban-regex matches in LOG, one a line.
regex() { fail2ban-regex -o ip "$2" "$F2B/filter.d/$1.conf" 2>&1; }
# count_of ADDR TEXT: how many lines of TEXT are exactly ADDR.
count_of() { grep -cx -- "${1//./\\.}" <<<"$2"; }

matched=$(regex pam_powermail "$SYSLOG")
want=$'127.0.0.2\n127.0.0.3\n127.0.0.4\n127.0.0.5'
if [[ $matched == "$want" ]]; then
    ok "project filter: wrong passwords (.2, .3), unknown (.4), forward (.5) matched with the client's address"
else
    not_ok "project filter: the four refusals matched with their addresses, nothing else"
    diag <<<"matched:"$'\n'"$matched"
fi
for addr in 6 7 8; do
    lines=$(grep -c "rhost=127\.0\.0\.$addr " "$SYSLOG")
    if [[ $lines -ge 1 && $(count_of "127.0.0.$addr" "$matched") -eq 0 ]]; then
        ok "project filter: none of the $lines module line(s) from 127.0.0.$addr matched ($([[ $addr == 6 ]] && echo success || echo outage))"
    else
        not_ok "project filter: 127.0.0.$addr's $lines line(s) present and not matched"
    fi
done

# The stock filter on Dovecot's own log of the outage.
wait_dovecot_failed() { # FROM COUNT ADDR-ERE
    local _
    for _ in $(seq 1 100); do
        [[ $(tail -c +"$(($1 + 1))" "$DV_LOG" | grep -E -- "$DOVECOT_AUTH_FAILED_RE" |
            grep -Ec -- "rip=$3,") -ge $2 ]] && return 0
        sleep 0.1
    done
    return 1
}
wait_dovecot_failed "$outage" 2 '127\.0\.0\.[78]' ||
    not_ok "Dovecot logged the outage's two logins as failed ($DOVECOT_AUTH_FAILED_RE)"
tail -c +"$((outage + 1))" "$DV_LOG" >"$PP_TMP/dovecot-outage.log"
stock=$(regex dovecot "$PP_TMP/dovecot-outage.log")
n7=$(count_of 127.0.0.7 "$stock") n8=$(count_of 127.0.0.8 "$stock")
if [[ $DOVECOT_STOCK_FILTER_SEES_OUTAGE == yes ]]; then
    if [[ $n7 -ge 1 && $n8 -ge 1 ]]; then
        ok "stock dovecot filter (fail2ban $F2B_VERSION): the outage's logins from .7 ($n7) and .8 ($n8) count as failures: the hazard"
    else
        not_ok "stock dovecot filter (fail2ban $F2B_VERSION): the outage's logins count as failures (.7: $n7, .8: $n8)"
    fi
else
    if [[ $n7 -eq 0 && $n8 -eq 0 ]]; then
        ok "stock dovecot filter (fail2ban $F2B_VERSION) does not know Dovecot $DOVECOT_SERIES's failed-login line: the outage is not counted here (a later filter that knows it would)"
    else
        not_ok "stock dovecot filter (fail2ban $F2B_VERSION): tests/dovecot.bash says it does not match Dovecot $DOVECOT_SERIES's line, yet .7: $n7, .8: $n8"
    fi
fi
diag <<<"stock dovecot filter on the outage's part of Dovecot's log matched: ${stock//$'\n'/ }"

# The stock filter with the auth-failed lines ignored, as INSTALL section 8
# shows it: the outage is not counted.
printf '%s\n' '[Definition]' 'ignoreregex = \((?:auth failed, \d+ attempts|auth_failed)' \
    >"$F2B/filter.d/dovecot.local"
stock=$(regex dovecot "$PP_TMP/dovecot-outage.log")
if [[ $(count_of 127.0.0.7 "$stock") -eq 0 && $(count_of 127.0.0.8 "$stock") -eq 0 ]]; then
    ok "stock dovecot filter with INSTALL's dovecot.local: the outage's logins are not counted"
else
    not_ok "stock dovecot filter with INSTALL's dovecot.local: the outage's logins are not counted"
    diag <<<"$stock"
fi
rm -f "$F2B/filter.d/dovecot.local"

# --- a real fail2ban-server ---------------------------------------------------------
JAILLOG=$PP_TMP/jail.log
: >"$JAILLOG" >"$BANS"
cat >"$F2B/action.d/pp-banfile.conf" <<ACTION
# Generated by tests/t_fail2ban.sh: no firewall, the address to a file.
[Definition]
actionstart =
actionstop =
actioncheck =
actionban = echo <ip> >> $BANS
actionunban =
ACTION
cat >"$F2B/fail2ban.local" <<LOCAL
[Definition]
logtarget = $PP_TMP/fail2ban.log
socket = $SOCK
pidfile = $F2B_PIDFILE
dbfile = $PP_TMP/fail2ban.sqlite3
LOCAL
cat >"$F2B/jail.local" <<JAIL
[DEFAULT]
ignoreself = false
ignoreip =
usedns = no

[pp-mail]
enabled = true
filter = pam_powermail
backend = polling
logpath = $JAILLOG
maxretry = 5
findtime = 1h
bantime = 1h
action = pp-banfile
JAIL
TZ=UTC fail2ban-server -f -x -c "$F2B" -s "$SOCK" -p "$F2B_PIDFILE" </dev/null \
    >"$PP_TMP/fail2ban-server.out" 2>&1 &
f2b_pid=$!
client() { fail2ban-client -c "$F2B" -s "$SOCK" "$@" 2>&1; }
up=
for _ in $(seq 1 200); do
    client status pp-mail >/dev/null && { up=1; break; }
    kill -0 "$f2b_pid" 2>/dev/null || break
    sleep 0.1
done
if [[ -n $up ]]; then
    ok "fail2ban-server started in the foreground (pid $f2b_pid), jail pp-mail with the project's filter"
else
    not_ok "fail2ban-server started with jail pp-mail"
    diag <"$PP_TMP/fail2ban-server.out"
    tail -n 20 "$PP_TMP/fail2ban.log" 2>/dev/null | diag
    echo "1..$n"
    exit 1
fi

# Fifty logins during an outage from 127.0.0.9, right and wrong passwords.
db_stopped=1
$PP_PGCTL stop >/dev/null 2>&1 || not_ok "database stopped"
from=$(log_size)
refused=0
for i in $(seq 1 25); do
    dovecot_login pop3 9 info@example.com "$PW" || refused=$((refused + 1))
    dovecot_login imap 9 info@example.com "wrong-$i" || refused=$((refused + 1))
done
wait_lines "$from" 50 'userbase unavailable: .*; rhost=127\.0\.0\.9 ' ||
    not_ok "fifty outage lines from 127.0.0.9 in Dovecot's log"
$PP_PGCTL start >/dev/null 2>&1 && db_stopped=
syslog_lines "$from" >>"$JAILLOG"
# Then five wrong passwords from 127.0.0.4.
from=$(log_size)
for i in 1 2 3 4 5; do dovecot_login pop3 4 info@example.com "wrong-$i"; done
wait_lines "$from" 5 'authentication failed: .*; rhost=127\.0\.0\.4 ' ||
    not_ok "five wrong-password lines from 127.0.0.4 in Dovecot's log"
syslog_lines "$from" >>"$JAILLOG"
ok "fifty logins refused during the outage ($refused), then five wrong passwords, appended to the jail's log ($(wc -l <"$JAILLOG") lines)"

# The ban of .4 comes after fail2ban has read the outage's lines before it.
banned=
for _ in $(seq 1 300); do
    grep -qx '127\.0\.0\.4' "$BANS" && { banned=1; break; }
    sleep 0.1
done
status=$(client status pp-mail)
if [[ -n $banned ]]; then
    ok "five wrong passwords from 127.0.0.4 ban it"
else
    not_ok "five wrong passwords from 127.0.0.4 ban it (nothing in $BANS after 30 s)"
    diag <<<"$status"
fi
if [[ $(cat "$BANS") == 127.0.0.4 ]] && grep -q 'Total failed:[[:space:]]*5$' <<<"$status" &&
    grep -q 'Banned IP list:[[:space:]]*127\.0\.0\.4[[:space:]]*$' <<<"$status"; then
    ok "the outage's fifty logins from 127.0.0.9 banned nobody and counted no failure (Total failed: 5)"
else
    not_ok "the outage banned nobody and counted no failure"
    diag <<<"bans: $(cat "$BANS")"$'\n'"$status"
fi

# --- stop ---------------------------------------------------------------------------
client stop >/dev/null
for _ in $(seq 1 100); do kill -0 "$f2b_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$f2b_pid" 2>/dev/null; then
    not_ok "fail2ban-server stopped"
else
    wait "$f2b_pid" 2>/dev/null
    f2b_pid=
    ok "fail2ban-server stopped"
fi
dovecot_stop_checked
echo "1..$n"
[[ $failed -eq 0 ]]
