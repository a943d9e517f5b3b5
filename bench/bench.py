#!/usr/bin/env python3
"""bench.py: time commands against each other, in one run.

Usage: bench.py RSS N LABEL=CMD [LABEL=CMD ...]
Each CMD (a shell-free argv, split on spaces; a last word "<FILE" is its
standard input, else /dev/null) runs N times, interleaved
with the others so that a noisy machine slows all of them alike; stdout
and stderr go to /dev/null.  Prints, per command, the median and the 10th
and 90th percentile wall time of one run, its peak RSS (measured once
through RSS, bench/rss.c) and its median as a ratio of the first's.
"""
import os
import sys
import time


def split_stdin(argv):
    if argv and argv[-1].startswith("<"):
        return argv[:-1], argv[-1][1:]
    return argv, os.devnull


def run_once(argv):
    argv, infile = split_stdin(argv)
    devnull = os.open(os.devnull, os.O_RDWR)
    stdin = os.open(infile, os.O_RDONLY)
    fa = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2),
          (os.POSIX_SPAWN_DUP2, stdin, 0)]
    t0 = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=fa)
    _, status = os.waitpid(pid, 0)
    t1 = time.perf_counter()
    os.close(devnull)
    os.close(stdin)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("bench: '%s' failed (status %d)" %
                 (" ".join(argv), os.waitstatus_to_exitcode(status)))
    return t1 - t0


def peak_rss(rss, argv):
    import subprocess
    argv, infile = split_stdin(argv)
    with open(infile, "rb") as f:
        out = subprocess.run([rss] + argv, stdin=f, stdout=subprocess.PIPE,
                             check=True)
    return int(out.stdout.split()[-1])


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))]


def main():
    rss_prog = sys.argv[1]
    n = int(sys.argv[2])
    cmds = []
    for a in sys.argv[3:]:
        label, cmd = a.split("=", 1)
        cmds.append((label, cmd.split()))
    times = {label: [] for label, _ in cmds}
    rss = {}
    for label, argv in cmds:            # warms the page cache too
        rss[label] = peak_rss(rss_prog, argv)
    for _ in range(n):
        for label, argv in cmds:
            times[label].append(run_once(argv))
    base = pct(times[cmds[0][0]], 0.5)
    for label, argv in cmds:
        med = pct(times[label], 0.5)
        print("  %-26s median %7.2f ms  (p10 %6.2f, p90 %6.2f)  "
              "peak RSS %6.1f MiB  ratio %5.2fx" % (
                  label, med * 1e3, pct(times[label], 0.1) * 1e3,
                  pct(times[label], 0.9) * 1e3, rss[label] / 1024.0,
                  med / base))


if __name__ == "__main__":
    main()
