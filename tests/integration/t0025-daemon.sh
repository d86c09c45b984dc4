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

# The backoff (agent/cmd-sync.c, docs/protocol.md "Retries"): after the
# n-th failure in a row the daemon waits a random half to whole of 5 s
# doubled n-1 times, at most --max-backoff. With a cap of 12 s the waits
# after failures 1-4 fall in [2,5], [5,10], [6,12] and [6,12] s (whole
# seconds, rounded down): the third is longer than any first can be, and
# the fourth, which would be 20-40 s uncapped, is held under the cap. The
# times between the attempts in the log are the waits announced.
BACKOFF_CAP=12
stop_server
LIANDONG_DB="$SCRATCH/lyx.db" "$LD" daemon --interval 1h \
	--max-backoff ${BACKOFF_CAP}s 2>backoff.log &
daemon2=$!
test_when_finished "kill $daemon2 2>/dev/null"

# backoff_ok LOG CAP: the first four failures' waits are in their windows,
# and each was waited (the next attempt came that long after, give or
# take the attempt itself).
backoff_ok() {
	python3 - "$@" <<-\EOF
	import datetime, re, sys
	log, cap = sys.argv[1], int(sys.argv[2])
	rows = []
	for line in open(log, encoding="utf-8"):
	    m = re.match(r"ts=(\S+) .*event=sync-failed failures=(\d+) .*retry_in=(\d+)", line)
	    if m:
	        t = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%fZ")
	        rows.append((t, int(m.group(2)), int(m.group(3))))
	rows = rows[:4]
	assert [r[1] for r in rows] == [1, 2, 3, 4], rows
	for i, (t, n, wait) in enumerate(rows):
	    top = min(5 * 2 ** (n - 1), cap)
	    low = max(1, top // 2)
	    print("failure %d: retry_in=%d s, window [%d, %d]" % (n, wait, low, top),
	          end="")
	    assert low <= wait <= top, "retry_in %d outside [%d, %d]" % (wait, low, top)
	    if i + 1 < len(rows):
	        gap = (rows[i + 1][0] - t).total_seconds()
	        print(", next attempt %.1f s later" % gap, end="")
	        assert wait - 0.2 <= gap <= wait + 3, "waited %.1f s, not %d" % (gap, wait)
	    print()
	EOF
}

test_expect_success 'with the server away the daemon backs off, doubling with jitter, up to the cap' '
	wait_for 45 "test \$(grep -c event=sync-failed backoff.log) -ge 4" &&
	backoff_ok backoff.log $BACKOFF_CAP
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
