#!/usr/bin/env python3
"""End-to-end tests of the tcpcom client against small echo peers.

Each test starts its own peer (threads in this process) on 127.0.0.1, port 0
or a port it reuses, runs $TOP/$BUILD/tcpcom against it, and judges what the
peer saw on the wire and what the client wrote in its stats JSON.

Timing tolerances are generous on purpose: these tests run on loaded 2-core
CI machines and under sanitizer builds (BUILD=build-asan, build-tsan), which
slow the client several times over. Every wait is a poll with a deadline,
never a sleep that hopes.

Every client started is killed, and every temporary directory removed, however
the run ends (support.py). A test skipped by unittest makes the whole file
exit as skipped (77), not passed.
"""

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import support
from support import wait_for

TOP = os.environ.get("TOP", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", "build")
TCPCOM = os.path.join(TOP, BUILD, "tcpcom")
TMP = support.tmpdir("tcpcom-e2e-")

COUNTERS = ("frames_sent", "echoes_ok", "mismatches", "echo_timeouts",
            "protocol_errors", "connects", "disconnects",
            "reconnect_attempts", "send_errors", "skipped_cycles", "toggles",
            "echoes_abandoned")


class Peer:
    """An echo peer: a listener and one thread per connection.

    mode: "echo"      answer every frame with the same bytes;
          "split"     answer with 2 bytes, pause 20 ms, then the rest;
          "silent"    accept and read, never answer;
          "duplicate" answer every frame twice.
    Every complete frame received is recorded as (monotonic time, connection
    number, bytes), the time taken when its last byte was read.
    """

    def __init__(self, mode="echo", frame_len=4, port=0):
        self.mode = mode
        self.frame_len = frame_len
        self.lock = threading.Lock()
        self.frames = []
        self.accepted = 0
        self.stopping = False
        self.conns = []
        self.threads = []
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(8)
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self._start(self._accept_loop)

    def _start(self, fn, *args):
        t = threading.Thread(target=fn, args=args, daemon=True)
        self.threads.append(t)
        t.start()

    def _accept_loop(self):
        try:
            while not self.stopping:
                try:
                    conn, _ = self.listener.accept()
                except socket.timeout:
                    continue
                except OSError:
                    break
                with self.lock:
                    if self.stopping:
                        conn.close()
                        break
                    self.accepted += 1
                    number = self.accepted
                    self.conns.append(conn)
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._start(self._serve, conn, number)
        finally:
            self.listener.close()

    def _serve(self, conn, number):
        buf = b""
        conn.settimeout(0.05)
        try:
            while not self.stopping:
                try:
                    data = conn.recv(4096)
                except socket.timeout:
                    continue
                except OSError:
                    break
                if not data:
                    break
                now = time.monotonic()
                buf += data
                while len(buf) >= self.frame_len:
                    frame, buf = buf[:self.frame_len], buf[self.frame_len:]
                    with self.lock:
                        self.frames.append((now, number, frame))
                    self._answer(conn, frame)
        except OSError:
            pass
        finally:
            conn.close()

    def _answer(self, conn, frame):
        if self.mode == "echo":
            conn.sendall(frame)
        elif self.mode == "split":
            conn.sendall(frame[:2])
            time.sleep(0.020)
            conn.sendall(frame[2:])
        elif self.mode == "duplicate":
            conn.sendall(frame)
            conn.sendall(frame)
        # "silent": nothing

    def count(self, connection=None):
        with self.lock:
            if connection is None:
                return len(self.frames)
            return sum(1 for f in self.frames if f[1] == connection)

    def snapshot(self):
        with self.lock:
            return list(self.frames)

    def stop(self):
        """Kills the peer: the port refuses connections and every link is
        closed, before this returns."""
        with self.lock:
            self.stopping = True
            conns = list(self.conns)
        # A listening socket shut down leaves the LISTEN state at once.
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for t in self.threads:
            t.join(5)


class Client:
    """A tcpcom process with its stats JSON in a private directory."""

    def __init__(self, tmpdir, port, *args, json_file=True):
        self.json_path = os.path.join(tmpdir, "stats-%d.json" % port)
        cmd = [TCPCOM, "--server", "127.0.0.1", "--port", str(port)]
        if json_file:
            cmd += ["--stats-json", self.json_path]
        cmd += list(args)
        self.log = open(os.path.join(tmpdir, "client-%d.log" % port), "w+")
        self.proc = support.popen(cmd, stdout=self.log,
                                  stderr=subprocess.STDOUT)
        self.pid = self.proc.pid

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("tcpcom did not exit within %.1fs:\n%s"
                                 % (timeout, self.output()))

    def stats(self):
        with open(self.json_path) as f:
            return json.load(f)

    def stats_or_none(self):
        try:
            return self.stats()
        except (OSError, ValueError):
            return None

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.pid))

    def tasks(self):
        return len(os.listdir("/proc/%d/task" % self.pid))


