/*
 * api.c - the endpoints of the county server (docs/protocol.md).
 *
 * Every handler answers with a clear status and a JSON error body when
 * it refuses; a refused request changes nothing: a push is checked whole
 * before its transaction commits.
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cjson.h"
#include "hash.h"
#include "journal.h"
#include "log.h"
#include "ltime.h"
#include "merge.h"
#include "proto.h"
#include "util.h"

/*
 * Brute-force guard: failed credentials are counted per client address in
 * fixed windows; past API_AUTH_FAILURES in a window, every request of that
 * address is answered 429 before any work, until the window ends. Only
 * the address that fails is held back, never a station by its name (names
 * are printed in every record id: counting by name would let a stranger
 * lock any station out). Guessing needs the address's failures: a token
 * is 256 random bits, an enrolment code about 59. A small table: the
 * oldest slot is reused, which only ever forgets failures, never invents
 * them.
 */
#define THROTTLE_SLOTS 512

struct api_throttle {
	struct slot {
		char key[80];   /* "ip:127.0.0.1" or "st:lyx" */
		int64_t start;
		int failures;
	} slots[THROTTLE_SLOTS];
};

static struct slot *
slot_of(struct api *a, const char *key, int create)
{
	struct slot *oldest = &a->throttle->slots[0];
	int64_t now = ltime_now();
	size_t i;

	for (i = 0; i < THROTTLE_SLOTS; i++) {
		struct slot *s = &a->throttle->slots[i];
		if (strcmp(s->key, key) == 0) {
			if (now - s->start > API_AUTH_WINDOW_MS) {
				s->start = now;
				s->failures = 0;
			}
			return s;
		}
		if (s->start < oldest->start)
			oldest = s;
	}
	if (!create)
		return NULL;
	ld_strlcpy(oldest->key, key, sizeof oldest->key);
	oldest->start = now;
	oldest->failures = 0;
	return oldest;
}

/* 1 if the client has failed too often. Lock held. */
static int
throttled(struct api *a, const char *client)
{
	char key[80];
	struct slot *s;

	snprintf(key, sizeof key, "ip:%s", client);
	return (s = slot_of(a, key, 0)) != NULL &&
	    s->failures >= a->max_auth_failures;
}

static void
failed_attempt(struct api *a, const char *client)
{
	char key[80];

	snprintf(key, sizeof key, "ip:%s", client);
	slot_of(a, key, 1)->failures++;
}

void
api_init(struct api *a, struct store *s, struct codec *c)
{
	memset(a, 0, sizeof *a);
	a->store = s;
	a->codec = c;
	pthread_mutex_init(&a->lock, NULL);
	a->max_decompressed = PROTO_MAX_DECOMPRESSED;
	a->max_events = PROTO_MAX_EVENTS;
	a->pull_batch = PROTO_PULL_BATCH;
	a->pull_bytes = PROTO_PULL_BYTES;
	a->throttle = xcalloc(1, sizeof *a->throttle);
	a->max_auth_failures = API_AUTH_FAILURES;
	a->max_clock_ahead_ms = API_CLOCK_AHEAD_MS;
	a->max_routes = API_MAX_ROUTES;
}

void
api_forget_failures(struct api *a)
{
	pthread_mutex_lock(&a->lock);
	memset(a->throttle, 0, sizeof *a->throttle);
	pthread_mutex_unlock(&a->lock);
}

void
api_release(struct api *a)
{
	json_decref(a->profile);
	json_decref(a->next_ca);
	json_decref(a->calendar);
	free(a->throttle);
	pthread_mutex_destroy(&a->lock);
}

/* Replaces *slot with v (taken) and hash with its canonical SHA-256,
 * which stations send back to say what they hold. */
static void
set_hashed(json_t **slot, json_t *v, char *hash)
{
	char *text;

	json_decref(*slot);
	*slot = v;
	text = cjson_encode(v, NULL);
	hash_hex(text, strlen(text), hash);
	free(text);
}

void
api_set_profile(struct api *a, const struct profile *p)
{
	set_hashed(&a->profile, profile_json(p), a->profile_hash);
}

void
api_set_next_ca(struct api *a, const char *pem)
{
	set_hashed(&a->next_ca, json_string(pem), a->next_ca_hash);
}

