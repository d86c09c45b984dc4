#!/bin/sh
# Convergence: eleven stations of ten units (three townships, three
# departments, two stations of the enforcement bureau, the legal office,
# the county government, the police) do thousands of random operations
# under the Gonghe rules, with clocks skewed up to 7 days either way (one
# jumps back 7 days mid-way), through links that are cut, slowed, stalled
# and partitioned, in random sync orders; some operations race on
# purpose (two bureau stations accept one referral while partitioned, an
# update races a close, a withdrawn referral is acknowledged). After a
# final sync of everyone until nothing moves, every station's projections
# equal the server's view of its unit, every digest agrees, every replica
# verifies, and each deliberate conflict shows the same everywhere.
#
# The operations come from tests/tools/converge.py, seeded: SEED=N replays
# the same operations (timings, and so which syncs break, may differ).
# OPS sets their number (default 3000, 1000 under the sanitizers). The run
# fails when it does less than planned: stopped by CONVERGE_TIME_LIMIT
# (default 420 s, about three times what the default plans take here),
# too few operations succeeded, or too few faults and partitions were
# injected (converge.py, "floors"). Every command issued is in ops.log in
# the scratch directory, kept when a check fails. The long variant:
#
#   SEED=7 OPS=20000 CONVERGE_TIME_LIMIT=3600 BUILD=build \
#       sh tests/integration/t0040-converge.sh
. "$(dirname "$0")/lib.sh"
test_plan 10
# Stations' clocks are skewed days ahead on purpose: the server lets them.
SERVER_OPTS="--max-clock-ahead 0"

# Real time, moved by each station's LIANDONG_CLOCK_SKEW: a pinned clock
# would take precedence over the skew.
unset LIANDONG_NOW
SEED=${SEED:-4040}
case "$BUILD" in *-san | *-san/) SAN=1 ;; *) SAN=0 ;; esac
ldd "$LD" 2>/dev/null | grep -q libasan && SAN=1
if [ $SAN = 1 ]; then
	OPS=${OPS:-1000}
else
	OPS=${OPS:-3000}
fi
echo "# seed=$SEED ops=$OPS (replay with SEED=$SEED OPS=$OPS)"
export SEED OPS SCRATCH BUILD
CONVERGE="$TOP/tests/tools/converge.py"
FP="$BUILD/tests/tools/faultproxy"

"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe >/dev/null
start_server
export SERVER_PORT

# name unit role link: "proxy" reaches the server through a faultproxy of
# its own, "direct" connects to the server itself.
cat >"$SCRATCH/stations" <<EOF
lyx 龙羊峡镇 township proxy
qbq 恰卜恰镇 township proxy
dth 倒淌河镇 township proxy
zrz 县自然资源局 department proxy
zjj 县住建局 department proxy
scj 县市场监管局 department proxy
zf1 县综合行政执法局 bureau proxy
zf2 县综合行政执法局 bureau proxy
sfj 县司法局 legal direct
gov 县人民政府 government direct
gaj 县公安局 police proxy
EOF
NAMES=$(cut -d' ' -f1 "$SCRATCH/stations" | tr '\n' ' ')

mkdir -p "$SCRATCH/px"
# Proxies are stopped by their recorded pids only; converge.py restarts
# them on the same port and records the new pid.
test_when_finished 'for p in "$SCRATCH"/px/*.pid; do kill "$(cat "$p")"; done'

# first_proxy NAME: the station's proxy, on a free port it keeps.
first_proxy() {
	"$FP" --to "127.0.0.1:$SERVER_PORT" --port 0 \
		--port-file "$SCRATCH/px/$1.port" --log "$SCRATCH/px/$1-0.log" \
		2>>"$SCRATCH/px/$1.err" &
	echo $! >"$SCRATCH/px/$1.pid"
	_pf="$SCRATCH/px/$1.port"
	wait_for 10 '[ -s "$_pf" ]'
}

while read -r name unit role link; do
	url=$SERVER_URL
	if [ "$link" = proxy ]; then
		first_proxy "$name" || break
		url="https://127.0.0.1:$(cat "$SCRATCH/px/$name.port")"
	fi
	add_station "$name" "$unit" "$role" "$url" || break
	echo "$name" >>"$SCRATCH/enrolled"
