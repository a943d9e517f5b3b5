#!/usr/bin/env python3
"""sdactivate.py: start a program the way systemd's socket activation and
Type=notify do, for t6060: a listening socket as fd 3 with LISTEN_FDS=1
and LISTEN_PID set to the program's own pid, and NOTIFY_SOCKET naming a
datagram socket this script reads.

Usage: sdactivate.py DIR ADDR -- PROGRAM ARGS...
ADDR is a host to bind on port 0 (127.0.0.1, ::1, 0.0.0.0) or unix:PATH.
Writes DIR/port (or DIR/path) once listening, DIR/notify with each
datagram the program sends (one per line), DIR/pid, then waits for the
program and exits with its status.
"""
import os
import socket
import sys
import threading


def main():
    d, addr = sys.argv[1], sys.argv[2]
    argv = sys.argv[sys.argv.index("--") + 1:]
    if addr.startswith("unix:"):
        ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        ls.bind(addr[5:])
    else:
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        ls = socket.socket(fam, socket.SOCK_STREAM)
        ls.bind((addr, 0))
    ls.listen(64)
    if ls.family != socket.AF_UNIX:
        with open(os.path.join(d, "port"), "w") as f:
            f.write("%d\n" % ls.getsockname()[1])
    npath = os.path.join(d, "notify.sock")
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(npath)

    def reader():
        while True:
            msg = ns.recv(4096)
            with open(os.path.join(d, "notify"), "ab") as f:
                f.write(msg.replace(b"\n", b" ") + b"\n")

    threading.Thread(target=reader, daemon=True).start()
    pid = os.fork()
    if pid == 0:
        os.dup2(ls.fileno(), 3)
        os.set_inheritable(3, True)
        env = dict(os.environ, LISTEN_FDS="1", LISTEN_PID=str(os.getpid()),
                   LISTEN_FDNAMES="vtoken", NOTIFY_SOCKET=npath)
        os.execvpe(argv[0], argv, env)
    ls.close()
    with open(os.path.join(d, "pid"), "w") as f:
        f.write("%d\n" % pid)
    _, st = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(st) & 0xff)


main()
