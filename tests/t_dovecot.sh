#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_dovecot.sh -- TAP test: Debian's Dovecot (2.3 on Debian 12, 2.4 on
# Debian 13) authenticates POP3 and IMAP logins through pam_powermail.so
# against the test PostgreSQL userbase.
#
# A private Dovecot instance (configuration, sockets, state, log and mail all
# under $PP_TMP, 127.0.0.1 on two free high ports) whose configuration, in
# either series' syntax, comes from tests/dovecot.bash: a static passdb that
# only sets nodelay (failures answered at once), passdb pam with the protocol
# as the PAM service, no auth cache.  The log checks are built on that
# file's dovecot_pam_re, so they read both series' log formats.
#
# PAM runs under pam_wrapper, so /etc/pam.d is never touched: the services
# pop3, imap (and a deny-all "other") are files in $PP_TMP/pam.d.  pam_wrapper
# claims a directory (1.1.4: /tmp/pam.X, 62 names; 1.1.7: $TMPDIR/pam.XXXXXX,
# tests/pwrap_dirs.bash) in every process image that loads
# it, and only a normal exit() removes it.  With import_environment =
# LD_PRELOAD PAM_WRAPPER ... every Dovecot process loads it: tried here, a
# start and six logins made 13 directories (3 by the master, which re-executes
# itself, then config, log, anvil, stats, auth, auth-worker, login
# processes...) and a clean stop left 10 of them behind (exec, chroot and
# privilege drops defeat pam_wrapper's destructor).  Dovecot has no
# per-service environment, so the auth-worker service -- the only process
# that calls PAM: Dovecot's PAM passdb always runs in the auth worker -- gets a generated executable,
# $PP_TMP/auth-worker, a shell script that sets LD_PRELOAD and PAM_WRAPPER*
# and execs Dovecot's real auth binary.  No other Dovecot process sees
# pam_wrapper, and the one directory goes when the worker exits.
#
# The sanitized build (PP_PRELOAD set) works the same way, with the ASan
# runtime first in the auth worker's LD_PRELOAD, ASAN_OPTIONS, and:
#   - UID_WRAPPER_DISABLE_DEEPBIND=1: pam_wrapper 1.1.4 dlopen()s libpam with
#     RTLD_DEEPBIND, which ASan refuses (the worker exits at its first login);
#   - the auth worker's vsz_limit unlimited: with Dovecot's default 256 MB
#     address-space limit ASan cannot map its shadow memory ("ReserveShadow-
#     MemoryRange failed", the worker dies with signal 6).
# No other Dovecot process loads the runtime.
#
# Checks: right passwords over POP3 and IMAP (mailbox listed), wrong password,
# unknown address and forward address refused (and what Dovecot and the module
# log), doveadm auth test, the database stopped (refused, logged as
# PAM_AUTHINFO_UNAVAIL and not as a password mismatch) and started again (in
# at once), and that nothing is left running.
#
# Environment (tests/CONVENTIONS.md): PP_TOP, PP_BUILD, PP_TMP, PGHOST, PGPORT,
# PP_PGSUPER, PP_PGDB, PP_PGUSER, PP_PGPASSWORD, PP_PGCTL, PP_PRELOAD.
# Needs dovecot-core, dovecot-pop3d, dovecot-imapd, curl, libpam-wrapper
# (tools/deps.sh dovecot, check).

set -u

here=$(cd "$(dirname "$0")" && pwd)
PP_TOP=${PP_TOP:-$(cd "$here/.." && pwd)}
PP_BUILD=${PP_BUILD:-$PP_TOP/build}
PP_BUILD=$(cd "$PP_BUILD" && pwd)
PP_PRELOAD=${PP_PRELOAD:-}
if [[ -z ${PP_TMP:-} ]]; then
    PP_TMP=$(mktemp -d /tmp/pp-dovecot.XXXXXX)
    chmod 755 "$PP_TMP"
    own_tmp=1
else
    PP_TMP=$(cd "$PP_TMP" && pwd)
    own_tmp=
fi
export LC_ALL=C
PATH=$PATH:/usr/sbin:/sbin

