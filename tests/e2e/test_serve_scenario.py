#!/usr/bin/env python3
"""plcsim serve SCENARIO, the factory acceptance mode.

A silent peer (a port scan, nc) that connects first must not hold the only
station for the whole scenario: the receive timeout (plc.recv_timeout, or
--recv-timeout) drops it and the real client waiting behind it is served
and judged. SIGUSR1 prints the summary and plcsim keeps running. Every
serve option given with a scenario is honoured or refused by name.

Waits are for conditions (a line, an event, an exit) with generous
deadlines; every process and file is cleaned up, pass or fail
(support.py).
"""
import json
import os
import signal
import socket
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

# Time 0 is the silent peer's connection; it is dropped at 0.5s, and the
# real client then sends ten frames a second until 4s.
SILENT_FIRST = """name: silent-peer-first
duration: 4s
%sexpectations:
  - expect: frames
    at_least: 15
"""


class Serve:
    """plcsim serve SCENARIO on a free port, its output read as it comes."""

    def __init__(self, tmp, scenario, *args):
        self.events_path = os.path.join(tmp, "events.jsonl")
        self.proc = support.popen(
            [PLCSIM, "serve", scenario, "--listen", "127.0.0.1:0",
             "--events", self.events_path] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.out = []
        line = self.proc.stdout.readline()
        assert line.startswith("listening on 127.0.0.1:"), "first line: %r" % line
        self.port = int(line.strip().rsplit(":", 1)[1])
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.out.append(line)

    def events(self, kind):
        try:
            with open(self.events_path) as f:
                evs = [json.loads(l) for l in f if l.endswith("\n")]
        except FileNotFoundError:
            return []
        return [e for e in evs if e["event"] == kind]

    def wait(self, timeout):
        rc = self.proc.wait(timeout=timeout)
        self.reader.join(timeout=5)
        return rc, "".join(self.out), self.proc.stderr.read()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def silent_peer_then_client(tmp, scenario_timeout, *args):
    """The silent peer connects first, the real client behind it."""
    path = os.path.join(tmp, "silent-peer-first.yaml")
    with open(path, "w") as f:
        f.write(SILENT_FIRST % ("" if scenario_timeout is None else
                                "plc:\n  recv_timeout: %s\n" % scenario_timeout))
    sim = Serve(tmp, path, *args)
    peer = client = None
    try:
        peer = socket.create_connection(("127.0.0.1", sim.port), timeout=5)
        wait_for(lambda: sim.events("connect"), 10, "the silent peer to be served")
        client = support.popen([TCPCOM, "--server", "127.0.0.1", "--port",
                                str(sim.port), "-q"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rc, out, err = sim.wait(60)
        return rc, out, err, sim
    finally:
        if client is not None:
            client.terminate()
            client.wait(timeout=10)
        if peer is not None:
            peer.close()
        sim.kill()


def check_silent_peer_dropped(rc, out, err, sim):
    assert rc == 0, "exit %d:\n%s%s" % (rc, out, err)
    assert "PASS silent-peer-first" in out, out
    connects = sim.events("connect")
    assert len(connects) >= 2, "the client behind the peer was never served: %r" % connects
    reasons = [e.get("reason", "") for e in sim.events("disconnect")]
    assert any("receive timeout" in r for r in reasons), reasons


def test_silent_peer_dropped_by_the_scenario():
    tmp = support.tmpdir("plcsim-serve-scenario-")
    check_silent_peer_dropped(*silent_peer_then_client(tmp, "500ms"))


def test_silent_peer_dropped_by_recv_timeout_option():
    """--recv-timeout overrides the scenario's, given (here: never) or not."""
    for scenario_timeout in (None, "0"):
        tmp = support.tmpdir("plcsim-serve-scenario-")
        rc, out, err, sim = silent_peer_then_client(tmp, scenario_timeout,
                                                    "--recv-timeout", "500ms", "-q")
        check_silent_peer_dropped(rc, out, err, sim)
        # -q: the verdict, without the event lines.
        assert not any(" connect " in l for l in out.splitlines()), out


def test_sigusr1_prints_the_summary():
    tmp = support.tmpdir("plcsim-serve-scenario-")
    sim = None
    try:
        path = os.path.join(tmp, "usr1.yaml")
        with open(path, "w") as f:
            f.write("name: usr1\nduration: 60s\n")
        sim = Serve(tmp, path)
        for _ in range(2):
            seen = len(sim.out)
            sim.proc.send_signal(signal.SIGUSR1)
            wait_for(lambda: any(l.startswith("summary:") for l in sim.out[seen:]),
                     10, "a summary after SIGUSR1")
            wait_for(lambda: any(l.startswith("lifebit:") for l in sim.out[seen:]),
                     10, "the life-bit summary")
            assert sim.proc.poll() is None, "plcsim ended on SIGUSR1"
        sim.proc.send_signal(signal.SIGINT)
        rc, out, err = sim.wait(30)
        assert rc in (0, 1), "exit %d after SIGINT: %s" % (rc, err)
        assert "FAIL usr1" in out or "PASS usr1" in out, out
    finally:
        if sim is not None:
            sim.kill()


def test_options_a_scenario_decides_are_refused():
    path = os.path.join(support.tmpdir("plcsim-serve-scenario-"), "any.yaml")
    with open(path, "w") as f:
        f.write("name: any\nduration: 1s\n")
    cases = [
        (["--cycle", "5ms"], "--cycle", "plc.cycle"),
        (["--length", "16"], "--length", "plc.length"),
        (["--max-clients", "2"], "--max-clients", "plc.max_clients"),
        (["--relisten", "1s"], "--relisten", "plc.relisten"),
        (["--watchdog", "1s"], "--watchdog", "plc.watchdog"),
        (["--duration", "1s"], "--duration", "duration"),
    ]
    for args, name, key in cases:
        for argv in (["serve"] + args + [path], ["serve", path] + args):
            r = subprocess.run([PLCSIM] + argv, capture_output=True, text=True, timeout=10)
            assert r.returncode == 2, "%s: exit %d" % (argv, r.returncode)
            assert name in r.stderr and key in r.stderr, \
                "%s: %r does not name %s and %s" % (argv, r.stderr, name, key)
            assert r.stdout == "", "%s printed %r" % (argv, r.stdout)


def test_check_validates_recv_timeout():
    tmp = support.tmpdir("plcsim-serve-scenario-")
    good = os.path.join(tmp, "good.yaml")
    with open(good, "w") as f:
        f.write("name: good\nduration: 1s\nplc:\n  recv_timeout: 2s\n")
    r = subprocess.run([PLCSIM, "check", good], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    for bad in ("10", "-1s", "soon", "[1s]"):
        path = os.path.join(tmp, "bad.yaml")
        with open(path, "w") as f:
            f.write("name: bad\nduration: 1s\nplc:\n  recv_timeout: %s\n" % bad)
        r = subprocess.run([PLCSIM, "check", path], capture_output=True, text=True, timeout=10)
        assert r.returncode == 2, "recv_timeout %s: exit %d" % (bad, r.returncode)
        assert "plc.recv_timeout" in r.stderr and ":4:" in r.stderr, r.stderr
    try:
        import jsonschema
    except ImportError:
        return  # test_scenario_schema.py says whether that may be skipped
    with open(os.path.join(TOP, "scenarios", "scenario.schema.json")) as f:
        v = jsonschema.Draft7Validator(json.load(f))
    ok = {"name": "good", "duration": "1s", "plc": {"recv_timeout": "2s"}}
    assert v.is_valid(ok), list(v.iter_errors(ok))[0].message
    assert not v.is_valid({"name": "bad", "duration": "1s", "plc": {"recv_timeout": "10"}})


def main():
    return support.run_tests(globals(), (PLCSIM, TCPCOM))


if __name__ == "__main__":
    sys.exit(main())
