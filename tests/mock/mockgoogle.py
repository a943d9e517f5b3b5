#!/usr/bin/env python3
"""mockgoogle: a small stand-in for Google's OAuth2 token endpoint and the
Vertex AI OpenAI-compatible chat endpoint, for vtoken's tests and demo.

    python3 mockgoogle.py --dir STATEDIR [--config FILE]
                          [--tls-cert CERT --tls-key KEY]

Listens on 127.0.0.1 only, on a port the kernel picks (plus a second, HTTPS
listener when a certificate is given), and writes the ports to
STATEDIR/https_port and STATEDIR/port (atomically, "port" last: when it
exists, the server is ready).  SIGTERM or SIGINT stops it cleanly.

Every HTTP request is logged as one JSON line to STATEDIR/requests.log:
time, listener, method, path, query, headers, the parsed form or JSON body,
for a JWT assertion its decoded header and claims, the reply status and
the access token issued, if any.  A request is logged when its reply is
sent, which may be seconds later (a "delay" fault); when the file
STATEDIR/requests.cleared holds a time (seconds since the epoch: a test
emptied the log then), a request received before it is not logged.
TLS handshakes that fail are logged to STATEDIR/tls-errors.log.

The config (default STATEDIR/config.json) is re-read on every request, so a
test can change it while the server runs; write it atomically.

    {
      "service_accounts": {
        "sa@p.iam.gserviceaccount.com":
          {"modulus": "C0FFEE...", "exponent": 65537, "kid": "optional"}
      },
      "authorized_users": [
        {"client_id": "...", "client_secret": "...", "refresh_token": "..."}
      ],
      "expires_in": 3599,
      "faults": {
        "fail": 2, "status": 503, "retry_after": "1", "body": "optional",
        "delay": 0.5,
        "reply": "malformed"
      },
      "pwned_file": "/tmp/pwned"
    }

The chat endpoint's own behaviour is in "chat" (also re-read per request):

      "chat": {
        "interval": 0.3,
        "faults": {"sequence": [503, 503, 200], "retry_after": "1"},
        "locations": {"loc-a": {"status": 429, "retry_after": "1"}}
      }

"interval": seconds between the events of a streamed (SSE) reply; every
event's JSON carries "mock_sent", the time (seconds since the epoch) the
mock wrote it.  The chat faults are "locations"[L] for a request whose
path has /locations/L/, else "faults":
    "sequence": [S, ...]  the first N chat requests (to that location,
                          counted since the config last changed) get these
                          replies in order, then normal ones.  An entry is
                          a status (200: the normal reply; 401 a token
                          error, others a Google-style error), "disconnect"
                          (the connection closes without a reply) or
                          "reset" (a stream reset after "reset_after"
                          events, default 1)
    "status": S           every request gets S (when there is no sequence,
                          or after it)
    "retry_after": "1"    the Retry-After header of those error replies
    "reset_after": N      every streamed reply is cut off by a TCP reset
                          after N events (without "sequence" or "status")
    "reject_tokens": [T]  401 for these access tokens, as if revoked
    "delay": 0.5          seconds to wait before replying
    "error_body_size": N  the error replies' bodies are N bytes (padded
                          with spaces), sent at "error_body_rate" bytes a
                          second (default 1000000)
Every chat request's log record also has "location", "token_valid" (the
Bearer token was issued by this mock, not revoked and unexpired when the
request arrived), "token_ttl" (seconds it had left, or null) and "fault"
(what was done instead of a normal reply, or null).  A chat reply echoes
the request's X-Vt-Test header as X-Mock-Test.  Streamed replies use
chunked transfer encoding, as Vertex does.

Faults apply to POST /token only.  "fail": the first N token requests after
the config file last changed get "status" (default 503) with the optional
"retry_after" header and "body" (a string is sent as is, anything else as
JSON); a negative "fail", or "status" without "fail", fails every request.
"delay": seconds to wait before replying.  "reply": replaces a successful
reply with one of the kinds in REPLY_KINDS below.

Endpoints:
    POST /token                 jwt-bearer and refresh_token grants
    POST /v1/token              STS token exchange (config "sts":
                                subject_tokens, audiences, client, reply,
                                expires_in, faults)
    POST /v1/oauthtoken         STS refresh_token grant (sts.refresh_tokens)
    POST /v1/projects/-/serviceAccounts/E:generateAccessToken
                                IAM; needs a Bearer token this mock issued
                                (config "iam": accounts {E: {delegates,
                                max_lifetime}}, faults)
    POST /v1/projects/-/serviceAccounts/E:generateIdToken
                                IAM's ID tokens, with the same checks
                                (JSON audience, includeEmail, delegates)
    GET  /subject/{text,json}   a subject token (config "subject_url":
                                token, field, headers, status)
    POST /{v1,v1beta1}/projects/P/locations/L/endpoints/E/chat/completions
                                needs a Bearer token this mock issued;
                                with "stream": true the reply is SSE
                                (chat.completion.chunk events, [DONE])
    POST /v1beta/openai/chat/completions
                                the Gemini API: needs "Bearer KEY" with a
                                KEY listed in "gemini_keys"
    GET  /  and  /computeMetadata/v1/...
                                the GCE metadata server, when the config
                                has "metadata" (see below)
    GET  /v2/...                a container registry (Docker's registry
                                API v2, read only): every path needs
                                Basic oauth2accesstoken:<a token this
                                mock issued>, else 401 with
                                WWW-Authenticate: Basic; repositories
                                under public/ are open to anyone.
                                /v2/, /v2/NAME/manifests/REF,
                                /v2/NAME/blobs/DIGEST, /v2/NAME/tags/list
                                (one image, tag "latest")
    GET  /api, /apis            a Kubernetes API server's discovery: needs
                                a Bearer token this mock issued, else 401
                                with a Status object (kubectl's exec
                                credential test)
    GET  /_mock/health          "ok"
    POST /_mock/check           form token=T: 200 if this mock issued T
                                and it has not expired or been revoked,
                                else 401 (for the git test server)
    POST /_mock/revoke          form token=T, or all=1: forget the
                                token(s), as if revoked; replies the count
    POST /_mock/issue           form lifetime=SECONDS (default 3599): a
                                new access token, as if minted (for tests
                                of the mock itself)

The metadata server ("metadata" in the config):

      "metadata": {
        "email": "sa@p.iam.gserviceaccount.com", "project_id": "md-proj",
        "expires_in": 3599, "scopes": ["https://...", ...],
        "fault": "no_flavor" | "no_sa", "status": 500, "delay": 2.0
      }

Requests without "Metadata-Flavor: Google" get 403; every reply carries
that header unless "fault" is "no_flavor".  "scopes", if given, lists the
scopes a token request may ask for (?scopes=, comma-separated); others
get 400.  "no_sa": no service account attached (404 on its paths).
"status" answers every metadata request with that status; "delay" waits
first (both also apply to the probe of "/").  Without "metadata", "/"
and /computeMetadata/ are 404 without the header, like any web server.

ID tokens: a jwt-bearer assertion whose claims have "target_audience"
(and no scope) gets {"id_token": JWT} from /token; IAM's generateIdToken
gets {"token": JWT}; the metadata server's
.../service-accounts/default/identity?audience=A[&format=full] the bare
JWT.  The JWT is the mock's own (header kid "mock", a fake signature: for
tests only), with aud, iss (https://accounts.google.com), azp, sub, iat
and exp (now + "expires_in"), and email/email_verified for a service
account key, IAM's includeEmail and format=full.  Its record has
"audience" and "issued_id_token".  "id_token": {"reply": KIND} in the
config replaces the JWT with one of ID_TOKEN_KINDS below (every route).

Standard library only: the RS256 signature is checked with pow().
"""

