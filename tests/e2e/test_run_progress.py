#!/usr/bin/env python3
"""plcsim run's live line: on a terminal (a pseudo-terminal here) one line,
done/total, failed so far, elapsed and time left, redrawn in place and
cleared before each report line; without a terminal (a pipe) not one
control character, the report lines exactly as they were.

Two short scenarios played side by side against the real client, one that
passes and one whose expectation it cannot meet, so that "failed so far"
is seen to count.
"""
import os
import pty
import re
import subprocess
import sys
import threading

import support

TOP = os.environ.get("TOP", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", "build")
PLCSIM = os.path.join(TOP, BUILD, "plcsim")
TCPCOM = os.path.join(TOP, BUILD, "tcpcom")

PASSES = """name: passes
duration: 1500ms
expectations:
  - expect: frames
    at_least: 5
"""
FAILS = """name: fails
duration: 2500ms
expectations:
  - expect: frames
    at_least: 1000
"""
LIVE = re.compile(r"\r(\d+)/2 done, (\d+) failed, (\d+) running, "
                  r"(\d+):(\d\d) elapsed, about (\d+):(\d\d) left\x1b\[K")


def scenarios():
    tmp = support.tmpdir("progress-")
    files = []
    for name, text in (("passes", PASSES), ("fails", FAILS)):
        path = os.path.join(tmp, name + ".yaml")
        with open(path, "w") as f:
            f.write(text)
        files.append(path)
    return files


def command(files, *extra):
    return [PLCSIM, "run", "-j2"] + list(extra) + files + [
        "--", TCPCOM, "--server", "{host}", "--port", "{port}", "-q"]


def run_on_terminal(argv, env=None):
    """argv with its stdout and stderr on a pseudo-terminal: (rc, bytes)."""
    master, slave = pty.openpty()
    try:
        proc = support.popen(argv, stdout=slave, stderr=slave,
                             stdin=subprocess.DEVNULL, env=env)
    finally:
        os.close(slave)
    out = b""
    try:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:		# EIO: every writer has gone
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(master)
    return proc.wait(timeout=60), out


def report_lines(text):
    """The lines as a reader sees them: each live line taken off."""
    return LIVE.sub("", text).replace("\r\x1b[K", "").replace("\r\n", "\n")


def test_live_line_on_a_terminal():
    files = scenarios()
    rc, raw = run_on_terminal(command(files))
    text = raw.decode()
    assert rc == 1, "exit %d:\n%r" % (rc, text)
    lines = LIVE.findall(text)
    assert lines, "no live line in %r" % text
    # Drawn from the start, while both play.
    assert lines[0][:3] == ("0", "0", "2"), lines[0]
    # Its clock moves while nothing ends: one second, then the next.
    seconds = sorted({int(m) * 60 + int(s) for _, _, _, m, s, _, _ in lines})
    assert len(seconds) >= 2 and seconds[-1] >= 2, seconds
    # Once the first (the passing one) has ended, 1/2 done, none failed;
    # at the last draw both are done, one failed.
    assert ("1", "0", "1") in [l[:3] for l in lines], lines
    assert lines[-1][:3] == ("2", "1", "0"), lines[-1]
    # The time left is about what remains: never more than the longer
    # scenario, and shrinking from the first draw to the last.
    left = [int(m) * 60 + int(s) for *_, m, s in lines]
    assert left[0] <= 3 and left[-1] == 0, left
    # Each report line starts on a cleared line, and the last line stands
    # alone: the live line is gone before it.
    for name in ("PASS passes", "FAIL fails", "1 passed, 1 failed"):
        assert "\r\x1b[K" + name in text, "%s not on a cleared line: %r" % (name, text)
    assert text.endswith("\r\x1b[K1 passed, 1 failed\r\n"), repr(text[-80:])
    # Taken off, what is left is the report as a pipe gets it.
    shown = report_lines(text)
    assert "\r" not in shown and "\x1b" not in shown, repr(shown)
    assert re.fullmatch(r"PASS passes \([^\n]*\)\n(?:    line \d+: ok [^\n]*\n)*"
                        r"FAIL fails \([^\n]*\)\n(?:    line \d+: [^\n]*\n)+"
                        r"1 passed, 1 failed\n", shown), repr(shown)


def test_no_live_line_in_a_pipe():
    files = scenarios()
    r = subprocess.run(command(files), capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 1, "exit %d:\n%s%s" % (r.returncode, r.stdout, r.stderr)
    for stream in (r.stdout, r.stderr):
        assert "\r" not in stream and "\x1b" not in stream, repr(stream)
    assert re.fullmatch(r"PASS passes \([^\n]*\)\n(?:    line \d+: ok [^\n]*\n)*"
                        r"FAIL fails \([^\n]*\)\n(?:    line \d+: [^\n]*\n)+"
                        r"1 passed, 1 failed\n", r.stdout), repr(r.stdout)


def test_no_live_line_on_a_dumb_terminal_or_with_events():
    """TERM=dumb cannot erase a line; -v writes event lines on the same
    screen, which a line redrawn in place would tear apart."""
    files = scenarios()[:1]
    cases = (((), dict(os.environ, TERM="dumb")), (("-v",), None))
    got = [None] * len(cases)

    def play(i, extra, env):
        got[i] = run_on_terminal(command(files, *extra), env)

    # Side by side: each is a second and a half of waiting.
    threads = [threading.Thread(target=play, args=(i,) + c) for i, c in enumerate(cases)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for rc, raw in got:
        text = raw.decode()
        assert rc == 0, "exit %d:\n%r" % (rc, text)
        assert "\x1b" not in text and " done, " not in text, repr(text)
        assert "PASS passes" in text and "1 passed, 0 failed" in text


def main():
    return support.run_tests(globals(), (PLCSIM, TCPCOM))


if __name__ == "__main__":
    sys.exit(main())
