# SPDX-License-Identifier: GPL-2.0-or-later
# tests/dovecot.bash -- sourced by the tests that run Dovecot.  What differs
# between Dovecot 2.3 (Debian 12) and 2.4 (Debian 13) is said here and
# nowhere else: the configuration syntax, the log format, the schemes that
# only one of them writes.  A test sets the DV_* settings, then calls
# dovecot_write_conf; its log checks are built on dovecot_pam_re.
#
#   dovecot_series              2.3 or 2.4 (from `dovecot --version`); any
#                               other series is an error: the test fails
#   dovecot_write_conf FILE     a private instance's configuration, from
#       DV_INSTANCE DV_RUN DV_STATE DV_LOG   name, base_dir, state_dir, log
#       DV_POP3_PORT DV_IMAP_PORT            listeners on 127.0.0.1
#       DV_LOGIN_USER DV_INTERNAL_USER       default_login/internal_user
#       DV_MAIL_UID DV_MAIL_GID DV_MAIL      mail owner; homes: DV_MAIL/<user>
#       DV_WORKER                            the auth worker's executable
#       DV_PAM_MAX_REQUESTS                  passdb pam max_requests
#       DV_PASSWD_FILE (optional)            instead of the two passdbs
#                                            below: one passwd-file passdb
#                                            reading this file, Dovecot's
#                                            own password schemes
#       DV_ALLOW_WEAK (optional, yes|no)     auth_allow_weak_schemes, in
#                                            the series that has it
#     with, in both series:
#       a first static passdb with noauthenticate and nodelay: a failed
#       login is answered at once instead of after Dovecot's delay of at
#       least 0.5 s and its growing per-IP penalty for 127.0.0.1 (the field
#       survives the PAM passdb's failure: a NEXT result keeps its fields);
#       passdb pam with the protocol (pop3, imap) as the PAM service;
#       userdb static; maildir ~/Maildir; no auth cache (a user refused
#       while the database was down gets in at once afterwards); verbose and
#       debug auth logging.
#   dovecot_pam_re USER         an ERE for the start of a PAM passdb log line
#                               about USER from 127.0.0.1, up to the message
#                               ("lookup service=pop3", "unknown user", ...)
#   DOVECOT_WORKER_PID_RE       an ERE whose first number is the pid of the
#                               auth worker that wrote the line
#   DOVECOT_ONLY_SCHEMES        schemes `doveadm pw -l` lists in this series
#                               and not in the other one
#   DOVECOT_REFUSES_WEAK        yes when the series refuses its weak schemes
#                               unless auth_allow_weak_schemes = yes (2.4;
#                               2.3 has no such setting and refuses none)
#   DOVECOT_AUTH_FAILED_RE      an ERE for the login process's line about a
#                               failed login (any PAM error, an outage too)
#   DOVECOT_STOCK_FILTER_SEES_OUTAGE  yes when the stock fail2ban "dovecot"
#                               filter of the release matches that line
#   dovecot_login PROTO FROM USER PASS  one POP3 or IMAP session with the
#                               instance (DV_POP3_PORT, DV_IMAP_PORT) from
#                               127.0.0.FROM, within CURL_MAX seconds (10);
#                               curl's exit status (0 in, 67 refused)
#   dovecot_write_mail_conf OUTDIR INDIR  the delivery side (LMTP,
#                               quota-status) from etc/dovecot/SERIES: see
#                               its own comment below
#   dovecot_stop_checked        dovecot_stop, its pam_wrapper directories
#                               removed, and one check (tap.bash) that
#                               nothing of it is left
#   (and a private instance's start and stop: see below)

dovecot_series() {
    local v
    v=$(dovecot --version 2>/dev/null) || { echo "dovecot_series: no dovecot" >&2; return 1; }
    case $v in
    2.3.*) echo 2.3 ;;
    2.4.*) echo 2.4 ;;
    *) echo "dovecot_series: Dovecot $v is neither 2.3 nor 2.4" >&2; return 1 ;;
    esac
}

DOVECOT_SERIES=$(dovecot_series) || DOVECOT_SERIES=

