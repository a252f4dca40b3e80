#!/bin/sh
# Install the Debian packages tcpcom builds and tests with. Idempotent: does
# nothing when every package is already installed. Uses sudo when not root.
set -eu

PACKAGES="build-essential pkg-config libevent-dev libyaml-dev libcmocka-dev gcovr python3 python3-jsonschema python3-yaml python3-prometheus-client procps iproute2"
# tests/e2e/test_service.sh: systemd-analyze verify (offline, no running
# systemd needed).
PACKAGES="$PACKAGES systemd"
# plcsim's HTML report: SHA-256 from libcrypto; tests/e2e/test_html_report.py
# renders the report in headless Chromium.
PACKAGES="$PACKAGES libssl-dev chromium"
# tests/e2e/test_client_syscalls.sh: the client's system calls per frame.
PACKAGES="$PACKAGES strace"
# make fuzz: clang, and libFuzzer's runtime (not pulled in by clang itself).
PACKAGES="$PACKAGES clang libclang-rt-dev"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "deps: need root or sudo to install:$missing" >&2
	exit 1
fi

echo "deps: installing:$missing"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
