/*
 * http.c - libmicrohttpd glue (the only file that includes microhttpd.h).
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>

#include "http.h"
#include "ltime.h"
#include "tls.h"
#include "util.h"

struct http_server {
	struct MHD_Daemon *d;
	http_handler handler;
	void *app;
	size_t max_body;
	unsigned port;
};

/* Per-request state, kept in MHD's con_cls between upload chunks. */
struct upload {
	char *buf;
	size_t len;
	size_t cap;
	int too_big;
};

void
http_error(struct http_response *resp, int status, const char *fmt, ...)
{
	char msg[512];
	json_t *o;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	o = json_object();
	json_object_set_new(o, "status", json_integer(status));
	json_object_set_new(o, "error", json_string(msg));
	/* The server's clock travels in every answer (docs/protocol.md). */
	json_object_set_new(o, "time", json_integer(ltime_now()));
	free(resp->body);
	resp->body = json_dumps(o, JSON_COMPACT);
	resp->body_len = strlen(resp->body);
	resp->status = status;
	resp->content_type = "application/json";
	resp->content_encoding = NULL;
	json_decref(o);
}

static enum MHD_Result
respond(struct MHD_Connection *conn, struct http_response *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(r->body_len, r->body,
	    MHD_RESPMEM_MUST_FREE);
	if (r->content_type != NULL)
		MHD_add_response_header(resp, "Content-Type", r->content_type);
	if (r->content_encoding != NULL)
		MHD_add_response_header(resp, "Content-Encoding",
		    r->content_encoding);
	ret = MHD_queue_response(conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void
client_text(struct MHD_Connection *conn, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr_in *sin;

	ld_strlcpy(buf, "-", len);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	if (ci->client_addr->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)ci->client_addr;
		inet_ntop(AF_INET, &sin->sin_addr, buf, (socklen_t)len);
	}
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	struct upload *up = *con_cls;
	struct http_request req;
	struct http_response resp;
	char client[64];

	if (up == NULL) {
		up = xcalloc(1, sizeof *up);
		*con_cls = up;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;
		if (!up->too_big && up->len + n > s->max_body) {
			up->too_big = 1;
			free(up->buf);
			up->buf = NULL;
			up->len = up->cap = 0;
		}
		if (!up->too_big) {
			if (up->len + n + 1 > up->cap) {
				up->cap = (up->len + n + 1) * 2;
				if (up->cap > s->max_body + 1)
					up->cap = s->max_body + 1;
				up->buf = xrealloc(up->buf, up->cap);
			}
			memcpy(up->buf + up->len, upload_data, n);
			up->len += n;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	memset(&resp, 0, sizeof resp);
	if (up->too_big) {
		http_error(&resp, 413, "request body over %zu bytes", s->max_body);
		return respond(conn, &resp);
	}
	if (up->buf == NULL)
		up->buf = xcalloc(1, 1);
	up->buf[up->len] = '\0';
	memset(&req, 0, sizeof req);
	req.method = method;
	req.path = url;
	req.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Authorization");
	req.content_encoding = MHD_lookup_connection_value(conn,
	    MHD_HEADER_KIND, "Content-Encoding");
	client_text(conn, client, sizeof client);
	req.client = client;
	req.body = up->buf;
	req.body_len = up->len;
	s->handler(s->app, &req, &resp);
	if (resp.body == NULL) {
		resp.body = xstrdup("");
		resp.body_len = 0;
	}
	return respond(conn, &resp);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct upload *up = *con_cls;

	if (up != NULL) {
		free(up->buf);
		free(up);
		*con_cls = NULL;
	}
}

int
http_start(const struct http_config *cfg, http_handler h, void *app,
    struct http_server **out, char *err)
{
	struct http_server *s = xcalloc(1, sizeof *s);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
	struct sockaddr_in sin;
	const union MHD_DaemonInfo *di;

	*out = NULL;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)cfg->port);
	if (inet_pton(AF_INET, cfg->address, &sin.sin_addr) != 1) {
		free(s);
		return ld_fail(err, LD_ECONFIG, _("invalid listen address '%s'"),
		    cfg->address);
	}
	if (cfg->cert_pem != NULL)
		flags |= MHD_USE_TLS;
	s->handler = h;
	s->app = app;
	s->max_body = cfg->max_body;
	if (cfg->cert_pem != NULL)
		s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
		    MHD_OPTION_SOCK_ADDR, &sin,
		    MHD_OPTION_HTTPS_MEM_KEY, cfg->key_pem,
		    MHD_OPTION_HTTPS_MEM_CERT, cfg->cert_pem,
		    MHD_OPTION_HTTPS_PRIORITIES, tls_priorities(cfg->tls_priorities),
		    MHD_OPTION_THREAD_POOL_SIZE, cfg->threads,
		    MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout,
		    MHD_OPTION_CONNECTION_LIMIT, 4000,
		    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		    MHD_OPTION_END);
	else
		s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
		    MHD_OPTION_SOCK_ADDR, &sin,
		    MHD_OPTION_THREAD_POOL_SIZE, cfg->threads,
		    MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout,
		    MHD_OPTION_CONNECTION_LIMIT, 4000,
		    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		    MHD_OPTION_END);
	if (s->d == NULL) {
		free(s);
		return ld_fail(err, LD_ENET,
		    _("cannot listen on %s:%u (in use, or bad certificate or key)"),
		    cfg->address, cfg->port);
	}
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di != NULL ? di->port : cfg->port;
	*out = s;
	return 0;
}

unsigned
http_port(const struct http_server *s)
{
	return s->port;
}

void
http_stop(struct http_server *s)
{
	if (s == NULL)
		return;
	MHD_stop_daemon(s->d);
	free(s);
}
