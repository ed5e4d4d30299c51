#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_fail2ban_journal.sh -- TAP test: the shipped fail2ban filter, on the
# systemd journal, takes the module's refusals from the consumers'
# processes only, in every PAM call (auth, account, chauthtok), and never a
# line a local user forged, an outage or a success.
#
# A real systemd-journald, private to the test: the script runs itself again
# in a mount namespace of its own (unshare -m, as root) where /run is a
# tmpfs, /dev an overlay with /dev/log pointing at that journald's syslog
# socket, and /sys/fs/cgroup the cgroup2 hierarchy, in which the test makes
# a slice of its own with a cgroup for each sender: journald sets
# _SYSTEMD_UNIT from it, _COMM from /proc, _UID from the socket, as for a
# consumer under systemd.  Senders, each in its cgroup:
#   dovecot.service     a private Dovecot (tests/dovecot.bash; pam_wrapper
#                       in its auth worker, told to pass the module's lines
#                       to libpam's own pam_syslog: PAM_WRAPPER_USE_SYSLOG):
#                       POP3/IMAP logins from 127.0.0.2-7, a wrong password,
#                       an unknown address, a success, an outage
#   pp-passwd.service   pamtester (under pam_wrapper, to libpam's pam_syslog
#                       as well) as a password-change front end, which
#                       INSTALL section 8 adds as another consumer:
#                       chauthtok with a wrong current password, for an
#                       unknown address, during an outage, with the right
#                       one; acct_mgmt for a forward address
#   session-pp.scope    the user nobody forging the module's lines, five
#                       each: python3's syslog, python3 named "auth"
#                       (prctl), logger -t auth
# A short-lived sender is held a zombie until its lines are in the journal:
# journald reads _COMM and _SYSTEMD_UNIT from /proc as it takes a line.
# Then fail2ban-regex reads the journal file (systemd-journal[journalfiles=])
# with the project's filter: its journalmatch as shipped, then with the
# front end added as INSTALL says (the shipped jail, its journalmatch line
# taken in, read by fail2ban-client -d).
#
# Environment (tests/CONVENTIONS.md): PP_TOP, PP_BUILD, PP_TMP, PGHOST,
# PP_PGSUPER, PP_PGDB, PP_PGCTL, PP_PRELOAD, PP_SECRETS.  Needs root,
# Dovecot, curl, pamtester, libpam-wrapper, fail2ban, python3-systemd,
# systemd's journald (tools/deps.sh dovecot, check, mail).

set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tap.bash
. "$here/tap.bash"
require_env PP_TOP PP_BUILD PP_TMP PGHOST PP_PGSUPER PP_PGDB PP_PGCTL
export LC_ALL=C
PATH=$PATH:/usr/sbin:/sbin
PP_PRELOAD=${PP_PRELOAD:-}
PP_TMP=$(cd "$PP_TMP" && pwd)

JOURNALD=
for f in /usr/lib/systemd/systemd-journald /lib/systemd/systemd-journald; do
    [[ -x $f ]] && { JOURNALD=$f; break; }
done

# --- into a mount namespace of our own ------------------------------------------
if [[ -z ${PP_F2B_NAMESPACE:-} ]]; then
    missing=()
    [[ $(id -u) -eq 0 ]] || missing+=("root (mount namespace, cgroups)")
    need_commands unshare setpriv logger
    [[ -n $JOURNALD ]] || missing+=("systemd-journald")
    end_if_missing
    PP_F2B_NAMESPACE=1 exec unshare --mount --propagation private -- "$BASH" "$0" "$@"
fi

chmod 755 "$PP_TMP"
MODULE=$PP_BUILD/pam_powermail.so
PW='s3cr3t!'
F2B=$PP_TMP/fail2ban            # a private copy of /etc/fail2ban
CURL_MAX=10
CG_ROOT=/sys/fs/cgroup
CG=$CG_ROOT/pp-t-fail2ban-$$.slice

# shellcheck source=tests/dovecot.bash
. "$here/dovecot.bash"
# shellcheck source=tests/pamtester.bash
. "$here/pamtester.bash"

