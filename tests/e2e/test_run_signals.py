#!/usr/bin/env python3
"""plcsim run stopped part-way, and the ways a run can go wrong.

A signal to the parent alone (a CI cancel) or to the whole group (Ctrl-C)
stops every worker and every client, reports what completed with the
interrupted scenarios as errors, removes the temporary folder and exits
128 + N. A client's whole process group is stopped at the end of its
scenario, even when its leader exited first. A report that cannot be
written, or a scenario the harness could not play, is exit 3, never 0.

Each test waits for conditions (a file, a process's end), never for a
fixed time; every process it starts is killed in a finally block, and at
exit however the program ends (support.py).
"""
import json
import os
import signal
import subprocess
import sys
import time
import xml.dom.minidom

import support
from support import wait_for

TOP = os.environ.get("TOP", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", "build")
PLCSIM = os.path.join(TOP, BUILD, "plcsim")
TCPCOM = os.path.join(TOP, BUILD, "tcpcom")


def alive(pid):
    """True while pid runs; a zombie has stopped, whoever reaps it."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def children(ppid):
    kids = []
    for n in os.listdir("/proc"):
        if not n.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % n) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == ppid:
            kids.append(int(n))
    return kids


def kill_quietly(pid, sig=signal.SIGKILL):
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class Tmp:
    """A private folder, also the runs' $TMPDIR, removed at the end."""

    def __init__(self):
        self.dir = support.tmpdir("plcsim-run-signals-")
        self.tmpdir = os.path.join(self.dir, "tmp")
        os.mkdir(self.tmpdir)
        self.pids = []

    def path(self, name):
        return os.path.join(self.dir, name)

    def scenario(self, name, duration, extra=""):
        path = self.path(name + ".yaml")
        with open(path, "w") as f:
            f.write("name: %s\nduration: %s\n%s" % (name, duration, extra))
        return path

    def read_pids(self, prefix):
        pids = []
        for n in sorted(os.listdir(self.dir)):
            if n.startswith(prefix):
                with open(self.path(n)) as f:
                    text = f.read().strip()
                if text:
                    pids.append(int(text))
        self.pids.extend(p for p in pids if p not in self.pids)
        return pids

    def run_folders(self):
        return [n for n in os.listdir(self.tmpdir) if n.startswith("plcsim-run.")]

    def cleanup(self):
        for pid in self.pids:
            if alive(pid):
                kill_quietly(pid)


def start_run(tmp, args, cmd):
    """plcsim run in a process group of its own, as a shell would start a
    job (in this session still, so that nothing it leaves goes unseen)."""
    env = dict(os.environ, TMPDIR=tmp.tmpdir)
    return support.popen([PLCSIM, "run"] + args + ["--"] + cmd, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, preexec_fn=os.setpgrp)


def kill_run(proc):
    """The run and its workers, whatever state a failed test left them in."""
    if proc is None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if not proc.stdout.closed:
        proc.communicate()


def finish(proc, timeout):
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError("plcsim run still running after %.0fs:\n%s%s"
                             % (timeout, out, err))
    return proc.returncode, out, err


def junit(path):
    d = xml.dom.minidom.parse(path)
    suite = d.getElementsByTagName("testsuite")[0]
    cases = d.getElementsByTagName("testcase")
    return d, suite, cases


def pid_client(tmp, tag, inner):
    """A client that notes its pid in a file, then runs `inner` (sh)."""
    return ["sh", "-c", "echo $$ > %s/%s.$PLCSIM_PORT; %s"
            % (tmp.dir, tag, inner)]


TCPCOM_SH = '"%s" --server "$PLCSIM_HOST" --port "$PLCSIM_PORT" -q' % TCPCOM


def test_help():
    r = subprocess.run([PLCSIM, "run", "--help"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr)
    for word in ("--jobs", "-j", "--junit", "--json", "--seed", "--grace",
                 "--verbose", "--help", "TMPDIR", "128+N"):
        assert word in r.stdout, "--help does not describe %s:\n%s" % (word, r.stdout)
    r = subprocess.run([PLCSIM, "run", "-h"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and "--grace" in r.stdout, r.stderr


def test_sigterm_to_the_parent_alone():
    """A CI cancel: SIGTERM to plcsim run only; it must pass it on."""
    tmp = Tmp()
    proc = None
    try:
        sc = [tmp.scenario("long-%d" % i, "60s") for i in range(3)]
        proc = start_run(tmp, ["-j2", "--junit", tmp.path("junit.xml"),
                               "--json", tmp.path("report.json")] + sc,
                         pid_client(tmp, "client", "exec " + TCPCOM_SH))
        wait_for(lambda: len(tmp.read_pids("client.")) == 2, 20, "two clients")
        assert len(tmp.run_folders()) == 1, "no folder under $TMPDIR: %r" % os.listdir(tmp.tmpdir)
        clients = tmp.read_pids("client.")
        proc.send_signal(signal.SIGTERM)
        rc, out, err = finish(proc, 30)
        assert rc == 128 + signal.SIGTERM, "exit %d:\n%s%s" % (rc, out, err)
        for pid in clients:
            assert not alive(pid), "client %d still running" % pid
        assert tmp.run_folders() == [], "temporary folder left: %r" % tmp.run_folders()
        assert out.count("ERROR long-") == 2 and "SKIP long-" in out, out
        assert "0 passed, 0 failed, 2 errors, 1 not run" in out, out
        d, suite, cases = junit(tmp.path("junit.xml"))
        assert len(cases) == 3
        assert suite.getAttribute("errors") == "2", suite.toxml()[:200]
        assert suite.getAttribute("failures") == "0", suite.toxml()[:200]
        assert suite.getAttribute("skipped") == "1", suite.toxml()[:200]
        assert len(d.getElementsByTagName("error")) == 2
        assert len(d.getElementsByTagName("failure")) == 0
        assert "SIGTERM" in d.getElementsByTagName("error")[0].getAttribute("message")
        with open(tmp.path("report.json")) as f:
            runs = json.load(f)
        assert [r["name"] for r in runs] == ["long-0", "long-1", "long-2"], runs
        assert all("error" in r for r in runs) and runs[2].get("skipped") is True, runs
    finally:
        kill_run(proc)
        tmp.cleanup()


def test_ctrl_c_with_a_client_that_ignores_sigterm():
    """Ctrl-C reaches the whole foreground group; the client is killed
    after the grace, and what completed before is reported as it was."""
    tmp = Tmp()
    proc = None
    try:
        quick = tmp.scenario("quick", "1s", "startup_timeout: 30s\n")
        # The scenario tells its client to hang: it ignores SIGTERM and
        # never connects (the start-up timeout is far away).
        long = tmp.scenario("long", "60s", 'startup_timeout: 60s\n'
                            'client:\n  env: ["HANG=1"]\n')
        client = pid_client(tmp, "client", 'if [ -n "$HANG" ]; then trap "" TERM; '
                            'exec sleep 300; fi; exec ' + TCPCOM_SH)
        proc = start_run(tmp, ["--grace", "1s", "--junit", tmp.path("junit.xml"),
                               quick, long], client)
        wait_for(lambda: len(tmp.read_pids("client.")) == 2, 30, "the second client")
        t0 = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        rc, out, err = finish(proc, 30)
        took = time.monotonic() - t0
        assert rc == 128 + signal.SIGINT, "exit %d:\n%s%s" % (rc, out, err)
        for pid in tmp.read_pids("client."):
            assert not alive(pid), "client %d still running" % pid
        assert took < 1 + 5 + 5, "took %.1fs" % took
        assert "ERROR long" in out and "interrupted by SIGINT" in out, out
        assert "PASS quick" in out, out
        d, suite, cases = junit(tmp.path("junit.xml"))
        assert suite.getAttribute("errors") == "1", suite.toxml()[:200]
        assert tmp.run_folders() == [], "temporary folder left: %r" % tmp.run_folders()
    finally:
        kill_run(proc)
        tmp.cleanup()


def test_a_stuck_worker_and_its_client_are_killed():
    """A worker that cannot stop its client (stopped here) is killed after
    the grace and a margin, and the client with it, by the parent."""
    tmp = Tmp()
    proc = None
    try:
        sc = tmp.scenario("stuck", "60s")
        proc = start_run(tmp, ["--grace", "1s", sc],
                         pid_client(tmp, "client", "exec " + TCPCOM_SH))
        client = wait_for(lambda: tmp.read_pids("client."), 20, "the client")[0]
        worker = wait_for(lambda: children(proc.pid), 10, "the worker")[0]
        # Stuck only once it has told the parent who its client is.
        wait_for(lambda: [n for f in tmp.run_folders()
                          for n in os.listdir(os.path.join(tmp.tmpdir, f))
                          if n.endswith(".pid")], 10, "the worker's note of its client")
        os.kill(worker, signal.SIGSTOP)
        proc.send_signal(signal.SIGTERM)
        rc, out, err = finish(proc, 30)
        assert rc == 128 + signal.SIGTERM, "exit %d:\n%s%s" % (rc, out, err)
        wait_for(lambda: not alive(client), 2, "the stuck worker's client %d to end" % client)
        assert "ERROR stuck" in out and "was killed" in out, out
        assert tmp.run_folders() == [], "temporary folder left: %r" % tmp.run_folders()
    finally:
        kill_run(proc)
        tmp.cleanup()


def test_a_group_outliving_its_leader_is_stopped():
    """sh -c 'client & sleep 1': the shell exits first; the client it
    left behind is still the client, and must not survive the scenario."""
    tmp = Tmp()
    proc = None
    try:
        sc = tmp.scenario("leader-exits", "2s", "startup_timeout: 30s\n")
        # One behind-left process that stops on SIGTERM, one that does not.
        inner = ('%s & echo $! > %s/left.a; (trap "" TERM; exec sleep 300) & '
                 'echo $! > %s/left.b; sleep 0.5' % (TCPCOM_SH, tmp.dir, tmp.dir))
        proc = start_run(tmp, ["--grace", "1s", sc], ["sh", "-c", inner])
        rc, out, err = finish(proc, 60)
        left = tmp.read_pids("left.")
        assert len(left) == 2, "the client did not start: %s%s" % (out, err)
        for pid in left:
            assert not alive(pid), "process %d of the client's group survived:\n%s" % (pid, out)
        assert rc == 1, "exit %d:\n%s%s" % (rc, out, err)
        assert "exited early" in out and "hung" in out, out
    finally:
        kill_run(proc)
        tmp.cleanup()


def test_reports_that_cannot_be_written():
    tmp = Tmp()
    try:
        sc = tmp.scenario("quick", "300ms", "startup_timeout: 30s\n")
        cmd = ["sh", "-c", "exec " + TCPCOM_SH]
        cases = [
            (["--junit", "/dev/full"], None, "/dev/full"),
            (["--json", "/dev/full"], None, "/dev/full"),
            (["--junit", tmp.path("no/such/dir.xml")], None, "no/such/dir.xml"),
            ([], "/dev/full", "standard output"),
        ]
        for args, stdout, word in cases:
            env = dict(os.environ, TMPDIR=tmp.tmpdir)
            with open(stdout or os.devnull, "w") as so:
                r = subprocess.run([PLCSIM, "run"] + args + [sc, "--"] + cmd, env=env,
                                   stdout=so, stderr=subprocess.PIPE, text=True, timeout=60)
            assert r.returncode == 3, "%s: exit %d: %s" % (args or stdout, r.returncode, r.stderr)
            assert word in r.stderr, "%s: %r does not name %s" % (args, r.stderr, word)
        env = dict(os.environ, TMPDIR=tmp.path("missing"))
        r = subprocess.run([PLCSIM, "run", sc, "--"] + cmd, env=env,
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 3, "a missing $TMPDIR: exit %d: %s" % (r.returncode, r.stderr)
        assert tmp.run_folders() == []
    finally:
        tmp.cleanup()


def test_harness_errors_are_errors_not_failures():
    """A worker killed under the run, and a scenario that cannot be played
    (a client argument too long to pass whole): <error>, exit 3."""
    tmp = Tmp()
    proc = None
    try:
        long = tmp.scenario("crashed", "60s")
        unplayable = tmp.scenario("unplayable", "1s")
        proc = start_run(tmp, ["--junit", tmp.path("junit.xml"), long],
                         pid_client(tmp, "client", "exec " + TCPCOM_SH))
        wait_for(lambda: tmp.read_pids("client."), 20, "the client")

        client = tmp.read_pids("client.")[0]
        workers = wait_for(lambda: children(proc.pid), 10, "the worker")
        wait_for(lambda: [n for f in tmp.run_folders()
                          for n in os.listdir(os.path.join(tmp.tmpdir, f))
                          if n.endswith(".pid")], 10, "the worker's note of its client")
        os.kill(workers[0], signal.SIGKILL)
        rc, out, err = finish(proc, 30)
        assert rc == 3, "exit %d:\n%s%s" % (rc, out, err)
        # Killed by the parent as it reaped the worker: gone at once.
        wait_for(lambda: not alive(client), 2, "the crashed worker's client %d to end" % client)
        assert "ERROR crashed" in out and "signal 9" in out, out
        d, suite, cases = junit(tmp.path("junit.xml"))
        assert suite.getAttribute("errors") == "1" and suite.getAttribute("failures") == "0", \
            suite.toxml()[:200]
        assert len(d.getElementsByTagName("error")) == 1

        r = subprocess.run([PLCSIM, "run", "--junit", tmp.path("junit2.xml"), unplayable,
                            "--", "true", "x" * 5000], capture_output=True, text=True,
                           timeout=60, env=dict(os.environ, TMPDIR=tmp.tmpdir))
        assert r.returncode == 3, "exit %d:\n%s%s" % (r.returncode, r.stdout, r.stderr)
        assert "ERROR unplayable" in r.stdout and "too long" in r.stdout, r.stdout
        d, suite, cases = junit(tmp.path("junit2.xml"))
        assert suite.getAttribute("errors") == "1" and suite.getAttribute("failures") == "0"
        assert tmp.run_folders() == []
    finally:
        kill_run(proc)
        tmp.cleanup()


def main():
    return support.run_tests(globals(), (PLCSIM, TCPCOM))


if __name__ == "__main__":
    sys.exit(main())
