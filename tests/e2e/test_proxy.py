#!/usr/bin/env python3
"""plcsim proxy: a scenario played between a client and a real PLC.

The "real PLC" is a second plcsim serve, or tests/helpers/echo_epoll with
-f FAULT as a faulty one. The client passes through the proxy as it passes
against the emulator; a PLC that echoes wrong, late, not at all, resets or
cannot be reached is reported as the PLC's fault (exit 4, "PLC ..." items)
and the client's failed items are not blamed on it. The proxy's listening
side and its upstream side are fed hostile peers. Loopback only; every
process and file is cleaned up, pass or fail (support.py).
"""
import os
import signal
import socket
import struct
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
ECHO = os.path.join(TOP, BUILD, "tests", "echo_epoll")
LIB = os.path.join(TOP, "scenarios")


class Proc:
    """A program that prints "listening on 127.0.0.1:PORT" first."""

    def __init__(self, args):
        self.proc = support.popen(args, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("listening on 127.0.0.1:"), \
            "%s: first line %r (%s)" % (args[0], line, self.proc.stderr.read()
                                         if self.proc.poll() is not None else "")
        self.port = int(line.strip().rsplit(":", 1)[1])
        self.out = [line]
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.out.append(line)

    def text(self):
        return "".join(self.out)

    def wait(self, timeout):
        rc = self.proc.wait(timeout=timeout)
        self.reader.join(timeout=5)
        return rc, self.text(), self.proc.stderr.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def upstream_plcsim(*args):
    return Proc([PLCSIM, "serve", "--listen", "127.0.0.1:0", "-q"] + list(args))


def upstream_echo(fault=None):
    args = [ECHO, "-l", "4"]
    if fault:
        args += ["-f", fault]
    return Proc(args)


def proxy(scenario, up_port, *args):
    return Proc([PLCSIM, "proxy", scenario, "--listen", "127.0.0.1:0",
                 "--upstream", "127.0.0.1:%d" % up_port] + list(args))


def scenario_file(tmp, name, text):
    path = os.path.join(tmp, name + ".yaml")
    with open(path, "w") as f:
        f.write("name: %s\n%s" % (name, text))
    return path


def client(port, *args):
    return support.popen([TCPCOM, "--server", "127.0.0.1", "--port", str(port),
                          "-q"] + list(args),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def play(scenario, up, *client_args, proxy_args=(), timeout=60):
    """The proxy before `up`, a real client through it, to the verdict."""
    px = proxy(scenario, up.port, *proxy_args)
    cl = client(px.port, *client_args)
    try:
        return px.wait(timeout)
    finally:
        cl.terminate()
        cl.wait(timeout=10)
        px.stop()


def test_client_passes_through_to_a_second_plcsim():
    up = upstream_plcsim("--cycle", "10ms")
    try:
        rc, out, err = play(os.path.join(LIB, "frames-100ms-count.yaml"), up)
    finally:
        up.stop()
    assert rc == 0, "exit %d:\n%s%s" % (rc, out, err)
    assert "proxy to the PLC at 127.0.0.1:%d" % up.port in out, out
    assert "PASS frames-100ms-count" in out, out
    # Every frame the client sent reached the PLC, which answered it.
    assert "mismatches=0 late=0 unasked=0" in out, out
    assert "plc: round trips n=" in out, out
    # Its 10 ms cycle, told from round trips of one phase (the 100 ms send
    # cycle is a multiple of it): 10 ms is the usual setting that fits.
    assert "plc: to emulate it: plcsim serve --cycle 10ms --length 32" in out, out


def test_cycle_estimated_from_round_trips():
    """A send cycle prime to the PLC's spreads the frames over its phases:
    the round trips then bound its cycle closely."""
    tmp = support.tmpdir("plcsim-proxy-")
    sc = scenario_file(tmp, "cycle", "duration: 4s\n")
    up = upstream_plcsim("--cycle", "20ms")
    try:
        rc, out, err = play(sc, up, "--send-cycle", "37ms")
    finally:
        up.stop()
    assert rc == 0, "exit %d:\n%s%s" % (rc, out, err)
    assert "plc: to emulate it: plcsim serve --cycle 20ms --length 32" in out, out


def test_what_models_the_emulator_is_refused():
    for name, what in (("half-open-detected", ":11: plc.max_clients cannot apply"),
                       ("slow-plc-cycle-50ms", ":13: plc_cycle cannot apply")):
        path = os.path.join(LIB, name + ".yaml")
        r = subprocess.run([PLCSIM, "check", path], capture_output=True,
                           text=True, timeout=10)
        assert r.returncode == 0, r.stderr
        r = subprocess.run([PLCSIM, "check", "--proxy", path],
                           capture_output=True, text=True, timeout=10)
        assert r.returncode == 2 and path + what in r.stderr, (r.returncode, r.stderr)
        r = subprocess.run([PLCSIM, "proxy", path, "--listen", "127.0.0.1:0",
                            "--upstream", "127.0.0.1:9"], capture_output=True,
                           text=True, timeout=10)
        assert r.returncode == 2 and path + what in r.stderr, (r.returncode, r.stderr)
    tmp = support.tmpdir("plcsim-proxy-")
    sc = scenario_file(tmp, "keys", "duration: 1s\nplc:\n  cycle: 5ms\n"
                       "  relisten: 1s\n  recv_timeout: 5s\n  length: 32\n"
                       "  watchdog: 1s\n")
    r = subprocess.run([PLCSIM, "check", "--proxy", sc], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 2, r.stderr
    for key, line in (("cycle", 4), ("relisten", 5), ("recv_timeout", 6)):
        assert "%s:%d: plc.%s cannot apply" % (sc, line, key) in r.stderr, r.stderr
    assert "length" not in r.stderr and "watchdog" not in r.stderr, r.stderr
    r = subprocess.run([PLCSIM, "proxy", sc], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 2 and "--upstream" in r.stderr, r.stderr


FRAMES_6S = "duration: 6s\nexpectations:\n  - expect: frames\n    at_least: 50\n"


def faulty(fault, *proxy_args, scenario=FRAMES_6S, client_args=()):
    tmp = support.tmpdir("plcsim-proxy-")
    sc = scenario_file(tmp, "faulty", scenario)
    up = upstream_echo(fault)
    try:
        return play(sc, up, *client_args, proxy_args=proxy_args)
    finally:
        up.stop()


def plc_lines(out):
    return [l for l in out.splitlines() if l.startswith("    PLC ")]


def test_wrong_echoes_are_the_plcs_fault():
    rc, out, err = faulty("wrong:5")
    assert rc == 4, "exit %d:\n%s%s" % (rc, out, err)
    assert any("PLC echoes:" in l and "unlike their frame" in l and
               "to frame 0x" in l for l in plc_lines(out)), out
    assert "FAIL faulty" in out, out


def test_a_reset_by_the_plc_is_its_fault():
    rc, out, err = faulty("reset:20")
    assert rc == 4, "exit %d:\n%s%s" % (rc, out, err)
    assert any("PLC link:" in l and "reset the connection" in l
               for l in plc_lines(out)), out
    # The frames the client could not send then are not blamed on it.
    assert "    line 4: frames" not in out, out


def test_an_unreachable_plc_is_its_fault():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now

    class Gone:
        pass
    gone = Gone()
    gone.port = port
    tmp = support.tmpdir("plcsim-proxy-")
    sc = scenario_file(tmp, "gone", FRAMES_6S)
    rc, out, err = play(sc, gone)
    assert rc == 4, "exit %d:\n%s%s" % (rc, out, err)
    assert any("PLC link:" in l and "not reachable" in l
               for l in plc_lines(out)), out
    assert "plc: not blamed on the client: line 4: not judged, " \
        "the PLC failed: frames: expected at least 50, saw 0" in out, out
    assert "    line 4: frames" not in out, out


def main():
    return support.run_tests(globals(), (PLCSIM, TCPCOM, ECHO))


if __name__ == "__main__":
    sys.exit(main())
