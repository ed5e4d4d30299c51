#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_exim.sh -- TAP test: Exim (exim4-daemon-heavy, 4.96 on Debian 12, 4.98 on
# Debian 13) as an SMTP AUTH server checks logins through pam_powermail.so
# with its pam expansion condition, and tells a client to try later while the
# userbase is unreachable.
#
# A private Exim daemon (`exim -bd -oX PORT -C $PP_TMP/exim/exim.conf`) on
# 127.0.0.1, with its spool, log and pid file under $PP_TMP/exim.  The
# configuration: an rcpt acl that accepts only an authenticated client, and a
# PLAIN authenticator as INSTALL section 7 shows it:
#
#     server_condition = ${if pam{$auth2:${sg{$auth3}{:}{::}}}}
#
# (the pam condition's argument is a colon-separated list, user then
# password, so a colon in the password is doubled; Exim calls
# pam_start("exim", ...), so the PAM service is "exim").
#
# How Exim is run.  /usr/sbin/exim4 is setuid root; with -C it keeps root
# only for root or for a file listed in TRUSTED_CONFIG_LIST (Debian:
# /etc/exim4/trusted_configs, not touched here), and a root daemon would
# hand each connection to a process running as Debian-exim anyway, which
# could not read pam_wrapper's directory.  And the dynamic loader ignores
# LD_PRELOAD in a setuid program started by anyone else.  So the test runs a
# copy of the binary without the setuid bit, as an unprivileged user that
# owns the configuration, spool and log (Debian-exim when the test runs as
# root, else the caller), with exim_user and exim_group set to that user: no
# root anywhere, nothing under /etc written.  The module's configuration is
# a file of its own named with config= on the PAM lines, owned by root, group
# Debian-exim, mode 0640 (as root; else the caller's, 0600): the layout
# INSTALL section 7 advises for Exim.
#
# pam_wrapper (and the sanitizer runtime, PP_PRELOAD) is preloaded into the
# daemon: Exim's receiving process is a fork of it, without exec, and is the
# one that calls PAM; keep_environment passes PAM_WRAPPER* on (Exim clears
# its environment otherwise, and pam_wrapper reads it at the first
# pam_start()).  pam_wrapper starts in each receiving process, which leaves
# with _exit(): the pam_wrapper directory of each is removed after the client session
# (by the pids in Exim's log, log_selector +pid).
#
# Checks, on what the SMTP client (Python's smtplib) is answered: RCPT refused
# without AUTH; AUTH PLAIN with the right password 235 (and RCPT then
# accepted), a password with colons 235, a wrong password, an unknown and a
# forward address 535; the database stopped: 435 (temporary); started again:
# 235.  Exim stopped, nothing of it left.
#
# Environment (tests/CONVENTIONS.md): PP_TOP, PP_BUILD, PP_TMP, PGHOST,
# PP_PGSUPER, PP_PGDB, PP_PGCTL, PP_PRELOAD, PP_SECRETS.
# Needs exim4-daemon-heavy and libpam-wrapper (tools/deps.sh).

set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tap.bash
. "$here/tap.bash"
# shellcheck source=tests/pwrap_dirs.bash
. "$here/pwrap_dirs.bash"
require_env PP_TOP PP_BUILD PP_TMP PGHOST PP_PGSUPER PP_PGDB PP_PGCTL
export LC_ALL=C
PATH=$PATH:/usr/sbin:/sbin
PP_PRELOAD=${PP_PRELOAD:-}

MODULE=$PP_BUILD/pam_powermail.so
DIR=$PP_TMP/exim
CONF=$DIR/exim.conf
PAMD=$PP_TMP/pam.d
PPCONF=$DIR/pam_powermail.conf
MAINLOG=$DIR/log/mainlog
PW='s3cr3t!'
# A mailbox of this test's own, with colons in its password.
COLON=exim-colon@example.com
COLON_PW='pa:ss::w0rd-exim'
[[ -n ${PP_SECRETS:-} ]] && printf '%s\n' "$COLON_PW" >>"$PP_SECRETS"

