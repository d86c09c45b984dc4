/*
 * loadgen.c - many stations against one county server at once, on
 * libcurl's multi interface: the load client of the server benchmarks
 * (tests/bench/ingest.sh, tests/bench/stations.sh).
 *
 *   loadgen enroll --url URL [--url URL2...] --ca FILE --codes FILE
 *                  --tokens OUT [--parallel N] [--timeout S]
 *                  [--connect-timeout S]
 *   loadgen sync   --url URL [--url URL2...] --ca FILE --tokens FILE
 *                  --events NDJSON [--dict FILE] [--batch N] [--parallel N]
 *                  [--timeout S] [--connect-timeout S] [--no-resume]
 *   loadgen handshake --url URL --ca FILE
 *
 * enroll reads "station code" lines and writes "station token session"
 * lines: session is the TLS session the server handed out on the
 * station's enrolment connection (DER, in hex; "-" for none), which sync
 * offers on the station's connection as the agent offers the one it
 * kept from its last run (agent/net.c, net_keep_sessions): a resumed
 * handshake, no certificate signed by the server (--no-resume: a full
 * handshake for every station, as after a server restart that lost its
 * ticket keys). With several --url (instances of one county on one
 * database), the i-th station of the file uses the (i mod n)-th, in
 * enrol and sync alike: its session is that instance's.
 *
 * A connection whose TCP connect or TLS handshake timed out
 * (--connect-timeout, default 20 s, the agent's) is tried again after a
 * random pause, as the agent does (common/proto.h: at most
 * PROTO_CONNECT_TRIES more times a request, the same pauses, at most
 * PROTO_CONNECT_WAIT seconds of them); counted as retried=, no
 * error unless the last try fails too.
 * sync plays one whole `liandong sync` per station of the tokens file, all
 * of them at once (at most --parallel in flight): the station's events of
 * NDJSON (canonical, hash-chained, e.g. from genevents) pushed in batches
 * of --batch (default 500, as the agent), each answer applied to the next
 * request's cursor, then pulls until the server says no more. Every
 * station has its own connection, kept for its whole sync, as the agent
 * does: its own connection cache (a curl share), so that it never takes
 * up another station's idle one (before, a station sending again after
 * a 503 could, sparing itself a handshake).
 *
 * Only the server is measured: each batch of events is compressed (zstd
 * level 19, with the dictionary when given, as the agent) before the clock
 * starts. A request body is two zstd frames, a small header frame made
 * when the request leaves (its cursor comes from the last answer) and the
 * precompressed events; the server accepts several frames in one body.
 *
 * handshake opens one TLS connection the way the agent does (same
 * libcurl, same verification) and closes it with no request: what a
 * proxy counts for it is the cost of the handshake alone.
 *
 * Output: a table on stderr, then one line on stdout:
 *   LOADGEN stations=.. done=.. errors=.. requests=.. pushed=.. pulled=..
 *   secs=.. events_per_s=.. p50_ms=.. p99_ms=.. req_p50_ms=.. req_p99_ms=..
 * where p50/p99 are of whole syncs (first byte out to last answer in) and
 * req_ of single requests, and busy= counts the answers 503 with
 * Retry-After: like the agent, the station waits that long and sends the
 * request again (at most BUSY_TRIES times a station), which is no error;
 * busy_over= counts the requests past the agent's bounds (proto.h),
 * busy_most= and waited_most= the most 503s and seconds of Retry-After
 * one request waited out.
 * The exit status is 0 only without errors.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "hash.h"
#include "proto.h"
#include "textfile.h"
#include "util.h"

#define MAX_ANSWER (64u << 20)
#define MAX_STATIONS 20000
#define MAX_PULLS 1000 /* requests of one station's sync: a runaway guard */
/* 503 with Retry-After waited out, a station's whole sync: a runaway
 * guard, above the agent's bound for one request (proto.h). */
#define BUSY_TRIES (4 * PROTO_BUSY_TRIES)
/* The agent's (agent/net.c): tries again after a connect timeout. */
/* The agent's bounds for a busy server, per request, are proto.h's
 * (PROTO_BUSY_TRIES, PROTO_BUSY_WAIT): past them the agent's sync would
 * have failed (counted as busy_over=, not an error here). */