MODULE=$PP_BUILD/pam_powermail.so
CONF=$PP_TMP/dovecot.conf
LOG=$PP_TMP/dovecot.log
RUN=$PP_TMP/run
STATE=$PP_TMP/state
MAIL=$PP_TMP/mail
PAMD=$PP_TMP/pam.d
PPCONF=$PP_TMP/pp.conf
WORKER=$PP_TMP/auth-worker
INSTANCE=pp-t-dovecot
CURL_MAX=10     # seconds for one client session
PW='s3cr3t!'

start_time=$(date +%s.%N)

# ----------------------------------------------------------------------------
# TAP (tests/tap.bash), and Dovecot's log with a failed check
# ----------------------------------------------------------------------------
# shellcheck source=tests/tap.bash
. "$here/tap.bash"
log_mark=0      # byte offset in $LOG where the current check's lines start

# The Dovecot log lines written since the last mark (tail of them).
log_since() {
    [[ -f $LOG ]] || return 0
    tail -c +"$((log_mark + 1))" "$LOG" 2>/dev/null
}
mark_log() {
    log_mark=$(stat -c %s "$LOG" 2>/dev/null || echo 0)
}
# fail DESC DETAIL...: not_ok_diag, then what Dovecot logged meanwhile.
fail() {
    not_ok_diag "$@"
    if [[ -s $LOG ]]; then
        echo "#   Dovecot's log since the check began (last 25 lines):"
        log_since | tail -n 25 | cut -c 1-300 | sed 's/^/#     /'
    fi
}
note() { printf '# %s\n' "$@"; }

# ----------------------------------------------------------------------------
# cleanup: database back, Dovecot stopped, our pam_wrapper directories gone
# ----------------------------------------------------------------------------
db_stopped=
touch "$PP_TMP/.t_dovecot_start"   # pam_wrapper dirs newer than this may be ours
cleanup() {
    local rc=$? d
    trap - EXIT INT TERM HUP
    dovecot_stop >/dev/null 2>&1
    for d in $(dovecot_pam_dirs); do rm -rf -- "$d"; done
    if [[ -n $db_stopped ]]; then
        $PP_PGCTL start >/dev/null 2>&1 || echo "# could not restart the database" >&2
    fi
    [[ -n $own_tmp ]] && rm -rf "$PP_TMP"
    exit "$rc"
}
on_exit cleanup

# ----------------------------------------------------------------------------
# prerequisites
# ----------------------------------------------------------------------------
missing=()
need_commands dovecot doveadm doveconf curl psql
pwrap=$(ldconfig -p 2>/dev/null | awk '/libpam_wrapper\.so /{print $NF; exit}')
[[ -n $pwrap ]] || pwrap=/usr/lib/x86_64-linux-gnu/libpam_wrapper.so
[[ -f $pwrap ]] || missing+=(libpam_wrapper.so)
[[ -f $MODULE ]] || missing+=("$MODULE")
# shellcheck source=tests/dovecot.bash
. "$here/dovecot.bash"
[[ -n $(dovecot_libexec) ]] || missing+=("dovecot's auth binary")
[[ -n $DOVECOT_SERIES ]] || missing+=("Dovecot 2.3 or 2.4")
for v in PGHOST PGPORT PP_PGSUPER PP_PGDB PP_PGUSER PP_PGPASSWORD PP_PGCTL; do
    [[ -n ${!v:-} ]] || missing+=("\$$v")
done
# Failing, not skipping: a missing package must show (tools/deps.sh dovecot).
end_if_missing
ok "prerequisites: Dovecot $(dovecot --version | cut -d' ' -f1) (series $DOVECOT_SERIES), curl, pam_wrapper, $MODULE"

# Users: the mail files belong to an unprivileged user; Dovecot's internal
# and login users are the Debian package's.
if [[ $(id -u) -eq 0 ]]; then
    mail_user=nobody
    mail_uid=$(id -u nobody) mail_gid=$(id -g nobody)
    login_user=dovenull internal_user=dovecot
else
    # Not root: everything runs as us (Dovecot then cannot change users).
    mail_user=$(id -un)
    mail_uid=$(id -u) mail_gid=$(id -g)
    login_user=$mail_user internal_user=$mail_user
