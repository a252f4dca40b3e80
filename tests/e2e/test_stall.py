"""plcsim run when the emulator itself is kept from running: a timing
failure its own stall could have made is no verdict on the client (an
error, "cannot be judged", after one more play), while a failure larger
than the stall, or one that is no matter of time, still fails the client;
and plcsim serve's summary says how long the emulator stalled.

The emulator is stopped for 400 ms by the client command itself (its
parent is the scenario's worker), as a loaded machine would: the real
client then shows a p99 jitter of about the stall, 300 ms past its bound,
which the stall could have made with 100 ms to spare for the client's own
lateness on a loaded machine."""
import json
import os
import sys

import support

TOP = os.environ.get("TOP", ".")
BUILD = os.path.join(TOP, os.environ.get("BUILD", "build"))
PLCSIM = os.path.join(BUILD, "plcsim")
TCPCOM = os.path.join(BUILD, "tcpcom")

# The real client; 2 s in, its parent (the worker that is the emulator)
# stopped for 400 ms.
STALLER = ['sh', '-c', '"$0" --server "$1" --port "$2" -q & c=$!; '
           'sleep 2; kill -STOP $PPID; sleep 0.4; kill -CONT $PPID; '
           'wait $c', TCPCOM, '{host}', '{port}']

SCENARIO = """name: %s
duration: 4s
expectations:
  - expect: send_cycle
    period: 100ms
    tolerance: 25ms
    jitter_p99: 100ms
%s"""


def scenario(tmp, name, more=""):
    path = os.path.join(tmp, name + ".yaml")
    with open(path, "w") as f:
        f.write(SCENARIO % (name, more))
    return path


def test_stalled_emulator():
    tmp = support.tmpdir("plcsim-stall.")
    js = os.path.join(tmp, "r.json")
    jitter = scenario(tmp, "jitter")
    # The longest silence of a 500 ms life bit is far beyond 50 ms, and
    # far beyond the stall; so is a thousand frames in 4 s.
    gap = scenario(tmp, "gap", "  - expect: life_bit_max_gap\n"
                   "    at_most: 50ms\n")
    count = scenario(tmp, "count", "  - expect: frames\n"
                     "    at_least: 1000\n")
    r = subprocess_run(["-j3", "--json", js, jitter, gap, count])
    out = r.stdout
    assert r.returncode == 3, "exit %d, not 3:\n%s%s" % (r.returncode, out,
                                                         r.stderr)
    # The jitter the stall made: played once more, then an error.
    assert out.count("AGAIN jitter (") == 1, out
    assert "cannot be judged: the emulator missed" in out, out
    assert "; played once more\n" in out, out
    assert "ERROR jitter (" in out, out
    assert "FAIL jitter" not in out, out
    # What the stall could not have made fails the client, at once.
    for name in ("gap", "count"):
        assert "FAIL %s (" % name in out, out
        assert "AGAIN %s" % name not in out, out
    assert "longest stall" in out, out
    assert out.rstrip().endswith("0 passed, 2 failed, 1 error"), out
    runs = {x["name"]: x for x in json.load(open(js))}
    assert runs["jitter"]["error"].startswith(
        "cannot be judged: the emulator missed "), runs["jitter"]
    assert "line 4: send cycle: expected" in runs["jitter"]["error"]
    for name in ("gap", "count"):
        assert not runs[name]["passed"] and "error" not in runs[name]
        # The emulator did stall in them too.
        assert runs[name]["cycle"]["stall_max_us"] >= 300000, \
            runs[name]["cycle"]


def test_without_a_stall_it_is_judged():
    tmp = support.tmpdir("plcsim-stall.")
    r = subprocess_run([scenario(tmp, "steady")],
                       [TCPCOM, "--server", "{host}", "--port", "{port}",
                        "-q"])
    assert r.returncode == 0, "exit %d:\n%s%s" % (r.returncode, r.stdout,
                                                 r.stderr)
    assert "PASS steady (" in r.stdout and "AGAIN" not in r.stdout, r.stdout


def test_serve_summary_gives_the_stall():
    # plcsim serve stopped for 300 ms: its summary, as text and as the
    # events file's last JSON line, says how long its task waited.
    import signal
    import subprocess
    import time
    tmp = support.tmpdir("plcsim-stall.")
    events = os.path.join(tmp, "events.jsonl")
    p = support.popen([PLCSIM, "serve", "--listen", "127.0.0.1:0",
                       "--events", events], stdout=subprocess.PIPE,
                      stderr=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().startswith("listening on ")
        time.sleep(0.3)
        p.send_signal(signal.SIGSTOP)
        time.sleep(0.3)
        p.send_signal(signal.SIGCONT)
        time.sleep(0.2)
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=20)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0, err
    line = [x for x in out.splitlines() if x.startswith("cycle: ")]
    assert len(line) == 1 and " stall_max=" in line[0], out
    summary = json.loads(open(events).read().splitlines()[-1])
    assert summary["event"] == "summary", summary
    stall = summary["cycle"]["stall_max_us"]
    assert 250000 <= stall < 5000000, summary["cycle"]


def subprocess_run(args, client=None):
    import subprocess
    return subprocess.run([PLCSIM, "run"] + args + ["--"] +
                          (client or STALLER), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=120)


if __name__ == "__main__":
    os.chdir(TOP)
    sys.exit(support.run_tests(globals(), (PLCSIM, TCPCOM)))
