#!/usr/bin/env python3
"""Hostile peers against plcsim while it plays a scenario.

For every action that changes echoes, a scenario whose fault lasts the whole
test is served (`plcsim serve SCENARIO`), and peers attack it while the fault
acts: 64 KB of frames pipelined then a reset with unread input, half a frame
then a close, a peer that sends without ever reading, a peer that never says
anything. A well-behaved client must then still be served, and plcsim must
still be alive, stop on SIGTERM or SIGINT with a verdict, and have printed no
sanitizer report.

The cases run a few at a time, each with its own plcsim; every wait is for a
condition with a deadline.
"""
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import support
from support import wait_for

TOP = os.environ.get("TOP", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", "build")
PLCSIM = os.path.join(TOP, BUILD, "plcsim")
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error",
                   "ThreadSanitizer")
PLC_INPUT_MAX = 2048  # a station's input buffer (plcsim/plc.h)
PARALLEL = 3

# (action, extra keys, PLC cycle). A cycle above 0 makes the hooks write
# echoes from the task cycle; 0 writes them corked after a burst of input.
WINDOW = ["at: 0", "for: 10m"]
CASES = [
    ("echo_merge", WINDOW, "2ms"),
    ("echo_merge", WINDOW, "0"),
    ("echo_split", WINDOW + ["pieces: 2", "gap: 1ms"], "2ms"),
    ("echo_split", WINDOW + ["pieces: 4", "gap: 1ms"], "0"),
    ("echo_duplicate", WINDOW, "2ms"),
    ("echo_duplicate", WINDOW, "0"),
    ("echo_delay", WINDOW + ["delay: 5ms", "jitter: 2ms"], "2ms"),
    ("echo_delay", WINDOW + ["delay: 5ms"], "0"),
    ("echo_short", WINDOW + ["bytes: 2"], "2ms"),
    ("corrupt", WINDOW + ["mask: 0x00ff0000"], "2ms"),
    ("bit0_force", WINDOW + ["value: 1"], "2ms"),
    ("bit0_invert", WINDOW, "2ms"),
    ("bit0_stuck", WINDOW, "2ms"),
    ("blackhole", WINDOW, "2ms"),
    # half_open takes the connections open when it begins: repeated, it
    # catches the hostile peers too, and lets each go 200 ms later.
    ("half_open", ["at: 0", "for: 200ms", "every: 500ms"], "2ms"),
]


def write_scenario(tmp, name, action, keys, cycle):
    path = os.path.join(tmp, name + ".yaml")
    lines = [
        "name: %s" % name,
        "duration: 10m",
        "plc:",
        "  cycle: %s" % cycle,
        "  max_clients: 16",
        "  relisten: 0",
        "timeline:",
        "  - action: %s" % action,
    ] + ["    " + k for k in keys] + [
        "expectations:",
        "  - expect: frames",
        "    at_least: 1",
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


class Served:
    """plcsim serve SCENARIO on a free port, its output read as it comes."""

    def __init__(self, scenario):
        self.proc = support.popen(
            [PLCSIM, "serve", scenario, "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
        line = self.proc.stdout.readline()
        assert line.startswith("listening on 127.0.0.1:"), "first line: %r" % line
        self.port = int(line.strip().rsplit(":", 1)[1])
        self.out, self.err = [], []
        self.readers = [threading.Thread(target=self._read, args=(s, l), daemon=True)
                        for s, l in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))]
        for t in self.readers:
            t.start()

    @staticmethod
    def _read(stream, lines):
        for line in stream:
            lines.append(line)

    def count(self, part):
        return sum(1 for l in list(self.out) if part in l)

    def stderr_tail(self):
        """A sanitizer report's head and summary, or the last lines."""
        err = list(self.err)
        for i, line in enumerate(err):
            if any(m in line for m in SANITIZER_MARKS):
                summary = [l for l in err[i:] if l.startswith("SUMMARY:")]
                return "".join(err[i:i + 8] + ["    ...\n"] + summary[:1])
        return "".join(err[-20:])

    def assert_alive(self, after):
        if self.proc.poll() is not None:
            for t in self.readers:
                t.join(timeout=5)
            raise AssertionError("plcsim exited %s after %s:\n%s"
                                 % (self.proc.returncode, after, self.stderr_tail()))

    def stop(self, signo):
        self.proc.send_signal(signo)
        rc = self.proc.wait(timeout=30)
        for t in self.readers:
            t.join(timeout=10)
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def connect(port, rcvbuf=None):
    deadline = time.monotonic() + 10
    while True:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        s.settimeout(5)
        try:
            s.connect(("127.0.0.1", port))
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return s
        except ConnectionRefusedError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)
        except BaseException:
            s.close()
            raise


