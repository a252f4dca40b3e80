#!/usr/bin/env python3
"""plcsim's HTML report, the page an engineer signs.

`plcsim run --html` with a scenario that passes and one that fails: the
verdicts in the HTML agree with the JUnit and JSON reports of the same run,
item by item; the SHA-256 of each scenario file is right; what comes from a
file (a description with markup, a file name with '<' and '&') is shown as
text and never becomes markup. Then the page is rendered in headless
Chromium: no console message (the page has no script, so any message is an
error: a resource it tried to load against its own Content Security
Policy, a parse error), a screenshot that is not blank, every scenario's
verdict in the rendered DOM. A page that loads something is seen to fail
that check. `plcsim serve SCENARIO --html` writes the same page for one
scenario, and `--html` without a scenario is refused.

Chromium is needed: without it the test skips (77), and fails where CI is
set. Its profile folder is in the test's temporary folder.
"""
import hashlib
import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib

import support

TOP = os.environ.get("TOP", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", "build")
PLCSIM = os.path.join(TOP, BUILD, "plcsim")
TCPCOM = os.path.join(TOP, BUILD, "tcpcom")
CLIENT = [TCPCOM, "--server", "{host}", "--port", "{port}",
          "--stats-json", "{stats}", "-q"]

INJECT = ("</p><script>document.title='INJECTED'</script>"
          "<img src=x onerror=alert(1)><b>bold</b> & more")

# Passes: the client sends ten frames a second.
PASSING = """name: report-pass
description: "%s"
duration: 1500ms
plc:
  watchdog: 1s
expectations:
  - expect: frames
    at_least: 5
  - expect: watchdog_quiet
""" % INJECT.replace('"', '\\"')

# Fails one expectation of three: the reset at 0.7s is survived, but
# 1.5 seconds of frames are more than at most 3.
FAILING = """name: report-fail
description: A reset, and a bound the client cannot meet.
duration: 1500ms
timeline:
  - action: rst
    at: 700ms
expectations:
  - expect: reconnect
    within: 1s
  - expect: frames
    at_most: 3
"""


class Dom(html.parser.HTMLParser):
    """The report's sections and verdict rows, and every element seen."""

    def __init__(self):
        super().__init__()
        self.sections = []   # {"id", "verdict", "name", "rows": [...]}
        self.tags = []
        self.text = []
        self._in_h2 = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "section" and "scenario" in a.get("class", ""):
            self.sections.append({"id": a.get("id"),
                                  "verdict": a.get("data-verdict"),
                                  "h2": [], "rows": []})
        elif tag == "h2" and self.sections and not self.sections[-1]["h2"]:
            self._in_h2 = True
        elif tag == "tr" and "data-passed" in a and self.sections:
            line = a["data-line"]
            self.sections[-1]["rows"].append(
                (a["data-expect"], int(line) if line else None,
                 a["data-passed"] == "true", a["data-margin"]))

    def handle_endtag(self, tag):
        if tag == "h2":
            self._in_h2 = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_h2:
            self.sections[-1]["h2"].append(data)

    def verdicts(self):
        """name -> (verdict, sorted rows); a heading is the verdict word,
        then the name."""
        return {"".join(s["h2"][1:]).strip():
                (s["verdict"], sorted(s["rows"], key=str))
                for s in self.sections}


def parse_dom(text):
    d = Dom()
    d.feed(text)
    d.close()
    return d


def json_verdicts(path):
    with open(path) as f:
        cases = json.load(f)
    out = {}
    # With --repeat the runs are followed by the scenarios' summaries.
    for c in (c for c in cases if "repeat" not in c):
        rows = [(e["expect"], e["line"], e["passed"],
                 e["margin_text"] or "")
                for e in c["expectations"]]
        out[c["name"]] = ("pass" if c["passed"] else "fail",
                          sorted(rows, key=str))
    return out


def junit_verdicts(path):
    """name -> (verdict, the lines of the failed items)"""
    out = {}
    for tc in ET.parse(path).getroot().iter("testcase"):
        failure = tc.find("failure")
        lines = set()
        if failure is not None:
            for l in (failure.text or "").splitlines():
                if l.startswith("line "):
                    lines.add(int(l.split()[1].rstrip(":")))
                elif l.strip():
                    lines.add(None)
        out[tc.get("name")] = ("fail" if failure is not None else "pass",
                               lines)
    return out


def check_agreement(html_text, json_path, junit_path):
    h = parse_dom(html_text).verdicts()
    j = json_verdicts(json_path)
    u = junit_verdicts(junit_path)
    assert set(h) == set(j) == set(u), (sorted(h), sorted(j), sorted(u))
    for name in j:
        assert h[name] == j[name], "%s: HTML %r, JSON %r" % (name, h[name],
                                                            j[name])
        failed = {line for (_, line, ok, _) in j[name][1] if not ok}
        assert u[name] == (j[name][0], failed), \
            "%s: JUnit %r, JSON %r" % (name, u[name], (j[name][0], failed))
    return j


# ---- Chromium ----

def chromium():
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser",
                 "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    if os.environ.get("CI"):
        raise AssertionError("chromium is not installed (ci/deps.sh "
                             "installs it); in CI this is a failure")
    support.skip("chromium is not installed (ci/deps.sh installs it)")


def render(browser, tmp, page, *mode):
    """Chromium, headless and offline, on a local file: (stdout, the
    console lines it logged)."""
    profile = support.tmpdir("chromium-profile-")
    argv = [browser, "--headless", "--no-sandbox", "--disable-gpu",
            "--user-data-dir=" + profile, "--no-first-run",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions",
            "--enable-logging=stderr", "--v=0", "--hide-scrollbars",
            "--window-size=1000,1400"] + list(mode) + ["file://" + page]
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=90, cwd=tmp)
    shutil.rmtree(profile, ignore_errors=True)
    console = [l for l in p.stderr.splitlines() if ":CONSOLE" in l]
    return p.returncode, p.stdout, console, p.stderr


