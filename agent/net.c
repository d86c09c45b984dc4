/*
 * net.c - libcurl glue (the only file that includes curl/curl.h), and the
 * OpenSSL under it (the only file that includes openssl/ssl.h).
 *
 * One easy handle per sync run, so that the TLS session and the TCP
 * connection are reused across the batches of a large sync. The handles
 * of one process share a connection cache and a TLS session cache
 * (net_share), so that the daemon's next sync takes up the connection of
 * the one before while the server keeps it open, and resumes the TLS
 * session when it did not.
 *
 * TLS sessions across runs (net_keep_sessions): libcurl 7.88 cannot
 * export or import one, so it is done with OpenSSL, libcurl's TLS here,
 * through CURLOPT_SSL_CTX_FUNCTION (on_ssl_ctx):
 *
 *   - saving: a new-session callback on the SSL_CTX, in front of
 *     libcurl's own (which it still calls), takes each session the
 *     server hands out (a TLS 1.3 ticket, after the handshake; a TLS 1.2
 *     one, within it), and once the request it came with has had its
 *     answer (so libcurl has checked the server's certificate), it goes
 *     to the station's session file, mode 0600, replacing the one before;
 *   - offering: libcurl makes the SSL after the callback returns, so an
 *     info callback puts the saved session on it when its handshake
 *     starts, before the ClientHello is written, unless libcurl already
 *     put one of its own there (a second connection in the same run).
 *
 * The file is bound to the server: its first line holds a hash of the
 * server's URL, pin and CA certificates as this station trusts them now
 * (session_binding); a session saved under anything else (another county,
 * a pin changed by 'liandong trust', a CA rolled over), and a file that
 * does not parse or holds no resumable, unexpired session, is never
 * offered: the connection makes a full handshake, as without one.
 *
 * The file is not trusted as read (session_load): it is opened without
 * following a symbolic link or blocking on a FIFO, and used only when it
 * is a regular file of this user that no group or other may write, and
 * when its MAC is right: HMAC-SHA256 of its header and session under a
 * key derived from the station's token (session_key), a secret no one
 * else on the computer holds, so that a file planted or edited by another
 * is ignored (and said once in the log), as is one of a token since
 * replaced. It is written whole (session_save): a new file of mode 0600,
 * synced, renamed over the old one.
 *
 * A session is saved only from a request that succeeded (curl's transfer
 * complete and a 2xx answer), and only from a connection this handle
 * made under this server's binding (the SSL's owner, set when its
 * handshake starts, and its SSL_CTX's binding): one from a failed
 * request is dropped with it.
 *
 * A resumed session is no way around the pin or the CA: libcurl checks
 * the certificate of a resumed session (the one the full handshake
 * verified, kept in the session) against the pin and the CA as for a new
 * one, and only the server that issued the ticket can finish a handshake
 * with it (RFC 8446, 2.2: the resumption secret is known to no one else).
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"
#include "log.h"
#include "ltime.h"
#include "net.h"
#include "proto.h"
#include "util.h"

/* The session file: "liandong-tls-session 2 BINDING MAC\n" then DER;
 * BINDING is session_binding's hash, MAC the HMAC-SHA256 (hex) under
 * session_key of "liandong-tls-session 2 BINDING" and the DER. */
#define SESSION_MAGIC "liandong-tls-session 2 "
#define SESSION_MAX 16384 /* bytes of a session file read at most */
#define SESSION_KEY_LEN 32
/* The longest a session is kept, whatever it says: a TLS 1.3 ticket's
 * lifetime is 7 days at most (RFC 8446, 4.6.1). */
#define SESSION_LIFETIME_MAX (7L * 24 * 3600)

/* What the agent's ClientHello offers (on_ssl_ctx, net_new). */
#define NET_TLS13_SUITES "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:" \
	"TLS_CHACHA20_POLY1305_SHA256"
#define NET_TLS12_SUITES "ECDHE-ECDSA-AES128-GCM-SHA256:" \
	"ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:" \
	"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:" \
	"ECDHE-RSA-CHACHA20-POLY1305"
#define NET_GROUPS "X25519:P-256"
#define NET_SIGALGS "ECDSA+SHA256:ECDSA+SHA384:rsa_pss_rsae_sha256:" \
	"rsa_pss_rsae_sha384:RSA+SHA256"