done <"$SCRATCH/stations"
# Every station holds the directory of all eleven, not just those before it.
refresh_directory $NAMES

test_expect_success 'eleven stations of ten units enroll, nine through proxies of their own' '
	test "$(wc -l <"$SCRATCH/enrolled")" -eq 11 &&
	"$LDS" station list >list &&
	test "$(grep -c " active" list)" -eq 11 &&
	test "$(ls "$SCRATCH"/px/*.port | wc -l)" -eq 9
'

T0=$(date +%s)
test_expect_success "$OPS random operations over partitions, broken links and skewed clocks: all run, every floor reached" '
	python3 "$CONVERGE" run >"$SCRATCH/run.out" 2>&1; st=$?
	cat "$SCRATCH/run.out"; exit $st
'
grep "^# floor" "$SCRATCH/run.out"

# A sync of every station, in a seeded order that changes each round,
# until a round where nothing moves (at most 8 rounds). Each station's
# last answer stays in NAME.final.json.
test_expect_success 'the final round: everyone syncs until nothing moves' '
	r=0 moved=1
	while [ $r -lt 8 ] && [ $moved -eq 1 ]; do
		r=$((r + 1)) moved=0
		for s in $(echo $NAMES | tr " " "\n" |
			awk -v k=$((SEED + r)) "BEGIN { srand(k) } { print rand(), \$0 }" |
			sort -n | cut -d" " -f2); do
			LIANDONG_CLOCK_SKEW=$(cat "$SCRATCH/$s.skew") \
				on $s sync --json >"$SCRATCH/$s.final.json" || {
				echo "final sync of $s failed in round $r (seed=$SEED)"
				exit 1
			}
			m=$(jv "$SCRATCH/$s.final.json" \
				"d.pushed + d.pulled + (1 if d.repaired else 0)") || exit 1
			[ "$m" -eq 0 ] || moved=1
		done
	done
	echo "# nothing moved in round $r"
	test $moved -eq 0
'

test_expect_success 'every station converged with the server' '
	for s in $NAMES; do
		converged $s "$(awk -v s=$s "\$1 == s { print \$2 }" "$SCRATCH/stations")" ||
			{ echo "$s differs from the server (seed=$SEED)"; exit 1; }
	done
'

test_expect_success 'every replica verifies' '
	for s in $NAMES; do
		on $s verify >"$SCRATCH/$s.verify" 2>&1 ||
			{ cat "$SCRATCH/$s.verify"; echo "seed=$SEED"; exit 1; }
	done
'

test_expect_success 'the anti-entropy digests agree: station, its events, the server, its routes' '
	python3 "$CONVERGE" digests
'

test_expect_success 'each station holds its own events once, as the server does' '
	"$LDS" station list --json >"$SCRATCH/list.json" &&
	for s in $NAMES; do
		on $s status --offline --json >"$SCRATCH/$s.status.json" &&
		n=$(jv "$SCRATCH/$s.status.json" "d.events") &&
		jeq "$SCRATCH/$s.status.json" "d.pending" 0 &&
		jeq "$SCRATCH/list.json" \
			"[x[\"events\"] for x in d.stations if x[\"station\"] == \"$s\"][0]" \
			"$n" || { echo "seed=$SEED"; exit 1; }
	done
'

"$LDS" dump --identities >"$SCRATCH/server.all.dump" 2>>"$SCRATCH/dump.log"
test_expect_success 'the deliberate conflicts show, the same at every replica and the server' '
	python3 "$CONVERGE" conflicts
'

test_expect_success 'the events carry the skewed clocks, and the jump back' '
	python3 "$CONVERGE" clocks
'

test_expect_success 'the server failed nothing and refused no station' '
	test_grep ! "status=5" "$SCRATCH/server.log" &&
	test_grep ! "status=40[13]" "$SCRATCH/server.log" &&
	test_grep ! "status=409" "$SCRATCH/server.log"
'

python3 "$CONVERGE" figures 2>/dev/null
echo "# $(($(date +%s) - T0)) s after enrolment"
[ "$test_failures" -gt 0 ] && echo "# failed with seed=$SEED: SEED=$SEED OPS=$OPS BUILD=$BUILD sh $0"
test_done
