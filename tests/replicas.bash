# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the tests (and benchmarks) that need a primary, streaming
# standbys and pgbouncers of their own, all on 127.0.0.1 and in directories
# the caller names (never the harness's cluster, never the system's).
#
#   primary_start DIR          tests/pg.sh start DIR (role and database
#                              powermail, sql/schema.sql), plus a replication
#                              role, a pg_hba replication line and
#                              log_connections; REPL_PASSWORD is its password
#   standby_start DIR PRIMARY  pg_basebackup -R -c fast -X stream from the
#                              primary in PRIMARY, then a hot standby on its
#                              own port and socket directory in DIR
#   server_stop DIR            pg_ctl stop -m fast (primary or standby)
#   server_start DIR           start it again, same port and data
#   port_of DIR                the server's port (DIR/port)
#   psql_at DIR ARG...         psql as the superuser over DIR's unix socket
#   bouncer_start DIR PORT ROLE SECRET
#                              pgbouncer in transaction mode, pool size 1, on
#                              a free port of 127.0.0.1 (sets B_PORT) in front
#                              of the server on 127.0.0.1:PORT; ROLE logs in
#                              with SECRET, its SCRAM secret from pg_authid
#   replicas_stop_all          the cleanup: bouncers, standbys, the primary
#   free_port, wait_for SECONDS COMMAND..., alive PID, stop_pid PID
#
# A failing step prints its log's end as TAP comment lines and returns
# non-zero; the caller decides whether to bail.  pg_ctl, pg_basebackup and
# pgbouncer refuse to run as root: as root they run as postgres.
# Needs PP_TOP.

REPL_PASSWORD=${REPL_PASSWORD:-pp-repl-secret}
replica_bin=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
replica_dirs=()     # standbys started, for replicas_stop_all
replica_primary=
replica_bouncer_pids=()

if [[ $(id -u) -eq 0 ]]; then
    replica_runuser=$(command -v runuser || echo /usr/sbin/runuser)
    as_owner() { "$replica_runuser" -u postgres -- "$@"; }
    give() { chown postgres: "$@"; }
else
    as_owner() { "$@"; }
    give() { :; }
fi

replica_note() { sed 's/^/# /'; }

# A port nobody on 127.0.0.1 answers on (as tests/pg.sh picks them).
free_port() {
    local p _
    for _ in $(seq 1 50); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# wait_for SECONDS COMMAND...: true as soon as COMMAND succeeds.
wait_for() {
    local end=$((SECONDS + $1))
    shift
    while ! "$@"; do
        [[ $SECONDS -lt $end ]] || return 1
        sleep 0.1
    done
}

# alive PID: the process exists and is not a zombie (a daemon's parent may
# never reap it).
alive() {
    local state
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $state && $state != Z ]]
}