struct batch {
	void *z;          /* owned: the compressed events */
	size_t zlen;
	long n;
	int64_t last_seq;
};

struct station {
	char name[64];
	char secret[256];   /* code (enroll) or token (sync) */
	struct batch *batches;
	size_t nbatch, next;
	int64_t acked, cursor;
	long pushed, pulled, requests;
	int done, failed, pulls, busy;
	double start, end, req_start;
	double retry_at;    /* when to send the request again; 0: none */
	int ctries;         /* connect timeouts of the request, tried again */
	double cpaused;     /* seconds paused for them, this request */
	int rbusy;          /* 503s of this request waited out */
	long rwaited;       /* seconds of Retry-After of this request */
	int rover;          /* this request went past the agent's bounds */
	const char *url;    /* not owned: the instance it talks to */
	SSL_SESSION *sess;  /* owned: the newest session, to offer; or NULL */
	int resumed;        /* handshakes of its connections that resumed */
	CURL *h;
	CURLSH *sh;         /* its own connection cache: no other station's
	                       idle connection is ever taken up */
	struct curl_slist *hdrs;
	char *body;         /* owned: the request in flight */
	char *answer;       /* owned: what came back so far */
	size_t alen;
};

#define MAX_URLS 8

struct run {
	const char *url[MAX_URLS], *ca, *codes, *tokens, *events, *dict;
	size_t nurl;
	long batch, parallel, timeout, connect_timeout;
	int no_resume;
	struct station *st;
	size_t nst;
	struct codec *codec;
	CURLM *multi;
	double *req_ms;
	size_t nreq, req_cap;
	long errors, busy, retried, busy_over, handshakes, resumed, offered;
	int busy_most;      /* the most 503s waited out by one request */
	long waited_most;   /* and the most seconds of Retry-After */
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(const char *what, const char *detail)
{
	fprintf(stderr, "loadgen: error: %s%s%s\n", what, detail ? ": " : "",
	    detail ? detail : "");
	exit(2);
}

/* A session from its hex DER, or NULL. */
static SSL_SESSION *
session_from_hex(const char *hex)
{
	size_t len = strlen(hex) / 2, i;
	unsigned char *der;
	const unsigned char *p;
	SSL_SESSION *sess;

	if (len == 0)
		return NULL;
	der = xmalloc(len);
	for (i = 0; i < len; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
			free(der);
			return NULL;
		}
		der[i] = (unsigned char)v;
	}
	p = der;
	sess = d2i_SSL_SESSION(NULL, &p, (long)len);
	free(der);
	return sess;
}

/* Reads "name value [session]" lines into r->st, and gives the i-th
 * station the (i mod n)-th URL. */
static void
read_pairs(struct run *r, const char *path)
{
	static char line[65536], sess[65536];
	FILE *f = fopen(path, "r");

	if (f == NULL)
		die("cannot open", path);
	r->st = xcalloc(MAX_STATIONS, sizeof *r->st);
	while (fgets(line, sizeof line, f) != NULL && r->nst < MAX_STATIONS) {
		struct station *s = &r->st[r->nst];
		int got = sscanf(line, "%63s %255s %65535s", s->name, s->secret,
		    sess);

		if (got < 2)
			continue;
		if (got == 3 && !r->no_resume)
			s->sess = session_from_hex(sess);
		s->url = r->url[r->nst % r->nurl];
		r->nst++;
	}
	fclose(f);
}

static struct station *
station_of(struct run *r, const char *name, size_t len)
{
	/* Consecutive events are often one station's: try it first. */
	static size_t last;
	size_t i;

	if (last < r->nst && strlen(r->st[last].name) == len &&
	    memcmp(r->st[last].name, name, len) == 0)
		return &r->st[last];
	for (i = 0; i < r->nst; i++)
		if (strlen(r->st[i].name) == len &&
		    memcmp(r->st[i].name, name, len) == 0)
			return &r->st[last = i];
	return NULL;
}

struct pending {
	FILE *f;
	char *buf;
	size_t len;
	long n;
	int64_t last_seq;
};

