#!/bin/sh
# A server with more requests than it can answer in time says so: a whole
# request that waited for its turn longer than queue_wait (server.conf) is
# answered 503 with Retry-After instead of being left to its client's
# timeout, and the agent waits that long and sends it again, in the same
# run. Here the server's database is held locked by another process, so
# that its handlers (4) wait and the requests behind them queue: SQLite's
# write lock (sqlite3), or on PostgreSQL the table of the stations and
# meta locked in EXCLUSIVE mode (psql), which like SQLite's lock lets
# reads by (a request's token is checked before it queues) and holds up
# writes and row locks (a sync locks its station's row); the store
# waits LIANDONG_BUSY_TIMEOUT_MS for a lock on either.
. "$(dirname "$0")/lib.sh"
test_plan 6

"$LDS" init --county 测试县 --listen 127.0.0.1:0 >"$SCRATCH/init.out" || exit 1
sed -i 's/^queue_wait = .*/queue_wait = 1/' "$LIANDONG_SERVER_DIR/server.conf"
# The server's handlers wait for the lock rather than fail at once.
export LIANDONG_BUSY_TIMEOUT_MS=30000
start_server || exit 1
unset LIANDONG_BUSY_TIMEOUT_MS
for i in 1 2 3 4 5 6 7; do
	add_station "st$i" 龙羊峡镇 || exit 1
done

test_expect_success 'queue_wait is a key of server.conf, above 0' '
	grep -q "^queue_wait = 1$" "$LIANDONG_SERVER_DIR/server.conf" &&
	cp "$LIANDONG_SERVER_DIR/server.conf" saved.conf &&
	sed -i "s/^queue_wait = .*/queue_wait = 0/" "$LIANDONG_SERVER_DIR/server.conf" &&
	test_must_fail "$LDS" serve --port-file p0 2>err &&
	cp saved.conf "$LIANDONG_SERVER_DIR/server.conf" &&
	test_grep "queue_wait" err
'

# Holds the server database's write lock from another process (fifo).
mkfifo lockctl
DB=$(sed -n 's/^db *= *//p' "$LIANDONG_SERVER_DIR/server.conf")
if server_on_pg; then
	psql -X -q "$DB" <lockctl >/dev/null 2>&1 &
else
	sqlite3 "$LIANDONG_SERVER_DIR/server.db" <lockctl >/dev/null 2>&1 &
fi
locker=$!
exec 3>lockctl
test_when_finished "kill $locker 2>/dev/null"
if server_on_pg; then
	echo "BEGIN; LOCK TABLE stations, meta IN EXCLUSIVE MODE;" >&3
else
	echo ".timeout 5000" >&3
	echo "BEGIN IMMEDIATE; INSERT INTO meta VALUES('hold','1');" >&3
fi
# locked: true when another process cannot write the server's database.
locked() {
	if server_on_pg; then
		! psql -X -q "$DB" -c "SET lock_timeout = 1" \
			-c "SELECT 1 FROM stations FOR UPDATE" >/dev/null 2>&1
	else
		! sqlite3 -cmd ".timeout 0" "$LIANDONG_SERVER_DIR/server.db" \
			"BEGIN IMMEDIATE; ROLLBACK;" 2>/dev/null
	fi
}

test_expect_success 'another process holds the server database locked' '
	wait_for 5 locked
'

# Seven stations sync at once: four handlers wait on the database, the
# others queue behind them past queue_wait.
for i in 1 2 3 4 5 6 7; do
	("$LD" sync --db "$SCRATCH/st$i.db" >"sync$i.out" 2>"sync$i.err"
	echo $? >"sync$i.rc") &
done
# The lock is let go after 3 s (a bounded wait on the clock: nothing the
# server shows tells that its queue has waited past queue_wait).
t_end=$(($(date +%s) + 3))

test_expect_success 'the dashboard'"'"'s built-in files are answered meanwhile, not queued behind the syncs' '
	t_mid=$(($(date +%s) + 1)) &&
	wait_for 5 "[ \$(date +%s) -ge $t_mid ]" &&
	curl -sS --cacert "$LIANDONG_SERVER_DIR/ca.pem" -o app.js \
		-w "%{http_code}" "$SERVER_URL/dash/app.js" >code &&
	test "$(cat code)" = 200 && cmp app.js "$TOP/server/dash/app.js" &&
	test "$(date +%s)" -lt "$t_end"
'
wait_for 10 "[ \$(date +%s) -ge $t_end ]"
echo "ROLLBACK;" >&3
exec 3>&-

test_expect_success 'every sync completes once the database is free' '
	wait_for 90 "[ \$(cat sync?.rc 2>/dev/null | wc -l) -eq 7 ]" &&
	test "$(cat sync?.rc | sort -u)" = 0
'

test_expect_success 'the server answered 503 with Retry-After, and the agent waited and sent again' '
	test_grep "event=busy status=503" "$SCRATCH/server.log" &&
	cat sync*.err >all.err &&
	test_grep "event=busy status=503 retry_after=[1-9]" all.err
'

test_expect_success 'an idle server answers at once' '
	"$LD" sync --db "$SCRATCH/st1.db" >out 2>err &&
	! grep -q "event=busy" err
'

test_done
