#!/usr/bin/env python3
"""End-to-end tests of what a program linked with libtcpcom gets, through
tests/helpers/link_client.c (the library, no tcpcom program around it):
its log lines never hold up a frame, a name with addresses of both
families links to the one that listens, a stop never waits for a name
lookup nor for an echo, and bytes nobody asked for are caught before a
frame that follows its last echo at once, where the client reads no more
before it sends.
"""
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import support
from simproc import BUILD, PLCSIM, TOP, Sim

LINK_CLIENT = os.path.join(TOP, BUILD, "tests", "link_client")
TMP = support.tmpdir("tcpcom-liblink-")

# Every echo corrupted: one warning line per frame, for the whole run;
# answered at once, so that 10 ms frames are not limited by a PLC cycle.
CORRUPT_ALL = """name: corrupt-all
duration: 60s
plc:
  cycle: 0
timeline:
  - action: corrupt
    at: 0s
    for: 60s
    mask: "0x00ff0000"
"""


def full_pipe():
    """A pipe whose buffer is full: (read end, write end, blocking)."""
    r, w = os.pipe()
    os.set_blocking(w, False)
    try:
        while True:
            os.write(w, b"x" * 4096)
    except BlockingIOError:
        pass
    os.set_blocking(w, True)
    return r, w


def parse(out):
    """link_client's stdout as a dict: the stats pairs and stop_us."""
    d = {}
    for line in out.splitlines():
        for kv in line.split():
            if "=" in kv:
                k, v = kv.split("=", 1)
                d[k] = int(v)
    return d


class StalledStderrTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(dir=TMP)
        self.addCleanup(self.tmp.cleanup)

    def test_stalled_stderr_never_stalls_frames(self):
        # One plcsim and one link_client per run, side by side: each
        # client's stderr is a full pipe nobody reads for the first 3 s of
        # its 4 s run, and every echo is corrupted, so that it logs a
        # warning a frame (10 ms): 300 lines in the stall, more than the
        # library keeps in memory (256). Mode 1 has no toggler: the sender
        # writes the lines out itself. The third run's stderr is never
        # read: its stop waits for it only a bounded time.
        scen = os.path.join(self.tmp.name, "corrupt.yaml")
        with open(scen, "w") as f:
            f.write(CORRUPT_ALL)
        runs = []
        for i, (mode, read) in enumerate([(0, True), (1, True),
                                          (1, False)]):
            d = os.path.join(self.tmp.name, "run%d" % i)
            os.mkdir(d)
            sim = Sim(d, scen)
            self.addCleanup(sim.stop)
            r, w = full_pipe()
            self.addCleanup(os.close, r)
            p = support.popen([LINK_CLIENT, "127.0.0.1", str(sim.port),
                               "10", "100", str(mode), "4000"],
                              stdout=subprocess.PIPE, stderr=w, text=True)
            os.close(w)
            self.addCleanup(lambda p=p: p.poll() is None and
                            (p.kill(), p.wait()))
            runs.append((mode, read, sim, p, r))
        time.sleep(3)
        for mode, read, sim, p, r in runs:
            self.assertIsNone(p.poll(), "mode %d ended early" % mode)
        results = []
        for mode, read, sim, p, r in runs:
            got = []
            if not read:
                results.append((mode, read, sim, p, None, got))
                continue

            def drain(r=r, got=got):
                while True:
                    b = os.read(r, 65536)
                    if not b:
                        return
                    got.append(b)
            t = threading.Thread(target=drain, daemon=True)
            t.start()
            results.append((mode, read, sim, p, t, got))
        for mode, read, sim, p, t, got in results:
            out, _ = p.communicate(timeout=30)
            if t is not None:
                t.join(10)
            text = b"".join(got).decode(errors="replace").replace("x", "")
            self.assertEqual(p.returncode, 0, "mode %d: %s" % (mode, text))
            st = parse(out)
            times = [e["t"] for e in sim.events("frame")]
            conn = [e["t"] for e in sim.events("connect")]
            print("mode %d%s: %d frames, stats %s" % (
                mode, "" if read else " (never read)", len(times), st))
            self.assertEqual(len(conn), 1, "mode %d" % mode)
            # A sender that waited for stderr would send nothing after its
            # first line ("connected to") until the pipe is read 3 s
            # later: the gaps (the first one from the connection on) stay
            # far below that, with room for a loaded machine.
            gaps = [b - a for a, b in zip(conn + times, times)]
            self.assertLess(max(gaps), 0.5, "mode %d" % mode)
            # 4 s at 10 ms is 400 frames; a sender stalled for 3 s sends
            # at most 100.
            self.assertGreaterEqual(len(times), 300, "mode %d" % mode)
            self.assertEqual(st["frames_sent"], len(times))
            # Every echo is corrupted; the stop may catch one frame
            # waiting for its echo.
            self.assertIn(st["mismatches"], (len(times) - 1, len(times)))
            self.assertLess(st["skipped_cycles"], 100, "mode %d" % mode)
            if not read:
                # tcpcom_join gives the last lines 200 ms, then returns
                # (a stop that waited for them would never end).
                self.assertGreaterEqual(st["stop_us"], 200000)
                self.assertLess(st["stop_us"], 1000000)
                continue
            # The lines that did not fit are counted and said, and the
            # ones after the stall are written by the link's own threads.
            self.assertIn("log lines dropped", text, "mode %d" % mode)
            self.assertIn("echo mismatch", text, "mode %d" % mode)
            # stderr is read again at the stop: no wait for it then.
            self.assertLess(st["stop_us"], 200000, "mode %d" % mode)