void
api_set_calendar(struct api *a, const json_t *texts)
{
	set_hashed(&a->calendar, json_deep_copy(texts), a->calendar_hash);
}

/* The county's unit directory as it is now (directory.h): the sorted
 * names (new reference) and the SHA-256 of their canonical text, which
 * stations send back to say what they hold; NULL when the store cannot
 * read it (an answer then leaves it out). Lock held. */
static json_t *
directory(struct api *a, char hash[HASH_HEX])
{
	struct unit_rec *recs;
	json_t *names;
	char *text;
	size_t n, i;

	if (a->store->ops->unit_list(a->store, &recs, &n, NULL) != 0)
		return NULL;
	names = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(names, json_string(recs[i].name));
	unit_recs_free(recs, n);
	text = cjson_encode(names, NULL);
	hash_hex(text, strlen(text), hash);
	free(text);
	return names;
}

static void
json_reply(struct http_response *resp, int status, json_t *o)
{
	resp->status = status;
	resp->body = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	resp->body_len = strlen(resp->body);
	resp->content_type = "application/json";
	json_decref(o);
}

/* The station's first request with its token shows that the enrolment
 * answer reached it: its code is used up now, journaled first (the
 * caller stores r in its transaction). Lock held. */
static int
spend_code(struct api *a, struct station_rec *r, char *err)
{
	r->code_hash[0] = '\0';
	r->code_expires = 0;
	if (a->journal != NULL && journal_station(a->journal, r, err) != 0)
		return -1;
	log_line("info", "event=enroll station=%s result=confirmed", r->name);
	return 0;
}

/* The station a "Bearer <station>:<secret>" header names, into name;
 * NULL when it is missing or malformed, else the secret. */
