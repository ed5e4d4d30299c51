#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A fake PostgreSQL server that catches passwords, for the tests.

    fake_pg.py PORTFILE LOGFILE [ADDRESS [PORT]]

Listens on ADDRESS (127.0.0.1) and PORT (a free one), and writes the port
to PORTFILE once listening.  Any 127.x.y.z is local on Linux: on 127.0.0.2
it can take the port of a real server on 127.0.0.1.
What happens is logged in LOGFILE, one line per event, numbered by
connection: "1 connection", "1 sslrequest", "1 startup", "1 password".

It refuses TLS ('N'), as a server with ssl = off or a man in the middle
that cannot present the right certificate would, and asks for the password
in clear (AuthenticationCleartextPassword): a client that carries on sends
it.  An empty LOGFILE means nothing ever connected.  Runs until killed.
"""
import os
import socket
import struct
import sys
import threading

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104


def read_exactly(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def serve(conn, number, note):
    try:
        conn.settimeout(30)
        while True:
            head = read_exactly(conn, 4)
            if head is None:
                break
            (length,) = struct.unpack("!I", head)
            body = read_exactly(conn, length - 4) if length >= 8 else None
            if body is None:
                break
            (code,) = struct.unpack("!I", body[:4])
            if code in (SSL_REQUEST, GSSENC_REQUEST):
                note(number, "sslrequest")
                conn.sendall(b"N")
                continue
            note(number, "startup")
            conn.sendall(b"R" + struct.pack("!II", 8, 3))
            if read_exactly(conn, 1) == b"p":
                note(number, "password")
            break
    except OSError:
        pass
    finally:
        conn.close()


def main():
    portfile, logfile = sys.argv[1], sys.argv[2]
    address = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"
    port = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    lock = threading.Lock()
    log = open(logfile, "a", encoding="ascii")

    # Each event is on disk before the client gets the reply it waits
    # for, so that a test that saw its client finish sees the event too.
    def note(number, event):
        with lock:
            log.write(f"{number} {event}\n")
            log.flush()

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((address, port))
    listener.listen(16)
    with open(portfile + ".tmp", "w", encoding="ascii") as f:
        f.write(f"{listener.getsockname()[1]}\n")
    # Renamed into place: a reader never sees a half-written port.
    os.rename(portfile + ".tmp", portfile)
    number = 0
    while True:
        conn, _ = listener.accept()
        number += 1
        note(number, "connection")
        threading.Thread(target=serve, args=(conn, number, note), daemon=True).start()


if __name__ == "__main__":
    main()
