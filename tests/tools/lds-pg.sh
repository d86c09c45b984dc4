#!/bin/sh
# liandong-server ($LDS_REAL) with every 'init' put on a new database of
# the PostgreSQL server LIANDONG_TEST_PG names (init --store), its name
# added to $SCRATCH/.pg-dbs for lib.sh to drop; any other command as it
# is. Set up by tests/integration/lib.sh when LIANDONG_TEST_PG is set.
case " $* " in
*" init "*)
	case " $* " in *" --store "*) ;; *)
		db=ld_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
		psql -X -q -v ON_ERROR_STOP=1 "$LIANDONG_TEST_PG" \
			-c "CREATE DATABASE $db" >&2 || exit 6
		echo "$db" >>"$SCRATCH/.pg-dbs"
		exec "$LDS_REAL" "$@" --store "${LIANDONG_TEST_PG%/*}/$db"
	esac ;;
esac
exec "$LDS_REAL" "$@"
