#!/usr/bin/env python3
"""serveclient: an OpenAI-style HTTP client for the tests of `vtoken serve`
(the broker), standard library only.

    serveclient.py [--unix PATH] COMMAND [OPTIONS]

The broker is found as an OpenAI SDK finds it: OPENAI_BASE_URL (as
http://HOST:PORT/v1; the path is ignored, requests go to --path) and
OPENAI_API_KEY (sent as "Authorization: Bearer KEY"; never taken from
the command line).  With --unix PATH the connection goes to that unix
socket instead (the Host header is still OPENAI_BASE_URL's, or --host).

Commands (each prints one JSON object on stdout):

    req     one request: status, headers (lower-case names), body (the
            first 64 KiB, text), ms, and for an SSE reply events: a list
            of {"recv": T, "sent": T} (when the client read each event,
            and the mock's "mock_sent" in it), content (the deltas
            joined), done (true if "data: [DONE]" came), error (how the
            transport failed, if it did)
            --path P (default /v1/chat/completions) --method M (POST)
            --stream --text T --host H (the Host header) --no-key
            --key-env VAR (the key from VAR instead) --body-size N (a
            JSON body padded to N bytes) --header "Name: value"
            --test-id ID (sent as X-Vt-Test) --timeout S
    many    --n N [--stream] [--text T] [--path P]: N requests at once (a barrier
            starts them together); {"n", "ok", "failures": [first 20]};
            exit 1 if any failed
    load    --seconds S --workers N [--path P]: N threads each sending requests back
            to back for S seconds, plain and streaming in turn (every
            request a new connection); {"total", "ok", "plain", "stream",
            "failures": [first 20], "first": T, "last": T}; exit 1 if
            any failed
    idle    --n N [--repeat R] [--path P]: the median time of R (default 5) plain
            requests, then N idle connections opened and kept (half of
            them having sent part of a request line), then the median of
            R requests again; {"baseline_ms", "idle_ms", "opened",
            "ok"}; exit 1 if a request failed or fewer than N opened
    hog     --n N --seconds S [--until FILE]: N connections that each
            send part of a request line, then a byte of a header every
            half second for S seconds (or until FILE exists); "opened N"
            on stderr once they are open;
            {"opened", "still_open"} (not closed by the broker at the
            end)

A request succeeds when the status is 200 and the reply is the mock's
echo of the text ("mock reply: TEXT"), complete: for SSE, the deltas make
up the echo and [DONE] came.
"""