struct net {
	CURL *h;
	long connect_timeout; /* seconds, as given to net_new */
	char *url;
	char *auth;  /* "Authorization: Bearer ..." */
	char *version; /* "X-Liandong-Version: ...", or NULL */
	struct curl_blob ca;
	char errbuf[CURL_ERROR_SIZE];
	double up, down; /* HTTP bytes of every request so far (on_debug) */
	char binding[HASH_HEX]; /* session_binding of this server */
	unsigned char key[SESSION_KEY_LEN]; /* session_key; have_key: set */
	int have_key;
	uintptr_t serial;       /* this handle's number, the SSLs' owner */
	SSL_SESSION *saved;     /* owned: the session file's, to offer */
	SSL_SESSION *pending;   /* owned: the newest one the server gave */
	int offered;            /* connections it was put on */
	int handshakes;         /* TLS handshakes finished */
	int resumed;            /* of which resumed a session */
	const SSL *last_done;   /* not owned: the last one counted */
};

/* The process's session file (net_keep_sessions), or NULL. */
static char *session_path;

void
net_keep_sessions(const char *path)
{
	free(session_path);
	session_path = path != NULL ? xstrdup(path) : NULL;
}

struct sink {
	char *buf;
	size_t len;
	size_t max;
	int too_big;
	char *encoding;
	unsigned retry_after; /* seconds of a Retry-After header; 0: none */
};

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n;

	if (s->len + len > s->max) {
		s->too_big = 1;
		return 0;
	}
	s->buf = xrealloc(s->buf, s->len + len + 1);
	memcpy(s->buf + s->len, p, len);
	s->len += len;
	s->buf[s->len] = '\0';
	return len;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n;

	if (len > 17 && strncasecmp(p, "Content-Encoding:", 17) == 0) {
		char *v = p + 17;
		size_t vl = len - 17;
		while (vl > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			vl--;
		}
		while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' ||
		    v[vl - 1] == ' '))
			vl--;
		free(s->encoding);
		s->encoding = xasprintf("%.*s", (int)vl, v);
	}
	/* Seconds only (the server never sends an HTTP date). */
	if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
		char buf[16];
		size_t vl = len - 12 < sizeof buf - 1 ? len - 12 : sizeof buf - 1;
		long v;

		memcpy(buf, p + 12, vl);
		buf[vl] = '\0';
		v = strtol(buf, NULL, 10);
		s->retry_after = v > 0 && v <= 3600 ? (unsigned)v : 0;
	}
	return len;
}

/*
 * Counts what goes over the connection at the HTTP level, as curl hands it
 * to the debug function: request line, headers and body up; status line,
 * headers and body (as received: chunk framing included) down. curl's
 * counters do not add up to that: CURLINFO_REQUEST_SIZE holds the request
 * headers and the part of the body sent with them (all of a small
 * CURLOPT_POSTFIELDS body, none of a large one), CURLINFO_SIZE_UPLOAD_T the
 * whole body, CURLINFO_SIZE_DOWNLOAD_T the body without the headers.
 * TLS records and handshakes are below this level and not counted.
 */
static int
on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
	struct net *n = arg;

	if (type == CURLINFO_HEADER_OUT || type == CURLINFO_DATA_OUT)
		n->up += (double)size;
	else if (type == CURLINFO_HEADER_IN || type == CURLINFO_DATA_IN)
		n->down += (double)size;
	return 0;
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	if (ultotal > 0 || dltotal > 0)
		fprintf(stderr, "\r  %s %lld/%lld KiB, %s %lld KiB   ", _("sending"),
		    (long long)ulnow / 1024, (long long)ultotal / 1024,
		    _("receiving"), (long long)dlnow / 1024);
	return 0;
}

/* The hash that ties a saved session to the server it was made with:
 * its URL, pin and CA certificates. */
static void
session_binding(const struct net_opts *o, char out[HASH_HEX])
{
	const char *pin = o->pin != NULL ? o->pin : "";
	const char *ca = o->ca_pem != NULL ? o->ca_pem : "";
	char *text = xasprintf("url=%zu:%s pin=%zu:%s ca=%zu:%s",
	    strlen(o->url), o->url, strlen(pin), pin, strlen(ca), ca);

	hash_hex(text, strlen(text), out);
	free(text);
}

/* The key of the session file's MAC: HMAC-SHA256, keyed by the
 * station's token, of a label saying what it is for (the token itself
 * never touches the file). */
static int
session_key(const char *token, unsigned char key[SESSION_KEY_LEN])
{
	static const char label[] = "liandong tls-session mac key 1";
	unsigned int len = SESSION_KEY_LEN;

	return HMAC(EVP_sha256(), token, (int)strlen(token),
	    (const unsigned char *)label, sizeof label - 1, key, &len) !=
	    NULL && len == SESSION_KEY_LEN ? 0 : -1;
}

