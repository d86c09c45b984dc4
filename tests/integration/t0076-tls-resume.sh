#!/bin/sh
# TLS sessions kept across runs of the agent (agent/net.c, server/tls.c):
# a sync saves the session the county server hands out next to the
# station's token (DB.tls-session, mode 0600), and the next run, another
# process, resumes it instead of a full handshake. A session file that
# is corrupt, foreign (another server's) or stale is never a failure: the
# sync makes a full handshake. Nor is it trusted as read: a file that
# group or others may write, of another user, a symbolic link or a FIFO,
# or whose MAC (under a key derived from the station's token) is wrong,
# as a file planted or forged by another would be, is ignored, said once
# in the log, and replaced by the next session. Enrolling keeps none
# (there is no token yet): the first sync makes a full handshake.
# A request that fails (the token refused) keeps no session. A reload,
# refused or made, leaves each listener its own priorities.
# A ticket is no way around the server's certificate: another server on
# the same address, whatever session the station holds, is refused as
# before, by CA and by pin; a restarted
# server takes no ticket of before (a reloaded one neither: t0051, where
# a station that missed the new CA must fail at once). The daemon keeps
# its connection between syncs while the server keeps it open.
#
# LIANDONG_TLS_TRACE makes the agent say on stderr, per connection handle,
# "tls: handshakes=N resumed=N offered=N" (offered: a saved session put
# on a connection).
. "$(dirname "$0")/lib.sh"
test_plan 20

export LIANDONG_TLS_TRACE=1
start_server
add_station lyx 龙羊峡镇
PORT=$SERVER_PORT
SESS="$SCRATCH/lyx.db.tls-session"

# trace NAME: the last trace line of NAME.err.
trace() { grep '^tls: ' "$SCRATCH/$1.err" | tail -n 1; }

# expect_trace NAME LINE: NAME's trace is LINE.
expect_trace() {
	echo "# trace: $(trace "$1")"
	test "$(trace "$1")" = "$2"
}

# sync_as NAME [DB]: a sync of station DB (default NAME), stderr to NAME.err.
sync_as() {
	on "${2:-$1}" sync >"$SCRATCH/$1.out" 2>"$SCRATCH/$1.err"
}

test_expect_success 'a sync keeps the session the server handed out, mode 0600' '
	sync_as lyx &&
	test -f "$SESS" &&
	test "$(stat -c %a "$SESS")" = 600 &&
	head -c 23 "$SESS" | grep -q "^liandong-tls-session 2 "
'

test_expect_success 'the next run resumes it (a new process, a new connection), and is handed no new ticket' '
	cp "$SESS" kept &&
	sync_as lyx &&
	expect_trace lyx "tls: handshakes=1 resumed=1 offered=1" &&
	cmp kept "$SESS"
'

test_expect_success 'a TLS 1.2 client resumes too, and is answered' '
	for v in 1.2 1.3; do
		printf "GET /v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" |
		timeout 20 gnutls-cli --x509cafile "$LIANDONG_SERVER_DIR/ca.pem" \
			--priority "NORMAL:-VERS-ALL:+VERS-TLS$v" --resume \
			-p "$PORT" 127.0.0.1 >gtls$v.out 2>&1
		grep -q "This is a resumed session" gtls$v.out &&
		test "$(grep -c "^HTTP/1.1 " gtls$v.out)" = 1 || return 1
	done
'

test_expect_success 'a corrupt session file is ignored: a full handshake, then resumed again' '
	head -c 23 "$SESS" >bad &&
	printf "%064d\n" 0 >>bad && head -c 300 /dev/urandom >>bad &&
	cp bad "$SESS" &&
	sync_as lyx &&
	expect_trace lyx "tls: handshakes=1 resumed=0 offered=0" &&
	! cmp -s bad "$SESS" &&
	sync_as lyx &&
	expect_trace lyx "tls: handshakes=1 resumed=1 offered=1"
'

