"""What the Python end-to-end tests share: temporary directories and child
processes that are gone when the test program ends, however it ends, and
the skip convention of tests/e2e/run.sh.

Temporary directories are made under $TMPDIR when it is set (tempfile does
that), removed at exit; processes started through popen() are killed at
exit. "At exit" includes a normal end, an uncaught exception, Ctrl-C, and
SIGTERM or SIGHUP (what `timeout` and a closing terminal send), which would
otherwise end Python without running any cleanup.
"""
import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile

# The exit status of a test that did not run: automake's convention, which
# run.sh follows. The last line printed says why.
SKIP = 77

_dirs = []
_procs = []


def tmpdir(prefix):
    """A new temporary directory, removed at exit."""
    d = tempfile.mkdtemp(prefix=prefix)
    _dirs.append(d)
    return d


def popen(*args, **kw):
    """subprocess.Popen, and the process is killed at exit if still alive."""
    p = subprocess.Popen(*args, **kw)
    _procs.append(p)
    return p


def skip(reason):
    """Ends the test program as skipped, saying why."""
    print("skipped: %s" % reason, flush=True)
    sys.exit(SKIP)


def prometheus_parser():
    """prometheus_client.parser, from this Python's packages or, for a
    python3 of one's own (pyenv, a virtualenv), from where Debian installs
    it: the module is pure Python. Missing, the test is skipped (failed
    where CI is set: ci/deps.sh installs it)."""
    try:
        from prometheus_client import parser
        return parser
    except ImportError:
        pass
    debian = "/usr/lib/python3/dist-packages"
    if os.path.isdir(os.path.join(debian, "prometheus_client")):
        sys.path.append(debian)
        try:
            from prometheus_client import parser
            return parser
        except ImportError:
            pass
    why = "no prometheus_client (install python3-prometheus-client)"
    if os.environ.get("CI"):
        # ci/deps.sh installs it: missing there, the format goes unchecked.
        print("FAIL: %s" % why, flush=True)
        sys.exit(1)
    skip(why)


def wait_for(cond, timeout, what, step=0.01):
    """Polls cond() until it is true and returns its value; raises
    AssertionError after `timeout` seconds, naming `what`."""
    import time
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1fs waiting for %s"
                                 % (timeout, what))
        time.sleep(step)


def run_tests(scope, programs=()):
    """Runs every test_* function of a test program's `scope` (its
    globals()), or those named on the command line; reports each and a
    total, and returns the exit status. `programs` must exist first."""
    import time
    for p in programs:
        if not os.access(p, os.X_OK):
            print("missing %s (run make first)" % p)
            return 1
    tests = [(n, f) for n, f in scope.items()
             if n.startswith("test_") and callable(f)]
    if len(sys.argv) > 1:
        tests = [(n, f) for n, f in tests if n in sys.argv[1:]]
    failed = 0
    for name, fn in tests:
        t0 = time.monotonic()
        try:
            fn()
            print("ok   %s (%.1fs)" % (name, time.monotonic() - t0),
                  flush=True)
        except Exception as e:  # report every test, then fail
            failed += 1
            print("FAIL %s (%.1fs): %s: %s" % (name, time.monotonic() - t0,
                                                 type(e).__name__, e),
                  flush=True)
    print("%d passed, %d failed" % (len(tests) - failed, failed))
    return 1 if failed else 0


def _kill_all():
    # Never waits: this may run in a signal handler that interrupted a
    # Popen.wait() holding that process's lock; once this process is
    # gone, whoever inherits them reaps them.
    for p in _procs:
        if p.returncode is None:
            try:
                os.kill(p.pid, signal.SIGKILL)
            except OSError:
                pass


def cleanup():
    _kill_all()
    for p in _procs:
        try:
            p.wait(timeout=5)
        except Exception:
            pass
    for d in _dirs:
        shutil.rmtree(d, ignore_errors=True)


def _on_signal(signo, frame):
    _kill_all()
    for d in _dirs:
        shutil.rmtree(d, ignore_errors=True)
    os._exit(128 + signo)


atexit.register(cleanup)
for _s in (signal.SIGTERM, signal.SIGHUP):
    signal.signal(_s, _on_signal)
