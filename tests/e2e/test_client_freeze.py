"""The client after a freeze (its process stopped, then continued, as a
paused virtual machine is): its waits keep their absolute deadlines.

A wait the stop interrupts is restarted by the kernel with the time it had
left when it stopped, so one long wait would miss its deadline by as long
as the freeze lasted: a toggler asleep for a 2 s toggle cycle stayed
silent up to 1.5 s after the process ran again. In slices of at most
100 ms, the life bit is back within a slice, a send cycle and the PLC's
task cycle of the continue."""
import os
import signal
import sys
import time

import support
from simproc import BUILD, TOP, Sim

TCPCOM = os.path.join(TOP, BUILD, "tcpcom")
TMP = support.tmpdir("tcpcom-freeze-")


def test_life_bit_back_promptly_after_freeze():
    sim = Sim(TMP)
    client = None
    try:
        # The first flip is due 2 s after the start; the freeze from 0.5 s
        # to 2.5 s leaves the toggler 1.5 s of its wait when it stops.
        client = support.popen(
            [TCPCOM, "--server", "127.0.0.1", "--port", str(sim.port),
             "--send-cycle", "100ms", "--toggle-cycle", "2s", "-q",
             "--stats-interval", "0"])
        support.wait_for(lambda: sim.events("connect"), 5, "the client")
        time.sleep(0.5)
        os.kill(client.pid, signal.SIGSTOP)
        time.sleep(2.0)
        assert sim.events("edge") == [], "an edge before the first flip"
        os.kill(client.pid, signal.SIGCONT)
        cont = time.monotonic()
        support.wait_for(lambda: sim.events("edge"), 3, "the first edge")
        late = time.monotonic() - cont
        # Expected about 0.1 s (a slice at most, then the next frame); the
        # stopped wait's 1.5 s is what this must catch.
        assert late < 0.7, "first edge %.3fs after the continue" % late
        print("first edge %.3fs after the continue" % late)
    finally:
        if client is not None and client.poll() is None:
            client.terminate()
            client.wait(10)
        sim.stop()


if __name__ == "__main__":
    try:
        sys.exit(support.run_tests(globals(), [TCPCOM, os.path.join(
            TOP, BUILD, "plcsim")]))
    finally:
        support.cleanup()
