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
# gettext (xgettext, msgfmt, msgmerge, msgattrib): the catalogues in po/,
# which make compiles and t0075 checks. locales, and the zh_CN.UTF-8
# locale generated from it: the programs in Chinese (t0075). chromium,
# nodejs and npm: the station console in a real browser (tests/browser/,
# playwright-core from its package-lock.json, driving this chromium), and
# fonts-wqy-microhei so that its pages and screenshots show Chinese (the
# console downloads no font).
# libxlsxwriter-dev: report --xlsx; python3-openpyxl reads it back (t0079).
# libssl-dev: the agent keeps its TLS sessions through OpenSSL (agent/net.c).
# libpq-dev: the server's PostgreSQL store (server/store-pg.c); postgresql:
# the throwaway servers the tests start (tests/tools/pg.sh), and pg_dump
# and pg_restore, which the store's backup runs.
# libvips-dev: photos reduced on the station before upload (agent/photo.c);
# libvips-tools (which libvips-dev only recommends): its vips and
# vipsheader commands make and read the test photos of t0088, t0093 and
# the browser suite.
PKGS="build-essential pkg-config sqlite3 libsqlite3-dev libjansson-dev
libzstd-dev zstd libcurl4-openssl-dev libmicrohttpd-dev libgnutls28-dev
libsodium-dev libinih-dev libcmocka-dev util-linux python3 curl
clang libclang-rt-dev faketime openssl gnutls-bin systemd groff-base man-db
gettext locales libxlsxwriter-dev python3-openpyxl chromium nodejs npm
fonts-wqy-microhei libssl-dev libpq-dev postgresql libvips-dev libvips-tools"
# The locales the tests run under (locale -a spells them zh_CN.utf8).
LOCALES="zh_CN.UTF-8"

have_locale() { # name, as in /etc/locale.gen
	want=$(echo "$1" | tr 'A-Z' 'a-z' | sed 's/-//g')
	locale -a 2>/dev/null | tr 'A-Z' 'a-z' | sed 's/-//g' | grep -qx "$want"
}

# A package some machines get elsewhere (nodejs from NodeSource, which
# bundles npm and conflicts with Debian's npm) counts as there when its
# command is.
provided() { # package
	case $1 in
	nodejs) command -v node >/dev/null 2>&1 ;;
	npm | chromium) command -v "$1" >/dev/null 2>&1 ;;
	*) return 1 ;;
	esac
}

missing=""
for p in $PKGS; do
	provided "$p" && continue
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done

missing_locales=""
for l in $LOCALES; do
	have_locale "$l" || missing_locales="$missing_locales $l"
done

[ -z "$missing" ] && [ -z "$missing_locales" ] && exit 0
if [ "${1:-}" = "--check" ]; then
	[ -n "$missing" ] && echo "missing packages:$missing" >&2
	[ -n "$missing_locales" ] && echo "missing locales:$missing_locales" >&2
	exit 1
fi

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
if [ -n "$missing" ]; then
	echo "deps: installing$missing" >&2
	$SUDO apt-get update -qq </dev/null >&2
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing </dev/null >&2
fi

# A locale is generated from the locales package's sources: enabled in
# /etc/locale.gen (so that a later locale-gen keeps it), then compiled.
if [ -n "$missing_locales" ]; then
	echo "deps: generating locales$missing_locales" >&2
	for l in $missing_locales; do
		if [ -f /etc/locale.gen ] && ! grep -q "^$l UTF-8" /etc/locale.gen; then
			if grep -q "^# *$l UTF-8" /etc/locale.gen; then
				$SUDO sed -i "s/^# *$l UTF-8/$l UTF-8/" /etc/locale.gen
			else
				echo "$l UTF-8" | $SUDO tee -a /etc/locale.gen >/dev/null
			fi
		fi
	done
	if command -v locale-gen >/dev/null 2>&1 && [ -f /etc/locale.gen ]; then
		$SUDO locale-gen >&2
	else
		for l in $missing_locales; do
			$SUDO localedef -i "${l%%.*}" -c -f UTF-8 "$l" >&2
		done
	fi
fi
