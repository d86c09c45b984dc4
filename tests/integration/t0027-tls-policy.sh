#!/bin/sh
# The county server speaks TLS 1.2 and 1.3 only, with AEAD cipher suites
# only (no CBC, no SHA-1 MAC, no RSA key exchange), by the GnuTLS priority
# string of server/tls.h unless server.conf sets tls_priorities; a string
# GnuTLS does not accept keeps the server from starting. The agent still
# enrols and syncs, with the trial ECDSA certificate and with an RSA one.
#
# Every refusal is shown to be the server's: the same client connects once
# the server is set to GnuTLS's own NORMAL priorities (which accept TLS 1.0
# and 1.1, CBC suites and RSA key exchange). OpenSSL's clients run at
# SECLEVEL=0, below which Debian's OpenSSL would itself refuse TLS 1.0.
. "$(dirname "$0")/lib.sh"
test_plan 15

CA="$LIANDONG_SERVER_DIR/ca.pem"
CONF="$LIANDONG_SERVER_DIR/server.conf"
for tool in openssl gnutls-cli certtool; do
	command -v $tool >/dev/null ||
		{ echo "# $tool missing: run scripts/deps.sh"; exit 1; }
done

# ossl [s_client options]: "PROTOCOL CIPHER" of the handshake with the
# server, or "refused". The protocol is the session's when s_client shows
# it (with TLS 1.3 it may close before the session ticket that shows it
# comes: the "New, TLSv1.3" line says it then).
ossl() {
	timeout 10 openssl s_client -connect "127.0.0.1:$SERVER_PORT" \
		-CAfile "$CA" -verify_return_error "$@" </dev/null >ossl.out 2>&1
	_c=$(sed -n 's/^New, .*, Cipher is //p' ossl.out | head -n 1)
	_p=$(sed -n 's/^ *Protocol *: //p' ossl.out | head -n 1)
	[ -n "$_p" ] ||
		_p=$(sed -n 's/^New, \([^,]*\), Cipher is .*/\1/p' ossl.out | head -n 1)
	case "$_c" in
	"" | 0000 | "(NONE)") echo refused ;;
	*) echo "$_p $_c" ;;
	esac
}

# gtls PRIORITY: gnutls-cli's description of the session, or "refused".
gtls() {
	timeout 10 gnutls-cli --x509cafile "$CA" --priority "$1" \
		-p "$SERVER_PORT" 127.0.0.1 </dev/null >gtls.out 2>&1
	_d=$(sed -n 's/^- Description: //p' gtls.out | head -n 1)
	echo "${_d:-refused}"
}

# expect WHAT ACTUAL: ACTUAL matches the shell pattern WHAT.
expect() {
	echo "# got: $2"
	case "$2" in
	$1) return 0 ;;
	esac
	echo "expected $1, got '$2'" >&2
	return 1
}

