#!/usr/bin/env python3
"""plcsim serve --metrics: the live figures in the Prometheus text format
over HTTP, read with prometheus_client's own parser and checked against
what the run recorded in its events (every frame, echo and edge: -vv);
with a scenario, its state and the faults in force; and hostile HTTP peers
(idle connections by the dozen, a request trickled a byte at a time, huge
headers, a body, garbage, resets with unread input) that must neither hold
plcsim's file descriptors nor disturb the PLC, which keeps echoing a real
client on its 10 ms cycle meanwhile.
"""
import json
import math
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import support
from support import wait_for

TOP = os.environ.get("TOP", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", "build")
PLCSIM = os.path.join(TOP, BUILD, "plcsim")
TCPCOM = os.path.join(TOP, BUILD, "tcpcom")
ECHO = os.path.join(TOP, BUILD, "tests", "echo_epoll")

text_string_to_metric_families = support.prometheus_parser().text_string_to_metric_families

FAT = """name: metrics-fat
duration: 2500ms
timeline:
  - action: echo_delay
    at: 500ms
    for: 1500ms
    delay: 5ms
expectations:
  - expect: frames
    at_least: 5
"""


class Serve:
    """plcsim serve -vv --events FILE --metrics 127.0.0.1:0, port 0."""

    def __init__(self, tmp, *args):
        self.events_path = os.path.join(tmp, "events.jsonl")
        self.proc = support.popen(
            [PLCSIM, "serve", "--listen", "127.0.0.1:0", "--metrics",
             "127.0.0.1:0", "-vv", "--events", self.events_path] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = self.proc.stdout.readline()
        assert first.startswith("listening on 127.0.0.1:"), "first line: %r" % first
        self.port = int(first.strip().rsplit(":", 1)[1])
        second = self.proc.stdout.readline()
        m = re.fullmatch(r"metrics on http://(127\.0\.0\.1:\d+)/metrics\n", second)
        assert m, "second line: %r" % second
        self.metrics = m.group(1)
        self.mport = int(self.metrics.rsplit(":", 1)[1])
        self.lines = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def events(self, kind):
        try:
            with open(self.events_path) as f:
                evs = [json.loads(l) for l in f if l.endswith("\n")]
        except FileNotFoundError:
            return []
        return [e for e in evs if e["event"] == kind]

    def client(self, *args):
        return support.popen([TCPCOM, "--server", "127.0.0.1", "--port",
                              str(self.port), "-q"] + list(args),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.proc.pid))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def scrape(addr, timeout=5):
    """(text, {sample name + labels: value}) of GET /metrics."""
    with urllib.request.urlopen("http://%s/metrics" % addr, timeout=timeout) as r:
        assert r.status == 200, r.status
        ctype = r.headers["Content-Type"]
        assert ctype.startswith("text/plain; version=0.0.4"), ctype
        text = r.read().decode()
    values = {}
    for fam in text_string_to_metric_families(text):
        assert fam.documentation, "%s has no HELP" % fam.name
        assert fam.type in ("gauge", "counter"), (fam.name, fam.type)
        for s in fam.samples:
            key = s.name + "".join("{%s=%s}" % kv for kv in sorted(s.labels.items()))
            values[key] = s.value
    # Every sample has its own HELP and TYPE lines before it.
    helped = set(re.findall(r"^# HELP (\S+) ", text, re.M))
    typed = set(re.findall(r"^# TYPE (\S+) ", text, re.M))
    for name in re.findall(r"^([a-z_]+)[{ ]", text, re.M):
        assert name in helped and name in typed, "%s lacks HELP or TYPE" % name
    return text, values


def test_figures_match_the_events():
    tmp = support.tmpdir("plcsim-metrics-")
    sim = Serve(tmp, "--watchdog", "1s")
    client = None
    try:
        _, v = scrape(sim.metrics)
        assert v["plcsim_link_state{state=down}"] == 1, v
        assert v["plcsim_link_state{state=up}"] == 0, v
        assert v["plcsim_frames_total"] == 0 and v["plcsim_clients"] == 0, v
        assert math.isnan(v["plcsim_lifebit_last_interval_seconds"]), v
        assert math.isnan(v["plcsim_watchdog_left_seconds"]), v
        assert v["plcsim_watchdog_timeout_seconds"] == 1.0, v
        assert not any(k.startswith("plcsim_scenario") for k in v), v

        client = sim.client()
        wait_for(lambda: len(sim.events("edge")) >= 3, 10, "three life-bit edges")
        _, v = scrape(sim.metrics)
        assert v["plcsim_link_state{state=up}"] == 1 and v["plcsim_clients"] == 1, v
        assert 0 < v["plcsim_watchdog_left_seconds"] <= 1.0, v
        assert v["plcsim_watchdog_firing"] == 0, v
        client.terminate()
        client.wait(timeout=10)
        client = None
        wait_for(lambda: sim.events("disconnect"), 10, "the client's disconnect")
        # Nothing moves now: the figures must be exactly what the events
        # recorded, one by one.
        _, v = scrape(sim.metrics)
        frames, echoes = sim.events("frame"), sim.events("echo")
        edges = sim.events("edge")
        assert v["plcsim_frames_total"] == len(frames) > 5, (v, len(frames))
        assert v["plcsim_echoes_total"] == len(echoes), (v, len(echoes))
        assert v["plcsim_lifebit_edges_total"] == len(edges), (v, len(edges))
        assert v["plcsim_connections_total"] == 1, v
        assert v["plcsim_disconnects_total"] == 1, v
        last = [e["interval_us"] for e in edges if e["interval_us"] > 0][-1]
        assert v["plcsim_lifebit_last_interval_seconds"] == last / 1e6, (v, last)
        # The watchdog: silent for 1 s, it fires, and the metrics say so.
        wait_for(lambda: sim.events("watchdog"), 10, "the watchdog to fire")
        _, v = scrape(sim.metrics)
        assert v["plcsim_watchdog_firing"] == 1, v
        assert v["plcsim_watchdog_left_seconds"] == 0, v
        assert v["plcsim_watchdogs_total"] == len(sim.events("watchdog")), v
        assert v["plcsim_uptime_seconds"] > 1, v
    finally:
        if client is not None:
            client.kill()
        sim.stop()


def test_scenario_state_and_faults():
    tmp = support.tmpdir("plcsim-metrics-")
    path = os.path.join(tmp, "fat.yaml")
    with open(path, "w") as f:
        f.write(FAT)
    sim = Serve(tmp, path)
    client = None
    try:
        _, v = scrape(sim.metrics)
        assert v["plcsim_scenario_info{name=metrics-fat}"] == 1, v
        assert v["plcsim_scenario_state{state=waiting}"] == 1, v
        assert v["plcsim_fault_active{action=echo_delay}"] == 0, v
        assert v["plcsim_scenario_duration_seconds"] == 2.5, v
        client = sim.client()
        # Inside the echo_delay window (0.5 s to 2 s after time 0).
        wait_for(lambda: any("fault echo_delay begins" in e.get("message", "")
                             for e in sim.events("info")), 10, "the delay to begin")
        _, v = scrape(sim.metrics)
        assert v["plcsim_scenario_state{state=running}"] == 1, v
        assert v["plcsim_fault_active{action=echo_delay}"] == 1, v
        assert 0.5 <= v["plcsim_scenario_elapsed_seconds"] < 2.5, v
        wait_for(lambda: any("fault echo_delay ends" in e.get("message", "")
                             for e in sim.events("info")), 10, "the delay to end")
        _, v = scrape(sim.metrics)
        assert v["plcsim_fault_active{action=echo_delay}"] == 0, v
        rc = sim.proc.wait(timeout=30)
        assert rc == 0, "exit %d: %s" % (rc, "".join(sim.lines))
    finally:
        if client is not None:
            client.kill()
        sim.stop()


def trickle(port, stop, cut):
    """A request a byte at a time, 5 a second, never idle for plcsim's
    2 s: how long it was let go on (in `cut`) before plcsim closed it."""
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        for b in b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + b"X: " + b"y" * 1000:
            if stop.is_set():
                return
            s.sendall(bytes([b]))
            time.sleep(0.2)
            s.setblocking(False)
            try:
                if s.recv(4096) == b"":
                    break	# closed by plcsim
            except BlockingIOError:
                pass
            finally:
                s.setblocking(True)
    except OSError:
        pass	# reset by plcsim
    finally:
        s.close()
    cut.append(time.monotonic() - t0)


def reset_with_unread(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 50)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def test_hostile_http_peers():
    tmp = support.tmpdir("plcsim-metrics-")
    sim = Serve(tmp)
    client = idle = None
    stop = threading.Event()
    cut = []
    trickler = None
    try:
        before = sim.fds()
        client = sim.client()
        wait_for(lambda: len(sim.events("edge")) >= 2, 10, "the client's life bit")
        t_attack = time.monotonic()
        # First in the queue: taken at once, and cut off after its 5 s.
        trickler = threading.Thread(target=trickle, args=(sim.mport, stop, cut),
                                    daemon=True)
        trickler.start()
        time.sleep(0.1)
        # More idle connections than the 8 taken at once: the rest wait
        # in the kernel's backlog and cost plcsim nothing.
        idle = [socket.create_connection(("127.0.0.1", sim.mport), timeout=5)
                for _ in range(12)]
        time.sleep(0.5)
        assert sim.fds() <= before + 8 + 1, (before, sim.fds())
        # Huge headers, a body, garbage, resets with unread input: each
        # answered with an error or closed; none ends plcsim.
        for _ in range(3):
            reset_with_unread(sim.mport)
        for payload in (b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n",
                        b"POST /metrics HTTP/1.1\r\nContent-Length: 100000\r\n\r\n" + b"b" * 5000,
                        b"\x00\xff" * 4000 + b"\r\n\r\n"):
            s = socket.create_connection(("127.0.0.1", sim.mport), timeout=15)
            try:
                s.sendall(payload)
                got = s.recv(100)
                assert got == b"" or got.startswith(b"HTTP/1.1 4"), got
            except OSError:
                pass	# reset by plcsim: as good as an error
            finally:
                s.close()
        # Idle connections are closed after 2 s, a trickled request after
        # 5 s (the lifetime; idle, it never is): everything is let go, and
        # a scrape is answered.
        trickler.join(15)
        assert cut and 4.5 < cut[0] < 8, "the trickled request ran %r s" % cut
        for s in idle:
            s.close()
        idle = None
        _, v = scrape(sim.metrics, timeout=15)
        assert v["plcsim_clients"] == 1, v
        wait_for(lambda: sim.fds() <= before + 1, 15, "the HTTP sockets to be let go")
        attack = time.monotonic() - t_attack
        # The PLC did not notice. Its loop took every frame in time: the
        # client sends one every 100 ms, and plcsim stamps a frame when its
        # loop reads it, so a loop held up by an HTTP peer shows as a gap
        # between two frames; 200 ms leaves one send cycle for the client's
        # own lateness on a loaded machine, and catches a stall of 100 ms.
        frames = [e["t"] for e in sim.events("frame")]
        gaps = [b - a for a, b in zip(frames, frames[1:])]
        assert len(frames) >= attack / 0.1 - 10, (len(frames), attack)
        assert max(gaps) < 0.2, max(gaps)
        # The life bit kept its 500 ms as the PLC sees it. The PLC sees bit
        # 0 only on frames: a flip that comes just after a send deadline
        # (the toggler's and the sender's deadlines may nearly coincide)
        # rides on the next frame, one send cycle later, so an interval is
        # 500 ms +- 100 ms plus the task cycle (10 ms) and some lateness;
        # a stalled loop or toggler shows as 650 ms or more.
        edges = [e["interval_us"] / 1e6 for e in sim.events("edge") if e["interval_us"] > 0]
        assert len(edges) >= attack / 0.5 - 3, (len(edges), attack)
        assert all(0.35 < i < 0.65 for i in edges), edges
        client.terminate()
        client.wait(timeout=10)
        client = None
        wait_for(lambda: sim.events("disconnect"), 10, "the client's disconnect")
        # Every frame was echoed, but the last one: it may come with the
        # client's close, which plcsim reads before its next task cycle.
        frames, echoes = sim.events("frame"), sim.events("echo")
        unanswered = len(frames) - len(echoes)
        assert unanswered == 0 or (unanswered == 1 and frames[-1]["t"] > echoes[-1]["t"]), \
            "%d frames not echoed" % unanswered
        assert sim.proc.poll() is None, "plcsim ended"
        sim.proc.terminate()
        assert sim.proc.wait(timeout=10) == 0
    finally:
        stop.set()
        if idle is not None:
            for s in idle:
                s.close()
        if client is not None:
            client.kill()
        sim.stop()


def test_http_answers():
    """One path, GET and HEAD; an idle connection closed after 2 s."""
    tmp = support.tmpdir("plcsim-metrics-")
    sim = Serve(tmp)
    try:
        for path, method, code in (("/other", "GET", 404), ("/metrics", "POST", 501),
                                   ("/metrics", "PUT", 501)):
            req = urllib.request.Request("http://%s%s" % (sim.metrics, path),
                                         method=method, data=b"" if method != "GET" else None)
            try:
                urllib.request.urlopen(req, timeout=5)
                raise AssertionError("%s %s answered 200" % (method, path))
            except urllib.error.HTTPError as e:
                assert e.code == code, (method, path, e.code)
        req = urllib.request.Request("http://%s/metrics?x=1" % sim.metrics, method="HEAD")
        with urllib.request.urlopen(req, timeout=5) as r:
            assert r.status == 200 and r.read() == b"", r.status
            assert r.headers["Content-Type"].startswith("text/plain"), dict(r.headers)
        t0 = time.monotonic()
        s = socket.create_connection(("127.0.0.1", sim.mport), timeout=10)
        try:
            assert s.recv(100) == b"", "an idle connection was sent something"
        finally:
            s.close()
        idle = time.monotonic() - t0
        assert 1.5 < idle < 4, "an idle connection closed after %.1f s" % idle
    finally:
        sim.stop()


def test_proxy_status_and_metrics():
    """plcsim proxy before a PLC that gets every 5th echo wrong: the same
    status line and metrics, with the PLC's side (echoes, faults by kind,
    round trips) as the proxy judges it, and its verdict agreeing."""
    tmp = support.tmpdir("plcsim-metrics-")
    path = os.path.join(tmp, "plain.yaml")
    with open(path, "w") as f:
        f.write("name: proxied\nduration: 2s\n")
    plc = support.popen([ECHO, "-l", "4", "-f", "wrong:5"], stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL, text=True)
    proxy = client = None
    try:
        upstream = "127.0.0.1:%d" % int(plc.stdout.readline().split(":")[-1])
        proxy = support.popen([PLCSIM, "proxy", path, "--listen", "127.0.0.1:0",
                               "--upstream", upstream, "--status", "300ms",
                               "--metrics", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        head = [proxy.stdout.readline() for _ in range(3)]
        port = int(head[0].split(":")[-1])
        assert head[1].startswith("proxy to the PLC at "), head
        m = re.fullmatch(r"metrics on http://(127\.0\.0\.1:\d+)/metrics\n", head[2])
        assert m, head
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(proxy.stdout), daemon=True)
        reader.start()
        client = support.popen([TCPCOM, "--server", "127.0.0.1", "--port", str(port), "-q"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: any(" status " in l and "link=up" in l and " plc_faults=0 " not in l
                             for l in lines), 10, "a status line with the PLC's faults")
        _, v = scrape(m.group(1))
        assert v["plcsim_link_state{state=up}"] == 1 and v["plcsim_frames_total"] > 0, v
        assert v["plcsim_scenario_info{name=proxied}"] == 1, v
        echoes = v["plcsim_plc_echoes_total"]
        wrong = v["plcsim_plc_faults_total{kind=mismatch}"]
        assert echoes >= 5 and wrong == echoes // 5, v
        assert v["plcsim_plc_faults_total{kind=late}"] == 0, v
        assert v["plcsim_plc_faults_total{kind=closed}"] == 0, v
        assert 0 < v["plcsim_plc_rtt_seconds{quantile=0.5}"] <= \
            v["plcsim_plc_rtt_seconds{quantile=1}"] < 0.5, v
        rc = proxy.wait(timeout=30)
        reader.join(5)
        assert rc == 4, "exit %d: %s" % (rc, "".join(lines))
        final = [l for l in lines if l.startswith("plc: frames=")][0]
        total = int(re.search(r" mismatches=(\d+) ", final).group(1))
        assert wrong <= total, (wrong, final)
        status = [l for l in lines if " status " in l]
        assert all(re.search(r" plc_echoes=\d+ plc_faults=\d+ plc_rtt=", l)
                   for l in status), status
    finally:
        for p in (client, proxy, plc):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()


def test_port_alone_is_loopback():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    proc = support.popen([PLCSIM, "serve", "--listen", "127.0.0.1:0", "--metrics",
                          str(port), "--duration", "300ms", "-q"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert out.splitlines()[1] == "metrics on http://127.0.0.1:%d/metrics" % port, out


def test_bad_metrics_address():
    for bad in ("127.0.0.1", "127.0.0.1:99999", "x:y", "70000"):
        r = subprocess.run([PLCSIM, "serve", "--metrics", bad], capture_output=True,
                           text=True, timeout=10)
        assert r.returncode == 2 and "--metrics" in r.stderr, (bad, r.returncode, r.stderr)
    # Taken: a clear message, exit 1 as for the PLC's own address.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    try:
        r = subprocess.run([PLCSIM, "serve", "--listen", "127.0.0.1:0", "--metrics",
                            "127.0.0.1:%d" % s.getsockname()[1], "--duration", "1s"],
                           capture_output=True, text=True, timeout=10)
    finally:
        s.close()
    assert r.returncode == 1 and "metrics" in r.stderr, (r.returncode, r.stderr)


def main():
    return support.run_tests(globals(), (PLCSIM, TCPCOM, ECHO))


if __name__ == "__main__":
    sys.exit(main())
