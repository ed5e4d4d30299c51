# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the shell tests that need a server which must receive nothing:
#
#   start_fake_pg DIR [ADDRESS PORT]
#                         tests/py/fake_pg.py on ADDRESS (127.0.0.1) and PORT
#                         (a free one); sets FAKE_PORT, FAKE_LOG (a line per
#                         event) and FAKE_PID (the test stops it: stop_fake_pg)
#   stop_fake_pg
#   fake_connections      how many connections it has accepted so far
#   fake_got WHAT         how many of them sent WHAT (sslrequest, startup,
#                         password); each is logged before the reply the
#                         client waits for, so a finished client's are there

start_fake_pg() {
    local dir=$1 _
    shift
    mkdir -p "$dir"
    FAKE_LOG=$dir/fake-pg.log
    : >"$FAKE_LOG"
    /usr/bin/python3 "$PP_TOP/tests/py/fake_pg.py" "$dir/fake-pg.port" "$FAKE_LOG" "$@" &
    FAKE_PID=$!
    for _ in $(seq 100); do
        [[ -s $dir/fake-pg.port ]] && break
        sleep 0.1
    done
    FAKE_PORT=$(cat "$dir/fake-pg.port" 2>/dev/null)
    [[ -n $FAKE_PORT ]]
}

stop_fake_pg() {
    [[ -n ${FAKE_PID:-} ]] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
    FAKE_PID=
    return 0
}

fake_connections() { fake_got connection; }
fake_got() { grep -c " $1\$" "$FAKE_LOG" || true; }
