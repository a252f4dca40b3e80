#!/usr/bin/env python3
"""plcsim proxy: a scenario played between a client and a real PLC.

The "real PLC" is a second plcsim serve, or tests/helpers/echo_epoll with
-f FAULT as a faulty one. The client passes through the proxy as it passes
against the emulator; a PLC that echoes wrong, late, not at all, resets or
cannot be reached is reported as the PLC's fault (exit 4, "PLC ..." items)
and the client's failed items are not blamed on it. The proxy's listening
side and its upstream side are fed hostile peers. Loopback only; every
process and file is cleaned up, pass or fail (support.py).
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
TCPCOM = os.path.join(TOP, BUILD, "tcpcom")
ECHO = os.path.join(TOP, BUILD, "tests", "echo_epoll")
LIB = os.path.join(TOP, "scenarios")


class Proc:
    """A program that prints "listening on 127.0.0.1:PORT" first."""

    def __init__(self, args, env=None):
        self.proc = support.popen(args, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=env)
        line = self.proc.stdout.readline()
        assert line.startswith("listening on 127.0.0.1:"), \
            "%s: first line %r (%s)" % (args[0], line, self.proc.stderr.read()
                                         if self.proc.poll() is not None else "")
        self.port = int(line.strip().rsplit(":", 1)[1])
        self.out = [line]
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.out.append(line)

    def text(self):
        return "".join(self.out)

    def wait(self, timeout):
        rc = self.proc.wait(timeout=timeout)
        self.reader.join(timeout=5)
        return rc, self.text(), self.proc.stderr.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def upstream_plcsim(*args):
    return Proc([PLCSIM, "serve", "--listen", "127.0.0.1:0", "-q"] + list(args))


def upstream_echo(fault=None):
    args = [ECHO, "-l", "4"]
    if fault:
        args += ["-f", fault]
    return Proc(args)


def proxy(scenario, up_port, *args):
    # Under AddressSanitizer freed memory is held back (256 MB by default),
    # which would hide what the flood test measures: the proxy's own bounds.
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") +
                           ":quarantine_size_mb=1").lstrip(":")
    return Proc([PLCSIM, "proxy", scenario, "--listen", "127.0.0.1:0",
                 "--upstream", "127.0.0.1:%d" % up_port] + list(args), env=env)


def scenario_file(tmp, name, text):
    path = os.path.join(tmp, name + ".yaml")
    with open(path, "w") as f:
        f.write("name: %s\n%s" % (name, text))
    return path


def client(port, *args):
    return support.popen([TCPCOM, "--server", "127.0.0.1", "--port", str(port),
                          "-q"] + list(args),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def play(scenario, up, *client_args, proxy_args=(), timeout=60):
    """The proxy before `up`, a real client through it, to the verdict."""
    px = proxy(scenario, up.port, *proxy_args)
    cl = client(px.port, *client_args)
    try:
        return px.wait(timeout)
    finally:
        cl.terminate()
        cl.wait(timeout=10)
        px.stop()


def test_client_passes_through_to_a_second_plcsim():
    up = upstream_plcsim("--cycle", "10ms")
    try:
        rc, out, err = play(os.path.join(LIB, "frames-100ms-count.yaml"), up)
    finally:
        up.stop()
    assert rc == 0, "exit %d:\n%s%s" % (rc, out, err)
    assert "proxy to the PLC at 127.0.0.1:%d" % up.port in out, out
    assert "PASS frames-100ms-count" in out, out
    # Every frame the client sent reached the PLC, which answered it.
    assert "mismatches=0 late=0 unasked=0" in out, out
    assert "plc: round trips n=" in out, out
    # Its 10 ms cycle, told from round trips of one phase (the 100 ms send
    # cycle is a multiple of it): 10 ms is the usual setting that fits.
    assert "plc: to emulate it: plcsim serve --cycle 10ms --length 32" in out, out


def test_cycle_estimated_from_round_trips():
    """A send cycle prime to the PLC's spreads the frames over its phases:
    the round trips then bound its cycle closely."""
    tmp = support.tmpdir("plcsim-proxy-")
    sc = scenario_file(tmp, "cycle", "duration: 4s\n")
    up = upstream_plcsim("--cycle", "20ms")
    try:
        rc, out, err = play(sc, up, "--send-cycle", "37ms")
    finally:
        up.stop()
    assert rc == 0, "exit %d:\n%s%s" % (rc, out, err)
    assert "plc: to emulate it: plcsim serve --cycle 20ms --length 32" in out, out


def test_what_models_the_emulator_is_refused():
    for name, what in (("half-open-detected", ":11: plc.max_clients cannot apply"),
                       ("slow-plc-cycle-50ms", ":13: plc_cycle cannot apply")):
        path = os.path.join(LIB, name + ".yaml")
        r = subprocess.run([PLCSIM, "check", path], capture_output=True,
                           text=True, timeout=10)
        assert r.returncode == 0, r.stderr
        r = subprocess.run([PLCSIM, "check", "--proxy", path],
                           capture_output=True, text=True, timeout=10)
        assert r.returncode == 2 and path + what in r.stderr, (r.returncode, r.stderr)
        r = subprocess.run([PLCSIM, "proxy", path, "--listen", "127.0.0.1:0",
                            "--upstream", "127.0.0.1:9"], capture_output=True,
                           text=True, timeout=10)
        assert r.returncode == 2 and path + what in r.stderr, (r.returncode, r.stderr)
    tmp = support.tmpdir("plcsim-proxy-")
    sc = scenario_file(tmp, "keys", "duration: 1s\nplc:\n  cycle: 5ms\n"
                       "  relisten: 1s\n  recv_timeout: 5s\n  length: 32\n"
                       "  watchdog: 1s\n")
    r = subprocess.run([PLCSIM, "check", "--proxy", sc], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 2, r.stderr
    for key, line in (("cycle", 4), ("relisten", 5), ("recv_timeout", 6)):
        assert "%s:%d: plc.%s cannot apply" % (sc, line, key) in r.stderr, r.stderr
    assert "length" not in r.stderr and "watchdog" not in r.stderr, r.stderr
    r = subprocess.run([PLCSIM, "proxy", sc], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 2 and "--upstream" in r.stderr, r.stderr
    r = subprocess.run([PLCSIM, "proxy", os.path.join(LIB, "startup-within-2s.yaml"),
                        "--listen", "127.0.0.1:5099", "--upstream", "127.0.0.1:5099"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "connect to itself" in r.stderr, r.stderr


FRAMES_4S = "duration: 4s\nexpectations:\n  - expect: frames\n    at_least: 30\n"


def faulty(fault, *proxy_args, scenario=FRAMES_4S, client_args=()):
    tmp = support.tmpdir("plcsim-proxy-")
    sc = scenario_file(tmp, "faulty", scenario)
    up = upstream_echo(fault)
    try:
        return play(sc, up, *client_args, proxy_args=proxy_args)
    finally:
        up.stop()


def plc_lines(out):
    return [l for l in out.splitlines() if l.startswith("    PLC ")]


def test_wrong_echoes_are_the_plcs_fault():
    rc, out, err = faulty("wrong:5")
    assert rc == 4, "exit %d:\n%s%s" % (rc, out, err)
    assert any("PLC echoes:" in l and "unlike their frame" in l and
               "to frame 0x" in l for l in plc_lines(out)), out
    assert "FAIL faulty" in out, out


def test_a_reset_by_the_plc_is_its_fault():
    rc, out, err = faulty("reset:20")
    assert rc == 4, "exit %d:\n%s%s" % (rc, out, err)
    assert any("PLC link:" in l and "reset the connection" in l
               for l in plc_lines(out)), out
    # The frames the client could not send then are not blamed on it.
    assert "    line 4: frames" not in out, out


def test_an_unreachable_plc_is_its_fault():
    # A port bound and not listening refuses every connection, and stays
    # ours while the test runs: closed, it could be taken by a test
    # running beside this one.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]

    class Gone:
        pass
    gone = Gone()
    gone.port = port
    tmp = support.tmpdir("plcsim-proxy-")
    sc = scenario_file(tmp, "gone", FRAMES_4S)
    try:
        rc, out, err = play(sc, gone)
    finally:
        s.close()
    assert rc == 4, "exit %d:\n%s%s" % (rc, out, err)
    assert any("PLC link:" in l and "not reachable" in l
               for l in plc_lines(out)), out
    assert "plc: not blamed on the client: line 4: not judged, " \
        "the PLC failed: frames: expected at least 30, saw 0" in out, out
    assert "    line 4: frames" not in out, out


def test_a_late_plc_is_its_fault():
    rc, out, err = faulty("slow:700")
    assert rc == 4, "exit %d:\n%s%s" % (rc, out, err)
    assert any("PLC round trips:" in l and "later than 500ms" in l and
               "echo after" in l for l in plc_lines(out)), out
    assert not [l for l in out.splitlines() if l.startswith("    line ")
                and ": ok " not in l], out


def test_a_silent_plc_is_its_fault():
    """It takes frames and stops answering: the client gives up the link,
    and the frames it was owed are the PLC's fault."""
    rc, out, err = faulty("silent:10")
    assert rc == 4, "exit %d:\n%s%s" % (rc, out, err)
    assert any("PLC round trips:" in l and "ended with an echo owed" in l
               and "no echo for" in l for l in plc_lines(out)), out


