#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_conninfo_secrets.sh -- the database password stays out of the module's
# log lines whatever libpq would say, and out of /etc/pam.d.  pamtester
# under pam_wrapper, the real module, the harness's cluster.
#
#   - a postgresql-conninfo libpq cannot parse (a URI with a typo): libpq's
#     text quotes the string, password included; the module refuses the
#     configuration at load time in words of its own (PAM_SERVICE_ERR)
#   - a password in postgresql-conninfo as a module argument, keyword and
#     URI form: refused like postgresql-password (PAM_SERVICE_ERR), the log
#     line names the rule, never the value
#   - a connection failure whose libpq text holds the password (a user name
#     equal to it): the message is withheld (PAM_AUTHINFO_UNAVAIL)
# Every secret goes to PP_SECRETS, and every module log line is printed: the
# harness's suite-wide check searches them too.
set -uo pipefail

# shellcheck source=tests/tap.bash
. "$(dirname "${BASH_SOURCE[0]}")/tap.bash"
require_env PP_TOP PP_BUILD PP_TMP PGHOST PGPORT PP_PGDB PP_PGUSER PP_PGPASSWORD PP_SECRETS

module=$PP_BUILD/pam_powermail.so
svcdir=$PP_TMP/pam.d
TYPO_PW=Typo-Secret-URI-3
ARG_PW=Arg-Secret-Conninfo-4
SAME_PW=Same-Secret-User-5
printf '%s\n' "$TYPO_PW" "$ARG_PW" "$SAME_PW" >>"$PP_SECRETS"
MSG_SERVICE_ERR="Error in service module"
MSG_AUTHINFO_UNAVAIL="Authentication service cannot retrieve authentication info"

[[ -f $module ]] || { echo "1..1"; echo "not ok 1 - no module at $module"; exit 1; }
mkdir -p "$svcdir"
(
    umask 077
    echo "postgresql-conninfo = postgresql://$PP_PGUSER:$TYPO_PW@[127.0.0.1:$PGPORT/$PP_PGDB" \
        >"$PP_TMP/typo.conf"
    $PP_PGCTL pamconf >"$PP_TMP/good.conf"
    printf '%s\n' "postgresql-host = $PGHOST" "postgresql-port = $PGPORT" \
        "postgresql-database = $PP_PGDB" "postgresql-user = $SAME_PW" \
        "postgresql-password = $SAME_PW" >"$PP_TMP/same.conf"
)
# service NAME CONF [ARGS]
service() {
    printf 'auth required %s config=%s %s\n' "$module" "$PP_TMP/$2.conf" "${3:-}" >"$svcdir/$1"
}
service pp_typo typo
service pp_arg_keyword good "[postgresql-conninfo=host=$PGHOST port=$PGPORT dbname=$PP_PGDB user=$PP_PGUSER password=$ARG_PW]"
service pp_arg_uri good "postgresql-conninfo=postgresql://$PP_PGUSER:$ARG_PW@localhost/$PP_PGDB"
service pp_arg_none good "[postgresql-conninfo=host=$PGHOST port=$PGPORT dbname=$PP_PGDB user=$PP_PGUSER]"
service pp_same same

# shellcheck source=tests/pamtester.bash
. "$(dirname "${BASH_SOURCE[0]}")/pamtester.bash"
use_pam_wrapper "$svcdir"

# login SERVICE: info@example.com, authenticate; module log lines printed.
login() {
    run_pamtester "$1" info@example.com 's3cr3t!' authenticate
    logged=$(grep 'SYSLOG(' <<<"$out")
    diag <<<"$logged"
}
# no_secret LABEL SECRET: not in anything pamtester or the module printed.
no_secret() {
    if [[ $out == *"$2"* ]]; then
        not_ok "$1: the output holds the password"
    else
        ok "$1: the password is in no line"
    fi
}

login pp_typo
expect "a conninfo URI with a typo: PAM_SERVICE_ERR" no "$MSG_SERVICE_ERR" \
    "bad value for postgresql-conninfo: expected a libpq connection string"
no_secret "a conninfo URI with a typo" "$TYPO_PW"

login pp_arg_keyword
expect "password= in postgresql-conninfo as a module argument: PAM_SERVICE_ERR" no \
    "$MSG_SERVICE_ERR" "postgresql-conninfo with a password is not allowed as a module argument"
no_secret "password= as a module argument" "$ARG_PW"
login pp_arg_uri
expect "user:password@ in a postgresql-conninfo URI as a module argument: PAM_SERVICE_ERR" no \
    "$MSG_SERVICE_ERR" "postgresql-conninfo with a password is not allowed as a module argument"
no_secret "user:password@ as a module argument" "$ARG_PW"
# Without a password the argument is fine (the role needs one: libpq finds
# none, and the server refuses: PAM_AUTHINFO_UNAVAIL, not a configuration
# error).
login pp_arg_none
expect "postgresql-conninfo without a password as a module argument is accepted" no \
    "$MSG_AUTHINFO_UNAVAIL"

login pp_same
expect "libpq's text holding the password (user = password): PAM_AUTHINFO_UNAVAIL" no \
    "$MSG_AUTHINFO_UNAVAIL" "libpq's message is withheld"
no_secret "libpq's text holding the password" "$SAME_PW"

echo "1..$n"
[[ $failed -eq 0 ]]
