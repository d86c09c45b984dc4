/*
 * http.c - libmicrohttpd glue (the only file that includes microhttpd.h).
 *
 * Nothing is buffered for a request before it is admitted: on MHD's first
 * call for a request only its line and headers are known, and the app's
 * admit function (struct http_config) decides from them, the token
 * included, whether to read a body and how much of it. A request it
 * refuses is answered at once and its body never read (MHD closes the
 * connection after such an answer). An admitted body is read up to its
 * own cap, and all bodies being read at once share max_inflight bytes,
 * of which one client address may hold a quarter: a request that would
 * pass either is answered 503 before it is read, so that one peer, even
 * with a valid token, cannot hold the memory every other station needs.
 * Connections are capped per client address (MHD's per-IP limit) and in
 * all, and one idle for timeout seconds (a handshake or headers that do
 * not come) is closed.
 *
 * A whole request is handled off MHD's threads: its connection is
 * suspended and the request queued for the listener's workers, which run
 * the handler and resume the connection with the answer. MHD's threads
 * thus never wait on the app (its lock, its database): each carries
 * thousands of connections, and one that waited held every handshake
 * and answer of its share still, past their idle timeout. The queue is
 * bounded in time: a request whose turn would come after queue_wait
 * seconds, by the handler's recent pace, is answered 503 with
 * Retry-After at once, and one that waited that long all the same is
 * answered so when its turn comes, never left to its client's timeout.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <jansson.h>

#include "http.h"
#include "log.h"
#include "ltime.h"
#include "tls.h"
#include "util.h"

/* Client addresses that can be reading bodies at once. */
#define INFLIGHT_ADDRS 256

struct http_server {
	struct MHD_Daemon *d;
	http_handler handler;
	http_admit admit;
	void *app;
	size_t max_body;
	size_t max_inflight;
	pthread_mutex_t lock;    /* guards inflight and by_addr */
	size_t inflight;         /* bytes reserved by bodies being read */
	struct addr_bytes {
		char addr[64];   /* "" when free */
		size_t bytes;
	} by_addr[INFLIGHT_ADDRS];
	unsigned port;
	struct tls_tickets *tickets; /* owned; NULL: plain HTTP, or none */
	/* The queue of whole requests for the workers (guarded by qlock). */
	pthread_mutex_t qlock;
	pthread_cond_t qcond;
	struct upload *qhead, *qtail; /* borrowed: owned by their connections */
	size_t queued;
	int stopping;                 /* no more workers: handle in place */
	double pace_ms;               /* the handler's recent time, smoothed */
	unsigned refused;             /* 503s so far, to spread their waits */
	unsigned queue_wait;          /* seconds */
	unsigned nworkers;
	pthread_t *workers;
};

/* Per-request state, kept in MHD's con_cls between upload chunks. */
struct upload {
	char *buf;
	size_t len;
	size_t cap;
	size_t max;        /* what admit allowed */
	size_t reserved;   /* bytes of s->inflight this request holds */
	char client[64];   /* whose share they count in */
	int too_big;
	/* Queued for a worker (its connection suspended meanwhile). */
	struct MHD_Connection *conn;
	struct http_request req;  /* points into MHD's request and buf */
	struct http_response resp; /* the worker's answer */
	int answered;             /* resp is set: respond on resumption */
	double queued_at;         /* monotonic ms */
	struct upload *next;
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
	    r->body_static ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE);
	if (r->content_type != NULL)
		MHD_add_response_header(resp, "Content-Type", r->content_type);
	if (r->content_encoding != NULL)
		MHD_add_response_header(resp, "Content-Encoding",
		    r->content_encoding);
	if (r->set_cookie != NULL)
		MHD_add_response_header(resp, "Set-Cookie", r->set_cookie);
	if (r->csp != NULL)
		MHD_add_response_header(resp, "Content-Security-Policy", r->csp);
	if (r->no_store) {
		MHD_add_response_header(resp, "Cache-Control", "no-store");
		MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
		MHD_add_response_header(resp, "X-Frame-Options", "DENY");
		MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	}
	free(r->set_cookie);
	r->set_cookie = NULL;
	if (r->retry_after > 0) {
		char ra[16];

		snprintf(ra, sizeof ra, "%u", r->retry_after);
		MHD_add_response_header(resp, "Retry-After", ra);
	}
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

/* The request line and headers of conn, without a body. */
static void
request_of(struct MHD_Connection *conn, const char *url, const char *method,
    char *client, size_t client_len, struct http_request *req)
{
	memset(req, 0, sizeof *req);
	req->method = method;
	req->path = url;
	req->authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Authorization");
	req->content_encoding = MHD_lookup_connection_value(conn,
	    MHD_HEADER_KIND, "Content-Encoding");
	client_text(conn, client, client_len);
	req->client = client;
	req->body = "";
	req->conn = conn;
}

