/*
 * tls.h - the server's GnuTLS: certificates for a trial county server (a
 * self-signed CA and a server certificate for 127.0.0.1 and localhost; a
 * real deployment sets its own certificate and key in server.conf), and
 * the TLS versions and cipher suites it accepts.
 */
#ifndef LD_TLS_H
#define LD_TLS_H

#include <jansson.h>
#include <stdint.h>

#include "hash.h"

/* Writes ca.pem, ca-key.pem, server.pem and server-key.pem into dir
 * (keys mode 0600) and fills pin with the server key's pin. The server
 * certificate names localhost and 127.0.0.1, and each of hosts (a JSON
 * array of host names and IP addresses, or NULL). */
int tls_make_trial_certs(const char *dir, const char *county,
    const json_t *hosts, char pin[HASH_B64], char *err);

/* When the first certificate in a PEM file stops being valid (ms). */
int tls_cert_expiry(const char *pem_path, int64_t *not_after_ms, char *err);

/* The pin (base64 SHA-256 of the SubjectPublicKeyInfo) of the first
 * certificate in a PEM file. */
int tls_cert_pin(const char *pem_path, char pin[HASH_B64], char *err);

/*
 * What the server accepts unless server.conf sets tls_priorities (a GnuTLS
 * priority string, docs/operations.md): TLS 1.3 and 1.2 only; AEAD cipher
 * suites only (AES-GCM, ChaCha20-Poly1305: no CBC, no SHA-1 MAC); ECDHE
 * key exchange only (forward secrecy: no RSA key exchange), for an ECDSA
 * or an RSA certificate; no SHA-1 signatures. Short enough to be copied
 * into server.conf and changed there: inih reads a line up to 199 bytes.
 */
#define TLS_PRIORITIES_DEFAULT "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:" \
	"-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:" \
	"-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:" \
	"-SIGN-RSA-SHA1:-SIGN-ECDSA-SHA1"

/* The priority string to use for the setting conf: conf itself, or
 * TLS_PRIORITIES_DEFAULT when it is NULL or empty (never GnuTLS's own
 * defaults, which accept TLS 1.0), with %DISABLE_TLS13_COMPAT_MODE: no
 * ChangeCipherSpec record after the ServerHello for middleboxes that
 * are not on a station's link (RFC 8446, D.4; the agent asks for none),
 * 6 bytes a handshake. */
const char *tls_priorities(const char *conf);

/* Checks the setting conf (as tls_priorities() reads it) with GnuTLS
 * before the server starts: 0, or LD_ECONFIG with the keyword GnuTLS
 * stopped at, or that it leaves no TLS version, in err. */
int tls_priorities_check(const char *conf, char *err);

/*
 * TLS session resumption (docs/architecture.md, "TLS sessions"): lets a
 * station that connected before reconnect with a short handshake (TLS 1.3
 * tickets; TLS 1.2 tickets likewise). A listener makes its ticket key
 * with tls_tickets_new (conf: its tls_priorities setting; NULL when no
 * key could be made: no tickets, nothing else fails) and forgets it with
 * tls_tickets_free once it has stopped; tls_tickets_enable is called for
 * each connection (a gnutls_session_t) before its handshake, thread-safe.
 * It returns 0, or -1 (that connection then makes full handshakes only).
 * Everything a connection uses of it (the key, and the priorities that
 * keep a resumed handshake from sending tickets) is the listener's own,
 * made from its conf: nothing of it is global, so that a reload, made
 * or refused, changes nothing for another listener's connections.
 * The key lives in memory only: a reload or a restart makes every ticket
 * unusable, and each station's next connection a full handshake, verified
 * against the certificate then in use.
 */
#define TLS_TICKET_LIFETIME (24 * 3600) /* seconds a ticket is accepted */
struct tls_tickets;
struct tls_tickets *tls_tickets_new(const char *conf);
void tls_tickets_free(struct tls_tickets *t);
int tls_tickets_enable(const struct tls_tickets *t, void *session);

#endif