test_expect_success 'a session with its bytes damaged under the right header is ignored' '
	cp "$SESS" good &&
	size=$(wc -c <good) &&
	head -c $((size - 40)) good >"$SESS" &&
	sync_as lyx &&
	expect_trace lyx "tls: handshakes=1 resumed=0 offered=0" &&
	head -c 200 good >"$SESS" && printf "garbage" >>"$SESS" &&
	sync_as lyx &&
	expect_trace lyx "tls: handshakes=1 resumed=0 offered=0" &&
	: >"$SESS" &&
	sync_as lyx &&
	expect_trace lyx "tls: handshakes=1 resumed=0 offered=0"
'

# session_ignored WHY: the sync of lyx said once, in its log, that the
# session file was ignored, and why.
session_ignored() {
	grep "event=tls-session .*ignored: $1" "$SCRATCH/lyx.err" &&
	test "$(grep -c "event=tls-session" "$SCRATCH/lyx.err")" = 1
}

test_expect_success 'a session file others may write is ignored, said once, and replaced' '
	sync_as lyx && cp "$SESS" good &&
	chmod 0620 "$SESS" &&
	sync_as lyx &&
	expect_trace lyx "tls: handshakes=1 resumed=0 offered=0" &&
	session_ignored "writable by group or others" &&
	test "$(stat -c %a "$SESS")" = 600 &&
	sync_as lyx &&
	expect_trace lyx "tls: handshakes=1 resumed=1 offered=1" &&
	! grep event=tls-session "$SCRATCH/lyx.err"
'

test_expect_success 'a session file that is a symbolic link is ignored, and the link replaced, not followed' '
	cp "$SESS" good && chmod 600 good && cp good good.kept &&
	rm "$SESS" && ln -s "$SCRATCH/good" "$SESS" &&
	sync_as lyx &&
	expect_trace lyx "tls: handshakes=1 resumed=0 offered=0" &&
	session_ignored "a symbolic link" &&
	test ! -L "$SESS" && test -f "$SESS" &&
	cmp good good.kept
'

test_expect_success 'a session file that is a FIFO neither blocks the sync nor is used' '
	rm -f "$SESS" && mkfifo "$SESS" &&
	LIANDONG_DB="$SCRATCH/lyx.db" timeout 60 "$LD" sync \
		>"$SCRATCH/lyx.out" 2>"$SCRATCH/lyx.err" &&
	expect_trace lyx "tls: handshakes=1 resumed=0 offered=0" &&
	session_ignored "not a regular file" &&
	test -f "$SESS"
'
# A FIFO left behind would block whatever reads it next.
if [ -p "$SESS" ]; then rm -f "$SESS"; sync_as lyx; fi

if [ "$(id -u)" = 0 ]; then
	test_expect_success 'a session file of another user is ignored' '
		cp "$SESS" good &&
		chown nobody "$SESS" &&
		sync_as lyx &&
		expect_trace lyx "tls: handshakes=1 resumed=0 offered=0" &&
		session_ignored "not owned by this user" &&
		test "$(stat -c %u "$SESS")" = 0
	'
else
	test_skip 'a session file of another user is ignored' \
		'not root: cannot give a file to another user'
fi

# A second station of the same unit on the same server: its session file
# has the same binding (server, CA), and a MAC under its own token.
add_station lyx2 龙羊峡镇 || exit 1

test_expect_success 'a session file written under another token (a bad MAC) is ignored' '
	sync_as lyx2 && sync_as lyx2 &&
	expect_trace lyx2 "tls: handshakes=1 resumed=1 offered=1" &&
	cp "$SCRATCH/lyx2.db.tls-session" "$SESS" &&
	sync_as lyx &&
	expect_trace lyx "tls: handshakes=1 resumed=0 offered=0" &&
	session_ignored "its MAC is wrong" &&
	sync_as lyx &&
	expect_trace lyx "tls: handshakes=1 resumed=1 offered=1"
'

test_expect_success 'a session with a byte changed and its MAC left is ignored' '
	cp "$SESS" good &&
	size=$(wc -c <good) &&
	head -c $((size - 60)) good >"$SESS" &&
	printf "\377" >>"$SESS" &&
	tail -c 59 good >>"$SESS" &&
	! cmp -s good "$SESS" &&
	sync_as lyx &&
	expect_trace lyx "tls: handshakes=1 resumed=0 offered=0" &&
	session_ignored "its MAC is wrong"