super_sql() {
    psql -X -q -At -v ON_ERROR_STOP=1 -U "$PP_PGSUPER" -d "$PP_PGDB" -c "$1" 2>&1
}

# ----------------------------------------------------------------------------
# cleanup: database back, Exim stopped, the pam_wrapper directories of its processes gone
# ----------------------------------------------------------------------------
touch "$PP_TMP/.start"
daemon=
db_stopped=

# Every pid Exim logged (the daemon and each receiving process).
exim_pids() {
    {
        echo "$daemon"
        [[ -f $MAINLOG ]] && grep -Eo '^[0-9-]+ [0-9:.]+ \[[0-9]+\]' "$MAINLOG" | grep -Eo '[0-9]+\]$' | tr -d ']'
    } | grep -E '^[0-9]+$' | sort -u
}
# Remove the pam_wrapper directories of Exim's processes that are gone; prints them.
reap_pam_dirs() {
    local d pid
    # shellcheck disable=SC2046
    for d in $(pwrap_dirs "$PP_TMP/.start" $(exim_pids)); do
        pid=$(cat "$d/pid" 2>/dev/null) || continue
        kill -0 "$pid" 2>/dev/null && continue
        rm -rf -- "$d" && echo "$d"
    done
}
stop_exim() {
    local _
    [[ -n $daemon ]] || return 0
    kill -TERM "$daemon" 2>/dev/null
    for _ in $(seq 1 100); do
        kill -0 "$daemon" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$daemon" 2>/dev/null
    return 1
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    stop_exim
    reap_pam_dirs >/dev/null
    [[ -n $db_stopped ]] && $PP_PGCTL start >/dev/null 2>&1
    super_sql "DELETE FROM mboxes WHERE mbox = '$COLON'" >/dev/null
    exit "$rc"
}
on_exit cleanup

# ----------------------------------------------------------------------------
# prerequisites
# ----------------------------------------------------------------------------
missing=()
EXIM=
for p in /usr/sbin/exim4 /usr/sbin/exim; do
    [[ -x $p ]] && { EXIM=$p; break; }
done
[[ -n $EXIM ]] || missing+=(exim4)
command -v psql >/dev/null || missing+=(psql)
[[ -x /usr/bin/python3 ]] || missing+=(/usr/bin/python3)
[[ -f $MODULE ]] || missing+=("$MODULE")
ldconfig -p 2>/dev/null | grep -q 'libpam_wrapper\.so ' || missing+=(libpam_wrapper.so)
if [[ $(id -u) -eq 0 ]]; then
    run_user=Debian-exim
    getent passwd "$run_user" >/dev/null || missing+=("user $run_user")
else
    run_user=$(id -un)
fi
# Failing, not skipping: a missing package must show (tools/deps.sh mail).
end_if_missing
run_uid=$(id -u "$run_user") run_gid=$(id -g "$run_user")
version=$("$EXIM" -bV 2>/dev/null | sed -n '1s/^Exim version \([^ ]*\).*/\1/p')
if "$EXIM" -bV 2>/dev/null | grep -q '^Support for:.* PAM'; then
    ok "prerequisites: $EXIM (Exim $version, with PAM support), pam_wrapper, $MODULE; runs as $run_user"
else
    bail "prerequisites: $EXIM has PAM support (exim -bV: Support for: ... PAM)"
fi