static void
close_batch(struct run *r, struct station *s, struct pending *p)
{
	char err[LD_ERRLEN];
	struct batch *b;

	if (p->f == NULL)
		return;
	fclose(p->f);
	p->f = NULL;
	s->batches = xrealloc(s->batches, (s->nbatch + 1) * sizeof *s->batches);
	b = &s->batches[s->nbatch++];
	b->n = p->n;
	b->last_seq = p->last_seq;
	if (codec_compress(r->codec, p->buf, p->len, &b->z, &b->zlen, err) != 0)
		die("cannot compress", err);
	free(p->buf);
	p->buf = NULL;
	p->n = 0;
}

/*
 * Splits the events among the stations, in order, into batches of at most
 * r->batch events and PROTO_PUSH_BYTES, each compressed once.
 */
static void
load_events(struct run *r)
{
	struct pending *p = xcalloc(r->nst, sizeof *p);
	char *text = NULL, err[LD_ERRLEN];
	const char *line;
	size_t pos = 0, n, i, all;
	struct codec *c19;

	if (textfile_read(r->events, 1u << 31, &text, err) != 0)
		die("cannot read events", err);
	if (r->dict != NULL ? codec_load(r->dict, 19, &c19, err) :
	    codec_new(NULL, 0, 19, &c19, err))
		die("cannot load the dictionary", err);
	r->codec = c19;
	all = strlen(text);
	while (ndjson_next(text, all, &pos, &line, &n)) {
		const char *q = strstr(line, "\"station\":\"");
		struct station *s;
		struct pending *pp;
		size_t sl;

		if (q == NULL || q > line + n)
			die("an event without a station", NULL);
		q += 11;
		sl = strcspn(q, "\"");
		if ((s = station_of(r, q, sl)) == NULL)
			continue; /* a station not playing in this run */
		pp = &p[s - r->st];
		if (pp->f != NULL && (pp->n == r->batch ||
		    pp->len + n > PROTO_PUSH_BYTES))
			close_batch(r, s, pp);
		if (pp->f == NULL)
			pp->f = open_memstream(&pp->buf, &pp->len);
		fwrite(line, 1, n, pp->f);
		fputc('\n', pp->f);
		fflush(pp->f);
		pp->n++;
		q = strstr(line, "\"seq\":");
		pp->last_seq = q ? atoll(q + 6) : 0;
	}
	for (i = 0; i < r->nst; i++)
		close_batch(r, &r->st[i], &p[i]);
	free(p);
	free(text);
}

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct station *s = arg;
	size_t len = size * n;

	if (s->alen + len > MAX_ANSWER)
		return 0;
	s->answer = xrealloc(s->answer, s->alen + len + 1);
	memcpy(s->answer + s->alen, p, len);
	s->alen += len;
	return len;
}

static void agent_tls(CURL *h);

static void
easy_common(struct run *r, struct station *s, const char *path)
{
	char *url = xasprintf("%s%s", s->url, path);

	if (s->h == NULL) {
		if (s->sh == NULL) {
			s->sh = curl_share_init();
			curl_share_setopt(s->sh, CURLSHOPT_SHARE,
			    CURL_LOCK_DATA_CONNECT);
		}
		s->h = curl_easy_init();
		curl_easy_setopt(s->h, CURLOPT_SHARE, s->sh);
		curl_easy_setopt(s->h, CURLOPT_PRIVATE, s);
		curl_easy_setopt(s->h, CURLOPT_CAINFO, r->ca);
		curl_easy_setopt(s->h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(s->h, CURLOPT_CONNECTTIMEOUT, r->connect_timeout);
		agent_tls(s->h);
		curl_easy_setopt(s->h, CURLOPT_SSL_CTX_DATA, s);
		curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(s->h, CURLOPT_WRITEDATA, s);
	}
	curl_easy_setopt(s->h, CURLOPT_URL, url);
	free(url);
	free(s->answer);
	s->answer = NULL;
	s->alen = 0;
}

static void
start_enroll(struct run *r, struct station *s)
{
	json_t *o = json_pack("{s:s, s:s}", "station", s->name, "code",
	    s->secret);

	easy_common(r, s, PATH_ENROLL);
	free(s->body);
	s->body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	curl_slist_free_all(s->hdrs);
	s->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	s->hdrs = curl_slist_append(s->hdrs, "Expect:");
	curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, s->hdrs);
	curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, s->body);
	curl_easy_setopt(s->h, CURLOPT_POSTFIELDSIZE, (long)strlen(s->body));
	s->start = s->req_start = now_s();
	curl_multi_add_handle(r->multi, s->h);
}

