"""tests/margins.py reads a plcsim run --json report's own margin fields
(expected, seen, margin, unit), not its messages: the messages here say
nothing it could read, and the shares must still come out."""
import json
import os
import subprocess
import sys

import support

TOP = os.environ.get("TOP", ".")
MARGINS = os.path.join(TOP, "tests", "margins.py")


def item(kind, line, expected, margin, unit, seen="", passed=True):
    return {"expect": kind, "line": line, "passed": passed, "judged": True,
            "message": "(no words to parse)", "expected": expected,
            "seen": seen, "margin": margin, "unit": unit}


REPORT = [
    {"name": "a", "passed": False, "expectations": [
        item("run", None, "", None, None),
        item("frames", 1, "at least 50", 24, "count"),
        item("send_cycle", 2, "mean 100ms ± 5ms, p99 jitter at most 25ms",
             4000, "us", seen="mean 101ms, p99 jitter 2.5ms"),
        item("reconnect", 3, "connected within 2s of every drop", 1430000,
             "us"),
        item("counter", 4, "= 4", 0, "count"),
        item("counter", 5, "at least 5", 3, "count"),
        item("life_bit_duty", 6, "high 50% ± 5%", -1.5, "percent",
             passed=False),
        item("watchdog_quiet", 7, "quiet (watchdog 1.5s)", 1200000, "us"),
        item("frames", 8, "140..165", 10, "count"),
    ]},
    # A --repeat summary is no run.
    {"name": "a", "file": "a.yaml", "repeat": {"runs": 2}},
]


def test_shares_from_fields():
    tmp = support.tmpdir("margins.")
    path = os.path.join(tmp, "r.json")
    with open(path, "w") as f:
        json.dump(REPORT, f)
    r = subprocess.run([sys.executable, MARGINS, path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert "== given: 6 expectations with room, 2 exact, 1 failed" in out, \
        out
    # 1 - (-1.5 / 5), 1 - 10 / 12.5, 50 / 74, 1 - 1.43 / 2, (101 - 100) / 5,
    # 1 - 1.2 / 1.5.
    for used, line in (("1.30", 6), ("0.68", 1), ("0.29", 3), ("0.20", 2),
                       ("0.20", 7), ("0.20", 8)):
        assert "  %s  a:%d " % (used, line) in out, (used, line, out)
    assert "margins given: closest 1.30 (a line 6: life_bit_duty), 1 at " \
        "or above 0.9, 1 failed" in out, out
    assert "not measured" not in out, out


if __name__ == "__main__":
    os.chdir(TOP)
    sys.exit(support.run_tests(globals(), ()))
