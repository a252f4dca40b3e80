#!/usr/bin/env python3
"""How close the scenario library's verdicts come to their bounds.

    tests/margins.py [-j N]... [--repeat R] [--build DIR]
    tests/margins.py REPORT.json...

The first form plays the whole library (scenarios/*.yaml) against the real
client R times at each -j given (plcsim run -j N --json), then reads the
reports; the second only reads reports written by plcsim run --json.

For every judged expectation that has a bound with room in it, the share
of that room the run used: 0 is dead centre (or far from a one-sided
bound), 1 is on the bound, above 1 a failure. "frames: expected at least
50, saw 74" used 50/74 = 0.68 of it; "send cycle: expected mean 100ms ±
5ms, saw mean 101ms" used 0.20; "reconnect ... within 2s (slowest
567.1ms)" used 0.28. Exact counts ("expected = 4, saw 4") have no room and
are only counted, and so are counts of fewer than 20 events ("connects:
expected at least 5, saw 5"): a few discrete events use up no room.

Prints, per -j, the expectations closest to their bounds, and one line

    margins -jN: closest 0.83 (NAME line L: KIND), M at or above 0.9, F failed

so that the -j that make check uses can be chosen on what it costs in
margin. Exit 0 when it ran, 2 on a usage error, 1 when a run could not be
read.
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time

UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}
DUR = r"([0-9.]+)(us|ms|s|m)\b"
SMALL_COUNT = 20


def dur(num, unit):
    return float(num) * UNITS[unit]


def share(kind, msg):
    """The share of the bound's room used, or None (no room, or unknown)."""
    m = re.search(r"expected at least ([0-9.]+)(?: \(injected\))?, saw "
                  r"([0-9.]+)", msg)
    if m:
        lo, saw = float(m.group(1)), float(m.group(2))
        # A count of a few events (connects, timeouts) has no room that
        # timing uses up: it is as exact as "= N".
        if lo < SMALL_COUNT:
            return None
        return lo / saw if saw > 0 else float("inf")
    m = re.search(r"expected at most ([0-9.]+)(?: \(injected\))?, saw "
                  r"([0-9.]+)", msg)
    if m:
        hi, saw = float(m.group(1)), float(m.group(2))
        return saw / hi if hi > 0 else None
    m = re.search(r"expected ([0-9.]+)\.\.([0-9.]+), saw ([0-9.]+)", msg)
    if m:
        lo, hi, saw = map(float, m.groups())
        half = (hi - lo) / 2
        return abs(saw - (lo + half)) / half if half > 0 else None
    m = re.search(r"expected mean " + DUR + r" ± " + DUR +
                  r"(?:, p99 jitter at most " + DUR + r")?, saw mean " +
                  DUR + r", p99 jitter " + DUR, msg)
    if m:
        g = m.groups()
        mean, tol = dur(g[0], g[1]), dur(g[2], g[3])
        saw = dur(g[6], g[7])
        used = abs(saw - mean) / tol
        if g[4] is not None:
            used = max(used, dur(g[8], g[9]) / dur(g[4], g[5]))
        return used
    m = re.search(r"expected intervals " + DUR + r" ± " + DUR +
                  r".*?\(p[0-9]+ = " + DUR + r", p[0-9]+ = " + DUR, msg)
    if m:
        g = m.groups()
        per, tol = dur(g[0], g[1]), dur(g[2], g[3])
        lo, hi = dur(g[4], g[5]), dur(g[6], g[7])
        return max(abs(lo - per), abs(hi - per)) / tol
    m = re.search(r"within " + DUR + r" \(slowest " + DUR + r"\)", msg)
    if m:
        g = m.groups()
        return dur(g[2], g[3]) / dur(g[0], g[1])
    m = re.search(r"within " + DUR + r", saw it at " + DUR, msg)
    if m:
        g = m.groups()
        return dur(g[2], g[3]) / dur(g[0], g[1])
    m = re.search(r"expected at most " + DUR + r" from a .*?, saw [-+]?" +
                  DUR, msg)
    if m:
        g = m.groups()
        return dur(g[2], g[3]) / dur(g[0], g[1])
    m = re.search(r"no silence over " + DUR + r".*?the longest was " + DUR,
                  msg)
    if m:
        g = m.groups()
        return dur(g[2], g[3]) / dur(g[0], g[1])
    m = re.search(r"expected high ([0-9.]+)% ± ([0-9.]+)% of the time, saw "
                  r"([0-9.]+)%", msg)
    if m:
        want, tol, saw = map(float, m.groups())
        return abs(saw - want) / tol if tol > 0 else None
    return None