/* The next request of s's sync: a header frame and its next batch. */
static void
start_sync(struct run *r, struct station *s)
{
	const struct batch *b = s->next < s->nbatch ? &s->batches[s->next] : NULL;
	int final = s->next + 1 >= s->nbatch;
	char err[LD_ERRLEN], *h;
	json_t *o;
	void *hz;
	size_t hzlen, len;

	o = json_pack("{s:i, s:I, s:I, s:b}", "v", PROTO_VERSION, "cursor",
	    (json_int_t)s->cursor, "acked", (json_int_t)s->acked, "final", final);
	h = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	len = strlen(h);
	h = xrealloc(h, len + 2);
	memcpy(h + len, "\n", 2);
	if (codec_compress(r->codec, h, len + 1, &hz, &hzlen, err) != 0)
		die("cannot compress", err);
	free(h);
	free(s->body);
	len = hzlen + (b ? b->zlen : 0);
	s->body = xmalloc(len);
	memcpy(s->body, hz, hzlen);
	if (b != NULL)
		memcpy(s->body + hzlen, b->z, b->zlen);
	free(hz);

	easy_common(r, s, PATH_SYNC);
	if (s->hdrs == NULL) {
		char *auth = xasprintf("Authorization: Bearer %s", s->secret);
		s->hdrs = curl_slist_append(NULL, auth);
		free(auth);
		s->hdrs = curl_slist_append(s->hdrs,
		    "Content-Type: application/x-ndjson");
		s->hdrs = curl_slist_append(s->hdrs, "Content-Encoding: zstd");
		s->hdrs = curl_slist_append(s->hdrs, "Expect:");
	}
	curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, s->hdrs);
	curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, s->body);
	curl_easy_setopt(s->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	s->req_start = now_s();
	if (s->start == 0)
		s->start = s->req_start;
	curl_multi_add_handle(r->multi, s->h);
}

static void
fail(struct run *r, struct station *s, const char *why)
{
	if (r->errors++ < 10)
		fprintf(stderr, "loadgen: %s: %s\n", s->name, why);
	s->failed = s->done = 1;
	s->end = now_s();
}

/* Reads an enrolment answer: the token. */
static void
enrolled(struct run *r, struct station *s)
{
	json_t *o = json_loadb(s->answer ? s->answer : "", s->alen, 0, NULL);
	const char *t = json_string_value(json_object_get(o, "token"));

	if (t == NULL)
		fail(r, s, "no token in the answer");
	else {
		ld_strlcpy(s->secret, t, sizeof s->secret);
		s->done = 1;
		s->end = now_s();
	}
	json_decref(o);
}

/* Applies a sync answer; returns 1 when s has another request to make. */
static int
synced(struct run *r, struct station *s)
{
	char err[LD_ERRLEN];
	const char *line;
	size_t pos = 0, n;
	void *plain;
	size_t plen;
	json_t *h;
	int more;

	if (codec_decompress(r->codec, s->answer, s->alen, MAX_ANSWER, &plain,
	    &plen, err) != 0) {
		fail(r, s, err);
		return 0;
	}
	if (!ndjson_next(plain, plen, &pos, &line, &n) ||
	    (h = json_loadb(line, n, 0, NULL)) == NULL) {
		free(plain);
		fail(r, s, "malformed answer");
		return 0;
	}
	while (ndjson_next(plain, plen, &pos, &line, &n))
		s->pulled++;
	free(plain);
	s->acked = json_integer_value(json_object_get(h, "acked"));
	s->cursor = json_integer_value(json_object_get(h, "cursor"));
	more = json_is_true(json_object_get(h, "more"));
	json_decref(h);
	if (s->next < s->nbatch) {
		if (s->acked != s->batches[s->next].last_seq) {
			fail(r, s, "the server did not take the batch");
			return 0;
		}
		s->pushed += s->batches[s->next++].n;
	}
	if (s->next < s->nbatch)
		return 1;
	if (more && s->pulls++ < MAX_PULLS)
		return 1;
	s->done = 1;
	s->end = now_s();
	return 0;
}

/* The pause before try k (1, 2, ...) again, in seconds: the agent's. */
static double
connect_pause(const struct run *r, int k)
{
	uint32_t u = (uint32_t)random() << 1 ^ (uint32_t)random();

	return (double)proto_connect_pause_ms(r->connect_timeout, k, u) / 1000;
}