# set_priorities [STRING]: server.conf's tls_priorities, none without.
set_priorities() {
	sed -i '/^tls_priorities *=/d' "$CONF" &&
	if [ $# -gt 0 ]; then echo "tls_priorities = $1" >>"$CONF"; fi
}

restart() { # [serve options]
	stop_server
	start_server --listen "127.0.0.1:$SERVER_PORT" "$@"
}

OLD_TLS='-cipher DEFAULT:@SECLEVEL=0'
CBC='ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:AES128-SHA:AES256-SHA'
G10='NORMAL:-VERS-ALL:+VERS-TLS1.0'
G11='NORMAL:-VERS-ALL:+VERS-TLS1.1'
GCBC='NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-CBC:+AES-256-CBC:-MAC-ALL:+SHA1:+SHA256:+SHA384'
GRSA='NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+RSA'

start_server --listen 127.0.0.1:0

# --- the default ---------------------------------------------------------------

test_expect_success 'TLS 1.0 and TLS 1.1 clients are refused' '
	expect refused "$(ossl -tls1 $OLD_TLS)" &&
	expect refused "$(ossl -tls1_1 $OLD_TLS)" &&
	expect refused "$(gtls $G10)" &&
	expect refused "$(gtls $G11)"
'

test_expect_success 'a TLS 1.2 client offering only CBC suites is refused' '
	expect refused "$(ossl -tls1_2 $OLD_TLS -cipher "$CBC")" &&
	expect refused "$(gtls $GCBC)"
'

test_expect_success 'TLS 1.2 clients with AEAD suites connect' '
	expect "TLSv1.2 ECDHE-ECDSA-AES256-GCM-SHA384" "$(ossl -tls1_2)" &&
	expect "TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256" \
		"$(ossl -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256)" &&
	expect "TLSv1.2 ECDHE-ECDSA-CHACHA20-POLY1305" \
		"$(ossl -tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305)" &&
	expect "(TLS1.2-X.509)-(ECDHE-*)-(AES-256-GCM)" \
		"$(gtls NORMAL:-VERS-ALL:+VERS-TLS1.2)"
'

test_expect_success 'TLS 1.3 clients connect' '
	expect "TLSv1.3 TLS_AES_256_GCM_SHA384" "$(ossl -tls1_3)" &&
	expect "TLSv1.3 TLS_CHACHA20_POLY1305_SHA256" \
		"$(ossl -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256)" &&
	expect "(TLS1.3-X.509)-*-(AES-256-GCM)" \
		"$(gtls NORMAL:-VERS-ALL:+VERS-TLS1.3)"
'

test_expect_success 'the agent enrols and syncs' '
	add_station lyx 龙羊峡镇 &&
	on lyx liaison log --type contact --summary 联络 >/dev/null &&
	on lyx sync --json >sync.json && jeq sync.json d.pushed 1
'

# --- the refusals were the server's ------------------------------------------

set_priorities NORMAL
restart

test_expect_success 'set to GnuTLS NORMAL, the same clients connect: the refusals were the server'"'"'s' '
	expect "TLSv1 *" "$(ossl -tls1 $OLD_TLS)" &&
	expect "TLSv1.1 *" "$(ossl -tls1_1 $OLD_TLS)" &&
	expect "TLSv1.2 *-SHA*" "$(ossl -tls1_2 $OLD_TLS -cipher "$CBC")" &&
	expect "(TLS1.0-X.509)-*" "$(gtls $G10)" &&
	expect "(TLS1.1-X.509)-*" "$(gtls $G11)" &&
	expect "(TLS1.2-X.509)-*-(AES-*-CBC)-*" "$(gtls $GCBC)"
'

# --- with an RSA certificate: no RSA key exchange ------------------------------

cat >rsa.tmpl <<EOF
cn = "localhost"
dns_name = "localhost"
ip_address = "127.0.0.1"
tls_www_server
signing_key
encryption_key
expiration_days = 30
EOF
certtool --generate-privkey --key-type rsa --bits 2048 \
	--outfile "$LIANDONG_SERVER_DIR/rsa-key.pem" 2>/dev/null &&
certtool --generate-certificate --load-privkey "$LIANDONG_SERVER_DIR/rsa-key.pem" \
	--load-ca-certificate "$CA" --load-ca-privkey "$LIANDONG_SERVER_DIR/ca-key.pem" \
	--template rsa.tmpl --outfile "$LIANDONG_SERVER_DIR/rsa.pem" 2>/dev/null ||
	exit 1
sed -i 's/^cert = .*/cert = rsa.pem/; s/^key = .*/key = rsa-key.pem/' "$CONF"

restart

test_expect_success 'set to NORMAL with an RSA key, RSA key exchange is possible' '
	expect "TLSv1.2 AES128-GCM-SHA256" \
		"$(ossl -tls1_2 -cipher AES128-GCM-SHA256)" &&
	expect "(TLS1.2-X.509)-(RSA)-*" "$(gtls $GRSA)"
'

set_priorities
restart

test_expect_success 'by default, an RSA key exchange is refused, even with an AEAD suite' '
	expect refused "$(ossl -tls1_2 -cipher AES128-GCM-SHA256:AES256-GCM-SHA384)" &&
	expect refused "$(gtls $GRSA)" &&
	expect refused "$(ossl -tls1 $OLD_TLS)"
'

test_expect_success 'by default, ECDHE with the RSA key connects, and the agent syncs' '
	expect "TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384" "$(ossl -tls1_2)" &&
	expect "TLSv1.3 TLS_AES_256_GCM_SHA384" "$(ossl -tls1_3)" &&
	on lyx liaison log --type contact --summary 换证之后 >/dev/null &&
	on lyx sync --json >sync.json && jeq sync.json d.pushed 1
'

# The default as docs/operations.md shows it, written out to be changed:
# it must fit in one server.conf line as inih reads it (199 bytes).
DEFAULT='NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:-SIGN-RSA-SHA1:-SIGN-ECDSA-SHA1'
set_priorities "$DEFAULT"
restart

test_expect_success 'the default written out in server.conf is read whole' '
	grep -Fx "tls_priorities = $DEFAULT" "$CONF" &&
	expect refused "$(ossl -tls1_1 $OLD_TLS)" &&
	expect refused "$(ossl -tls1_2 -cipher AES128-GCM-SHA256)" &&
	expect "TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256" \
		"$(ossl -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256)"
'

set_priorities ""
restart

test_expect_success 'an empty tls_priorities is the default, not GnuTLS'"'"'s' '
	expect refused "$(ossl -tls1 $OLD_TLS)" &&
	expect "TLSv1.3 *" "$(ossl -tls1_3)"
'
stop_server

# --- a string GnuTLS does not accept ------------------------------------------

test_expect_code 5 'a tls_priorities GnuTLS does not accept keeps the server from starting' '
	set_priorities "NORMAL:-VERS-ALL:+VERS-TLS1.3:+CHACHA-FAST" &&
	timeout 20 "$LDS" serve --listen 127.0.0.1:0 --port-file bad.port 2>bad.err
'

test_expect_success 'saying which keyword, and listening on nothing' '
	cat bad.err &&
	test_grep "liandong-server: error: invalid tls_priorities in server.conf: GnuTLS does not accept .+CHACHA-FAST." bad.err &&
	test_grep ! "event=listen" bad.err && ! test -e bad.port
'

test_expect_code 5 'a tls_priorities that leaves no TLS version keeps the server from starting' '
	set_priorities "NORMAL:-VERS-ALL" &&
	timeout 20 "$LDS" serve --listen 127.0.0.1:0 --port-file bad.port 2>bad.err
'

test_expect_success 'saying so' '
	test_grep "invalid tls_priorities in server.conf: .NORMAL:-VERS-ALL. leaves no TLS version" bad.err &&
	! test -e bad.port
'

test_done