stop_pid() { # stop_pid PID: TERM, then KILL after 5 s
    local pid=$1 _
    [[ -n $pid ]] && alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        alive "$pid" || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

port_of() { cat "$1/port"; }

psql_at() {
    local dir=$1
    shift
    psql -X -q -v ON_ERROR_STOP=1 -h "$dir/sock" -p "$(port_of "$dir")" -U postgres "$@"
}

server_running() {
    [[ -f $1/data/PG_VERSION ]] && as_owner "$replica_bin/pg_ctl" status -D "$1/data" >/dev/null 2>&1
}

server_stop() {
    server_running "$1" || return 0
    as_owner "$replica_bin/pg_ctl" stop -D "$1/data" -m fast -w -t 30 >/dev/null 2>&1 ||
        as_owner "$replica_bin/pg_ctl" stop -D "$1/data" -m immediate -w -t 30 >/dev/null 2>&1
}

server_start() {
    server_running "$1" && return 0
    if ! as_owner "$replica_bin/pg_ctl" start -w -t 60 -D "$1/data" -l "$1/log/postgresql.log" >/dev/null; then
        tail -n 20 "$1/log/postgresql.log" 2>/dev/null | replica_note
        return 1
    fi
}

primary_start() {
    local dir=$1 wal_level senders
    replica_primary=$dir
    if ! "$PP_TOP/tests/pg.sh" start "$dir" >"$dir.start.log" 2>&1; then
        replica_note <"$dir.start.log"
        return 1
    fi
    # Streaming needs wal_level replica (the default) and WAL senders;
    # tests/pg.sh's pg_hba.conf has no replication line.
    wal_level=$(psql_at "$dir" -d postgres -Atc 'SHOW wal_level')
    senders=$(psql_at "$dir" -d postgres -Atc 'SHOW max_wal_senders')
    echo "host  replication replicator 127.0.0.1/32 scram-sha-256" >>"$dir/data/pg_hba.conf"
    echo "log_connections = on" >>"$dir/data/postgresql.conf"
    if [[ $wal_level == minimal || $senders -lt 4 ]]; then
        psql_at "$dir" -d postgres -c "ALTER SYSTEM SET wal_level = replica" \
            -c "ALTER SYSTEM SET max_wal_senders = 8" >/dev/null || return 1
        server_stop "$dir" && server_start "$dir" || return 1
    fi
    psql_at "$dir" -d postgres >"$dir.role.log" 2>&1 <<EOF || { replica_note <"$dir.role.log"; return 1; }
SET password_encryption = 'scram-sha-256';
CREATE ROLE replicator REPLICATION LOGIN PASSWORD '$REPL_PASSWORD';
SELECT pg_reload_conf();
EOF
}

standby_start() {
    local dir=$1 primary=$2 port _
    mkdir -p "$dir/sock" "$dir/log"
    chmod 755 "$dir" "$dir/sock" "$dir/log"
    give "$dir" "$dir/sock" "$dir/log"
    # -c fast: without it pg_basebackup waits for the next spread checkpoint.
    if ! as_owner env PGPASSWORD="$REPL_PASSWORD" "$replica_bin/pg_basebackup" -R -c fast -X stream \
        -D "$dir/data" -h 127.0.0.1 -p "$(port_of "$primary")" -U replicator >"$dir/log/basebackup.log" 2>&1 ||
        [[ ! -f $dir/data/standby.signal ]]; then
        replica_note <"$dir/log/basebackup.log"
        return 1
    fi
    replica_dirs+=("$dir")
    for _ in 1 2 3 4 5; do
        port=$(free_port) || return 1
        echo "$port" >"$dir/port"
        cat >>"$dir/data/postgresql.conf" <<EOF

# --- tests/replicas.bash: the standby (later settings win) ---
port = $port
unix_socket_directories = '$dir/sock'
EOF
        if as_owner "$replica_bin/pg_ctl" start -w -t 60 -D "$dir/data" -l "$dir/log/postgresql.log" >/dev/null; then
            return 0
        fi
        tail -n 20 "$dir/log/postgresql.log" 2>/dev/null | grep -q 'could not bind\|Address already in use' || break
    done
    tail -n 20 "$dir/log/postgresql.log" 2>/dev/null | replica_note
    return 1
}

bouncer_start() {
    local dir=$1 server_port=$2 role=$3 secret=$4 pid _
    mkdir -p "$dir"
    give "$dir"
    # pgbouncer checks the client with the role's SCRAM secret and logs in
    # to the server with the keys the client's SCRAM exchange gave it.
    printf '"%s" "%s"\n' "$role" "$secret" >"$dir/userlist.txt"
    chmod 600 "$dir/userlist.txt"
    give "$dir/userlist.txt"
    for _ in 1 2 3 4 5; do
        B_PORT=$(free_port) || return 1
        # server_idle_timeout: an idle server session ends soon, so that its
        # backend's statistics are flushed (a test reads them);
        # server_login_retry: a server started again is used within a second.
        cat >"$dir/pgbouncer.ini" <<EOF
[databases]
powermail = host=127.0.0.1 port=$server_port dbname=powermail

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $B_PORT
unix_socket_dir = $dir
pidfile = $dir/pgbouncer.pid
logfile = $dir/pgbouncer.log
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = 1
max_client_conn = 100
server_idle_timeout = 2
server_login_retry = 1
EOF
        give "$dir/pgbouncer.ini"
        as_owner pgbouncer -d "$dir/pgbouncer.ini" >>"$dir/start.log" 2>&1 || true
        if wait_for 10 test -s "$dir/pgbouncer.pid"; then
            pid=$(<"$dir/pgbouncer.pid")
            replica_bouncer_pids+=("$pid")
            if wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$B_PORT" 2>/dev/null; then
                return 0
            fi
            stop_pid "$pid"
        fi
        grep -q 'Address already in use' "$dir/pgbouncer.log" 2>/dev/null || break
    done
    cat "$dir/start.log" "$dir/pgbouncer.log" 2>/dev/null | tail -n 20 | replica_note
    return 1
}

replicas_stop_all() {
    local pid dir
    for pid in "${replica_bouncer_pids[@]}"; do
        stop_pid "$pid"
    done
    for dir in "${replica_dirs[@]}"; do
        server_stop "$dir"
        rm -rf "$dir"
    done
    [[ -z $replica_primary ]] || "$PP_TOP/tests/pg.sh" destroy "$replica_primary" >/dev/null 2>&1 || true
}