static void
finished(struct run *r, CURLMsg *m, int enrolling)
{
	struct station *s;
	long status = 0;
	char why[128];

	curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
	curl_multi_remove_handle(r->multi, s->h);
	s->requests++;
	if (r->nreq == r->req_cap) {
		r->req_cap = r->req_cap ? r->req_cap * 2 : 1024;
		r->req_ms = xrealloc(r->req_ms, r->req_cap * sizeof *r->req_ms);
	}
	r->req_ms[r->nreq++] = (now_s() - s->req_start) * 1000;
	if (m->data.result != CURLE_OK) {
		long sent = -1;
		double pause;

		/* Timed out before a byte of the request left: tried again
		 * after a random pause, as the agent does. */
		if (m->data.result == CURLE_OPERATION_TIMEDOUT &&
		    curl_easy_getinfo(s->h, CURLINFO_REQUEST_SIZE, &sent) ==
		    CURLE_OK && sent == 0 && s->ctries < PROTO_CONNECT_TRIES &&
		    s->cpaused + (pause = connect_pause(r, s->ctries + 1)) <=
		    PROTO_CONNECT_WAIT) {
			s->ctries++;
			s->cpaused += pause;
			r->retried++;
			/* A new connection: this one is dead. */
			curl_easy_cleanup(s->h);
			s->h = NULL;
			s->retry_at = now_s() + pause;
			return;
		}
		fail(r, s, curl_easy_strerror(m->data.result));
		return;
	}
	curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
	if (status == 503 && s->busy < BUSY_TRIES) {
		curl_off_t ra = 0;

		curl_easy_getinfo(s->h, CURLINFO_RETRY_AFTER, &ra);
		if (ra > 0) {
			s->busy++;
			r->busy++;
			/* Past the agent's bounds for one request: its sync
			 * would have ended there (counted once a request). */
			if (!s->rover && !proto_busy_wait(s->rbusy,
			    s->rwaited, (long)ra, PROTO_BUSY_WAIT)) {
				s->rover = 1;
				r->busy_over++;
			}
			s->rbusy++;
			s->rwaited += (long)ra;
			if (s->rbusy > r->busy_most)
				r->busy_most = s->rbusy;
			if (s->rwaited > r->waited_most)
				r->waited_most = s->rwaited;
			s->retry_at = now_s() + (double)ra;
			return;
		}
	}
	/* An answer: the next request starts its own counts. */
	s->ctries = s->rbusy = s->rover = 0;
	s->cpaused = 0;
	s->rwaited = 0;
	if (status != 200) {
		snprintf(why, sizeof why, "status %ld: %.*s", status,
		    (int)(s->alen < 80 ? s->alen : 80), s->answer ? s->answer : "");
		fail(r, s, why);
		return;
	}
	if (enrolling)
		enrolled(r, s);
	else if (synced(r, s))
		start_sync(r, s);
}

/* Closes the station's handle and its connection. */
static void
station_close(struct station *s)
{
	if (s->h != NULL)
		curl_easy_cleanup(s->h);
	s->h = NULL;
	if (s->sh != NULL)
		curl_share_cleanup(s->sh);
	s->sh = NULL;
}

/* Runs every station to its end, at most r->parallel at once, until the
 * deadline. Returns the wall time. */
static double
drive(struct run *r, int enrolling)
{
	double t0 = now_s(), deadline = t0 + (double)r->timeout;
	size_t started = 0, i;
	long inflight = 0;
	int running = 1;

	while (now_s() < deadline) {
		CURLMsg *m;
		int left;

		while (started < r->nst && inflight < r->parallel) {
			if (enrolling)
				start_enroll(r, &r->st[started]);
			else
				start_sync(r, &r->st[started]);
			started++;
			inflight++;
		}
		/* Requests answered 503 with Retry-After, sent again. */
		for (i = 0; i < started; i++)
			if (r->st[i].retry_at > 0 && now_s() >= r->st[i].retry_at) {
				r->st[i].retry_at = 0;
				if (enrolling)
					start_enroll(r, &r->st[i]);
				else
					start_sync(r, &r->st[i]);
			}
		curl_multi_perform(r->multi, &running);
		while ((m = curl_multi_info_read(r->multi, &left)) != NULL)
			if (m->msg == CURLMSG_DONE) {
				struct station *s;
				curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
				    (char **)&s);
				finished(r, m, enrolling);
				if (s->done) {
					inflight--;
					/* The station's sync is over: its link too. */
					station_close(s);
				}
			}
		if (started == r->nst && inflight == 0)
			break;
		curl_multi_poll(r->multi, NULL, 0, 100, NULL);
	}
	for (i = 0; i < r->nst; i++)
		if (!r->st[i].done) {
			fail(r, &r->st[i], "timed out");
			if (r->st[i].h != NULL)
				curl_multi_remove_handle(r->multi, r->st[i].h);
			station_close(&r->st[i]);
		}
	return now_s() - t0;
}