static const char *
token_station(const char *h, char name[STATION_MAX + 1])
{
	const char *colon;
	size_t n;

	if (h == NULL || strncmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	colon = strchr(h, ':');
	n = colon ? (size_t)(colon - h) : 0;
	if (colon == NULL || n == 0 || n > STATION_MAX)
		return NULL;
	memcpy(name, h, n);
	name[n] = '\0';
	return colon + 1;
}

static int
authenticate(struct api *a, const struct http_request *req,
    struct station_rec *r, struct http_response *resp)
{
	char name[STATION_MAX + 1], hash[HASH_HEX], err[LD_ERRLEN];
	const char *secret;
	int rc;

	memset(r, 0, sizeof *r);
	if (throttled(a, req->client)) {
		http_error(resp, 429, "too many failed attempts: wait a minute");
		return -1;
	}
	if ((secret = token_station(req->authorization, name)) == NULL) {
		failed_attempt(a, req->client);
		http_error(resp, 401, req->authorization == NULL ?
		    "missing station token" : "malformed station token");
		return -1;
	}
	if ((rc = a->store->ops->station_get(a->store, name, r, err)) != 0) {
		if (rc != LD_ENOTFOUND) { /* the store failing, not the token */
			http_error(resp, 503, "%s", err);
			return -1;
		}
		failed_attempt(a, req->client);
		http_error(resp, 401, "invalid station token");
		return -1;
	}
	hash_hex(secret, strlen(secret), hash);
	if (r->token_hash[0] == '\0' || !hash_equal(hash, r->token_hash, 64)) {
		failed_attempt(a, req->client);
		station_rec_release(r);
		http_error(resp, 401, "invalid station token");
		return -1;
	}
	if (r->revoked_at != 0) {
		station_rec_release(r);
		http_error(resp, 401, "station revoked");
		return -1;
	}
	return 0;
}

static void
enroll(struct api *a, const struct http_request *req,
    struct http_response *resp)
{
	char err[LD_ERRLEN], hash[HASH_HEX], secret[64], uhash[HASH_HEX];
	const char *station, *code, *unit;
	struct station_rec r;
	json_t *body, *o, *units;
	char *token;

	if (req->body_len > PROTO_ENROLL_MAX) {
		http_error(resp, 413, "enrolment body over %d bytes",
		    PROTO_ENROLL_MAX);
		return;
	}
	body = cjson_parse(req->body, req->body_len, PROTO_HEADER_DEPTH, err);
	if (body == NULL) {
		http_error(resp, 400, "%s", err);
		return;
	}
	station = json_string_value(json_object_get(body, "station"));
	code = json_string_value(json_object_get(body, "code"));
	unit = json_string_value(json_object_get(body, "unit"));
	if (station == NULL || code == NULL || !station_id_valid(station)) {
		json_decref(body);
		http_error(resp, 400, "enrolment needs 'station' and 'code'");
		return;
	}
	hash_hex(code, strlen(code), hash);
	pthread_mutex_lock(&a->lock);
	if (throttled(a, req->client)) {
		pthread_mutex_unlock(&a->lock);
		json_decref(body);
		http_error(resp, 429, "too many failed attempts: wait a minute");
		return;
	}
	if (a->store->ops->station_get(a->store, station, &r, NULL) != 0 ||
	    r.code_hash[0] == '\0' || !hash_equal(hash, r.code_hash, 64) ||
	    r.code_expires < ltime_now() || r.revoked_at != 0) {
		failed_attempt(a, req->client);
		pthread_mutex_unlock(&a->lock);
		log_line("warn", "event=enroll station=%s result=refused client=%s",
		    station, req->client);
		station_rec_release(&r);
		json_decref(body);
		http_error(resp, 401, "invalid, used or expired enrolment code");
		return;
	}
	/* The unit the station was set up for, checked before anything
	 * changes: a typo at init leaves the code as it was. */
	if (unit != NULL && strcmp(unit, r.unit) != 0) {
		pthread_mutex_unlock(&a->lock);
		log_line("warn", "event=enroll station=%s result=wrong-unit client=%s",
		    station, req->client);
		http_error(resp, 409, "this code is for station '%s' of unit '%s',"
		    " but the station was set up for unit '%s': set it up again"
		    " with --unit %s; the code is still valid", r.name, r.unit,
		    unit, r.unit);
		station_rec_release(&r);
		json_decref(body);
		return;
	}
	/* The code stays valid until the station's first request with its
	 * token (authenticate): an answer lost on the way can be asked for
	 * again with the same code, which replaces the token it carried. */
	random_token(32, secret, sizeof secret);
	hash_hex(secret, strlen(secret), r.token_hash);
	r.enrolled_at = ltime_now();
	/* The database enrolling is the station's from now on. */
	r.epoch = r.replaced_lo = r.replaced_hi = 0;
	/* The journal first: a restored older database keeps it (journal.h). */
	if ((a->journal != NULL && journal_station(a->journal, &r, err) != 0) ||
	    a->store->ops->station_update(a->store, &r, err) != 0) {
		pthread_mutex_unlock(&a->lock);
		http_error(resp, 500, "%s", err);
		station_rec_release(&r);
		json_decref(body);
		return;
	}
	units = directory(a, uhash);
	pthread_mutex_unlock(&a->lock);
	token = xasprintf("%s:%s", r.name, secret);
	o = json_object();
	json_object_set_new(o, "v", json_integer(PROTO_VERSION));
	json_object_set_new(o, "station", json_string(r.name));
	json_object_set_new(o, "unit", json_string(r.unit));
	json_object_set_new(o, "role", json_string(r.role));
	json_object_set_new(o, "token", json_string(token));
	json_object_set_new(o, "dict", json_integer(codec_dict_id(a->codec)));
	if (a->profile != NULL)
		json_object_set(o, "profile", a->profile);
	if (a->calendar != NULL)
		json_object_set(o, "calendar", a->calendar);
	if (units != NULL)
		json_object_set_new(o, "units", units);
	free(token);
	log_line("info", "event=enroll station=%s result=ok client=%s", r.name,
	    req->client);
	station_rec_release(&r);
	json_decref(body);
	json_reply(resp, 200, o);
}

static void
status(struct api *a, const struct http_request *req,
    struct http_response *resp)
{
	char err[LD_ERRLEN];
	struct station_rec r;
	int64_t backlog = 0;
	json_t *o;
	int rc;

	pthread_mutex_lock(&a->lock);
	if (authenticate(a, req, &r, resp) != 0) {
		pthread_mutex_unlock(&a->lock);
		return;
	}
	if (r.code_hash[0] != '\0' && (spend_code(a, &r, err) != 0 ||
	    a->store->ops->station_update(a->store, &r, err) != 0))
		rc = -1;
	else
		rc = a->store->ops->backlog(a->store, r.unit, r.name, r.cursor,
		    &backlog, err);
	pthread_mutex_unlock(&a->lock);
	if (rc != 0) {
		log_line("error", "event=status station=%s status=503"
		    " error=\"%s\" client=%s", r.name, err, req->client);
		station_rec_release(&r);
		http_error(resp, 503, "%s", err);
		return;
	}
	o = json_object();
	json_object_set_new(o, "v", json_integer(PROTO_VERSION));
	json_object_set_new(o, "station", json_string(r.name));
	json_object_set_new(o, "unit", json_string(r.unit));
	json_object_set_new(o, "role", json_string(r.role));
	json_object_set_new(o, "acked", json_integer(r.head_seq));
	json_object_set_new(o, "cursor", json_integer(r.cursor));
	json_object_set_new(o, "backlog", json_integer(backlog));
	json_object_set_new(o, "last_sync", json_integer(r.last_sync));
	log_line("info", "event=status station=%s status=200 client=%s", r.name,
	    req->client);
	station_rec_release(&r);
	json_reply(resp, 200, o);
}

/* A parsed push: the header and its events. */
struct push {
	json_t *header;
	struct event *evs;
	char **raw;        /* owned: the canonical text of each of evs */
	size_t n;
	int64_t cursor;
	int final;
};

static void
push_release(struct push *p)
{
	size_t i;

	json_decref(p->header);
	for (i = 0; i < p->n; i++) {
		event_release(&p->evs[i]);
		free(p->raw[i]);
	}
	free(p->evs);
	free(p->raw);
}

/* Parses the decompressed body; on error sets resp and returns -1. */
static int
parse_push(struct api *a, const char *buf, size_t len, struct push *p,
    struct http_response *resp)
{
	char err[LD_ERRLEN];
	const char *line;
	size_t pos = 0, n;
	json_t *v;
	int rc;

	memset(p, 0, sizeof *p);
	if (!ndjson_next(buf, len, &pos, &line, &n)) {
		http_error(resp, 400, "empty sync body");
		return -1;
	}
	p->header = cjson_parse(line, n, PROTO_HEADER_DEPTH, err);
	if (p->header == NULL || !json_is_object(p->header)) {
		http_error(resp, 400, "sync header: %s",
		    p->header ? "not an object" : err);
		return -1;
	}
	v = json_object_get(p->header, "v");
	if (!json_is_integer(v) || json_integer_value(v) != PROTO_VERSION) {
		http_error(resp, 400, "unsupported protocol version");
		return -1;
	}
	v = json_object_get(p->header, "cursor");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		http_error(resp, 400, "sync header needs a 'cursor' >= 0");
		return -1;
	}
	p->cursor = json_integer_value(v);
	p->final = json_is_true(json_object_get(p->header, "final"));
	while (ndjson_next(buf, len, &pos, &line, &n)) {
		if (p->n == a->max_events) {
			http_error(resp, 413, "more than %zu events in one push",
			    a->max_events);
			return -1;
		}
		p->evs = xrealloc(p->evs, (p->n + 1) * sizeof *p->evs);
		p->raw = xrealloc(p->raw, (p->n + 1) * sizeof *p->raw);
		if ((rc = event_parse_canonical(line, n, &p->evs[p->n],
		    &p->raw[p->n], err)) != 0) {
			http_error(resp, rc == LD_ETOOBIG ? 413 : 400,
			    "event %zu: %s", p->n + 1, err);
			return -1;
		}
		p->n++;
	}
	return 0;
}

