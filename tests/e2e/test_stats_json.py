#!/usr/bin/env python3
"""--stats-json replaces a regular file and nothing else.

The file is written to a temporary file that mkstemp makes beside it, then
renamed over it. A symbolic link, a FIFO or a directory at the path is
refused: at the start, with exit 2 and a message that says what is there;
planted while the client runs, with a logged error, exit 1 at the end, and
the thing left as it was, nothing written where a link points.

The client has no PLC to talk to (127.0.0.1:1 refuses), which does not stop
it from writing its statistics.
"""

import os
import stat
import subprocess
import sys
import time
import unittest

import support

TOP = os.environ.get("TOP", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", "build")
TCPCOM = os.path.join(TOP, BUILD, "tcpcom")


def run(*args, timeout=30):
    return subprocess.run([TCPCOM, "--server", "127.0.0.1", "--port", "1"] +
                          list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=timeout)


class StatsJson(unittest.TestCase):
    def setUp(self):
        self.dir = support.tmpdir("tcpcom-stats-")
        self.path = os.path.join(self.dir, "stats.json")
        self.outside = os.path.join(self.dir, "outside")

    def assert_only(self, *names):
        # No temporary file left beside the target.
        self.assertEqual(sorted(os.listdir(self.dir)), sorted(names))

    def refused_at_start(self, what):
        r = run("--duration", "200ms", "--stats-json", self.path)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stdout, "")
        first = r.stderr.splitlines()[0]
        self.assertIn("--stats-json", first)
        self.assertIn(self.path, first)
        self.assertIn(what, first)
        self.assertIn("regular file", first)

    def test_symlink_at_start(self):
        os.symlink(self.outside, self.path)
        self.refused_at_start("symbolic link")
        self.assertTrue(os.path.islink(self.path))
        self.assertFalse(os.path.lexists(self.outside))
        self.assert_only("stats.json")

    def test_fifo_at_start(self):
        os.mkfifo(self.path)
        self.refused_at_start("FIFO")
        self.assertTrue(stat.S_ISFIFO(os.lstat(self.path).st_mode))
        self.assert_only("stats.json")

    def test_directory_at_start(self):
        os.mkdir(self.path)
        self.refused_at_start("directory")
        self.assertTrue(os.path.isdir(self.path))
        self.assertEqual(os.listdir(self.path), [])

    def test_regular_file_replaced(self):
        with open(self.path, "w") as f:
            f.write("old\n")
        r = run("--duration", "300ms", "--stats-json", self.path, "-q")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.path) as f:
            self.assertIn('"frames_sent"', f.read())
        self.assertEqual(stat.S_IMODE(os.stat(self.path).st_mode), 0o644)
        self.assert_only("stats.json")

    def planted(self, plant):
        """Runs the client, plants something at the path once it has
        written the file, and returns the client's stderr."""
        c = support.popen([TCPCOM, "--server", "127.0.0.1", "--port", "1",
                           "--stats-interval", "50ms", "--duration", "2s",
                           "--stats-json", self.path],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
        deadline = time.monotonic() + 20
        while not os.path.exists(self.path):
            self.assertLess(time.monotonic(), deadline, "no stats file")
            time.sleep(0.01)
        plant()
        _, err = c.communicate(timeout=30)
        self.assertEqual(c.returncode, 1, err)
        self.assertIn("cannot write %s" % self.path, err)
        return err

    def test_symlink_planted(self):
        def plant():
            tmp = self.path + ".new"
            os.symlink(self.outside, tmp)
            os.replace(tmp, self.path)
        err = self.planted(plant)
        self.assertIn("is a symbolic link", err)
        self.assertTrue(os.path.islink(self.path))
        self.assertFalse(os.path.lexists(self.outside))
        self.assert_only("stats.json")

    def test_fifo_planted(self):
        def plant():
            os.unlink(self.path)
            os.mkfifo(self.path)
        err = self.planted(plant)
        self.assertIn("is a FIFO", err)
        self.assertTrue(stat.S_ISFIFO(os.lstat(self.path).st_mode))
        self.assert_only("stats.json")


if __name__ == "__main__":
    if not os.access(TCPCOM, os.X_OK):
        print("missing %s (run make first)" % TCPCOM)
        sys.exit(1)
    prog = unittest.main(exit=False, verbosity=2)
    r = prog.result
    sys.exit(0 if r.wasSuccessful() else 1)
