#!/bin/sh
# server-sql.sh QUERY: the rows of one query on the database of the
# server in $LIANDONG_SERVER_DIR, whichever backend its server.conf's db
# names: SQLite's file through sqlite3, or PostgreSQL through psql
# (columns |-separated, as sqlite3's). String literals may be in double
# quotes, as SQLite takes them: for PostgreSQL they are made single ones
# (so no double-quoted identifier). lib.sh's server_sql, for the scripts'
# own Python too.
db=$(sed -n 's/^db *= *//p' "$LIANDONG_SERVER_DIR/server.conf")
case "$db" in
postgresql://* | postgres://*)
	exec psql -X -q -A -t -v ON_ERROR_STOP=1 "$db" \
		-c "$(printf '%s' "$1" | tr '"' "'")" ;;
/*) exec sqlite3 "$db" "$1" ;;
*) exec sqlite3 "$LIANDONG_SERVER_DIR/${db:-server.db}" "$1" ;;
esac
