#!/bin/sh
# make demo: a county server on 127.0.0.1 with a fresh self-signed CA, two
# township stations and the county bureau. A township records an urgent
# case offline, refers it to the bureau and syncs; the bureau syncs and
# the referral is there. Everything lives in a temporary directory that is
# removed at the end, and the server is stopped.
set -eu
BUILD=$(cd "${1:-build}" && pwd)
LD="$BUILD/liandong"
LDS="$BUILD/liandong-server"
DIR=$(mktemp -d "${TMPDIR:-/tmp}/liandong-demo.XXXXXX")
server=""
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT INT TERM
cd "$DIR"
export LIANDONG_SERVER_DIR="$DIR/county"

say() { printf '\n== %s\n' "$*"; }
run() { # prints the command (program by its name), then runs it
	printf '$ %s' "$(basename -- "$1")"
	for a in "$@"; do
		[ "$a" = "$1" ] && continue
		case "$a" in "$DIR"/*) a=${a#"$DIR"/} ;; esac
		case "$a" in *[\ \"]*) printf ' "%s"' "$a" ;; *) printf ' %s' "$a" ;; esac
	done
	printf '\n'
	"$@"
}

say "The county administrator sets up the server (trial certificate, Gonghe's rules)"
run "$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe
code_lyx=$("$LDS" station add --name longyangxia --unit 龙羊峡镇 | tail -n 1)
code_qbq=$("$LDS" station add --name qiabuqia --unit 恰卜恰镇 | tail -n 1)
code_bur=$("$LDS" station add --name bureau --unit 县综合行政执法局 --role bureau | tail -n 1)
run "$LDS" station list

say "The server runs on 127.0.0.1 over HTTPS"
"$LDS" serve --port-file "$DIR/port" 2>"$DIR/server.log" &
server=$!
n=0
while [ ! -s "$DIR/port" ]; do
	n=$((n + 1))
	if [ $n -gt 100 ] || ! kill -0 "$server" 2>/dev/null; then
		echo "demo: the server did not start:" >&2
		cat "$DIR/server.log" >&2
		exit 1
	fi
	sleep 0.1
done
URL="https://127.0.0.1:$(cat "$DIR/port")"
echo "listening on $URL"

say "Each station is set up once and enrolled with its one-time code"
for s in "longyangxia 龙羊峡镇 $code_lyx" "qiabuqia 恰卜恰镇 $code_qbq" \
    "bureau 县综合行政执法局 $code_bur"; do
	set -- $s
	"$LD" init --db "$DIR/$1.db" --station "$1" --unit "$2" >/dev/null
	run "$LD" enroll --db "$DIR/$1.db" "$URL" "$3" --ca "$LIANDONG_SERVER_DIR/ca.pem"
done

say "Longyangxia records an urgent case with no network, and refers it"
export LIANDONG_DB="$DIR/longyangxia.db" LIANDONG_OFFICER=卓玛
case_id=$("$LD" case open --source patrol --category 违法建设 \
	--location "龙羊峡镇查纳村三社" --party 李某 --matter "基本农田违法建房" \
	--description "巡查发现村民在基本农田上建房，已劝阻停工，证据可能灭失。" \
	--discovered-at "$(date -u -d '+7 hours' '+%Y-%m-%d %H:%M')" --urgent)
echo "case opened: $case_id"
run "$LD" referral send "$case_id" --to 县综合行政执法局 \
	--letter "龙政移〔2026〕1号" --source-material 现场检查笔录 --evidence 现场照片3张 \
	--note "请依法查处"
run "$LD" sync

say "Qiabuqia logs a liaison patrol and syncs"
LIANDONG_DB="$DIR/qiabuqia.db" "$LD" liaison log --type patrol \
	--counterpart 县综合行政执法局 --summary "联合巡查工业园" --officer 马强 >/dev/null
LIANDONG_DB="$DIR/qiabuqia.db" run "$LD" sync

say "The bureau syncs and finds the referral"
export LIANDONG_DB="$DIR/bureau.db"
run "$LD" sync
run "$LD" referral list --incoming
run "$LD" due
run "$LD" referral show "$("$LD" referral list --incoming --json |
	sed -n 's/.*"entity": "\(R-[^"]*\)".*/\1/p' | head -n 1)"

say "What the county sees, and every replica verifies"
run "$LDS" station list
run "$LDS" due
for s in longyangxia qiabuqia bureau; do
	LIANDONG_DB="$DIR/$s.db" "$LD" verify
done
printf '\n(the demo server has been stopped and %s removed)\n' "$DIR"