struct pull {
	FILE *out;
	int64_t last;
	size_t n;
};

static int
pull_one(int64_t cursor, const char *raw, size_t len, void *arg)
{
	struct pull *pl = arg;

	fwrite(raw, 1, len, pl->out);
	fputc('\n', pl->out);
	pl->last = cursor;
	pl->n++;
	return 0;
}

static int
unit_known(const char *unit, void *arg)
{
	struct store *s = arg;
	int known = 0;

	s->ops->unit_known(s, unit, &known, NULL);
	return known;
}

static int
parts(const char *entity, const char *unit, void *arg)
{
	struct store *s = arg;
	int p = 0;

	s->ops->parts(s, entity, unit, &p, NULL);
	return p;
}

/* Stores the pushed events in the open transaction. Returns 0, or sets
 * resp (403/409/413/422/500) and returns -1. */
static int
apply_push(struct api *a, struct station_rec *r, struct push *p,
    json_t *quarantined, size_t *stored, struct http_response *resp)
{
	struct store *s = a->store;
	char err[LD_ERRLEN], existing[HASH_HEX];
	struct merge_station ms;
	struct merge_env env;
	int64_t budget = a->max_routes;
	size_t i;
	int rc;

	ms.name = r->name;
	ms.unit = r->unit;
	ms.role = r->role;
	env.now_ms = ltime_now();
	env.max_ahead_ms = a->max_clock_ahead_ms;
	env.unit_known = unit_known;
	env.parts = parts;
	env.arg = s;
	for (i = 0; i < p->n; i++) {
		struct event *ev = &p->evs[i];
		struct merge_decision d;
		const char *have = NULL;
		int64_t cursor;

		ms.head_seq = r->head_seq;
		ms.head_hash = r->head_hash;
		ms.head_hlc = r->head_hlc;
		if (ev->seq <= r->head_seq && strcmp(ev->station, r->name) == 0 &&
		    s->ops->event_hash(s, ev->station, ev->seq, existing,
		    NULL) == 0)
			have = existing;
		merge_decide(&ms, ev, have, &env, &d);
		switch (d.verdict) {
		case MERGE_DUPLICATE:
			continue;
		case MERGE_FORGED:
			http_error(resp, 403, "%s", d.reason);
			return -1;
		case MERGE_FORK:
			/* With what the server holds: a station whose database
			 * went back in time takes its own events back from
			 * there (docs/protocol.md, "A station that went back"). */
			json_reply(resp, 409, json_pack("{s:i, s:s, s:I, s:b}",
			    "status", 409, "error", d.reason, "acked",
			    (json_int_t)r->head_seq, "fork", 1));
			return -1;
		case MERGE_GAP:
			/* Say where to resume: the station re-sends from there. */
			json_reply(resp, 409, json_pack("{s:i, s:s, s:I}", "status",
			    409, "error", d.reason, "acked", (json_int_t)r->head_seq));
			return -1;
		case MERGE_CLOCK:
			/* Say which event and the server's time, so that the
			 * station can push what comes before it. */
			json_reply(resp, 422, json_pack("{s:i, s:s, s:I, s:I}",
			    "status", 422, "error", d.reason, "seq",
			    (json_int_t)ev->seq, "time", (json_int_t)env.now_ms));
			return -1;
		case MERGE_ACCEPT:
		case MERGE_QUARANTINE:
			break;
		}
		rc = s->ops->event_insert(s, ev, p->raw[i], d.verdict ==
		    MERGE_QUARANTINE ? d.reason : NULL, d.private_,
		    a->max_routes > 0 ? &budget : NULL,
		    &cursor, err);
		if (rc == LD_ETOOBIG) {
			http_error(resp, 413, "the push would route more than %lld"
			    " events: push fewer at a time",
			    (long long)a->max_routes);
			return -1;
		}
		if (rc != 0) {
			http_error(resp, 500, "%s", err);
			return -1;
		}
		if (d.verdict == MERGE_QUARANTINE) {
			json_t *q = json_object();
			json_object_set_new(q, "seq", json_integer(ev->seq));
			json_object_set_new(q, "reason", json_string(d.reason));
			json_array_append_new(quarantined, q);
		}
		r->head_seq = ev->seq;
		memcpy(r->head_hash, ev->hash, HASH_HEX);
		r->head_hlc = ev->hlc;
		(*stored)++;
	}
	return 0;
}