import argparse
import http.client
import json
import os
import socket
import statistics
import sys
import threading
import time
import urllib.parse


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, host, timeout):
        super().__init__(host, timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


def target(args):
    """(host, port, Host header) from OPENAI_BASE_URL."""
    base = os.environ.get("OPENAI_BASE_URL", "")
    u = urllib.parse.urlsplit(base)
    if args.unix is None and (u.scheme != "http" or not u.hostname):
        sys.exit("serveclient: OPENAI_BASE_URL is not http://HOST:PORT/...:"
                 " %r" % base)
    return u.hostname, u.port or 80, u.netloc


def connect(args, timeout):
    host, port, netloc = target(args)
    if args.unix is not None:
        return UnixConnection(args.unix, netloc or "localhost", timeout)
    return http.client.HTTPConnection(host, port, timeout=timeout)


def request(args, stream=None, text=None, test_id=None, path=None):
    """One request; a dict describing what happened."""
    stream = args.stream if stream is None else stream
    text = (getattr(args, "text", None) or "hello broker") \
        if text is None else text
    path = path or getattr(args, "path", None) or "/v1/chat/completions"
    method = getattr(args, "method", None) or "POST"
    timeout = getattr(args, "timeout", None) or 60
    res = {"status": None, "ms": None, "error": None, "test_id": test_id}
    hdrs = {"Content-Type": "application/json", "Accept":
            "text/event-stream" if stream else "application/json"}
    _, _, netloc = target(args)
    hdrs["Host"] = getattr(args, "host", None) or netloc or "localhost"
    if not getattr(args, "no_key", False):
        key = os.environ.get(getattr(args, "key_env", None)
                             or "OPENAI_API_KEY")
        if key is not None:
            hdrs["Authorization"] = "Bearer " + key
    if test_id:
        hdrs["X-Vt-Test"] = test_id
    for h in getattr(args, "header", None) or []:
        name, _, value = h.partition(":")
        hdrs[name.strip()] = value.strip()
    body = {"model": "google/gemini-2.0-flash-001",
            "messages": [{"role": "user", "content": text}]}
    if stream:
        body["stream"] = True
    data = json.dumps(body).encode()
    size = getattr(args, "body_size", None)
    if size:
        body["padding"] = ""
        pad = size - len(json.dumps(body).encode())
        body["padding"] = "x" * max(pad, 0)
        data = json.dumps(body).encode()
    t0 = time.time()
    conn = connect(args, timeout)
    try:
        conn.putrequest(method, path, skip_host=True,
                        skip_accept_encoding=True)
        for k, v in hdrs.items():
            conn.putheader(k, v)
        if method in ("POST", "PUT"):
            conn.putheader("Content-Length", str(len(data)))
        conn.endheaders()
        if method in ("POST", "PUT"):
            try:
                for i in range(0, len(data), 1 << 16):
                    conn.send(data[i:i + (1 << 16)])
            except OSError as e:    # the server may answer early (413)
                res["send_error"] = repr(e)
        r = conn.getresponse()
        res["status"] = r.status
        res["headers"] = {k.lower(): v for k, v in r.getheaders()}
        ctype = r.getheader("Content-Type", "")
        if ctype.startswith("text/event-stream"):
            events, content, done, raw = [], "", False, []
            try:
                while True:
                    line = r.readline()
                    if not line:
                        break
                    now = time.time()
                    raw.append(line)
                    line = line.decode("utf-8", "replace").rstrip("\r\n")
                    if not line.startswith("data: "):
                        continue
                    if line == "data: [DONE]":
                        done = True
                        continue
                    ev = json.loads(line[6:])
                    events.append({"recv": now, "sent": ev.get("mock_sent")})
                    for c in ev.get("choices") or []:
                        content += (c.get("delta") or {}).get("content") \
                            or ""
            except (OSError, http.client.HTTPException, ValueError) as e:
                res["error"] = repr(e)
            res.update(events=events, content=content, done=done,
                       body=b"".join(raw)[:65536].decode("utf-8",
                                                         "replace"))
        else:
            res["body"] = r.read()[:65536].decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as e:
        res["error"] = repr(e)
    finally:
        conn.close()
    res["ms"] = int((time.time() - t0) * 1000)
    res["t0"], res["stream"], res["text"] = t0, stream, text
    return res


def succeeded(res):
    """None if the request got the whole echo, else why not."""
    want = "mock reply: %s" % res["text"]
    if res["error"]:
        return "transport: %s (status %s)" % (res["error"], res["status"])
    if res["status"] != 200:
        return "status %s: %s" % (res["status"], (res.get("body") or "")[:200])
    if res["stream"]:
        if not res.get("done"):
            return "stream without [DONE]"
        if res.get("content") != want:
            return "stream content %r" % res.get("content")
        return None
    try:
        got = json.loads(res["body"])["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        return "reply not a chat.completion: %r" % res.get("body", "")[:200]
    return None if got == want else "reply content %r" % got


def brief(res):
    return {k: res.get(k) for k in ("test_id", "status", "ms", "error",
                                    "stream", "t0")}


def cmd_req(args):
    res = request(args, test_id=args.test_id)
    print(json.dumps(res))
    return 0


def cmd_many(args):
    barrier = threading.Barrier(args.n)
    results = [None] * args.n

    def one(i):
        try:
            barrier.wait(timeout=60)
        except threading.BrokenBarrierError:
            pass
        results[i] = request(args, text="%s %d" % (args.text, i),
                             test_id="many-%d" % i)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(args.n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    fails = []
    for r in results:
        why = succeeded(r)
        if why:
            fails.append(dict(brief(r), why=why))
    print(json.dumps({"n": args.n, "ok": args.n - len(fails),
                      "max_ms": max(r["ms"] for r in results),
                      "failures": fails[:20]}))
    return 1 if fails else 0


def cmd_load(args):
    end = time.time() + args.seconds
    lock = threading.Lock()
    out = {"total": 0, "ok": 0, "plain": 0, "stream": 0, "failures": [],
           "nfail": 0, "first": None, "last": None}

    def worker(w):
        i = 0
        while time.time() < end:
            stream = (i + w) % 2 == 1
            r = request(args, stream=stream, text="load %d %d" % (w, i),
                        test_id="load-%d-%d" % (w, i))
            why = succeeded(r)
            with lock:
                out["total"] += 1
                out["stream" if stream else "plain"] += 1
                if out["first"] is None:
                    out["first"] = r["t0"]
                out["last"] = time.time()
                if why:
                    out["nfail"] += 1
                    if len(out["failures"]) < 20:
                        out["failures"].append(dict(brief(r), why=why))
                else:
                    out["ok"] += 1
            i += 1

    threads = [threading.Thread(target=worker, args=(w,))
               for w in range(args.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(out))
    return 1 if out["nfail"] else 0


def still_open(socks):
    """How many of socks the broker has not closed (nothing waits)."""
    alive = 0
    for s in socks:
        try:
            s.setblocking(False)
            if s.recv(1, socket.MSG_PEEK) == b"":
                continue        # closed by the broker
        except BlockingIOError:
            pass
        except OSError:
            continue
        alive += 1
    return alive


def cmd_idle(args):
    def timed(tag):
        ms, bad = [], []
        for i in range(args.repeat):
            r = request(args, stream=False, text="%s %d" % (tag, i),
                        test_id="%s-%d" % (tag, i))
            why = succeeded(r)
            if why:
                bad.append(why)
            ms.append(r["ms"])
        return ms, bad

    base, bad1 = timed("baseline")
    host, port, netloc = target(args)
    socks = []
    for i in range(args.n):
        try:
            if args.unix is not None:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(args.unix)
            else:
                s = socket.create_connection((host, port), timeout=10)
            if i % 2:
                s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: ")
            socks.append(s)
        except OSError:
            break
    time.sleep(0.2)
    idle, bad2 = timed("idle")
    out = {"baseline_ms": statistics.median(base), "baseline": base,
           "idle_ms": statistics.median(idle), "idle": idle,
           "opened": len(socks), "ok": not (bad1 or bad2),
           "failures": (bad1 + bad2)[:10]}
    # the idle connections are still open: are they still there?
    out["still_open"] = still_open(socks)
    for s in socks:
        s.close()
    print(json.dumps(out))
    return 0 if out["ok"] and len(socks) == args.n else 1


def cmd_hog(args):
    """Connections that send their headers a byte at a time, each byte
    soon enough for the idle timeout (another user's, in t6020): how many
    the broker keeps open."""
    host, port, netloc = target(args)
    socks = []
    for i in range(args.n):
        try:
            s = socket.create_connection((host, port), timeout=10)
            s.sendall(b"GET /v1/models HTTP/1.1\r\nX-Slow: ")
            socks.append(s)
        except OSError:
            break
    # Another user may not write the caller's files: stderr says it.
    print("opened %d" % len(socks), file=sys.stderr, flush=True)
    end = time.monotonic() + args.seconds
    while time.monotonic() < end and not (args.until and
                                          os.path.exists(args.until)):
        for s in socks:
            try:
                s.sendall(b"a")
            except OSError:
                pass
        time.sleep(0.5)
    alive = still_open(socks)
    for s in socks:
        s.close()
    print(json.dumps({"opened": len(socks), "still_open": alive}))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--unix", help="connect to this unix socket")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("req")
    p.add_argument("--path")
    p.add_argument("--method")
    p.add_argument("--stream", action="store_true")
    p.add_argument("--text")
    p.add_argument("--host")
    p.add_argument("--no-key", action="store_true")
    p.add_argument("--key-env")
    p.add_argument("--body-size", type=int)
    p.add_argument("--header", action="append")
    p.add_argument("--test-id")
    p.add_argument("--timeout", type=float)
    p = sub.add_parser("many")
    p.add_argument("--path")
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--stream", action="store_true")
    p.add_argument("--text", default="many")
    p.add_argument("--timeout", type=float)
    p = sub.add_parser("load")
    p.add_argument("--path")
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--timeout", type=float)
    p.set_defaults(stream=False)
    p = sub.add_parser("idle")
    p.add_argument("--path")
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--timeout", type=float)
    p.set_defaults(stream=False)
    p = sub.add_parser("hog")
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--until")
    args = ap.parse_args()
    return {"req": cmd_req, "many": cmd_many, "load": cmd_load,
            "idle": cmd_idle, "hog": cmd_hog}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