# ----------------------------------------------------------------------------
# the userbase, PAM services, Exim's files
# ----------------------------------------------------------------------------
out=$(psql -X -q -v ON_ERROR_STOP=1 -U "$PP_PGSUPER" -d "$PP_PGDB" -f "$PP_TOP/sql/sample.sql" 2>&1 &&
    super_sql "INSERT INTO mboxes (mbox, password) VALUES ('$COLON', '{plain}$COLON_PW')
               ON CONFLICT (mbox) DO UPDATE SET password = EXCLUDED.password")
rc=$?
if [[ $rc -eq 0 ]]; then
    ok "sql/sample.sql loaded, and $COLON with colons in its password"
else
    not_ok "sql/sample.sql loaded, and $COLON" && diag <<<"$out"
fi

umask 022
mkdir -p "$PAMD" "$DIR/spool" "$DIR/log"
{ $PP_PGCTL pamconf && echo "connect-timeout = 5"; } >"$PPCONF"
printf '%s\n' "auth    required $DIR/pam_powermail.so config=$PPCONF" \
    "account required $DIR/pam_powermail.so config=$PPCONF" >"$PAMD/exim"
printf '%s\n' "auth required pam_deny.so" "account required pam_deny.so" \
    "password required pam_deny.so" "session required pam_deny.so" >"$PAMD/other"

# Exim without the setuid bit, so that the loader honours LD_PRELOAD.
cp "$EXIM" "$DIR/exim4"
chmod 0755 "$DIR/exim4"
# The built module, where Exim's user can load it: the build directory may
# be under a home it cannot enter (/root/pp in tools/root.sh's roots).
cp "$MODULE" "$DIR/pam_powermail.so"
chmod 0644 "$DIR/pam_powermail.so"

keep=TMPDIR:PAM_WRAPPER:PAM_WRAPPER_SERVICE_DIR:PAM_WRAPPER_DEBUGLEVEL:PAM_WRAPPER_DISABLE_DEEPBIND:UID_WRAPPER_DISABLE_DEEPBIND:LD_PRELOAD:ASAN_OPTIONS:UBSAN_OPTIONS
write_conf() { # PORT
    cat >"$CONF" <<EOF
# Generated by tests/t_exim.sh
exim_user = $run_uid
exim_group = $run_gid
never_users = root
primary_hostname = pp-t-exim.example.com
qualify_domain = example.com
local_interfaces = <; 127.0.0.1
daemon_smtp_ports = $1
spool_directory = $DIR/spool
log_file_path = $DIR/log/%slog
pid_file_path = $DIR/exim.pid
log_selector = +pid +smtp_connection
host_lookup =
rfc1413_hosts =
tls_advertise_hosts =
auth_advertise_hosts = *
keep_environment = $keep
acl_smtp_rcpt = acl_check_rcpt

begin acl

acl_check_rcpt:
  accept authenticated = *
  deny   message = authentication required

begin authenticators

plain_server:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = \${if pam{\$auth2:\${sg{\$auth3}{:}{::}}}}
  server_set_id = \$auth2
EOF
}

preload=libpam_wrapper.so
wrapper_env=(LD_PRELOAD="${PP_PRELOAD:+$PP_PRELOAD:}$preload" PAM_WRAPPER=1
    PAM_WRAPPER_SERVICE_DIR="$PAMD" PAM_WRAPPER_DEBUGLEVEL=2)
# pam_wrapper 1.1.7 makes its directories in $TMPDIR (tests/pwrap_dirs.bash)
PWRAP_TMPDIR=$PP_TMP/pwrap
mkdir -p "$PWRAP_TMPDIR"
chmod 1777 "$PWRAP_TMPDIR"
wrapper_env+=(TMPDIR="$PWRAP_TMPDIR")
if [[ -n $PP_PRELOAD ]]; then
    # as in t_dovecot.sh: ASan refuses pam_wrapper's RTLD_DEEPBIND
    wrapper_env+=(ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0
        PAM_WRAPPER_DISABLE_DEEPBIND=1 UID_WRAPPER_DISABLE_DEEPBIND=1)
fi

# A port on 127.0.0.1 that the kernel hands out now (racy; the start is
# retried).
free_port() {
    /usr/bin/python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ----------------------------------------------------------------------------
# Exim
# ----------------------------------------------------------------------------
started=
for _ in 1 2 3 4 5; do
    PORT=$(free_port)
    [[ -n $PORT ]] || continue
    write_conf "$PORT"
    chown -R "$run_uid:$run_gid" "$DIR"
    # The module's file as INSTALL section 7 has it: root's, readable by
    # Exim's group only (or, not as root, ours and 0600).
    if [[ $(id -u) -eq 0 ]]; then
        chown "0:$run_gid" "$PPCONF" && chmod 0640 "$PPCONF"
    else
        chmod 0600 "$PPCONF"
    fi
    chmod 0644 "$CONF"
    : >"$DIR/start.log"
    # -bdf: the daemon in the foreground, its pid is ours.  A clean
    # environment but for pam_wrapper's; setpriv drops root when we have it.
    if [[ $(id -u) -eq 0 ]]; then
        setpriv --reuid="$run_uid" --regid="$run_gid" --clear-groups \
            env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TZ=UTC "${wrapper_env[@]}" \
            "$DIR/exim4" -C "$CONF" -bdf -oX "$PORT" >>"$DIR/start.log" 2>&1 </dev/null &
    else
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TZ=UTC "${wrapper_env[@]}" \
            "$DIR/exim4" -C "$CONF" -bdf -oX "$PORT" >>"$DIR/start.log" 2>&1 </dev/null &
    fi
    daemon=$!
    for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && { started=1; break; }
        kill -0 "$daemon" 2>/dev/null || break
        sleep 0.1
    done
    [[ -n $started ]] && break
    stop_exim
    daemon=
    grep -q 'Address already in use' "$DIR/start.log" "$DIR"/log/* 2>/dev/null || break
done
if [[ -n $started ]]; then
    ok "exim -C \$PP_TMP/exim/exim.conf -bdf -oX $PORT started as $run_user (pid $daemon, 127.0.0.1:$PORT)"
else
    not_ok "exim -C \$PP_TMP/exim/exim.conf -bdf started"
    cat "$DIR/start.log" "$DIR"/log/* 2>/dev/null | tail -n 20 | diag
    echo "1..$n"
    exit 1
fi

# ----------------------------------------------------------------------------
# the client
# ----------------------------------------------------------------------------
# smtp USER PASSWORD: EHLO, AUTH PLAIN (none for an empty USER), MAIL, RCPT,
# QUIT; sets $out to lines "EHLO AUTH=...", "AUTH code text", "RCPT code
# text".
smtp() {
    out=$(/usr/bin/python3 - "$PORT" "$1" "$2" <<'PY' 2>&1
import base64, smtplib, sys
port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = smtplib.SMTP("127.0.0.1", port, timeout=60)
s.ehlo("client.example.com")
print("EHLO AUTH=%s" % s.esmtp_features.get("auth", "").strip())
if user:
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()
    code, text = s.docmd("AUTH", "PLAIN " + token)
    print("AUTH %d %s" % (code, text.decode()))
s.mail("postmaster@example.com")
code, text = s.rcpt("info@example.com")
print("RCPT %d %s" % (code, text.decode()))
s.quit()
PY
    )
}
# expect_smtp USER PASSWORD AUTH_CODE RCPT_CODE DESC
expect_smtp() {
    local user=$1 pw=$2 want_auth=$3 want_rcpt=$4 desc=$5 got_auth got_rcpt mark d
    mark=$(stat -c %s "$MAINLOG" 2>/dev/null || echo 0)
    smtp "$user" "$pw"
    got_auth=$(sed -n 's/^AUTH \([0-9]*\) .*/\1/p' <<<"$out")
    got_rcpt=$(sed -n 's/^RCPT \([0-9]*\) .*/\1/p' <<<"$out")
    if [[ $got_auth == "$want_auth" && $got_rcpt == "$want_rcpt" ]]; then
        ok "$desc: ${want_auth:+AUTH $(sed -n 's/^AUTH //p' <<<"$out"), }RCPT $got_rcpt"
    else
        not_ok "$desc: want ${want_auth:+AUTH $want_auth, }RCPT $want_rcpt"
        diag <<<"$out"
        tail -c +"$((mark + 1))" "$MAINLOG" 2>/dev/null | tail -n 10 | diag
    fi
    # The receiving process is gone when the client's QUIT was answered;
    # its pam_wrapper directory stays (it left with _exit()).
    [[ -n $user ]] && auth_sessions=$((auth_sessions + 1))
    for d in $(reap_pam_dirs); do reaped+=("$d"); done
}
reaped=()
auth_sessions=0

expect_smtp "" "" "" 550 "no AUTH: RCPT refused by the acl"
if grep -q '^EHLO AUTH=PLAIN' <<<"$out"; then
    ok "EHLO offers AUTH PLAIN"
else
    not_ok "EHLO offers AUTH PLAIN" && diag <<<"$out"
fi
expect_smtp info@example.com "$PW" 235 250 "right password"
expect_smtp md5@example.com "$PW" 235 250 "right password ({md5} stored)"
expect_smtp "$COLON" "$COLON_PW" 235 250 "a password with colons (\${sg{\$auth3}{:}{::}})"
expect_smtp info@example.com 's3cr3t' 535 550 "wrong password"
expect_smtp nobody@example.com "$PW" 535 550 "unknown address"
expect_smtp forward@example.com "$PW" 535 550 "forward address"

db_stopped=1
if out=$($PP_PGCTL stop 2>&1); then
    ok "database stopped"
else
    not_ok "database stopped" && diag <<<"$out"
fi
expect_smtp info@example.com "$PW" 435 550 \
    "database down: right password: 435, temporary (the client keeps its password and tries again)"
expect_smtp info@example.com 's3cr3t' 435 550 "database down: wrong password: 435 too"
grep 'authenticator failed' "$MAINLOG" | tail -n 1 | sed 's/^/Exim logs: /' | diag
if out=$($PP_PGCTL start 2>&1); then
    db_stopped=
    ok "database started again"
else
    not_ok "database started again" && diag <<<"$out"
fi
expect_smtp info@example.com "$PW" 235 250 "database back: right password"

# ----------------------------------------------------------------------------
# logs, stop
# ----------------------------------------------------------------------------
# The one paniclog line expected: Exim's note that -C with a file not in
# TRUSTED_CONFIG_LIST, run by the exim user, gives up privilege (it had none).
bad=$({ grep -v 'exim user lost privilege for using -C option' "$DIR/log/paniclog" 2>/dev/null | sed 's/^/paniclog: /'; cat "$DIR/start.log" "$DIR"/log/* 2>/dev/null; } |
    grep -E '^paniclog: |AddressSanitizer|LeakSanitizer|runtime error:|PWRAP_ERROR[^ ]* [^ ]*\] - [^S]|[Ss]egmentation|signal' | head -n 10)
if [[ -z $bad ]]; then
    ok "Exim's logs have no sanitizer report, paniclog, crash or pam_wrapper error"
else
    not_ok "Exim's logs have no sanitizer report, paniclog, crash or pam_wrapper error" && diag <<<"$bad"
fi
grep -h 'SYSLOG(' "$DIR/start.log" "$DIR"/log/* 2>/dev/null | sed 's/^/# /'
if [[ ${#reaped[@]} -eq $auth_sessions ]]; then
    ok "PAM ran under pam_wrapper in each of the $auth_sessions sessions with AUTH: a pam_wrapper directory each, removed after it"
else
    not_ok "PAM ran under pam_wrapper in each of the $auth_sessions sessions with AUTH: ${#reaped[@]} pam_wrapper directories"
fi

# The daemon (whose forks call PAM) has pam_wrapper, and the sanitizer
# runtime for a sanitized module.
maps=$(cat "/proc/$daemon/maps" 2>/dev/null)
want=(libpam_wrapper)
[[ -n $PP_PRELOAD ]] && want+=("$(basename "$PP_PRELOAD")")
for w in "${want[@]}"; do
    if grep -qF -- "$w" <<<"$maps"; then
        ok "the Exim daemon has $w loaded"
    else
        not_ok "the Exim daemon has $w loaded"
    fi
done

if stop_exim; then
    ok "exim stopped (SIGTERM)"
else
    not_ok "exim stopped on SIGTERM (killed)"
fi
left=$(pgrep -a -u "$run_uid" -f "$DIR/exim4")
stale=$(reap_pam_dirs)
# shellcheck disable=SC2046
still=$(pwrap_dirs "$PP_TMP/.start" $(exim_pids))
if [[ -z $left && -z $still ]]; then
    ok "no Exim process and no pam_wrapper directory of theirs left${stale:+ (removed after them: ${stale//$'\n'/ })}"
else
    not_ok "no Exim process and no pam_wrapper directory of theirs left" && diag <<<"$left$still"
fi

echo "1..$n"
[[ $failed -eq 0 ]]
