#!/bin/sh
# liandong daemon: periodic sync, at once for an urgent event, backoff
# with jitter when the server is away, clean stop; and anti-entropy when a
# station's cursor cannot be trusted.
. "$(dirname "$0")/lib.sh"
test_plan 9

unset LIANDONG_NOW # the daemon's waits use the real clock
start_server --listen "127.0.0.1:0"
add_station lyx 龙羊峡镇
add_station bureau 县综合行政执法局 bureau

events_on_server() { # station
	"$LDS" station list --json | python3 -c "
import json,sys
print([s[\"events\"] for s in json.load(sys.stdin)[\"stations\"] if s[\"station\"] == \"$1\"][0])"
}

LIANDONG_DB="$SCRATCH/lyx.db" "$LD" daemon --interval 1h 2>daemon.log &
daemon=$!
test_when_finished "kill $daemon 2>/dev/null"

test_expect_success 'the daemon syncs once at start' '
	wait_for 10 "grep -q event=sync daemon.log"
'

test_expect_success 'a normal event waits for the interval' '
	on lyx liaison log --type contact --summary 联络 >/dev/null &&
	sleep 2 && test "$(events_on_server lyx)" = 0
'

test_expect_success 'an urgent event is synced at once, with what was waiting' '
	on lyx case open --source patrol --category 违法建设 --location 查纳村 \
		--description 正在施工 --urgent >/dev/null &&
	wait_for 10 "test \"\$(events_on_server lyx)\" = 2" &&
	test_grep "event=urgent-sync" daemon.log
'

test_expect_success 'the daemon stops cleanly on SIGTERM' '
	kill -TERM $daemon && wait_for 10 "! kill -0 $daemon 2>/dev/null" &&
	test_grep "event=daemon-stop" daemon.log
'

stop_server
LIANDONG_DB="$SCRATCH/lyx.db" "$LD" daemon --interval 1h --max-backoff 4s \
	2>backoff.log &
daemon2=$!
test_when_finished "kill $daemon2 2>/dev/null"

test_expect_success 'with the server away the daemon backs off, with jitter, up to the cap' '
	wait_for 30 "test \$(grep -c event=sync-failed backoff.log) -ge 4" &&
	sed -n "s/.*retry_in=\([0-9]*\).*/\1/p" backoff.log >waits &&
	test "$(sort -n waits | tail -n 1)" -le 6 &&
	test "$(head -n 1 waits)" -le 7
'

test_expect_success 'status shows the last error and that the server is unreachable' '
	on lyx status >st &&
	test_grep "last error: *cannot reach" st &&
	test_grep "unreachable now" st
'

kill $daemon2 2>/dev/null
wait $daemon2 2>/dev/null
start_server --listen "127.0.0.1:$SERVER_PORT"

test_expect_success 'sync works again when the server is back' '
	on lyx sync >/dev/null && on bureau sync >/dev/null
'

test_expect_success 'a station whose cursor is wrong repairs itself by digest' '
	sqlite3 bureau.db "UPDATE meta SET value=\"999999\" WHERE key=\"cursor\"" &&
	on lyx case open --source patrol --category 违法建设 --location 查纳村 \
		--description 第二起 >c2 &&
	on lyx referral send "$(cat c2)" --to 县综合行政执法局 --letter 移送函 --source-material 检查笔录 --evidence 照片 >r2 &&
	on lyx sync >/dev/null &&
	on bureau sync --json >repair.json &&
	test_grep "\"repaired\": true" repair.json &&
	on bureau referral show "$(cat r2)" >/dev/null &&
	converged bureau 县综合行政执法局
'

# The server's database restored from an older backup: it holds fewer of
# the station's events than it once acknowledged.
stop_server
cp -r "$LIANDONG_SERVER_DIR" county.backup
start_server --listen "127.0.0.1:$SERVER_PORT"
on lyx liaison log --type contact --summary 备份之后一 >/dev/null
on lyx liaison log --type contact --summary 备份之后二 >/dev/null
on lyx sync >/dev/null
stop_server
rm -rf "$LIANDONG_SERVER_DIR" && mv county.backup "$LIANDONG_SERVER_DIR"
start_server --listen "127.0.0.1:$SERVER_PORT"

test_expect_success 'after a server restore the station re-sends what the server lost' '
	on lyx liaison log --type contact --summary 恢复之后 >/dev/null &&
	on lyx sync >/dev/null &&
	on lyx status --json >st.json &&
	test "$(events_on_server lyx)" = "$(jv st.json d.events)" &&
	test "$(jv st.json d.pending)" = 0 && converged lyx 龙羊峡镇
'

test_done
