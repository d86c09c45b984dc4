#!/bin/sh
# Wire bytes per event: syncs of 1, 10, 100 and 1,000 events, counted on
# the socket by tests/tools/faultproxy between the station and the server
# (TLS records and HTTP headers included), with the shared dictionary and
# without it (a county server with no dictionary), against the floor:
# `zstd -19` with the dictionary over the same NDJSON (the events the push
# carried, canonical, one a line). The TLS handshake is counted apart, on
# a connection that makes it and closes (loadgen handshake), and taken
# off each sync's bytes; so that it is the handshake each of them made,
# they run with no TLS session kept from the run before (DB.tls-session
# removed), as every sync did before sessions were kept. Then a lone urgent
# referral, both ways: on an open connection (its sync less the
# handshake), and on a new connection, handshake included, as the next
# `liandong sync` makes it: resuming the session the run before kept, and
# without one (a full handshake).
#
# Goals: within 1.25x of the floor from 100 events up; the urgent
# referral on a new connection, handshake included, under 1.5 KB both
# ways.
. "$(dirname "$0")/lib.sh"

SIZES="1 10 100 1000"
"$GEN" --seed 21 --count 1111 --stations 1 >events.ndjson

# The proxy logs a connection when it ends, numbered as it was accepted
# (conn=N), so the log's K-th line need not be the K-th connection, and a
# step may make more than one (an agent that retries after a timeout
# under load, an enrolment retried): each step's bytes are those of every
# connection accepted during it, by number.
#
# step_begin LOG: remembers how many connections the proxy has accepted
# (all of them logged: the step before has settled).
step_begin() { settle "$1"; n0=$(wc -l <"$1"); }
# settle LOG: waits (bounded) until LOG has not grown for 0.3 s.
settle() {
	_last=-1
	_n=0
	while [ "$(wc -l <"$1")" != "$_last" ] && [ "$_n" -lt 30 ]; do
		_last=$(wc -l <"$1")
		_n=$((_n + 1))
		sleep 0.3
	done
}
# step_bytes LOG: "up down" summed over the connections accepted since
# step_begin, once the log has them and has stopped growing for 0.3 s;
# says on stderr when a step made other than one connection.
step_bytes() {
	wait_for 10 "[ \$(wc -l <'$1') -gt $n0 ]" || return 1
	settle "$1"
	awk -v n0="$n0" '
	{ id = $1; sub(/^conn=/, "", id)
	  if (id + 0 <= n0) next
	  u = $2; sub(/^up=/, "", u); d = $3; sub(/^down=/, "", d)
	  up += u; down += d; n++ }
	END { if (n != 1) printf "wire: %d connections in one step\n", n >"/dev/stderr"
	      printf "%d %d\n", up, down }' "$1"
}

# run_variant NAME: the whole sequence on county NAME; writes NAME.res
# lines "what n up down floor".
run_variant() {
	v=$1
	county_serve "$v" || return 1
	rm -f "$v.pport"
	"$FP" --to "127.0.0.1:${SERVER_URL##*:}" --port-file "$v.pport" \
		--log "$v.plog" 2>>"$v.perr" &
	proxy=$!
	pids="$pids $proxy"
	wait_for 10 "[ -s '$v.pport' ]" || return 1
	url="https://127.0.0.1:$(cat "$v.pport")"
	db="$SCRATCH/$v.db"
	sess="$db.tls-session"
	station_new "$db" st001 龙羊峡镇 "$v" "$url" || return 1
	county_station "$v" rx-1 县综合行政执法局 >/dev/null
	"$LD" sync --db "$db" >/dev/null || return 1 # takes the rules
	step_begin "$v.plog"
	"$LOADGEN" handshake --url "$url" --ca "$SERVER_CA" || return 1
	echo "handshake 0 $(step_bytes "$v.plog") 0" >"$v.res"
	rm -f "$sess"
	step_begin "$v.plog"
	"$LD" sync --db "$db" >/dev/null || return 1
	echo "idle 0 $(step_bytes "$v.plog") 0" >>"$v.res"
	first=1
	for n in $SIZES; do
		sed -n "${first},$((first + n - 1))p" events.ndjson >"slice$n.in"
		"$SB" fill --db "$db" --events "slice$n.in" >/dev/null || return 1
		"$SB" own --db "$db" --after "$first" >/dev/null
		"$SB" own --db "$db" --after "$((first - 1))" >"slice$n.ndjson"
		floor=$(zstd -19 -q -c -D "$DICT" "slice$n.ndjson" | wc -c)
		rm -f "$sess"
		step_begin "$v.plog"
		"$LD" sync --db "$db" >/dev/null || return 1
		echo "events $n $(step_bytes "$v.plog") $floor" >>"$v.res"
		first=$((first + n))
	done
	# A lone urgent referral of a case already at the county, three
	# times (three cases): with a full handshake, taken off; on a new
	# connection resuming the session the sync before kept; on a new
	# connection with none kept (a full handshake, counted in).
	set -- 1 4 10 # the cases (their opening's seq)
	for what in urgent urgent_resumed urgent_full; do
		c=$1
		shift
		"$LD" referral send --db "$db" "C-st001-$c" --to 县综合行政执法局 \
			--letter "共执移字〔2026〕$((11 + c))号" --source-material 现场检查笔录 \
			--evidence 现场照片 --urgent >/dev/null || return 1
		"$SB" own --db "$db" --after "$((first - 1))" >urgent.ndjson
		first=$((first + $(wc -l <urgent.ndjson)))
		floor=$(zstd -19 -q -c -D "$DICT" urgent.ndjson | wc -c)
		[ "$what" = urgent_resumed ] || rm -f "$sess"
		step_begin "$v.plog"
		LIANDONG_TLS_TRACE=1 "$LD" sync --db "$db" >/dev/null \
			2>"$v.$what.tls" || return 1
		echo "$what 1 $(step_bytes "$v.plog") $floor" >>"$v.res"
	done
	grep -q 'resumed=1' "$v.urgent_resumed.tls" ||
		{ echo "wire: the urgent sync did not resume its session" >&2; return 1; }
	kill "$proxy"
	wait "$proxy" 2>/dev/null
	county_stop
}