# --- the log ------------------------------------------------------------------
# 2.3:  auth-worker(PID): Info: pam(USER,127.0.0.1,<session>): MESSAGE
# 2.4:  auth-worker(USER,127.0.0.1)<PID><session>: request [N]: Info: pam: MESSAGE
#       (and the worker's own lines: auth-worker(PID): ...)
dovecot_pam_re() {
    local u=${1//./\\.}
    case $DOVECOT_SERIES in
    2.3) printf 'pam\\(%s,127\\.0\\.0\\.1[^)]*\\): ' "$u" ;;
    2.4) printf 'auth-worker\\(%s,127\\.0\\.0\\.1\\)<[0-9]+><[^>]*>: request \\[[0-9]+\\]: [A-Za-z]+: pam: ' "$u" ;;
    esac
}
# The worker's own lines are "auth-worker(PID): ..." in both.
DOVECOT_WORKER_PID_RE='auth-worker\(([0-9]+)\)'
# A failed login as the login process logs it (for every PAM error alike:
# a database outage included), and whether the stock fail2ban "dovecot"
# filter of the same release (fail2ban 1.0.2 on Debian 12, 1.1.0 on Debian
# 13) knows that form (tests/t_fail2ban.sh shows it either way).
#   2.3:  pop3-login: Info: Disconnected (auth failed, 1 attempts in 0 secs): user=<...>, method=PLAIN, rip=...
#   2.4:  pop3-login: Info: Login aborted: Logged out (auth failed, 1 attempts in 0 secs) (auth_failed): user=<...>, rip=...
case $DOVECOT_SERIES in
2.3)
    DOVECOT_ONLY_SCHEMES=
    DOVECOT_REFUSES_WEAK=no
    DOVECOT_AUTH_FAILED_RE='Disconnected.* \(auth failed, [0-9]+ attempts'
    DOVECOT_STOCK_FILTER_SEES_OUTAGE=yes
    ;;
2.4)
    DOVECOT_ONLY_SCHEMES=ARGON2
    DOVECOT_REFUSES_WEAK=yes
    DOVECOT_AUTH_FAILED_RE='Login aborted: .*\(auth_failed\)'
    DOVECOT_STOCK_FILTER_SEES_OUTAGE=no
    ;;
esac

# --- the configuration --------------------------------------------------------
dovecot_write_conf() {
    local file=$1 v
    for v in DV_INSTANCE DV_RUN DV_STATE DV_LOG DV_POP3_PORT DV_IMAP_PORT DV_LOGIN_USER \
        DV_INTERNAL_USER DV_MAIL_UID DV_MAIL_GID DV_MAIL DV_WORKER DV_PAM_MAX_REQUESTS; do
        [[ -n ${!v:-} ]] || { echo "dovecot_write_conf: $v is not set" >&2; return 1; }
    done
    case $DOVECOT_SERIES in
    2.3) dovecot_conf_2_3 ;;
    2.4) dovecot_conf_2_4 ;;
    *) echo "dovecot_write_conf: no Dovecot 2.3 or 2.4" >&2; return 1 ;;
    esac >"$file"
}

# The settings both series spell alike, then the services: LISTEN_KEY is a
# listener's address setting (2.3 address, 2.4 listen), VSZ_UNLIMITED the
# auth worker's unlimited vsz_limit (2.3 0, 2.4 unlimited), which ASan needs
# to map its shadow memory.
dovecot_conf_common() {
    local listen_key=$1 vsz_unlimited=$2 svc port
    cat <<EOF
instance_name = $DV_INSTANCE
base_dir = $DV_RUN
state_dir = $DV_STATE
log_path = $DV_LOG
protocols = pop3 imap
listen = 127.0.0.1
ssl = no
auth_mechanisms = plain login
default_login_user = $DV_LOGIN_USER
default_internal_user = $DV_INTERNAL_USER
mail_uid = $DV_MAIL_UID
mail_gid = $DV_MAIL_GID
first_valid_uid = $DV_MAIL_UID
auth_verbose = yes
auth_debug = yes
auth_cache_size = 0
auth_failure_delay = 0
service auth-worker {
  executable = $DV_WORKER -w
  process_limit = 1
  vsz_limit = $vsz_unlimited
}
EOF
    for svc in pop3 imap; do
        port=$DV_POP3_PORT
        [[ $svc == imap ]] && port=$DV_IMAP_PORT
        cat <<EOF
service $svc-login {
  inet_listener $svc {
    $listen_key = 127.0.0.1
    port = $port
  }
  inet_listener ${svc}s {
    port = 0
  }
  process_min_avail = 0
  process_limit = 10
}
service $svc {
  process_limit = 10
}
EOF
    done
}