static int
by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The p-th percentile (nearest rank) of v, sorted in place. */
static double
percentile(double *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, by_double);
	k = (size_t)(p / 100 * (double)n + 0.999999);
	return v[k == 0 ? 0 : k - 1];
}

static void
report(struct run *r, double secs)
{
	double *lat = xcalloc(r->nst + 1, sizeof *lat);
	long done = 0, pushed = 0, pulled = 0, requests = 0;
	size_t i, nl = 0;
	double p50, p99, q50, q99;

	for (i = 0; i < r->nst; i++) {
		const struct station *s = &r->st[i];
		pushed += s->pushed;
		pulled += s->pulled;
		requests += s->requests;
		if (s->done && !s->failed) {
			done++;
			lat[nl++] = (s->end - s->start) * 1000;
		}
	}
	p50 = percentile(lat, nl, 50);
	p99 = percentile(lat, nl, 99);
	q50 = percentile(r->req_ms, r->nreq, 50);
	q99 = percentile(r->req_ms, r->nreq, 99);
	fprintf(stderr,
	    "  stations %zu, completed %ld, errors %ld, requests %ld"
	    " (%ld answered busy, sent again; %ld beyond the agent's %d or"
	    " %d s a request)\n"
	    "  connections tried again after a connect timeout %ld;"
	    " TLS handshakes %ld, of which resumed %ld (a session offered"
	    " %ld times)\n"
	    "  events pushed %ld, pulled %ld, in %.2f s: %.0f pushed/s\n"
	    "  whole sync p50 %.0f ms, p99 %.0f ms; one request p50 %.0f ms, p99 %.0f ms\n",
	    r->nst, done, r->errors, requests, r->busy, r->busy_over,
	    PROTO_BUSY_TRIES, PROTO_BUSY_WAIT, r->retried, r->handshakes,
	    r->resumed, r->offered, pushed, pulled,
	    secs, pushed / secs, p50, p99, q50, q99);
	printf("LOADGEN stations=%zu done=%ld errors=%ld requests=%ld busy=%ld"
	    " busy_over=%ld busy_most=%d waited_most=%ld retried=%ld"
	    " handshakes=%ld resumed=%ld offered=%ld pushed=%ld"
	    " pulled=%ld secs=%.3f events_per_s=%.1f p50_ms=%.1f p99_ms=%.1f"
	    " req_p50_ms=%.1f req_p99_ms=%.1f\n", r->nst, done, r->errors,
	    requests, r->busy, r->busy_over, r->busy_most, r->waited_most,
	    r->retried, r->handshakes, r->resumed, r->offered, pushed, pulled,
	    secs, pushed / secs, p50, p99, q50, q99);
	free(lat);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen enroll --url URL [--url URL...] --ca FILE --codes FILE\n"
	    "                      --tokens OUT [--parallel N] [--timeout S]\n"
	    "                      [--connect-timeout S]\n"
	    "       loadgen sync --url URL [--url URL...] --ca FILE --tokens FILE\n"
	    "                    --events NDJSON [--dict FILE] [--batch N] [--parallel N]\n"
	    "                    [--timeout S] [--connect-timeout S] [--no-resume]\n"
	    "       loadgen handshake --url URL --ca FILE\n");
	exit(2);
}

