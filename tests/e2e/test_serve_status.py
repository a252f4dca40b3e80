#!/usr/bin/env python3
"""plcsim serve's status line: --status DUR prints one every DUR with the
time, the link, frames and echoes, the latest life-bit interval, the time
left before the watchdog and (with a scenario) the scenario's time and the
faults in force; each figure checked against what the run did. Without
--status a terminal gets one every 5 s, a pipe or -q none.

The client is the real tcpcom (a frame every 100 ms, the life bit every
500 ms). Waits are for lines, with generous deadlines; every process and
file is cleaned up, pass or fail (support.py).
"""
import os
import pty
import re
import subprocess
import sys
import threading
import time

import support
from support import wait_for

TOP = os.environ.get("TOP", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", "build")
PLCSIM = os.path.join(TOP, BUILD, "plcsim")
TCPCOM = os.path.join(TOP, BUILD, "tcpcom")

STATUS = re.compile(r"^ *(\d+\.\d{6}) status (.*)$")

# Time 0 at the client's connection; a delay on the echoes from 1 s to
# 2 s; over at 3 s.
FAT = """name: fat-live
duration: 3s
plc:
  watchdog: 2s
timeline:
  - action: echo_delay
    at: 1s
    for: 1s
    delay: 5ms
  - action: rst
    at: 2500ms
expectations:
  - expect: frames
    at_least: 10
"""


def seconds(text):
    """A duration as plcsim prints it (format_measured) in seconds."""
    m = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    assert m, "not a duration: %r" % text
    return float(m.group(1)) / {"us": 1e6, "ms": 1e3, "s": 1}[m.group(2)]


def statuses(lines):
    """(time, {key: value}) of each status line, in order."""
    out = []
    for l in lines:
        m = STATUS.match(l)
        if m:
            out.append((float(m.group(1)),
                        dict(kv.split("=", 1) for kv in m.group(2).split())))
    return out


class Serve:
    def __init__(self, *args):
        self.proc = support.popen([PLCSIM, "serve", "--listen", "127.0.0.1:0"]
                                  + list(args), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        first = self.proc.stdout.readline()
        assert first.startswith("listening on 127.0.0.1:"), "first line: %r" % first
        self.port = int(first.strip().rsplit(":", 1)[1])
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def status(self):
        return statuses(list(self.lines))

    def client(self):
        return support.popen([TCPCOM, "--server", "127.0.0.1", "--port",
                              str(self.port), "-q"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def finish(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.terminate()
        rc = self.proc.wait(timeout=timeout)
        self.reader.join(5)
        return rc


def test_status_lines_follow_the_link():
    sim = Serve("--status", "200ms", "--watchdog", "1s", "-v")
    client = None
    try:
        wait_for(lambda: len(sim.status()) >= 2, 10, "two status lines before a client")
        for t, s in sim.status():
            assert s["link"] == "down" and s["clients"] == "0", s
            assert s["frames"] == "0" and s["lifebit_interval"] == "none", s
            assert s["watchdog_left"] == "idle", s
            assert "faults" not in s and "scenario" not in s, s
        client = sim.client()
        wait_for(lambda: any(s["lifebit_interval"] != "none" for _, s in sim.status()),
                 10, "a status line with a life-bit interval")
        up = [s for _, s in sim.status() if s["link"] == "up"]
        assert up and all(s["clients"] == "1" for s in up), up
        last = up[-1]
        # tcpcom toggles every 500 ms: the interval is that, give or take
        # the PLC's 10 ms task cycle and a loaded machine.
        assert abs(seconds(last["lifebit_interval"]) - 0.5) < 0.1, last
        # Armed, at most the timeout away.
        assert 0 < seconds(last["watchdog_left"]) <= 1.0, last
        client.terminate()
        client.wait(timeout=10)
        client = None
        # No edge for 1 s: the watchdog has fired, and the status says so.
        wait_for(lambda: sim.status()[-1][1]["watchdog_left"] == "fired", 10,
                 "watchdog_left=fired once the client is gone")
        stopped = sim.status()[-1][1]
        assert stopped["link"] in ("down", "restarting") and stopped["clients"] == "0", stopped
        assert sim.finish() == 0
        times = [t for t, _ in sim.status()]
        gaps = [b - a for a, b in zip(times, times[1:])]
        # At the interval: neither twice as often nor skipping lines.
        assert all(0.1 < g < 1.0 for g in gaps), gaps
        # The figures are the server's own counters: the last status line
        # before the end says what the summary says.
        summary = [l for l in sim.lines if l.startswith("summary:")][0]
        counts = dict(kv.split("=", 1) for kv in summary.split()[1:])
        assert stopped["frames"] == counts["frames"], (stopped, summary)
        assert stopped["echoes"] == counts["echoes"], (stopped, summary)
        frames = [int(s["frames"]) for _, s in sim.status()]
        assert frames == sorted(frames) and frames[-1] >= 10, frames
        # A status line is a line of its own among the events.
        assert any(" connect conn=1 " in l for l in sim.lines), sim.lines
    finally:
        if client is not None:
            client.kill()
        sim.finish()


def test_status_lines_of_a_scenario():
    tmp = support.tmpdir("plcsim-status-")
    path = os.path.join(tmp, "fat.yaml")
    with open(path, "w") as f:
        f.write(FAT)
    sim = Serve(path, "--status", "100ms")
    client = None
    try:
        wait_for(lambda: sim.status(), 10, "a status line before time 0")
        assert sim.status()[0][1]["scenario"] == "waiting", sim.status()[0]
        assert sim.status()[0][1]["faults"] == "none", sim.status()[0]
        client = sim.client()
        rc = sim.proc.wait(timeout=30)
        sim.reader.join(5)
        assert rc == 0, "exit %d:\n%s" % (rc, "\n".join(sim.lines))
        running = [s for _, s in sim.status() if "/" in s["scenario"]]
        assert running, sim.lines
        for s in running:
            at, total = s["scenario"].split("/")
            assert total == "3s", s
            # The delay acts from 1 s to 2 s of scenario time: a line in
            # force says so, a line clearly outside it does not (the rst
            # is instant: never in force).
            t = seconds(at)
            if 1.05 < t < 1.95:
                assert s["faults"] == "echo_delay", s
            elif t < 0.95 or t > 2.05:
                assert s["faults"] == "none", s
        assert any(s["faults"] == "echo_delay" for s in running), running
        assert any(1.05 < seconds(s["scenario"].split("/")[0]) < 1.95
                   for s in running), running
        # The scenario's times only grow.
        ts = [seconds(s["scenario"].split("/")[0]) for s in running]
        assert ts == sorted(ts), ts
        assert any(l.startswith("PASS fat-live") for l in sim.lines), sim.lines
    finally:
        if client is not None:
            client.kill()
        sim.finish()


def serve_on_terminal(*args):
    """plcsim serve --duration 5.5s with stdout on a pseudo-terminal."""
    master, slave = pty.openpty()
    try:
        proc = support.popen([PLCSIM, "serve", "--listen", "127.0.0.1:0",
                              "--duration", "5500ms"] + list(args),
                             stdout=slave, stderr=slave, stdin=subprocess.DEVNULL)
    finally:
        os.close(slave)
    return proc, master


def read_all(master):
    out = b""
    try:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(master)
    return out.decode().replace("\r\n", "\n").splitlines()


def test_default_interval():
    """5 s on a terminal; never with -q (unless asked), nor in a pipe."""
    started = [serve_on_terminal(), serve_on_terminal("-q"),
               serve_on_terminal("-q", "--status", "2s")]
    piped = support.popen([PLCSIM, "serve", "--listen", "127.0.0.1:0",
                           "--duration", "5500ms"], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    outs = []
    for proc, master in started:
        lines = read_all(master)
        assert proc.wait(timeout=30) == 0, lines
        outs.append(statuses(lines))
    pipe_out, _ = piped.communicate(timeout=30)
    assert piped.returncode == 0, pipe_out
    tty, quiet, asked = outs
    assert [round(t) for t, _ in tty] == [5], tty
    assert quiet == [], quiet
    assert [round(t) for t, _ in asked] == [2, 4], asked
    assert statuses(pipe_out.splitlines()) == [], pipe_out


def test_bad_status_value():
    for bad in ("soon", "-1s", "5"):
        r = subprocess.run([PLCSIM, "serve", "--status", bad], capture_output=True,
                           text=True, timeout=10)
        assert r.returncode == 2 and "--status" in r.stderr, (bad, r.returncode, r.stderr)


def main():
    return support.run_tests(globals(), (PLCSIM, TCPCOM))


if __name__ == "__main__":
    sys.exit(main())
