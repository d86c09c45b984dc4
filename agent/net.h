/*
 * net.h - the agent's HTTPS client (libcurl), reduced to requests with a
 * whole body in and a capped body out. The server's certificate is
 * checked against a CA (PEM text) or a public-key pin, never skipped.
 */
#ifndef LD_NET_H
#define LD_NET_H

#include <stddef.h>

struct net_opts {
	const char *url;       /* base, e.g. https://127.0.0.1:8443 */
	const char *ca_pem;    /* CA certificate text, or NULL */
	const char *pin;       /* "sha256//base64", or NULL */
	const char *token;     /* "station:secret", or NULL */
	const char *version;   /* this release, sent as X-Liandong-Version
	                          for the county's stations page, or NULL */
	long connect_timeout;  /* seconds */
	long stall_timeout;    /* seconds below 10 bytes/s before giving up */
	int verbose_progress;  /* draw transfer progress on stderr */
};

struct net_response {
	long status;
	char *body;            /* malloc'd, NUL-terminated */
	size_t len;
	char *content_encoding;/* malloc'd or NULL */
};

struct net;

int net_new(const struct net_opts *o, struct net **out, char *err);
void net_free(struct net *n);

/*
 * One request (method "GET" or "POST"; body may be NULL). A response
 * larger than max_resp fails with LD_EREFUSED. Returns 0 when an HTTP
 * answer came (any status: see r->status), LD_ENET when none did (no
 * route, refused, TLS failure, timeout: the message says which).
 */
int net_request(struct net *n, const char *method, const char *path,
    const char *content_type, const char *content_encoding,
    const void *body, size_t len, size_t max_resp, struct net_response *r,
    char *err);
void net_response_release(struct net_response *r);

/*
 * A busy server's 503 with Retry-After is waited out within the bounds of
 * proto.h (PROTO_BUSY_TRIES, PROTO_BUSY_WAIT: minutes), and a connection
 * timed out is tried again after a pause; net_stop_waits ends those waits
 * within 100 ms, then and later in this process: net_request returns
 * what it has (the 503, the timeout) at once. Async-signal-safe: the
 * daemon calls it when told to stop (SIGTERM, SIGINT), so that a stop is
 * not held up by a wait.
 */
void net_stop_waits(void);

/*
 * Keeps the TLS sessions the server hands out in the file at path (mode
 * 0600, replaced whole; NULL: none), and offers the one kept there, when
 * it was made with the same server, URL, pin and CA, on the next
 * connection of this process or another: a resumed handshake is about a
 * third of a full one. Call before net_new; it holds for the process.
 */
void net_keep_sessions(const char *path);

/* Bytes sent and received by this handle so far at the HTTP level, for
 * reports: request lines, headers and bodies up; status lines, headers
 * and bodies down. TLS records and handshakes are not counted. */
void net_counters(struct net *n, double *up, double *down);

#endif
