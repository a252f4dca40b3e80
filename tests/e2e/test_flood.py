#!/usr/bin/env python3
"""A flood of connections does not flood the event log.

3000 connections opened and closed at once (some after a few bytes of
garbage, some with a reset) against plcsim serve: its standard output and
its --events file stay small, because repeated events of one kind are folded
into one "flood" line a second with their count; and nothing is lost: the
printed lines plus the folded counts of each kind add up to the summary's
counters, which count every connection.
"""
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

import support
from support import wait_for

TOP = os.environ.get("TOP", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", "build")
PLCSIM = os.path.join(TOP, BUILD, "plcsim")
CONNECTIONS = 3000
WAVE = 50  # well below the listen backlog (128)
MAX_LINES = 300

# Each kind of event, and the summary counters it must add up to.
KINDS = {
    "connect": ("connections",),
    "waiting": ("waited",),
    "disconnect": ("disconnects", "left_waiting"),
    "rejected": ("rejected",),
    "short_read": ("short_reads",),
    "restart": ("restarts",),
}


def read_events(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.endswith("\n")]


def open_conn(port):
    """Connects; None when plcsim took the connection and reset it at once
    (over --max-open), which a connect may already see. Either way plcsim
    has counted it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(("127.0.0.1", port))
        return s
    except ConnectionResetError:
        s.close()
        return None
    except BaseException:
        s.close()
        raise


def answered(s):
    """Sends a frame; waits for its echo, or for plcsim to close or reset."""
    got = b""
    try:
        s.sendall(b"\x00\x00\x00\x02")
        while len(got) < 4:
            chunk = s.recv(4 - len(got))
            if not chunk:
                break
            got += chunk
    except ConnectionError:
        pass


def flood(port):
    """Opens and drops CONNECTIONS connections, some after bytes of garbage,
    some with a reset. Every WAVE-th waits for an answer: plcsim has then
    taken in every connection before it (the backlog is first in, first
    out), so the flood never overflows the backlog and waits for a SYN to be
    sent again; it runs as fast as plcsim takes connections in."""
    for i in range(CONNECTIONS):
        s = open_conn(port)
        if s is None:
            continue
        try:
            if i % WAVE == WAVE - 1:
                answered(s)
            elif i % 3 == 1:
                s.sendall(b"\xde\xad\xbe")  # less than a frame
            elif i % 3 == 2:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except ConnectionError:
            pass  # rejected before the bytes went out
        finally:
            s.close()


def echo_once(port):
    """A well-behaved client, answered once plcsim has taken in the whole
    flood (the backlog is first in, first out). It may be rejected while the
    flood is still open: it tries again. Returns how many times it connected.
    """
    deadline = time.monotonic() + 30
    attempts = 0
    while True:
        attempts += 1
        s = open_conn(port)
        try:
            if s is None:
                raise ConnectionResetError("reset on connect")
            s.sendall(b"\x01\x02\x03\x04")
            got = b""
            while len(got) < 4:
                chunk = s.recv(4 - len(got))
                if not chunk:
                    raise ConnectionResetError("closed before the echo")
                got += chunk
            assert got == b"\x01\x02\x03\x04", got
            return attempts
        except ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
        finally:
            if s is not None:
                s.close()


def folded_counts(lines):
    """{kind: (lines printed, events folded)} from text or JSON lines."""
    counts = {k: [0, 0] for k in KINDS}
    for kind, folded in lines:
        if kind in counts:
            if folded is None:
                counts[kind][0] += 1
            else:
                counts[kind][1] += folded
    return counts


def text_kinds(out):
    for line in out:
        words = line.split()
        if len(words) < 2 or not words[0].replace(".", "").isdigit():
            continue
        if words[1] == "flood":
            fields = dict(w.split("=", 1) for w in words[2:] if "=" in w)
            yield fields["kind"], int(fields["count"])
        else:
            yield words[1], None


def json_kinds(events):
    for e in events:
        if e["event"] == "flood":
            assert e["span_us"] <= 1000000, e
            yield e["kind"], e["count"]
        else:
            yield e["event"], None


def test_flood_folded_and_counted():
    tmp = support.tmpdir("plcsim-flood-")
    events_path = os.path.join(tmp, "events.jsonl")
    proc = support.popen(
        [PLCSIM, "serve", "--listen", "127.0.0.1:0", "--events", events_path,
         "--cycle", "0", "--relisten", "0", "--max-clients", "4", "--max-open", "6"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = [], []
    readers = [threading.Thread(target=lambda s=s, l=l: l.extend(s), daemon=True)
               for s, l in ((proc.stdout, out), (proc.stderr, err))]
    try:
        line = proc.stdout.readline()
        assert line.startswith("listening on 127.0.0.1:"), "first line: %r" % line
        port = int(line.strip().rsplit(":", 1)[1])
        for r in readers:
            r.start()

        t0 = time.monotonic()
        flood(port)
        connected = CONNECTIONS + echo_once(port)
        print("  %d connections in %.1fs" % (connected, time.monotonic() - t0))

        # SIGUSR1 writes the summary (and what was folded) without stopping:
        # wait until every connection has been accepted and has ended.
        def settled():
            n = len([e for e in read_events(events_path) if e["event"] == "summary"])
            proc.send_signal(signal.SIGUSR1)
            wait_for(lambda: len([e for e in read_events(events_path)
                                  if e["event"] == "summary"]) > n, 10, "a summary",
                     step=0.05)
            c = [e for e in read_events(events_path) if e["event"] == "summary"][-1]
            return (c["connections"] + c["left_waiting"] + c["rejected"] == connected and
                    c["disconnects"] == c["connections"])
        # Each look asks for a summary (and writes its lines): look twice
        # a second, not twenty times.
        wait_for(settled, 30, "every connection to end", step=0.5)

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, "plcsim exited %d" % proc.returncode
        for r in readers:
            r.join(timeout=10)
        assert not any("ERROR: AddressSanitizer" in l or "runtime error" in l for l in err), "".join(err)

        events = read_events(events_path)
        summary = [e for e in events if e["event"] == "summary"][-1]
        print("  %d lines out, %d events written; %s" % (
            len(out), len(events), {k: summary[k] for k in
                                    ("connections", "left_waiting", "rejected", "short_reads")}))
        assert summary["connections"] + summary["left_waiting"] + summary["rejected"] == connected, \
            "%d connections, not all counted: %s" % (connected, summary)
        assert len(out) < MAX_LINES, "%d lines on stdout" % len(out)
        assert len(events) < MAX_LINES, "%d lines in the events file" % len(events)

        for name, counts in (("stdout", folded_counts(text_kinds(out))),
                             ("events file", folded_counts(json_kinds(events)))):
            for kind, counters in KINDS.items():
                printed, folded = counts[kind]
                want = sum(summary[c] for c in counters)
                assert printed + folded == want, "%s: %s printed %d + folded %d != %s %d" % (
                    name, kind, printed, folded, "+".join(counters), want)
            assert counts["connect"][1] > 0 and counts["disconnect"][1] > 0, \
                "%s: nothing folded: %s" % (name, counts)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def main():
    return support.run_tests(globals(), ())


if __name__ == "__main__":
    sys.exit(main())