const char *
http_header(const struct http_request *req, const char *name)
{
	if (req->conn == NULL) /* a request made by a test harness */
		return NULL;
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
http_query(const struct http_request *req, const char *name)
{
	if (req->conn == NULL)
		return NULL;
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
	    name);
}

char *
http_form_value(const char *body, const char *name)
{
	size_t n = strlen(name);
	const char *p = body, *end;
	char *v, *q;

	while (p != NULL && *p != '\0') {
		end = strchr(p, '&');
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			p += n + 1;
			v = xasprintf("%.*s", (int)(end != NULL ? end - p :
			    (long)strlen(p)), p);
			for (q = v; *q != '\0'; q++)
				if (*q == '+')
					*q = ' ';
			v[MHD_http_unescape(v)] = '\0';
			return v;
		}
		p = end != NULL ? end + 1 : NULL;
	}
	return NULL;
}

/* The in-flight slot of client, or a free one to take when create. */
static struct addr_bytes *
addr_slot(struct http_server *s, const char *client, int create)
{
	struct addr_bytes *free_slot = NULL;
	size_t i;

	for (i = 0; i < INFLIGHT_ADDRS; i++) {
		if (s->by_addr[i].addr[0] != '\0' &&
		    strcmp(s->by_addr[i].addr, client) == 0)
			return &s->by_addr[i];
		if (free_slot == NULL && s->by_addr[i].addr[0] == '\0')
			free_slot = &s->by_addr[i];
	}
	if (create && free_slot != NULL)
		ld_strlcpy(free_slot->addr, client, sizeof free_slot->addr);
	return create ? free_slot : NULL;
}

/* Takes n bytes of the in-flight budget for client: 0 if the total or
 * the address's quarter of it has not enough. */
static int
reserve(struct http_server *s, const char *client, size_t n)
{
	struct addr_bytes *a;
	int ok = 0;

	pthread_mutex_lock(&s->lock);
	a = addr_slot(s, client, 1);
	if (a != NULL && s->inflight + n <= s->max_inflight &&
	    a->bytes + n <= s->max_inflight / 4) {
		a->bytes += n;
		s->inflight += n;
		ok = 1;
	} else if (a != NULL && a->bytes == 0)
		a->addr[0] = '\0';
	pthread_mutex_unlock(&s->lock);
	return ok;
}

static void
release(struct http_server *s, const char *client, size_t n)
{
	struct addr_bytes *a;

	if (n == 0)
		return;
	pthread_mutex_lock(&s->lock);
	s->inflight -= n;
	if ((a = addr_slot(s, client, 0)) != NULL && (a->bytes -= n) == 0)
		a->addr[0] = '\0';
	pthread_mutex_unlock(&s->lock);
}

/*
 * MHD's first call for a request: admit it or answer it at once. Admitted,
 * its body may be read up to the smaller of the app's cap and max_body;
 * a Content-Length above it is 413, and the bytes it announces (or the
 * whole cap, when it announces none) are reserved from max_inflight, or
 * the answer is 503. Returns 1 when answered.
 */
static int
admit(struct http_server *s, struct MHD_Connection *conn, const char *url,
    const char *method, struct upload *up, struct http_response *resp)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Content-Length");
	struct http_request req;
	char client[64], *end;
	unsigned long long announced = 0;
	size_t want;

	request_of(conn, url, method, client, sizeof client, &req);
	up->max = s->max_body;
	if (s->admit != NULL && s->admit(s->app, &req, &up->max, resp) != 0)
		return 1;
	if (up->max > s->max_body)
		up->max = s->max_body;
	if (cl != NULL) {
		announced = strtoull(cl, &end, 10);
		if (*cl == '\0' || *end != '\0') {
			http_error(resp, 400, "bad Content-Length");
			return 1;
		}
	}
	if (announced > up->max) {
		http_error(resp, 413, "request body over %zu bytes", up->max);
		return 1;
	}
	want = cl != NULL ? (size_t)announced : up->max;
	if (want > 0 && !reserve(s, client, want)) {
		http_error(resp, 503, "the server is busy: try again shortly");
		return 1;
	}
	up->reserved = want;
	ld_strlcpy(up->client, client, sizeof up->client);
	return 0;
}

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000 + (double)ts.tv_nsec / 1e6;
}

/* Seconds a client told 503 should wait: the time the queue should
 * take (its requests times the handler's pace, over the workers), spread
 * over up to half as much again so that those refused together do not
 * all come back together; 1 to RETRY_MAX, under the agent's stall
 * timeout and half the idle timeout (a connection waiting that long is
 * still open when its client comes back). qlock held. */
