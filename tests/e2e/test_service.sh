#!/bin/sh
# The systemd unit as make install leaves it: systemd-analyze verify finds
# nothing to say about it (no unknown key, a command that exists), it
# restarts on failure without a start limit and waits for the network, and
# its command runs with the tcpcom.conf a fresh install puts beside the
# example; a second install keeps the operator's tcpcom.conf.
# systemd-analyze verify needs no running systemd (it loads the unit
# offline), so this runs in a container too.
set -u
cd "${TOP:-.}"
TOP=$(pwd)
BUILD="${BUILD:-build}"
[ -x "$BUILD/tcpcom" ] || { echo "missing $BUILD/tcpcom (run make first)"; exit 1; }
command -v systemd-analyze >/dev/null 2>&1 ||
	{ echo "skipped: no systemd-analyze (ci/deps.sh installs it)"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcpcom-unit.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bad=0
fail() {
	echo "FAIL $*"
	bad=$((bad + 1))
}

# The build's own flags, so that make install finds it up to date.
built=$(readelf -d "$BUILD/libtcpcom.so" 2>/dev/null)
set -- BUILD="$BUILD"
case $built in
*libasan*) set -- "$@" SANITIZE=address,undefined ;;
*libtsan*) set -- "$@" SANITIZE=thread ;;
esac
nm "$BUILD/libtcpcom.so" 2>/dev/null | grep -q __gcov_ && set -- "$@" COVERAGE=1
dest="$tmp/dest"
install_into() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$TOP" "$@" \
	    install DESTDIR="$dest" PREFIX=/usr >"$tmp/install.log" 2>&1 || {
		cat "$tmp/install.log"
		echo "FAIL make install"
		exit 1
	}
}
install_into "$@"

unit="$dest/usr/lib/systemd/system/tcpcom.service"
conf="$dest/usr/etc/tcpcom/tcpcom.conf"
[ -f "$unit" ] || { echo "FAIL no $unit"; exit 1; }
[ -f "$conf" ] || fail "a fresh install has no tcpcom.conf for the unit"
grep -q "^ExecStart=/usr/bin/tcpcom --config /usr/etc/tcpcom/tcpcom.conf" \
    "$unit" || fail "ExecStart: $(grep ExecStart "$unit")"

# The unit as it would be at / but pointing into the staging folder, so
# that verify can check that the command exists.
staged="$tmp/tcpcom.service"
sed "s| /usr/| $dest/usr/|g; s|=/usr/|=$dest/usr/|g" "$unit" >"$staged"
man="--man=no"
if command -v man >/dev/null 2>&1; then
	man="--man=yes"
	MANPATH="$dest/usr/share/man"
	export MANPATH
fi
systemd-analyze verify "$man" "$staged" >"$tmp/verify.out" 2>&1
rc=$?
# verify exits 0 with an unknown key too: anything it says is a failure.
if [ "$rc" -ne 0 ] || [ -s "$tmp/verify.out" ]; then
	fail "systemd-analyze verify (exit $rc): $(cat "$tmp/verify.out")"
fi

key() {
	# key SECTION KEY: the value of KEY in [SECTION] of the unit.
	awk -v s="[$1]" -v k="$2" '/^\[/ { in_s = ($0 == s) }
	    in_s && index($0, k "=") == 1 { print substr($0, length(k) + 2) }' \
	    "$unit"
}
[ "$(key Service Restart)" = on-failure ] ||
	fail "Restart=$(key Service Restart), expected on-failure"
[ -n "$(key Service RestartSec)" ] || fail "no RestartSec"
[ "$(key Unit StartLimitIntervalSec)" = 0 ] ||
	fail "StartLimitIntervalSec=$(key Unit StartLimitIntervalSec): a slow boot ends in the start limit"
for k in After Wants; do
	case " $(key Unit $k) " in
	*" network-online.target "*) ;;
	*) fail "$k= lacks network-online.target" ;;
	esac
done

# The unit's own command with the installed config runs and stops cleanly
# (exit 0, not 2); only the server is changed, to a closed local port.
cmd=$(key Service ExecStart | sed "s| /usr/| $dest/usr/|g; s|^/usr/|$dest/usr/|")
# shellcheck disable=SC2086
$cmd --server 127.0.0.1 --port 1 --stats-json "$tmp/stats.json" \
    --duration 1s >"$tmp/run.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || fail "the unit's command exits $rc: $(tail -n 3 "$tmp/run.log")"

# A second install leaves the operator's tcpcom.conf as it is.
echo "server = 127.0.0.2 # the operator's" >"$conf"
install_into "$@"
grep -q "the operator's" "$conf" || fail "make install replaced tcpcom.conf"

[ "$bad" -eq 0 ] || exit 1
echo "service: the unit verifies, restarts without a limit, runs as installed"
