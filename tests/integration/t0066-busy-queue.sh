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
test_plan 12

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

# The agent's bounds (common/proto.h): a busy server's 503 with
# Retry-After is waited out at most 10 times and 300 s for one request.
# A front in place of the server (the county's certificate and key, so
# that the stations trust it) answers the first COUNT connections 503
# with Retry-After: RA (none when RA is 0), then, when COUNT is not -1
# (always), passes the others through to the server; a line in front.log
# for each 503.
cat >busyfront.py <<'EOF'
import os, socket, ssl, sys, threading, time
cert, key, to, port_file, count, ra = sys.argv[1:7]
left, ra = int(count), int(ra)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(64)
with open(port_file + ".tmp", "w") as f:
    f.write(str(ls.getsockname()[1]))
os.rename(port_file + ".tmp", port_file)

def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    try:
        b.shutdown(socket.SHUT_WR)
    except OSError:
        pass

def busy(c):
    try:
        t = ctx.wrap_socket(c, server_side=True)
        buf = b""
        while b"\r\n\r\n" not in buf:
            d = t.recv(65536)
            if not d:
                return
            buf += d
        head, body = buf.split(b"\r\n\r\n", 1)
        n = 0
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                n = int(v)
        while len(body) < n:
            d = t.recv(65536)
            if not d:
                return
            body += d
        msg = b'{"status":503,"error":"the server is busy","time":%d}' % \
            int(time.time() * 1000)
        hdr = b"HTTP/1.1 503 Service Unavailable\r\n"
        if ra > 0:
            hdr += b"Retry-After: %d\r\n" % ra
        hdr += b"Content-Type: application/json\r\nContent-Length: %d\r\n" \
            b"Connection: close\r\n\r\n" % len(msg)
        # Counted before it is sent: the agent may end, and the test
        # read front.log, as soon as it has the answer.
        with open("front.log", "a") as f:
            f.write("503\n")
        t.sendall(hdr + msg)
        t.close()
    except (OSError, ssl.SSLError):
        pass

while True:
    c, _ = ls.accept()
    if left != 0:
        left -= 1 if left > 0 else 0
        threading.Thread(target=busy, args=(c,), daemon=True).start()
    else:
        s = socket.create_connection(("127.0.0.1", int(to)))
        threading.Thread(target=pipe, args=(c, s), daemon=True).start()
        threading.Thread(target=pipe, args=(s, c), daemon=True).start()
EOF

# front STATION COUNT RA: a new front (the last one stopped), STATION
# pointed at it; front.log emptied. Each test runs in a subshell: the
# pids are kept in files.
front() {
	[ ! -s front.pid ] || kill "$(cat front.pid)" 2>/dev/null
	rm -f front.port
	: >front.log
	python3 busyfront.py "$LIANDONG_SERVER_DIR/server.pem" \
		"$LIANDONG_SERVER_DIR/server-key.pem" "$SERVER_PORT" front.port \
		"$2" "$3" 2>>front.err &
	echo $! >front.pid
	wait_for 10 "[ -s front.port ]" &&
	point "$1" "https://127.0.0.1:$(cat front.port)"
}
test_when_finished "[ ! -s \"$SCRATCH/front.pid\" ] || kill \$(cat \"$SCRATCH/front.pid\") 2>/dev/null"
test_when_finished "[ ! -s \"$SCRATCH/daemon.pid\" ] || kill \$(cat \"$SCRATCH/daemon.pid\") 2>/dev/null"
busy_told() { test "$(wc -l <front.log)" = "$1"; }

test_expect_success 'told busy ten times for one request (Retry-After: 1), the agent waits each out and the eleventh try goes through' '
	front st2 10 1 &&
	"$LD" sync --db "$SCRATCH/st2.db" >out 2>err &&
	busy_told 10 && test "$(grep -c "event=busy status=503" err)" = 10 &&
	test_grep "event=busy status=503 retry_after=1 try=10 of=10" err &&
	test_grep "^synced:" out
'

test_expect_code 7 'told busy an eleventh time, the agent gives up: the 503 is the answer (exit 7)' '
	front st3 -1 1 &&
	"$LD" sync --db "$SCRATCH/st3.db" >out 2>err
	rc=$? &&
	busy_told 11 && test "$(grep -c "event=busy status=503" err)" = 10 &&
	test_grep "event=busy-over tries=10 waited=10 stopped=0" err &&
	test_grep "(503)" err &&
	exit $rc
'

test_expect_code 7 'past the seconds waited (LIANDONG_TEST_BUSY_WAIT, 300 but in tests) the 503 is the answer too' '
	front st4 -1 2 &&
	LIANDONG_TEST_BUSY_WAIT=5 "$LD" sync --db "$SCRATCH/st4.db" >out 2>err
	rc=$? &&
	busy_told 3 && test_grep "event=busy-over tries=2 waited=4 stopped=0" err &&
	exit $rc
'

test_expect_code 7 'a 503 without Retry-After (the disk full or failing) is the answer at once' '
	front st5 -1 0 &&
	"$LD" sync --db "$SCRATCH/st5.db" >out 2>err
	rc=$? &&
	busy_told 1 && ! grep -q "event=busy" err && test_grep "(503)" err &&
	exit $rc
'

test_expect_success 'at a terminal, each wait is said in words instead of a log line' '
	front st6 2 1 &&
	script -qec "\"$LD\" sync --db \"$SCRATCH/st6.db\"" /dev/null >tty.out </dev/null &&
	busy_told 2 &&
	test_grep "county server busy: trying again in 1 s (1 of 10)" tty.out &&
	test_grep "county server busy: trying again in 1 s (2 of 10)" tty.out &&
	! grep -q "event=busy" tty.out && test_grep "synced:" tty.out &&
	front st6 -1 1 &&
	! script -qec "LIANDONG_TEST_BUSY_WAIT=1 \"$LD\" sync --db \"$SCRATCH/st6.db\"" \
		/dev/null >tty2.out </dev/null &&
	busy_told 2 && test_grep "trying again in 1 s (1 of 10)" tty2.out &&
	test_grep "county server still busy: giving up for now" tty2.out &&
	! grep -q "event=busy" tty2.out && test_grep "(503)" tty2.out
'

test_expect_success 'the daemon told to stop (SIGTERM) while it waits out a busy server stops at once' '
	front st7 -1 25 &&
	{ "$LD" daemon --db "$SCRATCH/st7.db" --interval 1h >daemon.out 2>daemon.err & } &&
	dpid=$! && echo $dpid >daemon.pid &&
	wait_for 10 "grep -q event=busy daemon.err" &&
	kill -TERM $dpid && wait_for 3 "gone $dpid" &&
	busy_told 1 && test_grep "event=busy-over tries=1 waited=0 stopped=1" daemon.err
'

test_done