#define RETRY_MAX 25
static unsigned
retry_after(struct http_server *s)
{
	double secs = (double)(s->queued + 1) * s->pace_ms / 1000 /
	    (s->nworkers > 0 ? s->nworkers : 1);
	unsigned n = secs < 1 ? 1 : (unsigned)secs + 1;

	n += s->refused++ % (n / 2 + 1);
	return n > RETRY_MAX ? RETRY_MAX : n;
}

static void
busy(struct http_response *resp, unsigned secs)
{
	http_error(resp, 503, "the server is busy: try again in %u s", secs);
	resp->retry_after = secs;
}

/*
 * Queues up's whole request for a worker, its connection suspended until
 * the answer is ready. Returns 0 when queued; 1 when it is to be handled
 * in place (the listener is stopping); -1 when refused, resp set (503 and
 * Retry-After: its turn would come after queue_wait).
 */
static int
enqueue(struct http_server *s, struct MHD_Connection *conn,
    struct upload *up, struct http_response *resp)
{
	int rc = 0;

	pthread_mutex_lock(&s->qlock);
	if (s->stopping)
		rc = 1;
	else if ((double)s->queued * s->pace_ms >
	    (double)s->queue_wait * 1000 * s->nworkers) {
		busy(resp, retry_after(s));
		log_line("warn", "event=busy status=503 queued=%zu"
		    " retry_after=%u client=%s", s->queued, resp->retry_after,
		    up->client);
		rc = -1;
	} else {
		MHD_suspend_connection(conn);
		up->conn = conn;
		up->queued_at = mono_ms();
		up->next = NULL;
		if (s->qtail != NULL)
			s->qtail->next = up;
		else
			s->qhead = up;
		s->qtail = up;
		s->queued++;
		pthread_cond_signal(&s->qcond);
	}
	pthread_mutex_unlock(&s->qlock);
	return rc;
}

/* A worker: runs the handler for queued requests, in order, and resumes
 * each connection with its answer; when stopping, ends once the queue is
 * empty. */
static void *
worker(void *arg)
{
	struct http_server *s = arg;
	struct upload *up;
	double t0, waited;
	unsigned secs;

	for (;;) {
		pthread_mutex_lock(&s->qlock);
		while (s->qhead == NULL && !s->stopping)
			pthread_cond_wait(&s->qcond, &s->qlock);
		if ((up = s->qhead) == NULL) {
			pthread_mutex_unlock(&s->qlock);
			return NULL;
		}
		if ((s->qhead = up->next) == NULL)
			s->qtail = NULL;
		s->queued--;
		t0 = mono_ms();
		waited = t0 - up->queued_at;
		secs = waited > (double)s->queue_wait * 1000 ? retry_after(s) : 0;
		pthread_mutex_unlock(&s->qlock);
		memset(&up->resp, 0, sizeof up->resp);
		if (secs > 0) {
			busy(&up->resp, secs);
			log_line("warn", "event=busy status=503 waited_ms=%.0f"
			    " retry_after=%u client=%s", waited, secs, up->client);
		} else {
			s->handler(s->app, &up->req, &up->resp);
			if (!up->resp.off_pace) {
				pthread_mutex_lock(&s->qlock);
				s->pace_ms = 0.9 * s->pace_ms +
				    0.1 * (mono_ms() - t0);
				pthread_mutex_unlock(&s->qlock);
			}
		}
		up->answered = 1;
		MHD_resume_connection(up->conn);
	}
}