def test_half_an_echo_then_silence_is_the_plcs_fault():
    rc, out, err = faulty("half:10")
    assert rc == 4, "exit %d:\n%s%s" % (rc, out, err)
    assert any("PLC round trips:" in l and "ended with an echo owed" in l
               for l in plc_lines(out)), out


def test_plc_late_sets_what_is_late():
    """Echoes 200 to 300 ms late: within the default --plc-late (500ms),
    late beyond --plc-late 100ms."""
    plain = "duration: 3s\n"
    rc, out, err = faulty("slow:200", scenario=plain)
    assert rc == 0, "exit %d:\n%s%s" % (rc, out, err)
    rc, out, err = faulty("slow:200", "--plc-late", "100ms", scenario=plain)
    assert rc == 4, "exit %d:\n%s%s" % (rc, out, err)
    assert any("later than 100ms" in l for l in plc_lines(out)), out


def test_a_plc_that_does_not_answer_the_connect():
    """A PLC whose backlog is full drops the handshake: after
    --connect-timeout the connection is not taken, the PLC's fault."""
    full = socket.socket()
    full.bind(("127.0.0.1", 0))
    full.listen(0)
    fillers = []
    try:
        # Fill the backlog (never accepted): further handshakes go unanswered.
        for _ in range(4):
            f = socket.socket()
            f.setblocking(False)
            f.connect_ex(full.getsockname())
            fillers.append(f)
        time.sleep(0.2)

        class Full:
            port = full.getsockname()[1]
        tmp = support.tmpdir("plcsim-proxy-")
        sc = scenario_file(tmp, "syn", "duration: 2s\n")
        rc, out, err = play(sc, Full, proxy_args=("--connect-timeout", "300ms"))
    finally:
        for f in fillers:
            f.close()
        full.close()
    assert rc == 4, "exit %d:\n%s%s" % (rc, out, err)
    assert any("PLC link:" in l and "no answer to connect within 300ms" in l
               for l in plc_lines(out)), out


