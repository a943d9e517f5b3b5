#!/usr/bin/env python3
"""broker.py: the latency of chat requests, one at a time on one
keep-alive connection, for bench/run's broker section.

Usage: broker.py N BASE_URL   (the key in OPENAI_API_KEY, never argv)
Prints the median, 10th and 90th percentile in milliseconds.
"""
import http.client
import json
import os
import sys
import time
import urllib.parse


def main():
    n, base = int(sys.argv[1]), sys.argv[2]
    key = os.environ["OPENAI_API_KEY"]
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    body = json.dumps({"model": "m", "messages": [
        {"role": "user", "content": "a short question"}]})
    hdrs = {"Authorization": "Bearer " + key,
            "Content-Type": "application/json"}
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        conn.request("POST", u.path + "/chat/completions", body, hdrs)
        r = conn.getresponse()
        r.read()
        times.append(time.perf_counter() - t0)
        if r.status != 200:
            sys.exit("broker.py: status %d" % r.status)
    times.sort()
    print("%.2f %.2f %.2f" % (times[n // 2] * 1000, times[n // 10] * 1000,
                              times[n * 9 // 10] * 1000))


main()
