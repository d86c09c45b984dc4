#!/bin/sh
# The README's steps from a county server to a syncing station work in the
# order the README gives them: its own lines (server init, station add,
# serve, liandong init, enroll, sync) are run in README order, with only
# the address, the code and the CA put in for the ones it leaves to the
# reader, and the server on a free port of 127.0.0.1.
. "$(dirname "$0")/lib.sh"
test_plan 3

README="$TOP/README.md"
# The steps, in README order, comments cut.
grep -E '^(liandong-server (init|serve)|liandong-server station add --name longyangxia|liandong (init|enroll|sync)) ' \
	"$README" | sed 's/ *#.*//' >steps

test_expect_success 'the README has each step once' '
	for s in "liandong-server init" "liandong-server station add" \
	    "liandong-server serve" "liandong init" "liandong enroll" "liandong sync"; do
		test "$(grep -c "^$s" steps)" = 1 || exit 1
	done
'

# run_steps: runs the steps in order at top level (serve starts a server
# that later steps use); "step N ok|failed: LINE" per step into ran.
run_steps() {
	while IFS= read -r line; do
		case $line in
		"liandong-server init "*)
			eval "\"\$LDS\" ${line#liandong-server } --listen 127.0.0.1:0" >init.out ;;
		"liandong-server station add "*)
			eval "\"\$LDS\" ${line#liandong-server }" >code.out ;;
		"liandong-server serve"*)
			start_server ;;
		"liandong enroll "*)
			"$LD" enroll "$SERVER_URL" "$(tail -n 1 code.out)" \
				--ca "$LIANDONG_SERVER_DIR/ca.pem" >/dev/null ;;
		"liandong "*)
			eval "\"\$LD\" ${line#liandong }" >/dev/null ;;
		esac
		_st=$?
		if [ $_st -eq 0 ]; then
			echo "ok: $line" >>ran
		else
			echo "failed ($_st): $line" >>ran
			return 1
		fi
	done <steps
}
run_steps 2>steps.err

test_expect_success 'each step, run in README order, succeeds' '
	cat ran steps.err &&
	test "$(grep -c "^ok" ran)" = 6
'

test_expect_success 'the station synced with the server it enrolled with' '
	"$LD" status --json >st.json &&
	jeq st.json d.station longyangxia && jeq st.json d.pending 0 &&
	"$LDS" station list >list && test_grep "longyangxia .*active" list
'

test_done