def test_echoes_nobody_asked_for_are_the_plcs_fault():
    rc, out, err = faulty("flood:20")
    assert rc == 4, "exit %d:\n%s%s" % (rc, out, err)
    assert any("PLC echoes:" in l and "not asked for" in l and
               "with no frame to answer" in l for l in plc_lines(out)), out


def test_library_through_the_proxy():
    """plcsim run --upstream: library scenarios that apply, a link fault
    and an echo fault, pass through the proxy with the real client (the
    whole library: make scenarios-proxy); one that does not apply is
    refused up front."""
    names = ["echo-split-2x2", "half-open-until-closed"]
    files = [os.path.join(LIB, n + ".yaml") for n in names]
    up = upstream_plcsim("--cycle", "10ms")
    tmp = support.tmpdir("plcsim-proxy-")
    json_path = os.path.join(tmp, "report.json")
    html_path = os.path.join(tmp, "report.html")
    try:
        r = subprocess.run([PLCSIM, "run", "--upstream", "127.0.0.1:%d" % up.port,
                            "--json", json_path, "--html", html_path] + files +
                           ["--", TCPCOM, "--server", "{host}", "--port", "{port}",
                            "--stats-json", "{stats}", "-q"],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, "exit %d:\n%s%s" % (r.returncode, r.stdout, r.stderr)
        assert "2 passed, 0 failed" in r.stdout, r.stdout
        with open(json_path) as f:
            report = json.load(f)
        for case in report:
            plc = case["plc"]
            assert plc["mismatches"] == 0 and plc["rtt_us"]["count"] > 20, plc
            assert any(e["expect"] == "plc" for e in case["expectations"]), case
        # The page to sign names the PLC in its record.
        with open(html_path) as f:
            page = f.read()
        assert "127.0.0.1:%d (plcsim stood between" % up.port in page
    finally:
        up.stop()
    r = subprocess.run([PLCSIM, "run", "--upstream", "127.0.0.1:9",
                        os.path.join(LIB, "slow-plc-cycle-50ms.yaml"), "--", TCPCOM],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "plc_cycle cannot apply" in r.stderr, r.stderr
    r = subprocess.run([PLCSIM, "run", "-j", "2", "--upstream", "127.0.0.1:9",
                        os.path.join(LIB, "echo-split-2x2.yaml"), "--", TCPCOM],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "one scenario at a time" in r.stderr, r.stderr


def test_a_bad_client_fails_through_the_proxy():
    """The bad client fixture that takes one read for an echo fails the
    split-echo scenario through the proxy as against the emulator, and it
    is the client's fault: the PLC's items pass."""
    up = upstream_plcsim("--cycle", "10ms")
    try:
        bad = os.path.join(TOP, BUILD, "tests", "badclient")
        r = subprocess.run([PLCSIM, "run", "--upstream", "127.0.0.1:%d" % up.port,
                            os.path.join(LIB, "echo-split-2x2.yaml"), "--", bad,
                            "--defect", "one-read", "--server", "{host}", "--port",
                            "{port}", "--stats-json", "{stats}"],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 1, "exit %d:\n%s%s" % (r.returncode, r.stdout, r.stderr)
        assert "FAIL echo-split-2x2" in r.stdout, r.stdout
        # The client's fault, not the PLC's: the PLC's items passed.
        assert "    PLC " not in r.stdout and "not blamed" not in r.stdout, r.stdout
        assert "mismatches=0 late=0 unasked=0" in r.stdout, r.stdout
    finally:
        up.stop()


def test_link_faults_reach_the_plc_as_documented():
    """rst resets the PLC's connection too; half_open leaves it up and
    silent (no FIN when it begins) until the client gives up on it, as
    the emulated PLC's vanished socket learns. Seen from the PLC: a second
    plcsim's own event log."""
    tmp = support.tmpdir("plcsim-proxy-")
    sc = scenario_file(tmp, "link", "duration: 5s\ntimeline:\n"
                       "  - action: rst\n    at: 1s\n"
                       "  - action: half_open\n    at: 2500ms\n    for: 1500ms\n"
                       "  - action: plc_restart\n    at: 4500ms\n    for: 300ms\n"
                       "expectations:\n  - expect: reconnect\n    within: 2s\n")
    events = os.path.join(tmp, "plc.jsonl")
    up = upstream_plcsim("--events", events, "--max-clients", "2")
    try:
        rc, out, err = play(sc, up)
    finally:
        up.stop()
    assert rc == 0, "exit %d:\n%s%s" % (rc, out, err)
    with open(events) as f:
        ends = [e for e in map(json.loads, f) if e["event"] == "disconnect"]
    assert len(ends) >= 2, ends
    # The first: the client's reset at 1 s, passed on as a reset.
    assert "reset" in ends[0]["reason"] and 0.8e6 < ends[0]["connected_us"] < 1.3e6, ends
    # The second lived from about 1.1 s into the half-open window, to the
    # client's echo timeout at 3.5 s: no FIN at 2.5 s.
    assert ends[1]["reason"] == "peer closed", ends
    assert 2.1e6 < ends[1]["connected_us"] < 2.7e6, ends
    # plc_restart closes both sides at 4.5 s, and the proxy's port refuses
    # for 300 ms (its restart event).
    assert len(ends) >= 3 and ends[2]["reason"] == "peer closed", ends
    assert abs(ends[2]["t"] - ends[1]["t"] - 1.0) < 0.2, ends
    assert "restart window_us=300000 reason=scenario: plc_restart" in out, out


def test_blackhole_hides_the_clients_close_from_the_plc():
    """A black hole swallows the way up too: no frame reaches the PLC in
    it, and the client's giving up (its echo timeout, at 2 s) reaches the
    PLC only when the hole closes at 3 s."""
    tmp = support.tmpdir("plcsim-proxy-")
    sc = scenario_file(tmp, "hole", "duration: 4s\ntimeline:\n"
                       "  - action: blackhole\n    at: 1s\n    for: 2s\n")
    events = os.path.join(tmp, "plc.jsonl")
    # -vv: frames in its event log too (and not -q, which would win).
    up = Proc([PLCSIM, "serve", "--listen", "127.0.0.1:0", "--events", events,
               "--max-clients", "4", "-vv"])
    try:
        rc, out, err = play(sc, up)
    finally:
        up.stop()
    assert rc == 0, "exit %d:\n%s%s" % (rc, out, err)
    with open(events) as f:
        evs = list(map(json.loads, f))
    first = [e for e in evs if e.get("conn") == 1]
    end = [e for e in first if e["event"] == "disconnect"]
    assert end and 2.7e6 < end[0]["connected_us"] < 3.3e6, end
    assert "PLC side kept up, silent, behind the cut" in out, out
    frames = [e["t"] for e in first if e["event"] == "frame"]
    start = [e["t"] for e in first if e["event"] == "connect"][0]
    # Ten frames a second until the hole at 1 s, none after it.
    assert frames and max(frames) - start < 1.2, (start, frames[-3:])


def send_without_reading(port, seconds):
    """A client with a small receive buffer that writes frames for
    `seconds` and reads nothing: its own way down fills up, and the
    proxy's queue toward it after that. Its small segment size keeps the
    kernel's buffer on the proxy's side small too (it grows with the
    segment size, to megabytes on loopback), so that this happens in a
    tenth of a second rather than after seconds of frames."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
    s.connect(("127.0.0.1", port))
    s.settimeout(0.05)
    sent, deadline = 0, time.monotonic() + seconds
    stalled = None
    while time.monotonic() < deadline:
        try:
            # One frame a write, as a client's send cycle writes them:
            # each echo then travels alone, and few fill a small buffer.
            sent += s.send(struct.pack(">I", (sent // 4) * 2))
            stalled = None
        except socket.timeout:
            # Until the proxy has stopped reading it for half a second, not
            # for a set time: how soon the buffers fill depends on how fast
            # this machine runs the proxy (a sanitizer build, a busy CI).
            now = time.monotonic()
            stalled = stalled or now
            if now - stalled > 0.5:
                break
    else:
        stalled = None
    s.close()
    return sent, stalled is not None


def client_that_does_not_read(fault):
    tmp = support.tmpdir("plcsim-proxy-")
    up = upstream_echo(fault)
    # It bursts, as it writes without a cycle: its own fault to be blamed for.
    sc = scenario_file(tmp, "unread", "duration: 6s\nexpectations:\n"
                       "  - expect: no_burst\n    period: 100ms\n")
    px = proxy(sc, up.port)
    try:
        sent, stopped = send_without_reading(px.port, 5)
        rc, out, err = px.wait(30)
    finally:
        px.stop()
        up.stop()
    return sent, stopped, rc, out, err


def test_a_client_that_does_not_read_is_not_the_plcs_fault():
    """The client stops reading: the proxy stops reading it, but still
    reads every echo owed for what it sent up, so the PLC, which answered
    at once, is neither silent nor late (its round trips stay short), and
    what the client failed is blamed on the client."""
    sent, stopped, rc, out, err = client_that_does_not_read(None)
    assert sent > 64 * 4, "only %d bytes sent" % sent
    assert rc == 1, "exit %d:\n%s%s" % (rc, out[-3000:], err)
    assert "late=0 unasked=0 silent=0" in out, out[-3000:]
    assert "PLC: " not in out and "not blamed" not in out, out[-3000:]
    assert "    line 4: no burst: expected" in out, out[-3000:]
    # The proxy did stop reading the client: its writes stalled for half a
    # second, and it wrote more than went up (how much more is the kernel's
    # buffers, which can be a few segments).
    up = int(out.split("plc: frames=", 1)[1].split()[0])
    assert stopped, "the proxy never stopped reading a client that does not read"
    assert sent // 4 > up, (sent // 4, up)


def test_a_silent_plc_is_blamed_though_the_client_does_not_read():
    """The other way round: the PLC goes silent while the client does not
    read; the frames it owes are still its fault."""
    sent, stopped, rc, out, err = client_that_does_not_read("silent:10")
    assert rc == 4, "exit %d:\n%s%s" % (rc, out[-3000:], err)
    assert any("PLC round trips:" in l and "ended with an echo owed" in l
               for l in plc_lines(out)), out[-3000:]


def test_a_flood_of_wrong_echoes_is_folded_and_counted():
    """A PLC that answers every frame wrong, to a client that pipelines
    thousands a second: the PLC's fault lines fold as a flood of
    connections does (at most EVENTS_BURST, 10, of a kind a second, then
    one count a second), on the terminal and in --events, and every one
    of them is still counted, exactly."""
    tmp = support.tmpdir("plcsim-proxy-")
    events = os.path.join(tmp, "events.jsonl")
    up = upstream_echo("wrong:1")
    px = proxy(scenario_file(tmp, "garbage", "duration: 3s\n"), up.port,
               "--events", events)
    try:
        s = socket.create_connection(("127.0.0.1", px.port), timeout=5)
        batch = b"".join(struct.pack(">I", i * 2) for i in range(200))
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            s.sendall(batch)
            assert len(recv_exactly(s, len(batch))) == len(batch)
        s.close()
        rc, out, err = px.wait(30)
    finally:
        px.stop()
        up.stop()
    assert rc == 4, "exit %d:\n%s%s" % (rc, out[-3000:], err)
    wrong = int(out.split(" mismatches=", 1)[1].split()[0])
    assert wrong > 2000, out[-3000:]
    # None of them is a round trip: no task cycle is made up from them.
    assert "plc: round trips n=0 " in out, out[-3000:]
    assert "plc: task cycle not estimated: 0 round trips" in out, out[-3000:]
    # 3 s of run: per second at most 10 lines and a count, and the last
    # count at the end.
    lines = [l for l in out.splitlines() if "message=PLC: echo" in l]
    floods = [l for l in out.splitlines() if " flood kind=plc_mismatch " in l]
    assert len(lines) <= 10 * 4 and len(floods) <= 5, (len(lines), len(floods))
    with open(events) as f:
        evs = list(map(json.loads, f))
    logged = [e for e in evs if e["event"] == "error" and
              e["message"].startswith("PLC: echo")]
    counted = sum(e["count"] for e in evs if e["event"] == "flood" and
                  e["kind"] == "plc_mismatch")
    assert len(logged) == len(lines), (len(logged), len(lines))
    assert len(logged) + counted == wrong, (len(logged), counted, wrong)


def test_a_second_connection_waiting_is_not_the_plcs_fault():
    """A PLC serving one client keeps a second connection waiting while
    the first lasts: the echoes it owes there are not blamed on it."""
    tmp = support.tmpdir("plcsim-proxy-")
    up = upstream_plcsim("--cycle", "10ms")
    px = proxy(scenario_file(tmp, "second", "duration: 60s\n"), up.port)
    try:
        first = socket.create_connection(("127.0.0.1", px.port), timeout=5)
        first.sendall(struct.pack(">I", 2))
        assert recv_exactly(first, 4) == struct.pack(">I", 2)
        second = socket.create_connection(("127.0.0.1", px.port), timeout=5)
        second.sendall(struct.pack(">I", 4))
        second.settimeout(1.0)
        try:
            got = second.recv(4)
        except socket.timeout:
            got = None
        assert got is None, "the one-client PLC answered a second: %r" % got
        second.close()
        wait_for(lambda: "not blamed" in px.text(), 5, "the owed echoes noted")
        first.close()
        px.proc.send_signal(signal.SIGINT)
        rc, out, err = px.wait(30)
    finally:
        px.stop()
        up.stop()
    assert rc == 0, "exit %d:\n%s%s" % (rc, out, err)
    assert "silent=0" in out, out


# ---- hostile peers on the proxy's listening side ----

HOSTILE = "duration: 60s\n"


class Hostile:
    """The proxy before a plain echo server, ended by SIGINT (judged on
    what it saw, as a FAT engineer's Ctrl-C ends it)."""

    def __init__(self):
        self.tmp = support.tmpdir("plcsim-proxy-")
        self.up = upstream_echo()
        self.px = proxy(scenario_file(self.tmp, "hostile", HOSTILE), self.up.port)

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.px.port), timeout=5)
        s.settimeout(5)
        return s

    def echo_works(self):
        s = self.connect()
        try:
            s.sendall(struct.pack(">I", 0x12345679))
            return recv_exactly(s, 4) == struct.pack(">I", 0x12345679)
        finally:
            s.close()

    def end(self):
        try:
            self.px.proc.send_signal(signal.SIGINT)
            rc, out, err = self.px.wait(30)
            # Judged, not crashed: a verdict and the PLC's lines.
            assert rc in (0, 1, 4), "exit %d:\n%s%s" % (rc, out, err)
            assert "hostile (" in out and "plc: round trips" in out, out
            return out
        finally:
            self.px.stop()
            self.up.stop()


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        return [int(l.split()[1]) for l in f if l.startswith("VmRSS:")][0]


def recv_exactly(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            break
        buf += chunk
    return buf


def test_hostile_pipelined_frames_come_back_in_order():
    h = Hostile()
    try:
        s = h.connect()
        frames = b"".join(struct.pack(">I", i * 2) for i in range(500))
        s.sendall(frames)
        assert recv_exactly(s, len(frames)) == frames
        s.close()
    finally:
        out = h.end()
    assert "mismatches=0" in out, out


def test_hostile_half_frames_wait_for_their_rest():
    h = Hostile()
    try:
        s = h.connect()
        s.sendall(b"\x00\x01")
        s.settimeout(0.3)
        try:
            got = s.recv(4)
        except socket.timeout:
            got = None
        assert got is None, "half a frame was answered: %r" % got
        s.settimeout(5)
        s.sendall(b"\x02\x03")
        assert recv_exactly(s, 4) == b"\x00\x01\x02\x03"
        # A client that leaves with half a frame owes nothing to judge.
        s.sendall(b"\x09")
        s.close()
        assert h.echo_works()
    finally:
        h.end()


def test_hostile_reset_with_unread_input_and_silence():
    h = Hostile()
    try:
        silent = h.connect()  # connects and says nothing, for the whole test
        for _ in range(20):
            s = h.connect()
            s.sendall(struct.pack(">I", 4) * 200)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()  # a reset, its echoes unread
        assert h.echo_works()
        silent.close()
    finally:
        h.end()


def test_hostile_connection_flood_folds_the_proxys_lines():
    """60 connections one after the other, as fast as they are taken: the
    proxy's own line for each (its PLC side connected) folds as the
    connects do, at most 10 a second and then a count. (A count, not a
    time: connections held back behind a served one fill the listen
    backlog, and a connect then waits a second for its SYN to be sent
    again, so how many fit in a time depends on the kernel.)"""
    h = Hostile()
    n = 60
    try:
        t0 = time.monotonic()
        for _ in range(n):
            s = h.connect()
            s.sendall(struct.pack(">I", 4))
            s.close()
        took = time.monotonic() - t0
    finally:
        out = h.end()
    plc = [l for l in out.splitlines() if "message=PLC connected" in l]
    # At most 10 lines in each second the connections took (a second
    # begun counts), and the rest counted.
    assert len(plc) <= 10 * (int(took) + 2), (n, took, len(plc))
    assert " flood kind=plc_connected count=" in out, out[-3000:]


def test_hostile_flood_without_reading_is_bounded():
    """A client that writes megabytes and reads nothing: the proxy takes
    no more than its bounds (it stops reading), stays up and serves
    others."""
    h = Hostile()
    try:
        assert h.echo_works()
        before = rss_kb(h.px.proc.pid)
        s = h.connect()
        s.setblocking(False)
        sent = 0
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            try:
                sent += s.send(b"\x00\x00\x00\x02" * 16384)
            except BlockingIOError:
                time.sleep(0.01)
        assert h.echo_works()
        # Its bounds: 64 frames in flight and 4 KB queued each way per
        # connection. 16 MB is room for the allocator, and far below the
        # megabytes a proxy that buffered the flood would have taken.
        grown = rss_kb(h.px.proc.pid) - before
        assert sent > 4 * 1024 * 1024, "the flood was only %d bytes" % sent
        assert grown < 16 * 1024, "the proxy grew by %d kB under a flood " \
            "of %d bytes" % (grown, sent)
        s.close()
    finally:
        h.end()


def main():
    """Every test at once, at most PROXY_TESTS_AT_ONCE: they spend their
    time waiting for scenarios to end, and each has its own processes,
    ports and files. Reported in order, as support.run_tests does."""
    from concurrent.futures import ThreadPoolExecutor
    for p in (PLCSIM, TCPCOM, ECHO):
        if not os.access(p, os.X_OK):
            print("missing %s (run make first)" % p)
            return 1
    tests = [(n, f) for n, f in globals().items()
             if n.startswith("test_") and callable(f)]
    if len(sys.argv) > 1:
        tests = [(n, f) for n, f in tests if n in sys.argv[1:]]
    # The longest first, so that the others run beside it.
    order = sorted(tests, key=lambda t: t[0] != "test_library_through_the_proxy")

    def one(fn):
        t0 = time.monotonic()
        try:
            fn()
            return None, time.monotonic() - t0
        except Exception as e:  # reported below, with the rest
            return "%s: %s" % (type(e).__name__, e), time.monotonic() - t0
    with ThreadPoolExecutor(max_workers=PROXY_TESTS_AT_ONCE) as pool:
        futures = dict((n, pool.submit(one, f)) for n, f in order)
        results = [(n, futures[n]) for n, f in tests]
        failed = 0
        for name, fut in results:
            why, secs = fut.result()
            if why is None:
                print("ok   %s (%.1fs)" % (name, secs), flush=True)
            else:
                failed += 1
                print("FAIL %s (%.1fs): %s" % (name, secs, why), flush=True)
    print("%d passed, %d failed" % (len(tests) - failed, failed))
    return 1 if failed else 0


PROXY_TESTS_AT_ONCE = 6


if __name__ == "__main__":
    sys.exit(main())
