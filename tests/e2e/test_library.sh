#!/bin/sh
# The installed library, as another program sees it: make install into a
# staging folder, a C program and a C++ program built out of the tree with
# `pkg-config --cflags --libs tcpcom` alone (and the C program again with
# the static library), each run against plcsim until it has exchanged its
# frames and stopped; and the shared library exports the functions tcpcom.h
# declares and nothing else.
set -u
cd "${TOP:-.}"
TOP=$(pwd)
BUILD="${BUILD:-build}"
plcsim="$TOP/$BUILD/plcsim"
[ -x "$plcsim" ] || { echo "missing $plcsim (run make first)"; exit 1; }
for t in pkg-config g++ nm readelf; do
	command -v "$t" >/dev/null 2>&1 || { echo "skipped: no $t"; exit 77; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcpcom-lib.XXXXXX") || exit 1
sim=""
cleanup() {
	if [ -n "$sim" ]; then
		kill -TERM "$sim" 2>/dev/null
		wait "$sim" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bad=0
fail() {
	echo "FAIL $*"
	bad=$((bad + 1))
}

dest="$tmp/dest"
# The build's own flags, so that make install finds it up to date; and a
# library built with a sanitizer needs its runtime in the programs too.
built=$(readelf -d "$BUILD/libtcpcom.so" 2>/dev/null)
san=""
set -- BUILD="$BUILD"
case $built in
*libasan*) san="-fsanitize=address,undefined"; set -- "$@" SANITIZE=address,undefined ;;
*libtsan*) san="-fsanitize=thread"; set -- "$@" SANITIZE=thread ;;
esac
nm "$BUILD/libtcpcom.so" 2>/dev/null | grep -q __gcov_ && set -- "$@" COVERAGE=1
# Not the outer make's jobserver or flags: a make of its own.
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$TOP" \
    "$@" install DESTDIR="$dest" PREFIX=/usr >"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log"
	echo "FAIL make install"
	exit 1
fi
lib="$dest/usr/lib"
for f in libtcpcom.so libtcpcom.so.1 libtcpcom.so.1.0.0 libtcpcom.a \
    pkgconfig/tcpcom.pc; do
	[ -e "$lib/$f" ] || fail "not installed: usr/lib/$f"
done
[ "$(readlink "$lib/libtcpcom.so")" = libtcpcom.so.1 ] ||
	fail "libtcpcom.so does not point to libtcpcom.so.1"
[ "$(readlink "$lib/libtcpcom.so.1")" = libtcpcom.so.1.0.0 ] ||
	fail "libtcpcom.so.1 does not point to libtcpcom.so.1.0.0"
dyn=$(readelf -d "$lib/libtcpcom.so.1.0.0")
echo "$dyn" | grep -q 'SONAME.*\[libtcpcom\.so\.1\]' || fail "soname is not libtcpcom.so.1"
echo "$dyn" | grep -q 'NEEDED.*\[libm\.so' || fail "libm is not linked into the library"

# Exactly the functions tcpcom.h declares (at the start of a line, not in
# a comment), in version TCPCOM_1.
grep -v '^[[:space:]]' "$dest/usr/include/tcpcom.h" |
	grep -o 'tcpcom_[a-z0-9_]*(' | tr -d '(' | sort -u >"$tmp/api"
nm -D --defined-only "$lib/libtcpcom.so.1.0.0" | awk '$2 != "A" { print $3 }' |
	sort -u >"$tmp/exported"
if ! grep -q '@@TCPCOM_1$' "$tmp/exported" ||
    grep -v '@@TCPCOM_1$' "$tmp/exported" | grep -q .; then
	fail "not every exported symbol is in version TCPCOM_1:"
	sed 's/^/    /' "$tmp/exported"
fi
sed -i 's/@.*//' "$tmp/exported"
if ! cmp -s "$tmp/api" "$tmp/exported"; then
	fail "exported symbols differ from tcpcom.h (< header, > library):"
	diff "$tmp/api" "$tmp/exported" | grep '^[<>]' | sed 's/^/    /'
fi
[ -s "$tmp/api" ] || fail "no function found in tcpcom.h"

cat >"$tmp/client.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <tcpcom.h>

/* Names libtcpcom uses inside; the library must keep using its own. */
unsigned long long clock_now_us(void);
void log_msg(int level, const char *fmt, ...);
unsigned long long clock_now_us(void) { return 0; }
void log_msg(int level, const char *fmt, ...) { (void)level; (void)fmt; abort(); }

