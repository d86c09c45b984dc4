#!/bin/sh
# A throwaway PostgreSQL for the tests, from Debian's binaries
# (/usr/lib/postgresql/<version>/bin), on 127.0.0.1 at a free port, its
# socket and data in a directory of its own, run by an unprivileged user:
# initdb refuses root, so as root (CI) the server runs as LIANDONG_PG_USER
# (default postgres) and the directory is handed to it.
#
#   tests/tools/pg.sh start DIR    makes DIR (or takes it empty), starts the
#                                  server, prints its admin URL
#                                  (postgresql://liandong@127.0.0.1:PORT/postgres,
#                                  trust authentication on loopback only)
#   tests/tools/pg.sh restart DIR  stops it at once (as a crash would) and
#                                  starts it again on the same port
#   tests/tools/pg.sh halt DIR     stops it at once (as a crash would),
#                                  keeping DIR: restart starts it again
#   tests/tools/pg.sh stop DIR     stops it at once and removes DIR
#   tests/tools/pg.sh bindir       prints the binaries' directory, or
#                                  fails when PostgreSQL is not installed
set -u

bindir() {
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
	done
	return 1
}

# Runs a command as the server's user (as ourselves when not root).
as_user() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "${LIANDONG_PG_USER:-postgres}" -- "$@"
	else
		"$@"
	fi
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() { # dir
	dir=$1
	bin=$(bindir) || { echo "pg.sh: no PostgreSQL binaries in /usr/lib/postgresql" >&2; return 1; }
	mkdir -p "$dir" && [ -z "$(ls -A "$dir")" ] || { echo "pg.sh: $dir is not a new empty directory" >&2; return 1; }
	chmod 0700 "$dir"
	[ "$(id -u)" -eq 0 ] && chown "${LIANDONG_PG_USER:-postgres}" "$dir"
	as_user "$bin/initdb" -D "$dir/data" -U liandong --auth=trust \
		--encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; return 1; }
	tries=0
	while [ $tries -lt 5 ]; do
		port=$(free_port)
		if as_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
			-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
			start >/dev/null 2>&1; then
			echo "$port" >"$dir/port"
			echo "postgresql://liandong@127.0.0.1:$port/postgres"
			return 0
		fi
		tries=$((tries + 1))
	done
	cat "$dir/server.log" >&2
	return 1
}

restart() { # dir
	dir=$1
	bin=$(bindir) || return 1
	# restart starts it with the options it was started with.
	as_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m immediate \
		-w -t 60 restart >/dev/null 2>&1
}

halt() { # dir
	bin=$(bindir) || return 1
	as_user "$bin/pg_ctl" -D "$1/data" -m immediate -w stop >/dev/null 2>&1
}

stop() { # dir
	dir=$1
	[ -d "$dir" ] || return 0
	if [ -f "$dir/data/postmaster.pid" ] && bin=$(bindir); then
		as_user "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
	fi
	rm -rf "$dir"
}

case "${1:-}" in
start) start "$2" ;;
restart) restart "$2" ;;
halt) halt "$2" ;;
stop) stop "$2" ;;
bindir) bindir ;;
*) echo "usage: pg.sh start DIR | restart DIR | halt DIR | stop DIR | bindir" >&2; exit 2 ;;
esac
