#!/bin/sh
# Installs the Debian packages the build and the tests need, if any is
# missing. Called by the Makefile before building; safe to run repeatedly.
# With --check it only reports what is missing and exits non-zero.
set -e

# clang and libclang-rt-dev (its sanitizer and libFuzzer runtimes, which
# clang only recommends): make check's bounded libFuzzer runs. openssl and
# gnutls-bin (gnutls-cli, certtool): t0027's TLS clients of every version.
# systemd (systemd-analyze verify), groff-base and man-db (the man pages
# render without warnings): t0050. faketime: t0047's clock years behind.
PKGS="build-essential pkg-config sqlite3 libsqlite3-dev libjansson-dev
libzstd-dev zstd libcurl4-openssl-dev libmicrohttpd-dev libgnutls28-dev
libsodium-dev libinih-dev libcmocka-dev util-linux python3 curl
clang libclang-rt-dev faketime openssl gnutls-bin systemd groff-base man-db"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0
if [ "$1" = "--check" ]; then
	echo "missing packages:$missing" >&2
	exit 1
fi

echo "deps: installing$missing" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo -n"
	else
		echo "deps: error: not root and no sudo; install:$missing" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq </dev/null >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing </dev/null >&2
