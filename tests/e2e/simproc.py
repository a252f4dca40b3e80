"""A plcsim serve process for the end-to-end tests of the data API: on a
free port of 127.0.0.1, recording every frame (-vv) in an events file in a
temporary directory; killed and removed at exit (support.py)."""
import json
import os
import subprocess
import threading

import support

TOP = os.environ.get("TOP",
                     os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", "build")
PLCSIM = os.path.join(TOP, BUILD, "plcsim")


class Sim:
    """plcsim serve -vv --events FILE on 127.0.0.1, port 0."""

    def __init__(self, tmp, *args):
        self.events_path = os.path.join(tmp, "events.jsonl")
        self.proc = support.popen(
            [PLCSIM, "serve", "--listen", "127.0.0.1:0", "-vv",
             "--events", self.events_path] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("listening on 127.0.0.1:"):
            self.stop()
            raise AssertionError("plcsim's first line: %r" % line)
        self.port = int(line.strip().rsplit(":", 1)[1])
        # -vv prints two lines a frame: read them, or plcsim blocks on a
        # full pipe once a test sends a few hundred frames.
        self.drain = threading.Thread(target=self._drain, daemon=True)
        self.drain.start()

    def _drain(self):
        for _ in self.proc.stdout:
            pass

    def events(self, kind=None):
        try:
            with open(self.events_path) as f:
                evs = [json.loads(l) for l in f if l.endswith("\n")]
        except FileNotFoundError:
            return []
        return [e for e in evs if kind is None or e["event"] == kind]

    def frames(self):
        """Every frame received, in order, as (connection, int value)."""
        return [(e["conn"], int(e["hex"], 16)) for e in self.events("frame")]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "drain", None) is not None:
            self.drain.join(5)
        self.proc.stdout.close()


def edges(values):
    """How many times bit 0 changes between consecutive frames."""
    return sum(1 for a, b in zip(values, values[1:]) if (a ^ b) & 1)