journald_pid=
touch "$PP_TMP/.start"
cleanup() {
    local rc=$? d
    trap - EXIT INT TERM HUP
    dovecot_stop >/dev/null 2>&1
    for d in $(dovecot_pam_dirs); do rm -rf -- "$d"; done
    if [[ -n $journald_pid ]]; then
        kill -TERM "$journald_pid" 2>/dev/null
        wait "$journald_pid" 2>/dev/null
    fi
    # The slice is in the machine's cgroup hierarchy, not only ours.
    echo $$ >"$CG_ROOT/cgroup.procs" 2>/dev/null
    for d in "$CG"/*/ "$CG"; do [[ -d $d ]] && rmdir "$d" 2>/dev/null; done
    exit "$rc"
}
on_exit cleanup

# --- prerequisites ------------------------------------------------------------
missing=()
need_commands dovecot doveadm curl psql pamtester fail2ban-regex fail2ban-client journalctl
[[ -f $MODULE ]] || missing+=("$MODULE")
[[ -n $DOVECOT_SERIES ]] || missing+=("Dovecot 2.3 or 2.4")
[[ -n $(dovecot_libexec) ]] || missing+=("dovecot's auth binary")
[[ -f /etc/fail2ban/filter.d/common.conf ]] || missing+=(/etc/fail2ban/filter.d/common.conf)
/usr/bin/python3 -c 'import systemd.journal' 2>/dev/null || missing+=(python3-systemd)
end_if_missing
F2B_VERSION=$(fail2ban-server -V 2>/dev/null | head -n 1)
ok "prerequisites: Dovecot $(dovecot --version | cut -d' ' -f1), fail2ban $F2B_VERSION, journald of $(journalctl --version | head -n 1 | cut -d' ' -f1,2)"

# --- the private journald ---------------------------------------------------------
# /run: journald's sockets and its volatile journal; /dev: an overlay of the
# real one (what is mounted below it bound again), plus /dev/log; cgroup2
# where journald looks for a sender's unit.
setup_namespace() {
    local m
    mount --make-rprivate / &&
        mount -t tmpfs -o mode=755 tmpfs /run &&
        mkdir -p "$PP_TMP/dev.upper" "$PP_TMP/dev.work" "$PP_TMP/dev.real" &&
        mount --rbind /dev "$PP_TMP/dev.real" &&
        mount -t overlay overlay \
            -o "lowerdir=/dev,upperdir=$PP_TMP/dev.upper,workdir=$PP_TMP/dev.work" /dev ||
        return 1
    for m in $(awk '$2 ~ "^/dev/[^/]+$" { print $2 }' /proc/self/mounts | sort -u); do
        [[ -d $m ]] && mount --rbind "$PP_TMP/dev.real/${m#/dev/}" "$m" 2>/dev/null
    done
    ln -sf /run/systemd/journal/dev-log /dev/log &&
        mount -t cgroup2 cgroup2 "$CG_ROOT" &&
        mkdir -p "$CG/dovecot.service" "$CG/pp-passwd.service" "$CG/session-pp.scope" &&
        mkdir -p /run/systemd/journal /run/systemd/journald.conf.d /run/log &&
        printf '%s\n' '[Journal]' Storage=volatile ReadKMsg=no ForwardToSyslog=no \
            ForwardToWall=no ForwardToConsole=no RateLimitBurst=0 \
            >/run/systemd/journald.conf.d/pp-test.conf
}
if ! setup_namespace 2>"$PP_TMP/namespace.err"; then
    not_ok "private /run, /dev/log and cgroup slice in a mount namespace"
    diag <"$PP_TMP/namespace.err"
    echo "1..$n"
    exit 1
fi
# A root made by debootstrap may have an empty machine-id: journald needs one.
if [[ ! -s /etc/machine-id && -e /etc/machine-id ]]; then
    /usr/bin/python3 -c 'import uuid; print(uuid.uuid4().hex)' >"$PP_TMP/machine-id"
    mount --bind "$PP_TMP/machine-id" /etc/machine-id
fi
"$JOURNALD" >"$PP_TMP/journald.out" 2>&1 </dev/null &
journald_pid=$!
for _ in $(seq 1 100); do
    [[ -S /run/systemd/journal/dev-log ]] && break
    kill -0 "$journald_pid" 2>/dev/null || break
    sleep 0.1
done
if [[ -S /run/systemd/journal/dev-log ]]; then
    ok "a private systemd-journald (pid $journald_pid), /dev/log its socket, slice ${CG#"$CG_ROOT"/}"
else
    not_ok "a private systemd-journald listening on /dev/log"
    diag <"$PP_TMP/journald.out"
    echo "1..$n"
    exit 1
fi
JDIR=/run/log/journal

# in_cgroup UNIT CMD...: CMD in the cgroup UNIT of the test's slice.
in_cgroup() {
    local unit=$1
    shift
    (echo "$BASHPID" >"$CG/$unit/cgroup.procs" && "$@")
}
# module_entries: the module's entries in the journal, one a line:
# "UNIT COMM UID MESSAGE".
module_entries() {
    journalctl -D "$JDIR" -q -o json --no-pager SYSLOG_FACILITY=10 2>/dev/null |
        /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    m = e.get("MESSAGE")
    if isinstance(m, str) and m.startswith("pam_powermail("):
        print(e.get("_SYSTEMD_UNIT", "-"), e.get("_COMM", "-"), e.get("_UID", "-"), m)'
}
# wait_entries COUNT ERE: until COUNT module entries match, at most 10 s.
wait_entries() {
    local _
    for _ in $(seq 1 100); do
        [[ $(module_entries | grep -Ec -- "$2") -ge $1 ]] && return 0
        sleep 0.1
    done
    return 1
}

# --- the userbase, PAM services ------------------------------------------------------
if out=$(psql -X -q -v ON_ERROR_STOP=1 -U "$PP_PGSUPER" -d "$PP_PGDB" \
    -f "$PP_TOP/sql/sample.sql" 2>&1); then
    ok "sql/sample.sql loaded"
else
    not_ok "sql/sample.sql loaded"; diag <<<"$out"
fi
[[ -n ${PP_SECRETS:-} ]] && printf '%s\n' "$PW" wrong-pw-1 Jnl-new-pw-1 >>"$PP_SECRETS"
umask 022
mkdir -p "$PP_TMP/pam.d" "$PP_TMP/run" "$PP_TMP/state" "$PP_TMP/mail"
mail_uid=$(id -u nobody) mail_gid=$(id -g nobody)
chown "$mail_uid:$mail_gid" "$PP_TMP/mail"
# pamconf has debug on: a success is logged too, and shown not to be matched.
{ $PP_PGCTL pamconf && printf '%s\n' "connect-timeout = 5"; } >"$PP_TMP/pp.up"
# The outage: the same, but a port on 127.0.0.1 where nothing listens.
down_port=$(dovecot_free_port)
sed -e 's/^postgresql-host = .*/postgresql-host = 127.0.0.1/' \
    -e "s/^postgresql-port = .*/postgresql-port = $down_port/" "$PP_TMP/pp.up" >"$PP_TMP/pp.down"
chmod 600 "$PP_TMP/pp.up" "$PP_TMP/pp.down"
cp -p "$PP_TMP/pp.up" "$PP_TMP/pp.conf"
# use_config up|down: Dovecot's file becomes the other (a new inode: the
# module's cache sees the change).
use_config() {
    cp -p "$PP_TMP/pp.$1" "$PP_TMP/pp.conf.new" && mv -f "$PP_TMP/pp.conf.new" "$PP_TMP/pp.conf"
}
for svc in pop3 imap; do
    printf '%s\n' "auth    required $MODULE config=$PP_TMP/pp.conf" \
        "account required $MODULE config=$PP_TMP/pp.conf" >"$PP_TMP/pam.d/$svc"
done
for state in up down; do
    printf '%s\n' "auth     required $MODULE config=$PP_TMP/pp.$state" \
        "account  required $MODULE config=$PP_TMP/pp.$state" \
        "password required $MODULE config=$PP_TMP/pp.$state" >"$PP_TMP/pam.d/pp-passwd-$state"
done
printf '%s\n' "auth required pam_deny.so" "account required pam_deny.so" \
    "password required pam_deny.so" >"$PP_TMP/pam.d/other"

# --- Dovecot in dovecot.service -----------------------------------------------------
DV_INSTANCE=pp-t-fail2ban-journal DV_RUN=$PP_TMP/run DV_STATE=$PP_TMP/state DV_LOG=$PP_TMP/dovecot.log
DV_MAIL=$PP_TMP/mail DV_LOGIN_USER=dovenull DV_INTERNAL_USER=dovecot
DV_MAIL_UID=$mail_uid DV_MAIL_GID=$mail_gid DV_WORKER=$PP_TMP/auth-worker
DV_PAM_MAX_REQUESTS=1000 DV_CONF=$PP_TMP/dovecot.conf DV_PAMD=$PP_TMP/pam.d
DV_MARKER=$PP_TMP/.start
echo $$ >"$CG/dovecot.service/cgroup.procs"
dovecot_start
started=$?
echo $$ >"$CG_ROOT/cgroup.procs"
# The auth worker starts at the first login and reads its script then: the
# module's lines to libpam's pam_syslog, as without pam_wrapper.
if [[ $started -eq 0 ]] &&
    sed -i 's/^exec /PAM_WRAPPER_USE_SYSLOG=1; export PAM_WRAPPER_USE_SYSLOG\nexec /' "$DV_WORKER"; then
    ok "dovecot started in dovecot.service (pop3 127.0.0.1:$DV_POP3_PORT, imap 127.0.0.1:$DV_IMAP_PORT)"
else
    bail "dovecot started" "${DOVECOT_START_ERROR:-}"
fi

rcs=
dovecot_login pop3 2 info@example.com wrong-pw-1; rcs+=" $?"
dovecot_login imap 3 nobody@example.com "$PW"; rcs+=" $?"
dovecot_login pop3 6 info@example.com "$PW"; rcs+=" $?"
use_config down
dovecot_login imap 7 info@example.com "$PW"; rcs+=" $?"
use_config up
if [[ $rcs == " 67 67 0 67" ]]; then
    ok "Dovecot: wrong password (.2), unknown address (.3) refused, .6 in, .7 refused in an outage"
else
    not_ok "Dovecot: .2 .3 refused, .6 in, .7 refused in an outage (curl:$rcs)"
fi
wait_entries 4 '^dovecot\.service .*rhost=127\.0\.0\.[2367] ' ||
    not_ok "Dovecot's module lines in the journal"
comm=$(module_entries | awk '$1 == "dovecot.service" { print $2 }' | sort -u)
if [[ $comm == auth ]]; then
    ok "Dovecot $DOVECOT_SERIES's auth worker writes the module's lines as _COMM=auth, as the filter's journalmatch names it"
else
    not_ok "Dovecot $DOVECOT_SERIES's auth worker's _COMM is auth (journal: '${comm//$'\n'/ }')"
fi

# held RELEASE CMD...: CMD, kept a zombie once it exits until RELEASE exists
# (at most 10 s); CMD's exit status.  journald reads a sender's _COMM and
# _SYSTEMD_UNIT from /proc when it takes the line: a short-lived sender
# reaped before then leaves the entry without them (which no journalmatch
# of the filter matches either).
held() {
    local release=$1
    shift
    /usr/bin/python3 -c '
import os, sys, time
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
for _ in range(100):
    if os.path.exists(sys.argv[1]):
        break
    time.sleep(0.1)
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))' "$release" "$@"
}