dovecot_conf_2_3() {
    echo "# Generated by tests/dovecot.bash for Dovecot 2.3"
    dovecot_conf_common address 0
    cat <<EOF
disable_plaintext_auth = no
mail_location = maildir:~/Maildir
import_environment = TZ
EOF
    if [[ -n ${DV_PASSWD_FILE:-} ]]; then
        cat <<EOF
passdb {
  driver = passwd-file
  args = $DV_PASSWD_FILE
}
EOF
    else
        cat <<EOF
passdb {
  driver = static
  args = noauthenticate nodelay=yes
}
passdb {
  driver = pam
  args = max_requests=$DV_PAM_MAX_REQUESTS %s
}
EOF
    fi
    cat <<EOF
userdb {
  driver = static
  args = uid=$DV_MAIL_UID gid=$DV_MAIL_GID home=$DV_MAIL/%u
}
EOF
}

dovecot_conf_2_4() {
    # The version settings must come first.
    cat <<EOF
dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
# Generated by tests/dovecot.bash for Dovecot 2.4
EOF
    dovecot_conf_common listen unlimited
    cat <<EOF
auth_allow_cleartext = yes
mail_driver = maildir
mail_path = %{home}/Maildir
# No mail_inbox_path at all: unset, INBOX is the maildir's root; set, even
# to nothing ("mail_inbox_path ="), INBOX becomes a folder Maildir/.INBOX
# and the messages in Maildir/new are nowhere.
import_environment {
  TZ = %{env:TZ}
}
EOF
    if [[ -n ${DV_ALLOW_WEAK:-} ]]; then
        echo "auth_allow_weak_schemes = $DV_ALLOW_WEAK"
    fi
    if [[ -n ${DV_PASSWD_FILE:-} ]]; then
        cat <<EOF
passdb passwd-file {
  passwd_file_path = $DV_PASSWD_FILE
}
EOF
    else
        cat <<EOF
passdb static {
  fields {
    noauthenticate = yes
    nodelay = yes
  }
}
passdb pam {
  service_name = %{protocol}
  max_requests = $DV_PAM_MAX_REQUESTS
}
EOF
    fi
    cat <<EOF
userdb static {
  fields {
    uid = $DV_MAIL_UID
    gid = $DV_MAIL_GID
    home = $DV_MAIL/%{user}
  }
}
EOF
}

# --- a private instance -------------------------------------------------------
# Started by a test, stopped by it, pam_wrapper in the auth worker only (see
# tests/t_dovecot.sh's header for why: the only process that calls PAM).
#
#   dovecot_libexec             the directory of Dovecot's own binaries
#   dovecot_start               write DV_WORKER and DV_CONF, start the master
#       DV_CONF DV_PAMD             (in a clean environment), wait until both
#       and dovecot_write_conf's    listeners accept; sets DV_POP3_PORT and
#                                   DV_IMAP_PORT (free ports, retried); false
#                                   with DOVECOT_START_ERROR on failure
#   dovecot_master_pid          the running master's pid, or false
#   dovecot_collect_pids        remember the master and its children now in
#                               DOVECOT_PIDS
#   dovecot_alive_pids          those of DOVECOT_PIDS still running
#   dovecot_stop                doveadm stop, waiting up to 10 s, then KILL
#                               what is left of ours by pid; false then
#   dovecot_our_pids            every pid ours were seen with, the log too
#   dovecot_pam_dirs            the directories pam_wrapper made in ours
#       DV_MARKER                   and left (newer than this file, touched
#                                   before the start; their process gone;
#                                   tests/pwrap_dirs.bash: 1.1.4's /tmp/pam.X,
#                                   1.1.7's $TMPDIR/pam.XXXXXX, the worker's
#                                   TMPDIR being $PWRAP_TMPDIR)
DOVECOT_PIDS=()
# shellcheck source=tests/pwrap_dirs.bash
. "$(dirname "${BASH_SOURCE[0]}")/pwrap_dirs.bash"

