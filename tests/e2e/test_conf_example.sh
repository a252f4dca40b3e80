#!/bin/sh
# doc/tcpcom.conf.example, the file a fresh install puts in place: every
# key tcpcom reads from a config file is in it (set, or commented out with
# its default or an example), and with every commented setting taken in,
# tcpcom accepts the file (a short run against a port nobody listens on
# exits 0, not 2, the exit of a usage error).
set -u
cd "${TOP:-.}"
BUILD="${BUILD:-build}"
tcpcom="$BUILD/tcpcom"
example=doc/tcpcom.conf.example
[ -x "$tcpcom" ] || { echo "missing $tcpcom (run make first)"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcpcom-conf.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bad=0

# The flags --help lists, less those of the command line alone.
"$tcpcom" --help | sed -n 's/^  \(-., \)\{0,1\}--\([a-z-]*\).*/\2/p' |
    grep -vx -e config -e quiet -e verbose -e help -e version >"$tmp/keys"
[ "$(wc -l <"$tmp/keys")" -ge 15 ] ||
	{ echo "FAIL: --help listed only $(wc -l <"$tmp/keys") keys"; exit 1; }
while read -r key; do
	if grep -Eq "^#? *$key *=" "$example"; then
		echo "ok   $key"
	else
		echo "FAIL $key is not in $example"
		bad=$((bad + 1))
	fi
done <"$tmp/keys"

# Every setting taken in, the stats files moved here, and nothing that
# stops the run before its time: 50 ms against a port nobody listens on.
sed -E 's/^# *([a-z-]+ *=)/\1/; s|/run/tcpcom/|'"$tmp"'/|; s|/var/lib/prometheus/node-exporter/|'"$tmp"'/|; s/^(server *=).*/\1 127.0.0.1/; s/^(port *=).*/\1 1/; s/^(duration *=).*/\1 50ms/' \
    "$example" >"$tmp/all.conf"
"$tcpcom" --config "$tmp/all.conf" -q >"$tmp/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && [ -s "$tmp/stats.json" ] && [ -s "$tmp/tcpcom.prom" ]; then
	echo "ok   every setting of the example accepted, stats written"
else
	echo "FAIL tcpcom --config (every setting taken in) exited $rc:"
	sed 's/^/    /' "$tmp/out"
	bad=$((bad + 1))
fi
[ "$bad" -eq 0 ] || exit 1
echo "all ok"
