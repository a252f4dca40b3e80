#!/usr/bin/env python3
"""End-to-end tests of how scenario faults act on the wire and how they are
counted, where the library's scenarios cannot show it with the real client
(which never pipelines, and always gets served in the end).

- echo_merge with its default of one frame holds an echo and sends it with
  the next one: a client that sends again without waiting gets both.
- reconnect counts only connections the PLC served: one held back by an
  accept delay for the rest of the run is not "connected again".
"""
import os
import socket
import subprocess
import sys
import threading
import time

import support

TOP = os.environ.get("TOP", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", "build")
PLCSIM = os.path.join(TOP, BUILD, "plcsim")
TCPCOM = os.path.join(TOP, BUILD, "tcpcom")
TMP = support.tmpdir("plcsim-faults-")


def scenario(name, text):
    path = os.path.join(TMP, name + ".yaml")
    with open(path, "w") as f:
        f.write("name: %s\n%s" % (name, text))
    return path


def serve(path):
    """plcsim serve SCENARIO on a free port: (process, port)."""
    p = support.popen([PLCSIM, "serve", path, "--listen", "127.0.0.1:0"],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    assert line.startswith("listening on 127.0.0.1:"), "first line: %r" % line
    return p, int(line.strip().rsplit(":", 1)[1])


def wait_line(p, text, timeout=10):
    """Reads plcsim's output until a line holds `text`; fails after
    `timeout` even when plcsim prints nothing more (the reading is done by
    a thread, so a silent pipe cannot block the test)."""
    found = threading.Event()
    seen = []

    def read():
        for line in p.stdout:
            seen.append(line)
            if text in line:
                found.set()
                return

    threading.Thread(target=read, daemon=True).start()
    if not found.wait(timeout):
        raise AssertionError("no line with %r in: %r" % (text, seen))


def recv_exactly(s, n, timeout):
    s.settimeout(timeout)
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def test_merge_sends_the_held_echo_with_the_next():
    path = scenario("merge-one", "duration: 3s\nplc:\n  cycle: 0\n"
                    "timeline:\n  - action: echo_merge\n    at: 0s\n")
    p, port = serve(path)
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        # The fault begins on the engine's first turn after time 0: wait
        # for plcsim to say so before the first frame.
        wait_line(p, "fault echo_merge begins")
        a, b = bytes.fromhex("11223344"), bytes.fromhex("55667788")
        s.sendall(a)
        s.settimeout(0.3)
        try:
            early = s.recv(64)
        except socket.timeout:
            early = b""
        assert early == b"", "the held echo came alone: %r" % early
        s.sendall(b)
        got = recv_exactly(s, 8, 5)
        assert got == a + b, "expected the held echo and the next, got %r" % got
        s.close()
    finally:
        p.terminate()
        out, err = p.communicate(timeout=15)
    assert p.returncode in (0, 1), "plcsim exited %d: %s" % (p.returncode, err)


def test_reconnect_counts_only_served_connections():
    # The link drops at 1s; every connection from then on waits 30 s for
    # the PLC, longer than the run: the client is never served again.
    path = scenario("never-served",
                    "duration: 4s\n"
                    "timeline:\n"
                    "  - action: rst\n    at: 1s\n"
                    "  - action: accept_delay\n    at: 1s\n    delay: 30s\n"
                    "expectations:\n  - expect: reconnect\n    within: 1500ms\n")
    r = subprocess.run([PLCSIM, "run", path, "--", TCPCOM, "--server", "{host}",
                        "--port", "{port}", "-q"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=60)
    assert r.returncode == 1, "expected a failed run, exit %d:\n%s" % (r.returncode, r.stdout)
    assert "not connected again within 1.5s" in r.stdout, r.stdout


def test_unwritable_events_file_is_an_error():
    """A record that could not be written whole is exit 3, never a 0."""
    if not os.path.exists("/dev/full"):
        support.skip("no /dev/full here")
    path = scenario("full-disk", "duration: 10s\n")
    for args in (["serve", "--listen", "127.0.0.1:0", "--duration", "200ms"],
                 ["serve", path, "--listen", "127.0.0.1:0"]):
        p = support.popen([PLCSIM] + args + ["--events", "/dev/full", "-q"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if path in args:  # a scenario waits for a client: stop it
            wait_line(p, "listening on")
            p.send_signal(2)
        out, err = p.communicate(timeout=15)
        assert p.returncode == 3, "%s: exit %d: %s" % (args, p.returncode, err)
        assert "cannot write events to '/dev/full'" in err, err


def main():
    return support.run_tests(globals(), (PLCSIM, TCPCOM))


if __name__ == "__main__":
    sys.exit(main())
