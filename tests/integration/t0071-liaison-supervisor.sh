#!/bin/sh
# The liaison ledger (联络员工作台账) reaches the bureau's liaison
# supervisor (执法联络监督员, Gonghe 三(一)4) and the county government
# (the annual training, 三(一)5), not other townships. A server whose
# routes were made before the bureau could see it (an older release)
# routes the county's liaison logs to them once, when it next opens its
# database, and never twice.
. "$(dirname "$0")/lib.sh"
test_plan 5

start_server
PORT=$SERVER_PORT
add_station xz 甲镇
add_station yz 乙镇
add_station zf 县综合行政执法局 bureau
add_station gov 县人民政府 government

on xz liaison log --type training --summary "执法联络员业务培训 8 学时" >l1
on xz liaison log --type contact --summary "与县市场监管局电话联络" >l2
on xz sync >/dev/null

test_expect_success 'the supervisor and the county government receive the ledger; another township does not' '
	on zf sync >/dev/null && on gov sync >/dev/null && on yz sync >/dev/null &&
	on zf liaison list >z && test_grep "$(cat l1)" z && test_grep "业务培训" z &&
	on gov liaison list >g && test_grep "$(cat l2)" g &&
	on yz liaison list >y && test_grep ! "$(cat l1)" y
'

# As an older release left it: the bureau's and the government's routes
# to the liaison logs undone (and their digests with them), and the
# watchers the routes were made for set to what they were.
on xz liaison log --type patrol --summary "联合巡查" >l3
on xz sync >/dev/null
stop_server
# undo_routes UNIT ENTITY: the unit's routes to ENTITY deleted and its
# digest made again without them, on either backend (server_sql).
undo_routes() {
	_sql=$({ server_sql "SELECT count, xor FROM digests WHERE unit = \"$1\"" &&
		server_sql "SELECT r.id, e.hash FROM routes r JOIN events e
			ON e.cursor = r.event WHERE r.unit = \"$1\" AND r.entity = \"$2\""; } |
		python3 -c '
import sys
count, xor = sys.stdin.readline().strip().split("|")
rows = [l.strip().split("|") for l in sys.stdin if l.strip()]
x = int(xor, 16)
for _, h in rows:
    x ^= int(h, 16)
print("DELETE FROM routes WHERE id IN (%s);" % (", ".join(r[0] for r in rows) or "NULL"))
print("UPDATE digests SET count = %d, xor = \"%064x\" WHERE unit = \"%s\";"
      % (int(count) - len(rows), x, sys.argv[1]))
' "$1") && server_sql "$_sql" >/dev/null
}
undo_routes 县综合行政执法局 "$(cat l3)"
undo_routes 县人民政府 "$(cat l3)"
server_sql "UPDATE meta SET value = \"liaison=64,\" WHERE key = \"watchers\"" >/dev/null
test_expect_success 'the older server did not route the new log to the supervisor' '
	test "$(server_sql "SELECT count(*) FROM routes WHERE unit=\"县综合行政执法局\" AND entity=\"$(cat l3)\"")" = 0
'

start_server --listen "127.0.0.1:$PORT"
test_expect_success 'opened again, the server routes it to them once; the digests agree' '
	on zf sync >/dev/null && on gov sync >/dev/null &&
	on zf liaison list >z && test_grep "$(cat l3)" z &&
	on gov liaison list >g && test_grep "$(cat l3)" g &&
	for u in 县综合行政执法局 县人民政府; do
		test "$(server_sql "SELECT count FROM digests WHERE unit=\"$u\"")" = \
		    "$(server_sql "SELECT count(*) FROM routes WHERE unit=\"$u\"")" || return 1
	done
'

stop_server
start_server --listen "127.0.0.1:$PORT"
test_expect_success 'opened a third time, nothing is routed again' '
	before=$(server_sql "SELECT count(*) FROM routes") &&
	on zf sync >/dev/null &&
	test "$(server_sql "SELECT count(*) FROM routes")" = "$before" &&
	test "$(on zf liaison list | grep -c "^L-")" = 3
'

test_expect_success 'the stations hold what the server folds for their units' '
	converged zf 县综合行政执法局 && converged gov 县人民政府
'

test_done
