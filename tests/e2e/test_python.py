#!/usr/bin/env python3
"""End-to-end tests of the Python module (python/tcpcom) over the built
libtcpcom.so, against plcsim, which records every frame it receives: it
must see exactly the values the program set, in order, with bit 0 still
the life bit.

A sanitizer build's library needs its runtime loaded first: the test then
runs itself again with that runtime preloaded (and, for ASan, without leak
checks, which would report the interpreter's own allocations).
"""
import ctypes
import os
import re
import subprocess
import sys
import tempfile
import threading
import unittest

import support
from simproc import BUILD, TOP, Sim, edges
from support import wait_for

LIB = os.path.join(TOP, BUILD, "libtcpcom.so")


def preload_sanitizer():
    """Re-executes this test with the library's sanitizer runtime first in
    the process, when it has one and it is not loaded yet."""
    if os.environ.get("TCPCOM_TEST_PRELOADED"):
        return
    try:
        out = subprocess.run(["ldd", LIB], capture_output=True,
                             text=True).stdout
    except OSError:
        return
    m = re.search(r"^\s*(lib[at]san\.so\S*) => (\S+)", out, re.M)
    if not m:
        return
    env = dict(os.environ, TCPCOM_TEST_PRELOADED="1",
               LD_PRELOAD=m.group(2))
    if m.group(1).startswith("libasan"):
        env["ASAN_OPTIONS"] = "detect_leaks=0:" + env.get("ASAN_OPTIONS", "")
    sys.stdout.flush()
    # exec runs no exit handler: what this process made goes first.
    support.cleanup()
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


os.environ["TCPCOM_LIB"] = LIB
sys.path.insert(0, os.path.join(TOP, "python"))
TMP = support.tmpdir("tcpcom-python-")


def seq(link):
    """The number of the last frame exchanged, 0 before the first."""
    e = link.last_echo()
    return e.seq if e else 0