# --- pamtester in pp-passwd.service: a password-change front end -------------------
# chtok STATE RHOST USER ANSWERS...: chauthtok as a front end asks it (the
# current password needed: PAM_CHANGE_EXPIRED_AUTHTOK, as root), one
# answer a line; in the background, held until $PP_TMP/release.passwd.
chtok() {
    local state=$1 rhost=$2 user=$3
    shift 3
    printf '%s\n' "$@" | in_cgroup pp-passwd.service held "$PP_TMP/release.passwd" \
        env "${wrapper_env[@]}" PAM_WRAPPER_USE_SYSLOG=1 pamtester -I "rhost=$rhost" \
        "pp-passwd-$state" "$user" 'chauthtok(PAM_CHANGE_EXPIRED_AUTHTOK)' \
        >"$PP_TMP/pamtester.$rhost" 2>&1
}
use_pam_wrapper "$PP_TMP/pam.d"
pids=()
chtok up 198.51.100.20 info@example.com wrong-pw-1 Jnl-new-pw-1 Jnl-new-pw-1 &
pids+=($!)
chtok up 198.51.100.21 nobody@example.com "$PW" Jnl-new-pw-1 Jnl-new-pw-1 &
pids+=($!)
chtok down 198.51.100.22 info@example.com "$PW" Jnl-new-pw-1 Jnl-new-pw-1 &
pids+=($!)
# The right current password: the SELECT-only role cannot store the new one.
chtok up 198.51.100.23 info@example.com "$PW" Jnl-new-pw-1 Jnl-new-pw-1 &
pids+=($!)
in_cgroup pp-passwd.service held "$PP_TMP/release.passwd" env "${wrapper_env[@]}" \
    PAM_WRAPPER_USE_SYSLOG=1 pamtester -I rhost=198.51.100.24 pp-passwd-up \
    forward@example.com acct_mgmt </dev/null >"$PP_TMP/pamtester.198.51.100.24" 2>&1 &