fi

# ----------------------------------------------------------------------------
# the userbase
# ----------------------------------------------------------------------------
out=$(psql -X -q -v ON_ERROR_STOP=1 -U "$PP_PGSUPER" -d "$PP_PGDB" \
    -f "$PP_TOP/sql/sample.sql" 2>&1)
rc=$?
if [[ $rc -eq 0 ]]; then
    ok "sql/sample.sql loaded"
else
    fail "sql/sample.sql loaded" "psql exit $rc" "$out"
fi

umask 022
mkdir -p "$PAMD" "$RUN" "$STATE" "$MAIL"
{ $PP_PGCTL pamconf && printf '%s\n' "connect-timeout = 5"; } >"$PPCONF"
chmod 600 "$PPCONF"
for svc in pop3 imap; do
    printf '%s\n' "auth    required $MODULE config=$PPCONF" \
        "account required $MODULE config=$PPCONF" >"$PAMD/$svc"
done
# libpam falls back to "other" for a service without a file (and logs an
# error on every pam_start when there is none): deny.
printf '%s\n' "auth required pam_deny.so" "account required pam_deny.so" \
    "password required pam_deny.so" "session required pam_deny.so" >"$PAMD/other"

# One message in info@example.com's INBOX, so that the POP3 listing has a line.
msgdir=$MAIL/info@example.com/Maildir
mkdir -p "$msgdir/new" "$msgdir/cur" "$msgdir/tmp"
printf 'From: postmaster@example.com\r\nTo: info@example.com\r\nSubject: t_dovecot\r\n\r\nhello\r\n' \
    >"$msgdir/new/1000000000.M1P1.t_dovecot"
msgsize=$(stat -c %s "$msgdir/new/1000000000.M1P1.t_dovecot")
chown -R "$mail_uid:$mail_gid" "$MAIL"

# ----------------------------------------------------------------------------
# Dovecot, with pam_wrapper in its auth worker only (tests/dovecot.bash)
# ----------------------------------------------------------------------------
DV_INSTANCE=$INSTANCE DV_RUN=$RUN DV_STATE=$STATE DV_LOG=$LOG DV_MAIL=$MAIL
DV_LOGIN_USER=$login_user DV_INTERNAL_USER=$internal_user
DV_MAIL_UID=$mail_uid DV_MAIL_GID=$mail_gid DV_WORKER=$WORKER DV_PAM_MAX_REQUESTS=1000
DV_CONF=$CONF DV_PAMD=$PAMD DV_MARKER=$PP_TMP/.t_dovecot_start
if ! dovecot_start; then
    fail "dovecot -c $CONF starts and listens on 127.0.0.1" "$DOVECOT_START_ERROR" \
        "$(doveconf -c "$CONF" -n 2>&1 | tail -n 5)"
    exit 1
fi
POP3_PORT=$DV_POP3_PORT IMAP_PORT=$DV_IMAP_PORT
ok "dovecot started (master $(dovecot_master_pid), pop3 127.0.0.1:$POP3_PORT, imap 127.0.0.1:$IMAP_PORT)"

