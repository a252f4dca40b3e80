#!/usr/bin/env python3
"""How close the scenario library's verdicts come to their bounds.

    tests/margins.py [-j N]... [--repeat R] [--build DIR]
    tests/margins.py REPORT.json...

The first form plays the whole library (scenarios/*.yaml) against the real
client R times at each -j given (plcsim run -j N --json), then reads the
reports; the second only reads reports written by plcsim run --json.

For every judged expectation that has a bound with room in it, the share
of that room the run used, from the report's own fields (`margin` in its
`unit`, the bound read from `expected`, and for a send cycle `seen`): 0 is
dead centre (or far from a one-sided bound), 1 is on the bound, above 1 a
failure. "frames at least 50" with margin 24 (saw 74) used 50/74 = 0.68
of it; "send_cycle mean 100ms ± 5ms" seen at mean 101ms used 0.20;
"reconnect connected within 2s" with margin 1.43s used 0.28. Exact counts
("= 4") have no room and are only counted, and so are counts of fewer than
20 events ("at least 5"): a few discrete events use up no room.

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


def first_dur(pattern, text):
    """The duration after `pattern` in text, in seconds, or None."""
    m = re.search(pattern + DUR, text)
    return dur(m.group(1), m.group(2)) if m else None


def share_count(expected, margin):
    """A count's share of its bound's room: margin = distance to the
    nearest bound of "at least N", "at most N" or "N..M"."""
    m = re.match(r"([0-9]+)\.\.([0-9]+)$", expected)
    if m:
        lo, hi = float(m.group(1)), float(m.group(2))
        half = (hi - lo) / 2
        return 1 - margin / half if half > 0 else None
    m = re.match(r"at least ([0-9]+)$", expected)
    if m:
        lo = float(m.group(1))
        # A count of a few events (connects, timeouts) has no room that
        # timing uses up: it is as exact as "= N".
        if lo < SMALL_COUNT:
            return None
        saw = lo + margin
        return lo / saw if saw > 0 else float("inf")
    m = re.match(r"at most ([0-9]+)$", expected)
    if m:
        hi = float(m.group(1))
        return (hi - margin) / hi if hi >= SMALL_COUNT else None
    return None


def share_send_cycle(expected, seen):
    """The larger of the mean's and the jitter's share of their room."""
    used = []
    period = first_dur(r"mean ", expected)
    tol = first_dur(r"mean [0-9.]+(?:us|ms|s|m) ± ", expected)
    mean = first_dur(r"mean ", seen)
    if None not in (period, tol, mean) and tol > 0:
        used.append(abs(mean - period) / tol)
    most = first_dur(r"p99 jitter at most ", expected)
    jitter = first_dur(r"p99 jitter ", seen)
    if most and jitter is not None:
        used.append(jitter / most)
    return max(used) if used else None


# The bound a margin on time is measured from, by kind: the room.
ROOM = {
    "life_bit_period": r"± ",
    "life_bit_max_gap": r"no silence over ",
    "watchdog_quiet": r"\(watchdog ",
    "reconnect": r"within ",
    "startup": r"within ",
    "send_drift": r"at most ",
}


def share(e):
    """The share of the bound's room used, or None (no room, or unknown)."""
    kind, expected, margin = e["expect"], e.get("expected", ""), e["margin"]
    if e.get("unit") == "count":
        return share_count(expected, margin)
    if e.get("unit") == "percent":
        m = re.search(r"± ([0-9.]+)%", expected)
        room = float(m.group(1)) if m else 0
        return 1 - margin / room if room > 0 else None
    if kind == "send_cycle":
        return share_send_cycle(expected, e.get("seen", ""))
    if kind in ROOM:
        room = first_dur(ROOM[kind], expected)
        if room:
            return 1 - margin * 1e-6 / room
    return None


def read(paths):
    rows, exact, failed, unknown = [], 0, 0, []
    for path in paths:
        with open(path) as f:
            runs = json.load(f)
        # With --repeat the runs are followed by the scenarios' summaries.
        for run in (r for r in runs if "repeat" not in r):
            for e in run.get("expectations", []):
                if not e.get("judged", True):
                    continue
                if not e.get("passed"):
                    failed += 1
                if e["expect"] == "run":
                    continue
                if e.get("margin") is None:
                    unknown.append(e["message"])
                    continue
                used = share(e)
                if used is None:
                    exact += 1
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
