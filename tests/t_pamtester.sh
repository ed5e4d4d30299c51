#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# pamtester -- an ordinary PAM application -- with the real module under
# pam_wrapper, on PowerMail's sample rows in the real PostgreSQL.
#
#   info@example.com with s3cr3t! for each of the seed's four stored forms,
#   a wrong password, an unknown address, a forward address, the other
#   sample rows, a bad configuration, and the server stopped (restarted by
#   a trap whatever happens).  Everything pamtester and the module print is
#   checked for the passwords, the stored values and the database password.
#
# Needs the environment tests/run-tests.sh gives (tests/CONVENTIONS.md).
set -uo pipefail

# shellcheck source=tests/tap.bash
. "$(dirname "${BASH_SOURCE[0]}")/tap.bash"

require_env PP_TOP PP_BUILD PP_TMP PGHOST PGPORT PP_PGSUPER PP_PGDB PP_PGUSER PP_PGPASSWORD PP_PGCTL

module=$PP_BUILD/pam_powermail.so
svcdir=$PP_TMP/pam.d
conf=$PP_TMP/pam_powermail.conf
badconf=$PP_TMP/pam_powermail-bad.conf
# shellcheck disable=SC2016 # a literal crypt value
SEED_MD5='$1$Wh/8PmbX$tLpq3mPsvT5gdVJcVVYXA1'
# pam_strerror(PAM_AUTHINFO_UNAVAIL) in Linux-PAM.  ("Authentication
# information cannot be recovered" is PAM_AUTHTOK_RECOVERY_ERR's text.)
MSG_AUTHINFO_UNAVAIL="Authentication service cannot retrieve authentication info"

# Strings that must never appear in anything pamtester or the module print.
secrets=("$PP_PGPASSWORD" 's3cr3t!' '/CFF1gJfAFAqM' "$SEED_MD5" 'Wr0ng-pamtester-pw' '{abc}def')

psql_su() {
    psql -X -q -v ON_ERROR_STOP=1 -U "$PP_PGSUPER" -d "$PP_PGDB" "$@"
}

server_stopped=
restore_server() {
    if [[ -n $server_stopped ]]; then
        # PP_PGCTL is a command prefix (tests/CONVENTIONS.md): unquoted.
        # shellcheck disable=SC2086
        $PP_PGCTL start >/dev/null 2>&1 || echo "# could not restart the server"
        server_stopped=
    fi
}
on_exit restore_server

mkdir -p "$svcdir"
umask 077
$PP_PGCTL pamconf >"$conf"
cat >"$badconf" <<EOF
postgresql-host = $PGHOST
postgresql-password = $PP_PGPASSWORD
no-such-key = 1
EOF
chmod 600 "$conf" "$badconf"
umask 022
cat >"$svcdir/pp_pamtester" <<EOF
auth     required  $module config=$conf
account  required  $module config=$conf
EOF
cat >"$svcdir/pp_pamtester_bad" <<EOF
auth     required  $module config=$badconf
account  required  $module config=$badconf
EOF

# shellcheck source=tests/pamtester.bash
. "$(dirname "${BASH_SOURCE[0]}")/pamtester.bash"
use_pam_wrapper "$svcdir"

# check_secrets LABEL: nothing secret in $out.
check_secrets() {
    local s leaked=
    for s in "${secrets[@]}"; do
        if [[ $out == *"$s"* ]]; then
            leaked+=" '$s'"
        fi
    done
    if [[ -z $leaked ]]; then
        ok "$1: no password, stored value or database password in the output"
    else
        not_ok "$1: the output contains$leaked"
        diag <<<"$out"
    fi
}


set_info_password() {
    psql_su -v "pw=$1" <<'EOF'
UPDATE mboxes SET password = :'pw' WHERE mbox = 'info@example.com';
EOF
}

if [[ ! -f $module ]]; then
    echo "1..1"
    echo "not ok 1 - no module at $module"
    exit 1
fi
if ! command -v pamtester >/dev/null; then
    echo "1..1"
    echo "not ok 1 - pamtester is not installed"
    exit 1