pids+=($!)
# .23: twice "authenticated" (both passes check the current password), then
# the refused write; one line each for the others.
wait_entries 7 'rhost=198\.51\.100\.2[0-4]$' ||
    not_ok "pamtester's seven module lines in the journal"
touch "$PP_TMP/release.passwd"
rcs=
for p in "${pids[@]}"; do wait "$p"; rcs+=" $?"; done
if [[ $rcs == " 1 1 1 1 1" ]]; then
    ok "pamtester: chauthtok refused (wrong current password .20, unknown .21, outage .22, not stored .23), acct_mgmt refused (forward .24)"
else
    not_ok "pamtester: four chauthtok and one acct_mgmt refused (exit statuses:$rcs)"
    cat "$PP_TMP"/pamtester.198.* | diag
fi
senders=$(module_entries | awk '/rhost=198\.51\.100\.2[0-4]$/ { print $1, $2 }' | sort -u)
if [[ $senders == "pp-passwd.service pamtester" ]]; then
    ok "journald: pamtester's lines from pp-passwd.service, _COMM=pamtester"
else
    not_ok "journald: pamtester's lines from pp-passwd.service, _COMM=pamtester (got: ${senders//$'\n'/, })"
fi

# --- nobody forges the module's lines, in a session ----------------------------------
# forge RHOST [COMM]: python3 as nobody, five lines; COMM its name (prctl).
forge() {
    in_cgroup session-pp.scope held "$PP_TMP/release.forged" \
        setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/python3 -c '
import ctypes, sys, syslog
if len(sys.argv) > 2:
    ctypes.CDLL(None).prctl(15, sys.argv[2].encode(), 0, 0, 0)  # PR_SET_NAME
for _ in range(5):
    syslog.syslog(syslog.LOG_AUTHPRIV | syslog.LOG_NOTICE,
        "pam_powermail(imap:auth): mailbox x@example.com: unknown address; rhost=" + sys.argv[1])
' "$@"
}
pids=()
forge 198.51.100.77 & pids+=($!)
forge 198.51.100.78 auth & pids+=($!)
for _ in 1 2 3 4 5; do
    in_cgroup session-pp.scope held "$PP_TMP/release.forged" \
        setpriv --reuid=nobody --regid=nogroup --clear-groups \
        logger -p authpriv.notice -t auth \
        'pam_powermail(imap:auth): mailbox x@example.com: unknown address; rhost=198.51.100.79' &
    pids+=($!)
