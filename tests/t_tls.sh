#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_tls.sh -- TLS to the userbase, through pamtester, pam_wrapper and the
# real module, against a PostgreSQL cluster of this test's own with
# ssl = on on 127.0.0.1 and certificates made here with openssl: a CA, a
# server certificate for 127.0.0.1 and localhost, a client certificate, and
# a second CA that signed nothing the server shows.
#
#   - no sslmode written, a TCP host: verify-full; 127.0.0.1 and localhost
#     log in; another CA, or a name the certificate does not carry, is
#     PAM_AUTHINFO_UNAVAIL and the server logs the connection but no
#     authentication (the password never left the process)
#   - a server that refuses TLS (tests/py/fake_pg.py, which would ask for the
#     password in clear): PAM_AUTHINFO_UNAVAIL, it got no startup packet
#   - postgresql-sslcert/-sslkey with `cert` in pg_hba: a login with no
#     database password at all; postgresql-passfile: the password from a file
#   - sslmode = require written out: works, and one warning per process
set -uo pipefail

# shellcheck source=tests/tap.bash
. "$(dirname "${BASH_SOURCE[0]}")/tap.bash"
require_env PP_TOP PP_BUILD PP_TMP PP_SECRETS

module=$PP_BUILD/pam_powermail.so
svcdir=$PP_TMP/pam.d
cluster=$PP_TMP/tls-pg
certs=$PP_TMP/certs
MSG_AUTHINFO_UNAVAIL="Authentication service cannot retrieve authentication info"
USER_PW=Tls-user-pw-5
echo "$USER_PW" >>"$PP_SECRETS"

# shellcheck source=tests/fake_pg.bash
. "$(dirname "${BASH_SOURCE[0]}")/fake_pg.bash"
cleanup() {
    stop_fake_pg
    "$PP_TOP/tests/pg.sh" destroy "$cluster" >/dev/null 2>&1 || true
}
on_exit cleanup

[[ -f $module ]] || bail "no module at $module"
command -v openssl >/dev/null || bail "openssl is not installed"

# --- certificates -----------------------------------------------------------