def png_pixels(path):
    """(width, height, count of pixels that are not white) of an 8-bit RGB
    or RGBA PNG, decoded with zlib."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    assert depth == 8 and ctype in (2, 6), (depth, ctype)
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    coloured = 0
    for y in range(h):
        ftype = raw[y * (stride + 1)]
        row = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = row[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                row[i] = (row[i] + a) & 0xFF
            elif ftype == 2:
                row[i] = (row[i] + b) & 0xFF
            elif ftype == 3:
                row[i] = (row[i] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                row[i] = (row[i] + pred) & 0xFF
        for x in range(0, stride, bpp):
            if row[x] < 240 or row[x + 1] < 240 or row[x + 2] < 240:
                coloured += 1
        prev = row
    return w, h, coloured


# ---- the tests ----

def run_report(tmp):
    passing = os.path.join(tmp, "pass.yaml")
    failing = os.path.join(tmp, "fail<i>&'x.yaml")
    for path, text in ((passing, PASSING), (failing, FAILING)):
        with open(path, "w") as f:
            f.write(text)
    out = {k: os.path.join(tmp, "report." + k) for k in ("html", "json", "xml")}
    p = subprocess.run(
        [PLCSIM, "run", "-j2", "--html", out["html"], "--json", out["json"],
         "--junit", out["xml"], passing, failing, "--"] + CLIENT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert p.returncode == 1, "exit %d: %s%s" % (p.returncode, p.stdout,
                                                 p.stderr)
    return out, (passing, failing)


def test_run_html_agrees_and_renders():
    browser = chromium()
    tmp = support.tmpdir("html-report-")
    out, files = run_report(tmp)
    with open(out["html"], encoding="utf-8") as f:
        page = f.read()

    # The three reports say the same, item by item.
    verdicts = check_agreement(page, out["json"], out["xml"])
    assert verdicts["report-pass"][0] == "pass", verdicts
    assert verdicts["report-fail"][0] == "fail", verdicts
    assert any(not ok for (_, _, ok, _) in verdicts["report-fail"][1])
    # Margins too: below 0 for the failed item.
    assert any(not ok and m.startswith("-")
               for (_, _, ok, m) in verdicts["report-fail"][1]), verdicts

    # The record: each file with its SHA-256, the command line.
    for path in files:
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        assert digest in page, "no SHA-256 of %s" % path
    dom = parse_dom(page)
    text = "".join(dom.text)
    assert files[1] in text, "the file name is not shown as text"
    assert INJECT in text, "the description is not shown as text"
    assert "script" not in dom.tags and "img" not in dom.tags and \
        "b" not in dom.tags and "i" not in dom.tags, \
        "markup from a file became markup: %s" % sorted(set(dom.tags))
    assert "http:" not in page.replace("http://www.w3.org/2000/svg", "")
    for f in ("Time 0 is the first client connection", "reconnect",
              "watchdog fired", "life-bit edges", "Tested by"):
        assert f in text, f

    # In a real browser: no console message, the verdicts in the DOM.
    rc, dumped, console, err = render(browser, tmp, out["html"],
                                      "--dump-dom")
    assert rc == 0, "chromium exit %d: %s" % (rc, err[-2000:])
    assert console == [], "console: %s" % console
    rendered = parse_dom(dumped)
    assert rendered.verdicts() == dom.verdicts(), \
        (rendered.verdicts(), dom.verdicts())
    assert "script" not in rendered.tags and "img" not in rendered.tags
    assert "svg" in rendered.tags and "rect" in rendered.tags

    shot = os.path.join(tmp, "shot.png")
    rc, _, console, err = render(browser, tmp, out["html"],
                                 "--screenshot=" + shot)
    assert rc == 0 and os.path.exists(shot), "no screenshot: %s" % err[-2000:]
    assert console == [], "console: %s" % console
    w, h, coloured = png_pixels(shot)
    # Text, tables and two timelines cover far more than 2 % of a page.
    assert coloured > w * h // 50, "blank screenshot: %d of %d pixels" % (
        coloured, w * h)


def test_repeat_links_go_to_each_files_first_play():
    """With --repeat the sections are numbered play by play, file by file:
    each file's link in the record goes to its own first play, not to
    another file's (b.yaml's had gone to "a#2")."""
    tmp = support.tmpdir("html-report-")
    files = []
    for name in ("rep-a", "rep-b", "rep-c"):
        files.append(os.path.join(tmp, name + ".yaml"))
        with open(files[-1], "w") as f:
            f.write("name: %s\nduration: 300ms\n" % name)
    page = os.path.join(tmp, "r.html")
    p = subprocess.run([PLCSIM, "run", "-j3", "--repeat", "2", "--html", page]
                       + files + ["--"] + CLIENT, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    assert p.returncode == 0, "exit %d: %s%s" % (p.returncode, p.stdout,
                                                 p.stderr)
    with open(page, encoding="utf-8") as f:
        text = f.read()
    links = re.findall(r'<tr><td><a href="#(s\d+)">(\d+)</a></td><td><code>'
                       r'([^<]*)</code>', text)
    assert [(n, f) for (_, n, f) in links] == \
        [(str(i + 1), f) for i, f in enumerate(files)], links
    names = dict((s["id"], "".join(s["h2"][1:]).strip())
                 for s in parse_dom(text).sections)
    assert len(names) == 6, names
    for (target, _, path), name in zip(links, ("rep-a", "rep-b", "rep-c")):
        assert names.get(target) == name + "#1", (path, target, names)


def test_console_check_catches_a_load():
    """The console check is not vacuous: the report's own policy makes a
    page that tries to load an image log an error."""
    browser = chromium()
    tmp = support.tmpdir("html-console-")
    page = os.path.join(tmp, "load.html")
    with open(page, "w") as f:
        f.write("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                "<meta http-equiv=\"Content-Security-Policy\" content=\""
                "default-src 'none'; style-src 'unsafe-inline'; img-src "
                "data:\"><title>t</title></head><body>"
                "<img src=\"http://127.0.0.1:9/x.png\"></body></html>")
    rc, _, console, err = render(browser, tmp, page, "--dump-dom")
    assert rc == 0, err[-2000:]
    assert console, "a blocked load logged nothing on the console"


def test_serve_scenario_html():
    tmp = support.tmpdir("html-serve-")
    scenario = os.path.join(tmp, "pass.yaml")
    with open(scenario, "w") as f:
        f.write(PASSING)
    page = os.path.join(tmp, "serve.html")
    serve = support.popen([PLCSIM, "serve", scenario, "--listen",
                           "127.0.0.1:0", "--html", page, "-q"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    line = serve.stdout.readline()
    assert line.startswith("listening on 127.0.0.1:"), line
    port = line.strip().rsplit(":", 1)[1]
    client = support.popen([TCPCOM, "--server", "127.0.0.1", "--port", port,
                            "-q"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    out, err = serve.communicate(timeout=30)
    client.terminate()
    client.wait(timeout=10)
    assert serve.returncode == 0, "exit %d: %s%s" % (serve.returncode, out,
                                                     err)
    with open(page, encoding="utf-8") as f:
        text = f.read()
    dom = parse_dom(text)
    assert dom.verdicts()["report-pass"][0] == "pass", dom.verdicts()
    assert "plcsim serve " in "".join(dom.text)
    with open(scenario, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() in text

    p = subprocess.run([PLCSIM, "serve", "--html", page],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=10)
    assert p.returncode == 2 and "--html needs a SCENARIO" in p.stderr, \
        (p.returncode, p.stderr)


def test_proxy_html():
    """plcsim proxy --html: the real PLC's address in the record, its round
    trips, its estimated task cycle (as the text says it) and its verdict
    items in the section."""
    tmp = support.tmpdir("html-proxy-")
    scenario = os.path.join(tmp, "proxied.yaml")
    with open(scenario, "w") as f:
        f.write("name: proxied\nduration: 1500ms\nexpectations:\n"
                "  - expect: frames\n    at_least: 5\n")
    page = os.path.join(tmp, "proxy.html")
    up = support.popen([PLCSIM, "serve", "--listen", "127.0.0.1:0", "-q",
                        "--cycle", "20ms"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    line = up.stdout.readline()
    assert line.startswith("listening on 127.0.0.1:"), line
    upstream = line.strip().rsplit(" ", 1)[1]
    px = support.popen([PLCSIM, "proxy", scenario, "--listen", "127.0.0.1:0",
                        "--upstream", upstream, "--html", page, "-q"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    line = px.stdout.readline()
    assert line.startswith("listening on 127.0.0.1:"), line
    port = line.strip().rsplit(":", 1)[1]
    client = support.popen([TCPCOM, "--server", "127.0.0.1", "--port", port,
                            "--send-cycle", "37ms", "-q"],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    out, err = px.communicate(timeout=30)
    client.terminate()
    client.wait(timeout=10)

    # plcsim run --upstream --repeat 2: the same before the real PLC, two
    # plays, the three reports agreeing.
    rep = {k: os.path.join(tmp, "repeat." + k) for k in ("html", "json", "xml")}
    r = subprocess.run(
        [PLCSIM, "run", "--repeat", "2", "--upstream", upstream,
         "--html", rep["html"], "--json", rep["json"], "--junit", rep["xml"],
         scenario, "--"] + CLIENT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, timeout=60)
    up.terminate()
    up.wait(timeout=10)
    assert px.returncode == 0, "exit %d: %s%s" % (px.returncode, out, err)
    assert r.returncode == 0, "exit %d: %s%s" % (r.returncode, r.stdout,
                                                 r.stderr)
    with open(rep["html"], encoding="utf-8") as f:
        repeated = f.read()
    verdicts = check_agreement(repeated, rep["json"], rep["xml"])
    assert sorted(verdicts) == ["proxied#1", "proxied#2"], verdicts
    shown = "".join(parse_dom(repeated).text)
    assert upstream in shown and "played 2 times" in shown, shown[:3000]
    assert shown.count("Real PLC's round trips") == 2, shown
    with open(page, encoding="utf-8") as f:
        text = f.read()
    dom = parse_dom(text)
    verdict, rows = dom.verdicts()["proxied"]
    assert verdict == "pass", (verdict, rows)
    plc = [r for r in rows if r[0] == "plc"]
    assert len(plc) == 3 and all(ok for (_, _, ok, _) in plc), rows
    shown = "".join(dom.text)
    assert "Real PLC" in shown and upstream in shown, shown[:2000]
    assert "Real PLC's round trips" in shown
    emulate = [l for l in out.splitlines() if "to emulate it:" in l]
    assert emulate, out
    assert emulate[0].split("to emulate it: ", 1)[1] in shown, \
        (emulate, shown)


if __name__ == "__main__":
    sys.exit(support.run_tests(globals(), programs=(PLCSIM, TCPCOM)))