static void
parse(struct run *r, int argc, char **argv)
{
	int i;

	r->batch = PROTO_PUSH_BATCH;
	r->parallel = 64;
	r->timeout = 600;
	r->connect_timeout = 20;
	for (i = 2; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(o, "--no-resume") == 0) {
			r->no_resume = 1;
			continue;
		}
		if (v == NULL)
			usage();
		i++;
		if (strcmp(o, "--url") == 0) {
			if (r->nurl == MAX_URLS)
				usage();
			r->url[r->nurl++] = v;
		} else if (strcmp(o, "--connect-timeout") == 0)
			r->connect_timeout = atol(v);
		else if (strcmp(o, "--ca") == 0)
			r->ca = v;
		else if (strcmp(o, "--codes") == 0)
			r->codes = v;
		else if (strcmp(o, "--tokens") == 0)
			r->tokens = v;
		else if (strcmp(o, "--events") == 0)
			r->events = v;
		else if (strcmp(o, "--dict") == 0)
			r->dict = v;
		else if (strcmp(o, "--batch") == 0)
			r->batch = atol(v);
		else if (strcmp(o, "--parallel") == 0)
			r->parallel = atol(v);
		else if (strcmp(o, "--timeout") == 0)
			r->timeout = atol(v);
		else
			usage();
	}
	if (r->nurl == 0 || r->ca == NULL || r->tokens == NULL ||
	    r->batch < 1 || r->batch > PROTO_MAX_EVENTS || r->parallel < 1 ||
	    r->timeout < 1 || r->connect_timeout < 1)
		usage();
}

/*
 * Sessions, as the agent keeps them (agent/net.c): each connection's
 * SSL_CTX (libcurl makes one a connection) carries its station (ex_data
 * at ctx_index); the newest session the server hands out on it becomes
 * the station's, and the station's is put on a connection when its
 * handshake starts, unless libcurl put one of its own there. One thread:
 * the run's pointer is a global.
 */
static int ctx_index = -1;
static int ssl_index = -1; /* set on an SSL once its handshake is counted
                              (TLS 1.3 tickets end "handshakes" again) */
static struct run *the_run;
static int (*curl_new_session)(SSL *, SSL_SESSION *);

static int
on_new_session(SSL *ssl, SSL_SESSION *sess)
{
	struct station *s = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl),
	    ctx_index);

	if (s != NULL && SSL_SESSION_is_resumable(sess) &&
	    SSL_SESSION_up_ref(sess) == 1) {
		SSL_SESSION_free(s->sess);
		s->sess = sess;
	}
	return curl_new_session != NULL ? curl_new_session(ssl, sess) : 0;
}

static void
on_ssl_info(const SSL *cssl, int where, int ret)
{
	SSL *ssl = (SSL *)cssl;
	struct station *s = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl),
	    ctx_index);

	if (s == NULL)
		return;
	/* A copy is offered: OpenSSL marks the session a connection used
	 * not resumable when the connection is freed without a close_notify
	 * sent (a 503 that closed it, a timeout), and the station's next
	 * connection would then make a full handshake. The agent reads its
	 * session from its file for each run, a fresh copy too. */
	if ((where & SSL_CB_HANDSHAKE_START) && SSL_in_before(ssl) &&
	    SSL_get_session(ssl) == NULL && s->sess != NULL &&
	    (the_run == NULL || !the_run->no_resume)) {
		SSL_SESSION *copy = SSL_SESSION_dup(s->sess);

		if (copy != NULL) {
			SSL_set_session(ssl, copy);
			SSL_SESSION_free(copy);
		}
		if (the_run != NULL)
			the_run->offered++;
	}
	if ((where & SSL_CB_HANDSHAKE_DONE) && the_run != NULL &&
	    ssl_index >= 0 && SSL_get_ex_data(ssl, ssl_index) == NULL &&
	    SSL_set_ex_data(ssl, ssl_index, (void *)1) == 1) {
		the_run->handshakes++;
		the_run->resumed += SSL_session_reused(ssl) != 0;
	}
}

/* The agent's TLS settings (agent/net.c, on_ssl_ctx and net_new): no
 * middlebox compatibility, no padding, encrypt-then-MAC or
 * post-handshake auth; its signature algorithms, suites (AES-128-GCM
 * first) and groups. With a station (arg), its sessions kept and
 * offered. */