'

test_expect_success 'a request that fails keeps no session: the token refused' '
	rm -f "$SESS" &&
	cp "$SCRATCH/lyx.db.token" token.kept &&
	printf "lyx:%s\n" notthesecret >"$SCRATCH/lyx.db.token" &&
	if sync_as lyx; then st=1; else st=0; fi &&
	cp token.kept "$SCRATCH/lyx.db.token" &&
	grep -i "token\|401\|refused" "$SCRATCH/lyx.err" &&
	test $st = 0 &&
	expect_trace lyx "tls: handshakes=1 resumed=0 offered=0" &&
	test ! -e "$SESS" &&
	sync_as lyx &&
	test -f "$SESS"
'

# A second county, with its own CA and certificate, on another port.
SECOND="$SCRATCH/county2"
LIANDONG_SERVER_DIR="$SECOND" "$LDS" init --county 另一县 \
	--listen 127.0.0.1:0 >init2.out || exit 1
LIANDONG_SERVER_DIR="$SECOND" "$LDS" serve --port-file port2 2>>server2.log &
second=$!
test_when_finished "kill $second 2>/dev/null"
wait_for 10 '[ -s port2 ]' || exit 1
LIANDONG_SERVER_DIR="$SECOND" "$LDS" station add --name other \
	--unit 龙羊峡镇 >other.code || exit 1
"$LD" init --db "$SCRATCH/other.db" --station other --unit 龙羊峡镇 >/dev/null &&
"$LD" enroll --db "$SCRATCH/other.db" --ca "$SECOND/ca.pem" \
	-- "https://127.0.0.1:$(cat port2)" "$(tail -n 1 other.code)" \
	>/dev/null 2>&1 || exit 1

test_expect_success 'a session of another server is never offered to this one' '
	sync_as other &&
	test -s "$SCRATCH/other.db.tls-session" &&
	cp "$SCRATCH/other.db.tls-session" "$SESS" &&
	sync_as lyx &&
	expect_trace lyx "tls: handshakes=1 resumed=0 offered=0" &&
	sync_as lyx &&
	expect_trace lyx "tls: handshakes=1 resumed=1 offered=1"
'

test_expect_success 'a session saved under another pin or CA is not offered' '
	cp "$SESS" lyx-session &&
	sed -i "1s/^\(liandong-tls-session 2 \)./\1x/" "$SESS" &&
	sync_as lyx &&
	expect_trace lyx "tls: handshakes=1 resumed=0 offered=0"
'

# A station that trusts the first county by its pin alone.
PIN=$(sed -n 's/.*event=listen .* pin=\(sha256\/\/[^ ]*\).*/\1/p' \
	"$SCRATCH/server.log" | tail -n 1)
"$LDS" station add --name pinned --unit 龙羊峡镇 --role township >pinned.code || exit 1
"$LD" init --db "$SCRATCH/pinned.db" --station pinned --unit 龙羊峡镇 >/dev/null &&
"$LD" enroll --db "$SCRATCH/pinned.db" --pin "$PIN" \
	-- "$SERVER_URL" "$(tail -n 1 pinned.code)" >/dev/null 2>&1 || exit 1

test_expect_success 'a station trusting the pin alone resumes too' '
	echo "# pin: $PIN" &&
	sync_as pinned &&
	expect_trace pinned "tls: handshakes=1 resumed=0 offered=0" &&
	sync_as pinned &&
	expect_trace pinned "tls: handshakes=1 resumed=1 offered=1"
'

# setconf KEY VALUE: sets a server.conf key; hup RESULT: reloads
# (SIGHUP) and waits for the log to say the reload's result (ok, failed).
setconf() {
	sed -i "/^$1 *=/d" "$LIANDONG_SERVER_DIR/server.conf" &&
	echo "$1 = $2" >>"$LIANDONG_SERVER_DIR/server.conf"
}
hup() {
	n=$(grep -c "event=reload result=$1" "$SCRATCH/server.log")
	kill -HUP "$SERVER_PID" &&
	wait_for 10 "[ \$(grep -c 'event=reload result=$1' '$SCRATCH/server.log') -gt $n ]"
}
TLS12="NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA"

