#!/bin/sh
# kill -9 at random moments during a loop of writes: afterwards verify
# passes and every acknowledged write is there, none twice.
#
# CRASH_ROUNDS (default 200) sets how many writes are started and killed.
. "$(dirname "$0")/lib.sh"

rounds=${CRASH_ROUNDS:-200}
setup_station
unset LIANDONG_NOW # real time, so the clock moves between writes

# How long one write takes here (sanitizer builds are slower), so that
# the kills land spread over the whole life of a write.
t0=$(date +%s%N)
for n in 1 2 3 4 5; do
	"$LD" liaison log --type patrol --summary "计时 $n" >/dev/null
done
span_us=$((($(date +%s%N) - t0) / 5000))
echo "# one write takes about $span_us us"

rand_delay() { # uniform in (0, 3 spans]: timeout(1) and exec take some
	n=$(od -An -N2 -tu2 /dev/urandom | tr -d " ")
	us=$((n % (3 * span_us) + 1))
	printf '%d.%06d' $((us / 1000000)) $((us % 1000000))
}

: >acked
killed=0
i=0
while [ $i -lt $rounds ]; do
	d=$(rand_delay)
	case $((i % 3)) in
	0) timeout -s KILL "$d" "$LD" case open --source patrol --category 违法建设 \
		--location 查纳村 --matter "crash-$i" --description "崩溃测试 $i" >out 2>/dev/null ;;
	1) timeout -s KILL "$d" "$LD" liaison log --type patrol --summary "巡查 crash-$i" \
		>out 2>/dev/null ;;
	2) timeout -s KILL "$d" "$LD" complaint record --type report --channel phone \
		--matter "crash-$i" --description "举报 $i" --name "举报人$i" \
		--phone 13800000000 >out 2>/dev/null ;;
	esac
	st=$?
	if [ $st -eq 0 ]; then
		echo "$(cat out) crash-$i" >>acked
	elif [ $st -eq 137 ]; then
		killed=$((killed + 1))
	else
		echo "# write $i failed with status $st"
	fi
	i=$((i + 1))
done
echo "# $rounds writes: $(wc -l <acked) acknowledged, $killed killed by signal 9"

test_expect_success "kills landed both before and after writes completed" '
	test $killed -ge $((rounds / 10)) &&
	test "$(wc -l <acked)" -ge $((rounds / 10))
'

test_expect_success 'verify passes after the crashes' '
	"$LD" verify
'

test_expect_success 'every acknowledged write is present, with its own content' '
	"$LD" log --json >log.json &&
	python3 - <<-PY
	import json
	events = json.load(open("log.json"))["events"]
	created = {}
	for e in events:
	    if e["kind"] in ("case.opened", "liaison.logged", "complaint.recorded"):
	        b = e["body"]
	        text = b.get("matter") or b.get("summary")
	        created.setdefault(e["entity"], []).append(text)
	missing = []
	for line in open("acked"):
	    ident, tag = line.split()
	    texts = created.get(ident)
	    if texts is None or not any(tag in t for t in texts):
	        missing.append(line.strip())
	assert not missing, missing
	dup = [k for k, v in created.items() if len(v) != 1]
	assert not dup, dup
	tags = [t.split()[-1] if " " in t else t for v in created.values() for t in v]
	assert len(tags) == len(set(tags)), "a write was stored twice"
	PY
'

test_expect_success 'every complaint kept its identity with it (both events or neither)' '
	python3 - <<-PY
	import json
	events = json.load(open("log.json"))["events"]
	rec = {e["entity"] for e in events if e["kind"] == "complaint.recorded"}
	ids = {e["entity"] for e in events if e["kind"] == "complaint.identity"}
	assert rec == ids, (rec ^ ids)
	PY
'

test_expect_success 'the station keeps recording after the crashes' '
	"$LD" case open --source patrol --category 违法建设 --location 查纳村 \
		--description "崩溃之后" >id && "$LD" case show "$(cat id)" >/dev/null &&
	"$LD" verify
'

test_done
