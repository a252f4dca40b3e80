"""plcsim run --repeat N: every repetition is a test case of its own
(NAME#K, unique in JUnit and JSON), played with a seed derived from the
scenario's as documented; the summary counts the repetitions that passed,
per scenario and per expectation, with the spread of the margins; a client
that fails only sometimes is seen to, and fails the run; --shard keeps
every repetition of a scenario in one shard; the worker pool plays them."""
import json
import os
import re
import subprocess
import sys
import xml.dom.minidom

import support

TOP = os.environ.get("TOP", ".")
BUILD = os.path.join(TOP, os.environ.get("BUILD", "build"))
PLCSIM = os.path.join(BUILD, "plcsim")
TCPCOM = os.path.join(BUILD, "tcpcom")
BAD = os.path.join(BUILD, "tests", "badclient")

# Two seconds each: long enough for four edges of a 500 ms life bit.
SCENARIO = """name: %s
duration: 2s
seed: %d
plc:
  watchdog: 1s
expectations:
  - expect: life_bit_max_gap
    at_most: 700ms
  - expect: frames
    at_least: 10
  - expect: counter
    name: mismatches
    equals: 0
client:
  stats: true
"""


def splitmix64(state):
    """The numbers of rng.h's generator seeded with `state`."""
    mask = (1 << 64) - 1
    while True:
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        yield z ^ (z >> 31)


def derived_seeds(base, n):
    """Repetition 1 plays the seed itself, repetition k the (k-1)-th
    number of the generator seeded with it."""
    g = splitmix64(base)
    return [base] + [next(g) for _ in range(n - 1)]


def scenario(tmp, name, seed):
    path = os.path.join(tmp, name + ".yaml")
    with open(path, "w") as f:
        f.write(SCENARIO % (name, seed))
    return path


def plcsim_run(args, client):
    return subprocess.run([PLCSIM, "run"] + args + ["--"] + client,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=120)


def testcases(path):
    doc = xml.dom.minidom.parse(path)
    suite = doc.getElementsByTagName("testsuite")[0]
    cases = {}
    for c in doc.getElementsByTagName("testcase"):
        cases[c.getAttribute("name")] = \
            len(c.getElementsByTagName("failure")) > 0
    return suite, cases


def test_a_client_that_fails_sometimes():
    tmp = support.tmpdir("plcsim-repeat.")
    sc = scenario(tmp, "flaky", 42)
    junit, js = os.path.join(tmp, "j.xml"), os.path.join(tmp, "j.json")
    page = os.path.join(tmp, "j.html")
    # Silent on every second start, whatever order the pool starts them.
    r = plcsim_run(["-j2", "--repeat", "4", "--junit", junit, "--json", js,
                    "--html", page, sc], [BAD, "--defect", "every-other-silent", "--state",
                          os.path.join(tmp, "state"), "--server", "{host}",
                          "--port", "{port}", "--stats-json", "{stats}"])
    out = r.stdout
    assert r.returncode == 1, "exit %d, not 1:\n%s%s" % (r.returncode, out,
                                                          r.stderr)
    # Each repetition reported under its own name, then the summary.
    for k in range(1, 5):
        assert re.search(r"^(PASS|FAIL) flaky#%d \(" % k, out, re.M), out
    assert "REPEAT flaky: 2 of 4 passed, 2 failed (seed 42 and derived)" \
        in out, out
    m = re.search(r"line 7: life_bit_max_gap no silence over 700ms: 2 of 4 "
                  r"passed; margin min (-1\.3\d*s), median (\S+), max "
                  r"(\S+)\n", out)
    assert m, out
    assert re.search(r"line 9: frames at least 10: 4 of 4 passed; margin "
                     r"min \d+, median [\d.]+, max \d+\n", out), out
    # A counter is named.
    assert "line 11: counter mismatches = 0: 4 of 4 passed; margin min 0, " \
        "median 0, max 0\n" in out, out
    assert out.rstrip().endswith("2 passed, 2 failed"), out
    # JUnit: four uniquely named test cases, two of them failed.
    suite, cases = testcases(junit)
    assert sorted(cases) == ["flaky#%d" % k for k in range(1, 5)], cases
    assert sum(cases.values()) == 2, cases
    assert suite.getAttribute("tests") == "4", suite.toxml()[:200]
    assert suite.getAttribute("failures") == "2", suite.toxml()[:200]
    # JSON: the same names, each with its derived seed.
    report = json.load(open(js))
    runs = [x for x in report if "repeat" not in x]
    assert [x["name"] for x in runs] == sorted(cases), runs
    assert [x["seed"] for x in runs] == derived_seeds(42, 4), \
        [x["seed"] for x in runs]
    assert [x["passed"] for x in runs].count(True) == 2
    # Then the summary, as the text says it, from the runs' own margins.
    summary = [x for x in report if "repeat" in x]
    assert len(summary) == 1 and report[-1] is summary[0], report[-1]
    rep = summary[0]["repeat"]
    assert summary[0]["name"] == "flaky", summary
    assert (rep["runs"], rep["passed"], rep["failed"], rep["not_judged"],
            rep["seed"]) == (4, 2, 2, 0, 42), rep
    assert [(e["line"], e["expect"], e["name"], e["passed"], e["of"])
            for e in rep["expectations"]] == \
        [(7, "life_bit_max_gap", None, 2, 4), (9, "frames", None, 4, 4),
         (11, "counter", "mismatches", 4, 4)], rep
    for e in rep["expectations"]:
        seen = sorted(i["margin"] for x in runs for i in x["expectations"]
                      if i["line"] == e["line"])
        assert len(seen) == 4 and e["margins"] == 4, (seen, e)
        median = (seen[1] + seen[2]) / 2
        assert e["margin_min"] == seen[0] and e["margin_max"] == seen[-1], \
            (seen, e)
        assert abs(e["margin_median"] - median) <= 1e-6 * abs(median) + \
            0.5, (median, e)
        assert e["unit"] == ("us" if e["line"] == 7 else "count"), e
    # The text's minimum, in seconds, is the JSON's, in microseconds.
    gap = rep["expectations"][0]
    assert gap["expected"] == "no silence over 700ms", gap
    assert abs(float(m.group(1)[:-1]) * 1e6 - gap["margin_min"]) < 1e3, \
        (m.group(1), gap)
    # The HTML report: the same summary, after the plays' sections, its
    # margins as the text writes them.
    html = open(page, encoding="utf-8").read()
    at = html.find('<section class="repeat fail">')
    assert at > html.rfind('id="s3"'), html[-3000:]
    summary = html[at:html.find("</section>", at)]
    assert "<h2>Repeated: flaky</h2>" in summary, summary
    assert "2 of 4 plays passed, 2 failed (seed 42 and derived)" in summary
    assert ("<tr><td>7</td><td>life_bit_max_gap</td><td>no silence over "
            "700ms</td><td>2 of 4</td><td>%s</td><td>%s</td><td>%s</td>"
            "</tr>" % m.groups()) in summary, (m.groups(), summary)
    assert "<td>counter mismatches</td><td>= 0</td><td>4 of 4</td>" in \
        summary, summary


