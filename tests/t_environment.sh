#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_environment.sh -- the caller's PG* variables do not steer the module's
# connection (lib/conn_params.c).  pamtester under pam_wrapper, the real
# module, the harness's cluster.
#
# pamtester runs with PGHOSTADDR alone (the issue's reproduction), then with
# every PG* variable pointing somewhere else: PGHOSTADDR/PGHOST/PGPORT at a
# fake server on 127.0.0.2 and the cluster's port that logs any connection
# and asks for the password in clear (tests/py/fake_pg.py), PGSERVICE and PGSERVICEFILE at a
# service that says the same, PGOPTIONS at a schema whose mboxes table lets
# an attacker's password in, PGUSER/PGPASSWORD/PGDATABASE/PGSSLMODE/... at
# nonsense.  The configured server still answers, the schema is not used,
# and the fake server never sees a connection.  A TCP host with no sslmode
# written stays verify-full whatever PGSSLMODE says (the harness's cluster
# has no TLS: PAM_AUTHINFO_UNAVAIL, never a plaintext login).
set -uo pipefail

# shellcheck source=tests/tap.bash
. "$(dirname "${BASH_SOURCE[0]}")/tap.bash"
require_env PP_TOP PP_BUILD PP_TMP PGHOST PGPORT PP_PGSUPER PP_PGDB PP_PGUSER PP_PGPASSWORD PP_PGCTL PP_SECRETS

module=$PP_BUILD/pam_powermail.so
svcdir=$PP_TMP/pam.d
EVIL_PW=Env-Evil-pw-71
MSG_AUTHINFO_UNAVAIL="Authentication service cannot retrieve authentication info"
echo "$EVIL_PW" >>"$PP_SECRETS"

# shellcheck source=tests/fake_pg.bash
. "$(dirname "${BASH_SOURCE[0]}")/fake_pg.bash"
trap stop_fake_pg EXIT

psql_su() {
    psql -X -q -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U "$PP_PGSUPER" -d "$PP_PGDB" "$@"
}

[[ -f $module ]] || { echo "1..1"; echo "not ok 1 - no module at $module"; exit 1; }
# On 127.0.0.2 and the cluster's own port (the cluster listens on 127.0.0.1
# only): the configured port, with PGHOSTADDR, reaches it.
start_fake_pg "$PP_TMP/fake" 127.0.0.2 "$PGPORT" ||
    { echo "1..1"; echo "not ok 1 - the fake server did not start on 127.0.0.2:$PGPORT"; exit 1; }

# A schema that PGOPTIONS=-csearch_path=pp_env_evil would put first: its
# mboxes takes the attacker's password for info@example.com.
psql_su <<EOF || not_ok "setting up the rows and the pp_env_evil schema"
INSERT INTO mboxes (mbox, password) VALUES ('env@example.com', '{plain}s3cr3t!')
    ON CONFLICT (mbox) DO UPDATE SET password = EXCLUDED.password;
DROP SCHEMA IF EXISTS pp_env_evil CASCADE;
CREATE SCHEMA pp_env_evil;
CREATE TABLE pp_env_evil.mboxes (mbox text, quotaMB int, isForward text, fwdDest text,
    password text);
INSERT INTO pp_env_evil.mboxes VALUES ('env@example.com', 0, '0', NULL, '{plain}$EVIL_PW');
GRANT USAGE ON SCHEMA pp_env_evil TO $PP_PGUSER;
GRANT SELECT ON pp_env_evil.mboxes TO $PP_PGUSER;
EOF

mkdir -p "$svcdir"
(
    umask 077
    $PP_PGCTL pamconf >"$PP_TMP/socket.conf"
    printf '%s\n' "postgresql-host = 127.0.0.1" "postgresql-port = $PGPORT" \
        "postgresql-user = $PP_PGUSER" "postgresql-password = $PP_PGPASSWORD" \
        "postgresql-database = $PP_PGDB" >"$PP_TMP/tcp.conf"
    # A service naming the fake server, as an attacker's PGSERVICEFILE would.
    printf '%s\n' "[pp_evil]" "hostaddr=127.0.0.2" "host=127.0.0.2" "port=$FAKE_PORT" \
        "sslmode=disable" "dbname=evil" "user=evil" "options=-csearch_path=pp_env_evil" \
        >"$PP_TMP/pg_service.conf"
)
for name in socket tcp; do
    cat >"$svcdir/pp_env_$name" <<EOF
