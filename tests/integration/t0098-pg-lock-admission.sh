#!/bin/sh
# A table of the county's PostgreSQL locked outright (VACUUM FULL by
# `liandong-server compact`, a migration by an instance of a newer release
# starting, an administrator's LOCK TABLE) must not stall the server's
# front door: a request's token is read before its body (api_admit), on
# one connection all of MHD's threads share, and each read waited the
# store's whole lock wait (5 s) before it failed, one after the other, so
# that ten stations at once waited up to 50 s, and no handshake of their
# threads went on meanwhile. Admission now waits at most a quarter of a
# second for a lock: every request is answered 503 with Retry-After at
# once, and the stations sync as soon as the lock is gone.
# backends: postgresql — starts a PostgreSQL of its own to lock its tables
. "$(dirname "$0")/lib.sh"

pg_needed 5

pg_start
psql_q "$ADMIN" -c "CREATE DATABASE county" &&
"$LDS" init --county 测试县 --listen 127.0.0.1:0 --store "$STORE" >"$SCRATCH/init.out" 2>&1
start_server
for i in 1 2 3 4 5 6 7 8 9 10; do add_station s$i 龙羊峡镇; done
CA="$LIANDONG_SERVER_DIR/ca.pem"

# status NAME: GET /v1/status with NAME's token; prints the status code,
# the answer's headers in NAME.headers.
status() {
	curl -s --cacert "$CA" -H "Authorization: Bearer $(cat "$SCRATCH/$1.db.token")" \
		-o /dev/null -D "$SCRATCH/$1.headers" -w "%{http_code}" \
		--max-time 60 "$SERVER_URL/v1/status"
}

test_expect_success 'with nothing locked, each station is answered 200' '
	for i in 1 2 3 4 5 6 7 8 9 10; do
		test "$(status s$i)" = 200 || exit 1
	done
'

# The lock: held by a psql of its own for 90 s at most (its transaction
# sleeps), released by ending its backend (PostgreSQL does not see the
# client gone while it sleeps).
locked() {
	test "$(psql_q "$STORE" -c "SELECT count(*) FROM pg_locks
		WHERE mode = 'AccessExclusiveLock'
		AND relation = 'stations'::regclass")" = 1
}
psql_q "$STORE" -c "BEGIN; LOCK TABLE stations IN ACCESS EXCLUSIVE MODE;
	SELECT pg_sleep(90); COMMIT" >/dev/null 2>&1 &
LOCKER=$!
unlock() {
	psql_q "$STORE" -c "SELECT count(pg_terminate_backend(pid))
		FROM pg_stat_activity WHERE query LIKE '%pg_sleep(90)%'
		AND pid <> pg_backend_pid()" >/dev/null
	wait "$LOCKER" 2>/dev/null
}
test_when_finished "kill $LOCKER 2>/dev/null"
wait_for 10 locked || echo "# the lock was not seen taken"

test_expect_success 'ten stations at once while the stations table is locked: each 503 with Retry-After within seconds, and a new connection meanwhile is answered' '
	t0=$(date +%s) &&
	for i in 1 2 3 4 5 6 7 8 9 10; do
		status s$i >"s$i.code" &
	done &&
	sleep 0.5 &&
	curl -s --cacert "$CA" -o /dev/null -w "%{http_code} %{time_total}" \
		--max-time 60 "$SERVER_URL/v1/nothing" >other &&
	wait &&
	t1=$(date +%s) &&
	echo "# ten answers in $((t1 - t0)) s:" $(cat s*.code) &&
	echo "# meanwhile a new connection to no endpoint: $(cat other) s" &&
	test "$(cut -d" " -f1 other)" = 404 &&
	test "$(cut -d" " -f2 other | cut -d. -f1)" -lt 5 &&
	for i in 1 2 3 4 5 6 7 8 9 10; do
		test "$(cat s$i.code)" = 503 &&
		grep -qi "^Retry-After: [0-9]" "$SCRATCH/s$i.headers" || exit 1
	done &&
	test $((t1 - t0)) -le 10
'

test_expect_code 7 'a station that syncs meanwhile is told to come back (exit 7)' '
	on s1 liaison log --type contact --summary 锁表期间 >/dev/null || exit 1
	# Its waits (Retry-After 2-4 s, up to ten) kept within the lock.
	(export LIANDONG_TEST_BUSY_WAIT=8; on s1 sync >sync.out 2>&1)
'

test_expect_success 'the lock was held through the checks above' 'locked'

unlock

test_expect_success 'once the lock is gone, the stations sync' '
	on s1 sync >/dev/null &&
	converged s1 龙羊峡镇 &&
	test_grep 锁表期间 "$SCRATCH/s1.server.dump" &&
	test "$(status s2)" = 200
'

test_done
