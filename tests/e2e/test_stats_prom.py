#!/usr/bin/env python3
"""--stats-prom writes the statistics in the Prometheus text format.

The file is read with prometheus_client's own parser (Debian's
python3-prometheus-client), and its values are checked against the JSON
statistics of the same run, written from the same snapshot at exit: every
counter as tcpcom_NAME_total, the link state, the round-trip quantiles in
seconds, tcpcom_up and the version in tcpcom_info. Only a regular file is
replaced, as with --stats-json.
"""

import json
import math
import os
import re
import subprocess
import sys

import support

TOP = os.environ.get("TOP", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", "build")
TCPCOM = os.path.join(TOP, BUILD, "tcpcom")


parser = support.prometheus_parser()

import simproc  # noqa: E402  (after the parser, which may end the test)



def counters():
    """The counters' names, from TCPCOM_COUNTERS in tcpcom.h."""
    with open(os.path.join(TOP, "client", "tcpcom.h")) as f:
        h = f.read()
    block = h[h.index("#define TCPCOM_COUNTERS"):]
    block = block[:block.index("\n\n")]
    names = re.findall(r"X\((\w+),", block)
    assert len(names) >= 10, names
    return names


def families(path):
    """The file's metric families by name, each family's samples by
    (sample name, sorted labels)."""
    with open(path) as f:
        text = f.read()
    out = {}
    for fam in parser.text_string_to_metric_families(text):
        assert fam.documentation, "%s has no HELP" % fam.name
        samples = {}
        for s in fam.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
        out[fam.name] = (fam.type, samples, fam)
    return out


def value(fams, family, sample=None, **labels):
    typ, samples, _ = fams[family]
    key = (sample or family, tuple(sorted(labels.items())))
    assert key in samples, "no %s%s in %s" % (key[0], labels, family)
    return samples[key]


def test_same_run_as_json():
    tmp = support.tmpdir("tcpcom-prom-")
    prom = os.path.join(tmp, "stats.prom")
    js = os.path.join(tmp, "stats.json")
    sim = simproc.Sim(tmp)
    try:
        r = subprocess.run(
            [TCPCOM, "--server", "127.0.0.1", "--port", str(sim.port),
             "--send-cycle", "10ms", "--toggle-cycle", "50ms",
             "--count", "30", "--stats-interval", "50ms",
             "--stats-json", js, "--stats-prom", prom, "-q"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            timeout=60)
    finally:
        sim.stop()
    assert r.returncode == 0, r.stderr
    with open(js) as f:
        j = json.load(f)
    fams = families(prom)

    for key in counters():
        name = "tcpcom_" + key
        typ = fams[name][0]
        assert typ == "counter", "%s is a %s" % (name, typ)
        got = value(fams, name, name + "_total")
        assert got == j[key], "%s: %s, JSON %s" % (name, got, j[key])
    assert j["frames_sent"] == 30, j["frames_sent"]
    assert j["echoes_ok"] > 0, j
    assert value(fams, "tcpcom_frames_sent", "tcpcom_frames_sent_total") == 30
    assert value(fams, "tcpcom_echoes_ok",
                 "tcpcom_echoes_ok_total") == j["echoes_ok"]

    assert fams["tcpcom_link_up"][0] == "gauge"
    assert value(fams, "tcpcom_link_up") == (1 if j["link_up"] else 0)
    assert value(fams, "tcpcom_link_down_seconds", "tcpcom_link_down_seconds"
                 "_total") == j["link_down_us"] / 1e6
    assert value(fams, "tcpcom_elapsed_seconds") == j["elapsed_us"] / 1e6

    rtt = j["rtt_us"]
    assert rtt["count"] > 0, rtt
    for q, key in (("0", "min"), ("0.5", "p50"), ("0.99", "p99"),
                   ("1", "max")):
        got = value(fams, "tcpcom_rtt_seconds", quantile=q)
        assert got == rtt[key] / 1e6, "rtt %s: %s, JSON %s" % (q, got, rtt)
    assert value(fams, "tcpcom_rtt_measured", "tcpcom_rtt_measured_total") \
        == rtt["count"]
    late = j["send_late_us"]
    for q, key in (("0.5", "p50"), ("0.99", "p99"), ("1", "max")):
        got = value(fams, "tcpcom_send_late_seconds", quantile=q)
        assert got == late[key] / 1e6, "late %s: %s, JSON %s" % (q, got, late)

    # Written at exit: the client is no longer up.
    assert value(fams, "tcpcom_up") == 0
    assert value(fams, "tcpcom_info", version=j["version"],
                 server="127.0.0.1", port=str(sim.port)) == 1
    assert sorted(os.listdir(tmp)) == ["events.jsonl", "stats.json",
                                        "stats.prom"], os.listdir(tmp)
    assert os.stat(prom).st_mode & 0o777 == 0o644


def test_while_running():
    tmp = support.tmpdir("tcpcom-prom-")
    prom = os.path.join(tmp, "stats.prom")
    sim = simproc.Sim(tmp)
    try:
        c = support.popen(
            [TCPCOM, "--server", "127.0.0.1", "--port", str(sim.port),
             "--send-cycle", "10ms", "--toggle-cycle", "50ms",
             "--stats-interval", "50ms", "--duration", "20s",
             "--stats-prom", prom, "-q"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

        def linked():
            # Read after an atomic rename: never half a file.
            if not os.path.exists(prom):
                return None
            fams = families(prom)
            if value(fams, "tcpcom_link_up") == 1 and value(
                    fams, "tcpcom_echoes_ok", "tcpcom_echoes_ok_total") > 0:
                return fams
            return None
        fams = support.wait_for(linked, 20, "a file with the link up")
        assert value(fams, "tcpcom_up") == 1
        assert value(fams, "tcpcom_connects", "tcpcom_connects_total") >= 1
        assert not math.isnan(value(fams, "tcpcom_rtt_seconds",
                                    quantile="0.5"))
        c.terminate()
        _, err = c.communicate(timeout=30)
        assert c.returncode == 0, err
    finally:
        sim.stop()
    assert value(families(prom), "tcpcom_up") == 0


def test_before_any_echo():
    # No PLC: quantiles are NaN, counters 0, the link down. The file named
    # by a config file's key this time.
    tmp = support.tmpdir("tcpcom-prom-")
    prom = os.path.join(tmp, "stats.prom")
    conf = os.path.join(tmp, "tcpcom.conf")
    with open(conf, "w") as f:
        f.write('stats-prom = "%s"\n' % prom)
    r = subprocess.run([TCPCOM, "--server", "127.0.0.1", "--port", "1",
                        "--duration", "200ms", "--config", conf, "-q"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    fams = families(prom)
    assert value(fams, "tcpcom_link_up") == 0
    assert value(fams, "tcpcom_frames_sent", "tcpcom_frames_sent_total") == 0
    assert math.isnan(value(fams, "tcpcom_rtt_seconds", quantile="0.5"))
    assert math.isnan(value(fams, "tcpcom_send_late_seconds",
                            quantile="1"))
    assert value(fams, "tcpcom_link_down_seconds",
                 "tcpcom_link_down_seconds_total") > 0


def test_symlink_refused():
    tmp = support.tmpdir("tcpcom-prom-")
    prom = os.path.join(tmp, "stats.prom")
    outside = os.path.join(tmp, "outside")
    os.symlink(outside, prom)
    r = subprocess.run([TCPCOM, "--server", "127.0.0.1", "--port", "1",
                        "--duration", "200ms", "--stats-prom", prom],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=30)
    assert r.returncode == 2, r.stderr
    first = r.stderr.splitlines()[0]
    assert "--stats-prom" in first and "symbolic link" in first, first
    assert os.path.islink(prom) and not os.path.lexists(outside)


if __name__ == "__main__":
    sys.exit(support.run_tests(globals(), [TCPCOM, simproc.PLCSIM]))