def reset(s):
    """Closes with RST: SO_LINGER on, zero seconds."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def frames(nbytes):
    # Bit 0 stays 0: hostile frames make no life-bit edges, so the edges
    # seen later are the good client's.
    return b"".join(struct.pack(">I", i << 1) for i in range(nbytes // 4))


def send_until_blocked(s, data, limit_s):
    """Sends what the kernel takes within limit_s; stops once it blocks 300 ms.

    A fault may drop the link meanwhile (half_open does): sending ends there.
    Returns the bytes sent and whether the link was dropped.
    """
    s.setblocking(False)
    sent, dropped = 0, False
    deadline = time.monotonic() + limit_s
    while sent < len(data) and time.monotonic() < deadline:
        try:
            sent += s.send(data[sent:sent + 65536])
        except BlockingIOError:
            if not select.select([], [s], [], 0.3)[1]:
                break
        except ConnectionError:
            dropped = True
            break
    return sent, dropped


def attack_pipeline_reset(port):
    """64 KB of frames at once, more than a station buffers, then a reset."""
    s = connect(port)
    try:
        sent, dropped = send_until_blocked(s, frames(64 * 1024), 5)
        assert dropped or sent > 4 * PLC_INPUT_MAX, "only %d bytes pipelined" % sent
        # Let echoes come back into our receive buffer (a black hole sends
        # none, a half-open PLC may not): they are left unread.
        select.select([s], [], [], 0.3)
    finally:
        reset(s)


def attack_half_frame(port):
    s = connect(port)
    try:
        s.sendall(b"\x12\x34")
    except ConnectionError:
        pass  # dropped by a fault already
    finally:
        s.close()


def attack_flood_no_read(port):
    """A peer sending frames and never reading; returned open."""
    s = connect(port, rcvbuf=4096)
    send_until_blocked(s, frames(4 * 1024 * 1024), 2)
    return s


def good_client(sim, expect_bytes, limit_s=30):
    """Frames with a toggling life bit until echoes and edges show it served."""
    deadline = time.monotonic() + limit_s
    edges0 = sim.count(" edge conn=")
    attempts = 0
    while time.monotonic() < deadline:
        attempts += 1
        s = connect(sim.port)
        s.setblocking(False)
        got, i, next_send = 0, 0, time.monotonic()
        try:
            end = min(deadline, time.monotonic() + 3)
            while time.monotonic() < end:
                if time.monotonic() >= next_send:
                    try:
                        s.send(struct.pack(">I", (i << 1) | (i & 1)))
                    except (BlockingIOError, ConnectionError):
                        break
                    i += 1
                    next_send += 0.02
                if select.select([s], [], [], 0.01)[0]:
                    try:
                        chunk = s.recv(4096)
                    except ConnectionError:
                        break
                    if not chunk:
                        break  # a half-open window ended this link
                    got += len(chunk)
                served = sim.count(" edge conn=") > edges0
                if served and (got > 0 or not expect_bytes):
                    return got, attempts
        finally:
            s.close()
    raise AssertionError("the good client was not served in %ds (%d attempts)" % (limit_s, attempts))


def run_case(tmp, index, case):
    action, keys, cycle = case
    name = "hostile-%s-cycle%s" % (action.replace("_", "-"), cycle)
    sim = Served(write_scenario(tmp, name, action, keys, cycle))
    held = []
    t0 = time.monotonic()
    try:
        for n in range(3):
            attack_pipeline_reset(sim.port)
            sim.assert_alive("a pipeline of 64 KB and a reset (%d)" % (n + 1))
        for n in range(3):
            attack_half_frame(sim.port)
            sim.assert_alive("half a frame and a close (%d)" % (n + 1))
        held.append(attack_flood_no_read(sim.port))
        sim.assert_alive("a flood that never reads")
        held.append(connect(sim.port))  # silent
        sim.assert_alive("a silent peer")
        got, attempts = good_client(sim, expect_bytes=action != "blackhole")
        sim.assert_alive("the good client")
        assert sim.count("fault %s begins" % action) >= 1, "the fault never began"
        for s in held:
            reset(s)
        held = []
        signo = signal.SIGTERM if index % 2 == 0 else signal.SIGINT
        rc = sim.stop(signo)
        err = "".join(sim.err)
        for mark in SANITIZER_MARKS:
            assert mark not in err, "plcsim reported %r:\n%s" % (mark, sim.stderr_tail())
        assert rc == 0, "plcsim exited %d on %s:\n%s" % (rc, signo.name, sim.stderr_tail())
        verdicts = [l for l in sim.out if l.startswith(("PASS ", "FAIL "))]
        assert verdicts and verdicts[-1].startswith("PASS " + name), \
            "verdict: %r" % (verdicts or "".join(sim.out[-5:]))
        return "%s: good client got %d bytes (%d attempts), %.1fs" % (
            name, got, attempts, time.monotonic() - t0)
    finally:
        for s in held:
            s.close()
        sim.kill()


def test_hostile_peers_during_echo_faults():
    tmp = support.tmpdir("plcsim-hostile-")
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        futures = [pool.submit(run_case, tmp, i, c) for i, c in enumerate(CASES)]
        failures = []
        for case, f in zip(CASES, futures):
            try:
                print("  " + f.result())
            except Exception as e:  # every case reported, then fail
                failures.append("%s (cycle %s): %s: %s" % (case[0], case[2], type(e).__name__, e))
    assert not failures, "\n".join(failures)


def main():
    return support.run_tests(globals(), ())


if __name__ == "__main__":
    sys.exit(main())
