#!/bin/sh
# The county's CA rolls over without a site visit (issue 12): the next CA
# is announced to the stations through sync (server.conf next_ca), over a
# connection the current certificate authenticates; after the switch to a
# certificate it signs, the stations that synced meanwhile connect at
# once, and one that missed the announcement is pointed at the new CA
# with one command, 'liandong trust --ca FILE'.
. "$(dirname "$0")/lib.sh"
test_plan 4

start_server
PORT=$SERVER_PORT
add_station a 龙羊峡镇
add_station b 恰卜恰镇
refresh_directory a b
SD="$LIANDONG_SERVER_DIR"

# A second CA and a server certificate it signs, for 127.0.0.1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout ca2-key.pem -out ca2.pem -days 30 -subj "/CN=Liandong CA 2" \
	2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout srv2-key.pem -out srv2.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >ext
openssl x509 -req -in srv2.csr -CA ca2.pem -CAkey ca2-key.pem \
	-CAcreateserial -out srv2.pem -days 30 -extfile ext 2>/dev/null
chmod 600 srv2-key.pem

# setconf KEY VALUE: sets a server.conf key; hup: reloads (SIGHUP) and
# waits for the log to say it did.
setconf() {
	sed -i "/^$1 *=/d" "$SD/server.conf" && echo "$1 = $2" >>"$SD/server.conf"
}
hup() {
	n=$(grep -c "event=reload result=ok" "$SCRATCH/server.log")
	kill -HUP "$SERVER_PID" &&
	wait_for 10 "[ \$(grep -c 'event=reload result=ok' '$SCRATCH/server.log') -gt $n ]"
}

test_expect_success 'the next CA is announced: a station that syncs keeps it' '
	test -s srv2.pem && setconf next_ca "$SCRATCH/ca2.pem" && hup &&
	on a sync >/dev/null &&
	sqlite3 a.db "SELECT value FROM meta WHERE key=\"next_ca\"" >held &&
	test_grep "BEGIN CERTIFICATE" held &&
	sqlite3 b.db "SELECT count(*) FROM meta WHERE key=\"next_ca\" AND value<>\"\"" >bh &&
	test "$(cat bh)" = 0
'

test_expect_success 'after the switch, the station that synced connects at once' '
	setconf cert "$SCRATCH/srv2.pem" && setconf key "$SCRATCH/srv2-key.pem" &&
	hup &&
	on a liaison log --type contact --summary 换证后 >/dev/null && on a sync >/dev/null
'

test_expect_success 'one that missed it fails plainly, and one command points it at the new CA' '
	{ on b sync 2>err; test $? = 7; } && test_grep "certificate" err &&
	on b trust --ca ca2.pem >/dev/null && on b sync >/dev/null &&
	on b verify >/dev/null
'

test_expect_success 'a next_ca that holds no certificate is refused on reload, the old settings kept' '
	echo "not a certificate" >bad.pem &&
	n=$(grep -c "event=reload result=failed" "$SCRATCH/server.log"; true) &&
	setconf next_ca "$SCRATCH/bad.pem" &&
	kill -HUP "$SERVER_PID" &&
	wait_for 10 "[ \$(grep -c \"event=reload result=failed\" \"$SCRATCH/server.log\") -gt $n ]" &&
	test_grep "holds no PEM certificate" "$SCRATCH/server.log" && on a sync >/dev/null
'

test_done
