/*
 * api.c - the endpoints of the county server (docs/protocol.md).
 *
 * Every handler answers with a clear status and a JSON error body when
 * it refuses; a refused request changes nothing: a push is checked whole
 * before its transaction commits.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "api.h"
#include "blobs.h"
#include "cjson.h"
#include "dash.h"
#include "hash.h"
#include "journal.h"
#include "kinds.h"
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

/*
 * Several instances on one database (a->shared): the failures are also
 * noted in the store's login_failures under "station-address:IP", and
 * an address is held back when the failures noted there by every
 * instance within the last window reach the limit (a sliding window:
 * the table keeps times, not slots). The table is the accounts' too
 * (accounts.h): a note clears only what is older than their LOCK_WINDOW,
 * never their lock-outs. A database that cannot be read holds nobody
 * back on its account: the request then fails on the store (503).
 */
#define SHARED_KEY "station-address:"

static int
shared_throttled(struct api *a, const char *client)
{
	char key[80];
	int64_t n = 0, last = 0;

	snprintf(key, sizeof key, SHARED_KEY "%s", client);
	return a->shared->ops->accounts->failure_count(a->shared, key,
	    ltime_now() - API_AUTH_WINDOW_MS, &n, &last, NULL) == 0 &&
	    n >= a->max_auth_failures;
}

static void
shared_failed(struct api *a, const char *client)
{
	char key[80], err[LD_ERRLEN];
	int64_t now = ltime_now(), n = 0;

	snprintf(key, sizeof key, SHARED_KEY "%s", client);
	if (a->shared->ops->accounts->failure_note(a->shared, key, now,
	    now - LOCK_WINDOW, &n, err) != 0)
		log_line("warn", "event=throttle result=not-shared msg=\"%s\"",
		    err);
}

/* 1 if the client has failed too often. Takes throttle_lock. */
int
api_throttled(struct api *a, const char *client)
{
	char key[80];
	struct slot *s;
	int rc;

	snprintf(key, sizeof key, "ip:%s", client);
	pthread_mutex_lock(&a->throttle_lock);
	rc = (s = slot_of(a, key, 0)) != NULL &&
	    s->failures >= a->max_auth_failures;
	if (!rc && a->shared != NULL)
		rc = shared_throttled(a, client);
	pthread_mutex_unlock(&a->throttle_lock);
	return rc;
}

void
api_failed_attempt(struct api *a, const char *client)
{
	char key[80];

	snprintf(key, sizeof key, "ip:%s", client);
	pthread_mutex_lock(&a->throttle_lock);
	slot_of(a, key, 1)->failures++;
	if (a->shared != NULL)
		shared_failed(a, client);
	pthread_mutex_unlock(&a->throttle_lock);
}

/*
 * Admission runs on MHD's threads, on the reader, one request after
 * another: a token read that waited the store's whole lock wait (5 s)
 * behind a table locked outright (`compact`'s VACUUM FULL, a newer
 * instance's migration, an administrator's LOCK TABLE) held every
 * handshake and answer of those threads, and ten stations at once
 * waited 20 s for their 503s (t0098). The reader waits a quarter of a
 * second at most: the request is answered 503 with Retry-After at once,
 * and comes back.
 */
#define API_ADMIT_LOCK_WAIT_MS 250

static void
admit_lock_wait(struct store *st)
{
	char err[LD_ERRLEN];

	if (st->ops->set_lock_wait(st, API_ADMIT_LOCK_WAIT_MS, err) != 0)
		log_line("warn", "event=reader result=lock-wait msg=\"%s\"",
		    err);
}

void
api_set_shared_throttle(struct api *a, struct store *shared)
{
	/* The store's own lock wait: a count that cannot be read lets the
	 * request through (shared_throttled), and a shorter wait would let
	 * an address try more often while a table is locked. */
	a->shared = shared;
}

void
api_init(struct api *a, struct store *s, struct codec *c)
{
	memset(a, 0, sizeof *a);
	a->store = s;
	a->codec = c;
	pthread_mutex_init(&a->lock, NULL);
	pthread_mutex_init(&a->throttle_lock, NULL);
	pthread_mutex_init(&a->codec_lock, NULL);
	pthread_mutex_init(&a->reader_lock, NULL);
	pthread_mutex_init(&a->figures_lock, NULL);
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
	pthread_mutex_lock(&a->throttle_lock);
	memset(a->throttle, 0, sizeof *a->throttle);
	pthread_mutex_unlock(&a->throttle_lock);
}

void
api_set_reader(struct api *a, struct store *reader)
{
	a->reader = reader;
	if (reader != NULL)
		admit_lock_wait(reader);
}

void
api_set_figures(struct api *a, struct store *figures)
{
	a->figures = figures;
}

