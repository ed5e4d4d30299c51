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
case $DOVECOT_SERIES in
2.3)
    DOVECOT_ONLY_SCHEMES=
    ;;
2.4)
    DOVECOT_ONLY_SCHEMES=ARGON2
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
passdb {
  driver = static
  args = noauthenticate nodelay=yes
}
passdb {
  driver = pam
  args = max_requests=$DV_PAM_MAX_REQUESTS %s
}
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
userdb static {
  fields {
    uid = $DV_MAIL_UID
    gid = $DV_MAIL_GID
    home = $DV_MAIL/%{user}
  }
}
EOF
}