/*
 * One station, one database in service. Every answer gives the station's
 * database the next epoch, which it sends back with its next request. An
 * older one comes from a copy of the database that others synced after:
 * a restored backup, or a copy in use on another computer. The first
 * time, it is taken as the station's database from now on (it takes its
 * own events back: docs/protocol.md), and the epochs given after its own
 * are remembered as those of the copy it replaced, (replaced_lo,
 * replaced_hi]. That copy, when it comes back, is refused (409) with
 * words that say why, so that two computers never write one station's
 * chain in turns. An epoch of 0 (a database before epochs, or just
 * enrolled) is taken as it is. Sets r->epoch to the one to give. Lock
 * held. Returns 0, or sets resp and returns -1.
 */
static int
copies(struct station_rec *r, const json_t *epoch, struct http_response *resp)
{
	int64_t e = json_integer_value(epoch);

	if (json_is_integer(epoch) && e > 0 && e < r->epoch) {
		if (e > r->replaced_lo && e <= r->replaced_hi) {
			json_reply(resp, 409, json_pack("{s:i, s:s, s:b}", "status",
			    409, "error", "another copy of this station's database"
			    " has synced since this one (a restored backup, or a"
			    " copy on another computer): this copy is no longer"
			    " the station's; use the one in service, move it with"
			    " 'liandong export' and 'import', or ask the county for"
			    " 'station reissue'", "replaced", 1));
			return -1;
		}
		r->replaced_lo = e;
		r->replaced_hi = r->epoch;
	}
	r->epoch = (e > r->epoch ? e : r->epoch) + 1;
	return 0;
}