import argparse
import base64
import binascii
import hashlib
import hmac
import http.server
import json
import os
import re
import secrets
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# DER prefix of the DigestInfo for SHA-256 (RFC 8017 section 9.2, note 1).
SHA256_DIGESTINFO = bytes.fromhex("3031300d060960864801650304020105000420")
MSG_SIGNATURE = "Invalid JWT Signature."
MSG_TIME = ("Invalid JWT: Token must be a short-lived token (60 minutes) and "
            "in a reasonable timeframe. Check your iat and exp values in the "
            "JWT claim.")
MSG_ISS = "Invalid email or User ID"
MSG_REVOKED = "Token has been expired or revoked."
MAX_BODY = 1 << 20          # what the mock accepts from a client
CHAT_PATH = re.compile(r"^/(v1|v1beta1)/projects/([^/]+)/locations/([^/]+)"
                       r"/endpoints/([^/]+)/chat/completions$")
B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
GEMINI_CHAT_PATH = "/v1beta/openai/chat/completions"
REGISTRY_PATH = re.compile(r"^/v2/(.+)/(manifests|blobs|tags/list)/?([^/]*)$")
MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
MD_SA = "/computeMetadata/v1/instance/service-accounts/default/"
IAM_PATH = re.compile(r"^/v1/projects/-/serviceAccounts/([^/:]+)"
                      r":generateAccessToken$")
IAM_ID_PATH = re.compile(r"^/v1/projects/-/serviceAccounts/([^/:]+)"
                         r":generateIdToken$")
MOCK_ISSUER = "https://accounts.google.com"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
SUBJECT_TYPES = ("urn:ietf:params:oauth:token-type:jwt",
                 "urn:ietf:params:oauth:token-type:id_token",
                 "urn:ietf:params:oauth:token-type:saml2")


class State:
    """What the server remembers between requests."""

    def __init__(self, statedir, config_path):
        self.statedir = statedir
        self.config_path = config_path
        self.lock = threading.Lock()
        self.tokens = {}            # access token -> expiry (epoch seconds)
        self.issued = 0
        self.fault_key = None       # identity of the config the count is for
        self.fault_count = 0
        self.chat_key = None        # the same for the chat sequences
        self.chat_counts = {}       # location -> chat requests so far

    def config(self):
        """The config file as it is now, and a key that changes with it."""
        try:
            with open(self.config_path, "rb") as f:
                raw = f.read()
                st = os.fstat(f.fileno())
        except FileNotFoundError:
            return {}, None
        key = (st.st_ino, st.st_mtime_ns, hashlib.sha256(raw).hexdigest())
        return json.loads(raw.decode("utf-8") or "{}"), key

    def take_fault(self, faults, key):
        """True if this token request is one of the first N to fail."""
        n = faults.get("fail")
        if n is None:
            return "status" in faults
        if n < 0:
            return True
        with self.lock:
            if key != self.fault_key:
                self.fault_key, self.fault_count = key, 0
            self.fault_count += 1
            return self.fault_count <= n

    def chat_count(self, location, key):
        """How many chat requests to LOCATION came before this one since
        the config last changed (0 for the first)."""
        with self.lock:
            if key != self.chat_key:
                self.chat_key, self.chat_counts = key, {}
            n = self.chat_counts.get(location, 0)
            self.chat_counts[location] = n + 1
            return n

    def token_ttl(self, token):
        """Seconds TOKEN has left (negative: expired), None if unknown."""
        with self.lock:
            exp = self.tokens.get(token)
        return None if exp is None else exp - time.time()

    def issue(self, lifetime):
        with self.lock:
            self.issued += 1
            token = "ya29.mock-%d-%s" % (self.issued,
                                         secrets.token_urlsafe(24))
            self.tokens[token] = time.time() + lifetime
        return token

    def revoke(self, token=None):
        """Forget one token, or all of them; how many were forgotten."""
        with self.lock:
            if token is None:
                n = len(self.tokens)
                self.tokens.clear()
                return n
            return 1 if self.tokens.pop(token, None) is not None else 0

    def token_valid(self, token):
        with self.lock:
            exp = self.tokens.get(token)
        return exp is not None and exp > time.time()

    def cleared_at(self, name):
        """The time in STATEDIR/NAME.cleared (0 if none): the log was
        emptied then, and requests received earlier are not logged."""
        try:
            with open(os.path.join(self.statedir,
                                   name.replace(".log", ".cleared"))) as f:
                return float(f.read().strip() or 0)
        except (OSError, ValueError):
            return 0

    def log(self, name, record):
        line = json.dumps(record, sort_keys=True) + "\n"
        with self.lock:
            if record.get("time", 1e100) < self.cleared_at(name):
                return
            with open(os.path.join(self.statedir, name), "a") as f:
                f.write(line)


