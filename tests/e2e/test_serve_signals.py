#!/usr/bin/env python3
"""plcsim serve, with and without a scenario, signalled the moment it says
"listening on": a script that read the line may signal at once, and must
get a summary (or a verdict) and a clean exit, never a process killed by
the signal's default action.
"""
import os
import signal
import subprocess
import sys
import time

import support

TOP = os.environ.get("TOP", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", "build")
PLCSIM = os.path.join(TOP, BUILD, "plcsim")
ROUNDS = 50

SCENARIO = """name: signalled
duration: 10s
expectations:
  - expect: frames
    at_least: 1
"""


def signal_at_the_line(args, sig):
    """Starts plcsim, signals it as soon as the first line is complete."""
    proc = support.popen([PLCSIM] + args, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        line = b""
        while not line.endswith(b"\n"):
            b = os.read(proc.stdout.fileno(), 1)
            if not b:
                break
            line += b
        if line.startswith(b"listening on "):
            proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
        return proc.returncode, line + out, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def check_rounds(args, want_rc, want_text):
    for i in range(ROUNDS):
        for sig in (signal.SIGINT, signal.SIGTERM):
            rc, out, err = signal_at_the_line(args, sig)
            assert out.startswith(b"listening on 127.0.0.1:"), "round %d: %r %r" % (i, out, err)
            assert rc in want_rc, "round %d, %s: exit %d\n%r\n%r" % (
                i, sig.name, rc, out, err)
            assert want_text in out, "round %d, %s: no %r in %r" % (i, sig.name, want_text, out)


def test_serve():
    check_rounds(["serve", "--listen", "127.0.0.1:0"], (0,), b"\nsummary:")


def test_serve_scenario():
    path = os.path.join(support.tmpdir("plcsim-serve-signals-"), "signalled.yaml")
    with open(path, "w") as f:
        f.write(SCENARIO)
    # Nothing connected: judged on what was seen, a failed verdict.
    check_rounds(["serve", path, "--listen", "127.0.0.1:0", "-q"], (1,),
                 b"\nFAIL signalled")


def main():
    return support.run_tests(globals(), (PLCSIM,))


if __name__ == "__main__":
    sys.exit(main())