dovecot_libexec() {
    local d
    for d in /usr/lib/dovecot /usr/libexec/dovecot /usr/local/libexec/dovecot; do
        [[ -x $d/auth ]] && { echo "$d"; return 0; }
    done
    return 1
}

# The auth worker's executable: pam_wrapper (and the ASan runtime) there only.
dovecot_write_worker() {
    local preload=libpam_wrapper.so asan_line=
    : "${PWRAP_TMPDIR:=${DV_RUN%/*}/pwrap}"
    mkdir -p "$PWRAP_TMPDIR" || return 1
    if [[ -n ${PP_PRELOAD:-} ]]; then
        preload="$PP_PRELOAD $preload"
        # ASan aborts a dlopen() with RTLD_DEEPBIND, which pam_wrapper uses for
        # libpam unless told not to (1.1.4 reads UID_WRAPPER_DISABLE_DEEPBIND;
        # later versions PAM_WRAPPER_DISABLE_DEEPBIND).
        asan_line="ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0; export ASAN_OPTIONS
UID_WRAPPER_DISABLE_DEEPBIND=1; export UID_WRAPPER_DISABLE_DEEPBIND
PAM_WRAPPER_DISABLE_DEEPBIND=1; export PAM_WRAPPER_DISABLE_DEEPBIND"
    fi
    cat >"$DV_WORKER" <<WORKER
#!/bin/sh
# Generated by tests/dovecot.bash: Dovecot's auth worker under pam_wrapper.
LD_PRELOAD='$preload'; export LD_PRELOAD
PAM_WRAPPER=1; export PAM_WRAPPER
PAM_WRAPPER_SERVICE_DIR='$DV_PAMD'; export PAM_WRAPPER_SERVICE_DIR
# 2: the module's pam_syslog lines (all priorities) go to stderr, which
# Dovecot writes to its log.
PAM_WRAPPER_DEBUGLEVEL=2; export PAM_WRAPPER_DEBUGLEVEL
# pam_wrapper 1.1.7 makes its directory here (1.1.4: /tmp/pam.X whatever).
TMPDIR='$PWRAP_TMPDIR'; export TMPDIR
$asan_line
exec '$(dovecot_libexec)/auth' "\$@"
WORKER
    chmod 755 "$DV_WORKER"
}

# A port on 127.0.0.1 that can be bound now (racy; the start is retried).
dovecot_free_port() {
    /usr/bin/python3 - <<'PY'
import random, socket
for _ in range(200):
    p = random.randint(20000, 60000)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
PY
}

dovecot_start() {
    local started= rc out _
    DOVECOT_START_ERROR=
    dovecot_write_worker || { DOVECOT_START_ERROR="cannot write $DV_WORKER"; return 1; }
    for _ in 1 2 3 4 5; do
        DV_POP3_PORT=$(dovecot_free_port)
        DV_IMAP_PORT=$(dovecot_free_port)
        [[ -n $DV_POP3_PORT && -n $DV_IMAP_PORT && $DV_POP3_PORT != "$DV_IMAP_PORT" ]] || continue
        dovecot_write_conf "$DV_CONF" || break
        : >"$DV_LOG"
        # A clean environment: nothing of pam_wrapper or ASan in the master.
        # (To a file: the daemonized master keeps its stdout and stderr open.)
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TZ=UTC dovecot -c "$DV_CONF" \
            >"$DV_CONF.start" 2>&1 </dev/null
        rc=$?
        out=$(cat "$DV_CONF.start")
        if [[ $rc -eq 0 ]]; then
            started=1
            break
        fi
        grep -q 'Address already in use' <<<"$out$(cat "$DV_LOG")" || break
    done
    if [[ -z $started ]]; then
        DOVECOT_START_ERROR="dovecot exit ${rc:-?}: ${out:-}"
        return 1
    fi
    # Up when both listeners accept a connection.
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$DV_POP3_PORT") 2>/dev/null &&
            (exec 3<>"/dev/tcp/127.0.0.1/$DV_IMAP_PORT") 2>/dev/null; then
            dovecot_collect_pids
            return 0
        fi
        sleep 0.1
    done
    dovecot_collect_pids
    DOVECOT_START_ERROR="no listener on 127.0.0.1:$DV_POP3_PORT and :$DV_IMAP_PORT after 10 s"
    return 1
}