void
api_release(struct api *a)
{
	json_decref(a->profile);
	json_decref(a->next_ca);
	json_decref(a->calendar);
	free(a->county);
	free(a->throttle);
	if (a->shared != NULL)
		a->shared->ops->close(a->shared);
	if (a->reader != NULL)
		a->reader->ops->close(a->reader);
	pthread_mutex_destroy(&a->reader_lock);
	if (a->figures != NULL)
		a->figures->ops->close(a->figures);
	pthread_mutex_destroy(&a->figures_lock);
	pthread_mutex_destroy(&a->throttle_lock);
	pthread_mutex_destroy(&a->codec_lock);
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
	if (a->journal != NULL &&
	    journal_station(a->journal, a->store, r, err) != 0)
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

/* Checks req's token against the station in st (a->store under
 * a->lock, or a->reader under a->reader_lock): 0 with *r filled, else
 * resp set (401, 429, 503) and -1. */
static int
authenticate_in(struct api *a, struct store *st,
    const struct http_request *req, struct station_rec *r,
    struct http_response *resp)
{
	char name[STATION_MAX + 1], hash[HASH_HEX], err[LD_ERRLEN];
	const char *secret;
	int rc;

	memset(r, 0, sizeof *r);
	if (api_throttled(a, req->client)) {
		http_error(resp, 429, "too many failed attempts: wait a minute");
		return -1;
	}
	if ((secret = token_station(req->authorization, name)) == NULL) {
		api_failed_attempt(a, req->client);
		http_error(resp, 401, req->authorization == NULL ?
		    "missing station token" : "malformed station token");
		return -1;
	}
	if ((rc = st->ops->station_get(st, name, r, err)) != 0) {
		if (rc != LD_ENOTFOUND) { /* the store failing, not the token */
			http_error(resp, 503, "%s", err);
			return -1;
		}
		api_failed_attempt(a, req->client);
		http_error(resp, 401, "invalid station token");
		return -1;
	}
	hash_hex(secret, strlen(secret), hash);
	if (r->token_hash[0] == '\0' || !hash_equal(hash, r->token_hash, 64)) {
		api_failed_attempt(a, req->client);
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

static int
authenticate(struct api *a, const struct http_request *req,
    struct station_rec *r, struct http_response *resp)
{
	return authenticate_in(a, a->store, req, r, resp);
}

/* 1 if r holds a live enrolment code whose hash is hash. */
static int
code_valid(const struct station_rec *r, const char *hash)
{
	return r->code_hash[0] != '\0' && hash_equal(hash, r->code_hash, 64) &&
	    r->code_expires >= ltime_now() && r->revoked_at == 0;
}

/* The station a live enrolment code (by its hash) belongs to, into *out
 * (release it) with 0; LD_ENOTFOUND when none, or the store's error.
 * Under a->lock. */
static int
code_owner(struct api *a, const char *hash, struct station_rec *out)
{
	struct station_rec *all = NULL;
	char err[LD_ERRLEN];
	size_t n = 0, i;
	int rc;

	if ((rc = a->store->ops->station_list(a->store, &all, &n, err)) != 0)
		return rc;
	rc = LD_ENOTFOUND;
	for (i = 0; i < n && rc != 0; i++)
		if (code_valid(&all[i], hash)) {
			*out = all[i];
			out->unit = xstrdup(all[i].unit);
			out->role = all[i].role ? xstrdup(all[i].role) : NULL;
			rc = 0;
		}
	station_recs_free(all, n);
	return rc;
}

/*
 * Stores r's new token and enrolment (token_hash, enrolled_at) on the
 * station as the database holds it now, held (station_held's reasons),
 * into r: only while the code (hash) is still valid there, so that a
 * revocation or a reissue made meanwhile through another process, a
 * command or another instance, is never written over with the state
 * read before it. The database enrolling is the station's from now on
 * (its epochs start again). The journal first: a restored older
 * database keeps it (journal.h). Lock held. 0; LD_EAUTH when the code
 * is no longer valid; or the store's or the journal's error.
 */
static int
enrol_held(struct api *a, struct station_rec *r, const char *hash,
    char *err)
{
	struct store *s = a->store;
	struct station_rec now;
	int rc;

	if ((rc = s->ops->begin(s, err)) != 0)
		return rc;
	if ((rc = s->ops->station_lock(s, r->name, &now, err)) == 0) {
		if (!code_valid(&now, hash))
			rc = ld_fail(err, LD_EAUTH, "the enrolment code was"
			    " revoked or replaced meanwhile");
		else {
			memcpy(now.token_hash, r->token_hash, HASH_HEX);
			now.enrolled_at = r->enrolled_at;
			now.epoch = now.replaced_lo = now.replaced_hi = 0;
			if (a->journal == NULL || (rc = journal_station(a->journal,
			    s, &now, err)) == 0)
				rc = s->ops->station_update(s, &now, err);
		}
		station_rec_release(r);
		*r = now;
	}
	if (rc == 0)
		return s->ops->commit(s, err);
	s->ops->rollback(s);
	return rc;
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
	int rc;

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
	if (api_throttled(a, req->client)) {
		pthread_mutex_unlock(&a->lock);
		json_decref(body);
		http_error(resp, 429, "too many failed attempts: wait a minute");
		return;
	}
	if ((rc = a->store->ops->station_get(a->store, station, &r,
	    err)) != 0 && rc != LD_ENOTFOUND) {
		pthread_mutex_unlock(&a->lock);
		json_decref(body);
		http_error(resp, 503, "%s", err);
		return;
	}
	if (rc != 0 || !code_valid(&r, hash)) {
		struct station_rec other;

		station_rec_release(&r);
		/* The code of another station: its holder is the one the
		 * county gave it to, who may learn which station it is for. */
		if (code_owner(a, hash, &other) == 0) {
			pthread_mutex_unlock(&a->lock);
			log_line("warn", "event=enroll station=%s result=wrong-station"
			    " code_for=%s client=%s", station, other.name, req->client);
			http_error(resp, 409, "this enrolment code is for station"
			    " '%s' of unit '%s', but this station was set up as '%s':"
			    " set it up again with --station %s --unit %s; the code"
			    " is still valid", other.name, other.unit, station,
			    other.name, other.unit);
			station_rec_release(&other);
			json_decref(body);
			return;
		}
		api_failed_attempt(a, req->client);
		pthread_mutex_unlock(&a->lock);
		log_line("warn", "event=enroll station=%s result=refused client=%s",
		    station, req->client);
		/* The same words whether or not the station exists: a stranger
		 * learns nothing of the county's stations. */
		http_error(resp, 401, "this enrolment code is not valid for station"
		    " '%s' (invalid, used or expired): check the code, and that"
		    " this station was set up with the id the county added it"
		    " with ('liandong status' shows it); else ask the county for"
		    " a new code", station);
		json_decref(body);
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
	if ((rc = enrol_held(a, &r, hash, err)) != 0) {
		pthread_mutex_unlock(&a->lock);
		if (rc == LD_EAUTH)
			http_error(resp, 401, "this enrolment code is not valid for"
			    " station '%s' (invalid, used or expired): ask the"
			    " county for a new code", station);
		else
			http_error(resp, rc == LD_EDB || rc == LD_ELOCKED ? 503 :
			    500, "%s", err);
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

/* spend_code on the station as the database holds it now, in a
 * transaction of its own with the station held (station_held's reasons):
 * only while it still has the token r was authenticated with. Lock held. */
static int
code_spent(struct api *a, struct station_rec *r, char *err)
{
	struct store *s = a->store;
	struct station_rec now;
	int rc;

	if ((rc = s->ops->begin(s, err)) != 0)
		return rc;
	if ((rc = s->ops->station_lock(s, r->name, &now, err)) == 0) {
		if (now.code_hash[0] != '\0' &&
		    strcmp(now.token_hash, r->token_hash) == 0 &&
		    (rc = spend_code(a, &now, err)) == 0)
			rc = s->ops->station_update(s, &now, err);
		station_rec_release(r);
		*r = now;
	}
	if (rc == 0)
		return s->ops->commit(s, err);
	s->ops->rollback(s);
	return rc;
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
	if (r.code_hash[0] != '\0' && code_spent(a, &r, err) != 0)
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
	struct proto_request h;
	struct event *evs;
	char **raw;        /* owned: the canonical text of each of evs */
	size_t n;
};

static void
push_release(struct push *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		event_release(&p->evs[i]);
		free(p->raw[i]);
	}
	free(p->evs);
	free(p->raw);
}

/*
 * A push's events are parsed and checked (event_parse_canonical: the
 * JSON, the fields, the canonical encoding and its SHA-256; most of a
 * push's work) in two halves on two threads when there are many: one
 * station's pushes come one at a time, so the second core would idle.
 * Each half stops at its first bad event and the push is refused for
 * the first of all, as when parsed in one pass: the same answer.
 */
#define PUSH_SPLIT_MIN 64 /* events in a push worth a second thread */

struct push_half {
	const char *const *line; /* borrowed: the events' lines */
	const size_t *len;
	struct event *evs;       /* borrowed: the push's slots */
	char **raw;
	size_t from, to;
	size_t bad;              /* the first bad one, when rc != 0 */
	int rc;
	char err[LD_ERRLEN];
};

static void *
push_half_parse(void *arg)
{
	struct push_half *h = arg;
	size_t i;

	h->rc = 0;
	for (i = h->from; i < h->to; i++)
		if ((h->rc = event_parse_canonical(h->line[i], h->len[i],
		    &h->evs[i], &h->raw[i], h->err)) != 0) {
			h->bad = i;
			break;
		}
	return NULL;
}

/* Parses the decompressed body; on error sets resp and returns -1. */
static int
parse_push(struct api *a, const char *buf, size_t len, struct push *p,
    struct http_response *resp)
{
	char err[LD_ERRLEN];
	const char *line, **lines = NULL;
	size_t pos = 0, n, count = 0, *lens = NULL, start;
	struct push_half h[2];
	pthread_t t;
	int rc, threaded, k;

	memset(p, 0, sizeof *p);
	if (!ndjson_next(buf, len, &pos, &line, &n)) {
		http_error(resp, 400, "empty sync body");
		return -1;
	}
	if (proto_request_decode(line, n, &p->h, err) != 0) {
		http_error(resp, 400, "sync header: %s", err);
		return -1;
	}
	start = pos;
	while (ndjson_next(buf, len, &pos, &line, &n))
		count++;
	if (count > a->max_events || count < PUSH_SPLIT_MIN) {
		/* One pass, stopping at the first bad event or at the one
		 * past max_events, whichever comes first. */
		pos = start;
		while (ndjson_next(buf, len, &pos, &line, &n)) {
			if (p->n == a->max_events) {
				http_error(resp, 413,
				    "more than %zu events in one push",
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
	lines = xcalloc(count, sizeof *lines);
	lens = xcalloc(count, sizeof *lens);
	for (pos = start, n = 0; p->n < count &&
	    ndjson_next(buf, len, &pos, &lines[p->n], &lens[p->n]); p->n++)
		;
	/* Every slot zeroed: push_release frees those parsed whatever
	 * happens, and a failed parse leaves its slot empty. */
	p->evs = xcalloc(count, sizeof *p->evs);
	p->raw = xcalloc(count, sizeof *p->raw);
	for (k = 0; k < 2; k++) {
		h[k].line = lines;
		h[k].len = lens;
		h[k].evs = p->evs;
		h[k].raw = p->raw;
		h[k].from = k == 0 ? 0 : count / 2;
		h[k].to = k == 0 ? count / 2 : count;
	}
	threaded = pthread_create(&t, NULL, push_half_parse, &h[1]) == 0;
	push_half_parse(&h[0]);
	if (threaded)
		pthread_join(t, NULL);
	else
		push_half_parse(&h[1]);
	free(lines);
	free(lens);
	for (k = 0; k < 2; k++)
		if (h[k].rc != 0) {
			http_error(resp, h[k].rc == LD_ETOOBIG ? 413 : 400,
			    "event %zu: %s", h[k].bad + 1, h[k].err);
			return -1;
		}
	return 0;
}

struct pull {
	FILE *out;
	int64_t last;
	size_t n;
	json_t *received; /* borrowed: the answer's "received" */
};

static int
pull_one(int64_t cursor, int64_t received_at, const char *raw, size_t len,
    void *arg)
{
	struct pull *pl = arg;

	fwrite(raw, 1, len, pl->out);
	fputc('\n', pl->out);
	json_array_append_new(pl->received, json_integer(received_at));
	pl->last = cursor;
	pl->n++;
	return 0;
}

static int
unit_known(const char *unit, void *arg)
{
	struct store *s = arg;
	int known = 0;

	return s->ops->unit_known(s, unit, &known, NULL) != 0 ? -1 : known;
}

static int
parts(const char *entity, const char *unit, void *arg)
{
	struct store *s = arg;
	int p = 0;

	return s->ops->parts(s, entity, unit, &p, NULL) != 0 ? -1 : p;
}

/* The answer to a push that would route more events than allowed. */
static void
too_many_routes(const struct api *a, struct http_response *resp)
{
	http_error(resp, 413, "the push would route more than %lld events:"
	    " push fewer at a time", (long long)a->max_routes);
}

/* Stores the pushed events in the open transaction. Returns 0, or sets
 * resp (403/409/413/422/500, 503 when the store cannot be read) and
 * returns -1. */
static int
apply_push(struct api *a, struct station_rec *r, const struct push *p,
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
		const struct event *ev = &p->evs[i];
		struct merge_decision d;
		const char *have = NULL;
		int64_t cursor;

		ms.head_seq = r->head_seq;
		ms.head_hash = r->head_hash;
		ms.head_hlc = r->head_hlc;
		if (ev->seq <= r->head_seq && strcmp(ev->station, r->name) == 0) {
			if ((rc = s->ops->event_hash(s, ev->station, ev->seq,
			    existing, err)) == 0)
				have = existing;
			else if (rc != LD_ENOTFOUND) {
				http_error(resp, 503, "%s", err);
				return -1;
			}
		}
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
		case MERGE_UNAVAILABLE:
			http_error(resp, 503, "%s", d.reason);
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
			too_many_routes(a, resp);
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
copies(struct station_rec *r, int64_t e, struct http_response *resp)
{
	if (e > 0 && e < r->epoch) {
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

/* Decompresses and parses a sync body (outside the lock but for the
 * codec); on error sets resp and returns -1. name is for the log. */
static int
sync_decode(struct api *a, const struct http_request *req, const char *name,
    struct push *p, struct http_response *resp)
{
	char err[LD_ERRLEN];
	void *plain = NULL;
	size_t plain_len = 0;
	int rc;

	memset(p, 0, sizeof *p);
	/* zstd, said or not (docs/protocol.md: the agent leaves it out). */
	if (req->content_encoding != NULL &&
	    strcmp(req->content_encoding, "zstd") != 0) {
		http_error(resp, 415, "sync bodies must be zstd (Content-Encoding: zstd)");
		return -1;
	}
	/* The codec has one decompression context. */
	pthread_mutex_lock(&a->codec_lock);
	rc = codec_decompress(a->codec, req->body, req->body_len,
	    a->max_decompressed, &plain, &plain_len, err);
	pthread_mutex_unlock(&a->codec_lock);
	if (rc != 0)
		http_error(resp, rc == LD_ETOOBIG ? 413 : 400, "%s", err);
	else {
		/* Parsing and validating (most of a push's work) needs only
		 * the body: done outside the lock, while another is stored. */
		rc = parse_push(a, plain, plain_len, p, resp);
		free(plain);
	}
	if (rc != 0)
		log_line("warn", "event=sync station=%s result=bad-body status=%d",
		    name, resp->status);
	return rc != 0 ? -1 : 0;
}

/* What one sync pulls: the answer's header and its events' lines. */
struct pulled {
	struct proto_answer h;
	char *events;
	size_t len;
	size_t n;           /* events pulled for the unit */
	size_t stored;      /* events of the push stored */
};

/*
 * The station r as the database holds it now, read in the open
 * transaction and held to its end (store.h, station_lock), into r: with
 * several instances on one database another one may have stored a push
 * of it, enrolled it again or revoked it since r was read, and a push
 * decided on the older head would fork the chain or overwrite the newer
 * cursor and epoch. Still the token r was authenticated with, and not
 * revoked: 0; else resp set (401, 503) and -1.
 */
static int
station_held(struct store *s, struct station_rec *r,
    struct http_response *resp)
{
	char err[LD_ERRLEN];
	struct station_rec now;
	int rc;

	if ((rc = s->ops->station_lock(s, r->name, &now, err)) != 0) {
		if (rc == LD_ENOTFOUND)
			http_error(resp, 401, "invalid station token");
		else
			http_error(resp, 503, "%s", err);
		return -1;
	}
	if (strcmp(now.token_hash, r->token_hash) != 0 || now.revoked_at != 0) {
		http_error(resp, 401, now.revoked_at != 0 ? "station revoked" :
		    "invalid station token");
		station_rec_release(&now);
		return -1;
	}
	station_rec_release(r);
	*r = now;
	return 0;
}

/*
 * Stores the push and reads what the station is to receive, in one
 * transaction, lock held: the station held (station_held) and its epoch
 * checked (copies: -2 with resp set when the copy was replaced), its events, then its own events it lacks (its
 * database went back in time: a restored backup, a copy), the backlog,
 * the unit's digest and, asked for, the heads. Returns 0, or sets resp
 * and returns -1 with nothing stored.
 */
static int
sync_apply(struct api *a, struct station_rec *r, const struct push *p,
    struct pulled *out, struct http_response *resp)
{
	struct store *s = a->store;
	struct proto_answer *h = &out->h;
	char err[LD_ERRLEN];
	struct pull pl;
	FILE *f;
	int rc;

	memset(out, 0, sizeof *out);
	h->quarantined = json_array();
	h->received = json_array();
	if ((rc = s->ops->begin(s, err)) != 0) {
		http_error(resp, 503, "%s", err);
		return -1;
	}
	if (station_held(s, r, resp) != 0) {
		s->ops->rollback(s);
		return -1;
	}
	if (copies(r, p->h.epoch, resp) != 0) {
		s->ops->rollback(s);
		return -2;
	}
	if (apply_push(a, r, p, h->quarantined, &out->stored, resp) != 0) {
		s->ops->rollback(s);
		return -1;
	}
	f = open_memstream(&out->events, &out->len);
	pl = (struct pull){ f, p->h.cursor, 0, h->received };
	rc = s->ops->events_for_unit(s, r->unit, r->name, p->h.cursor,
	    a->pull_batch, a->pull_bytes, pull_one, &pl, &h->more, err);
	out->n = pl.n;
	/* All the unit's routes up to its last one are handed out then, but
	 * for the station's own events, which never are: the cursor moves
	 * past those too, so that a station pushing a backlog does not have
	 * its own routes read again at every request. */
	if (rc == 0 && !h->more) {
		int64_t top = 0;

		if ((rc = s->ops->route_head(s, r->unit, &top, err)) == 0 &&
		    top > pl.last)
			pl.last = top;
	}
	if (rc == 0 && p->h.own >= 0 && p->h.own < r->head_seq) {
		struct pull op = { f, 0, 0, h->received };

		rc = s->ops->own_events(s, r->name, p->h.own, a->pull_batch,
		    pull_one, &op, &h->own_more, err);
		h->own = (int64_t)op.n;
	}
	if (rc == 0)
		rc = s->ops->backlog(s, r->unit, r->name, pl.last, &h->backlog,
		    err);
	if (rc == 0 && (rc = s->ops->digest(s, r->unit, &h->digest, err)) == 0)
		h->has_digest = 1;
	/* Asked for when the digests differ, read with the digest. */
	if (rc == 0 && p->h.heads)
		rc = heads(s, r->unit, &h->heads, err);
	r->last_sync = ltime_now();
	r->cursor = pl.last; /* what it has been sent; it asks again if lost */
	if (rc == 0 && r->code_hash[0] != '\0')
		rc = spend_code(a, r, err);
	if (rc == 0)
		rc = s->ops->station_update(s, r, err);
	if (rc == 0)
		rc = s->ops->commit(s, err);
	fclose(f);
	/* On PostgreSQL a push's writes are answered here, with the reads
	 * after them or the commit (store-pg.c, the pipeline): a write the
	 * store refused for what it was (a row there already, or not the
	 * one row it had to touch) will be refused again, and is said so
	 * (500), as it was at its event; anything else (a store that cannot
	 * be reached, a lock waited out, a full disk) is passing (503, the
	 * station comes back). */
	if (rc == LD_ETOOBIG) {
		/* The budget spent when the push's events were numbered,
		 * there (store.h, event_insert): as at its event. */
		s->ops->rollback(s);
		too_many_routes(a, resp);
		return -1;
	}
	if (rc != 0) {
		s->ops->rollback(s);
		http_error(resp, rc == LD_EINTERNAL || rc == LD_EEXIST ? 500 :
		    503, "%s", err);
		return -1;
	}
	h->acked = r->head_seq;
	h->cursor = pl.last;
	h->epoch = r->epoch;
	h->time = r->last_sync;
	return 0;
}

/* A county document for the answer when the station holds another. */
static void
offer(struct proto_answer *h, enum proto_doc d, json_t *doc,
    const char *hash, const struct proto_request *held)
{
	if (doc != NULL && !proto_hash_matches(held->held[d], hash))
		h->docs[d] = json_incref(doc);
}

/* The answer: its header, with the county's documents the station holds
 * other ones of (units: the directory, read under the lock, taken;
 * uh its hash), then the pulled events, as one zstd frame. Outside the
 * lock: the documents change only with the api (a reload makes a new
 * one); the codec under codec_lock. Returns 0 or sets resp (500). */
static int
sync_reply(struct api *a, const struct push *p, struct pulled *out,
    json_t *units, const char *uh, struct http_response *resp)
{
	char err[LD_ERRLEN], *hs, *all;
	void *packed = NULL;
	size_t hl, packed_len = 0;
	int rc;

	offer(&out->h, PROTO_PROFILE, a->profile, a->profile_hash, &p->h);
	offer(&out->h, PROTO_CALENDAR, a->calendar, a->calendar_hash, &p->h);
	/* The CA the server's next certificate will be signed by, announced
	 * over this connection, which the current one authenticates. */
	offer(&out->h, PROTO_NEXT_CA, a->next_ca, a->next_ca_hash, &p->h);
	offer(&out->h, PROTO_UNITS, units, uh, &p->h);
	json_decref(units);
	proto_answer_like(&out->h, &p->h);
	hs = proto_answer_encode(&out->h);
	hl = strlen(hs);
	all = xmalloc(hl + 1 + out->len);
	memcpy(all, hs, hl);
	all[hl] = '\n';
	memcpy(all + hl + 1, out->events, out->len);
	pthread_mutex_lock(&a->codec_lock);
	rc = codec_compress(a->codec, all, hl + 1 + out->len, &packed,
	    &packed_len, err);
	pthread_mutex_unlock(&a->codec_lock);
	free(all);
	free(hs);
	if (rc != 0) {
		http_error(resp, 500, "%s", err);
		return -1;
	}
	resp->status = 200;
	resp->body = packed;
	resp->body_len = packed_len;
	/* A sync answer is always a zstd frame of NDJSON: said to a long
	 * request, as always; to a compact one (an agent that knows) not,
	 * 60 bytes less (docs/protocol.md). */
	if (!p->h.compact) {
		resp->content_type = "application/x-ndjson";
		resp->content_encoding = "zstd";
	}
	return 0;
}

/*
 * The release a station says it runs (X-Liandong-Version, sent once
 * after an upgrade), kept for the stations page (figures_stations) in
 * meta "station_version:NAME" once its sync was stored. Up to 32 of
 * [0-9A-Za-z.+~-]; anything else is not kept. Under the API's lock.
 */
static void
note_version(struct api *a, const struct station_rec *r, const char *v)
{
	char key[STATION_MAX + 32], err[LD_ERRLEN];
	size_t n;

	if (v == NULL)
		return;
	n = strspn(v, "0123456789abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ.+~-");
	if (n == 0 || n > 32 || v[n] != '\0')
		return;
	snprintf(key, sizeof key, "station_version:%s", r->name);
	if (a->store->ops->meta_set(a->store, key, v, err) != 0)
		log_line("warn", "event=station-version station=%s error=%s",
		    r->name, err);
}

static void
sync_(struct api *a, const struct http_request *req,
    struct http_response *resp)
{
	char name[STATION_MAX + 1];
	struct station_rec r;
	struct pulled out;
	struct push p;
	int64_t t0 = ltime_now();
	char uh[HASH_HEX] = "";
	json_t *units = NULL;
	int applied, rc;

	/* The token was checked before the body was read (api_admit): the
	 * name it gives is only for the log until it is checked again. */
	if (token_station(req->authorization, name) == NULL)
		snprintf(name, sizeof name, "?");
	if (sync_decode(a, req, name, &p, resp) != 0) {
		push_release(&p);
		return;
	}
	/* Everything from here on is decided under the lock, on the station
	 * as it is now: another push of it, a new enrolment or a revocation
	 * may have come in while the body came, so it is authenticated
	 * afresh. */
	memset(&out, 0, sizeof out);
	pthread_mutex_lock(&a->lock);
	if (authenticate(a, req, &r, resp) != 0) {
		pthread_mutex_unlock(&a->lock);
		log_line("warn", "event=sync result=unauthorized client=%s",
		    req->client);
		push_release(&p);
		return;
	}
	if ((rc = sync_apply(a, &r, &p, &out, resp)) == -2)
		log_line("warn", "event=sync station=%s result=replaced-copy"
		    " client=%s", r.name, req->client);
	if ((applied = rc == 0)) {
		units = directory(a, uh);
		note_version(a, &r, http_header(req, "X-Liandong-Version"));
	}
	pthread_mutex_unlock(&a->lock);
	/* Packed and compressed outside the lock, while the next is stored. */
	if (applied && sync_reply(a, &p, &out, units, uh, resp) == 0)
		log_line("info", "event=sync station=%s status=200 pushed=%zu"
		    " stored=%zu pulled=%zu more=%d backlog=%lld in=%zu out=%zu"
		    " ms=%lld client=%s", r.name, p.n, out.stored, out.n,
		    out.h.more, (long long)out.h.backlog, req->body_len,
		    resp->body_len, (long long)(ltime_now() - t0), req->client);
	if (resp->status >= 400)
		log_line("warn", "event=sync station=%s status=%d", r.name,
		    resp->status);
	proto_answer_release(&out.h);
	free(out.events);
	push_release(&p);
	station_rec_release(&r);
}

/*
 * A 503 of the store on PostgreSQL is mostly passing: PostgreSQL
 * restarting or failing over (store-pg.c connects again at the next
 * request), or a lock waited for past its timeout. It says so with
 * Retry-After, 2 to 4 seconds spread over those refused together, which
 * the agent waits out and tries again (docs/protocol.md). On SQLite a
 * 503 is the disk's (full, failing): no Retry-After, the station keeps
 * its events pending and says so. A 503 that has its own (the request
 * queue, the dashboard's figures) keeps it.
 */
#define STORE_RETRY_MIN 2
#define STORE_RETRY_SPREAD 3

static void
store_retry(struct api *a, struct http_response *resp)
{
	static unsigned refused;

	if (resp->status == 503 && resp->retry_after == 0 &&
	    a->store != NULL && strcmp(a->store->ops->name, "postgresql") == 0)
		resp->retry_after = STORE_RETRY_MIN +
		    __atomic_fetch_add(&refused, 1, __ATOMIC_RELAXED) %
		    STORE_RETRY_SPREAD;
}

/*
 * Attachments' files (docs/protocol.md, "Attachments"):
 *
 *   GET  /v1/blob?hash=H&record=R           {"hash","size","have","complete"}
 *   POST /v1/blob?hash=H&record=R&offset=N&chunk=C   body: the bytes
 *        from N (at most BLOBS_CHUNK), C their SHA-256: {"have","complete"}
 *   GET  /v1/blob/data?hash=H&record=R&offset=N     the bytes from N
 *
 * Authority: an "<type>.attached" event of record R naming H must be
 * routed to the station's unit (its own are, a confidential one only to
 * the units handling the record) and not be kept to its author's unit
 * (a quarantine for want of authority, merge.h): else 403, in the same
 * words whether R or H exist or not. Its size, type and name are the claim the bytes are
 * checked against. The bytes themselves go by proof of possession
 * (blobs.h, invariants 4 and 5; may_read): to a unit among the file's
 * holders, or through an event written by a unit that is one; a unit
 * that is not is told the server has nothing of it from them, and sends
 * it to prove it.
 */

struct claim_find {
	const char *hash;
	struct blobs_claim *c;
	int found;
	/* The first pass (the unit's view) keeps the events' own hashes of
	 * the attachments naming hash; the second (the county's view, which
	 * leaves out the events kept to their author's unit, merge.h) finds
	 * one of them: a quarantined event widens nothing, not even to a
	 * file. */
	char (*ids)[HASH_HEX];
	size_t nids;
	int second;
	/* The second pass's authors' units, each once (owned). */
	char **units;
	size_t nunits;
};

static int
claim_one(int64_t cursor, int64_t received_at, const char *raw, size_t len,
    void *arg)
{
	struct claim_find *f = arg;
	json_t *o = json_loadb(raw, len, 0, NULL), *b;
	const char *kind = json_string_value(json_object_get(o, "kind"));
	const char *id = json_string_value(json_object_get(o, "hash"));

	b = json_object_get(o, "body");
	if (kind != NULL && id != NULL && kind_is_attached(kind_find(kind)) &&
	    ld_streq(json_string_value(json_object_get(b, "hash")), f->hash)) {
		const char *t = json_string_value(json_object_get(b, "type"));
		const char *n = json_string_value(json_object_get(b, "name"));
		const char *u;
		size_t i;

		if (!f->second) {
			f->ids = xrealloc(f->ids, (f->nids + 1) *
			    sizeof *f->ids);
			ld_strlcpy(f->ids[f->nids++], id, HASH_HEX);
			json_decref(o);
			return 0;
		}
		for (i = 0; i < f->nids && strcmp(f->ids[i], id) != 0; i++)
			;
		if (i == f->nids) {
			json_decref(o);
			return 0;
		}
		u = json_string_value(json_object_get(o, "unit"));
		for (i = 0; u != NULL && i < f->nunits &&
		    strcmp(f->units[i], u) != 0; i++)
			;
		if (u != NULL && i == f->nunits) {
			f->units = xrealloc(f->units, (f->nunits + 1) *
			    sizeof *f->units);
			f->units[f->nunits++] = xstrdup(u);
		}
		if (!f->found) {
			ld_strlcpy(f->c->hash, f->hash, sizeof f->c->hash);
			f->c->size = json_integer_value(json_object_get(b,
			    "size"));
			ld_strlcpy(f->c->type, t != NULL ? t : "",
			    sizeof f->c->type);
			ld_strlcpy(f->c->name, n != NULL ? n : "",
			    sizeof f->c->name);
		}
		f->found = 1;
	}
	json_decref(o);
	return 0;
}

/* Whether unit may be given f's file (docs/protocol.md, "Attachments"):
 * it is one of the file's holders, or an event naming it that unit sees
 * was written by a unit that is. *other: one of them was written by
 * another unit (which may still send the file). */
static int
may_read(struct api *a, const struct claim_find *f, const char *unit,
    int *other)
{
	size_t i;
	int yes = blobs_holds(a->blobs, f->hash, unit);

	*other = 0;
	for (i = 0; i < f->nunits; i++) {
		if (strcmp(f->units[i], unit) == 0)
			continue;
		*other = 1;
		if (!yes)
			yes = blobs_holds(a->blobs, f->hash, f->units[i]);
	}
	return yes;
}

static void
blob_(struct api *a, const struct http_request *req,
    struct http_response *resp)
{
	const char *hash = http_query(req, "hash");
	const char *record = http_query(req, "record");
	const char *off = http_query(req, "offset");
	int data = strcmp(req->path, PATH_BLOB_DATA) == 0;
	int post = strcmp(req->method, "POST") == 0;
	struct blobs_claim c;
	struct claim_find f = { hash, &c, 0, NULL, 0, 0, NULL, 0 };
	struct blobs_who who;
	const char *did = "held";
	int other = 0;
	size_t i;
	struct station_rec r;
	char err[LD_ERRLEN];
	long long offset = 0;
	int64_t have = 0;
	int complete = 0, rc;

	memset(&c, 0, sizeof c);
	pthread_mutex_lock(&a->lock);
	if (authenticate(a, req, &r, resp) != 0) {
		pthread_mutex_unlock(&a->lock);
		log_line("warn", "event=blob result=unauthorized client=%s",
		    req->client);
		return;
	}
	if (hash == NULL || !hash_valid(hash) || record == NULL ||
	    strlen(record) > 128 || (off != NULL &&
	    ld_number(off, 0, INT64_MAX, &offset, NULL) != 0) ||
	    ((post || data) && off == NULL)) {
		pthread_mutex_unlock(&a->lock);
		http_error(resp, 400, "give hash, record%s", post || data ?
		    " and offset" : "");
		station_rec_release(&r);
		return;
	}
	rc = a->store->ops->entity_events(a->store, record, r.unit, claim_one,
	    &f, err);
	f.second = 1;
	if (rc == 0 && f.nids > 0)
		rc = a->store->ops->entity_events(a->store, record, NULL,
		    claim_one, &f, err);
	pthread_mutex_unlock(&a->lock);
	free(f.ids);
	if (rc != 0 && !f.found) {
		http_error(resp, 503, "%s", err);
		goto out;
	}
	if (!f.found) {
		log_line("warn", "event=blob station=%s result=not_entitled"
		    " hash=%.12s", r.name, hash);
		http_error(resp, 403, "no record unit %s can see names this"
		    " attachment", r.unit);
		goto out;
	}
	if (a->blobs == NULL) {
		http_error(resp, 503, "this server takes no attachments");
		goto out;
	}
	who.station = r.name;
	who.unit = r.unit;
	if (data && !may_read(a, &f, r.unit, &other)) {
		/* Named by its own unit alone, or by others that do not hold
		 * it: refused in the words of any other refusal. The answer
		 * says whether the file is whole only to a unit another may
		 * still send it to. */
		if (other && !blobs_whole(a->blobs, hash)) {
			http_error(resp, 404, "the server does not hold this"
			    " file whole yet");
			goto out;
		}
		log_line("warn", "event=blob station=%s result=not_entitled"
		    " hash=%.12s holder=no", r.name, hash);
		http_error(resp, 403, "no record unit %s can see names this"
		    " attachment", r.unit);
		goto out;
	}
	if (data) {
		char *buf = xmalloc(BLOBS_CHUNK + 1);
		int64_t size = 0;
		size_t n;

		if ((rc = blobs_read(a->blobs, hash, offset, buf, BLOBS_CHUNK,
		    &n, &size, err)) != 0) {
			free(buf);
			http_error(resp, rc == LD_ENOTFOUND ? 404 :
			    rc == LD_EINVAL ? 416 : 503, "%s", err);
			goto out;
		}
		resp->status = 200;
		resp->body = buf;
		resp->body_len = n;
		resp->content_type = "application/octet-stream";
		/* Given the file's end by right: the unit holds it now, and
		 * may name it in its own records for others. */
		if (offset + (int64_t)n == size &&
		    blobs_add_holder(a->blobs, hash, r.unit, err) != 0)
			log_line("error", "event=blob station=%s hash=%.12s"
			    " result=holder_unsaved", r.name, hash);
		log_line("info", "event=blob_sent station=%s hash=%.12s"
		    " offset=%lld bytes=%zu", r.name, hash, offset, n);
		goto out;
	}
	if (!post)
		rc = blobs_state(a->blobs, &who, &c, &have, &complete, err);
	else {
		const char *chunk = http_query(req, "chunk");

		if (chunk == NULL || !hash_valid(chunk)) {
			http_error(resp, 400, "give chunk, the bytes' SHA-256");
			goto out;
		}
		rc = blobs_put(a->blobs, &who, &c, offset, req->body,
		    req->body_len, chunk, &have, &complete, &did, err);
		if (rc == 0)
			log_line("info", "event=blob_chunk station=%s hash=%.12s"
			    " offset=%lld bytes=%zu result=%s complete=%d",
			    r.name, hash, offset, req->body_len, did,
			    complete);
		else
			log_line("warn", "event=blob_chunk station=%s hash=%.12s"
			    " offset=%lld result=refused code=%d", r.name, hash,
			    offset, rc);
	}
	if (rc == 0) {
		json_reply(resp, 200, json_pack("{s:s, s:I, s:I, s:b}", "hash",
		    hash, "size", (json_int_t)c.size, "have", (json_int_t)have,
		    "complete", complete));
	} else if (rc == LD_EEXIST) {
		json_reply(resp, 409, json_pack("{s:s, s:I, s:i}", "error", err,
		    "have", (json_int_t)have, "status", 409));
	} else {
		http_error(resp, rc == LD_EINTEGRITY || rc == LD_EINVAL ? 422 :
		    rc == LD_ETOOBIG ? 413 : 503, "%s", err);
		if (rc == LD_ELOCKED)
			resp->retry_after = 60;
	}
out:
	for (i = 0; i < f.nunits; i++)
		free(f.units[i]);
	free(f.units);
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

	if (dash_path(req->path))
		return dash_admit(a, req, max_body, resp);
	if (strcmp(req->path, PATH_ENROLL) == 0) {
		if (!post) {
			http_error(resp, 405, "use POST");
			return -1;
		}
		if (api_throttled(a, req->client)) {
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
	if ((strcmp(req->path, PATH_BLOB) == 0 ||
	    strcmp(req->path, PATH_BLOB_DATA) == 0) &&
	    strcmp(req->method, "GET") != 0 && (!post ||
	    strcmp(req->path, PATH_BLOB) != 0)) {
		http_error(resp, 405, "use GET, or POST for a chunk");
		return -1;
	}
	if (strcmp(req->path, PATH_SYNC) != 0 &&
	    strcmp(req->path, PATH_STATUS) != 0 &&
	    strcmp(req->path, PATH_BLOB) != 0 &&
	    strcmp(req->path, PATH_BLOB_DATA) != 0) {
		http_error(resp, 404, "no such endpoint");
		return -1;
	}
	/* On the reader when there is one: MHD's threads admit every
	 * request and must not wait for a sync being stored. */
	if (a->reader != NULL) {
		pthread_mutex_lock(&a->reader_lock);
		rc = authenticate_in(a, a->reader, req, &r, resp);
		pthread_mutex_unlock(&a->reader_lock);
	} else {
		pthread_mutex_lock(&a->lock);
		rc = authenticate(a, req, &r, resp);
		pthread_mutex_unlock(&a->lock);
	}
	if (rc != 0) {
		log_line("warn", "event=%s result=unauthorized status=%d client=%s",
		    req->path + 4, resp->status, req->client);
		store_retry(a, resp);
		return -1;
	}
	station_rec_release(&r);
	*max_body = strcmp(req->path, PATH_SYNC) == 0 ? PROTO_MAX_BODY :
	    strcmp(req->path, PATH_BLOB) == 0 && post ? BLOBS_CHUNK : 0;
	return 0;
}

void
api_handle(void *app, const struct http_request *req,
    struct http_response *resp)
{
	struct api *a = app;

	if (dash_path(req->path))
		dash_handle(a, req, resp);
	else if (strcmp(req->path, PATH_SYNC) == 0) {
		if (strcmp(req->method, "POST") != 0)
			http_error(resp, 405, "use POST");
		else
			sync_(a, req, resp);
	} else if (strcmp(req->path, PATH_ENROLL) == 0) {
		if (strcmp(req->method, "POST") != 0)
			http_error(resp, 405, "use POST");
		else
			enroll(a, req, resp);
	} else if (strcmp(req->path, PATH_BLOB) == 0 ||
	    strcmp(req->path, PATH_BLOB_DATA) == 0) {
		blob_(a, req, resp);
	} else if (strcmp(req->path, PATH_STATUS) == 0) {
		if (strcmp(req->method, "GET") != 0)
			http_error(resp, 405, "use GET");
		else
			status(a, req, resp);
	} else
		http_error(resp, 404, "no such endpoint");
	store_retry(a, resp);
}