def b64url_decode(s):
    """Strict base64url without padding (RFC 7515), as JWTs use it."""
    if not B64URL.match(s) or len(s) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def rs256_verify(signing_input, sig, modulus_hex, exponent):
    """RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 section 8.2.2)."""
    n = int(modulus_hex, 16)
    k = (n.bit_length() + 7) // 8
    if len(sig) != k:
        return False
    s = int.from_bytes(sig, "big")
    if s >= n:
        return False
    em = pow(s, exponent, n).to_bytes(k, "big")
    t = SHA256_DIGESTINFO + hashlib.sha256(signing_input).digest()
    if k < len(t) + 11:
        return False
    expected = b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t
    return hmac.compare_digest(em, expected)


def jwt_decode(assertion):
    """(header, claims, signing input, signature), unverified."""
    parts = assertion.split(".")
    if len(parts) != 3:
        raise ValueError("not three parts")
    header = json.loads(b64url_decode(parts[0]))
    claims = json.loads(b64url_decode(parts[1]))
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ValueError("not JSON objects")
    return header, claims, (parts[0] + "." + parts[1]).encode(), \
        b64url_decode(parts[2])


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_jwt(header, claims, signing_input, sig, accounts, own_urls):
    """None if the assertion is good, else (status, error, description)."""
    bad_sig = (400, "invalid_grant", MSG_SIGNATURE)
    if header.get("alg") != "RS256" or header.get("typ") != "JWT":
        return bad_sig
    iss = claims.get("iss")
    account = accounts.get(iss) if isinstance(iss, str) else None
    if account is None:
        return (400, "invalid_grant", MSG_ISS)
    if "kid" in account and header.get("kid") != account["kid"]:
        return bad_sig
    if not rs256_verify(signing_input, sig, account["modulus"],
                        int(account.get("exponent", 65537))):
        return bad_sig
    if claims.get("aud") not in own_urls:
        return (400, "invalid_grant", "Invalid JWT: Failed audience check. "
                "The right audience is %s" % own_urls[0])
    iat, exp, now = claims.get("iat"), claims.get("exp"), time.time()
    if not (is_int(iat) and is_int(exp) and abs(iat - now) <= 120
            and 0 < exp - iat <= 3600 and exp > now):
        return (400, "invalid_grant", MSG_TIME)
    scope = claims.get("scope")
    aud = claims.get("target_audience")
    if "target_audience" in claims and "scope" not in claims:
        if isinstance(aud, str) and aud:
            return None
    elif isinstance(scope, str) and scope.strip():
        return None
    return (400, "invalid_scope",
            "Invalid OAuth scope or ID token audience provided.")


def token_reply(token, lifetime, scope):
    return {"access_token": token, "expires_in": lifetime,
            "token_type": "Bearer", "scope": scope}


# Replacements for a successful token reply: kind -> (status, content type,
# body).  The body is a function of the good reply (a dict) and the config.
def _metachar(good, conf):
    pwned = conf.get("pwned_file", "/tmp/pwned")
    good["access_token"] = ("ya29.$(touch %s);`touch %s`'\"\nexport X=1"
                            % (pwned, pwned))
    return json.dumps(good)


# A token made of every character class RFC 6750 allows in a b64token:
# letters, digits, "-", ".", "_", "~", "+", "/", then trailing "=".
B64TOKEN = "ya29.AZaz-09._~+/Mock-b64token.z=="

