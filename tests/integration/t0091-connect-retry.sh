#!/bin/sh
# A connection whose TLS handshake times out (the server accepted it but
# is too busy to answer) is tried again within the same sync, after a
# random pause that grows each time (agent/net.c, net_request): the sync
# completes when a later try gets through, and gives up with exit 7 and
# how many tries it made after the bound (3 more tries). The pauses are
# random, so that stations turned away together do not return together;
# a refused connection (no server: the normal offline station) is not
# tried again.
#
# The unanswered handshakes come from tests/tools/faultproxy between the
# station and the server: --stall-after 0 --dir up forwards nothing of
# what the station sends (its ClientHello included) on the first
# --faulty-conns connections. LIANDONG_STALL_TIMEOUT=1 makes the agent's
# connect timeout one second, its pauses then 0.25-0.75 s, 0.5-1.5 s and
# 1-3 s.
. "$(dirname "$0")/lib.sh"
test_plan 6

unset LIANDONG_NOW # the pauses are real time

test_when_finished 'stop_proxy'

# conns LOG: the connections the proxy logged (one line each, at its end).
conns() { wc -l <"$SCRATCH/proxy-$1.log" | tr -d ' '; }

start_server
start_proxy clean || exit 1
PROXY_URL="https://127.0.0.1:$(cat "$SCRATCH/proxy.port")"
for st in lyx qbq dtx hy tn; do
	add_station $st 龙羊峡镇 township "$PROXY_URL" || exit 1
done

test_expect_success 'two handshakes never answered: the sync tries again and completes' '
	on lyx liaison log --type contact --summary "联络一" >/dev/null &&
	start_proxy stall2 --stall-after 0 --dir up --faulty-conns 2 &&
	LIANDONG_STALL_TIMEOUT=1 on lyx sync >out 2>err &&
	cat err &&
	test "$(grep -c "event=connect-retry" err)" = 2 &&
	test_grep "event=connect-retry try=1 " err &&
	test_grep "event=connect-retry try=2 " err &&
	stop_proxy &&
	test "$(conns stall2)" = 3 &&
	test "$(grep -c "stalls=1" "$SCRATCH/proxy-stall2.log")" = 2 &&
	test "$(server_sql "SELECT count(*) FROM events WHERE station = \"lyx\"")" = 1
'

test_expect_code 7 'no handshake ever answered: exit 7 after 4 tries, saying so, in bounded time' '
	start_proxy stall --stall-after 0 --dir up || exit 1
	t0=$(date +%s%N)
	LIANDONG_STALL_TIMEOUT=1 on qbq sync >out 2>err
	st=$?
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	echo "# gave up after $ms ms"
	cat err
	stop_proxy || exit 1
	test "$(conns stall)" = 4 || exit 1
	test "$(grep -c "event=connect-retry" err)" = 3 || exit 1
	test_grep "cannot reach .*tried 4 times in [0-9]* s" err || exit 1
	# 4 connect timeouts of 1 s and pauses of at least 0.25 + 0.5 + 1 s;
	# at most 0.75 + 1.5 + 3 s, and a margin for a loaded machine
	test "$ms" -ge 5700 || exit 1
	test "$ms" -lt 25000 || exit 1
	exit $st
'

test_expect_success 'the station says why the last sync failed' '
	on qbq status --offline --json >st.json &&
	test_grep "tried 4 times" st.json
'

# pauses FILE...: the pause_ms of each try again, as "try pause" lines.
pauses() {
	sed -n "s/.*event=connect-retry try=\([0-9]*\) pause_ms=\([0-9]*\).*/\1 \2/p" "$@"
}

test_expect_success 'the pauses grow within their bounds, and stations turned away together do not return together' '
	start_proxy stall5 --stall-after 0 --dir up --faulty-conns 5 &&
	ps="" &&
	for st in dtx hy tn; do
		(LIANDONG_STALL_TIMEOUT=1 on $st sync >$st.out 2>$st.err; echo $? >$st.st) &
		ps="$ps $!"
	done &&
	for p in $ps; do wait $p; done &&
	cat dtx.err hy.err tn.err &&
	for st in dtx hy tn; do test "$(cat $st.st)" = 0 || exit 1; done &&
	pauses dtx.err hy.err tn.err >p &&
	cat p &&
	test "$(wc -l <p)" -ge 3 &&
	awk "\$1 == 1 && (\$2 < 250 || \$2 >= 750) { exit 1 }
	     \$1 == 2 && (\$2 < 500 || \$2 >= 1500) { exit 1 }
	     \$1 == 3 && (\$2 < 1000 || \$2 >= 3000) { exit 1 }" p &&
	test "$(awk "\$1 == 1 { print \$2 }" p | sort -u | wc -l)" -ge 3
'

test_expect_code 7 'a refused connection (nothing listening) is not tried again' '
	stop_proxy || exit 1
	t0=$(date +%s%N)
	LIANDONG_STALL_TIMEOUT=1 on lyx sync >out 2>err
	st=$?
	t1=$(date +%s%N)
	cat err
	test_grep ! "event=connect-retry" err || exit 1
	test_grep ! "tried" err || exit 1
	test $(((t1 - t0) / 1000000)) -lt 5000 || exit 1
	exit $st
'

test_expect_success 'with the server answering again, the failed station syncs' '
	start_proxy clean2 &&
	on qbq liaison log --type contact --summary "联络二" >/dev/null &&
	on qbq sync >/dev/null &&
	test "$(server_sql "SELECT count(*) FROM events WHERE station = \"qbq\"")" = 1
'

test_done
