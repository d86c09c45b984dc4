#!/bin/sh
# Counts in messages read right when they are 1: "in 1 request", not
# "in 1 requests" (ngettext; a translation gives each language its own
# forms). The plural still reads as before.
. "$(dirname "$0")/lib.sh"
test_plan 5

start_server
test_expect_success 'station add: a code valid 1 hour' '
	"$LDS" station add --name one --unit 龙羊峡镇 --expires 1 >out &&
	test_grep "valid 1 hour, once" out &&
	"$LDS" station add --name two --unit 龙羊峡镇 --expires 2 >out &&
	test_grep "valid 2 hours, once" out
'

test_expect_success 'station reissue: a new code valid 1 hour' '
	"$LDS" station reissue one --expires 1 >out &&
	test_grep "valid 1 hour, once (its old token" out
'

add_station lyx 龙羊峡镇
on lyx sync >/dev/null
test_expect_success 'an idle sync took 1 request' '
	on lyx sync >out && test_grep "in 1 request (" out
'

on lyx liaison log --type contact --summary 联络 >/dev/null

test_expect_success 'export: 1 event, 1 not yet at the server; import: 1 event' '
	on lyx export "$SCRATCH/lyx.move" >out &&
	test_grep "(1 event, 1 not yet at the server)" out &&
	"$LD" --db "$SCRATCH/lyx2.db" import "$SCRATCH/lyx.move" >out &&
	test_grep "(1 event); it records" out
'

on lyx2 complaint record --type report --channel phone --matter 噪音 \
	--description 夜间施工 --name 王某 --phone 13800000000 >/dev/null
on lyx2 sync >/dev/null
stop_server
test_expect_success 'key rotate: 1 identity re-sealed' '
	"$LDS" key rotate >out && test_grep ", 1 identity re-sealed" out
'

test_done
