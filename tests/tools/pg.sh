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
#   tests/tools/pg.sh start DIR sync   the same, with synchronous_commit on
#                                  (else off: faster, and nothing is lost
#                                  but at an OS crash), as a primary whose
#                                  standby must hold what it acknowledged
#   tests/tools/pg.sh standby PRIMARY DIR  a hot standby of the server in
#                                  directory PRIMARY (started with sync),
#                                  made by pg_basebackup -R in DIR (new or
#                                  empty) and streaming from it on another
#                                  port; the primary made to wait for it at
#                                  each commit (synchronous_standby_names);
#                                  prints its admin URL once it is in sync
#   tests/tools/pg.sh promote DIR  promotes the standby in DIR (pg_ctl
#                                  promote): it takes writes from then on
#   tests/tools/pg.sh port DIR     prints the server's port
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

# new_dir DIR: DIR made, or taken empty, mode 0700, the server user's.
new_dir() {
	mkdir -p "$1" && [ -z "$(ls -A "$1")" ] || { echo "pg.sh: $1 is not a new empty directory" >&2; return 1; }
	chmod 0700 "$1"
	[ "$(id -u)" -eq 0 ] && chown "${LIANDONG_PG_USER:-postgres}" "$1"
	return 0
}

# launch DIR [sync]: starts the server of DIR/data on a free port of
# 127.0.0.1, its socket in DIR; prints its admin URL.
launch() {
	dir=$1
	commit=" -c synchronous_commit=off"
	[ "${2:-}" = sync ] && commit=""
	tries=0
	while [ $tries -lt 5 ]; do
		port=$(free_port)
		if as_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
			-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off$commit -c full_page_writes=off -c max_connections=200" \
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

start() { # dir [sync]
	dir=$1
	bin=$(bindir) || { echo "pg.sh: no PostgreSQL binaries in /usr/lib/postgresql" >&2; return 1; }
	new_dir "$dir" || return 1
	as_user "$bin/initdb" -D "$dir/data" -U liandong --auth=trust \
		--encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; return 1; }
	launch "$dir" "${2:-}"
}

# The standby: initdb's pg_hba.conf (trust) already lets replication
# connections in from 127.0.0.1, and wal_level is replica by default.
standby() { # primary-dir dir
	bin=$(bindir) || { echo "pg.sh: no PostgreSQL binaries in /usr/lib/postgresql" >&2; return 1; }
	primary="postgresql://liandong@127.0.0.1:$(cat "$1/port")/postgres"
	new_dir "$2" || return 1
	as_user "$bin/pg_basebackup" -d "$primary" -D "$2/data" -R -X stream \
		-c fast >"$2/basebackup.log" 2>&1 ||
		{ cat "$2/basebackup.log" >&2; return 1; }
	url=$(launch "$2" sync) || return 1
	"$bin/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$primary" \
		-c "ALTER SYSTEM SET synchronous_standby_names = '*'" \
		-c "SELECT pg_reload_conf()" >/dev/null || return 1
	tries=0
	until [ "$("$bin/psql" -X -q -A -t "$primary" \
		-c "SELECT sync_state FROM pg_stat_replication" 2>/dev/null)" = sync ]; do
		tries=$((tries + 1))
		[ $tries -le 300 ] || { echo "pg.sh: the standby is not in sync after 30 s" >&2; return 1; }
		sleep 0.1
	done
	echo "$url"
}

promote() { # dir
	bin=$(bindir) || return 1
	as_user "$bin/pg_ctl" -D "$1/data" -w -t 60 promote >/dev/null 2>&1
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
start) start "$2" "${3:-}" ;;
standby) standby "$2" "$3" ;;
promote) promote "$2" ;;
port) cat "$2/port" ;;
restart) restart "$2" ;;
halt) halt "$2" ;;
stop) stop "$2" ;;
bindir) bindir ;;
*) echo "usage: pg.sh start DIR [sync] | standby PRIMARY DIR | promote DIR | port DIR | restart DIR | halt DIR | stop DIR | bindir" >&2; exit 2 ;;
esac