def read(paths):
    rows, exact, failed, unknown = [], 0, 0, []
    for path in paths:
        with open(path) as f:
            runs = json.load(f)
        for run in runs:
            for e in run.get("expectations", []):
                if not e.get("judged", True):
                    continue
                if not e.get("passed"):
                    failed += 1
                used = share(e["expect"], e["message"])
                if used is None:
                    if re.search(r"expected (= |at least [0-9]+,|[0-9]+, "
                                 r"saw|quiet|no edge|at most [0-9]+ frames)"
                                 r"|fired in each of",
                                 e["message"]):
                        exact += 1
                    else:
                        unknown.append(e["message"])
                    continue
                rows.append((used, run["name"], e.get("line", 0),
                             e["expect"], e["message"]))
    return rows, exact, failed, unknown


def report(label, paths, show=8):
    rows, exact, failed, unknown = read(paths)
    rows.sort(reverse=True)
    print("== %s: %d expectations with room, %d exact, %d failed"
          % (label, len(rows), exact, failed))
    for used, name, line, kind, msg in rows[:show]:
        print("  %5.2f  %s:%s %s: %s" % (used, name, line, kind, msg[:110]))
    for msg in unknown:
        print("  (not measured: %s)" % msg[:110])
    close = sum(1 for r in rows if r[0] >= 0.9)
    if rows:
        used, name, line, kind, _ = rows[0]
        print("margins %s: closest %.2f (%s line %s: %s), %d at or above "
              "0.9, %d failed" % (label, used, name, line, kind, close,
                                  failed))
    return failed


def play(build, jobs, repeat, tmp):
    files = sorted(glob.glob("scenarios/*.yaml"))
    paths = []
    for r in range(repeat):
        out = os.path.join(tmp, "j%d-%d.json" % (jobs, r))
        t0 = time.time()
        with open(os.devnull, "w") as null:
            rc = subprocess.call(
                [os.path.join(build, "plcsim"), "run", "-j%d" % jobs,
                 "--json", out] + files +
                ["--", os.path.join(build, "tcpcom"), "--server", "{host}",
                 "--port", "{port}", "--stats-json", "{stats}", "-q"],
                stdout=null, stderr=null)
        print("-j%d run %d: %d scenarios in %.0fs, exit %d, load %s"
              % (jobs, r + 1, len(files), time.time() - t0, rc,
                 " ".join(open("/proc/loadavg").read().split()[:3])),
              flush=True)
        if not os.path.exists(out):
            sys.exit("margins: plcsim run wrote no report (exit %d)" % rc)
        paths.append(out)
    return paths


def main(argv):
    jobs, repeat, build, reports = [], 1, os.environ.get("BUILD", "build"), []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("-j") and len(a) > 2:
            jobs.append(int(a[2:]))
        elif a == "-j" and i + 1 < len(argv):
            i += 1
            jobs.append(int(argv[i]))
        elif a == "--repeat" and i + 1 < len(argv):
            i += 1
            repeat = int(argv[i])
        elif a == "--build" and i + 1 < len(argv):
            i += 1
            build = argv[i]
        elif a.startswith("-"):
            print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
            return 2
        else:
            reports.append(a)
        i += 1
    if reports and jobs:
        print("margins: either -j or reports, not both", file=sys.stderr)
        return 2
    if reports:
        report("given", reports)
        return 0
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    with tempfile.TemporaryDirectory(prefix="tcpcom-margins.") as tmp:
        summary = []
        for j in jobs or [2]:
            summary.append((j, play(build, j, repeat, tmp)))
        for j, paths in summary:
            report("-j%d" % j, paths)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
