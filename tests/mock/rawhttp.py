#!/usr/bin/env python3
"""rawhttp.py: HTTP the way a broken or hostile client speaks it, for
t6025: bytes written as given on one connection, and what comes back.

Usage:
  rawhttp.py send HOST:PORT FILE      write FILE's bytes, print the status
                                      line of the reply (or "closed")
  rawhttp.py slow HOST:PORT SECS      start a request's headers and stop;
                                      print how many seconds until the
                                      server closed the connection, or
                                      "open" if it did not within SECS
"""
import socket
import sys
import time


def connect(addr):
    host, port = addr.rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=30)


def status(s):
    data = b""
    while b"\r\n" not in data:
        try:
            chunk = s.recv(4096)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            break
        data += chunk
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    return line if line else "closed"


def main():
    cmd, addr = sys.argv[1], sys.argv[2]
    s = connect(addr)
    if cmd == "send":
        with open(sys.argv[3], "rb") as f:
            try:
                s.sendall(f.read())
            except (BrokenPipeError, ConnectionResetError):
                pass
        print(status(s))
    elif cmd == "slow":
        secs = float(sys.argv[3])
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: " +
                  addr.encode() + b"\r\nX-Slow: ")
        t0 = time.monotonic()
        s.settimeout(secs)
        try:
            while s.recv(4096):
                pass
            print("%.1f" % (time.monotonic() - t0))
        except socket.timeout:
            print("open")
        except ConnectionResetError:
            print("%.1f" % (time.monotonic() - t0))


main()
