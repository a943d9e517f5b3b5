#!/usr/bin/env python3
"""connectproxy: an HTTPS proxy (HTTP CONNECT) on 127.0.0.1, for t6035.

    connectproxy.py DIR

Listens on a free port of 127.0.0.1 and writes it to DIR/port.  Each
CONNECT HOST:PORT is answered "200 Connection established" (with a header
of its own, which a client must not take for the reply's) and tunnelled
to 127.0.0.1:PORT, whatever HOST says: nothing ever leaves loopback.  Any
other request gets 405.  Each request line is appended to DIR/log.  It
exits when the process that started it does.  Standard library only.
"""

import os
import socket
import sys
import threading


def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def handle(c, log):
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = c.recv(4096)
        if not d or len(buf) > 65536:
            c.close()
            return
        buf += d
    line = buf.split(b"\r\n", 1)[0].decode("latin-1")
    with log[1]:
        log[0].write(line + "\n")
        log[0].flush()
    parts = line.split(" ")
    if len(parts) != 3 or parts[0] != "CONNECT" or ":" not in parts[1]:
        c.sendall(b"HTTP/1.1 405 Method Not Allowed\r\n"
                  b"Content-Length: 0\r\n\r\n")
        c.close()
        return
    try:
        port = int(parts[1].rsplit(":", 1)[1])
        u = socket.create_connection(("127.0.0.1", port))
    except (ValueError, OSError):
        c.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
        c.close()
        return
    c.sendall(b"HTTP/1.1 200 Connection established\r\n"
              b"Proxy-Agent: vtoken-test-proxy\r\n\r\n")
    threading.Thread(target=pipe, args=(c, u), daemon=True).start()
    pipe(u, c)


def main():
    d = sys.argv[1]
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    log = (open(os.path.join(d, "log"), "a"), threading.Lock())
    with open(os.path.join(d, "port.tmp"), "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
    # Gone with the test that started it, even if the test died first.
    parent = os.getppid()
    ls.settimeout(0.5)
    while os.getppid() == parent:
        try:
            c, _ = ls.accept()
        except socket.timeout:
            continue
        c.settimeout(None)
        threading.Thread(target=handle, args=(c, log), daemon=True).start()


if __name__ == "__main__":
    main()