/* The MAC of a session file (as hex, HASH_HEX bytes with its NUL): of
 * its magic and binding, then of its DER. 0, or -1. */
static int
session_mac(const unsigned char key[SESSION_KEY_LEN], const char *binding,
    const unsigned char *der, size_t len, char out[HASH_HEX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int ml = 0, i;
	size_t hl = strlen(SESSION_MAGIC) + strlen(binding);
	/* The one-shot HMAC() (HMAC_CTX is deprecated in OpenSSL 3) over
	 * the two parts joined. */
	unsigned char *msg = xmalloc(hl + len);
	int ok;

	memcpy(msg, SESSION_MAGIC, strlen(SESSION_MAGIC));
	memcpy(msg + strlen(SESSION_MAGIC), binding, strlen(binding));
	memcpy(msg + hl, der, len);
	ok = HMAC(EVP_sha256(), key, SESSION_KEY_LEN, msg, hl + len, mac,
	    &ml) != NULL && ml == 32;
	free(msg);
	if (!ok)
		return -1;
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[64] = '\0';
	OPENSSL_cleanse(mac, sizeof mac);
	return 0;
}

/* Says once in the log, per process, why the session file was not used
 * (what is wrong with it, never its content). */
static void
session_ignored(const char *why)
{
	static int said;

	if (said++)
		return;
	log_line("warn", "event=tls-session path=\"%s\" msg=\"ignored: %s;"
	    " this connection makes a full handshake\"", session_path, why);
}

/* 1 when a session made at t (seconds) with lifetime life is still
 * usable at now: never for a time or lifetime that is not positive or a
 * session from the future, and never past SESSION_LIFETIME_MAX, whatever
 * it says (no t + life that could overflow). */
static int
session_fresh(long t, long life, long now)
{
	if (t <= 0 || life <= 0 || now < t)
		return 0;
	if (life > SESSION_LIFETIME_MAX)
		life = SESSION_LIFETIME_MAX;
	return now - t < life;
}

/* The session saved in the session file for n, or NULL: none, another
 * server's, not this user's own file, a bad MAC, unreadable, not
 * resumable or expired. */
static SSL_SESSION *
session_load(const struct net *n)
{
	unsigned char *buf;
	const unsigned char *p;
	/* magic, binding, ' ', MAC, '\n' */
	size_t ml = strlen(SESSION_MAGIC), hl = ml + 2 * HASH_HEX;
	char mac[HASH_HEX];
	SSL_SESSION *sess = NULL;
	struct stat st;
	size_t len = 0;
	ssize_t got;
	int fd;

	if (session_path == NULL || !n->have_key)
		return NULL;
	fd = open(session_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (errno == ELOOP)
			session_ignored("a symbolic link");
		else if (errno != ENOENT)
			session_ignored(strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		session_ignored("not a regular file");
		close(fd);
		return NULL;
	}
	if (st.st_uid != geteuid()) {
		session_ignored("not owned by this user");
		close(fd);
		return NULL;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		session_ignored("writable by group or others");
		close(fd);
		return NULL;
	}
	buf = xmalloc(SESSION_MAX);
	while (len < SESSION_MAX &&
	    ((got = read(fd, buf + len, SESSION_MAX - len)) > 0 ||
	    (got < 0 && errno == EINTR)))
		if (got > 0)
			len += (size_t)got;
	close(fd);
	if (len <= hl || len >= SESSION_MAX ||
	    memcmp(buf, SESSION_MAGIC, ml) != 0 ||
	    !hash_equal(buf + ml, n->binding, HASH_HEX - 1) ||
	    buf[ml + HASH_HEX - 1] != ' ' || buf[hl - 1] != '\n')
		goto out; /* another server's, or not a session file */
	if (session_mac(n->key, n->binding, buf + hl, len - hl, mac) != 0 ||
	    CRYPTO_memcmp(mac, buf + ml + HASH_HEX, HASH_HEX - 1) != 0) {
		session_ignored("its MAC is wrong (not written by this station"
		    " with its token)");
		goto out;
	}
	p = buf + hl;
	sess = d2i_SSL_SESSION(NULL, &p, (long)(len - hl));
	if (sess != NULL && (p != buf + len ||
	    !SSL_SESSION_is_resumable(sess) ||
	    !session_fresh(SSL_SESSION_get_time(sess),
	    SSL_SESSION_get_timeout(sess), (long)time(NULL)))) {
		SSL_SESSION_free(sess);
		sess = NULL;
	}
out:
	OPENSSL_cleanse(buf, len);
	free(buf);
	return sess;
}

/* write(2) all of len bytes: 0, or -1. */
static int
write_all(int fd, const void *p, size_t len)
{
	const char *c = p;
	ssize_t w;

	while (len > 0) {
		if ((w = write(fd, c, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Writes sess to the session file for n, replacing it whole: a new file
 * (mode 0600, in the same directory) written, synced and renamed over
 * it. Nothing is said when it fails: the next run makes a full
 * handshake, as without one. */
static void
session_save(const struct net *n, SSL_SESSION *sess)
{
	unsigned char *der = NULL;
	char *tmp, mac[HASH_HEX];
	char head[sizeof SESSION_MAGIC + 2 * HASH_HEX];
	int len = 0, fd, ok;

	if (session_path == NULL || !n->have_key ||
	    !SSL_SESSION_is_resumable(sess) ||
	    (len = i2d_SSL_SESSION(sess, &der)) <= 0 ||
	    (size_t)len + sizeof head >= SESSION_MAX ||
	    session_mac(n->key, n->binding, der, (size_t)len, mac) != 0) {
		if (der != NULL)
			OPENSSL_cleanse(der, (size_t)len);
		OPENSSL_free(der);
		return;
	}
	snprintf(head, sizeof head, "%s%s %s\n", SESSION_MAGIC, n->binding,
	    mac);
	tmp = xasprintf("%s.XXXXXX", session_path);
	fd = mkostemp(tmp, O_CLOEXEC);
	/* No fsync: the file is a cache, and one a crash leaves short or
	 * empty fails its MAC and is ignored (a full handshake). The
	 * station's own syncs' disk writes stay those of its database. */
	ok = fd >= 0 && fchmod(fd, 0600) == 0 &&
	    write_all(fd, head, strlen(head)) == 0 &&
	    write_all(fd, der, (size_t)len) == 0;
	if (fd >= 0 && close(fd) != 0)
		ok = 0;
	if (fd >= 0 && (!ok || rename(tmp, session_path) != 0))
		unlink(tmp);
	free(tmp);
	OPENSSL_cleanse(der, (size_t)len);
	OPENSSL_free(der);
}

/*
 * A connection can outlive the struct net that opened it (the share keeps
 * it for the next): its SSL_CTX holds a copy of the binding it was made
 * under (ex_data at ctx_index, freed with it), and the callbacks reach a
 * struct net only while one of its requests runs (performing).
 */
static int ctx_index = -1;
/* An SSL's owner: the serial of the handle whose request started its
 * handshake (0: none), so that a session is kept only by that one. */
static int ssl_index = -1;
static struct net *performing;
/* libcurl's new-session callback (the same for every SSL_CTX). */
static int (*curl_new_session)(SSL *, SSL_SESSION *);

static void
binding_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp)
{
	free(ptr);
}

static void
ctx_index_make(void)
{
	ctx_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL,
	    binding_free);
	ssl_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/* 1 when ssl was made under n's binding (its SSL_CTX's) and its
 * handshake started in one of n's requests. */
static int
ssl_is_ours(const SSL *ssl, const struct net *n)
{
	const char *binding = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl),
	    ctx_index);

	return binding != NULL && strcmp(binding, n->binding) == 0 &&
	    ssl_index >= 0 &&
	    (uintptr_t)SSL_get_ex_data(ssl, ssl_index) == n->serial;
}

/* A new session from the server, on a connection of the request
 * running: kept (the newest one, replacing any before) until the
 * request has its answer (net_request saves it when it succeeded, drops
 * it when not), and given to libcurl. */
static int
on_new_session(SSL *ssl, SSL_SESSION *sess)
{
	struct net *n = performing;

	if (n != NULL && ssl_is_ours(ssl, n) &&
	    SSL_SESSION_up_ref(sess) == 1) {
		SSL_SESSION_free(n->pending);
		n->pending = sess;
	}
	return curl_new_session != NULL ? curl_new_session(ssl, sess) : 0;
}

/* When a connection's handshake starts (before its ClientHello), under
 * the binding of the request running: marks it as that handle's, and
 * puts the saved session on it, unless libcurl put one there. Counts
 * the handshakes of its connections and the resumed ones when they
 * end. A connection of another binding or handle is left alone. */
static void
on_ssl_info(const SSL *cssl, int where, int ret)
{
	SSL *ssl = (SSL *)cssl;
	struct net *n = performing;
	const char *binding;

	if (n == NULL || ssl_index < 0)
		return;
	if ((where & SSL_CB_HANDSHAKE_START) && SSL_in_before(ssl)) {
		binding = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_index);
		if (binding == NULL || strcmp(binding, n->binding) != 0 ||
		    SSL_set_ex_data(ssl, ssl_index, (void *)n->serial) != 1)
			return;
		if (SSL_get_session(ssl) == NULL && n->saved != NULL &&
		    SSL_set_session(ssl, n->saved) == 1)
			n->offered++;
	}
	if (!ssl_is_ours(ssl, n))
		return;
	if ((where & SSL_CB_HANDSHAKE_DONE) && ssl != n->last_done) {
		n->last_done = ssl;
		n->handshakes++;
		n->resumed += SSL_session_reused(ssl) != 0;
	}
}

/* CURLOPT_SSL_CTX_FUNCTION: each new connection's SSL_CTX, set up by
 * libcurl; the SSL is made from it when this returns. */
static CURLcode
on_ssl_ctx(CURL *h, void *sslctx, void *arg)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct net *n = arg;
	SSL_CTX *ctx = sslctx;
	int (*cb)(SSL *, SSL_SESSION *);
	char *binding;

	pthread_once(&once, ctx_index_make);
	if (ctx_index < 0)
		return CURLE_OK; /* no resumption across runs, nothing worse */
	binding = xstrdup(n->binding);
	if (SSL_CTX_set_ex_data(ctx, ctx_index, binding) != 1) {
		free(binding);
		return CURLE_OK;
	}
	cb = SSL_CTX_sess_get_new_cb(ctx);
	if (cb != on_new_session) {
		curl_new_session = cb;
		SSL_CTX_sess_set_new_cb(ctx, on_new_session);
	}
	/* The new-session callback is only called with client caching on:
	 * libcurl turns it on with its session cache, this in case not. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
	    SSL_SESS_CACHE_NO_INTERNAL);
	SSL_CTX_set_info_callback(ctx, on_ssl_info);
	/* No TLS 1.3 "middlebox compatibility" (RFC 8446, D.4): a 32-byte
	 * session id echoed back and a ChangeCipherSpec record each way,
	 * 76 bytes a handshake for boxes that are not on a station's link. */
	SSL_CTX_clear_options(ctx, SSL_OP_ENABLE_MIDDLEBOX_COMPAT);
	/* The ClientHello offers what a county server can use and nothing
	 * more (net_new sets the suites and the groups): no
	 * encrypt-then-MAC (for TLS 1.2's CBC suites, which none of those
	 * offered is), no post-handshake client certificate (the server
	 * never asks for one), and the signatures a county server's
	 * certificate can make (ECDSA P-256 or P-384, RSA-PSS; RSA PKCS#1
	 * with SHA-256 in TLS 1.2) or its CA can have signed it with:
	 * 16 bytes for OpenSSL's 46. The extended master secret stays
	 * (TLS 1.2's defence against a triple handshake). */
	SSL_CTX_set_options(ctx, SSL_OP_NO_ENCRYPT_THEN_MAC);
	/* Nor the padding extension libcurl's SSL_OP_ALL turns on, which
	 * fills a ClientHello of 256 to 511 bytes up to 512 for an old F5
	 * box's bug (a resumed one: about 110 bytes of zeros). */
	SSL_CTX_clear_options(ctx, SSL_OP_TLSEXT_PADDING);
	SSL_CTX_set_post_handshake_auth(ctx, 0);
	SSL_CTX_set1_sigalgs_list(ctx, NET_SIGALGS);
	return CURLE_OK;
}

/* The process's share of connections and TLS sessions between handles
 * (one thread uses them: no locks). */
static CURLSH *
net_share(void)
{
	static CURLSH *sh;

	if (sh == NULL && (sh = curl_share_init()) != NULL) {
		curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
		curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	}
	return sh;
}

int
net_new(const struct net_opts *o, struct net **out, char *err)
{
	static int inited;
	static uintptr_t serials;
	struct net *n;

	*out = NULL;
	if (!inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
			return ld_fail(err, LD_EINTERNAL, "cannot initialise libcurl");
		inited = 1;
	}
	if (o->ca_pem == NULL && o->pin == NULL)
		return ld_fail(err, LD_ECONFIG,
		    _("no CA certificate or pin for the server: enroll with --ca or --pin"));
	n = xcalloc(1, sizeof *n);
	n->h = curl_easy_init();
	n->connect_timeout = o->connect_timeout;
	n->url = xstrdup(o->url);
	if (o->token != NULL)
		n->auth = xasprintf("Authorization: Bearer %s", o->token);
	if (o->version != NULL)
		n->version = xasprintf("X-Liandong-Version: %s", o->version);
	curl_easy_setopt(n->h, CURLOPT_ERRORBUFFER, n->errbuf);
	curl_easy_setopt(n->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(n->h, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(n->h, CURLOPT_CONNECTTIMEOUT, o->connect_timeout);
	curl_easy_setopt(n->h, CURLOPT_LOW_SPEED_LIMIT, 10L);
	curl_easy_setopt(n->h, CURLOPT_LOW_SPEED_TIME, o->stall_timeout);
	curl_easy_setopt(n->h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(n->h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(n->h, CURLOPT_SSL_VERIFYHOST, 2L);
	/* HTTP/1.1 only: no ALPN to offer (about 30 bytes a handshake). */
	curl_easy_setopt(n->h, CURLOPT_SSL_ENABLE_ALPN, 0L);
	/* The suites a county server accepts (server/tls.h; TLS 1.2 for a
	 * county that set it alone), AES-128-GCM first: its SHA-256 makes
	 * TLS 1.3's Finished messages and resumption binder 16 bytes
	 * shorter each, and the server's key schedule cheaper than
	 * SHA-384's; and X25519 (the one key share sent) or P-256. The
	 * ClientHello is about 130 bytes shorter than with OpenSSL's
	 * defaults (docs/benchmarks.md, 2). */
	curl_easy_setopt(n->h, CURLOPT_SSLVERSION,
	    (long)CURL_SSLVERSION_TLSv1_2); /* the least a county accepts */
	curl_easy_setopt(n->h, CURLOPT_TLS13_CIPHERS, NET_TLS13_SUITES);
	curl_easy_setopt(n->h, CURLOPT_SSL_CIPHER_LIST, NET_TLS12_SUITES);
	curl_easy_setopt(n->h, CURLOPT_SSL_EC_CURVES, NET_GROUPS);
	/* Verbose only feeds on_debug, which prints nothing. */
	curl_easy_setopt(n->h, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(n->h, CURLOPT_DEBUGDATA, n);
	curl_easy_setopt(n->h, CURLOPT_VERBOSE, 1L);
	if (o->ca_pem != NULL) {
		n->ca.data = (void *)o->ca_pem;
		n->ca.len = strlen(o->ca_pem);
		n->ca.flags = CURL_BLOB_COPY;
		curl_easy_setopt(n->h, CURLOPT_CAINFO_BLOB, &n->ca);
	}
	if (o->pin != NULL) {
		curl_easy_setopt(n->h, CURLOPT_PINNEDPUBLICKEY, o->pin);
		if (o->ca_pem == NULL) {
			/* The pin alone authenticates the server's key. */
			curl_easy_setopt(n->h, CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(n->h, CURLOPT_SSL_VERIFYHOST, 0L);
		}
	}
	if (o->verbose_progress) {
		curl_easy_setopt(n->h, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(n->h, CURLOPT_XFERINFOFUNCTION, on_progress);
	}
	curl_easy_setopt(n->h, CURLOPT_SHARE, net_share());
	session_binding(o, n->binding);
	n->have_key = o->token != NULL && session_key(o->token, n->key) == 0;
	n->serial = ++serials;
	n->saved = session_load(n);
	if (curl_easy_setopt(n->h, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx) ==
	    CURLE_OK)
		curl_easy_setopt(n->h, CURLOPT_SSL_CTX_DATA, n);
	*out = n;
	return 0;
}

void
net_free(struct net *n)
{
	if (n == NULL)
		return;
	curl_easy_cleanup(n->h);
	/* Tests look at this (t0076): not for users, not translated. */
	if (getenv("LIANDONG_TLS_TRACE") != NULL)
		fprintf(stderr, "tls: handshakes=%d resumed=%d offered=%d\n",
		    n->handshakes, n->resumed, n->offered);
	SSL_SESSION_free(n->saved);
	SSL_SESSION_free(n->pending);
	OPENSSL_cleanse(n->key, sizeof n->key);
	free(n->url);
	free(n->auth);
	free(n->version);
	free(n);
}

static int
request_once(struct net *n, const char *method, const char *path,
    const char *content_type, const char *content_encoding,
    const void *body, size_t len, size_t max_resp, struct net_response *r,
    unsigned *retry_after, int *connect_timed_out, char *err)
{
	struct curl_slist *hdrs = NULL;
	struct sink s;
	char *url = xasprintf("%s%s", n->url, path), *h;
	CURLcode cc;

	memset(r, 0, sizeof *r);
	memset(&s, 0, sizeof s);
	*connect_timed_out = 0;
	s.max = max_resp;
	n->errbuf[0] = '\0';
	if (n->auth != NULL)
		hdrs = curl_slist_append(hdrs, n->auth);
	if (n->version != NULL)
		hdrs = curl_slist_append(hdrs, n->version);
	if (content_type != NULL) {
		h = xasprintf("Content-Type: %s", content_type);
		hdrs = curl_slist_append(hdrs, h);
		free(h);
	}
	if (content_encoding != NULL) {
		h = xasprintf("Content-Encoding: %s", content_encoding);
		hdrs = curl_slist_append(hdrs, h);
		free(h);
	}
	/* None of libcurl's own headers but Host and Content-Length: no
	 * "Expect: 100-continue", no Accept (of any type), and no form
	 * type for a body whose type goes unsaid (a sync's,
	 * docs/protocol.md). */
	hdrs = curl_slist_append(hdrs, "Expect:");
	hdrs = curl_slist_append(hdrs, "Accept:");
	if (content_type == NULL && strcmp(method, "POST") == 0)
		hdrs = curl_slist_append(hdrs, "Content-Type:");
	curl_easy_setopt(n->h, CURLOPT_URL, url);
	curl_easy_setopt(n->h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(n->h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(n->h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(n->h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(n->h, CURLOPT_HEADERDATA, &s);
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(n->h, CURLOPT_POST, 1L);
		curl_easy_setopt(n->h, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(n->h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
	} else
		curl_easy_setopt(n->h, CURLOPT_HTTPGET, 1L);
	performing = n;
	cc = curl_easy_perform(n->h);
	performing = NULL;
	/* The session the server gave during this request is kept only
	 * when the request succeeded: a transfer complete (so libcurl
	 * checked the certificate) and a 2xx answer. */
	if (n->pending != NULL) {
		long status = 0;

		if (cc == CURLE_OK)
			curl_easy_getinfo(n->h, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200 && status <= 299 && !s.too_big)
			session_save(n, n->pending);
		SSL_SESSION_free(n->pending);
		n->pending = NULL;
	}
	curl_slist_free_all(hdrs);
	free(url);
	if (s.too_big) {
		free(s.buf);
		free(s.encoding);
		return ld_fail(err, LD_EREFUSED,
		    _("the server's answer is over %zu bytes"), max_resp);
	}
	if (cc != CURLE_OK) {
		const char *why = n->errbuf[0] ? n->errbuf : curl_easy_strerror(cc);
		long sent = -1;

		/* Timed out before a byte of the request left: the TCP
		 * connect or the TLS handshake (libcurl counts the request
		 * from zero for each transfer). */
		if (cc == CURLE_OPERATION_TIMEDOUT &&
		    curl_easy_getinfo(n->h, CURLINFO_REQUEST_SIZE, &sent) ==
		    CURLE_OK && sent == 0)
			*connect_timed_out = 1;
		free(s.buf);
		free(s.encoding);
		if (strstr(why, "not yet valid") != NULL ||
		    strstr(why, "expired") != NULL) {
			/* Most often this computer's clock, not the server. */
			char now[LTIME_LEN];

			ltime_format(ltime_now(), now);
			return ld_fail(err, LD_ENET,
			    _("cannot reach %s: %s; this computer's clock says %s: if that is wrong, set it right and sync again"),
			    n->url, why, now);
		}
		return ld_fail(err, LD_ENET, _("cannot reach %s: %s"), n->url, why);
	}
	curl_easy_getinfo(n->h, CURLINFO_RESPONSE_CODE, &r->status);
	r->body = s.buf != NULL ? s.buf : xcalloc(1, 1);
	r->len = s.len;
	r->content_encoding = s.encoding;
	*retry_after = s.retry_after;
	return 0;
}

/* A timed-out connect or handshake is tried again (proto.h,
 * PROTO_CONNECT_TRIES); a refused connection (no server listening: the
 * normal offline station) and a failed handshake are not. The pause
 * before try k again, in milliseconds. */
static long
connect_pause_ms(long connect_timeout, int k)
{
	uint32_t r = 0;

	if (RAND_bytes((unsigned char *)&r, sizeof r) != 1)
		r = (uint32_t)rand();
	return proto_connect_pause_ms(connect_timeout, k, r);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Set by net_stop_waits, from a signal handler. */
static volatile sig_atomic_t stop_waits;

void
net_stop_waits(void)
{
	stop_waits = 1;
}

/* Sleeps ms milliseconds, 100 at a time so that a stop asked meanwhile
 * (net_stop_waits) ends it within 100 ms whenever the signal came.
 * Returns 0, or -1 when stopped. */
static int
sleep_ms(long ms)
{
	int64_t end = mono_ms() + ms, left;

	while (!stop_waits && (left = end - mono_ms()) > 0) {
		struct timespec ts = { 0, (left < 100 ? left : 100) * 1000000L };

		nanosleep(&ts, NULL);
	}
	return stop_waits ? -1 : 0;
}

/* The seconds of Retry-After the agent waits at most for one request:
 * PROTO_BUSY_WAIT, or less in tests (LIANDONG_TEST_BUSY_WAIT, seconds:
 * a test of a file refused for a while need not wait five minutes). */
static long
busy_wait_max(void)
{
	const char *t = getenv("LIANDONG_TEST_BUSY_WAIT");
	long long v;

	/* Anything but a number of seconds below the bound is ignored. */
	return t != NULL && ld_number(t, 0, PROTO_BUSY_WAIT - 1, &v, NULL) == 0 ?
	    (long)v : PROTO_BUSY_WAIT;
}

/*
 * Says that a busy server is waited out: to a person at a terminal
 * (stderr), in words; otherwise as a log line. The line of sync's
 * progress (agent/sync.c), drawn with \r, is written over.
 */
static void
say_busy(unsigned ra, int tries)
{
	/* A long Retry-After is waited out once (proto.h). */
	int most = ra > PROTO_BUSY_LONG ? 1 : PROTO_BUSY_TRIES;

	if (isatty(2)) {
		fprintf(stderr, "\r");
		/* TRANSLATORS: "(2 of 10)": the second try again of at most 10 */
		fprintf(stderr, _("county server busy: trying again in %u s (%d of %d)"),
		    ra, tries, most);
		fprintf(stderr, "\033[K\n");
	} else
		log_line("info", "event=busy status=503 retry_after=%u try=%d"
		    " of=%d", ra, tries, most);
}

/* Says that the agent stopped waiting a busy server out: past its
 * bounds (the 503 is the answer: the sync's error follows), or stopped
 * (the daemon's SIGTERM, said in its log). */
static void
say_busy_over(int tries, unsigned waited, int stopped)
{
	if (isatty(2) && !stopped)
		fprintf(stderr, "\r%s\033[K\n", _("county server still busy:"
		    " giving up for now"));
	else
		log_line(stopped ? "info" : "warn", "event=busy-over tries=%d"
		    " waited=%u stopped=%d", tries, waited, stopped);
}

int
net_request(struct net *n, const char *method, const char *path,
    const char *content_type, const char *content_encoding,
    const void *body, size_t len, size_t max_resp, struct net_response *r,
    char *err)
{
	unsigned ra = 0, waited = 0;
	long paused_ms = 0, pause;
	int rc, tries = 0, ctries = 0, cto;
	int64_t t0 = mono_ms();

	for (;;) {
		rc = request_once(n, method, path, content_type,
		    content_encoding, body, len, max_resp, r, &ra, &cto, err);
		if (rc != 0 && cto) {
			pause = ctries < PROTO_CONNECT_TRIES ?
			    connect_pause_ms(n->connect_timeout, ctries + 1) : 0;
			if (ctries >= PROTO_CONNECT_TRIES ||
			    paused_ms + pause > PROTO_CONNECT_WAIT * 1000L) {
				if (ctries > 0) {
					char why[LD_ERRLEN];

					ld_strlcpy(why, err, sizeof why);
					return ld_fail(err, rc,
					    _("%s (tried %d times in %lld s)"),
					    why, ctries + 1, (long long)
					    ((mono_ms() - t0 + 500) / 1000));
				}
				return rc;
			}
			ctries++;
			paused_ms += pause;
			log_line("info", "event=connect-retry try=%d pause_ms=%ld"
			    " msg=\"%s\"", ctries, pause, err);
			if (sleep_ms(pause) != 0)
				return rc; /* stopped: the timeout is the answer */
			continue;
		}
		if (rc != 0 || r->status != 503 || ra == 0)
			return rc;
		if (stop_waits) /* stopped during the request */
			return rc;
		if (!proto_busy_wait(tries, waited, ra, busy_wait_max())) {
			say_busy_over(tries, waited, 0);
			return rc;
		}
		tries++;
		say_busy(ra, tries);
		/* Stopped (the daemon's SIGTERM): the 503 is the answer. */
		if (sleep_ms(ra * 1000L) != 0) {
			say_busy_over(tries, waited, 1);
			return rc;
		}
		waited += ra;
		net_response_release(r);
	}
}

void
net_response_release(struct net_response *r)
{
	free(r->body);
	free(r->content_encoding);
	memset(r, 0, sizeof *r);
}

void
net_counters(struct net *n, double *up, double *down)
{
	*up = n->up;
	*down = n->down;
}