static CURLcode
agent_ssl_ctx(CURL *h, void *ctx, void *arg)
{
	int (*cb)(SSL *, SSL_SESSION *);

	if (arg != NULL && ctx_index >= 0 &&
	    SSL_CTX_set_ex_data(ctx, ctx_index, arg) == 1) {
		cb = SSL_CTX_sess_get_new_cb(ctx);
		if (cb != on_new_session) {
			curl_new_session = cb;
			SSL_CTX_sess_set_new_cb(ctx, on_new_session);
		}
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
		    SSL_SESS_CACHE_NO_INTERNAL);
		SSL_CTX_set_info_callback(ctx, on_ssl_info);
	}
	SSL_CTX_clear_options(ctx, SSL_OP_ENABLE_MIDDLEBOX_COMPAT |
	    SSL_OP_TLSEXT_PADDING);
	SSL_CTX_set_options(ctx, SSL_OP_NO_ENCRYPT_THEN_MAC);
	SSL_CTX_set_post_handshake_auth(ctx, 0);
	SSL_CTX_set1_sigalgs_list(ctx, "ECDSA+SHA256:ECDSA+SHA384:"
	    "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:RSA+SHA256");
	return CURLE_OK;
}

static void
agent_tls(CURL *h)
{
	curl_easy_setopt(h, CURLOPT_SSL_ENABLE_ALPN, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, agent_ssl_ctx);
	curl_easy_setopt(h, CURLOPT_TLS13_CIPHERS, "TLS_AES_128_GCM_SHA256:"
	    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256");
	curl_easy_setopt(h, CURLOPT_SSL_CIPHER_LIST,
	    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
	    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
	    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
	curl_easy_setopt(h, CURLOPT_SSL_EC_CURVES, "X25519:P-256");
}

/* The TLS handshake alone, as libcurl makes it for the agent (a full
 * one: no session kept). */
static int
handshake(const struct run *r)
{
	CURL *h = curl_easy_init();
	CURLcode cc;

	agent_tls(h);
	curl_easy_setopt(h, CURLOPT_URL, r->url[0]);
	curl_easy_setopt(h, CURLOPT_CAINFO, r->ca);
	curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 20L);
	cc = curl_easy_perform(h);
	curl_easy_cleanup(h);
	if (cc != CURLE_OK)
		fprintf(stderr, "loadgen: handshake: %s\n", curl_easy_strerror(cc));
	return cc == CURLE_OK ? 0 : 1;
}

/* A socket per station in flight, on both sides: lift the soft limit. */
static void
more_files(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
main(int argc, char **argv)
{
	struct run r;
	int enrolling;
	double secs;
	size_t i;

	memset(&r, 0, sizeof r);
	if (argc < 2)
		usage();
	enrolling = strcmp(argv[1], "enroll") == 0;
	if (strcmp(argv[1], "handshake") == 0) {
		r.tokens = "-";
		parse(&r, argc, argv);
		curl_global_init(CURL_GLOBAL_DEFAULT);
		return handshake(&r);
	}
	if (!enrolling && strcmp(argv[1], "sync") != 0)
		usage();
	parse(&r, argc, argv);
	if (enrolling ? r.codes == NULL : r.events == NULL)
		usage();
	more_files();
	hash_init();
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	curl_global_init(CURL_GLOBAL_DEFAULT);
	ctx_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	ssl_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	the_run = &r;
	read_pairs(&r, enrolling ? r.codes : r.tokens);
	if (!enrolling)
		load_events(&r);
	r.multi = curl_multi_init();
	curl_multi_setopt(r.multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    r.parallel);
	secs = drive(&r, enrolling);
	report(&r, secs);
	if (enrolling) {
		FILE *f = fopen(r.tokens, "w");
		if (f == NULL)
			die("cannot write", r.tokens);
		for (i = 0; i < r.nst; i++)
			if (r.st[i].done && !r.st[i].failed) {
				unsigned char *der = NULL;
				int len = r.st[i].sess != NULL ?
				    i2d_SSL_SESSION(r.st[i].sess, &der) : 0, k;

				fprintf(f, "%s %s ", r.st[i].name, r.st[i].secret);
				for (k = 0; k < len; k++)
					fprintf(f, "%02x", der[k]);
				fprintf(f, "%s\n", len > 0 ? "" : "-");
				OPENSSL_free(der);
			}
		fclose(f);
	}
	curl_multi_cleanup(r.multi);
	return r.errors == 0 ? 0 : 1;
}
