#!/usr/bin/env python3
"""mockctl: small JSON chores for tests/lib.sh, so that the shell never has
to quote JSON by hand.  Standard library only.

    mockctl.py add-sa CONFIG EMAIL MODULUS_HEX [KID]
    mockctl.py add-user CONFIG CLIENT_ID CLIENT_SECRET REFRESH_TOKEN
    mockctl.py set CONFIG KEY JSON_VALUE     (KEY "faults", "expires_in"...)
    mockctl.py del CONFIG KEY
    mockctl.py count LOG PATH                requests to PATH so far
    mockctl.py get LOG PATH FIELD [INDEX]    FIELD ("form.scope",
        "jwt.claims.aud", "headers.authorization"; "form.@keys": the
        sorted names, space-separated) of the INDEX-th request to PATH
        (default -1, the last); strings print raw, other values as JSON;
        exit 1 if there is no such request or field
    mockctl.py gap LOG PATH I J               milliseconds (whole) between
        the mock receiving the I-th and the J-th request to PATH
    mockctl.py sa-file OUT EMAIL KEY_PEM TOKEN_URI [PROJECT [KEY_ID]]
    mockctl.py user-file OUT CLIENT_ID CLIENT_SECRET REFRESH_TOKEN
        [TOKEN_URI [QUOTA_PROJECT]]
    mockctl.py json-get FILE FIELD            a field of a JSON document
    mockctl.py where LOG FIELD VALUE [OUT]    OUT (default "time") of every
        logged request whose FIELD (dotted, as for get) is VALUE (compared
        as strings; JSON for non-strings), one line each
    mockctl.py chat-summary LOG               the chat requests' record
        (those with "token_valid"): {"requests", "valid", "invalid",
        "tokens" (distinct Bearer tokens), "statuses" {status: count},
        "min_ttl" (the least time a token had left on arrival)}

Config and credential files are written atomically.  Every config change
also bumps "serial", so the mock sees it as a new config even when the
content would otherwise be the same (its fault counter restarts).
"""

import json
import os
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def save(path, obj, mode=0o644):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")
    os.rename(tmp, path)


def edit(path, fn):
    conf = load(path)
    fn(conf)
    conf["serial"] = conf.get("serial", 0) + 1
    save(path, conf)


def requests(log, path):
    out = []
    try:
        with open(log) as f:
            for line in f:
                rec = json.loads(line)
                if rec.get("path") == path:
                    out.append(rec)
    except FileNotFoundError:
        pass
    return out


def dig(obj, field):
    for part in field.split("."):
        if part == "@keys" and isinstance(obj, dict):
            obj = " ".join(sorted(obj))
        elif isinstance(obj, dict) and part in obj:
            obj = obj[part]
        elif isinstance(obj, list) and part.lstrip("-").isdigit():
            obj = obj[int(part)]
        else:
            raise KeyError(field)
    return obj


def show(value):
    print(value if isinstance(value, str) else json.dumps(value))


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    cmd, target, args = argv[1], argv[2], argv[3:]
    if cmd == "add-sa":
        entry = {"modulus": args[1], "exponent": 65537}
        if len(args) > 2 and args[2]:
            entry["kid"] = args[2]
        edit(target, lambda c: c.setdefault("service_accounts", {})
             .__setitem__(args[0], entry))
    elif cmd == "add-user":
        edit(target, lambda c: c.setdefault("authorized_users", []).append(
            {"client_id": args[0], "client_secret": args[1],
             "refresh_token": args[2]}))
    elif cmd == "set":
        edit(target, lambda c: c.__setitem__(args[0], json.loads(args[1])))
    elif cmd == "del":
        edit(target, lambda c: c.pop(args[0], None))
    elif cmd == "count":
        print(len(requests(target, args[0])))
    elif cmd == "get":
        reqs = requests(target, args[0])
        try:
            show(dig(reqs[int(args[2]) if len(args) > 2 else -1], args[1]))
        except (IndexError, KeyError):
            return 1
    elif cmd == "gap":
        reqs = requests(target, args[0])
        try:
            a, b = reqs[int(args[1])]["time"], reqs[int(args[2])]["time"]
        except (IndexError, KeyError):
            return 1
        print(int((b - a) * 1000))
    elif cmd == "where":
        out = args[2] if len(args) > 2 else "time"
        try:
            with open(target) as f:
                recs = [json.loads(line) for line in f]
        except FileNotFoundError:
            recs = []
        for rec in recs:
            try:
                v = dig(rec, args[0])
            except (KeyError, IndexError):
                continue
            if (v if isinstance(v, str) else json.dumps(v)) != args[1]:
                continue
            try:
                show(dig(rec, out))
            except (KeyError, IndexError):
                print("")
    elif cmd == "chat-summary":
        try:
            with open(target) as f:
                recs = [json.loads(line) for line in f]
        except FileNotFoundError:
            recs = []
        recs = [r for r in recs if "token_valid" in r]
        tokens, statuses, ttls = set(), {}, []
        for r in recs:
            auth = r.get("headers", {}).get("authorization", "")
            tokens.add(auth)
            st = str(r.get("status"))
            statuses[st] = statuses.get(st, 0) + 1
            if r.get("token_ttl") is not None:
                ttls.append(r["token_ttl"])
        valid = sum(1 for r in recs if r["token_valid"])
        print(json.dumps({"requests": len(recs), "valid": valid,
                          "invalid": len(recs) - valid,
                          "tokens": len(tokens), "statuses": statuses,
                          "min_ttl": min(ttls) if ttls else None}))
    elif cmd == "json-get":
        try:
            with open(target) as f:
                show(dig(json.load(f), args[0]))
        except (KeyError, ValueError, OSError):
            return 1
    elif cmd == "sa-file":
        with open(args[1]) as f:
            pem = f.read()
        cred = {"type": "service_account", "client_email": args[0],
                "private_key": pem, "token_uri": args[2],
                "client_id": "100000000000000000001",
                "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                "universe_domain": "googleapis.com"}
        if len(args) > 3 and args[3]:
            cred["project_id"] = args[3]
        if len(args) > 4 and args[4]:
            cred["private_key_id"] = args[4]
        save(target, cred, 0o600)
    elif cmd == "user-file":
        cred = {"type": "authorized_user", "client_id": args[0],
                "client_secret": args[1], "refresh_token": args[2],
                "universe_domain": "googleapis.com"}
        if len(args) > 3 and args[3]:
            cred["token_uri"] = args[3]
        if len(args) > 4 and args[4]:
            cred["quota_project_id"] = args[4]
        save(target, cred, 0o600)
    else:
        sys.exit("mockctl: unknown command %r" % cmd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