mkdir -p "$certs"
# new_ca NAME: NAME.key, NAME.crt
new_ca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$certs/$1.key" -out "$certs/$1.crt" -days 2 -subj "/CN=pam_powermail test $1" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
}
# new_cert NAME CA SUBJECT [SAN]: NAME.key, NAME.crt, signed by CA
new_cert() {
    local ext=$certs/$1.ext
    printf 'basicConstraints=CA:FALSE\n' >"$ext"
    [[ -z ${4:-} ]] || printf 'subjectAltName=%s\n' "$4" >>"$ext"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$certs/$1.key" -out "$certs/$1.csr" -subj "$3" &&
        openssl x509 -req -in "$certs/$1.csr" -CA "$certs/$2.crt" -CAkey "$certs/$2.key" \
            -CAcreateserial -out "$certs/$1.crt" -days 2 -extfile "$ext"
}
(
    umask 077
    new_ca ca && new_ca other-ca &&
        new_cert server ca /CN=localhost "IP:127.0.0.1,DNS:localhost" &&
        new_cert client ca /CN=pp_certuser
) >"$PP_TMP/openssl.log" 2>&1 || { diag <"$PP_TMP/openssl.log"; bail "making certificates"; }
chmod 644 "$certs"/*.crt
chmod 755 "$certs"
ok "certificates: a CA, a server certificate for 127.0.0.1 and localhost, a client certificate, another CA"

# --- the cluster ------------------------------------------------------------

"$PP_TOP/tests/pg.sh" start "$cluster" >"$PP_TMP/pg-start.log" 2>&1 ||
    { diag <"$PP_TMP/pg-start.log"; bail "tests/pg.sh start $cluster"; }
# shellcheck source=/dev/null
. "$cluster/env"
pglog=$cluster/log/postgresql.log
cp "$certs/server.crt" "$certs/server.key" "$certs/ca.crt" "$cluster/data/"
[[ $(id -u) -ne 0 ]] || chown postgres: "$cluster/data/server.crt" "$cluster/data/server.key" "$cluster/data/ca.crt"
cat >>"$cluster/data/postgresql.conf" <<EOF
# --- tests/t_tls.sh ---
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
ssl_ca_file = 'ca.crt'
log_connections = on
EOF
# TCP only with TLS; pp_certuser by its certificate alone.
cat >"$cluster/data/pg_hba.conf" <<EOF
local   all all                        trust
hostssl all pp_certuser 127.0.0.1/32   cert
hostssl all all         127.0.0.1/32   scram-sha-256
EOF
{ "$PP_TOP/tests/pg.sh" stop "$cluster" && "$PP_TOP/tests/pg.sh" start "$cluster"; } \
    >"$PP_TMP/pg-restart.log" 2>&1 || { diag <"$PP_TMP/pg-restart.log"; bail "restarting with ssl = on"; }
psql -X -q -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U postgres -d powermail <<EOF ||
CREATE ROLE pp_certuser LOGIN;
GRANT SELECT ON mboxes TO pp_certuser;
INSERT INTO mboxes (mbox, password) VALUES ('tls@example.com', '{plain}$USER_PW');
EOF
    bail "the pp_certuser role and the tls@example.com row"
ok "a cluster with ssl = on on 127.0.0.1:$PGPORT, hostssl only, cert for pp_certuser"

start_fake_pg "$PP_TMP/fake" || bail "starting tests/py/fake_pg.py"

# --- configurations -----------------------------------------------------------

mkdir -p "$svcdir"
cat >"$svcdir/other" <<EOF
auth     required  pam_deny.so
account  required  pam_deny.so
EOF
# conf NAME LINE...: $PP_TMP/NAME.conf (0600) and the PAM service NAME.
conf() {
    local name=$1
    shift
    (umask 077 && printf '%s\n' "$@" >"$PP_TMP/$name.conf")
    cat >"$svcdir/$name" <<EOF
auth     required  $module config=$PP_TMP/$name.conf
account  required  $module config=$PP_TMP/$name.conf
EOF
}
login_as=("postgresql-port = $PGPORT" "postgresql-database = powermail"
    "postgresql-user = powermail" "postgresql-password = $PP_PGPASSWORD")
conf tls_ip "postgresql-host = 127.0.0.1" "${login_as[@]}" \
    "postgresql-sslrootcert = $certs/ca.crt"
conf tls_name "postgresql-host = localhost" "${login_as[@]}" \
    "postgresql-sslrootcert = $certs/ca.crt"
conf tls_other_ca "postgresql-host = 127.0.0.1" "${login_as[@]}" \
    "postgresql-sslrootcert = $certs/other-ca.crt"
conf tls_other_name \
    "postgresql-conninfo = host=db.example.net hostaddr=127.0.0.1 port=$PGPORT dbname=powermail user=powermail password=$PP_PGPASSWORD" \
    "postgresql-sslrootcert = $certs/ca.crt"
conf tls_refused "postgresql-host = 127.0.0.1" "postgresql-port = $FAKE_PORT" \
    "postgresql-user = powermail" "postgresql-password = $PP_PGPASSWORD"
conf tls_cert "postgresql-host = 127.0.0.1" "postgresql-port = $PGPORT" \
    "postgresql-database = powermail" "postgresql-user = pp_certuser" \
    "postgresql-sslrootcert = $certs/ca.crt" "postgresql-sslcert = $certs/client.crt" \
    "postgresql-sslkey = $certs/client.key"
(umask 077 && echo "127.0.0.1:$PGPORT:powermail:powermail:$PP_PGPASSWORD" >"$PP_TMP/pgpass")
conf tls_passfile "postgresql-host = 127.0.0.1" "postgresql-port = $PGPORT" \
    "postgresql-database = powermail" "postgresql-user = powermail" \
    "postgresql-passfile = $PP_TMP/pgpass" "postgresql-sslrootcert = $certs/ca.crt"
conf tls_require "postgresql-host = 127.0.0.1" "${login_as[@]}" "postgresql-sslmode = require"

# shellcheck source=tests/pamtester.bash
. "$(dirname "${BASH_SOURCE[0]}")/pamtester.bash"
use_pam_wrapper "$svcdir"

# login SERVICE [PASSWORD]: tls@example.com, authenticate; the module's log
# lines go to the harness's secrets check.
login() {
    run_pamtester "$1" tls@example.com "${2:-$USER_PW}" authenticate
    grep 'SYSLOG(' <<<"$out" | diag
}

# server_saw_no_login LABEL FROM_LINE: since line FROM_LINE of the server's
# log, a TCP connection arrived and none authenticated or tried to.
server_saw_no_login() {
    local new
    new=$(tail -n +"$2" "$pglog")
    if [[ $new == *"connection received: host=127.0.0.1"* &&
        $new != *"connection authorized"* && $new != *"authentication failed"* &&
        $new != *"password"* ]]; then
        ok "$1: the server saw the connection and no authentication"
    else
        not_ok "$1: the server saw the connection and no authentication"
        diag <<<"$new"
    fi
}
log_line() { echo $(($(wc -l <"$pglog") + 1)); }

login tls_ip
expect "no sslmode, host 127.0.0.1, the CA's certificate: verify-full logs in" yes \
    "successfully authenticated"
login tls_name
expect "no sslmode, host localhost: verify-full logs in" yes "successfully authenticated"

from=$(log_line)
login tls_other_ca
expect "a server certificate from another CA: PAM_AUTHINFO_UNAVAIL" no "$MSG_AUTHINFO_UNAVAIL"
server_saw_no_login "another CA" "$from"

from=$(log_line)
login tls_other_name
expect "a certificate for another name (db.example.net): PAM_AUTHINFO_UNAVAIL" no \
    "$MSG_AUTHINFO_UNAVAIL" "does not match host name"
server_saw_no_login "another name" "$from"

login tls_refused
expect "a server that refuses TLS, no sslmode written: PAM_AUTHINFO_UNAVAIL" no \
    "$MSG_AUTHINFO_UNAVAIL"
if [[ $(fake_got sslrequest) -ge 1 && $(fake_got startup) -eq 0 && $(fake_got password) -eq 0 ]]; then
    ok "a server that refuses TLS: it got the TLS request only, no startup packet, no password"
else
    not_ok "a server that refuses TLS: it got more than the TLS request"
    diag <"$FAKE_LOG"
fi

login tls_cert
expect "client certificate (cert in pg_hba), no database password: logs in" yes \
    "successfully authenticated"
login tls_cert Wr0ng-tls-pw
expect "client certificate: a wrong user password is still refused" no "Authentication failure"

login tls_passfile
expect "postgresql-passfile instead of postgresql-password: logs in" yes "successfully authenticated"

# Two logins in one process: one warning.
rc=0
out=$(printf '%s\n%s\n' "$USER_PW" "$USER_PW" |
    env "${wrapper_env[@]}" pamtester -v tls_require tls@example.com authenticate authenticate 2>&1) ||
    rc=$?
grep 'SYSLOG(' <<<"$out" | diag
expect "sslmode = require written out: two logins in one process" yes "successfully authenticated"
warnings=$(grep -c 'SYSLOG(4): the userbase is reached over TCP with sslmode require' <<<"$out")
if [[ $warnings -eq 1 ]]; then
    ok "sslmode = require: one warning per process, at LOG_WARNING"
else
    not_ok "sslmode = require: $warnings warnings, want 1"
fi

echo "1..$n"
[[ $failed -eq 0 ]]
