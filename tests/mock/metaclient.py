#!/usr/bin/env python3
"""metaclient: one HTTP request to a metadata server (vtoken serve
--metadata), as a client library would send it, for the tests; standard
library only.

    metaclient.py [OPTIONS] HOST:PORT PATH

Sends "Metadata-Flavor: Google" unless --no-flavor, and the Host header
HOST:PORT unless --host H.  Prints one JSON object on stdout: status,
headers (lower-case names; a repeated header's values joined by ", "),
header_count (lower-case name -> how many times it came), body (text),
ms; or error (how the transport failed) and exit 1.

    --method M        (default GET)
    --host H          the Host header
    --no-flavor       no Metadata-Flavor header
    --flavor V        Metadata-Flavor: V
    --header "N: v"   another header (repeatable)
    --timeout S       (default 30)
    --summary FILE    also write to FILE one line "STATUS|CONTENT-TYPE|
                      METADATA-FLAVOR|LOCATION" (a missing header: empty)
"""

import argparse
import http.client
import json
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--method", default="GET")
    ap.add_argument("--host")
    ap.add_argument("--no-flavor", action="store_true")
    ap.add_argument("--flavor", default="Google")
    ap.add_argument("--header", action="append", default=[])
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--summary")
    ap.add_argument("hostport")
    ap.add_argument("path")
    a = ap.parse_args()

    host, _, port = a.hostport.rpartition(":")
    host = host.strip("[]")
    t0 = time.monotonic()
    try:
        c = http.client.HTTPConnection(host, int(port), timeout=a.timeout)
        c.putrequest(a.method, a.path, skip_host=True,
                     skip_accept_encoding=True)
        c.putheader("Host", a.host if a.host is not None else a.hostport)
        if not a.no_flavor:
            c.putheader("Metadata-Flavor", a.flavor)
        for h in a.header:
            name, _, value = h.partition(":")
            c.putheader(name.strip(), value.strip())
        c.endheaders()
        r = c.getresponse()
        body = r.read()
        c.close()
    except (OSError, http.client.HTTPException) as e:
        print(json.dumps({"error": "%s: %s" % (type(e).__name__, e)}))
        if a.summary:
            with open(a.summary, "w") as f:
                f.write("error|||\n")
        return 1
    headers, count = {}, {}
    for k, v in r.getheaders():
        k = k.lower()
        headers[k] = headers[k] + ", " + v if k in headers else v
        count[k] = count.get(k, 0) + 1
    if a.summary:
        with open(a.summary, "w") as f:
            f.write("|".join([str(r.status)] + [
                headers.get(k, "") for k in
                ("content-type", "metadata-flavor", "location")]) + "\n")
    print(json.dumps({
        "status": r.status,
        "headers": headers,
        "header_count": count,
        "body": body.decode("utf-8", "replace"),
        "ms": int((time.monotonic() - t0) * 1000),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