dovecot_master_pid() {
    local p
    p=$(cat "$DV_RUN/master.pid" 2>/dev/null) || return 1
    [[ $p =~ ^[0-9]+$ ]] && kill -0 "$p" 2>/dev/null && echo "$p"
}

dovecot_collect_pids() {
    local m c
    m=$(dovecot_master_pid) || return 0
    for c in "$m" $(ps -o pid= --ppid "$m" 2>/dev/null); do
        [[ " ${DOVECOT_PIDS[*]} " == *" $c "* ]] || DOVECOT_PIDS+=("$c")
    done
}

dovecot_alive_pids() {
    local p alive=()
    for p in "${DOVECOT_PIDS[@]}"; do
        kill -0 "$p" 2>/dev/null && alive+=("$p")
    done
    echo "${alive[*]}"
}

dovecot_stop() {
    local m left _
    dovecot_collect_pids
    m=$(dovecot_master_pid) || m=
    if [[ -n $m ]]; then
        doveadm -c "$DV_CONF" stop >/dev/null 2>&1 || kill -TERM "$m" 2>/dev/null
    fi
    for _ in $(seq 1 100); do
        left=$(dovecot_alive_pids)
        [[ -z $left ]] && return 0
        sleep 0.1
    done
    # Still there after 10 s: ours, so kill them by pid.
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null
    sleep 0.2
    return 1
}

# Collected, or named in the log ("auth-worker(PID): ...", pam_wrapper's
# "PWRAP_DEBUG[prog (PID)]"): an auth worker that died young is only there.
dovecot_our_pids() {
    {
        printf '%s\n' "${DOVECOT_PIDS[@]}"
        [[ -f $DV_LOG ]] && grep -Eo '^[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} [a-z0-9-]+\([0-9]+\)|PWRAP_[A-Z]+\[[^]]* \([0-9]+\)\]' "$DV_LOG" |
            grep -Eo '\([0-9]+\)' | tr -d '()'
    } | grep -E '^[0-9]+$' | sort -u
}

# pam_wrapper's destructor removes its directory on a normal exit; this is
# for a process that died otherwise.
dovecot_pam_dirs() {
    local d
    # shellcheck disable=SC2046
    for d in $(pwrap_dirs "$DV_MARKER" $(dovecot_our_pids)); do
        [[ -O $d ]] && ! kill -0 "$(cat "$d/pid" 2>/dev/null)" 2>/dev/null && echo "$d"
    done
    return 0
}

dovecot_login() {
    local port=$DV_POP3_PORT
    [[ $1 == imap ]] && port=$DV_IMAP_PORT
    curl -sS --max-time "${CURL_MAX:-10}" --interface "127.0.0.$2" -u "$3:$4" \
        "$1://127.0.0.1:$port/" >/dev/null 2>&1
}

dovecot_stop_checked() {
    local left d
    dovecot_stop
    left=$(dovecot_alive_pids)
    for d in $(dovecot_pam_dirs); do rm -rf -- "$d"; done
    if [[ -z $left && -z $(dovecot_pam_dirs) ]]; then
        ok "dovecot stopped, no process or /tmp/pam.X of it left"
    else
        not_ok "dovecot stopped, nothing left (alive: $left)"
    fi
}

