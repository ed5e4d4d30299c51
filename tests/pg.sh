#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/pg.sh -- a throwaway PostgreSQL cluster for the tests.
#
#   tests/pg.sh start   DIR   create a cluster in DIR (absent or empty), start it,
#                             create role/database `powermail`, load sql/schema.sql,
#                             write DIR/env.  On an existing cluster: same as resume.
#   tests/pg.sh stop    DIR   stop the server, keep the files
#   tests/pg.sh resume  DIR   start the server again after stop
#   tests/pg.sh destroy DIR   stop if running, remove DIR
#   tests/pg.sh env     DIR   print the export lines of DIR/env
#   tests/pg.sh pamconf DIR   print a pam_powermail.conf that reaches the cluster
#                             as the SELECT-only role, with debug on: successes
#                             are logged too, for the suite-wide secrets check
#
# "tests/pg.sh DIR COMMAND" is accepted too, so that PP_PGCTL (from DIR/env) is
# a command prefix: `$PP_PGCTL stop`, `$PP_PGCTL start`.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SELF="$TOP/tests/pg.sh"
PGPASS_TEST=pp-test-secret
MARKER=.pp-pg-cluster   # lets destroy refuse to rm -rf a directory that isn't ours

die() { echo "pg.sh: $*" >&2; exit 1; }

usage() {
    echo "usage: $0 {start|stop|resume|destroy|env|pamconf} DIR   (or: $0 DIR COMMAND)" >&2
    exit 2
}