def test_real_client_shards_and_seed():
    tmp = support.tmpdir("plcsim-repeat.")
    files = [scenario(tmp, "a-first", 7), scenario(tmp, "b-second", 8)]
    junit, js = os.path.join(tmp, "j.xml"), os.path.join(tmp, "j.json")
    # The second shard of two: b-second, both repetitions; --seed derives
    # the repetitions' seeds from itself.
    r = plcsim_run(["-j2", "--repeat", "2", "--shard", "2/2", "--seed",
                    "1234", "--junit", junit, "--json", js] + files,
                   [TCPCOM, "--server", "{host}", "--port", "{port}", "-q",
                    "--stats-json", "{stats}"])
    assert r.returncode == 0, "exit %d:\n%s%s" % (r.returncode, r.stdout,
                                                 r.stderr)
    assert "REPEAT b-second: 2 of 2 passed (seed 1234 and derived)" \
        in r.stdout, r.stdout
    assert "a-first" not in r.stdout, r.stdout
    assert re.search(r"line 7: life_bit_max_gap no silence over 700ms: 2 "
                     r"of 2 passed; margin min \S+, median \S+, max \S+\n",
                     r.stdout), r.stdout
    _, cases = testcases(junit)
    assert sorted(cases) == ["b-second#1", "b-second#2"], cases
    report = json.load(open(js))
    assert [x["seed"] for x in report if "repeat" not in x] == \
        derived_seeds(1234, 2)
    assert [(x["name"], x["repeat"]["passed"], x["repeat"]["seed"])
            for x in report if "repeat" in x] == [("b-second", 2, 1234)], \
        report[-1]


def test_usage():
    for bad in ("0", "-1", "x", "10001"):
        r = plcsim_run(["--repeat", bad, "scenarios/startup-within-2s.yaml"],
                       ["true"])
        assert r.returncode == 2, "--repeat %s: exit %d" % (bad, r.returncode)
        assert "--repeat" in r.stderr or "repeat" in r.stderr, r.stderr


def test_without_repeat_nothing_changes():
    tmp = support.tmpdir("plcsim-repeat.")
    sc = scenario(tmp, "once", 5)
    js = os.path.join(tmp, "j.json")
    r = plcsim_run(["--json", js, sc], ["true"])
    assert r.returncode == 1, r.stdout
    assert "REPEAT" not in r.stdout and "once#" not in r.stdout, r.stdout
    runs = json.load(open(js))
    assert [(x["name"], x["seed"]) for x in runs] == [("once", 5)], runs


if __name__ == "__main__":
    os.chdir(TOP)
    sys.exit(support.run_tests(globals(), (PLCSIM, TCPCOM, BAD)))
