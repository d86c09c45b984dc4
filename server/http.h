/*
 * http.h - the HTTPS listener (libmicrohttpd with GnuTLS), reduced to two
 * callbacks: admit (the request line and headers, before any body is
 * read) and handle (a whole request in, a whole response out).
 *
 * Bodies are read into memory up to the smaller of max_body and what
 * admit allowed; a larger one is answered 413 by this layer without
 * calling the handler. admit runs on MHD's pool threads; handle on the
 * listener's own workers (while the connection waits, suspended, MHD's
 * threads go on serving the others): both must be thread-safe.
 */
#ifndef LD_HTTP_H
#define LD_HTTP_H

#include <stddef.h>

struct http_request {
	const char *method;
	const char *path;
	const char *authorization;    /* header or NULL */
	const char *content_encoding; /* header or NULL */
	const char *client;           /* peer address text */
	const char *body;             /* NUL-terminated, body_len bytes */
	size_t body_len;
	void *conn;                   /* the layer's, for http_header and
	                               * http_query */
};

struct http_response {
	int status;
	char *body;               /* malloc'd, owned by the layer after return */
	size_t body_len;
	const char *content_type; /* static string */
	const char *content_encoding; /* static string or NULL */
	char *set_cookie;         /* malloc'd or NULL: a Set-Cookie header;
	                           * owned by the layer after return */
	const char *csp;          /* static or NULL: Content-Security-Policy */
	int no_store;             /* Cache-Control: no-store, nosniff, and
	                           * never framed (X-Frame-Options: DENY) */
	unsigned retry_after;     /* seconds, sent as Retry-After; 0: none */
	int body_static;          /* body is the program's own memory, for
	                           * the life of the process: never copied
	                           * or freed (a built-in page's file) */
	int off_pace;             /* a long read (a county report) that the
	                           * queue's pace, by which requests are
	                           * promised a turn, leaves out */
};

typedef void (*http_handler)(void *app, const struct http_request *req,
    struct http_response *resp);

/* Decides from req's line and headers (its body is "" and not read yet):
 * returns 0 to read a body of at most *max_body bytes (set it lower to
 * allow less; 0 for none), or fills resp and returns non-zero to answer
 * at once, the body never read. */
typedef int (*http_admit)(void *app, const struct http_request *req,
    size_t *max_body, struct http_response *resp);

struct http_config {
	const char *address;   /* "127.0.0.1" */
	unsigned port;         /* 0: any free port */
	const char *cert_pem;  /* contents, or NULL for plain HTTP */
	const char *key_pem;
	const char *tls_priorities; /* GnuTLS priority string; NULL or "":
	                               TLS_PRIORITIES_DEFAULT (tls.h) */
	size_t max_body;       /* bytes, compressed as received */
	size_t max_inflight;   /* bytes of all bodies being read at once */
	unsigned threads;
	unsigned timeout;      /* idle seconds before a connection is closed */
	unsigned max_conns;    /* connections in all */
	unsigned max_conns_per_address;
	unsigned workers;      /* threads running the handler; 0: 4 */
	unsigned queue_wait;   /* seconds a whole request may wait for a
	                          worker before it is answered 503 with
	                          Retry-After; 0: 20 */
	http_admit admit;      /* NULL: every request admitted */
};

struct http_server;

int http_start(const struct http_config *cfg, http_handler h, void *app,
    struct http_server **out, char *err);
unsigned http_port(const struct http_server *s);
void http_stop(struct http_server *s);

/* A header of req (NULL when absent; the first of several). Valid
 * while the request is. */
const char *http_header(const struct http_request *req, const char *name);
/* A value of req's query string, decoded (NULL when absent). */
const char *http_query(const struct http_request *req, const char *name);

/* The value of name in an application/x-www-form-urlencoded body (a
 * new string, decoded), or NULL when absent. */
char *http_form_value(const char *body, const char *name);

/* Sets resp to a JSON error body {"error": msg, "status": status}. */
void http_error(struct http_response *resp, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