# --- delivery: LMTP and quota-status (tests/t_postfix.sh) -----------------------
# The fragments an operator installs (etc/dovecot/SERIES/), with only the
# lines etc/dovecot says a site edits rewritten, and a main file that
# includes them: the shipped configuration is the one tested.
#
#   dovecot_write_mail_conf OUTDIR INDIR      OUTDIR/dovecot.conf and the
#       DVM_LMTP_PORT DVM_QS_PORT                 fragments, for a Dovecot
#       DVM_PG_PORT DVM_PG_DB DVM_PG_PASSWORD     that sees OUTDIR as INDIR
#                                                 (a root's own path); its
#                                                 base_dir, state_dir and
#                                                 log (dovecot.log) there
dovecot_write_mail_conf() {
    local out=$1 in=$2 src v
    for v in DVM_LMTP_PORT DVM_QS_PORT DVM_PG_PORT DVM_PG_DB DVM_PG_PASSWORD; do
        [[ -n ${!v:-} ]] || { echo "dovecot_write_mail_conf: $v is not set" >&2; return 1; }
    done
    src=$(dirname "${BASH_SOURCE[0]}")/../etc/dovecot/$DOVECOT_SERIES
    [[ -f $src/90-powermail.conf ]] || { echo "dovecot_write_mail_conf: no $src/90-powermail.conf" >&2; return 1; }
    mkdir -p "$out" || return 1
    # The listeners' ports (and, in 2.3, where the userdb's file is).
    sed -e "s/^\( *port = \)24\$/\1$DVM_LMTP_PORT/" -e "s/^\( *port = \)12340\$/\1$DVM_QS_PORT/" \
        -e "s|^\( *args = \)/etc/dovecot/|\1$in/|" \
        "$src/90-powermail.conf" >"$out/90-powermail.conf" || return 1
    # The site's passdb (logins through PAM and the module) is not this
    # test's, but auth wants one: an empty passwd-file.
    : >"$out/no-users"
    case $DOVECOT_SERIES in
    2.3)
        sed "s/^connect = .*/connect = host=127.0.0.1 port=$DVM_PG_PORT dbname=$DVM_PG_DB user=powermail_mta password=$DVM_PG_PASSWORD/" \
            "$src/powermail-userdb.conf.ext" >"$out/powermail-userdb.conf.ext" || return 1
        printf '%s\n' "# Generated by tests/dovecot.bash for Dovecot 2.3"
        printf 'passdb {\n  driver = passwd-file\n  args = %s/no-users\n}\n' "$in"
        ;;
    2.4)
        # The pgsql block's parameters (port 5432 is the only "port" in it).
        sed -i -e "s/^\( *port = \)5432\$/\1$DVM_PG_PORT/" -e "s/^\( *dbname = \).*/\1$DVM_PG_DB/" \
            -e "s/^\( *password = \)change-me\$/\1$DVM_PG_PASSWORD/" "$out/90-powermail.conf" || return 1
        printf '%s\n' "dovecot_config_version = 2.4.0" "dovecot_storage_version = 2.4.0" \
            "# Generated by tests/dovecot.bash for Dovecot 2.4"
        printf 'passdb passwd-file {\n  passwd_file_path = %s/no-users\n}\n' "$in"
        ;;
    *) echo "dovecot_write_mail_conf: no Dovecot 2.3 or 2.4" >&2; return 1 ;;
    esac >"$out/dovecot.conf"
    cat >>"$out/dovecot.conf" <<CONF
instance_name = pp-postfix
base_dir = $in/run
state_dir = $in/state
log_path = $in/dovecot.log
listen = 127.0.0.1
ssl = no
protocols =
auth_verbose = yes
!include $in/90-powermail.conf
CONF
    # Every line that was to be rewritten was.
    ! cat "$out/90-powermail.conf" "$out"/*.ext 2>/dev/null | grep -v '^ *#' |
        grep -Eq '^ *(port = (24|12340|5432)|password = change-me)$|port=5432|/etc/dovecot/' ||
        { echo "dovecot_write_mail_conf: a line of $src was not rewritten" >&2; return 1; }
}
