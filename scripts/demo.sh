#!/bin/sh
# make demo: a tour of a township station recording offline, in a
# temporary directory that is removed afterwards.
set -eu
BUILD=${1:-build}
LD="$(cd "$BUILD" && pwd)/liandong"
DIR=$(mktemp -d "${TMPDIR:-/tmp}/liandong-demo.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
export LIANDONG_DB="$DIR/station.db" LIANDONG_OFFICER="卓玛"

run() {
	printf '\n$ liandong'
	for a in "$@"; do
		case "$a" in *[\ \"]*) printf ' "%s"' "$a" ;; *) printf ' %s' "$a" ;; esac
	done
	printf '\n'
	"$LD" "$@"
}

run init --station longyangxia --unit 龙羊峡镇
id=$(run case open --source patrol --category 违法建设 \
	--location "龙羊峡镇查纳村三社" --party "李某" --matter "基本农田违法建房" \
	--description "巡查发现村民在基本农田上建房，已劝阻停工。" \
	--discovered-at "2026-11-20 09:30" --urgent | tee /dev/stderr | tail -n 1)
run case open --source report --category 环境污染 --location "恰卜恰镇工业园" \
	--matter "夜间偷排污水" --description "群众举报企业夜间向河道排放污水。" \
	--discovered-at "2026-11-19 22:10"
run complaint record --type report --channel hotline --matter "夜间偷排污水" \
	--description "举报人称每晚十点后有异味。" --received-at "2026-11-19 22:05" \
	--name "王某" --phone 13800000000
run liaison log --type patrol --counterpart 县综合行政执法局 \
	--summary "联合巡查查纳村，核实违建情况。" --date "2026-11-20 14:00"
run case update "$id" --note "已拍照取证，准备移送县综合行政执法局"
run case list
run case list --search 偷排
run complaint list
run case show "$id"
run verify
printf '\n(demo data was in %s and has been removed)\n' "$DIR"