int
main(int argc, char **argv)
{
	struct tcpcom_config cfg;
	struct tcpcom_stats st;
	struct tcpcom *tc;
	char err[256];

	if (argc != 2)
		return 2;
	tcpcom_config_init(&cfg);
	snprintf(cfg.server, sizeof cfg.server, "127.0.0.1");
	cfg.port = (unsigned short)atoi(argv[1]);
	cfg.send_cycle_us = 20000;
	cfg.toggle_cycle_us = 40000;
	cfg.count = 10;
	if ((tc = tcpcom_new(&cfg, err, sizeof err)) == NULL ||
	    tcpcom_start(tc, err, sizeof err) != 0) {
		fprintf(stderr, "c: %s\n", err);
		return 1;
	}
	if (!tcpcom_wait(tc, 5000000))
		fprintf(stderr, "c: not done in 5 s\n");
	tcpcom_stop(tc);
	tcpcom_join(tc);
	tcpcom_get_stats(tc, &st);
	tcpcom_free(tc);
	printf("c %s: frames=%llu ok=%llu mismatches=%llu\n", tcpcom_version(),
	    (unsigned long long)st.frames_sent, (unsigned long long)st.echoes_ok,
	    (unsigned long long)st.mismatches);
	return st.frames_sent == 10 && st.echoes_ok >= 9 && st.mismatches == 0 ? 0 : 1;
}
EOF

cat >"$tmp/client.cc" <<'EOF'
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tcpcom.h>

int
main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	tcpcom_config cfg;
	tcpcom_config_init(&cfg);
	std::snprintf(cfg.server, sizeof cfg.server, "%s", "127.0.0.1");
	cfg.port = static_cast<uint16_t>(std::atoi(argv[1]));
	cfg.send_cycle_us = 20000;
	cfg.toggle_cycle_us = 40000;
	cfg.count = 10;
	char err[256];
	tcpcom *tc = tcpcom_new(&cfg, err, sizeof err);
	if (tc == nullptr || tcpcom_start(tc, err, sizeof err) != 0) {
		std::fprintf(stderr, "c++: %s\n", err);
		return 1;
	}
	if (!tcpcom_wait(tc, 5000000))
		std::fprintf(stderr, "c++: not done in 5 s\n");
	tcpcom_stop(tc);
	tcpcom_join(tc);
	tcpcom_stats st;
	tcpcom_get_stats(tc, &st);
	tcpcom_free(tc);
	std::printf("c++ %s: frames=%llu ok=%llu mismatches=%llu\n",
	    std::string(tcpcom_version()).c_str(),
	    static_cast<unsigned long long>(st.frames_sent),
	    static_cast<unsigned long long>(st.echoes_ok),
	    static_cast<unsigned long long>(st.mismatches));
	return st.frames_sent == 10 && st.echoes_ok >= 9 && st.mismatches == 0 ? 0 : 1;
}
EOF

export PKG_CONFIG_PATH="$lib/pkgconfig"
export PKG_CONFIG_LIBDIR="$lib/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$dest"
export PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1
export PKG_CONFIG_ALLOW_SYSTEM_LIBS=1
flags=$(pkg-config --cflags --libs tcpcom) || { echo "FAIL pkg-config tcpcom"; exit 1; }
echo "pkg-config: $flags"
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror $san -o "$tmp/client-c" "$tmp/client.c" $flags ||
	fail "the C program does not build"
# The static library, whose inner names are local: the program's own
# clock_now_us and log_msg do not clash with them.
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror $san -o "$tmp/client-static" "$tmp/client.c" \
    $(pkg-config --cflags tcpcom) "$lib/libtcpcom.a" -pthread -lm ||
	fail "the C program does not build with libtcpcom.a"
# shellcheck disable=SC2086
g++ -std=c++11 -Wall -Wextra -Werror $san -o "$tmp/client-cxx" "$tmp/client.cc" $flags ||
	fail "the C++ program does not build"

export LD_LIBRARY_PATH="$lib"
for prog in client-c client-cxx client-static; do
	[ -x "$tmp/$prog" ] || continue
	# The previous plcsim's "listening on" must not be read as this one's:
	# the shell may look before the new plcsim has truncated the file.
	rm -f "$tmp/sim.out"
	"$plcsim" serve --listen 127.0.0.1:0 >"$tmp/sim.out" 2>&1 &
	sim=$!
	i=0
	while ! grep -q '^listening on ' "$tmp/sim.out" && [ "$i" -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	port=$(sed -n '1s/^listening on .*://p' "$tmp/sim.out")
	if [ -z "$port" ]; then
		fail "$prog: plcsim did not listen"
		cat "$tmp/sim.out"
	else
		timeout 20 "$tmp/$prog" "$port"
		rc=$?
		[ "$rc" -eq 0 ] || fail "$prog: exit $rc"
		[ "$prog" = client-static ] ||
			ldd "$tmp/$prog" | grep -q "$lib/libtcpcom.so.1" ||
			fail "$prog: not run against the installed library"
	fi
	kill -TERM "$sim" 2>/dev/null
	wait "$sim" 2>/dev/null
	sim=""
done

env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$TOP" BUILD="$BUILD" \
    uninstall DESTDIR="$dest" PREFIX=/usr >/dev/null 2>&1 || fail "make uninstall"
# The default tcpcom.conf install put there is the operator's now: it stays.
conf="$dest/usr/etc/tcpcom/tcpcom.conf"
[ -f "$conf" ] || fail "make uninstall removed tcpcom.conf"
left=$(find "$dest" \( -type f -o -type l \) ! -path "$conf" | head -n 5)
[ -z "$left" ] || fail "make uninstall left: $left"
rm -f "$conf"

[ "$bad" -eq 0 ] || exit 1
echo "library: installed, linked from C and C++, tcpcom_* only"