fi
if ! psql_su -f "$PP_TOP/sql/sample.sql" >/dev/null; then
    echo "1..1"
    echo "not ok 1 - loading sql/sample.sql"
    exit 1
fi

# The seed's four stored forms of s3cr3t! for info@example.com.
for form in '{plain}s3cr3t!' 's3cr3t!' '{crypt}/CFF1gJfAFAqM' "{md5}$SEED_MD5"; do
    if ! set_info_password "$form" >/dev/null; then
        not_ok "setting info@example.com's password to $form"
        continue
    fi
    run_pamtester pp_pamtester info@example.com 's3cr3t!' authenticate acct_mgmt
    expect "stored $form: info@example.com with s3cr3t! authenticates" yes \
        "successfully authenticated" "account management done"
    check_secrets "stored $form, right password"
    run_pamtester pp_pamtester info@example.com 's3cr3t' authenticate
    expect "stored $form: the password s3cr3t fails" no "Authentication failure"
    run_pamtester pp_pamtester info@example.com 'Wr0ng-pamtester-pw' authenticate acct_mgmt
    expect "stored $form: a wrong password fails" no "Authentication failure"
    check_secrets "stored $form, wrong password"
done
set_info_password '{plain}s3cr3t!' >/dev/null

# A name in another case reaches the same row.
run_pamtester pp_pamtester Info@Example.COM 's3cr3t!' authenticate acct_mgmt
expect "Info@Example.COM authenticates as info@example.com" yes \
    "successfully authenticated" "account management done"

# The other sample rows.
for user in plain@example.com crypt@example.com md5@example.com quota@example.com; do
    run_pamtester pp_pamtester "$user" 's3cr3t!' authenticate acct_mgmt
    expect "$user with s3cr3t! authenticates" yes "successfully authenticated" \
        "account management done"
done
run_pamtester pp_pamtester legacy@example.com '{abc}def' authenticate
expect "legacy@example.com ({abc}def, an unknown scheme) cannot log in" no "Authentication failure"
check_secrets "legacy@example.com"
run_pamtester pp_pamtester nopass@example.com '' authenticate
expect "nopass@example.com (no password) cannot log in" no "Authentication failure"

# Unknown and forward addresses.
run_pamtester pp_pamtester nobody@example.com 's3cr3t!' authenticate
expect "an unknown address is unknown to authenticate" no \
    "User not known to the underlying authentication module"
run_pamtester pp_pamtester nobody@example.com 's3cr3t!' acct_mgmt
expect "an unknown address is unknown to acct_mgmt" no \
    "User not known to the underlying authentication module"
check_secrets "unknown address"
run_pamtester pp_pamtester forward@example.com 's3cr3t!' authenticate
expect "a forward address cannot authenticate" no "Authentication failure"
run_pamtester pp_pamtester forward@example.com 's3cr3t!' acct_mgmt
expect "a forward address is refused by acct_mgmt" no "Permission denied"

# A bad configuration.
run_pamtester pp_pamtester_bad info@example.com 's3cr3t!' authenticate
expect "an unknown config key is PAM_SERVICE_ERR" no "Error in service module"
check_secrets "bad configuration"

# The server stopped.
server_stopped=yes
# shellcheck disable=SC2086
if $PP_PGCTL stop >/dev/null; then
    run_pamtester pp_pamtester info@example.com 's3cr3t!' authenticate acct_mgmt
    expect "server stopped: authenticate is PAM_AUTHINFO_UNAVAIL" no \
        "$MSG_AUTHINFO_UNAVAIL"
    check_secrets "server stopped"
    run_pamtester pp_pamtester info@example.com 's3cr3t!' acct_mgmt
    expect "server stopped: acct_mgmt is PAM_AUTHINFO_UNAVAIL" no \
        "$MSG_AUTHINFO_UNAVAIL"
else
    not_ok "stopping the server with \$PP_PGCTL stop"
fi
restore_server

run_pamtester pp_pamtester info@example.com 's3cr3t!' authenticate acct_mgmt
expect "server restarted: info@example.com authenticates again" yes \
    "successfully authenticated" "account management done"

echo "1..$n"
[[ $failed -eq 0 ]]
