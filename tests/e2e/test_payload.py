#!/usr/bin/env python3
"""End-to-end tests of the data bits (tcpcom_set_data, --payload stdin)
against plcsim, which records every frame it receives: the PLC must see
exactly the data set, from the frame after the set on, with bit 0 still
the life bit.
"""
import os
import signal
import subprocess
import sys
import tempfile
import unittest

import support
from simproc import BUILD, TOP, Sim, edges
from support import wait_for

DATA_CLIENT = os.path.join(TOP, BUILD, "tests", "data_client")
TCPCOM = os.path.join(TOP, BUILD, "tcpcom")
TMP = support.tmpdir("tcpcom-payload-")


class DataApiTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(dir=TMP)
        self.sim = Sim(self.tmp.name)

    def tearDown(self):
        self.sim.stop()
        self.tmp.cleanup()

    def test_set_data_from_callback_and_main_thread(self):
        r = subprocess.run([DATA_CLIENT, str(self.sim.port)],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        lines = dict(l.split(" ", 1) for l in r.stdout.splitlines())
        after = int(lines["main-set"].split("=")[1])
        last = dict(kv.split("=") for kv in lines["last"].split())
        n = int(last["seq"])
        wait_for(lambda: len(self.sim.frames()) >= n, 10, "the frames")
        frames = self.sim.frames()
        self.assertEqual(len(frames), n)
        self.assertEqual({c for c, _ in frames}, {1})
        values = [v for _, v in frames]
        data = [v & ~1 for v in values]
        print("frames:", " ".join("%08x" % v for v in values))

        self.assertEqual(data[:10], [0x12345678] * 10)
        self.assertEqual(data[10:20], [0xcafebab0] * 10)
        # Set as 0x0000f00f: bit 0 belongs to the life bit.
        self.assertEqual(data[20:30], [0x0000f00e] * 10)
        # The main thread's set: the frame being built during the call may
        # carry either; every frame after it carries the new bits.
        for i in range(30, n):
            if i + 1 > after + 1:
                self.assertEqual(data[i], 0xabcc, "frame %d" % (i + 1))
            else:
                self.assertIn(data[i], (0x0000f00e, 0xabcc))

        # Bit 0 still toggles: 90 ms against 30 ms frames.
        self.assertGreaterEqual(edges(values), n // 3 - 3,
                                "bit 0: %s" % [v & 1 for v in values])

        # What the program was told matches what the PLC saw.
        self.assertEqual(lines["echoes"], "ok=%d other=0" % n)
        self.assertEqual(last["status"], "1")
        self.assertEqual(int(last["frame"], 16), values[-1])
        self.assertEqual(last["echo"], last["frame"])
        self.assertEqual(int(last["rtt"]),
                         int(last["done"]) - int(last["sent"]))
        self.assertGreater(int(last["rtt"]), 0)


class StdinTest(unittest.TestCase):
    """tcpcom --payload stdin, fed through a pipe."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(dir=TMP)
        self.sim = Sim(self.tmp.name)
        self.err = open(os.path.join(self.tmp.name, "stderr"), "w+")
        self.proc = support.popen(
            [TCPCOM, "--server", "127.0.0.1", "--port", str(self.sim.port),
             "--send-cycle", "20ms", "--toggle-cycle", "60ms",
             "--payload", "stdin", "--stats-interval", "0"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=self.err)

    def tearDown(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdin and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        self.sim.stop()
        self.err.close()
        self.tmp.cleanup()

    def data(self):
        return [v & ~1 for _, v in self.sim.frames()]

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def wait_data(self, value, frames=3):
        """Waits for `frames` frames in a row carrying `value`."""
        def seen():
            d = self.data()
            return len(d) >= frames and d[-frames:] == [value] * frames
        wait_for(seen, 10, "frames carrying 0x%x" % value)

    def stderr(self):
        self.err.flush()
        self.err.seek(0)
        return self.err.read()

    def test_lines_set_the_data(self):
        wait_for(lambda: len(self.sim.frames()) >= 3, 10, "the first frames")
        self.assertEqual(set(self.data()), {0}, "zero before any line")
        self.send("0x12345678\n")
        self.wait_data(0x12345678)
        # A malformed line, one too large, a blank one: reported, ignored.
        self.send("bogus\n0x123456789\n\n")
        self.send("  4096 \r\n")
        self.wait_data(4096)
        # The last line without its newline, then EOF: kept for ever.
        self.send("0xcafe")
        self.proc.stdin.close()
        self.wait_data(0xcafe, frames=10)
        self.assertIsNone(self.proc.poll(), "tcpcom ended at EOF")

        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(10), 0, self.stderr())
        err = self.stderr()
        print(err)
        self.assertIn("stdin line 2: 'bogus' is not a value", err)
        self.assertIn("stdin line 3: '0x123456789' is not a hex value of "
                      "at most 32 bits; ignored", err)
        self.assertNotIn("line 4", err)

        values = [v for _, v in self.sim.frames()]
        self.assertEqual({c for c, _ in self.sim.frames()}, {1})
        # Only the values set, in the order set, each in one run.
        data = self.data()
        runs = [d for i, d in enumerate(data) if i == 0 or d != data[i - 1]]
        self.assertEqual(runs, [0, 0x12345678, 4096, 0xcafe])
        # Bit 0 toggled all along: 60 ms against 20 ms frames.
        self.assertGreaterEqual(edges(values), len(values) // 3 - 3,
                                "bit 0: %s" % [v & 1 for v in values])


if __name__ == "__main__":
    for p in (DATA_CLIENT, TCPCOM):
        if not os.path.exists(p):
            print("missing %s (run make first)" % p)
            sys.exit(1)
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() else 1)