[[ $# -eq 2 ]] || usage
is_cmd() { [[ $1 =~ ^(start|stop|resume|destroy|env|pamconf)$ ]]; }
if is_cmd "$1"; then
    cmd=$1 dir=$2
elif is_cmd "$2"; then
    cmd=$2 dir=$1
else
    usage
fi

# PP_PGCTL is used unquoted as a command prefix, so DIR must be one word.
[[ $dir != *[[:space:]]* ]] || die "DIR must not contain whitespace: '$dir'"
if [[ $cmd == start ]]; then
    mkdir -p "$dir"
elif [[ ! -d $dir ]]; then
    [[ $cmd == destroy ]] && exit 0   # nothing left to destroy
    die "no such directory: $dir"
fi
dir=$(cd "$dir" && pwd)
data="$dir/data"
sock="$dir/sock"
log="$dir/log/postgresql.log"

# Newest installed server version.
bin=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
[[ -x $bin/initdb && -x $bin/pg_ctl ]] ||
    die "no PostgreSQL server under /usr/lib/postgresql (run: tools/deps.sh check)"

# initdb and pg_ctl refuse to run as root: run them as the postgres user then.
if [[ $(id -u) -eq 0 ]]; then
    # runuser lives in /usr/sbin, which a minimal PATH may lack.
    RUNUSER=$(command -v runuser || echo /usr/sbin/runuser)
    as_owner() { "$RUNUSER" -u postgres -- "$@"; }
else
    as_owner() { "$@"; }
fi

running() {
    [[ -f $data/PG_VERSION ]] && as_owner "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1
}

# Superuser psql over the unix socket (trust).
psql_super() {
    psql -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$(cat "$dir/port")" -U postgres "$@"
}

# A port nobody on 127.0.0.1 answers on.  Racy by nature; start_server retries.
free_port() {
    local p _
    for _ in $(seq 1 50); do
        p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
        # A refused connect means nothing listens there.
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    die "no free TCP port found"
}

set_port() {
    echo "$1" >"$dir/port"
    # Later settings win, so appending is enough; the file stays readable.
    echo "port = $1" >>"$data/postgresql.conf"
}

start_server() {
    local attempt
    for attempt in 1 2 3 4 5; do
        if as_owner "$bin/pg_ctl" start -w -t 60 -D "$data" -l "$log" >/dev/null; then
            return 0
        fi
        # Someone grabbed our port between the probe and the bind: pick another.
        if tail -n 20 "$log" 2>/dev/null | grep -q 'could not bind\|Address already in use'; then
            set_port "$(free_port)"
            continue
        fi
        break
    done
    tail -n 20 "$log" >&2 2>/dev/null || true
    die "server failed to start (attempt $attempt), log: $log"
}

write_env() {
    local port
    port=$(cat "$dir/port")
    cat >"$dir/env" <<EOF
export PGHOST=$sock
export PGPORT=$port
export PP_PGSUPER=postgres
export PP_PGDB=powermail
export PP_PGUSER=powermail
export PP_PGPASSWORD=$PGPASS_TEST
export PP_PGCTL="$SELF $dir"
EOF
    chmod 644 "$dir/env"
}

do_init() {
    if [[ -n $(ls -A "$dir") ]]; then
        die "$dir is not empty and holds no cluster"
    fi
    touch "$dir/$MARKER"
    mkdir -p "$dir/log" "$sock"
    # Everyone may traverse to the socket and read env; root bypasses anyway,
    # but the tests may also connect as other users.
    chmod 755 "$dir" "$sock" "$dir/log"
    if [[ $(id -u) -eq 0 ]]; then
        chown -R postgres: "$dir"
        as_owner test -x "$dir" ||
            die "the postgres user cannot reach $dir (check the parent directories' modes)"
    fi
    as_owner "$bin/initdb" -D "$data" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 -E UTF8 --locale=C >"$dir/log/initdb.log" 2>&1 ||
        { cat "$dir/log/initdb.log" >&2; die "initdb failed"; }

    cat >>"$data/postgresql.conf" <<EOF

# --- tests/pg.sh ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sock'
unix_socket_permissions = 0777
fsync = off
synchronous_commit = off
full_page_writes = off
password_encryption = 'scram-sha-256'
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
EOF
    cat >"$data/pg_hba.conf" <<EOF
# tests/pg.sh: superuser without password on the socket, everyone else scram.
local all postgres                trust
local all all                     scram-sha-256
host  all all      127.0.0.1/32   scram-sha-256
EOF
    set_port "$(free_port)"
    [[ $(id -u) -ne 0 ]] || chown postgres: "$dir/port"
    start_server

    psql_super -d postgres <<EOF
SET password_encryption = 'scram-sha-256';
CREATE ROLE powermail LOGIN PASSWORD '$PGPASS_TEST';
CREATE DATABASE powermail OWNER postgres;
EOF
    psql_super -d powermail -f "$TOP/sql/schema.sql" >/dev/null
    write_env
}

case $cmd in
    start)
        if [[ -f $data/PG_VERSION ]]; then
            running || start_server
        else
            do_init
        fi
        ;;
    resume)
        [[ -f $data/PG_VERSION ]] || die "no cluster in $dir"
        running || start_server
        ;;
    stop)
        [[ -f $data/PG_VERSION ]] || die "no cluster in $dir"
        if running; then
            as_owner "$bin/pg_ctl" stop -D "$data" -m fast -w -t 60 >/dev/null
        fi
        ;;
    destroy)
        if [[ -f $data/PG_VERSION ]] && running; then
            as_owner "$bin/pg_ctl" stop -D "$data" -m fast -w -t 60 >/dev/null ||
                as_owner "$bin/pg_ctl" stop -D "$data" -m immediate -w -t 30 >/dev/null || true
        fi
        if [[ -e $dir/$MARKER || -z $(ls -A "$dir") ]]; then
            rm -rf "$dir"
        else
            die "$dir was not made by tests/pg.sh; not removing it"
        fi
        ;;
    env)
        [[ -f $dir/env ]] || die "no $dir/env (start the cluster first)"
        cat "$dir/env"
        ;;
    pamconf)
        [[ -f $dir/env ]] || die "no $dir/env (start the cluster first)"
        # shellcheck source=/dev/null
        . "$dir/env"
        printf '%s\n' "postgresql-host = $PGHOST" "postgresql-port = $PGPORT" \
            "postgresql-database = $PP_PGDB" "postgresql-user = $PP_PGUSER" \
            "postgresql-password = $PP_PGPASSWORD" "debug = yes"
        ;;
    *) usage ;;
esac
