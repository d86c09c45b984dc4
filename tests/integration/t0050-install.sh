#!/bin/sh
# make install: the programs, shipped data, man pages, examples and systemd
# units under PREFIX, staged under DESTDIR; the installed programs read
# their data under PREFIX and never the source tree; a county server run
# from the installation serves stations, reloads on SIGHUP (a new
# certificate, a refused one, a broken server.conf, a new rule profile)
# and stops on SIGTERM; make uninstall takes everything away. A
# configuration key neither program knows is reported with its line.
#
# make install links again the objects of the build under test (build/,
# or build-san/ with SAN=1) with a paths.o of its own: it compiles one
# file and leaves the objects the other tests use as they are.
# backends: sqlite — installs the build with make in the source tree (twice at once would race on it); no store behaviour of its own
. "$(dirname "$0")/lib.sh"

case "$BUILD" in
"$TOP/build") SAN= ;;
"$TOP/build-san") SAN=1 ;;
*)
	test_skip_all "make install links the objects of $TOP/build or $TOP/build-san, and BUILD is $BUILD"
	;;
esac
test_plan 22

# A make of its own: not the jobserver or the variables of a make check
# that may have started this script.
mk() {
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
		make -C "$TOP" --no-print-directory SAN="$SAN" "$@"
}

ROOT=$SCRATCH/root
STAGED="usr/bin/liandong usr/sbin/liandong-server
usr/share/liandong/liandong.dict
usr/share/liandong/rules/gonghe.ini usr/share/liandong/rules/gu.ini
usr/share/liandong/rules/yicheng.ini usr/share/liandong/rules/baijiantan.ini
usr/share/liandong/rules/yantai.ini
usr/share/liandong/calendar/2025.ini usr/share/liandong/calendar/2026.ini
usr/share/liandong/examples/agent.conf usr/share/liandong/examples/server.conf
usr/share/man/man1/liandong.1 usr/share/man/man5/liandong.conf.5
usr/share/man/man5/liandong-server.conf.5 usr/share/man/man8/liandong-server.8
usr/lib/systemd/system/liandong-server.service
usr/lib/systemd/system/liandong.service usr/lib/sysusers.d/liandong.conf
usr/share/locale/zh_CN/LC_MESSAGES/liandong.mo"

test_expect_success 'make install DESTDIR=... PREFIX=/usr puts every file in place' '
	mk install DESTDIR="$ROOT" PREFIX=/usr >install.out 2>&1 ||
		{ cat install.out; exit 1; }
	for f in $STAGED; do
		test -f "$ROOT/$f" || { echo "missing: $f"; exit 1; }
	done &&
	test "$(stat -c %a "$ROOT/usr/bin/liandong")" = 755 &&
	test "$(stat -c %a "$ROOT/usr/sbin/liandong-server")" = 755 &&
	test "$(stat -c %a "$ROOT/usr/share/liandong/rules/gu.ini")" = 644 &&
	test "$(stat -c %a "$ROOT/usr/lib/systemd/system/liandong.service")" = 644 &&
	test "$(find "$ROOT" -type f | wc -l)" -eq "$(echo $STAGED | wc -w)"
'

test_expect_success 'the installed programs look for their data under PREFIX, never in the source tree' '
	for p in usr/bin/liandong usr/sbin/liandong-server; do
		strings "$ROOT/$p" >strings.out &&
		grep -qx /usr/share/liandong strings.out &&
		test_grep ! "$TOP/conf" strings.out || exit 1
	done &&
	strings "$BUILD/liandong" | grep -qx "$TOP/conf"
'

test_expect_success 'units, man pages and examples name the paths under PREFIX' '
	grep -qx "ExecStart=/usr/sbin/liandong-server serve --dir /var/lib/liandong-server" \
		"$ROOT/usr/lib/systemd/system/liandong-server.service" &&
	grep -qx "ExecStart=/usr/bin/liandong daemon" \
		"$ROOT/usr/lib/systemd/system/liandong.service" &&
	test_grep "/usr/share/liandong/liandong.dict" \
		"$ROOT/usr/share/liandong/examples/server.conf" &&
	! grep -rl /usr/local/ "$ROOT/usr/share" "$ROOT/usr/lib"