done
wait_entries 15 'rhost=198\.51\.100\.7[789]$' || not_ok "the forged lines in the journal"
touch "$PP_TMP/release.forged"
for p in "${pids[@]}"; do wait "$p"; done
forged=$(module_entries | awk '/rhost=198\.51\.100\.7[789]$/ { print $1, $2, $3 }' | sort | uniq -c |
    tr -s ' ' | paste -sd, -)
if [[ $forged == " 5 session-pp.scope auth 65534, 5 session-pp.scope logger 65534, 5 session-pp.scope python3 65534" ]]; then
    ok "nobody forged fifteen authpriv lines; journald: session-pp.scope, _UID 65534, _COMM python3, auth (prctl), logger"
else
    not_ok "the forged lines' fields as journald set them (count unit comm uid:$forged)"
fi
module_entries | sed 's/^[^ ]* [^ ]* [^ ]* /SYSLOG(journal): /' | diag

# --- fail2ban-regex on the journal ---------------------------------------------------
rm -rf "$F2B"
cp -a /etc/fail2ban "$F2B"
rm -f "$F2B"/jail.d/* "$F2B"/fail2ban.d/*
cp "$PP_TOP/etc/fail2ban/filter.d/pam_powermail.conf" "$F2B/filter.d/"
JFILES=$(find "$JDIR" -name '*.journal' | paste -sd' ' -)
# regex [JOURNALMATCH]: the addresses the filter matches in the journal, one
# a line, sorted; the filter's own journalmatch unless one is given.
regex() {
    local opts=()
    [[ $# -gt 0 ]] && opts=(-m "$1")
    fail2ban-regex -o ip "${opts[@]}" "systemd-journal[journalfiles=\"$JFILES\"]" \
        "$F2B/filter.d/pam_powermail.conf" 2>&1 | sort
}
shipped=$(sed -n 's/^journalmatch = //p' "$F2B/filter.d/pam_powermail.conf")
matched=$(regex)
if [[ $matched == $'127.0.0.2\n127.0.0.3' ]]; then
    ok "shipped filter on the journal: Dovecot's wrong password (.2) and unknown address (.3), nothing else"
else
    not_ok "shipped filter on the journal: Dovecot's .2 and .3 only"
    diag <<<"matched:"$'\n'"$matched"
fi
for a in 198.51.100.77 198.51.100.78 198.51.100.79 127.0.0.6 127.0.0.7; do
    case $a in
        *.77) what="nobody's python3" ;; *.78) what="nobody's python3 named auth" ;;
        *.79) what="nobody's logger -t auth" ;; *.6) what="Dovecot's success" ;;
        *.7) what="Dovecot's outage" ;;
    esac
    if ! grep -qx -- "${a//./\\.}" <<<"$matched"; then
        ok "shipped filter: $what ($a) not matched"
    else
        not_ok "shipped filter: $what ($a) not matched"
    fi
done
# What the filter's journalmatch replaced: the facility alone takes the forgeries.
facility=$(regex SYSLOG_FACILITY=10)
if grep -qx '198\.51\.100\.77' <<<"$facility" && [[ $(grep -cx '198\.51\.100\.7[789]' <<<"$facility") -eq 15 ]]; then
    ok "journalmatch SYSLOG_FACILITY=10 alone would take nobody's fifteen lines (the old filter's hazard)"
else
    not_ok "journalmatch SYSLOG_FACILITY=10 alone takes nobody's fifteen lines"
    diag <<<"$facility"
fi

# INSTALL section 8: the shipped jail as pam_powermail.local, its
# journalmatch line taken in for another consumer.
front_end='_SYSTEMD_UNIT=pp-passwd.service _COMM=pamtester SYSLOG_FACILITY=10'
sed "s|^#journalmatch = \(%(known/journalmatch)s + \).*|journalmatch = \1$front_end|" \
    "$PP_TOP/etc/fail2ban/jail.d/pam_powermail.conf.example" >"$F2B/jail.d/pam_powermail.local"
dump=$(fail2ban-client -c "$F2B" -d 2>&1)
added=$(sed -n "s/^\['set', 'pam_powermail', 'addjournalmatch', \(.*\)\]$/\1/p" <<<"$dump" |
    tr -d "',")
want="$shipped + $front_end"
if [[ $added == "$want" ]]; then
    ok "the shipped jail with its journalmatch line taken in adds the front end to the filter's (fail2ban-client -d)"
else
    not_ok "the shipped jail with its journalmatch line taken in adds the front end to the filter's"
    diag <<<"want: $want"$'\n'"got: $added"$'\n'"$(grep -i 'journal\|error' <<<"$dump" | head -n 10)"
fi
matched=$(regex "$want")
if [[ $matched == $'127.0.0.2\n127.0.0.3\n198.51.100.20\n198.51.100.21\n198.51.100.24' ]]; then
    ok "with the front end: its wrong current password (.20), unknown address (.21) in chauthtok, forward address (.24) in acct_mgmt matched"
else
    not_ok "with the front end: .20, .21 (chauthtok) and .24 (acct_mgmt) matched besides Dovecot's .2, .3, nothing else"
    diag <<<"matched:"$'\n'"$matched"
fi
for a in 198.51.100.22 198.51.100.23; do
    [[ $a == *.22 ]] && what="chauthtok in an outage" || what="chauthtok with the right password, not stored"
    lines=$(module_entries | grep -c "rhost=${a//./\\.}\$")
    if [[ $lines -ge 1 ]] && ! grep -qx -- "${a//./\\.}" <<<"$matched"; then
        ok "with the front end: none of the $lines line(s) of $what ($a) matched"
    else
        not_ok "with the front end: $what ($a) logged and not matched ($lines line(s))"
    fi
done

# --- stop -------------------------------------------------------------------------------
dovecot_stop_checked
echo "1..$n"
[[ $failed -eq 0 ]]