county_init dict --rules gonghe || exit 1
county_init nodict --rules gonghe || exit 1
sed -i 's/^dict = .*/dict =/' nodict/server.conf
run_variant dict || exit 1
run_variant nodict || exit 1

# The table: bytes per event after the handshake, and against the floor.
awk -v goal=1.25 '
FNR == 1 { v = FILENAME; sub(/\.res$/, "", v) }
$1 == "handshake" { hs[v] = $3 + $4 }
$1 == "idle" { idle[v] = $3 + $4 - hs[v] }
$1 == "urgent_resumed" || $1 == "urgent_full" { whole[v, $1] = $3 + $4 }
$1 == "events" || $1 == "urgent" {
	k = $1 == "urgent" ? "urgent" : $2
	net[v, k] = $3 + $4 - hs[v]; floor[k] = $5; n[k] = $2; keys[k] = 1
}
END {
	printf "wire bytes (on the socket, TLS and HTTP included; handshake apart)\n"
	printf "  TLS handshake: %d bytes with the dictionary run, %d without\n", hs["dict"], hs["nodict"]
	printf "  idle sync after it: %d bytes (dict), %d (no dict)\n", idle["dict"], idle["nodict"]
	printf "  %-8s %10s %10s %10s %12s %8s %8s\n", "events", "dict B/ev", "nodict B/ev", "floor B/ev", "floor bytes", "dict x", "nodict x"
	split("1 10 100 1000 urgent", order, " ")
	for (i = 1; i <= 5; i++) {
		k = order[i]
		printf "  %-8s %10.1f %10.1f %10.1f %12d %8.2f %8.2f\n", k,
		    net["dict", k] / n[k], net["nodict", k] / n[k], floor[k] / n[k],
		    floor[k], net["dict", k] / floor[k], net["nodict", k] / floor[k]
	}
	printf "  urgent referral on a new connection, handshake included: %d bytes resuming the TLS session (%d without the dictionary), %d with a full handshake\n",
	    whole["dict", "urgent_resumed"], whole["nodict", "urgent_resumed"],
	    whole["dict", "urgent_full"]
	printf "  goal: within %.2fx of the floor from 100 events up (dict: %.2f, %.2f);" \
	    " urgent referral on a new connection under 1536 bytes both ways: %d\n", goal,
	    net["dict", 100] / floor[100], net["dict", 1000] / floor[1000],
	    whole["dict", "urgent_resumed"]
	printf "BENCH name=wire handshake=%d idle=%d", hs["dict"], idle["dict"]
	for (i = 1; i <= 4; i++) {
		k = order[i]
		printf " b_per_ev_%s=%.1f ratio_%s=%.2f nodict_ratio_%s=%.2f", k,
		    net["dict", k] / n[k], k, net["dict", k] / floor[k], k,
		    net["nodict", k] / floor[k]
	}
	printf " urgent_bytes=%d urgent_nodict_bytes=%d urgent_new_resumed=%d urgent_new_full=%d goal_ratio=1.25 goal_urgent=1536\n",
	    net["dict", "urgent"], net["nodict", "urgent"],
	    whole["dict", "urgent_resumed"], whole["dict", "urgent_full"]
}' dict.res nodict.res
