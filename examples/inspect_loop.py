#!/usr/bin/env python3
"""An inspection loop that reports each part's verdict to the PLC through
the data bits of the life-bit link.

Every part gets a word: its number in bits 31..8 and its verdict in bits
7..1 (1 good, 2 reject, 3 rework); bit 0 stays the life bit. After setting
a verdict the loop waits until an echo shows that the PLC received it, and
warns when it does not come in time.

    PYTHONPATH=python python3 examples/inspect_loop.py --port 5050
    build/plcsim serve --listen 127.0.0.1:5050 -vv     # a PLC to try it on

The inspection itself is simulated here; put the camera's in its place.
"""
import argparse
import random
import sys
import time

import tcpcom

GOOD, REJECT, REWORK = 1, 2, 3


def inspect(part):
    """Stands for the real inspection: a verdict for part number `part`."""
    time.sleep(0.2)
    return random.choices((GOOD, REJECT, REWORK), (90, 7, 3))[0]


def word(part, verdict):
    return (part & 0xffffff) << 8 | verdict << 1


def wait_for_echo(link, value, timeout):
    """Waits until a frame carrying `value` has come back unchanged; the
    echo, or None after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        e = link.last_echo()
        if e is not None and e.ok and e.data == value:
            return e
        time.sleep(0.01)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=5050)
    ap.add_argument("--parts", type=int, default=20)
    args = ap.parse_args()

    try:
        link = tcpcom.Link(args.server, args.port, send_cycle=0.1,
                           toggle_cycle=0.5)
    except tcpcom.ConfigError as e:
        sys.exit("bad settings: %s" % e)
    with link:
        for part in range(1, args.parts + 1):
            verdict = inspect(part)
            value = word(part, verdict)
            link.set_data(value)
            e = wait_for_echo(link, value, timeout=2.0)
            if e is None:
                print("part %d: the PLC has not confirmed 0x%08x"
                      % (part, value), file=sys.stderr)
                continue
            print("part %d: verdict %d, confirmed in %.1f ms"
                  % (part, verdict, e.rtt_us / 1000))
        st = link.stats()
    print("%d frames, %d echoes ok, %d mismatches, %d reconnects"
          % (st.frames_sent, st.echoes_ok, st.mismatches,
             st.reconnect_attempts))


if __name__ == "__main__":
    main()