auth     required  $module config=$PP_TMP/$name.conf
account  required  $module config=$PP_TMP/$name.conf
EOF
done

# shellcheck source=tests/pamtester.bash
. "$(dirname "${BASH_SOURCE[0]}")/pamtester.bash"
use_pam_wrapper "$svcdir"

# Everything a caller could set.  PGSERVICE must name a service that exists:
# libpq looks a named service up whatever it is given, and fails (closed)
# when there is none.
evil_env=(PGHOSTADDR=127.0.0.2 PGHOST=127.0.0.2 PGPORT="$FAKE_PORT"
    PGSERVICE=pp_evil PGSERVICEFILE="$PP_TMP/pg_service.conf" PGSYSCONFDIR="$PP_TMP"
    PGOPTIONS=-csearch_path=pp_env_evil PGUSER=evil PGPASSWORD=evil PGDATABASE=evil
    PGSSLMODE=disable PGREQUIRESSL=0 PGGSSENCMODE=require PGSSLROOTCERT=/nonexistent
    PGSSLCERT="$PP_TMP/x.crt" PGSSLKEY="$PP_TMP/x.key" PGPASSFILE="$PP_TMP/pgpass"
    PGTARGETSESSIONATTRS=read-only PGCONNECT_TIMEOUT=1 PGCLIENTENCODING=LATIN1
    PGAPPNAME=evil PGCHANNELBINDING=require PGKRBSRVNAME=evil PGREQUIREPEER=evil
    PGSSLMINPROTOCOLVERSION=TLSv1.3 PGSSLCRL=/nonexistent PGLOADBALANCEHOSTS=random
    PGREQUIREAUTH=none PGSSLNEGOTIATION=direct PGSSLCERTMODE=require PGSSLSNI=0
    HOME="$PP_TMP")
plain_env=("${wrapper_env[@]}")

# login LABEL SERVICE PASSWORD WANT_ZERO TEXT: one pamtester run; the
# module's log lines go to the harness's secrets check.
login() {
    run_pamtester "$2" env@example.com "$3" authenticate
    grep 'SYSLOG(' <<<"$out" | diag
    expect "$1" "$4" "$5"
}

# no_connection LABEL: the fake server has had none.
no_connection() {
    if [[ $(fake_connections) -eq 0 ]]; then
        ok "$1: the fake server on 127.0.0.2:$FAKE_PORT had no connection"
    else
        not_ok "$1: the fake server had $(fake_connections) connection(s), $(fake_got password) sent a password"
        diag <"$FAKE_LOG"
    fi
}

# The issue's reproduction: PGHOSTADDR wins over a configured host in libpq.
wrapper_env=("${plain_env[@]}" PGHOSTADDR=127.0.0.2)
login "PGHOSTADDR set: the configured server answers" \
    pp_env_socket 's3cr3t!' yes "successfully authenticated"
no_connection "PGHOSTADDR"

wrapper_env=("${plain_env[@]}" "${evil_env[@]}")
login "PG* variables set: the configured server answers, right password" \
    pp_env_socket 's3cr3t!' yes "successfully authenticated"
login "PG* variables set: PGOPTIONS' search_path is not used (the attacker's row does not log in)" \
    pp_env_socket "$EVIL_PW" no "Authentication failure"
no_connection "every PG* variable"

login "a TCP host with no sslmode written and PGSSLMODE=disable: still verify-full, the cluster without TLS is PAM_AUTHINFO_UNAVAIL" \
    pp_env_tcp 's3cr3t!' no "$MSG_AUTHINFO_UNAVAIL"
if [[ $out == *"SSL was required"* ]]; then
    ok "... because libpq required TLS"
else
    not_ok "... because libpq required TLS"
    diag <<<"$out"
fi

psql_su -c 'DROP SCHEMA pp_env_evil CASCADE' >/dev/null || not_ok "dropping pp_env_evil"
echo "1..$n"
[[ $failed -eq 0 ]]