# ----------------------------------------------------------------------------
# clients
# ----------------------------------------------------------------------------
# pop3 USER PASS / imap USER PASS: list the messages / mailboxes; sets
# out (curl's output and errors) and rc (curl's exit status: 0 in, 67 refused).
pop3() {
    out=$(curl -sS --max-time "$CURL_MAX" -u "$1:$2" "pop3://127.0.0.1:$POP3_PORT/" 2>&1)
    rc=$?
    out=${out//$'\r'/}
}
imap() {
    out=$(curl -sS --max-time "$CURL_MAX" -u "$1:$2" "imap://127.0.0.1:$IMAP_PORT/" 2>&1)
    rc=$?
    out=${out//$'\r'/}
}
# doveadm auth test as the POP3 service would ask; rc 0 success, 77 failure.
dvadm() {
    out=$(timeout 20 doveadm -c "$CONF" auth test -x service=pop3 "$1" "$2" 2>&1)
    rc=$?
}

# wait_log REGEX: true when a line since the mark matches (the log process
# writes asynchronously), waiting up to 3 s.
wait_log() {
    local _
    for _ in $(seq 1 30); do
        log_since | grep -Eq -- "$1" && return 0
        sleep 0.1
    done
    return 1
}

# Expect login success: listing checked by a regex on the output.
expect_in() { # PROTO USER PASS REGEX DESC
    local proto=$1 user=$2 pass=$3 re=$4 desc=$5
    mark_log
    "$proto" "$user" "$pass"
    if [[ $rc -eq 0 ]] && grep -Eq -- "$re" <<<"$out"; then
        ok "$desc"
    else
        fail "$desc" "curl exit $rc, output:" "$out"
    fi
}
expect_refused() { # PROTO USER PASS DESC
    local proto=$1 user=$2 pass=$3 desc=$4 t0 t1
    mark_log
    t0=$(date +%s%N)
    "$proto" "$user" "$pass"
    t1=$(date +%s%N)
    last_ms=$(((t1 - t0) / 1000000))
    if [[ $rc -eq 67 ]]; then
        ok "$desc (${last_ms} ms)"
    else
        fail "$desc" "curl exit $rc (67 = login denied), output:" "$out"
    fi
}
# expect_log REGEX DESC: a line since the mark matches.
expect_log() {
    if wait_log "$1"; then
        ok "$2"
    else
        fail "$2" "no log line matches /$1/"
    fi
}

# --- right passwords --------------------------------------------------------
expect_in pop3 info@example.com "$PW" "^1 $msgsize\$" \
    "POP3: info@example.com / s3cr3t! logs in, LIST shows its one message"
expect_log "$(dovecot_pam_re info@example.com)lookup service=pop3" \
    "log: the PAM passdb was asked with service pop3"
expect_log 'mailbox info@example.com: authenticated \(\{plain\}\)' \
    "log: the module says info@example.com authenticated ({plain})"
expect_in imap info@example.com "$PW" 'LIST .*INBOX' \
    "IMAP: info@example.com / s3cr3t! logs in, LIST shows INBOX"
expect_log "$(dovecot_pam_re info@example.com)lookup service=imap" \
    "log: the PAM passdb was asked with service imap"
for u in md5 crypt plain; do
    expect_in pop3 "$u@example.com" "$PW" '^$' "POP3: $u@example.com / s3cr3t! logs in, empty LIST"
    expect_in imap "$u@example.com" "$PW" 'LIST .*INBOX' "IMAP: $u@example.com / s3cr3t! logs in, LIST shows INBOX"
done

# --- refusals ---------------------------------------------------------------
# Fastest and slowest refusal.
min_ms=999999 max_ms=0
track_ms() {
    ((last_ms < min_ms)) && min_ms=$last_ms
    ((last_ms > max_ms)) && max_ms=$last_ms
    return 0
}
expect_refused pop3 info@example.com 's3cr3t' "POP3: info@example.com with a wrong password is refused"
track_ms
# Dovecot writes "... Authentication failure (Password mismatch?)" at Info;
# the first failure of each auth worker, though, is an Error ending in
# "(/etc/pam.d/pop3 missing?)": Dovecot looks for the real file once per
# process, without knowing of pam_wrapper.
expect_log "$(dovecot_pam_re info@example.com)pam_authenticate\(\) failed: Authentication failure" \
    "log: wrong password is PAM_AUTH_ERR (pam_authenticate() failed: Authentication failure)"
expect_log 'mailbox info@example.com: authentication failed' \
    "log: the module says authentication failed for info@example.com"
expect_refused imap info@example.com 's3cr3t' "IMAP: info@example.com with a wrong password is refused"
track_ms

expect_refused pop3 nobody@example.com "$PW" "POP3: unknown address nobody@example.com is refused"
track_ms
expect_log "$(dovecot_pam_re nobody@example.com)unknown user" \
    "log: unknown address is PAM_USER_UNKNOWN (Dovecot: unknown user)"
expect_log 'mailbox nobody@example.com: unknown address' \
    "log: the module says nobody@example.com is an unknown address"
expect_refused imap nobody@example.com "$PW" "IMAP: unknown address nobody@example.com is refused"
track_ms

expect_refused pop3 forward@example.com "$PW" "POP3: forward address forward@example.com is refused"
track_ms
expect_log 'mailbox forward@example.com: a forward address has no mailbox' \
    "log: the module says forward@example.com is a forward address"
expect_refused imap forward@example.com "$PW" "IMAP: forward address forward@example.com is refused"
track_ms

# Without nodelay Dovecot holds every failure >= 0.5 s (and the 127.0.0.1
# penalty grows to seconds after the first few), so one refusal answered
# faster shows that nodelay is in effect; the fastest one is checked, so
# that a single slow answer on a loaded machine does not count.
mark_log
if [[ $min_ms -lt 450 ]]; then
    ok "refusals answered without Dovecot's failure delay (fastest ${min_ms} ms, slowest ${max_ms} ms; the delay is >= 500 ms)"
else
    fail "refusals answered without Dovecot's failure delay (fastest ${min_ms} ms, slowest ${max_ms} ms; the delay is >= 500 ms)"
fi

# --- doveadm auth test ------------------------------------------------------
mark_log
dvadm info@example.com "$PW"
if [[ $rc -eq 0 ]] && grep -q 'auth succeeded' <<<"$out"; then
    ok "doveadm auth test info@example.com s3cr3t!: succeeded"
else
    fail "doveadm auth test info@example.com s3cr3t!: succeeded" "exit $rc" "$out"
fi
for case in "info@example.com|s3cr3t|wrong password" "nobody@example.com|$PW|unknown address" \
    "forward@example.com|$PW|forward address"; do
    IFS='|' read -r u p why <<<"$case"
    mark_log
    dvadm "$u" "$p"
    if [[ $rc -eq 77 ]] && grep -q 'auth failed' <<<"$out"; then
        ok "doveadm auth test $u ($why): failed"
    else
        fail "doveadm auth test $u ($why): failed (exit 77)" "exit $rc" "$out"
    fi
done

# --- the database stopped ---------------------------------------------------
mark_log
db_stopped=1
if out=$($PP_PGCTL stop 2>&1); then
    ok "database stopped"
else
    fail "database stopped" "$out"
fi
expect_refused pop3 info@example.com "$PW" "POP3: database down: info@example.com / s3cr3t! is refused"
expect_log "$(dovecot_pam_re info@example.com)pam_authenticate\(\) failed: Authentication service cannot retrieve authentication info" \
    "log: database down is PAM_AUTHINFO_UNAVAIL (Authentication service cannot retrieve authentication info)"
expect_log 'cannot reach the userbase' "log: the module says it cannot reach the userbase"
if log_since | grep -Eq 'password mismatch|Authentication failure|authentication failed'; then
    fail "log: database down is not logged as a password mismatch" \
        "$(log_since | grep -E 'password mismatch|Authentication failure|authentication failed')"
else
    ok "log: database down is not logged as a password mismatch"
fi
expect_refused imap info@example.com "$PW" "IMAP: database down: info@example.com / s3cr3t! is refused"
# What a client is told.  Dovecot 2.3's PAM passdb turns every PAM error but
# PAM_USER_UNKNOWN, PAM_NEW_AUTHTOK_REQD and PAM_ACCT_EXPIRED into
# "password_mismatch", so this is the reply to a wrong password too, not
# "[UNAVAILABLE] Temporary authentication failure".
reply=$(curl -sv --max-time "$CURL_MAX" -u "info@example.com:$PW" "pop3://127.0.0.1:$POP3_PORT/" 2>&1 |
    tr -d '\r' | grep -E '^< -ERR' | tail -n 1)
note "POP3 reply while the database is down: ${reply#< }"
mark_log
dvadm info@example.com "$PW"
if [[ $rc -eq 77 ]]; then
    ok "doveadm auth test: database down: refused"
else
    fail "doveadm auth test: database down: refused (exit 77)" "exit $rc" "$out"
fi

# --- and back ---------------------------------------------------------------
mark_log
if out=$($PP_PGCTL start 2>&1); then
    db_stopped=
    ok "database started again"
else
    fail "database started again" "$out"
fi
# No retry: auth_cache_size = 0, so the first attempt must get in.
expect_in pop3 info@example.com "$PW" "^1 $msgsize\$" \
    "POP3: database back: info@example.com gets in at once (no negative cache)"
expect_in imap info@example.com "$PW" 'LIST .*INBOX' \
    "IMAP: database back: info@example.com gets in at once"
mark_log
dvadm info@example.com "$PW"
if [[ $rc -eq 0 ]]; then
    ok "doveadm auth test: database back: succeeded"
else
    fail "doveadm auth test: database back: succeeded" "exit $rc" "$out"
fi

# --- the log as a whole -----------------------------------------------------
log_mark=0
dovecot_collect_pids
bad=$(grep -E 'AddressSanitizer|runtime error:|LeakSanitizer|Panic:|Fatal:|killed with signal|exited unexpectedly|PWRAP_ERROR[^ ]* [^ ]*\] - [^S]' "$LOG" | head -n 10)
if [[ -z $bad ]]; then
    ok "Dovecot's log has no sanitizer report, panic, fatal error or crashed process"
else
    fail "Dovecot's log has no sanitizer report, panic, fatal error or crashed process" "$bad"
fi
# Which of our running processes have pam_wrapper mapped: the auth worker
# (pid in the log as "auth-worker(PID)") and nothing else.
worker_pids=$(sed -En "s/.*$DOVECOT_WORKER_PID_RE.*/\\1/p" "$LOG" | sort -u)
with_pwrap=() not_worker=()
for p in "${DOVECOT_PIDS[@]}"; do
    grep -q 'libpam_wrapper' "/proc/$p/maps" 2>/dev/null || continue
    with_pwrap+=("$p")
    grep -qx -- "$p" <<<"$worker_pids" || not_worker+=("$p:$(ps -o args= -p "$p")")
done
if [[ ${#with_pwrap[@]} -ge 1 && ${#not_worker[@]} -eq 0 ]]; then
    ok "pam_wrapper is loaded by the auth worker only (pid ${with_pwrap[*]} of ${#DOVECOT_PIDS[@]} Dovecot processes seen)"
else
    fail "pam_wrapper is loaded by the auth worker only" \
        "processes with pam_wrapper: ${with_pwrap[*]:-none}; not an auth worker: ${not_worker[*]:-none}"
fi

if [[ -n $PP_PRELOAD ]]; then
    # The sanitized module really ran under ASan: its runtime is in the worker.
    asan_in=()
    for p in "${with_pwrap[@]}"; do
        grep -qF -- "$(basename "$PP_PRELOAD")" "/proc/$p/maps" 2>/dev/null && asan_in+=("$p")
    done
    if [[ ${#with_pwrap[@]} -ge 1 && ${#asan_in[@]} -eq ${#with_pwrap[@]} ]]; then
        ok "the auth worker runs with the sanitizer runtime $(basename "$PP_PRELOAD")"
    else
        fail "the auth worker runs with the sanitizer runtime $(basename "$PP_PRELOAD")" \
            "workers: ${with_pwrap[*]:-none}; with the runtime: ${asan_in[*]:-none}"
    fi
fi

# --- stop ---------------------------------------------------------------------
mark_log
if dovecot_stop && [[ -z $(dovecot_alive_pids) ]]; then
    ok "dovecot stopped, none of its ${#DOVECOT_PIDS[@]} processes left"
else
    fail "dovecot stopped, none of its processes left" "still alive: $(dovecot_alive_pids)"
fi
left=$(dovecot_pam_dirs)
for d in $left; do rm -rf -- "$d"; done
# Anything still there whose pid file names one of our processes?
# shellcheck disable=SC2046
still=$(pwrap_dirs "$PP_TMP/.t_dovecot_start" $(dovecot_our_pids))
if [[ -z $still ]]; then
    ok "no pam_wrapper directory of this run is left${left:+ (removed stale: ${left//$'\n'/ })}"
else
    fail "no pam_wrapper directory of this run is left" "$still"
fi

end_time=$(date +%s.%N)
note "$(awk -v a="$start_time" -v b="$end_time" 'BEGIN { printf "t_dovecot: %.1f s", b - a }')"
[[ $failed -eq 0 ]]