/* {"station": seq}: how far the events routed to unit reach into each
 * station's chain, for the station to tell the server's losses from a
 * difference (docs/protocol.md, "Anti-entropy"). Only stations with
 * events the unit can see appear, and only seqs it can see. */
static int
head_one(const char *station, int64_t seq, void *arg)
{
	json_object_set_new(arg, station, json_integer(seq));
	return 0;
}

static int
heads(struct store *s, const char *unit, json_t **out, char *err)
{
	*out = json_object();
	return s->ops->heads(s, unit, head_one, *out, err);
}

static void
sync_(struct api *a, const struct http_request *req,
    struct http_response *resp)
{
	struct store *s = a->store;
	char err[LD_ERRLEN];
	char name[STATION_MAX + 1];
	struct station_rec r;
	struct push p;
	struct pull pl;
	struct digest dg;
	json_t *hdr, *quarantined, *dj, *own, *hj = NULL;
	void *plain = NULL, *packed = NULL;
	size_t plain_len = 0, packed_len = 0, stored = 0, out_len = 0;
	char *out = NULL, *h;
	int64_t backlog = 0, t0 = ltime_now();
	int more = 0, own_more = 0, rc;
	size_t own_sent = 0;

	if (req->content_encoding == NULL ||
	    strcmp(req->content_encoding, "zstd") != 0) {
		http_error(resp, 415, "sync bodies must be zstd (Content-Encoding: zstd)");
		return;
	}
	/* The token was checked before the body was read (api_admit): the
	 * name it gives is only for the log until it is checked again. */
	if (token_station(req->authorization, name) == NULL)
		snprintf(name, sizeof name, "?");
	/* Under the lock: the codec has one decompression context. */
	pthread_mutex_lock(&a->lock);
	rc = codec_decompress(a->codec, req->body, req->body_len,
	    a->max_decompressed, &plain, &plain_len, err);
	pthread_mutex_unlock(&a->lock);
	if (rc != 0) {
		http_error(resp, rc == LD_ETOOBIG ? 413 : 400, "%s", err);
		log_line("warn", "event=sync station=%s result=bad-body status=%d",
		    name, resp->status);
		return;
	}
	/* Parsing and validating (most of a push's work) needs only the
	 * body: done outside the lock, while another push is stored. */
	rc = parse_push(a, plain, plain_len, &p, resp);
	free(plain);
	if (rc != 0) {
		log_line("warn", "event=sync station=%s result=bad-body status=%d",
		    name, resp->status);
		push_release(&p);
		return;
	}
	/* Everything from here on is decided under the lock, on the station
	 * as it is now: another push of it, a new enrolment or a revocation
	 * may have come in while the body came, so it is authenticated
	 * afresh. */
	pthread_mutex_lock(&a->lock);
	if (authenticate(a, req, &r, resp) != 0) {
		pthread_mutex_unlock(&a->lock);
		log_line("warn", "event=sync result=unauthorized client=%s",
		    req->client);
		push_release(&p);
		return;
	}
	quarantined = json_array();
	if (copies(&r, json_object_get(p.header, "epoch"), resp) != 0) {
		log_line("warn", "event=sync station=%s result=replaced-copy"
		    " client=%s", r.name, req->client);
		goto unlock;
	}
	if ((rc = s->ops->begin(s, err)) != 0) {
		http_error(resp, 503, "%s", err);
		goto unlock;
	}
	if (apply_push(a, &r, &p, quarantined, &stored, resp) != 0) {
		s->ops->rollback(s);
		goto unlock;
	}
	memset(&pl, 0, sizeof pl);
	pl.out = open_memstream(&out, &out_len);
	pl.last = p.cursor;
	hdr = json_object();
	rc = s->ops->events_for_unit(s, r.unit, r.name, p.cursor, a->pull_batch,
	    a->pull_bytes, pull_one, &pl, &more, err);
	/* The station's own events it lacks (its database went back in
	 * time: a restored backup, a copy), after the pulled ones. */
	own = json_object_get(p.header, "own");
	if (rc == 0 && json_is_integer(own) && json_integer_value(own) >= 0 &&
	    json_integer_value(own) < r.head_seq) {
		struct pull op = { pl.out, 0, 0 };
		rc = s->ops->own_events(s, r.name, json_integer_value(own),
		    a->pull_batch, pull_one, &op, &own_more, err);
		own_sent = op.n;
	}
	if (rc == 0)
		rc = s->ops->backlog(s, r.unit, r.name, pl.last, &backlog, err);
	if (rc == 0)
		rc = s->ops->digest(s, r.unit, &dg, err);
	/* Asked for when the digests differ, read with the digest. */
	if (rc == 0 && json_is_true(json_object_get(p.header, "heads")))
		rc = heads(s, r.unit, &hj, err);
	r.last_sync = ltime_now();
	r.cursor = pl.last; /* what it has been sent; it asks again if lost */
	if (rc == 0 && r.code_hash[0] != '\0')
		rc = spend_code(a, &r, err);
	if (rc == 0)
		rc = s->ops->station_update(s, &r, err);
	if (rc == 0)
		rc = s->ops->commit(s, err);
	fclose(pl.out);
	if (rc != 0) {
		s->ops->rollback(s);
		json_decref(hdr);
		json_decref(hj);
		free(out);
		http_error(resp, 503, "%s", err);
		goto unlock;
	}
	json_object_set_new(hdr, "v", json_integer(PROTO_VERSION));
	json_object_set_new(hdr, "acked", json_integer(r.head_seq));
	json_object_set_new(hdr, "cursor", json_integer(pl.last));
	json_object_set_new(hdr, "more", json_boolean(more));
	json_object_set_new(hdr, "epoch", json_integer(r.epoch));
	if (own_sent > 0) {
		json_object_set_new(hdr, "own", json_integer((json_int_t)own_sent));
		json_object_set_new(hdr, "own_more", json_boolean(own_more));
	}
	json_object_set_new(hdr, "backlog", json_integer(backlog));
	json_object_set_new(hdr, "time", json_integer(r.last_sync));
	dj = json_object();
	json_object_set_new(dj, "count", json_integer(dg.count));
	json_object_set_new(dj, "xor", json_string(dg.xor));
	json_object_set_new(hdr, "digest", dj);
	json_object_set(hdr, "quarantined", quarantined);
	if (hj != NULL)
		json_object_set_new(hdr, "heads", hj);
	/* The county's rules, when the station holds other ones. */
	if (a->profile != NULL) {
		const char *have = json_string_value(json_object_get(p.header,
		    "profile"));
		if (have == NULL || strcmp(have, a->profile_hash) != 0)
			json_object_set(hdr, "profile", a->profile);
	}
	if (a->calendar != NULL) {
		const char *have = json_string_value(json_object_get(p.header,
		    "calendar"));
		if (have == NULL || strcmp(have, a->calendar_hash) != 0)
			json_object_set(hdr, "calendar", a->calendar);
	}
	/* The CA the server's next certificate will be signed by, announced
	 * over this connection, which the current one authenticates. */
	if (a->next_ca != NULL) {
		const char *have = json_string_value(json_object_get(p.header,
		    "next_ca"));
		if (have == NULL || strcmp(have, a->next_ca_hash) != 0)
			json_object_set(hdr, "next_ca", a->next_ca);
	}
	/* The county's unit directory, when the station holds another one. */
	{
		char uh[HASH_HEX];
		json_t *units = directory(a, uh);
		const char *have = json_string_value(json_object_get(p.header,
		    "units"));
		if (units != NULL && (have == NULL || strcmp(have, uh) != 0))
			json_object_set(hdr, "units", units);
		json_decref(units);
	}
	h = json_dumps(hdr, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(hdr);
	{
		size_t hl = strlen(h);
		char *all = xmalloc(hl + 1 + out_len + 1);
		memcpy(all, h, hl);
		all[hl] = '\n';
		memcpy(all + hl + 1, out, out_len);
		rc = codec_compress(a->codec, all, hl + 1 + out_len, &packed,
		    &packed_len, err);
		free(all);
	}
	free(h);
	free(out);
	if (rc != 0) {
		http_error(resp, 500, "%s", err);
		goto unlock;
	}
	resp->status = 200;
	resp->body = packed;
	resp->body_len = packed_len;
	resp->content_type = "application/x-ndjson";
	resp->content_encoding = "zstd";
	log_line("info", "event=sync station=%s status=200 pushed=%zu stored=%zu"
	    " pulled=%zu more=%d backlog=%lld in=%zu out=%zu ms=%lld client=%s",
	    r.name, p.n, stored, pl.n, more, (long long)backlog, req->body_len,
	    packed_len, (long long)(ltime_now() - t0), req->client);
unlock:
	pthread_mutex_unlock(&a->lock);
	if (resp->status >= 400)
		log_line("warn", "event=sync station=%s status=%d", r.name,
		    resp->status);
	json_decref(quarantined);
	push_release(&p);
	station_rec_release(&r);
}

/*
 * The admission of a request from its line and headers (http.h), before
 * any body is read: an unknown endpoint or method is answered at once;
 * sync and status must carry a valid token, or are answered 401 (429 for
 * an address that failed too often) with their body unread; enrolment,
 * which has no token, may send its small body. The handler checks again.
 */
int
api_admit(void *app, const struct http_request *req, size_t *max_body,
    struct http_response *resp)
{
	struct api *a = app;
	struct station_rec r;
	int post = strcmp(req->method, "POST") == 0, rc;

