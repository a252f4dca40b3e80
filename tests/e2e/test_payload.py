#!/usr/bin/env python3
"""End-to-end tests of the data bits (tcpcom_set_data)
against plcsim, which records every frame it receives: the PLC must see
exactly the data set, from the frame after the set on, with bit 0 still
the life bit.
"""
import os
import subprocess
import sys
import tempfile
import unittest

import support
from simproc import BUILD, TOP, Sim, edges, wait_for

DATA_CLIENT = os.path.join(TOP, BUILD, "tests", "data_client")
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


if __name__ == "__main__":
    if not os.path.exists(DATA_CLIENT):
        support.skip("%s is not built" % DATA_CLIENT)
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() else 1)