'

# The man pages render without a single warning, in any locale (they are
# ASCII), through man-db as an administrator reads them and through groff.
test_expect_success 'the man pages render without warnings' '
	if ! command -v groff >/dev/null; then
		echo "# groff is missing (scripts/deps.sh installs groff-base)" >&2
		exit 1
	fi
	for m in $(cd "$ROOT/usr/share/man" && ls man?/*); do
		f=$ROOT/usr/share/man/$m
		! grep -nP "[^\x00-\x7F]" "$f" || { echo "$m: not ASCII"; exit 1; }
		groff -man -Tutf8 -ww -z "$f" 2>groff.err && ! test -s groff.err ||
			{ echo "$m:"; cat groff.err; exit 1; }
		if command -v man >/dev/null; then
			LC_ALL=C MANWIDTH=80 man --warnings -l "$f" >man.out 2>man.err &&
			! test -s man.err && test_grep "SEE ALSO" man.out ||
				{ echo "$m:"; cat man.err; exit 1; }
		fi
	done
'

# commands PROG: the command names PROG --help lists, one a line (its
# table is "  %-20s %s"); options PROG CMD [common]: the options of
# CMD's --help, or its common options.
commands() {
	"$1" --help | sed -n 's/^  \([a-z][a-z ]\{0,19\}\).*/\1/p' | sed 's/ *$//'
}
options() {
	# shellcheck disable=SC2086
	"$1" $2 --help | if [ "${3:-}" = common ]; then
		sed -n '/^common options:/,$s/^  \(--[a-z-]*\).*/\1/p'
	else
		sed -n '/^options:/,/^common options:/s/^  \(--[a-z-]*\).*/\1/p'
	fi
}
# man_text PAGE: the roff source as it reads: \- as -, no font changes.
man_text() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' "$1"
}
# man_entry PAGE CMD: CMD's entry in man_text's PAGE: from its tag (a
# .TP, then .B or .BI and the command) to the next command's or section.
man_entry() {
	awk -v cmd="$2" '
		/^\.SH/ { inb = 0 }
		prev == ".TP" && /^\.BI? "?[a-z]/ {
			t = $0
			sub(/^\.BI? "?/, "", t)
			n = length(cmd)
			inb = substr(t, 1, n) == cmd &&
			    (length(t) == n || substr(t, n + 1, 1) ~ /[ "]/)
		}
		inb { print }
		{ prev = $0 }
	' "$1"
}
# man_covers PROG PAGE: every command of PROG --help has an entry in
# PAGE naming each of its options, and PAGE names every common option.
man_covers() {
	man_text "$2" >page.txt &&
	commands "$1" >cmds &&
	test "$(wc -l <cmds)" -gt 10 || return 1
	while read -r cmd; do
		man_entry page.txt "$cmd" >entry.txt
		test -s entry.txt || { echo "$2: no entry for '$cmd'"; return 1; }
		for o in $(options "$1" "$cmd"); do
			grep -Eq -- "^\.BI? $o( |$)" entry.txt ||
				{ echo "$2: '$cmd' lacks $o"; return 1; }
		done
	done <cmds
	for o in $(options "$1" "$(head -n 1 cmds)" common); do
		grep -Eq -- "^\.BI? $o( |$)" page.txt ||
			{ echo "$2: no common option $o"; return 1; }
	done
}

test_expect_success 'every command and option of --help is in the man pages' '
	man_covers "$BUILD/liandong" "$ROOT/usr/share/man/man1/liandong.1" &&
	man_covers "$BUILD/liandong-server" "$ROOT/usr/share/man/man8/liandong-server.8"
'

test_expect_success 'a command missing from a man page is noticed' '
	grep -v "^\.B due$" "$ROOT/usr/share/man/man8/liandong-server.8" >short.8 &&
	! man_covers "$BUILD/liandong-server" short.8 >out &&
	test_grep "no entry for .due." out
'

# keys FILE: the keys of an INI file, commented out or not, in order;
# man_keys PAGE: the keys the tags of its KEYS section name.
keys() {
	sed -n 's/^;\{0,1\}\([a-z_][a-z_]*\) *=.*/\1/p' "$1"
}
man_keys() {
	awk '/^\.SH/ { on = $2 == "KEYS" }
		on && prev == ".TP" && /^\.B [a-z_]+$/ { print $2 }
		{ prev = $0 }' "$1"
}

test_expect_success 'the example server.conf holds every key, as init writes them and the man page lists them' '
	"$BUILD/liandong-server" init --dir "$SCRATCH/keys" --county 测试县 >/dev/null &&
	keys "$SCRATCH/keys/server.conf" >init.keys &&
	test "$(wc -l <init.keys)" -eq 23 &&
	keys "$TOP/conf/server.conf" >example.keys &&
	test_cmp init.keys example.keys &&
	man_keys "$TOP/man/liandong-server.conf.5" >man.keys &&
	test_cmp init.keys man.keys
'

test_expect_success 'the example agent.conf holds every key the agent knows, as its man page' '
	keys "$TOP/conf/agent.conf" >agent.keys &&
	test "$(wc -l <agent.keys)" -eq 8 &&
	man_keys "$TOP/man/liandong.conf.5" >agentman.keys &&
	test_cmp agent.keys agentman.keys &&
	sed "s/^;\([a-z_]* *=\)/\1/" "$TOP/conf/agent.conf" |
		sed "s|^db = .*|db = $SCRATCH/example.db|; s|^dict = .*|dict =|; s|^profile = .*|profile =|" \
		>example-agent.conf &&
	"$LD" init --config example-agent.conf --station ex --unit 龙羊峡镇 \
		>/dev/null 2>err &&
	test -f example.db && ! test -s err
'

test_expect_success 'a key or section the agent does not know is warned about, with its line' '
	printf "[station]\nofficer = 卓玛\n[sync]\ninteval = 5m\n[sink]\na = 1\nb = 2\n" >typo.conf &&
	"$LD" log --config typo.conf --db "$SCRATCH/example.db" >/dev/null 2>err &&
	test_grep "^liandong: warning: .typo.conf. line 4: unknown key .inteval. in \[sync\] (did you mean .interval.?)$" err &&
	test_grep "^liandong: warning: .typo.conf. line 5: unknown section \[sink\]$" err &&
	test "$(wc -l <err)" -eq 2
'

test_expect_success 'a key the server does not know is warned about, with its line' '
	n=$(($(wc -l <"$SCRATCH/keys/server.conf") + 1)) &&
	echo "max_route = 5" >>"$SCRATCH/keys/server.conf" &&
	"$BUILD/liandong-server" unit list --dir "$SCRATCH/keys" >/dev/null 2>err &&
	test_grep "^liandong-server: warning: .*server.conf. line $n: unknown key .max_route. in \[server\] (did you mean .max_routes.?)$" err
'

test_expect_success 'make uninstall DESTDIR=... leaves nothing' '
	mk uninstall DESTDIR="$ROOT" PREFIX=/usr >uninstall.out 2>&1 ||
		{ cat uninstall.out; exit 1; }
	test -z "$(find "$ROOT" -type f -o -type l)" &&
	test -z "$(find "$ROOT" -name "*liandong*")"
'

# --- a county server run from an installation ------------------------------

# Installed where it runs: PREFIX is a scratch directory, no DESTDIR.
P=$SCRATCH/prefix
test_expect_success 'make install PREFIX=... for a server and stations to run' '
	mk install PREFIX="$P" >install2.out 2>&1 || { cat install2.out; exit 1; }
	test -x "$P/bin/liandong" && test -x "$P/sbin/liandong-server"
'
LD=$P/bin/liandong
LDS=$P/sbin/liandong-server

# systemd-analyze verify checks the units' syntax, that ExecStart's
# program exists and that Documentation's man pages are found. It is
# first tried on a unit that cannot be wrong: if that fails, the tool
# cannot work in this machine (a container without what it needs), and
# only this check is skipped, saying why.
printf '[Unit]\nDescription=probe\n[Service]\nExecStart=/bin/true\n' \
	>"$SCRATCH/probe.service"
if ! command -v systemd-analyze >/dev/null; then
	test_skip 'systemd-analyze verify passes on the installed units' \
		"no systemd-analyze here (the systemd package; scripts/deps.sh installs it)"
elif ! systemd-analyze verify "$SCRATCH/probe.service" >probe.out 2>&1; then
	sed 's/^/#   /' probe.out
	test_skip 'systemd-analyze verify passes on the installed units' \
		"it fails on a trivial unit here (above), so it cannot judge ours"
else
	test_expect_success 'systemd-analyze verify passes on the installed units' '
		MANPATH=$P/share/man systemd-analyze verify \
			"$P/lib/systemd/system/liandong-server.service" \
			"$P/lib/systemd/system/liandong.service" >verify.out 2>&1 ||
			{ cat verify.out; exit 1; }
		! grep . verify.out
	'
fi

test_expect_success 'init finds the rule profile and the dictionary under PREFIX, not in the source tree' '
	mv "$P/share/liandong/rules/gonghe.ini" gonghe.ini &&
	test_must_fail "$LDS" init --dir "$SCRATCH/nogonghe" --county 测试县 \
		--rules gonghe 2>err &&
	test_grep "$P/share/liandong/rules/gonghe.ini" err &&
	mv gonghe.ini "$P/share/liandong/rules/gonghe.ini" &&
	"$LDS" init --county 测试县 --listen 127.0.0.1:0 --rules gonghe \
		>"$SCRATCH/init.out" &&
	grep -qx "dict = $P/share/liandong/liandong.dict" \
		"$LIANDONG_SERVER_DIR/server.conf" &&
	grep -qx "rules = gonghe" "$LIANDONG_SERVER_DIR/server.conf"
'

start_server
add_station lyx 龙羊峡镇
add_station bureau 县综合行政执法局 bureau
refresh_directory lyx
test_expect_success 'the installed server serves the installed agents: enroll, refer, sync' '
	test_grep ! "event=calendar result=missing" "$SCRATCH/server.log" &&
	on lyx case open --source patrol --category 违法建设 --location 查纳村 \
		--description "违法建房" --urgent >case &&
	on lyx due --json >due.json && test_grep "gonghe/refer_urgent" due.json &&
	on lyx referral send "$(cat case)" --to 县综合行政执法局 --letter 移送函 \
		--source-material 检查笔录 --evidence 照片 >ref &&
	on lyx sync >/dev/null && on bureau sync >/dev/null &&
	on bureau referral list --incoming --json >in.json &&
	test_grep "$(cat ref)" in.json
'

# reloads N: the log holds N lines "event=reload".
reloads() {
	test "$(grep -c "event=reload result" "$SCRATCH/server.log")" -eq "$1"
}
# served_cert: the fingerprint of the certificate the server presents.
served_cert() {
	openssl s_client -connect "127.0.0.1:$SERVER_PORT" </dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256
}
SD=$LIANDONG_SERVER_DIR

test_expect_success 'SIGHUP reloads, one log line, and the server keeps serving' '
	kill -HUP "$SERVER_PID" &&
	wait_for 10 "reloads 1" &&
	test_grep "event=reload result=ok cert=same pin=sha256//.* rules=gonghe calendars=2" \
		"$SCRATCH/server.log" &&
	kill -0 "$SERVER_PID" &&
	on lyx liaison log --type patrol --summary 巡查 >/dev/null &&
	on lyx sync --json >sync.json && jeq sync.json "d[\"pushed\"]" 1
'

# A new key and certificate for 127.0.0.1, signed by the trial CA the
# stations enrolled with.
test_expect_success 'SIGHUP serves a new certificate; stations trust it through their CA' '
	served_cert >before.fp && test_grep "Fingerprint" before.fp &&
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout new-key.pem -subj /CN=127.0.0.1 -out new.csr 2>/dev/null &&
	printf "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n" >ext &&
	openssl x509 -req -in new.csr -CA "$SD/ca.pem" -CAkey "$SD/ca-key.pem" \
		-CAcreateserial -days 30 -extfile ext -out new.pem 2>/dev/null &&
	openssl x509 -in new.pem -noout -fingerprint -sha256 >new.fp &&
	cp "$SD/server.pem" old.pem && cp "$SD/server-key.pem" old-key.pem &&
	cp new.pem "$SD/server.pem" && cp new-key.pem "$SD/server-key.pem" &&
	kill -HUP "$SERVER_PID" &&
	wait_for 10 "reloads 2" &&
	test_grep "event=reload result=ok cert=new" "$SCRATCH/server.log" &&
	served_cert >after.fp && test_cmp new.fp after.fp &&
	on lyx liaison log --type patrol --summary 巡查 >/dev/null &&
	on lyx sync >/dev/null
'

test_expect_success 'a certificate that is refused on SIGHUP leaves the old one serving' '
	echo "-----BEGIN CERTIFICATE-----" >"$SD/server.pem" &&
	echo "not a certificate" >>"$SD/server.pem" &&
	kill -HUP "$SERVER_PID" &&
	wait_for 10 "reloads 3" &&
	test_grep "event=reload result=failed kept=old reason=\"bad certificate .*server.pem.: " \
		"$SCRATCH/server.log" &&
	kill -0 "$SERVER_PID" &&
	served_cert >still.fp && test_cmp new.fp still.fp &&
	on lyx sync >/dev/null &&
	cp old.pem "$SD/server.pem" && cp old-key.pem "$SD/server-key.pem"
'

test_expect_success 'a key that does not match the certificate is refused the same way' '
	cp new-key.pem "$SD/server-key.pem" &&
	kill -HUP "$SERVER_PID" &&
	wait_for 10 "reloads 4" &&
	test_grep "result=failed kept=old reason=\"the certificate and key are refused" \
		"$SCRATCH/server.log" &&
	served_cert >still2.fp && test_cmp new.fp still2.fp &&
	cp old-key.pem "$SD/server-key.pem"
'

test_expect_success 'a broken server.conf on SIGHUP is logged, the server keeps the old one' '
	cp "$SD/server.conf" good.conf &&
	n=$(($(wc -l <good.conf) + 1)) &&
	sed -i "s/^rules = gonghe/rules = gu/" "$SD/server.conf" &&
	echo "[server" >>"$SD/server.conf" &&
	kill -HUP "$SERVER_PID" &&
	wait_for 10 "reloads 5" &&
	test_grep "result=failed kept=old reason=.*server.conf.: syntax error on line $n\"" \
		"$SCRATCH/server.log" &&
	served_cert >still3.fp && test_cmp new.fp still3.fp &&
	on lyx case open --source patrol --category 违法建设 --location 查纳村 \
		--description "规则未变" >case2 &&
	on lyx sync >/dev/null && on lyx due --json >due2.json &&
	test_grep ! "\"gu/" due2.json
'

test_expect_success 'SIGHUP applies a new rule profile and warns of an unknown key' '
	n=$(($(wc -l <good.conf) + 1)) &&
	sed "s/^rules = gonghe/rules = gu/" good.conf >"$SD/server.conf" &&
	echo "max_route = 5" >>"$SD/server.conf" &&
	kill -HUP "$SERVER_PID" &&
	wait_for 10 "reloads 6" &&
	test_grep "event=reload result=ok .* rules=gu " "$SCRATCH/server.log" &&
	test_grep "line $n: unknown key .max_route. in \[server\]" "$SCRATCH/server.log" &&
	served_cert >back.fp && test_cmp before.fp back.fp &&
	on lyx sync >/dev/null &&
	on lyx case open --source patrol --category 违法建设 --location 查纳村 \
		--description "新规则" >case3 &&
	on lyx due --json >due3.json && test_grep "\"gu/refer" due3.json
'

kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
status=$?
test_expect_success 'SIGTERM stops the server, exit 0' '
	test "$status" -eq 0 &&
	test_grep "event=stop signal=15" "$SCRATCH/server.log"
'

test_done