	if (strcmp(req->path, PATH_ENROLL) == 0) {
		if (!post) {
			http_error(resp, 405, "use POST");
			return -1;
		}
		pthread_mutex_lock(&a->lock);
		rc = throttled(a, req->client);
		pthread_mutex_unlock(&a->lock);
		if (rc) {
			http_error(resp, 429, "too many failed attempts: wait a minute");
			return -1;
		}
		*max_body = PROTO_ENROLL_MAX;
		return 0;
	}
	if (strcmp(req->path, PATH_SYNC) == 0 && !post) {
		http_error(resp, 405, "use POST");
		return -1;
	}
	if (strcmp(req->path, PATH_STATUS) == 0 &&
	    strcmp(req->method, "GET") != 0) {
		http_error(resp, 405, "use GET");
		return -1;
	}
	if (strcmp(req->path, PATH_SYNC) != 0 &&
	    strcmp(req->path, PATH_STATUS) != 0) {
		http_error(resp, 404, "no such endpoint");
		return -1;
	}
	pthread_mutex_lock(&a->lock);
	rc = authenticate(a, req, &r, resp);
	pthread_mutex_unlock(&a->lock);
	if (rc != 0) {
		log_line("warn", "event=%s result=unauthorized status=%d client=%s",
		    req->path + 4, resp->status, req->client);
		return -1;
	}
	station_rec_release(&r);
	*max_body = strcmp(req->path, PATH_SYNC) == 0 ? PROTO_MAX_BODY : 0;
	return 0;
}

void
api_handle(void *app, const struct http_request *req,
    struct http_response *resp)
{
	struct api *a = app;

	if (strcmp(req->path, PATH_SYNC) == 0) {
		if (strcmp(req->method, "POST") != 0)
			http_error(resp, 405, "use POST");
		else
			sync_(a, req, resp);
	} else if (strcmp(req->path, PATH_ENROLL) == 0) {
		if (strcmp(req->method, "POST") != 0)
			http_error(resp, 405, "use POST");
		else
			enroll(a, req, resp);
	} else if (strcmp(req->path, PATH_STATUS) == 0) {
		if (strcmp(req->method, "GET") != 0)
			http_error(resp, 405, "use GET");
		else
			status(a, req, resp);
	} else
		http_error(resp, 404, "no such endpoint");
}
