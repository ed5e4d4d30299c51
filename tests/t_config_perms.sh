#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The module's own file, through PAM: pamtester with the real module under
# pam_wrapper.  A configuration holding the database password that others
# can read, or below a directory someone else could write to or swap, is
# refused with PAM_SERVICE_ERR ("Error in service module", as for any bad
# configuration) and a log line that says what to fix; 0600 and 0640 (the
# reader's group, as for Exim) log in.  pam_powermail.conf(5), PERMISSIONS.
#
# Needs the environment tests/run-tests.sh gives (tests/CONVENTIONS.md), and
# root (chown to nobody).
set -uo pipefail

# shellcheck source=tests/tap.bash
. "$(dirname "${BASH_SOURCE[0]}")/tap.bash"

require_env PP_TOP PP_BUILD PP_TMP PGHOST PGPORT PP_PGSUPER PP_PGDB PP_PGUSER PP_PGPASSWORD PP_PGCTL PP_SECRETS

module=$PP_BUILD/pam_powermail.so
svcdir=$PP_TMP/pam.d
confdir=$PP_TMP/conf
conf=$confdir/pam_powermail.conf
USER_=perms@example.test
PASSWORD=Perms-Login-pw-8e21
MSG_SERVICE_ERR="Error in service module"

if [[ $(id -u) -ne 0 ]]; then
    echo "1..0 # SKIP needs root to give files and directories to nobody"
    exit 0
fi
echo "$PASSWORD" >>"$PP_SECRETS"
if ! psql -X -q -v ON_ERROR_STOP=1 -U "$PP_PGSUPER" -d "$PP_PGDB" -v "pw={plain}$PASSWORD" \
    -v "mb=$USER_" >/dev/null <<'EOF'
INSERT INTO mboxes (mbox, password) VALUES (:'mb', :'pw')
    ON CONFLICT (mbox) DO UPDATE SET password = EXCLUDED.password;
EOF
then
    echo "1..1"
    echo "not ok 1 - inserting $USER_"
    exit 1
fi

mkdir -p "$svcdir"
mkdir -m 755 "$confdir"
(umask 077 && $PP_PGCTL pamconf >"$conf")
# One service per path the module is given: the file itself, and the same
# file reached through a symbolic link to its directory.
ln -s "$confdir" "$PP_TMP/linked"
for svc in direct:"$conf" linked:"$PP_TMP/linked/pam_powermail.conf"; do
    printf '%s\n' "auth     required  $module config=${svc#*:}" \
        "account  required  $module config=${svc#*:}" >"$svcdir/pp_${svc%%:*}"
done

# shellcheck source=tests/pamtester.bash
. "$(dirname "${BASH_SOURCE[0]}")/pamtester.bash"
use_pam_wrapper "$svcdir"

# login LABEL SERVICE WANT: WANT is "ok" or a piece of the module's log line
# that must come with PAM_SERVICE_ERR.
login() {
    local label=$1 svc=$2 want=$3
    run_pamtester "pp_$svc" "$USER_" "$PASSWORD" authenticate acct_mgmt
    if [[ $out == *"$PP_PGPASSWORD"* || $out == *"$PASSWORD"* ]]; then
        not_ok "$label: a password is in the output"
        diag <<<"$out"
    elif [[ $want == ok ]]; then
        expect "$label: logs in" yes "successfully authenticated" "account management done"
    else
        expect "$label: PAM_SERVICE_ERR and the reason in the log" no "$MSG_SERVICE_ERR" \
            "configuration: $want"
    fi
}

chmod 600 "$conf"
login "0600 file with the password" direct ok
chmod 640 "$conf"
login "0640 file with the password (the reader's group)" direct ok
chmod 644 "$conf"
login "0644 file with the password" direct \
    "$conf: readable by others, and it holds the database password (postgresql-password)"
chmod 604 "$conf"
login "0604 file with the password" direct "$conf: readable by others"
chmod 600 "$conf"
chown nobody "$conf"
login "a file owned by nobody" direct "$conf: must be owned by root"
chown root "$conf"
chmod 775 "$confdir"
login "a group-writable directory above the file" direct \
    "$confdir: a directory above the configuration writable by group or others"
chmod 755 "$confdir"
chown nobody "$confdir"
login "a directory above the file owned by nobody" direct \
    "$confdir: a directory above the configuration owned by uid $(id -u nobody)"
login "a symlinked directory owned by nobody" linked "$PP_TMP/linked: a symbolic link"
chown root "$confdir"
login "a symlinked directory owned by root" linked "$PP_TMP/linked: a symbolic link"
login "all put right again" direct ok

echo "1..$n"
[[ $failed -eq 0 ]]
