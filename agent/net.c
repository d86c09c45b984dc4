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
 * A resumed session is no way around the pin or the CA: libcurl checks
 * the certificate of a resumed session (the one the full handshake
 * verified, kept in the session) against the pin and the CA as for a new
 * one, and only the server that issued the ticket can finish a handshake
 * with it (RFC 8446, 2.2: the resumption secret is known to no one else).
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/ssl.h>
#include <pthread.h>
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
#include "util.h"

/* The session file: "liandong-tls-session 1 HASH\n" then DER. */
#define SESSION_MAGIC "liandong-tls-session 1 "
#define SESSION_MAX 16384 /* bytes of a session file read at most */

struct net {
	CURL *h;
	char *url;
	char *auth;  /* "Authorization: Bearer ..." */
	struct curl_blob ca;
	char errbuf[CURL_ERROR_SIZE];
	double up, down; /* HTTP bytes of every request so far (on_debug) */
	char binding[HASH_HEX]; /* session_binding of this server */
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

/* The session saved in the session file under binding, or NULL: none,
 * another server's, unreadable, not resumable or expired. */
static SSL_SESSION *
session_load(const char *binding)
{
	unsigned char *buf;
	const unsigned char *p;
	size_t hl = strlen(SESSION_MAGIC) + HASH_HEX; /* its '\n' included */
	SSL_SESSION *sess = NULL;
	ssize_t len;
	int fd;

	if (session_path == NULL ||
	    (fd = open(session_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return NULL;
	buf = xmalloc(SESSION_MAX);
	len = read(fd, buf, SESSION_MAX);
	close(fd);
	if (len > (ssize_t)hl && len < SESSION_MAX &&
	    memcmp(buf, SESSION_MAGIC, strlen(SESSION_MAGIC)) == 0 &&
	    hash_equal(buf + strlen(SESSION_MAGIC), binding, HASH_HEX - 1) &&
	    buf[hl - 1] == '\n') {
		p = buf + hl;
		sess = d2i_SSL_SESSION(NULL, &p, (long)(len - (ssize_t)hl));
		if (sess != NULL && (p != buf + len ||
		    !SSL_SESSION_is_resumable(sess) ||
		    SSL_SESSION_get_time(sess) + SSL_SESSION_get_timeout(sess) <=
		    (long)time(NULL))) {
			SSL_SESSION_free(sess);
			sess = NULL;
		}
	}
	free(buf);
	return sess;
}

/* Writes sess to the session file under binding, replacing it whole (a
 * new file renamed over it). Nothing is said when it fails: the next run
 * makes a full handshake, as without one. */
static void
session_save(const char *binding, SSL_SESSION *sess)
{
	unsigned char *der = NULL;
	char *tmp, head[sizeof SESSION_MAGIC + HASH_HEX];
	int len, fd, ok;

	if (session_path == NULL || !SSL_SESSION_is_resumable(sess) ||
	    (len = i2d_SSL_SESSION(sess, &der)) <= 0 ||
	    (size_t)len + sizeof head >= SESSION_MAX) {
		OPENSSL_free(der);
		return;
	}
	snprintf(head, sizeof head, "%s%s\n", SESSION_MAGIC, binding);
	tmp = xasprintf("%s.tmp", session_path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	ok = fd >= 0 &&
	    write(fd, head, strlen(head)) == (ssize_t)strlen(head) &&
	    write(fd, der, (size_t)len) == len;
	if (fd >= 0 && close(fd) != 0)
		ok = 0;
	if (!ok || rename(tmp, session_path) != 0)
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
}

/* A new session from the server: kept until the request it came with
 * has its answer (net_request saves it then), and given to libcurl. */
static int
on_new_session(SSL *ssl, SSL_SESSION *sess)
{
	const char *binding = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl),
	    ctx_index);
	struct net *n = performing;

	if (n != NULL && binding != NULL && strcmp(binding, n->binding) == 0 &&
	    SSL_SESSION_up_ref(sess) == 1) {
		SSL_SESSION_free(n->pending);
		n->pending = sess;
	}
	return curl_new_session != NULL ? curl_new_session(ssl, sess) : 0;
}

/* Puts the saved session on a connection whose handshake starts, before
 * its ClientHello, unless libcurl put one there; counts the handshakes
 * and the resumed ones when they end. */
static void
on_ssl_info(const SSL *cssl, int where, int ret)
{
	SSL *ssl = (SSL *)cssl;
	struct net *n = performing;

	if (n == NULL)
		return;
	if ((where & SSL_CB_HANDSHAKE_START) && SSL_in_before(ssl) &&
	    SSL_get_session(ssl) == NULL && n->saved != NULL &&
	    SSL_set_session(ssl, n->saved) == 1)
		n->offered++;
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
	n->url = xstrdup(o->url);
	if (o->token != NULL)
		n->auth = xasprintf("Authorization: Bearer %s", o->token);
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
	n->saved = session_load(n->binding);
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
	free(n->url);
	free(n->auth);
	free(n);
}

static int
request_once(struct net *n, const char *method, const char *path,
    const char *content_type, const char *content_encoding,
    const void *body, size_t len, size_t max_resp, struct net_response *r,
    unsigned *retry_after, char *err)
{
	struct curl_slist *hdrs = NULL;
	struct sink s;
	char *url = xasprintf("%s%s", n->url, path), *h;
	CURLcode cc;

	memset(r, 0, sizeof *r);
	memset(&s, 0, sizeof s);
	s.max = max_resp;
	n->errbuf[0] = '\0';
	if (n->auth != NULL)
		hdrs = curl_slist_append(hdrs, n->auth);
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
	hdrs = curl_slist_append(hdrs, "Expect:");
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
	if (n->pending != NULL && cc == CURLE_OK) {
		session_save(n->binding, n->pending);
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

/* A busy server's 503 with Retry-After is waited out and the request
 * sent again, at most NET_BUSY_TRIES times and NET_BUSY_WAIT seconds in
 * all (docs/protocol.md); past them the 503 is the answer. */
#define NET_BUSY_TRIES 3
#define NET_BUSY_WAIT 60

int
net_request(struct net *n, const char *method, const char *path,
    const char *content_type, const char *content_encoding,
    const void *body, size_t len, size_t max_resp, struct net_response *r,
    char *err)
{
	unsigned ra = 0, waited = 0;
	int rc, tries = 0;

	for (;;) {
		rc = request_once(n, method, path, content_type,
		    content_encoding, body, len, max_resp, r, &ra, err);
		if (rc != 0 || r->status != 503 || ra == 0 ||
		    tries >= NET_BUSY_TRIES || waited + ra > NET_BUSY_WAIT)
			return rc;
		tries++;
		waited += ra;
		log_line("info", "event=busy status=503 retry_after=%u try=%d",
		    ra, tries);
		net_response_release(r);
		sleep(ra);
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
