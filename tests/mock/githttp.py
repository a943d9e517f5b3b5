#!/usr/bin/env python3
"""githttp: git's smart HTTP protocol on 127.0.0.1, as `git http-backend`
behind a small CGI server that demands a token the mock Google server
(mockgoogle.py) issued, for vtoken's git credential helper tests.

    python3 githttp.py --dir STATEDIR --root REPOS --mock MOCK_URL
                       [--user oauth2accesstoken]

Listens on a port the kernel picks and writes it to STATEDIR/port when
ready.  Every request needs "Authorization: Basic" with user --user and a
token as password, or "Authorization: Bearer TOKEN" (what git 2.46 and
later send when the helper answers with authtype=Bearer).  The token is
valid if MOCK_URL/_mock/check says the mock issued it and has not revoked
it; otherwise the reply is 401 with WWW-Authenticate: Basic, and git asks
its credential helpers (and, after a second 401, calls "erase").

Each request is logged as one JSON line to STATEDIR/requests.log: method,
path, status, auth ("none", "basic", "bearer"), user, and token_sha256
(the SHA-256 of the token in hex; never the token).

SIGTERM or SIGINT stops it.  Standard library only.
"""

import argparse
import base64
import binascii
import hashlib
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

MAX_BODY = 16 << 20
REALM = 'Basic realm="vtoken test git server"'


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "githttp/1"
    timeout = 30

    def log_message(self, fmt, *args):
        pass

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
                if len(body) > MAX_BODY:
                    raise ValueError("body too large")
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(n)

    def send(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def credentials(self):
        """(auth kind, user, token) from the Authorization header."""
        auth = self.headers.get("Authorization", "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer" and value:
            return "bearer", None, value.strip()
        if scheme.lower() == "basic" and value:
            try:
                user, _, token = base64.b64decode(
                    value.strip(), validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return "bad", None, None
            return "basic", user, token
        return "none", None, None

    def token_valid(self, token):
        data = urllib.parse.urlencode({"token": token}).encode()
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(self.server.mock_url + "/_mock/check", data,
                             timeout=10) as r:
                return r.status == 200
        except OSError:                 # HTTPError (401) is an OSError
            return False

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        kind, user, token = self.credentials()
        rec = {"time": time.time(), "method": self.command,
               "path": url.path, "query": url.query, "auth": kind,
               "user": user, "token_sha256": hashlib.sha256(
                   token.encode()).hexdigest() if token else None}
        try:
            body = self.read_body()
        except (ValueError, OSError):
            rec["status"] = 400
            self.server.log(rec)
            self.close_connection = True
            self.send(400, b"bad request\n")
            return
        ok = token and (kind == "bearer" or user == self.server.user) \
            and self.token_valid(token)
        if not ok:
            rec["status"] = 401
            self.server.log(rec)
            self.send(401, b"authentication required\n",
                      (("WWW-Authenticate", REALM),
                       ("Content-Type", "text/plain")))
            return
        status, headers, out = self.cgi(url, body, user or "bearer")
        rec["status"] = status
        self.server.log(rec)
        self.send(status, out, headers)

    do_GET = do_POST = do_HEAD = handle_any

    def cgi(self, url, body, user):
        """Run git http-backend for the request: (status, headers, body)."""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": self.server.root,
            "GIT_HTTP_EXPORT_ALL": "1",
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": urllib.parse.unquote(url.path),
            "QUERY_STRING": url.query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_USER": user,
            "REMOTE_ADDR": "127.0.0.1",
        }
        for name in ("Git-Protocol", "Content-Encoding"):
            if self.headers.get(name):
                env["HTTP_" + name.upper().replace("-", "_")] = \
                    self.headers[name]
        p = subprocess.run(["git", "http-backend"], input=body,
                           capture_output=True, env=env, timeout=60)
        head, _, out = p.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, out = p.stdout.partition(b"\n\n")
        status, headers = 200, []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value.strip()))
        if p.returncode != 0 and not p.stdout:
            status, out = 500, p.stderr
        return status, headers, out


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, statedir, root, mock_url, user):
        self.statedir, self.root = statedir, root
        self.mock_url, self.user = mock_url.rstrip("/"), user
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), Handler)

    def log(self, rec):
        line = json.dumps(rec, sort_keys=True) + "\n"
        with self.lock:
            with open(os.path.join(self.statedir, "requests.log"), "a") as f:
                f.write(line)

    def handle_error(self, request, client_address):
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--mock", required=True)
    ap.add_argument("--user", default="oauth2accesstoken")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    server = Server(args.dir, os.path.abspath(args.root), args.mock,
                    args.user)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    t = threading.Thread(target=server.serve_forever, args=(0.1,),
                         daemon=True)
    t.start()
    tmp = os.path.join(args.dir, "port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, os.path.join(args.dir, "port"))
    while not stop.wait(1):
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
