#!/bin/sh
# Every command refuses a bad command line the same way: exit 2, nothing on
# stdout, and two lines on stderr, "PROG: what is wrong" (naming it) then
# "PROG: try 'PROG --help'". And PROG --help prints its usage on stdout and
# exits 0.
set -u
cd "${TOP:-.}"
BUILD="${BUILD:-build}"
tcpcom="$BUILD/tcpcom"
plcsim="$BUILD/plcsim"
for p in "$tcpcom" "$plcsim"; do
	[ -x "$p" ] || { echo "missing $p (run make first)"; exit 1; }
done
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bad=0
n=0

fail() {
	echo "FAIL $*"
	sed 's/^/    stderr: /' "$err"
	sed 's/^/    stdout: /' "$out"
	bad=$((bad + 1))
}

# refused PROG WORD CMD ARGS...: refused in PROG's two lines, naming WORD.
refused() {
	prog=$1
	word=$2
	shift 2
	n=$((n + 1))
	"$@" >"$out" 2>"$err" </dev/null
	rc=$?
	first=$(sed -n 1p "$err")
	second=$(sed -n 2p "$err")
	lines=$(wc -l <"$err")
	if [ "$rc" -ne 2 ]; then
		fail "$*: exit $rc, expected 2"
	elif [ -s "$out" ]; then
		fail "$*: printed on stdout"
	elif [ "$lines" -ne 2 ]; then
		fail "$*: $lines lines on stderr, expected 2"
	elif [ "${first#"$prog: "}" = "$first" ]; then
		fail "$*: the first line does not start with '$prog: '"
	elif [ "${first#*"$word"}" = "$first" ]; then
		fail "$*: the first line does not name '$word'"
	elif [ "$second" != "$prog: try '$prog --help'" ]; then
		fail "$*: no pointer to '$prog --help'"
	fi
}

# helps CMD ARGS...: usage on stdout, nothing on stderr, exit 0.
helps() {
	n=$((n + 1))
	"$@" >"$out" 2>"$err" </dev/null
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "$*: exit $rc, expected 0"
	elif [ -s "$err" ]; then
		fail "$*: printed on stderr"
	elif ! grep -q "^usage: " "$out"; then
		fail "$*: no usage line"
	fi
}

refused tcpcom --bogus "$tcpcom" --bogus
refused tcpcom -x "$tcpcom" -x
refused tcpcom "'0'" "$tcpcom" --port 0
refused tcpcom "--port" "$tcpcom" --port
refused tcpcom stray "$tcpcom" stray
refused tcpcom "takes no value" "$tcpcom" --send-on-toggle=yes
refused tcpcom bad/host "$tcpcom" --server bad/host

refused plcsim "no command" "$plcsim"
refused plcsim nope "$plcsim" nope
refused "plcsim serve" --bogus "$plcsim" serve --bogus
refused "plcsim serve" "'10'" "$plcsim" serve --cycle 10
refused "plcsim serve" "'12'" "$plcsim" serve --length 12
refused "plcsim serve" two.yaml "$plcsim" serve one.yaml two.yaml
refused "plcsim serve" plc.cycle "$plcsim" serve --cycle 5ms \
    scenarios/drop-rst-reconnect.yaml
refused "plcsim run" --bogus "$plcsim" run --bogus x.yaml -- true
refused "plcsim run" "out of range" "$plcsim" run -j 0 x.yaml -- true
refused "plcsim run" "'--" "$plcsim" run x.yaml
refused "plcsim run" "after '--'" "$plcsim" run x.yaml --
refused "plcsim run" "no scenario" "$plcsim" run -- true
refused "plcsim check" "no scenario" "$plcsim" check
refused "plcsim check" --bogus "$plcsim" check --bogus

helps "$tcpcom" --help
helps "$tcpcom" -h
helps "$plcsim" --help
helps "$plcsim" serve --help
helps "$plcsim" run --help
helps "$plcsim" check --help

echo "$n command lines, $bad failures"
[ "$bad" -eq 0 ]