def bit0(frame):
    return frame[-1] & 1


def edges(frames):
    """Times at which bit 0 changed between consecutive frames."""
    out = []
    for prev, cur in zip(frames, frames[1:]):
        if bit0(prev[2]) != bit0(cur[2]):
            out.append(cur[0])
    return out


def intervals(times):
    return [b - a for a, b in zip(times, times[1:])]


def burst_slots(times, cycle):
    """Send-grid slots that received more than one frame.

    Each frame is placed in the slot of the grid deadline at or before it;
    the grid's phase is the median phase of the frames, less 5 ms for early
    receive noise. A frame that left late stays in its own slot (up to a
    cycle late), so only catch-up frames, two for one deadline, share one.
    """
    # Phases in [-cycle/2, cycle/2): frames around the first one's phase
    # straddle 0, and taken in [0, cycle) their median could land a whole
    # cycle off, putting a frame received 3 ms late in the slot before.
    phases = sorted((t - times[0] + cycle / 2) % cycle - cycle / 2 for t in times)
    phase = phases[len(phases) // 2] - 0.005
    slots = [int((t - times[0] - phase) // cycle) for t in times]
    return sorted(s for s in set(slots) if slots.count(s) > 1)


def drift_per_cycle(times, cycle, min_apart=20):
    """How much later than the grid each cycle's frame leaves, in s per
    cycle: the median over every pair of frames at least `min_apart`
    cycles apart (a frame's cycle is its time from the first, rounded to
    whole cycles, so a skipped cycle does not count as drift)."""
    k = [round((t - times[0]) / cycle) for t in times]
    slopes = [((times[j] - times[i]) - cycle * (k[j] - k[i])) / (k[j] - k[i])
              for i in range(len(times)) for j in range(i + 1, len(times))
              if k[j] - k[i] >= min_apart]
    if not slopes:
        raise AssertionError("no frames %d cycles apart" % min_apart)
    return statistics.median(slopes)


class ClientTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(dir=TMP)
        self.peers = []
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            c.close()
        for p in self.peers:
            p.stop()
        self.tmp.cleanup()

    def peer(self, *args, **kw):
        p = Peer(*args, **kw)
        self.peers.append(p)
        return p

    def client(self, port, *args, **kw):
        c = Client(self.tmp.name, port, *args, **kw)
        self.clients.append(c)
        return c

    def assertCounters(self, st):
        for name in COUNTERS + ("link_down_us", "elapsed_us"):
            self.assertIn(name, st)
            self.assertIsInstance(st[name], int)
        for name in ("count", "min", "p50", "p99", "max"):
            self.assertIsInstance(st["rtt_us"][name], int)
        for name in ("count", "p50", "p99", "max"):
            self.assertIsInstance(st["send_late_us"][name], int)

    # (a)
    def test_frames_flow_on_time(self):
        peer = self.peer()
        c = self.client(peer.port, "--send-cycle", "100ms",
                        "--toggle-cycle", "500ms", "--duration", "5s")
        self.assertEqual(c.wait(30), 0, c.output())
        st = c.stats()
        frames = peer.snapshot()
        # A clean start is no skip and no reconnection: the wait for the
        # first connection counts as neither.
        self.assertEqual(st["reconnect_attempts"], 0, st)
        self.assertEqual(st["connects"], 1, st)

        # 5 s at 100 ms; the first frame waits for the first deadline after
        # the connection, the last may race the end of the run.
        self.assertGreaterEqual(len(frames), 45)
        self.assertLessEqual(len(frames), 51)
        self.assertEqual(len(set(f[1] for f in frames)), 1)

        # Receive times in this (Python) peer add scheduling noise of its
        # own; on a quiet machine the deviation is tens of microseconds.
        # The bounds (1 ms median, no two frames for one deadline) leave
        # room for a loaded 2-core machine and a sanitizer build while still
        # failing a client that sleeps relatively (its intervals run long by
        # the exchange time every cycle) or bursts after a late cycle. A
        # frame the loaded machine sent late, followed by the next on time,
        # is a short interval but no burst: it is on the grid.
        gaps = intervals([f[0] for f in frames])
        deviation = [abs(g - 0.100) for g in gaps]
        print("frames %d, interval deviation median %.0f us max %.0f us"
              % (len(frames), statistics.median(deviation) * 1e6,
                 max(deviation) * 1e6))
        self.assertLess(statistics.median(deviation), 0.001,
                        "send intervals: %s" % gaps)
        self.assertEqual(burst_slots([f[0] for f in frames], 0.100), [],
                         "a burst, frames for one deadline: %s" % gaps)
        # No drift: the frames stay on the grid of the first one. The
        # original drifted by 0.24 ms a cycle (85 frames short per hour at
        # 100 ms): comparing only the first and the last frame would see
        # 12 ms over this run, no more than one late receive in this peer.
        # drift_per_cycle() divides receive noise by 20 cycles or more and
        # takes a median, so a drift-free client measures a few us; the
        # bound (0.1 ms a cycle) still fails the original's drift, and a
        # peer whose lateness changes by 2 ms during the run still passes.
        drift = drift_per_cycle([f[0] for f in frames], 0.100)
        print("drift %.1f us a cycle" % (drift * 1e6))
        self.assertLess(abs(drift), 0.0001,
                        "drift %.1f us a cycle" % (drift * 1e6))

        # Life bit: an edge every 500 ms. A race between the two threads at
        # coinciding deadlines would show as 400 or 600 ms (one send cycle
        # early or late): every interval must be far from both.
        times = edges(frames)
        self.assertGreaterEqual(len(times), 8)
        lb = intervals(times)
        print("life-bit intervals (ms):", [round(i * 1e3, 2) for i in lb])
        self.assertLess(abs(statistics.median(lb) - 0.500), 0.005,
                        "life-bit intervals: %s" % lb)
        for i in lb:
            self.assertTrue(0.440 < i < 0.560, "life-bit intervals: %s" % lb)

        self.assertCounters(st)
        self.assertEqual(st["frames_sent"], len(frames))
        self.assertEqual(st["mismatches"], 0)
        self.assertEqual(st["protocol_errors"], 0)
        self.assertEqual(st["echo_timeouts"], 0)
        self.assertEqual(st["connects"], 1)
        # The end of the run may fall between the last frame and its echo:
        # that echo is abandoned (the client stops promptly), and counted
        # as such, not missing; the close at the stop is no disconnect.
        self.assertIn(st["echoes_abandoned"], (0, 1))
        self.assertEqual(st["frames_sent"] - st["echoes_ok"],
                         st["echoes_abandoned"])
        self.assertEqual(st["disconnects"], 0)
        self.assertTrue(9 <= st["toggles"] <= 11, st["toggles"])
        self.assertEqual(st["rtt_us"]["count"], st["echoes_ok"])

    # (b), first part
    def test_peer_killed_and_restarted(self):
        peer = self.peer()
        port = peer.port
        # The reconnect ceiling is bounded here: with the default ceiling
        # (100 ms doubling to 5 s) the attempt after a 1 s outage may come
        # up to 1.6 s after the peer is back (the fifth delay is drawn from
        # 0.8..1.6 s). With 500 ms the next attempt is at most 0.5 s after
        # the return, plus one send cycle to the next frame.
        c = self.client(port, "--send-cycle", "100ms", "--duration", "4s",
                        "--backoff-max", "500ms")
        wait_for(lambda: peer.count() >= 10, 10, "frames before the kill")
        peer.stop()
        killed = time.monotonic()
        before = peer.count()

        # One second without a peer: the port refuses connections.
        wait_for(lambda: time.monotonic() >= killed + 1.0, 2, "the outage")
        peer2 = self.peer(port=port)
        back = time.monotonic()
        wait_for(lambda: peer2.count() >= 1, 5, "frames after the restart")
        first = peer2.snapshot()[0][0]
        print("first frame %.0f ms after the restart" % ((first - back) * 1e3))
        self.assertLess(first - back, 1.0,
                        "first frame %.3fs after the restart" % (first - back))
        wait_for(lambda: peer2.count() >= 3, 5, "frames flowing again")

        self.assertEqual(c.wait(30), 0, c.output())
        st = c.stats()
        self.assertEqual(st["connects"], 2, st)
        self.assertGreaterEqual(st["reconnect_attempts"], 1)
        self.assertEqual(st["mismatches"], 0)
        self.assertEqual(st["frames_sent"], before + peer2.count())
        # Down from when the client saw the close (at most one 100 ms send
        # cycle after the kill) until the peer was back, 1 s after the kill.
        self.assertGreater(st["link_down_us"], 900000)

    # (b), second part
    def test_no_fd_or_thread_growth_over_reconnects(self):
        peer = self.peer()
        port = peer.port
        c = self.client(port, "--send-cycle", "20ms", "--backoff-min",
                        "20ms", "--backoff-max", "200ms",
                        "--stats-interval", "0", json_file=False)
        counts = []
        for cycle in range(8):
            wait_for(lambda: peer.count(1) >= 3, 10,
                     "frames in cycle %d" % cycle)
            counts.append((c.fds(), c.tasks()))
            peer.stop()
            # The client notices at its next frame and closes the socket.
            wait_for(lambda: c.fds() < counts[-1][0], 5,
                     "the socket closed in cycle %d" % cycle)
            down = time.monotonic()
            # A short outage, so that some attempts are refused.
            wait_for(lambda: time.monotonic() >= down + 0.1, 1, "outage")
            peer = self.peer(port=port)
        wait_for(lambda: peer.count(1) >= 3, 10, "frames after the cycles")
        counts.append((c.fds(), c.tasks()))
        print("(fds, threads) per cycle:", counts)
        self.assertEqual(len(set(counts)), 1,
                         "(fds, threads) per cycle: %s" % counts)
        self.assertIsNone(c.proc.poll())
        c.proc.send_signal(signal.SIGTERM)
        self.assertEqual(c.wait(10), 0, c.output())

    # (c)
    def test_split_echo(self):
        peer = self.peer("split")
        c = self.client(peer.port, "--send-cycle", "100ms", "--count", "15")
        self.assertEqual(c.wait(30), 0, c.output())
        st = c.stats()
        self.assertEqual(st["frames_sent"], 15)
        self.assertEqual(st["echoes_ok"], 15)
        self.assertEqual(st["mismatches"], 0)
        self.assertEqual(st["protocol_errors"], 0)
        self.assertEqual(st["echo_timeouts"], 0)
        self.assertEqual(st["connects"], 1)
        # Each echo took at least the 20 ms pause.
        self.assertGreaterEqual(st["rtt_us"]["min"], 19000)
        self.assertEqual(peer.count(), 15)

    # (d)
    def test_silent_peer(self):
        peer = self.peer("silent")
        c = self.client(peer.port, "--stats-interval", "100ms")
        # The default echo timeout notices the silence in about a second.
        def reported():
            st = c.stats_or_none()
            return st is not None and st["echo_timeouts"] >= 1 and \
                st["connects"] >= 2
        wait_for(reported, 15, "an echo timeout and a reconnect")
        self.assertGreaterEqual(peer.accepted, 2)
        self.assertEqual(c.stats()["echoes_ok"], 0)

        # Catch the client waiting for an echo: a frame on the newest link
        # arrived less than 0.3 s ago, and the wait for its echo lasts 1 s.
        # More than 0.7 s of that wait is left, so a client that waits it
        # out before stopping cannot meet the 0.5 s bound below.
        def waiting_for_echo():
            frames = [f for f in peer.snapshot() if f[1] == peer.accepted]
            return frames and time.monotonic() - frames[-1][0] < 0.3
        wait_for(waiting_for_echo, 15, "a frame waiting for its echo",
                 step=0.005)

        # SIGTERM in the middle of the wait for an echo. The client itself
        # stops within milliseconds; the bound allows process exit, the
        # final JSON write (with fsync) and sanitizer exit work on a loaded
        # machine, and still fails a client that waits out the echo timeout.
        sent = time.monotonic()
        c.proc.send_signal(signal.SIGTERM)
        rc = c.wait(10)
        took = time.monotonic() - sent
        print("exit %.0f ms after SIGTERM" % (took * 1e3))
        self.assertEqual(rc, 0, c.output())
        self.assertLess(took, 0.5, "exit %.3fs after SIGTERM" % took)
        st = c.stats()
        self.assertCounters(st)
        self.assertGreaterEqual(st["echo_timeouts"], 1)
        self.assertGreaterEqual(st["connects"], 2)

    # (e)
    def test_sigterm_writes_stats(self):
        peer = self.peer()
        c = self.client(peer.port, "--send-cycle", "50ms")
        wait_for(lambda: peer.count() >= 5, 10, "five frames")
        c.proc.send_signal(signal.SIGTERM)
        self.assertEqual(c.wait(10), 0, c.output())
        st = c.stats()
        self.assertCounters(st)
        self.assertGreaterEqual(st["frames_sent"], 5)
        self.assertEqual(st["frames_sent"], peer.count())
        self.assertIn(st["echoes_abandoned"], (0, 1))
        self.assertEqual(st["frames_sent"] - st["echoes_ok"],
                         st["echoes_abandoned"])
        self.assertEqual(st["disconnects"], 0)
        self.assertEqual(st["mismatches"], 0)
        self.assertEqual(st["config"]["port"], peer.port)
        self.assertEqual(st["config"]["send_cycle_us"], 50000)
        # No temporary file left next to it (they are named
        # ".NAME.XXXXXX" in the same folder).
        base = os.path.basename(c.json_path)
        self.assertEqual([n for n in os.listdir(self.tmp.name)
                          if n.startswith("." + base + ".")], [])
        self.assertIn(base, os.listdir(self.tmp.name))

    # (f)
    def test_duplicated_echo(self):
        peer = self.peer("duplicate")
        c = self.client(peer.port, "--send-cycle", "50ms",
                        "--stats-interval", "100ms")

        def seen():
            st = c.stats_or_none()
            return st is not None and st["protocol_errors"] >= 1 and \
                st["connects"] >= 2
        wait_for(seen, 15, "a protocol error and a reconnect")
        self.assertGreaterEqual(peer.accepted, 2)
        c.proc.send_signal(signal.SIGTERM)
        self.assertEqual(c.wait(10), 0, c.output())
        st = c.stats()
        self.assertGreaterEqual(st["protocol_errors"], 1)
        self.assertGreaterEqual(st["connects"], 2)
        self.assertEqual(st["mismatches"], 0)
        # The log says why the link was reset.
        out = c.output()
        self.assertTrue("nobody asked for" in out or "beyond the echo" in out,
                        out)

    # (g)
    def test_bad_values_exit_2(self):
        conf = os.path.join(self.tmp.name, "bad.conf")
        with open(conf, "w") as f:
            f.write("port = 6000\nthis is not a setting\n")
        cases = [
            (["--port", "0"], "'0'"),
            (["--port", "70000"], "70000"),
            (["--length", "12"], "12"),
            (["--length", "2000"], "2000"),
            (["--send-cycle", "-5ms"], "-5ms"),
            (["--send-cycle", "100"], "100"),
            (["--bogus"], "--bogus"),
            (["--config", "/nonexistent/file"], "/nonexistent/file"),
            (["--config", conf], conf + ":2"),
            # Not a host at all; a name that does not resolve is an
            # outage (test_unresolvable_name_keeps_retrying).
            (["--server", "bad/host"], "bad/host"),
        ]
        for args, needle in cases:
            with self.subTest(args=args):
                p = subprocess.run([TCPCOM] + args, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, timeout=60,
                                   universal_newlines=True)
                self.assertEqual(p.returncode, 2, p.stderr)
                lines = p.stderr.splitlines()
                self.assertGreaterEqual(len(lines), 1)
                # One line says what is wrong and names the value; at most
                # a pointer to --help follows it.
                self.assertIn(needle, lines[0])
                for extra in lines[1:]:
                    self.assertIn("--help", extra)
                self.assertLessEqual(len(lines), 2, p.stderr)
                self.assertEqual(p.stdout, "")

    def test_unresolvable_name_keeps_retrying(self):
        # A name without an address (a DNS outage at boot looks the same)
        # is a link that is down: retried with the back-off, said once at
        # the default level, and a clean stop on SIGTERM.
        js = os.path.join(self.tmp.name, "stats.json")
        log = open(os.path.join(self.tmp.name, "unresolved.log"), "w+")
        self.addCleanup(log.close)
        p = support.popen([TCPCOM, "--server", "no-such-host.invalid",
                           "--backoff-min", "20ms", "--backoff-max", "100ms",
                           "--stats-json", js, "--stats-interval", "100ms",
                           "-v"], stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(lambda: p.poll() is None and (p.kill(), p.wait()))

        def text():
            log.flush()
            log.seek(0)
            return log.read()
        wait_for(lambda: text().count("does not resolve") >= 4, 30,
                 "four resolution attempts")
        self.assertIsNone(p.poll(), text())
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(10), 0, text())
        out = text()
        self.assertEqual(len([l for l in out.splitlines()
                              if "notice:" in l and "does not resolve" in l]),
                         1, out)
        with open(js) as f:
            st = json.load(f)
        self.assertEqual(st["connects"], 0, st)
        self.assertEqual(st["frames_sent"], 0, st)
        self.assertGreater(st["link_down_us"], 0, st)

    def test_localhost_tries_every_address(self):
        # The peer listens on 127.0.0.1 only: where localhost resolves to
        # ::1 first, that refusal must not end the attempt.
        peer = self.peer()
        js = os.path.join(self.tmp.name, "stats.json")
        log = open(os.path.join(self.tmp.name, "localhost.log"), "w+")
        self.addCleanup(log.close)
        p = support.popen([TCPCOM, "--server", "localhost", "--port",
                           str(peer.port), "--send-cycle", "50ms",
                           "--stats-json", js], stdout=log,
                          stderr=subprocess.STDOUT)
        self.addCleanup(lambda: p.poll() is None and (p.kill(), p.wait()))
        wait_for(lambda: peer.count() >= 3, 20, "three frames")
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(10), 0)
        with open(js) as f:
            st = json.load(f)
        self.assertEqual(st["connects"], 1, st)
        self.assertEqual(st["reconnect_attempts"], 0, st)
        log.seek(0)
        self.assertIn("connected to 127.0.0.1:%d" % peer.port, log.read())

    def test_stalled_stderr_never_stalls_frames(self):
        # stderr is a pipe filled to the brim that nobody reads for 3 s,
        # and -vv logs a line per frame, 300 in all, more than the client
        # keeps in memory (256): the frames keep their cycle, the
        # lines that do not fit are dropped and counted, and once the pipe
        # is read again the count is said.
        r, w = os.pipe()
        self.addCleanup(os.close, r)
        os.set_blocking(w, False)
        try:
            while True:
                os.write(w, b"x" * 4096)
        except BlockingIOError:
            pass
        os.set_blocking(w, True)
        peer = self.peer()
        p = support.popen([TCPCOM, "--server", "127.0.0.1", "--port",
                           str(peer.port), "--send-cycle", "10ms",
                           "--toggle-cycle", "100ms", "--duration", "5s",
                           "-vv"], stdout=subprocess.DEVNULL, stderr=w)
        os.close(w)
        self.addCleanup(lambda: p.poll() is None and (p.kill(), p.wait()))
        wait_for(lambda: peer.count() >= 1, 20, "the first frame")
        time.sleep(3)
        self.assertIsNone(p.poll())
        got = []

        def drain():
            while True:
                b = os.read(r, 65536)
                if not b:
                    return
                got.append(b)
        t = threading.Thread(target=drain, daemon=True)
        t.start()
        self.assertEqual(p.wait(20), 0)
        t.join(10)
        text = b"".join(got).decode(errors="replace")
        times = [f[0] for f in peer.snapshot()]
        gaps = intervals(times)
        # 5 s at 10 ms is 500 frames; a sender that waited for stderr
        # would stop for the 3 s nobody read it.
        self.assertGreaterEqual(len(times), 375, len(times))
        self.assertLess(max(gaps), 0.5, max(gaps))
        self.assertTrue("log lines dropped" in text,
                        text.replace("x", "")[-3000:])

    def test_clean_start_counts_no_skip(self):
        # The first deadline passes while the client connects: that is the
        # start, not a skipped cycle (it once counted 1 on every start). A
        # 1 s cycle leaves no room for a real overrun on a loaded machine.
        peer = self.peer()
        c = self.client(peer.port, "--send-cycle", "1s", "--toggle-cycle", "1s",
                        "--duration", "2500ms")
        self.assertEqual(c.wait(30), 0, c.output())
        st = c.stats()
        self.assertEqual(st["skipped_cycles"], 0, st)
        self.assertEqual(st["reconnect_attempts"], 0, st)
        self.assertGreaterEqual(st["frames_sent"], 2, st)

    def test_stop_while_an_echo_is_awaited_is_no_fault(self):
        # A PLC that never answers, an echo timeout of 5 s: the stop comes
        # while the first frame waits for its echo, three send deadlines
        # after it. That echo is abandoned and counted as such; the waited
        # deadlines are no skipped cycles and the close no disconnect.
        peer = self.peer("silent")
        c = self.client(peer.port, "--send-cycle", "100ms",
                        "--echo-timeout", "5s")
        wait_for(lambda: peer.count() >= 1, 10, "the first frame")
        time.sleep(0.35)
        c.proc.send_signal(signal.SIGTERM)
        self.assertEqual(c.wait(10), 0, c.output())
        st = c.stats()
        self.assertEqual((st["frames_sent"], st["echoes_ok"],
                          st["echoes_abandoned"], st["echo_timeouts"]),
                         (1, 0, 1, 0), st)
        self.assertEqual(st["skipped_cycles"], 0, st)
        self.assertEqual(st["disconnects"], 0, st)
        self.assertEqual(st["connects"], 1, st)

    # (h)
    def test_count_stops_by_itself(self):
        peer = self.peer()
        c = self.client(peer.port, "--send-cycle", "20ms", "--count", "5")
        self.assertEqual(c.wait(30), 0, c.output())
        st = c.stats()
        self.assertEqual(st["frames_sent"], 5)
        self.assertEqual(st["echoes_ok"], 5)
        self.assertEqual(peer.count(), 5)

    # (i)
    def test_mode_1_keeps_bit0(self):
        peer = self.peer()
        c = self.client(peer.port, "--mode", "1", "--send-cycle", "20ms",
                        "--toggle-cycle", "60ms", "--duration", "1500ms")
        self.assertEqual(c.wait(30), 0, c.output())
        frames = peer.snapshot()
        self.assertGreaterEqual(len(frames), 30)
        self.assertEqual(edges(frames), [])
        self.assertEqual(set(bit0(f[2]) for f in frames), {0})
        st = c.stats()
        self.assertEqual(st["toggles"], 0)
        self.assertEqual(st["config"]["mode"], 1)

    # mode 0 with the same short cycles does toggle: (i) is not vacuous.
    def test_mode_0_toggles_short_cycles(self):
        peer = self.peer()
        c = self.client(peer.port, "--send-cycle", "20ms",
                        "--toggle-cycle", "60ms", "--count", "40")
        self.assertEqual(c.wait(30), 0, c.output())
        frames = peer.snapshot()
        self.assertGreaterEqual(len(edges(frames)), 10)


def main():
    if not os.access(TCPCOM, os.X_OK):
        sys.exit("no program at %s; build it first" % TCPCOM)
    result = unittest.main(verbosity=2, exit=False).result
    if not result.wasSuccessful():
        return 1
    if result.skipped:
        support.skip("; ".join("%s: %s" % (t.id().rsplit(".", 1)[-1], why)
                               for t, why in result.skipped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