static void
finish_response(struct http_response *resp)
{
	if (resp->body == NULL) {
		resp->body = xstrdup("");
		resp->body_len = 0;
	}
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	struct upload *up = *con_cls;
	struct http_response resp;

	if (up == NULL) {
		up = xcalloc(1, sizeof *up);
		*con_cls = up;
		memset(&resp, 0, sizeof resp);
		if (admit(s, conn, url, method, up, &resp)) {
			if (resp.body == NULL) {
				resp.body = xstrdup("");
				resp.body_len = 0;
			}
			return respond(conn, &resp);
		}
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;
		if (!up->too_big && (up->len + n > up->max ||
		    up->len + n > up->reserved)) {
			up->too_big = 1;
			free(up->buf);
			up->buf = NULL;
			up->len = up->cap = 0;
		}
		if (!up->too_big) {
			if (up->len + n + 1 > up->cap) {
				up->cap = (up->len + n + 1) * 2;
				if (up->cap > up->max + 1)
					up->cap = up->max + 1;
				up->buf = xrealloc(up->buf, up->cap);
			}
			memcpy(up->buf + up->len, upload_data, n);
			up->len += n;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (up->answered) {
		/* Resumed by its worker: the answer is ready. */
		up->answered = 0;
		finish_response(&up->resp);
		resp = up->resp;
		memset(&up->resp, 0, sizeof up->resp);
		return respond(conn, &resp);
	}
	memset(&resp, 0, sizeof resp);
	if (up->too_big) {
		http_error(&resp, 413, "request body over %zu bytes", up->max);
		return respond(conn, &resp);
	}
	if (up->buf == NULL)
		up->buf = xcalloc(1, 1);
	up->buf[up->len] = '\0';
	request_of(conn, url, method, up->client, sizeof up->client, &up->req);
	up->req.body = up->buf;
	up->req.body_len = up->len;
	switch (enqueue(s, conn, up, &resp)) {
	case 0:
		return MHD_YES;
	case 1:
		s->handler(s->app, &up->req, &resp);
		break;
	default:
		break;
	}
	finish_response(&resp);
	return respond(conn, &resp);
}

/*
 * MHD calls this for a connection it accepted, before it reads anything
 * from it: for TLS, the GnuTLS session exists and its handshake has not
 * begun (MHD 0.9.75 starts it on the connection's first read), which is
 * when session tickets must be enabled for the handshake to resume one
 * or hand out a new one.
 */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *s = cls;
	const union MHD_ConnectionInfo *ci;

	if (toe != MHD_CONNECTION_NOTIFY_STARTED || s->tickets == NULL)
		return;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci != NULL && ci->tls_session != NULL)
		tls_tickets_enable(s->tickets, ci->tls_session);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	struct upload *up = *con_cls;

	if (up != NULL) {
		release(s, up->client, up->reserved);
		free(up->buf);
		free(up);
		*con_cls = NULL;
	}
}

/* Lets the workers end once the queue is empty and waits for them. */
static void
stop_workers(struct http_server *s)
{
	unsigned i;

	pthread_mutex_lock(&s->qlock);
	s->stopping = 1;
	pthread_cond_broadcast(&s->qcond);
	pthread_mutex_unlock(&s->qlock);
	for (i = 0; i < s->nworkers; i++)
		pthread_join(s->workers[i], NULL);
	free(s->workers);
	s->workers = NULL;
	s->nworkers = 0;
	pthread_cond_destroy(&s->qcond);
	pthread_mutex_destroy(&s->qlock);
}

int
http_start(const struct http_config *cfg, http_handler h, void *app,
    struct http_server **out, char *err)
{
	struct http_server *s = xcalloc(1, sizeof *s);
	/* No Date header: the server's clock travels in every answer's
	 * body (docs/protocol.md), and a lone urgent referral's answer is
	 * 37 bytes shorter without it. */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_SUPPRESS_DATE_NO_CLOCK;
	unsigned i;
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
	s->admit = cfg->admit;
	s->app = app;
	s->max_body = cfg->max_body;
	s->max_inflight = cfg->max_inflight > 0 ? cfg->max_inflight :
	    4 * cfg->max_body;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->qlock, NULL);
	pthread_cond_init(&s->qcond, NULL);
	s->queue_wait = cfg->queue_wait > 0 ? cfg->queue_wait : 20;
	s->nworkers = cfg->workers > 0 ? cfg->workers : 4;
	s->workers = xcalloc(s->nworkers, sizeof *s->workers);
	for (i = 0; i < s->nworkers; i++)
		if (pthread_create(&s->workers[i], NULL, worker, s) != 0)
			abort();
	if (cfg->cert_pem != NULL)
		s->tickets = tls_tickets_new(cfg->tls_priorities);
	if (cfg->cert_pem != NULL)
		s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
		    MHD_OPTION_SOCK_ADDR, &sin,
		    MHD_OPTION_HTTPS_MEM_KEY, cfg->key_pem,
		    MHD_OPTION_HTTPS_MEM_CERT, cfg->cert_pem,
		    MHD_OPTION_HTTPS_PRIORITIES, tls_priorities(cfg->tls_priorities),
		    MHD_OPTION_THREAD_POOL_SIZE, cfg->threads,
		    MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout,
		    MHD_OPTION_CONNECTION_LIMIT, cfg->max_conns,
		    MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_conns_per_address,
		    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		    MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
		    MHD_OPTION_END);
	else
		s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
		    MHD_OPTION_SOCK_ADDR, &sin,
		    MHD_OPTION_THREAD_POOL_SIZE, cfg->threads,
		    MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout,
		    MHD_OPTION_CONNECTION_LIMIT, cfg->max_conns,
		    MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_conns_per_address,
		    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		    MHD_OPTION_END);
	if (s->d == NULL) {
		stop_workers(s);
		pthread_mutex_destroy(&s->lock);
		tls_tickets_free(s->tickets);
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
	/* The workers answer what is queued and resume its connections
	 * (MHD must have none suspended when it stops); a request coming
	 * meanwhile is handled in place. */
	stop_workers(s);
	MHD_stop_daemon(s->d);
	tls_tickets_free(s->tickets);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
