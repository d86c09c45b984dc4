/*
 * http.h - the HTTPS listener (libmicrohttpd with GnuTLS), reduced to one
 * callback: a whole request in, a whole response out.
 *
 * Bodies are read into memory up to max_body bytes; a larger one is
 * answered 413 by this layer without calling the handler. The handler
 * runs on one of MHD's pool threads and must be thread-safe.
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
};

struct http_response {
	int status;
	char *body;               /* malloc'd, owned by the layer after return */
	size_t body_len;
	const char *content_type; /* static string */
	const char *content_encoding; /* static string or NULL */
};

typedef void (*http_handler)(void *app, const struct http_request *req,
    struct http_response *resp);

struct http_config {
	const char *address;   /* "127.0.0.1" */
	unsigned port;         /* 0: any free port */
	const char *cert_pem;  /* contents, or NULL for plain HTTP */
	const char *key_pem;
	const char *tls_priorities; /* GnuTLS priority string; NULL or "":
	                               TLS_PRIORITIES_DEFAULT (tls.h) */
	size_t max_body;       /* bytes, compressed as received */
	unsigned threads;
	unsigned timeout;      /* idle seconds before a connection is closed */
};

struct http_server;

int http_start(const struct http_config *cfg, http_handler h, void *app,
    struct http_server **out, char *err);
unsigned http_port(const struct http_server *s);
void http_stop(struct http_server *s);

/* Sets resp to a JSON error body {"error": msg, "status": status}. */
void http_error(struct http_response *resp, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