# tls13_refused: a TLS 1.3 client gets no answer from the server.
tls13_refused() {
	printf "GET /v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" |
	timeout 20 gnutls-cli --x509cafile "$LIANDONG_SERVER_DIR/ca.pem" \
		--priority "NORMAL:-VERS-ALL:+VERS-TLS1.3" \
		-p "$PORT" 127.0.0.1 >gtls13.out 2>&1
	! grep -q "^HTTP/1.1 " gtls13.out
}

test_expect_success 'a reload refused or made leaves each listener its own priorities, resumed handshakes quiet' '
	sync_as lyx && cp "$SESS" kept &&
	setconf tls_priorities "$TLS12" && setconf key ca-key.pem &&
	hup failed &&
	sync_as lyx &&
	expect_trace lyx "tls: handshakes=1 resumed=1 offered=1" &&
	cmp kept "$SESS" &&
	! tls13_refused &&
	setconf key server-key.pem && hup ok &&
	tls13_refused &&
	sync_as lyx &&
	expect_trace lyx "tls: handshakes=1 resumed=0 offered=1" &&
	setconf tls_priorities "" && hup ok &&
	! tls13_refused &&
	sync_as lyx &&
	expect_trace lyx "tls: handshakes=1 resumed=0 offered=1" &&
	cp "$SESS" kept &&
	sync_as lyx &&
	expect_trace lyx "tls: handshakes=1 resumed=1 offered=1" &&
	cmp kept "$SESS"
'
# Whatever the check said, the server as it was.
setconf tls_priorities "" && setconf key server-key.pem && hup ok || exit 1

# The server restarted on its address: same certificate, new ticket key.
stop_server
start_server --listen "127.0.0.1:$PORT" || exit 1

test_expect_success 'a server restarted takes no ticket of before: a full handshake, then resumed' '
	sync_as lyx &&
	expect_trace lyx "tls: handshakes=1 resumed=0 offered=1" &&
	sync_as lyx &&
	expect_trace lyx "tls: handshakes=1 resumed=1 offered=1"
'

# The first county away, the second on its address, with its own
# certificate: both stations hold a session of the first that they offer.
stop_server
kill "$second" 2>/dev/null
wait "$second" 2>/dev/null
LIANDONG_SERVER_DIR="$SECOND" "$LDS" serve --listen "127.0.0.1:$PORT" \
	--port-file port3 2>>server2.log &
second=$!
test_when_finished "kill $second 2>/dev/null"
wait_for 10 '[ -s port3 ]' || exit 1

test_expect_success 'another server on the address is refused by the CA, saved session or not' '
	cp "$SESS" before &&
	test_must_fail on lyx sync >lyx.out 2>lyx.err &&
	grep -i "certificate\|SSL\|verif" lyx.err &&
	expect_trace lyx "tls: handshakes=0 resumed=0 offered=1" &&
	cmp before "$SESS"
'

test_expect_success 'and by the pin, saved session or not' '
	cp "$SCRATCH/pinned.db.tls-session" before &&
	test_must_fail on pinned sync >pinned.out 2>pinned.err &&
	grep -i "pinned\|public key" pinned.err &&
	expect_trace pinned "tls: handshakes=1 resumed=0 offered=1" &&
	cmp before "$SCRATCH/pinned.db.tls-session"
'
kill "$second" 2>/dev/null
wait "$second" 2>/dev/null

unset LIANDONG_NOW # the daemon's waits use the real clock
start_server --listen "127.0.0.1:$PORT" || exit 1

test_expect_success 'the daemon keeps its connection from one sync to the next' '
	LIANDONG_DB="$SCRATCH/lyx.db" "$LD" daemon --interval 1s \
		2>daemon.log &
	daemon=$!
	wait_for 20 "[ \$(grep -c \"event=sync \" daemon.log) -ge 3 ]"
	st=$?
	kill $daemon; wait $daemon
	cat daemon.log
	test $st = 0 &&
	test "$(grep -c "^tls: handshakes=1 " daemon.log)" = 1 &&
	test "$(grep -c "^tls: handshakes=0 resumed=0" daemon.log)" -ge 2
'

test_done