# Names of tests/helpers/nss/tcpcomtest.c, a name service that only
# link_client loads (LINK_CLIENT_NSS), found on LD_LIBRARY_PATH.
NSS_ENV = dict(os.environ, LINK_CLIENT_NSS="tcpcomtest",
               LD_LIBRARY_PATH=os.path.join(TOP, BUILD, "tests"))


def have_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


class Plcsim:
    """plcsim serve on one address (127.0.0.1:0 or [::1]:0)."""

    def __init__(self, listen):
        self.proc = support.popen([PLCSIM, "serve", "--listen", listen],
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            self.stop()
            raise AssertionError("plcsim's first line: %r" % line)
        self.port = int(line.strip().rsplit(":", 1)[1])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc.stdout.close()


class NameLookupTest(unittest.TestCase):

    def test_two_families_one_listening(self):
        # dual.tcpcom.test is ::1 and 127.0.0.1; plcsim listens on one of
        # them, the other refuses: the client tries the next address at
        # once and links, whichever comes first in getaddrinfo's order
        # (::1, by RFC 6724's table), so one of the two runs goes through
        # a refused address to the other family.
        if not have_ipv6_loopback():
            support.skip("no IPv6 loopback address (::1) on this machine")
        for listen in ("127.0.0.1:0", "[::1]:0"):
            sim = Plcsim(listen)
            self.addCleanup(sim.stop)
            t0 = time.monotonic()
            r = subprocess.run([LINK_CLIENT, "dual.tcpcom.test",
                                str(sim.port), "100", "500", "0", "600"],
                               env=NSS_ENV, capture_output=True, text=True,
                               timeout=30)
            took = time.monotonic() - t0
            self.assertEqual(r.returncode, 0, r.stderr)
            st = parse(r.stdout)
            print("listening on %s: %s" % (listen, st))
            self.assertEqual(st["connects"], 1, listen + r.stderr)
            # 0.6 s at 100 ms: 6 frames; a refused address costs nothing,
            # a client that gave up on the name would send none.
            self.assertGreaterEqual(st["echoes_ok"], 4, listen)
            self.assertIn("connected to %s" % listen.replace(
                ":0", ":%d" % sim.port), r.stderr)
            self.assertLess(took, 5)
            sim.stop()

    def test_stop_during_a_slow_lookup(self):
        # slow.tcpcom.test answers after 10 s, like a resolver waiting for
        # a silent name server for its whole timeout. The link is stopped
        # 0.5 s into that lookup: the stop (tcpcom_stop to the end of
        # tcpcom_join) must not wait for the lookup.
        runs = []
        for mode in (0, 1):
            p = support.popen([LINK_CLIENT, "slow.tcpcom.test", "5050",
                               "100", "500", str(mode), "500"],
                              env=NSS_ENV, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
            self.addCleanup(lambda p=p: p.poll() is None and
                            (p.kill(), p.wait()))
            runs.append((mode, p, time.monotonic()))
        for mode, p, t0 in runs:
            out, err = p.communicate(timeout=30)
            took = time.monotonic() - t0
            self.assertEqual(p.returncode, 0, err)
            st = parse(out)
            print("mode %d: stop %d us, exit after %.2f s" % (
                mode, st["stop_us"], took))
            # The lookup was still going on at the stop (a name service
            # that did not load would have failed it at once, and said so).
            self.assertNotIn("does not resolve", err)
            self.assertEqual(st["connects"], 0)
            # Waiting for the lookup would take 9.5 s; what is left is a
            # thread join and a few syscalls (100 ms: a loaded machine).
            self.assertLess(st["stop_us"], 100000, "mode %d" % mode)
            self.assertLess(took, 5, "mode %d" % mode)


class LoopbackPeer:
    """A peer on 127.0.0.1 in a thread of its own: takes connections one
    after the other and gives each to serve(conn, nth), nth counting from
    1; chunks(conn) is what comes on it until it ends or the peer stops."""

    def __init__(self):
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(4)
        self.lsock.settimeout(0.2)
        self.port = self.lsock.getsockname()[1]
        self.accepted = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.done.is_set():
            try:
                conn, _ = self.lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.accepted += 1
            with conn:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                conn.settimeout(0.2)
                self.serve(conn, self.accepted)

    def chunks(self, conn):
        while not self.done.is_set():
            try:
                data = conn.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            if not data:
                return
            yield data

    def serve(self, conn, nth):
        raise NotImplementedError

    def stop(self):
        self.done.set()
        self.lsock.close()
        self.thread.join(5)


class UnaskedPeer(LoopbackPeer):
    """An echo peer that, on its first connection, sends 4 bytes nobody
    asked for `delay` s after echoing frame `after`, and holds the echo of
    the frame after that for 0.2 s, so that the client's read finds the
    unasked bytes alone. `in_time` says whether they went before the
    client's next frame had come (what the test is about). Later
    connections are answered 20 ms late: a client at a 1 us cycle waits
    instead of keeping a core busy (beside the other tests) for the rest
    of its run."""

    def __init__(self, after, delay):
        self.after, self.delay = after, delay
        self.in_time = None
        super().__init__()

    def serve(self, conn, nth):
        frames, pending = 0, b""
        for data in self.chunks(conn):
            pending += data
            while len(pending) >= 4:
                frame, pending = pending[:4], pending[4:]
                frames += 1
                if nth == 1 and frames == self.after + 1:
                    time.sleep(0.2)
                elif nth > 1:
                    time.sleep(0.02)
                try:
                    conn.sendall(frame)
                    if nth == 1 and frames == self.after:
                        time.sleep(self.delay)
                        early = select.select([conn], [], [], 0)[0]
                        conn.sendall(b"\xde\xad\xbe\xef")
                        self.in_time = not early
                except OSError:
                    return


class UnaskedBytesTest(unittest.TestCase):

    def test_unasked_bytes_before_a_frame_due_at_once(self):
        # At a 1 us send cycle every frame is due when the last echo is
        # read, and the client sends it without the read that looks for
        # bytes nobody asked for: the next echo's arrival stamp says
        # whether it was there before the frame left. The echo callback
        # holds the sender 300 ms after echo 50; the peer sends 4 unasked
        # bytes 5 ms after that echo. They are read as frame 51's echo,
        # and must be told apart by their stamp: one protocol error, a
        # new link, and no mismatch (a client that took them for the echo
        # would count one, and then read every echo one frame late).
        # The hold leaves the peer 300 ms to send them before frame 51
        # comes; whether it did is looked at, not hoped for: a run where
        # the machine kept the peer from it is played again.
        for _ in range(3):
            peer = UnaskedPeer(after=50, delay=0.005)
            self.addCleanup(peer.stop)
            env = dict(os.environ, LINK_CLIENT_SEND_US="1",
                       LINK_CLIENT_HOLD="50:300")
            r = subprocess.run([LINK_CLIENT, "127.0.0.1", str(peer.port),
                                "1", "500", "1", "1000"], env=env,
                               capture_output=True, text=True, timeout=60)
            peer.stop()
            if peer.in_time:
                break
            print("unasked bytes sent after frame 51 came: played again")
        self.assertTrue(peer.in_time, "the peer never sent the unasked "
                        "bytes before frame 51 came")
        self.assertEqual(r.returncode, 0, r.stderr)
        st = parse(r.stdout)
        print(st)
        self.assertEqual(st["protocol_errors"], 1, r.stderr)
        self.assertEqual(st["mismatches"], 0, r.stderr)
        self.assertEqual(st["connects"], 2, r.stderr)
        self.assertIn("there before the frame was sent", r.stderr)
        # The 50 before, and the new link's (20 ms each).
        self.assertGreater(st["echoes_ok"], 50)


class SilentPeer(LoopbackPeer):
    """Reads what comes, never answers."""

    def serve(self, conn, nth):
        for _ in self.chunks(conn):
            pass


class StopDuringEchoWaitTest(unittest.TestCase):

    def test_stop_ends_an_echo_wait(self):
        # The echo of the first frame is waited for by a read that blocks
        # in 10 ms slices, the stop looked at between them (the README:
        # "within about 30 ms", the kernel ending a slice up to two ticks
        # late). Stopped 0.6 s into the 1 s echo timeout: a client that
        # waited it out would take 0.4 s; 100 ms leaves a loaded machine
        # room for the thread join.
        peer = SilentPeer()
        self.addCleanup(peer.stop)
        stops = []
        for _ in range(3):
            r = subprocess.run([LINK_CLIENT, "127.0.0.1", str(peer.port),
                                "100", "500", "1", "600"],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            st = parse(r.stdout)
            self.assertEqual(st["frames_sent"], 1, r.stderr)
            self.assertEqual(st["echoes_ok"], 0)
            stops.append(st["stop_us"])
        print("stop during an echo wait: %s us" % stops)
        self.assertLess(max(stops), 100000, stops)


if __name__ == "__main__":
    if not os.access(LINK_CLIENT, os.X_OK):
        print("missing %s (run make first)" % LINK_CLIENT)
        sys.exit(1)
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() else 1)