class PythonLinkTest(unittest.TestCase):

    def setUp(self):
        global tcpcom
        import tcpcom
        self.tmp = tempfile.TemporaryDirectory(dir=TMP)
        self.sim = Sim(self.tmp.name)

    def tearDown(self):
        self.sim.stop()
        self.tmp.cleanup()

    def test_values_reach_the_plc(self):
        values = [0x12345678, 0xcafebab0, 0x2a, 0xfffffffe]
        echoes = []
        threads_before = threading.active_count()
        tasks_before = len(os.listdir("/proc/self/task"))
        with tcpcom.Link("127.0.0.1", self.sim.port, send_cycle=0.05,
                         toggle_cycle=0.15, data=values[0],
                         on_echo=echoes.append) as link:
            self.assertTrue(link.running)
            # Each value: set, then seen in five echoes of frames sent after.
            for v in values:
                link.set_data(v)
                after = link.last_echo()
                after = after.seq if after else 0
                wait_for(lambda: seq(link) >= after + 6, 10,
                         "frames carrying 0x%x" % v)
                e = link.last_echo()
                self.assertTrue(e.ok, e)
                self.assertEqual(e.data, v)
                self.assertEqual(e.echo, e.frame)
                self.assertEqual(e.rtt_us, e.done_us - e.sent_us)
            st = link.stats()
            last = link.last_echo()
        self.assertFalse(link.running)
        # The library's threads are joined when the block ends.
        self.assertEqual(len(os.listdir("/proc/self/task")), tasks_before)
        self.assertEqual(threading.active_count(), threads_before)

        self.assertEqual(st.mismatches, 0)
        self.assertEqual(st.connects, 1)
        self.assertTrue(st.link_up)
        self.assertGreaterEqual(st.echoes_ok, last.seq - 1)
        # The callback saw every exchange, in order, as the last one.
        self.assertEqual([e.seq for e in echoes][:last.seq],
                         list(range(1, last.seq + 1)))
        self.assertTrue(all(e.ok for e in echoes), echoes)

        wait_for(lambda: len(self.sim.frames()) >= len(echoes), 10,
                 "every frame in the events file")
        frames = [v for _, v in self.sim.frames()]
        data = [v & ~1 for v in frames]
        print("frames:", " ".join("%08x" % v for v in frames))
        # The last frame may have been sent as the link stopped, its echo
        # abandoned: the PLC saw it, the program was not told of it.
        self.assertIn(len(frames) - len(echoes), (0, 1))
        self.assertEqual(frames[:len(echoes)], [e.frame for e in echoes])
        runs = [d for i, d in enumerate(data) if i == 0 or d != data[i - 1]]
        self.assertEqual(runs, values)
        self.assertGreaterEqual(edges(frames), len(frames) // 3 - 3,
                                "bit 0: %s" % [v & 1 for v in frames])

    def test_stats_and_echo_before_and_after(self):
        link = tcpcom.Link("127.0.0.1", self.sim.port, send_cycle=0.05,
                           toggle_cycle=0.1, payload="counter", count=5)
        self.assertIsNone(link.last_echo())
        self.assertFalse(link.running)
        link.start()
        self.assertTrue(wait_for(lambda: link.wait(0.1), 10,
                                 "the frame count"))
        link.close()
        link.close()
        with self.assertRaises(tcpcom.TcpcomError):
            link.stats()
        frames = [v for _, v in self.sim.frames()]
        self.assertEqual([v >> 1 for v in frames], [0, 1, 2, 3, 4])

    def test_bad_settings(self):
        port = self.sim.port
        bad = [dict(length=12), dict(length=0), dict(length=2048),
               dict(send_cycle=0), dict(toggle_cycle=-1),
               dict(send_cycle="fast"), dict(mode=2), dict(payload="noise"),
               dict(count=-1), dict(backoff_min=2.0, backoff_max=1.0)]
        for kw in bad:
            with self.assertRaises(tcpcom.ConfigError, msg=str(kw)):
                tcpcom.Link("127.0.0.1", port, **kw)
        with self.assertRaises(tcpcom.ConfigError):
            tcpcom.Link("127.0.0.1", 0)
        with self.assertRaises(ValueError):   # ConfigError is a ValueError
            tcpcom.Link("bad/host", port)   # a name that does not resolve is
                                            # an outage, not a bad setting
        link = tcpcom.Link("127.0.0.1", port, length=16)
        try:
            with self.assertRaises(ValueError):
                link.set_data(1 << 16)
            with self.assertRaises(ValueError):
                link.set_data(-2)
            with self.assertRaises(TypeError):
                link.set_data("0x10")
            link.set_data(0xffff)
        finally:
            link.close()
        self.assertEqual(self.sim.frames(), [])

    def test_example_inspection_loop(self):
        example = os.path.join(TOP, "examples", "inspect_loop.py")
        env = dict(os.environ, PYTHONPATH=os.path.join(TOP, "python"))
        r = subprocess.run([sys.executable, example, "--port",
                            str(self.sim.port), "--parts", "3"],
                           capture_output=True, text=True, timeout=60,
                           env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout.count("confirmed"), 3, r.stdout)
        parts = {(v >> 8) for _, v in self.sim.frames()}
        self.assertLessEqual({1, 2, 3}, parts)

    def test_structs_match_the_header(self):
        """The ctypes mirror of tcpcom.h's structs has their layout."""
        from tcpcom import _native as n
        helper = os.path.join(TOP, BUILD, "tests", "data_client")
        out = subprocess.run([helper, "sizes"], capture_output=True,
                             text=True, check=True).stdout
        want = {l.split()[0]: [int(x) for x in l.split()[1:]]
                for l in out.splitlines()}
        for name, cls, a, b in (("config", n.Config, "fixed", "seed"),
                                ("stats", n.Stats, "link_up", "late_max_us"),
                                ("echo", n.Echo, "echo", "rtt_us")):
            got = [ctypes.sizeof(cls), getattr(cls, a).offset,
                   getattr(cls, b).offset]
            self.assertEqual(got, want[name], name)

    def test_version(self):
        self.assertRegex(tcpcom.version(), r"^\d+\.\d+\.\d+")


if __name__ == "__main__":
    if not os.path.exists(LIB):
        print("missing %s (run make first)" % LIB)
        sys.exit(1)
    preload_sanitizer()
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() else 1)
