/*
 * net.c - libcurl glue (the only file that includes curl/curl.h).
 *
 * One easy handle per sync run, so that the TLS session and the TCP
 * connection are reused across the batches of a large sync.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ltime.h"
#include "net.h"
#include "util.h"

struct net {
	CURL *h;
	char *url;
	char *auth;  /* "Authorization: Bearer ..." */
	struct curl_blob ca;
	char errbuf[CURL_ERROR_SIZE];
	double up, down; /* HTTP bytes of every request so far (on_debug) */
};

struct sink {
	char *buf;
	size_t len;
	size_t max;
	int too_big;
	char *encoding;
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
	*out = n;
	return 0;
}

void
net_free(struct net *n)
{
	if (n == NULL)
		return;
	curl_easy_cleanup(n->h);
	free(n->url);
	free(n->auth);
	free(n);
}

int
net_request(struct net *n, const char *method, const char *path,
    const char *content_type, const char *content_encoding,
    const void *body, size_t len, size_t max_resp, struct net_response *r,
    char *err)
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
	cc = curl_easy_perform(n->h);
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
	return 0;
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