REPLY_KINDS = {
    "b64token": (200, "application/json",
                 lambda g, c: json.dumps(dict(g, access_token=B64TOKEN))),
    "malformed": (200, "application/json",
                  lambda g, c: "access_token=ya29.nope; this is not JSON"),
    "truncated": (200, "application/json",
                  lambda g, c: json.dumps(g)[:25]),
    "not_object": (200, "application/json",
                   lambda g, c: json.dumps([g])),
    "no_token": (200, "application/json",
                 lambda g, c: json.dumps({"expires_in": 3599})),
    "metachar": (200, "application/json", _metachar),
    "oversized": (200, "application/json",
                  lambda g, c: json.dumps(dict(g, padding="x" * (1 << 20)))),
    "string_expires": (200, "application/json",
                       lambda g, c: json.dumps(dict(g, expires_in="3599"))),
    "short": (200, "application/json",
              lambda g, c: json.dumps(dict(g, expires_in=30))),
    "bad_token_type": (200, "application/json",
                       lambda g, c: json.dumps(dict(g, token_type="mac"))),
    "invalid_grant": (400, "application/json", lambda g, c: json.dumps(
        {"error": "invalid_grant", "error_description": MSG_TIME})),
    "invalid_rapt": (400, "application/json", lambda g, c: json.dumps({
        "error": "invalid_grant",
        "error_description": "reauth related error (invalid_rapt)",
        "error_uri": "https://support.google.com/a/answer/9368756",
        "error_subtype": "invalid_rapt"})),
    "server_error_json": (400, "application/json",
                          lambda g, c: json.dumps(
                              {"error": "temporarily_unavailable"})),
    "html": (502, "text/html; charset=UTF-8",
             lambda g, c: "<!DOCTYPE html><html><head><title>Error 502 "
             "(Server Error)!!1</title></head><body><p><b>502.</b> That's an "
             "error.</p></body></html>\n"),
    # Close the connection without any reply (a transport error).
    "disconnect": (None, None, None),
}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mock_id_token(audience, lifetime, email=None, sub="104857600000000000001"):
    """A JWT shaped like Google's ID tokens, with a fake signature (the
    mock's, for tests only: nothing verifies it)."""
    now = int(time.time())
    claims = {"aud": audience, "azp": email or sub, "exp": now + lifetime,
              "iat": now, "iss": MOCK_ISSUER, "sub": sub}
    if email is not None:
        claims.update(email=email, email_verified=True)
    head = b64url(json.dumps({"alg": "RS256", "kid": "mock",
                              "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    sig = b64url(hashlib.sha256((head + "." + body).encode()).digest() * 8)
    return head + "." + body + "." + sig


def _id_payload(good, payload):
    return good.split(".")[0] + "." + b64url(json.dumps(payload).encode()) \
        + "." + good.split(".")[2]


def _id_claims(good):
    return json.loads(b64url_decode(good.split(".")[1]))


# Replacements for an issued ID token ("id_token": {"reply": KIND}): kind
# -> function of the good JWT.
ID_TOKEN_KINDS = {
    "not_jwt": lambda g: "this-is-not-a-jwt",
    "two_parts": lambda g: ".".join(g.split(".")[:2]),
    "not_base64": lambda g: g.split(".")[0] + ".A." + g.split(".")[2],
    "bad_chars": lambda g: g + "\n$(id)",
    "huge": lambda g: g + "A" * 9000,
    "no_exp": lambda g: _id_payload(g, {k: v for k, v in
                                        _id_claims(g).items() if k != "exp"}),
    "string_exp": lambda g: _id_payload(g, dict(_id_claims(g), exp="soon")),
    "expired": lambda g: _id_payload(g, dict(_id_claims(g), exp=1000000000,
                                             iat=999996400)),
    "wrong_aud": lambda g: _id_payload(g, dict(_id_claims(g),
                                               aud="https://other.invalid")),
}


class SSE:
    """A streamed reply: events (dicts, None for [DONE]) sent one by one."""

    def __init__(self, events, interval=0.0, reset_after=None):
        self.events, self.interval = events, interval
        self.reset_after = reset_after


class SlowBody:
    """An error reply's body of size bytes, sent 64 KiB at a time at rate
    bytes a second (the "error_body_size" fault)."""

    def __init__(self, prefix, size, rate):
        self.prefix, self.size, self.rate = prefix, size, rate


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY
    # the body waits for the client's delayed ACK (40 ms a reply).
    disable_nagle_algorithm = True
    server_version = "mockgoogle/1"
    timeout = 30                # per connection, so nothing hangs forever

    def log_message(self, fmt, *args):    # requests.log is the record
        pass

    # -- plumbing ----------------------------------------------------------

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

    def send(self, status, body, ctype="application/json; charset=utf-8",
             extra=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, no-store, max-age=0")
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_json(self, status, obj, extra=()):
        self.send(status, json.dumps(obj), extra=extra)

    def own_token_urls(self):
        scheme, port = self.server.scheme, self.server.server_address[1]
        return ["%s://127.0.0.1:%d/token" % (scheme, port),
                "%s://localhost:%d/token" % (scheme, port)]

    def handle_any(self):
        state = self.server.state
        url = urllib.parse.urlsplit(self.path)
        rec = {"time": time.time(), "listener": self.server.scheme,
               "method": self.command, "path": url.path, "query": url.query,
               "client_port": self.client_address[1], "headers": {}}
        for name, value in self.headers.items():
            name = name.lower()
            if name in rec["headers"]:
                old = rec["headers"][name]
                rec["headers"][name] = (old if isinstance(old, list)
                                        else [old]) + [value]
            else:
                rec["headers"][name] = value
        try:
            body = self.read_body()
        except (ValueError, OSError) as e:
            rec["status"] = 400
            state.log("requests.log", rec)
            self.close_connection = True
            self.send_json(400, {"error": "invalid_request",
                                 "error_description": str(e)})
            return
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip()
        if ctype == "application/x-www-form-urlencoded":
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"),
                                         keep_blank_values=True)
            rec["form"] = {k: v[0] if len(v) == 1 else v
                           for k, v in form.items()}
        elif ctype == "application/json":
            try:
                rec["json"] = json.loads(body)
            except ValueError:
                rec["body"] = body.decode("utf-8", "replace")
        elif body:
            rec["body"] = body.decode("utf-8", "replace")

        try:
            conf, conf_key = state.config()
        except (OSError, ValueError) as e:
            print("mockgoogle: bad config: %s" % e, file=sys.stderr)
            rec["status"] = 500
            state.log("requests.log", rec)
            self.send_json(500, {"error": "mock config: %s" % e})
            return

        if url.path == "/token":
            reply = self.token(rec, conf, conf_key)
        elif CHAT_PATH.match(url.path):
            reply = self.vertex_chat(rec, conf, conf_key,
                                     CHAT_PATH.match(url.path).group(3))
        elif url.path == GEMINI_CHAT_PATH:
            reply = self.gemini_chat(rec, conf)
        elif url.path == "/" or url.path.startswith("/computeMetadata/"):
            reply = self.metadata(rec, conf, url)
        elif url.path in ("/v1/token", "/v1/oauthtoken"):
            reply = self.sts(rec, conf, conf_key)
        elif IAM_PATH.match(url.path):
            reply = self.iam(rec, conf, conf_key,
                             urllib.parse.unquote(
                                 IAM_PATH.match(url.path).group(1)))
        elif IAM_ID_PATH.match(url.path):
            reply = self.iam(rec, conf, conf_key,
                             urllib.parse.unquote(
                                 IAM_ID_PATH.match(url.path).group(1)),
                             id_token=True)
        elif url.path in ("/subject/text", "/subject/json"):
            reply = self.subject(rec, conf)
        elif url.path == "/v2" or url.path.startswith("/v2/"):
            reply = self.registry(rec, url.path)
        elif url.path in ("/api", "/apis"):
            reply = self.kube_api(rec, url.path)
        elif url.path == "/_mock/health":
            reply = (200, "ok\n", "text/plain", ())
        elif url.path in ("/_mock/check", "/_mock/revoke", "/_mock/issue"):
            reply = self.token_control(rec, url.path)
        else:
            reply = (404, json.dumps({"error": {"code": 404, "message":
                     "not found", "status": "NOT_FOUND"}}), None, ())
        status, body, ctype, extra = reply
        rec["status"] = status
        state.log("requests.log", rec)

        delay = conf.get("faults", {}).get("delay") if url.path == "/token" \
            else None
        if delay:
            time.sleep(float(delay))
        if status is None:          # "disconnect"
            self.close_connection = True
            return
        if isinstance(body, SSE):
            self.send_sse(body, extra)
            return
        if isinstance(body, SlowBody):
            self.send_slow(status, body, extra)
            return
        self.send(status, body, ctype or "application/json; charset=utf-8",
                  extra)

    def send_slow(self, status, body, extra=()):
        """A reply with a long body, sent slowly; stops when the client
        goes away."""
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(body.size))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        left, piece = body.size, 64 * 1024
        try:
            self.wfile.write(body.prefix)
            left -= len(body.prefix)
            while left > 0:
                n = min(piece, left)
                self.wfile.write(b" " * n)
                self.wfile.flush()
                left -= n
                time.sleep(n / body.rate)
        except OSError:
            self.close_connection = True

    def send_sse(self, sse, extra=()):
        """A streamed reply: one chunk (of chunked transfer encoding) per
        event, "interval" seconds apart, each flushed at once; cut off by
        a TCP reset after "reset_after" events if that is set."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        try:
            for i, ev in enumerate(sse.events):
                if i and sse.interval:
                    time.sleep(sse.interval)
                if sse.reset_after is not None and i >= sse.reset_after:
                    self.reset()
                    return
                if ev is None:
                    data = b"data: [DONE]\n\n"
                else:
                    ev = dict(ev, mock_sent=time.time())
                    data = ("data: %s\n\n" % json.dumps(ev)).encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def reset(self):
        """Abort the connection with a TCP RST (SO_LINGER 0, close)."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any

    # -- endpoints -----------------------------------------------------------

    def token(self, rec, conf, conf_key):
        """POST /token: (status, body, content type, extra headers)."""
        def oauth_error(status, error, desc=None):
            obj = {"error": error}
            if desc is not None:
                obj["error_description"] = desc
            return (status, json.dumps(obj), None, ())

        if self.command != "POST":
            return oauth_error(405, "invalid_request", "POST only")
        faults = conf.get("faults") or {}
        if faults and self.server.state.take_fault(faults, conf_key):
            status = int(faults.get("status", 503))
            body = faults.get("body")
            if body is None:
                body = {"error": {"code": status, "message": "mock fault",
                                  "status": "UNAVAILABLE"}}
            if not isinstance(body, str):
                body = json.dumps(body)
            extra = ()
            if "retry_after" in faults:
                extra = (("Retry-After", str(faults["retry_after"])),)
            return (status, body, None, extra)

        form = rec.get("form")
        if form is None:
            return oauth_error(400, "invalid_request",
                               "Content-Type must be a form")
        if any(isinstance(v, list) for v in form.values()):
            return oauth_error(400, "invalid_request", "repeated parameter")
        grant = form.get("grant_type")
        lifetime = int(conf.get("expires_in", 3599))
        if grant == JWT_BEARER:
            try:
                header, claims, signing_input, sig = \
                    jwt_decode(form.get("assertion", ""))
            except (ValueError, binascii.Error, UnicodeDecodeError):
                return oauth_error(400, "invalid_grant", MSG_SIGNATURE)
            rec["jwt"] = {"header": header, "claims": claims}
            bad = check_jwt(header, claims, signing_input, sig,
                            conf.get("service_accounts") or {},
                            self.own_token_urls())
            if bad:
                return oauth_error(*bad)
            if "target_audience" in claims:
                return self.id_token_reply(rec, conf, "id_token",
                                           claims["target_audience"],
                                           claims["iss"])
            scope = claims["scope"]
        elif grant == "refresh_token":
            user = None
            for u in conf.get("authorized_users") or []:
                if u.get("client_id") == form.get("client_id"):
                    user = u
            if user is None:
                return oauth_error(401, "invalid_client",
                                   "The OAuth client was not found.")
            if not hmac.compare_digest(user.get("client_secret", ""),
                                       form.get("client_secret", "")):
                return oauth_error(401, "invalid_client", "Unauthorized")
            if not hmac.compare_digest(user.get("refresh_token", ""),
                                       form.get("refresh_token", "")):
                return oauth_error(400, "invalid_grant", MSG_REVOKED)
            scope = form.get("scope") or \
                "https://www.googleapis.com/auth/cloud-platform openid"
        else:
            return oauth_error(400, "unsupported_grant_type",
                               "Invalid grant_type: %s" % (grant or ""))

        kind = faults.get("reply")
        life = 30 if kind == "short" else lifetime
        good = token_reply(self.server.state.issue(life), life, scope)
        rec["issued"] = good["access_token"]
        if kind is None:
            return (200, json.dumps(good), None, ())
        if kind not in REPLY_KINDS:
            return (500, "mock: unknown reply kind %r" % kind, "text/plain",
                    ())
        status, ctype, make = REPLY_KINDS[kind]
        return (status, make(good, conf) if make else None, ctype, ())

    def issue_id_token(self, rec, conf, audience, email):
        """A mock ID token, recorded; replaced as "id_token" says."""
        jwt = mock_id_token(audience, int(conf.get("expires_in", 3599)),
                            email)
        kind = (conf.get("id_token") or {}).get("reply")
        if kind is not None:
            jwt = ID_TOKEN_KINDS[kind](jwt)
        rec["audience"] = audience
        rec["issued_id_token"] = jwt
        return jwt

    def id_token_reply(self, rec, conf, field, audience, email):
        """(status, body, ...) of a JSON reply {field: an ID token}."""
        jwt = self.issue_id_token(rec, conf, audience, email)
        return (200, json.dumps({field: jwt}), None, ())

    def section_fault(self, section, conf_key):
        """The fault reply of a section's "faults", or None."""
        faults = section.get("faults") or {}
        if not faults or not self.server.state.take_fault(faults, conf_key):
            return None
        status = int(faults.get("status", 503))
        body = faults.get("body")
        if body is None:
            body = {"error": {"code": status, "message": "mock fault",
                              "status": faults.get("code", "UNAVAILABLE")}}
        if not isinstance(body, str):
            body = json.dumps(body)
        return (status, body, None, ())

    def sts(self, rec, conf, conf_key):
        """POST /v1/token (token exchange) and /v1/oauthtoken (refresh)."""
        def oauth_error(status, error, desc):
            return (status, json.dumps({"error": error,
                                        "error_description": desc}), None, ())

        sts = conf.get("sts") or {}
        if self.command != "POST":
            return oauth_error(405, "invalid_request", "POST only")
        bad = self.section_fault(sts, conf_key)
        if bad:
            return bad
        form = rec.get("form")
        if form is None or any(isinstance(v, list) for v in form.values()):
            return oauth_error(400, "invalid_request", "bad form")
        client = sts.get("client")
        if client:
            want = "Basic " + base64.b64encode(("%s:%s" % (
                client["id"], client.get("secret", ""))).encode()).decode()
            if self.headers.get("Authorization", "") != want:
                return oauth_error(401, "invalid_client",
                                   "The client is not authorized.")
        grant = form.get("grant_type")
        life = int(sts.get("expires_in", 3600))
        if grant == "refresh_token" and rec["path"] == "/v1/oauthtoken":
            if form.get("refresh_token") not in (sts.get("refresh_tokens")
                                                 or []):
                return oauth_error(400, "invalid_grant",
                                   "Token has been expired or revoked.")
        elif grant == TOKEN_EXCHANGE and rec["path"] == "/v1/token":
            for field in ("audience", "scope", "requested_token_type",
                          "subject_token", "subject_token_type"):
                if not form.get(field):
                    return oauth_error(400, "invalid_request",
                                       "Missing required field: %s" % field)
            if form["requested_token_type"] != ACCESS_TOKEN_TYPE:
                return oauth_error(400, "invalid_request",
                                   "Invalid requested_token_type")
            if form["subject_token_type"] not in SUBJECT_TYPES:
                return oauth_error(400, "invalid_request",
                                   "Invalid subject_token_type")
            auds = sts.get("audiences")
            if auds is not None and form["audience"] not in auds:
                return oauth_error(400, "invalid_grant",
                                   "The audience in ID Token does not "
                                   "match the expected audience.")
            if form["subject_token"] not in (sts.get("subject_tokens")
                                             or []):
                return oauth_error(400, "invalid_grant",
                                   "The ID Token is invalid or expired.")
            if "options" in form:
                try:
                    opts = json.loads(form["options"])
                except ValueError:
                    return oauth_error(400, "invalid_request",
                                       "options is not JSON")
                rec["options"] = opts
            reply = sts.get("reply")
            if reply in ("invalid_grant", "invalid_request"):
                return oauth_error(400, reply, "mock %s" % reply)
        else:
            return oauth_error(400, "unsupported_grant_type",
                               "Invalid grant_type: %s" % (grant or ""))
        token = self.server.state.issue(life)
        rec["issued"] = token
        return (200, json.dumps({"access_token": token,
                                 "issued_token_type": ACCESS_TOKEN_TYPE,
                                 "token_type": "Bearer",
                                 "expires_in": life}), None, ())

    def iam(self, rec, conf, conf_key, email, id_token=False):
        """POST .../serviceAccounts/EMAIL:generateAccessToken, or with
        id_token :generateIdToken."""
        def api_error(status, message, code_name):
            return (status, json.dumps({"error": {
                "code": status, "message": message, "status": code_name}}),
                None, ())

        iam = conf.get("iam") or {}
        if self.command != "POST":
            return api_error(405, "POST only", "INVALID_ARGUMENT")
        bad = self.section_fault(iam, conf_key)
        if bad:
            return bad
        auth = self.headers.get("Authorization", "")
        if not (auth.startswith("Bearer ")
                and self.server.state.token_valid(auth[7:])):
            return api_error(401, "Request had invalid authentication "
                             "credentials.", "UNAUTHENTICATED")
        account = (iam.get("accounts") or {}).get(email)
        if account is None:
            return api_error(403, "Permission 'iam.serviceAccounts."
                             "getAccessToken' denied on resource (or it may "
                             "not exist).", "PERMISSION_DENIED")
        req = rec.get("json")
        if not isinstance(req, dict):
            return api_error(400, "Invalid JSON payload", "INVALID_ARGUMENT")
        want = ["projects/-/serviceAccounts/%s" % d
                for d in account.get("delegates", [])]
        if id_token:
            aud = req.get("audience")
            if not isinstance(aud, str) or not aud:
                return api_error(400, "Audience required.",
                                 "INVALID_ARGUMENT")
            if req.get("delegates", []) != want:
                return api_error(403, "Permission 'iam.serviceAccounts."
                                 "getOpenIdToken' denied on resource (or it "
                                 "may not exist).", "PERMISSION_DENIED")
            return self.id_token_reply(
                rec, conf, "token", aud,
                email if req.get("includeEmail") is True else None)
        scope = req.get("scope")
        if not (isinstance(scope, list) and scope
                and all(isinstance(x, str) and x for x in scope)):
            return api_error(400, "Scope required.", "INVALID_ARGUMENT")
        want = ["projects/-/serviceAccounts/%s" % d
                for d in account.get("delegates", [])]
        if req.get("delegates", []) != want:
            return api_error(403, "Permission 'iam.serviceAccounts."
                             "getAccessToken' denied on resource (or it may "
                             "not exist).", "PERMISSION_DENIED")
        life = 3600
        if "lifetime" in req:
            m = re.match(r"^([0-9]+)s$", str(req["lifetime"]))
            if not m or not 0 < int(m.group(1)) <= \
                    int(account.get("max_lifetime", 3600)):
                return api_error(400, "The lifetime is invalid.",
                                 "INVALID_ARGUMENT")
            life = int(m.group(1))
        token = self.server.state.issue(life)
        rec["issued"] = token
        return (200, json.dumps({"accessToken": token, "expireTime":
                                 time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                               time.gmtime(time.time()
                                                           + life))}),
                None, ())

    def subject(self, rec, conf):
        """GET /subject/text or /subject/json: a subject token, when every
        configured header is present."""
        sub = conf.get("subject_url") or {}
        for name, value in (sub.get("headers") or {}).items():
            if self.headers.get(name) != value:
                return (403, "missing header %s" % name, "text/plain", ())
        if "status" in sub:
            return (int(sub["status"]), "mock fault", "text/plain", ())
        token = sub.get("token", "")
        if rec["path"] == "/subject/text":
            return (200, token, "text/plain", ())
        return (200, json.dumps({sub.get("field", "id_token"): token}),
                None, ())

    # -- the GCE metadata server -------------------------------------------

    def metadata(self, rec, conf, url):
        """GET / and /computeMetadata/v1/...: the metadata server."""
        md = conf.get("metadata")
        if not isinstance(md, dict):
            return (404, "not found\n", "text/plain", ())
        flavor = () if md.get("fault") == "no_flavor" else \
            (("Metadata-Flavor", "Google"),)
        if md.get("delay"):
            time.sleep(float(md["delay"]))

        def text(status, body, ctype="application/text"):
            return (status, body, ctype, flavor)

        if self.headers.get("Metadata-Flavor") != "Google":
            return text(403, "Missing required header: Metadata-Flavor\n",
                        "text/html")
        if self.command != "GET":
            return text(405, "GET only\n")
        if "status" in md:
            return text(int(md["status"]), "mock metadata fault\n")
        if url.path == "/":
            return text(200, "computeMetadata/\n")
        if url.path == "/computeMetadata/v1/project/project-id":
            if "project_id" not in md:
                return text(404, "not found\n")
            return text(200, md["project_id"])
        if url.path.startswith(MD_SA) and md.get("fault") == "no_sa":
            return text(404, "not found\n")
        if url.path == MD_SA + "email":
            return text(200, md.get("email", "default@mock.invalid"))
        if url.path == MD_SA + "token":
            query = urllib.parse.parse_qs(url.query)
            asked = query.get("scopes", [""])[0]
            rec["scopes"] = asked
            allowed = md.get("scopes")
            if asked and allowed is not None:
                for sc in asked.split(","):
                    if sc not in allowed:
                        return text(400, "invalid scope: %s\n" % sc)
            life = int(md.get("expires_in", 3599))
            token = self.server.state.issue(life)
            rec["issued"] = token
            return (200, json.dumps({"access_token": token,
                                     "expires_in": life,
                                     "token_type": "Bearer"}),
                    "application/json", flavor)
        if url.path == MD_SA + "identity":
            query = urllib.parse.parse_qs(url.query)
            aud = query.get("audience", [""])[0]
            fmt = query.get("format", ["standard"])[0]
            rec["format"] = fmt
            if not aud:
                return text(400, "non-empty audience parameter required\n")
            if fmt not in ("standard", "full"):
                return text(400, "invalid format\n")
            jwt = self.issue_id_token(
                rec, conf, aud, md.get("email", "default@mock.invalid")
                if fmt == "full" else None)
            return text(200, jwt, "text/html")
        return text(404, "not found\n")

    # -- chat ------------------------------------------------------------

    def gemini_chat(self, rec, conf):
        """POST /v1beta/openai/chat/completions with an API key."""
        auth = self.headers.get("Authorization", "")
        keys = conf.get("gemini_keys") or []
        if not (auth.startswith("Bearer ") and auth[7:] in keys):
            return (400, json.dumps([{"error": {
                "code": 400, "message": "API key not valid. Please pass a "
                "valid API key.", "status": "INVALID_ARGUMENT"}}]),
                None, ())
        return self.chat(rec, key_ok=True)

    def vertex_chat(self, rec, conf, conf_key, location):
        """POST .../locations/L/endpoints/E/chat/completions: the record
        of the token, then the configured fault for L, else chat()."""
        state = self.server.state
        chat_conf = conf.get("chat") or {}
        auth = self.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else None
        ttl = state.token_ttl(token) if token is not None else None
        rec["location"] = location
        rec["token_ttl"] = ttl
        rec["token_valid"] = ttl is not None and ttl > 0
        rec["fault"] = None
        locs = chat_conf.get("locations") or {}
        faults = locs.get(location, chat_conf.get("faults")) or {}
        if faults.get("delay"):
            time.sleep(float(faults["delay"]))
        extra = []
        test_id = self.headers.get("X-Vt-Test")
        if test_id is not None:
            extra.append(("X-Mock-Test", test_id))
        n = state.chat_count(location, conf_key)
        seq = faults.get("sequence") or []
        what = seq[n] if n < len(seq) else faults.get("status")
        reset_after = faults.get("reset_after")
        if token is not None and token in (faults.get("reject_tokens")
                                           or []):
            what = 401
        if what == "disconnect":
            rec["fault"] = what
            return (None, None, None, ())
        if what == "reset":
            reset_after = reset_after or 1
        elif what is not None and int(what) != 200:
            status = int(what)
            rec["fault"] = status
            if status == 401:
                return self.chat_unauthenticated(extra)
            if "retry_after" in faults:
                extra.append(("Retry-After", str(faults["retry_after"])))
            names = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
                     503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
            body = json.dumps({"error": {
                "code": status, "message": "mock fault",
                "status": names.get(status, "UNKNOWN")}})
            if faults.get("error_body_size"):
                body = SlowBody(body.encode(), int(faults["error_body_size"]),
                                float(faults.get("error_body_rate") or 1e6))
            return (status, body, None, tuple(extra))
        status, body, ctype, more = self.chat(rec)
        if isinstance(body, SSE):
            body.interval = float(chat_conf.get("interval") or 0)
            if reset_after is not None:
                body.reset_after = int(reset_after)
                rec["fault"] = "reset"
        return (status, body, ctype, tuple(extra) + tuple(more))

    def chat_unauthenticated(self, extra=()):
        return (401, json.dumps({"error": {
            "code": 401, "message": "Request had invalid authentication "
            "credentials. Expected OAuth 2 access token, login cookie or "
            "other valid authentication credential.",
            "status": "UNAUTHENTICATED"}}), None, tuple(extra))

    def chat(self, rec, key_ok=False):
        """POST .../chat/completions: echo the last user message."""
        def api_error(status, message, code_name):
            return (status, json.dumps({"error": {
                "code": status, "message": message, "status": code_name}}),
                None, ())

        if self.command != "POST":
            return api_error(405, "POST only", "INVALID_ARGUMENT")
        auth = self.headers.get("Authorization", "")
        if not key_ok and not (auth.startswith("Bearer ")
                               and self.server.state.token_valid(auth[7:])):
            return self.chat_unauthenticated()
        req = rec.get("json")
        msgs = req.get("messages") if isinstance(req, dict) else None
        if not isinstance(msgs, list):
            return api_error(400, "Invalid JSON payload: messages required",
                             "INVALID_ARGUMENT")
        text = ""
        for m in msgs:
            if isinstance(m, dict) and m.get("role") == "user":
                text = m.get("content")
                if isinstance(text, list):      # content parts
                    text = " ".join(p.get("text", "") for p in text
                                    if isinstance(p, dict))
        reply = "mock reply: %s" % text
        if req.get("stream") is True:
            return self.chat_stream(req, reply)
        return (200, json.dumps({
            "id": "chatcmpl-mock-%d" % int(time.time() * 1000),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": req.get("model", "mock"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": reply}}],
            "usage": {"prompt_tokens": len(str(text).split()),
                      "completion_tokens": len(reply.split()),
                      "total_tokens": len(str(text).split())
                      + len(reply.split())}}), None, ())


    def chat_stream(self, req, reply):
        """The chat reply as server-sent events, one word per chunk, as
        the OpenAI streaming format has it: a role delta, content deltas,
        a finish_reason, then "data: [DONE]"."""
        cid = "chatcmpl-mock-%d" % int(time.time() * 1000)
        created, model = int(time.time()), req.get("model", "mock")

        def event(delta, finish=None):
            return {"id": cid, "object": "chat.completion.chunk",
                    "created": created, "model": model,
                    "choices": [{"index": 0, "delta": delta,
                                 "finish_reason": finish}]}
        words = reply.split(" ")
        events = [event({"role": "assistant", "content": ""})]
        for i, w in enumerate(words):
            events.append(event({"content": w if i == 0 else " " + w}))
        events += [event({}, "stop"), None]
        return (200, SSE(events), "text/event-stream; charset=utf-8", ())

    def registry(self, rec, path):
        """GET /v2/...: a read-only registry holding one small image."""
        auth = self.headers.get("Authorization", "")
        user = None
        if auth.startswith("Basic "):
            try:
                user, _, pw = base64.b64decode(
                    auth[6:], validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                pw = ""
            if user != "oauth2accesstoken" or \
                    not self.server.state.token_valid(pw):
                user = None
        rec["registry_user"] = user
        m = REGISTRY_PATH.match(path)
        public = m is not None and m.group(1).startswith("public/")
        if user is None and not public:
            return (401, json.dumps({"errors": [{
                "code": "UNAUTHORIZED", "message": "authentication required",
                "detail": None}]}), None,
                (("WWW-Authenticate", 'Basic realm="mockgoogle"'),
                 ("Docker-Distribution-API-Version", "registry/2.0")))
        dist = (("Docker-Distribution-API-Version", "registry/2.0"),)
        if path in ("/v2", "/v2/"):
            return (200, "{}", None, dist)
        if self.command not in ("GET", "HEAD") or m is None:
            return (404, json.dumps({"errors": [{
                "code": "NAME_UNKNOWN", "message": "not found"}]}),
                None, dist)
        name, kind, ref = m.groups()
        cfg, manifest = registry_image()
        if kind == "tags/list":
            return (200, json.dumps({"name": name, "tags": ["latest"]}),
                    None, dist)
        if kind == "manifests" and ref in ("latest", sha256(manifest)):
            return (200, manifest, MANIFEST_TYPE,
                    dist + (("Docker-Content-Digest", sha256(manifest)),))
        if kind == "blobs" and ref == sha256(cfg):
            return (200, cfg, "application/octet-stream",
                    dist + (("Docker-Content-Digest", sha256(cfg)),))
        return (404, json.dumps({"errors": [{
            "code": "MANIFEST_UNKNOWN", "message": "not found"}]}),
            None, dist)

    def kube_api(self, rec, path):
        """GET /api, /apis: what kubectl get --raw /api reads."""
        auth = self.headers.get("Authorization", "")
        if not (auth.startswith("Bearer ")
                and self.server.state.token_valid(auth[7:])):
            return (401, json.dumps({
                "kind": "Status", "apiVersion": "v1", "metadata": {},
                "status": "Failure", "message": "Unauthorized",
                "reason": "Unauthorized", "code": 401}), None, ())
        if path == "/apis":
            return (200, json.dumps({"kind": "APIGroupList",
                                     "apiVersion": "v1", "groups": []}),
                    None, ())
        return (200, json.dumps({
            "kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{
                "clientCIDR": "0.0.0.0/0",
                "serverAddress": "127.0.0.1:%d"
                % self.server.server_address[1]}]}), None, ())

    def token_control(self, rec, path):
        """POST /_mock/check and /_mock/revoke, for other test servers."""
        if self.command != "POST":
            return (405, "POST only\n", "text/plain", ())
        form = rec.get("form") or {}
        token = form.get("token")
        state = self.server.state
        if path == "/_mock/issue":
            try:
                life = float(form.get("lifetime", 3599))
            except (TypeError, ValueError):
                return (400, "lifetime=SECONDS\n", "text/plain", ())
            token = state.issue(life)
            rec["issued"] = token
            return (200, token + "\n", "text/plain", ())
        if path == "/_mock/check":
            if isinstance(token, str) and state.token_valid(token):
                return (200, "valid\n", "text/plain", ())
            return (401, "invalid\n", "text/plain", ())
        if form.get("all") == "1":
            n = state.revoke()
        elif isinstance(token, str):
            n = state.revoke(token)
        else:
            return (400, "token=T or all=1\n", "text/plain", ())
        return (200, "%d\n" % n, "text/plain", ())


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def registry_image():
    """The registry's one image: its config blob and its manifest."""
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "config": {"Labels": {"mock": "mockgoogle"}},
                      "rootfs": {"type": "layers", "diff_ids": []},
                      "history": []}, sort_keys=True).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": MANIFEST_TYPE,
        "config": {"mediaType":
                   "application/vnd.docker.container.image.v1+json",
                   "size": len(cfg), "digest": sha256(cfg)},
        "layers": []}, sort_keys=True).encode()
    return cfg, manifest


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False
    request_queue_size = 1024       # listen backlog: 256+ streams at once

    def __init__(self, state, scheme, tls=None):
        self.state, self.scheme, self.tls = state, scheme, tls
        super().__init__(("127.0.0.1", 0), Handler)

    def finish_request(self, request, client_address):
        # The TLS handshake happens here, in the connection's own thread,
        # so that a slow or failing client cannot stall the listener.
        if self.tls is not None:
            try:
                request.settimeout(Handler.timeout)
                request = self.tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as e:
                self.state.log("tls-errors.log",
                               {"time": time.time(), "error": str(e)})
                return
            try:
                super().finish_request(request, client_address)
            finally:
                self.shutdown_request(request)
        else:
            super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        pass                        # a client that went away is not news


def write_atomic(path, text):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True, help="state directory")
    ap.add_argument("--config", help="config JSON (default DIR/config.json)")
    ap.add_argument("--tls-cert", help="PEM certificate for the HTTPS port")
    ap.add_argument("--tls-key", help="PEM private key for the HTTPS port")
    args = ap.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        ap.error("--tls-cert and --tls-key go together")

    os.makedirs(args.dir, exist_ok=True)
    state = State(args.dir, args.config or os.path.join(args.dir,
                                                        "config.json"))
    servers = [Server(state, "http")]
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        servers.append(Server(state, "https", ctx))

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    threads = [threading.Thread(target=s.serve_forever, args=(0.1,),
                                daemon=True) for s in servers]
    for t in threads:
        t.start()

    write_atomic(os.path.join(args.dir, "pid"), "%d\n" % os.getpid())
    if len(servers) > 1:
        write_atomic(os.path.join(args.dir, "https_port"),
                     "%d\n" % servers[1].server_address[1])
    write_atomic(os.path.join(args.dir, "port"),
                 "%d\n" % servers[0].server_address[1])

    while not stop.wait(1):
        pass
    for s in servers:
        s.shutdown()
        s.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
