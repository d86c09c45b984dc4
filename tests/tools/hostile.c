/*
 * hostile.c - a compromised station holding a real token, for the
 * security tests: it builds hash-chained events with any kind, entity,
 * audience, unit, hlc and body, pushes them to the county server over
 * HTTPS with the station's token, and prints the server's answer.
 *
 *   hostile --db STATION.db [--state FILE] [--cursor N] [--no-push] [--raw]
 *           < SPECS
 *
 * STATION.db is a station database made by `liandong init` and `liandong
 * enroll`; it is only read, never changed. The tool takes from it the
 * station, its unit, the server's URL, CA (PEM) or key pin, the last hlc
 * and the station's own chain head, and the token from STATION.db.token.
 *
 * stdin holds one JSON object per line, an event spec; every member is
 * optional:
 *
 *   kind       default "case.opened"
 *   entity     default for a creating kind: the id the station would make
 *              (entity_id_new of the event's station and seq); required
 *              for any other kind, unknown kinds included
 *   audience   any array; default [own unit]
 *   unit       default own unit
 *   station    default own station (at most 32 bytes)
 *   author     default "攻击者"
 *   hlc        integer; default max(last hlc + 1, now << 16), last being
 *              the highest hlc of the station, the state or an earlier spec
 *   at         integer; default now (ms, LIANDONG_NOW honoured)
 *   seq        integer; default the previous event's seq + 1
 *   prev       string of at most 64 bytes; default the previous event's hash
 *   body       any value; default the kind's example body (kinds.h), {}
 *              for an unknown kind
 *   body_merge object whose members are set over the body
 *
 * Each event is sealed (event_seal: its hash is right whatever its
 * content) but never validated: judging it is the server's job. Events
 * chain in the order given, from the station's head, or from the head in
 * the --state FILE when that file exists and is further along. FILE holds
 * one line, "seq hash hlc"; after a push answered 200, the tool rewrites
 * it with the seq the answer's "acked" says the server holds, that
 * event's hash and the highest hlc sent (left alone, with a warning, when
 * that hash is not known here). So a test can push several times in a
 * row from one sacrificial station whose database knows nothing of it.
 *
 * The push body is the header line
 *   {"acked":HEAD,"cursor":N,"digest":{"count":0,"xor":"00..."},"final":true,"v":1}
 * (HEAD the head the chain started from, N from --cursor, default 0) and
 * one canonical event per line, compressed as one zstd frame without a
 * dictionary, POSTed to URL/v1/sync (connect timeout 10 s, 60 s in all).
 *
 * Output on stdout: "status N", then the answer: decompressed when it
 * comes as zstd (with conf/liandong.dict, found as $LIANDONG_DICT,
 * $TOP/conf/liandong.dict or the shipped one, else without a dictionary),
 * as it came otherwise. For a 200 that is the server's NDJSON: its header
 * line, then one pulled event per line; for a refusal its JSON error.
 *
 *   --no-push  prints the events that would be pushed (canonical NDJSON,
 *              without the header line) and sends nothing
 *   --raw      stdin is the body itself (header and events, any bytes):
 *              compressed and pushed unchanged; its lines that are events
 *              of this station still count for --state
 *
 * Exit status: 0 an HTTP answer came, whatever its status; 1 no answer
 * (network or TLS failure), an answer that cannot be decompressed, or a
 * local failure (database, token, state file); 2 usage or a bad spec
 * (nothing sent).
 *
 * TLS: the server is verified against the station's CA; a station
 * enrolled with a pin alone is checked by the pin (the key is pinned,
 * the chain is not looked at), as the agent does (agent/net.c).
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cjson.h"
#include "codec.h"
#include "db.h"
#include "event.h"
#include "hash.h"
#include "hlc.h"
#include "kinds.h"
#include "ltime.h"
#include "paths.h"
#include "proto.h"
#include "textfile.h"
#include "util.h"

#define INPUT_MAX (64u << 20)   /* bytes read from stdin */
#define ANSWER_MAX (16u << 20)  /* bytes of an answer, compressed */
#define ANSWER_PLAIN_MAX (64u << 20)
#define SPEC_DEPTH 60           /* an event nests one level more; cjson: 64 */
#define DEFAULT_AUTHOR "攻击者"

static const char usage_text[] =
    "usage: hostile --db STATION.db [--state FILE] [--cursor N] [--no-push] [--raw] < SPECS\n";

/* A point of a station's chain. */
struct head {
	int64_t seq;
	char hash[HASH_HEX];
	hlc_t hlc;
};

/* An event of this station that was sent: to find the hash of "acked". */
struct sent {
	int64_t seq;
	char hash[HASH_HEX];
};

struct hostile {
	sqlite3 *db;
	char *station;   /* owned: meta "station" */
	char *unit;      /* owned: meta "unit" */
	char *url;       /* owned: meta "server_url", NULL if absent */
	char *ca;        /* owned: meta "server_ca", NULL if absent */
	char *pin;       /* owned: meta "server_pin", NULL if absent */
	struct head start; /* where the chain starts (database or state) */
	struct head last;  /* the last event built; hlc: the highest seen */
	hlc_t hlc_sent;    /* highest hlc sent, 0 for none */
	struct sent *sent;
	size_t nsent;
};

static int
fail(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("hostile: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static void
warn(const char *fmt, ...)
{
	va_list ap;

	fputs("hostile: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* --- the station database ----------------------------------------------- */

/* meta[key] into *val (NULL when absent). 0 or LD_E*. */
static int
meta_get(sqlite3 *db, const char *key, char **val, char *err)
{
	sqlite3_stmt *st;
	int rc;

	*val = NULL;
	if ((rc = db_prepare(db, "SELECT value FROM meta WHERE key=?", &st,
	    err)) != 0)
		return rc;
	db_bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*val = xstrdup((const char *)sqlite3_column_text(st, 0));
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, rc, "cannot read meta", err);
}

/* The hash of this station's event seq in its database: 0 and the hash,
 * LD_ENOTFOUND, or another LD_E*. */
static int
db_hash_of(struct hostile *h, int64_t seq, char hash[HASH_HEX], char *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(h->db, "SELECT hash FROM events"
	    " WHERE station=? AND seq=?", &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, h->station);
	db_bind_int(st, 2, seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ld_strlcpy(hash, (const char *)sqlite3_column_text(st, 0),
		    HASH_HEX);
		rc = 0;
	} else if (rc == SQLITE_DONE)
		rc = LD_ENOTFOUND;
	else
		rc = db_fail(h->db, rc, "cannot read the event chain", err);
	sqlite3_finalize(st);
	return rc;
}

/* Opens the station's database read-only and reads what the tool needs:
 * meta and the station's chain head. */
static int
station_load(struct hostile *h, const char *path, char *err)
{
	sqlite3_stmt *st;
	char *hlcs = NULL;
	int rc;

	rc = sqlite3_open_v2(path, &h->db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		rc = ld_fail(err, LD_EDB, "cannot open database '%s': %s", path,
		    h->db != NULL ? sqlite3_errmsg(h->db) : sqlite3_errstr(rc));
		return rc;
	}
	sqlite3_busy_timeout(h->db, 5000);
	if ((rc = meta_get(h->db, "station", &h->station, err)) != 0 ||
	    (rc = meta_get(h->db, "unit", &h->unit, err)) != 0 ||
	    (rc = meta_get(h->db, "server_url", &h->url, err)) != 0 ||
	    (rc = meta_get(h->db, "server_ca", &h->ca, err)) != 0 ||
	    (rc = meta_get(h->db, "server_pin", &h->pin, err)) != 0 ||
	    (rc = meta_get(h->db, "hlc", &hlcs, err)) != 0)
		return rc;
	if (h->station == NULL || h->unit == NULL) {
		free(hlcs);
		return ld_fail(err, LD_EDB,
		    "'%s' is not a station database (no station or unit)", path);
	}
	h->start.hlc = hlcs != NULL ? strtoll(hlcs, NULL, 10) : 0;
	free(hlcs);
	h->start.seq = 0;
	memcpy(h->start.hash, HASH_ZERO, HASH_HEX);
	if ((rc = db_prepare(h->db, "SELECT seq, hash FROM events"
	    " WHERE station=? ORDER BY seq DESC LIMIT 1", &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, h->station);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		h->start.seq = sqlite3_column_int64(st, 0);
		ld_strlcpy(h->start.hash, (const char *)sqlite3_column_text(st, 1),
		    HASH_HEX);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(h->db, rc,
	    "cannot read the event chain", err);
}

static void
hostile_release(struct hostile *h)
{
	if (h->db != NULL)
		sqlite3_close(h->db);
	free(h->station);
	free(h->unit);
	free(h->url);
	free(h->ca);
	free(h->pin);
	free(h->sent);
	memset(h, 0, sizeof *h);
}

/* --- the state file ------------------------------------------------------ */

/* Reads "seq hash hlc" from path into st; *found is 0 when there is no
 * such file. */
static int
state_read(const char *path, struct head *st, int *found, char *err)
{
	char *text = NULL, hash[HASH_HEX + 1];
	long long seq, hlc;
	int rc;

	*found = 0;
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	if ((rc = textfile_read(path, 256, &text, err)) != 0)
		return rc;
	rc = sscanf(text, "%lld %65s %lld", &seq, hash, &hlc);
	free(text);
	if (rc != 3 || !hash_valid(hash) || seq < 0)
		return ld_fail(err, LD_EINVAL,
		    "state file '%s' is not \"seq hash hlc\"", path);
	st->seq = seq;
	memcpy(st->hash, hash, HASH_HEX);
	st->hlc = hlc;
	*found = 1;
	return 0;
}

/* Replaces path with "seq hash hlc" (written aside, then renamed). */
static int
state_write(const char *path, const struct head *st, char *err)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	int bad;

	if (f == NULL) {
		free(tmp);
		return ld_fail(err, LD_EFULL, "cannot write '%s': %s", path,
		    strerror(errno));
	}
	fprintf(f, "%lld %s %lld\n", (long long)st->seq, st->hash,
	    (long long)st->hlc);
	bad = ferror(f);
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path) != 0) {
		unlink(tmp);
		free(tmp);
		return ld_fail(err, LD_EFULL, "cannot write '%s': %s", path,
		    strerror(errno));
	}
	free(tmp);
	return 0;
}

/* --- building events ------------------------------------------------------ */

static void
note_sent(struct hostile *h, const char *station, int64_t seq,
    const char *hash, hlc_t hlc)
{
	if (hlc > h->hlc_sent)
		h->hlc_sent = hlc;
	if (strcmp(station, h->station) != 0 || !hash_valid(hash))
		return;
	h->sent = xrealloc(h->sent, (h->nsent + 1) * sizeof *h->sent);
	h->sent[h->nsent].seq = seq;
	memcpy(h->sent[h->nsent].hash, hash, HASH_HEX);
	h->nsent++;
}

/* spec[key] as a string of at most max bytes, or def when absent. */
static int
spec_str(const json_t *spec, const char *key, const char *def, size_t max,
    int line, const char **out, char *err)
{
	json_t *v = json_object_get(spec, key);

	*out = def;
	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return ld_fail(err, LD_EINVAL, "line %d: '%s' must be a string",
		    line, key);
	if (json_string_length(v) > max)
		return ld_fail(err, LD_EINVAL,
		    "line %d: '%s' is longer than %zu bytes (use --raw)", line,
		    key, max);
	*out = json_string_value(v);
	return 0;
}

/* spec[key] as an integer, or def when absent. */
static int
spec_int(const json_t *spec, const char *key, int64_t def, int line,
    int64_t *out, char *err)
{
	json_t *v = json_object_get(spec, key);

	*out = def;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v))
		return ld_fail(err, LD_EINVAL, "line %d: '%s' must be an integer",
		    line, key);
	*out = json_integer_value(v);
	return 0;
}

/* Builds and seals the event spec asks for, after h->last; advances
 * h->last. 0 or LD_EINVAL (the spec is wrong; err says why). */
static int
build_event(struct hostile *h, const json_t *spec, int line,
    struct event *ev, char *err)
{
	static const char *const keys[] = { "kind", "entity", "audience",
		"unit", "station", "author", "hlc", "at", "seq", "prev", "body",
		"body_merge", NULL };
	const struct kind_info *k;
	const char *key, *kind, *station, *s;
	int64_t now = ltime_now(), n;
	json_t *v;
	size_t i;
	int rc;

	event_init(ev);
	if (!json_is_object(spec))
		return ld_fail(err, LD_EINVAL, "line %d: not a JSON object", line);
	json_object_foreach((json_t *)spec, key, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(keys[i], key) == 0)
				break;
		if (keys[i] == NULL)
			return ld_fail(err, LD_EINVAL,
			    "line %d: unknown member '%s'", line, key);
	}
	if ((rc = spec_str(spec, "kind", "case.opened", SIZE_MAX, line, &kind,
	    err)) != 0 ||
	    (rc = spec_str(spec, "station", h->station, STATION_MAX, line,
	    &station, err)) != 0)
		return rc;
	k = kind_find(kind);
	ld_strlcpy(ev->station, station, sizeof ev->station);
	ev->kind = xstrdup(kind);
	if ((rc = spec_int(spec, "seq", h->last.seq + 1, line, &ev->seq,
	    err)) != 0 ||
	    (rc = spec_int(spec, "hlc", hlc_tick(h->last.hlc, now), line, &n,
	    err)) != 0)
		goto fail;
	ev->hlc = n;
	if ((rc = spec_int(spec, "at", now, line, &ev->at, err)) != 0)
		goto fail;
	if ((rc = spec_str(spec, "unit", h->unit, SIZE_MAX, line, &s,
	    err)) != 0)
		goto fail;
	ev->unit = xstrdup(s);
	if ((rc = spec_str(spec, "author", DEFAULT_AUTHOR, SIZE_MAX, line, &s,
	    err)) != 0)
		goto fail;
	ev->author = xstrdup(s);
	if ((rc = spec_str(spec, "entity", NULL, SIZE_MAX, line, &s,
	    err)) != 0)
		goto fail;
	if (s != NULL)
		ev->entity = xstrdup(s);
	else if (k != NULL && k->creates)
		ev->entity = entity_id_new(k->etype, ev->station, ev->seq);
	else {
		rc = ld_fail(err, LD_EINVAL,
		    "line %d: kind '%s' needs an 'entity'", line, kind);
		goto fail;
	}
	if ((rc = spec_str(spec, "prev", h->last.hash, HASH_HEX - 1, line, &s,
	    err)) != 0)
		goto fail;
	ld_strlcpy(ev->prev, s, sizeof ev->prev);

	v = json_object_get(spec, "audience");
	if (v != NULL && !json_is_array(v)) {
		rc = ld_fail(err, LD_EINVAL, "line %d: 'audience' must be an array",
		    line);
		goto fail;
	}
	if (v != NULL)
		ev->audience = json_incref(v);
	else {
		ev->audience = json_array();
		json_array_append_new(ev->audience, json_string(h->unit));
	}

	v = json_object_get(spec, "body");
	if (v != NULL)
		ev->body = json_deep_copy(v);
	else
		ev->body = k != NULL ? kind_example_body(k, 0) : json_object();
	v = json_object_get(spec, "body_merge");
	if (v != NULL) {
		if (!json_is_object(v) || !json_is_object(ev->body)) {
			rc = ld_fail(err, LD_EINVAL, "line %d: 'body_merge' must be"
			    " an object, merged into an object body", line);
			goto fail;
		}
		json_object_update(ev->body, v);
	}

	/* Parsed with cjson_parse at SPEC_DEPTH, so the canonical encoder
	 * (depth 64, no reals) cannot refuse the event. */
	event_seal(ev);
	h->last.seq = ev->seq;
	memcpy(h->last.hash, ev->hash, HASH_HEX);
	if (ev->hlc > h->last.hlc)
		h->last.hlc = ev->hlc;
	return 0;
fail:
	event_release(ev);
	return rc;
}

/* Appends the canonical events of the specs in input to out. 0 or
 * LD_EINVAL. */
static int
build_events(struct hostile *h, const char *input, size_t len, FILE *out,
    char *err)
{
	const char *line;
	size_t pos = 0, n;
	struct event ev;
	json_t *spec;
	char *text;
	int lineno = 0, rc;

	while (ndjson_next(input, len, &pos, &line, &n)) {
		lineno++;
		if ((spec = cjson_parse(line, n, SPEC_DEPTH, err)) == NULL) {
			char why[LD_ERRLEN];
			ld_strlcpy(why, err, sizeof why);
			return ld_fail(err, LD_EINVAL, "spec %d: %s", lineno, why);
		}
		rc = build_event(h, spec, lineno, &ev, err);
		json_decref(spec);
		if (rc != 0)
			return rc;
		text = event_canonical(&ev, 1);
		fprintf(out, "%s\n", text);
		free(text);
		note_sent(h, ev.station, ev.seq, ev.hash, ev.hlc);
		event_release(&ev);
	}
	return 0;
}

/* For --raw: notes the lines of body that are events (as far as they can
 * be read), for --state. */
static void
scan_raw(struct hostile *h, const char *body, size_t len)
{
	const char *line, *station, *hash;
	size_t pos = 0, n;
	json_t *o, *seq, *hlc;

	while (ndjson_next(body, len, &pos, &line, &n)) {
		if ((o = json_loadb(line, n, 0, NULL)) == NULL)
			continue;
		station = cjson_str(o, "station");
		hash = cjson_str(o, "hash");
		seq = json_object_get(o, "seq");
		hlc = json_object_get(o, "hlc");
		if (station != NULL && hash != NULL && json_is_integer(seq) &&
		    json_is_integer(hlc))
			note_sent(h, station, json_integer_value(seq), hash,
			    json_integer_value(hlc));
		json_decref(o);
	}
}

static char *
push_header(int64_t cursor, int64_t acked)
{
	json_t *o = json_object(), *d = json_object();
	char *text, zeros[HASH_HEX];

	memset(zeros, '0', HASH_HEX - 1);
	zeros[HASH_HEX - 1] = '\0';
	json_object_set_new(o, "v", json_integer(PROTO_VERSION));
	json_object_set_new(o, "cursor", json_integer(cursor));
	json_object_set_new(o, "acked", json_integer(acked));
	json_object_set_new(o, "final", json_true());
	json_object_set_new(d, "count", json_integer(0));
	json_object_set_new(d, "xor", json_string(zeros));
	json_object_set_new(o, "digest", d);
	text = cjson_encode(o, NULL);
	json_decref(o);
	return text;
}

/* --- the network ------------------------------------------------------------ */

struct sink {
	char *buf;
	size_t len;
	int too_big;
	char *encoding; /* owned: the answer's Content-Encoding */
};

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n;

	if (s->len + len > ANSWER_MAX) {
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
	size_t len = size * n, vl;
	char *v;

	if (len <= 17 || strncasecmp(p, "Content-Encoding:", 17) != 0)
		return len;
	v = p + 17;
	vl = len - 17;
	while (vl > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' ||
	    v[vl - 1] == ' '))
		vl--;
	free(s->encoding);
	s->encoding = xasprintf("%.*s", (int)vl, v);
	return len;
}

/* POSTs body to the station's server; on an HTTP answer returns 0 with
 * *status and the answer in s, else LD_ENET or LD_ETOOBIG. */
static int
post_sync(const struct hostile *h, const char *token, const void *body,
    size_t len, long *status, struct sink *s, char *err)
{
	char errbuf[CURL_ERROR_SIZE] = "", *url, *auth;
	struct curl_slist *hdrs = NULL;
	struct curl_blob ca;
	CURLcode cc;
	CURL *c;
	int rc = 0;

	memset(s, 0, sizeof *s);
	if (h->ca == NULL && h->pin == NULL)
		return ld_fail(err, LD_ECONFIG,
		    "the station has neither server_ca nor server_pin");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (c = curl_easy_init()) == NULL)
		return ld_fail(err, LD_EINTERNAL, "cannot initialise libcurl");
	url = xasprintf("%s%s", h->url, PATH_SYNC);
	auth = xasprintf("Authorization: Bearer %s", token);
	hdrs = curl_slist_append(hdrs, auth);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/x-ndjson");
	hdrs = curl_slist_append(hdrs, "Content-Encoding: zstd");
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->ca != NULL) {
		ca.data = h->ca;
		ca.len = strlen(h->ca);
		ca.flags = CURL_BLOB_COPY;
		curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca);
	}
	if (h->pin != NULL) {
		curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, h->pin);
		if (h->ca == NULL) {
			/* The pin alone authenticates the key (agent/net.c). */
			curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
		}
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
	cc = curl_easy_perform(c);
	if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	free(auth);
	if (s->too_big)
		rc = ld_fail(err, LD_ETOOBIG, "the answer is over %u bytes",
		    ANSWER_MAX);
	else if (cc != CURLE_OK)
		rc = ld_fail(err, LD_ENET, "cannot reach %s: %s", url,
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
	free(url);
	curl_global_cleanup();
	return rc;
}

/* A codec for the answer: with the shipped dictionary when one can be
 * read, otherwise without; NULL (err filled) when there is none. */
static struct codec *
answer_codec(char *err)
{
	const char *env = getenv("LIANDONG_DICT"), *top = getenv("TOP");
	char *paths[3] = { NULL, NULL, NULL };
	struct codec *c = NULL;
	size_t i;

	if (env != NULL && env[0] != '\0')
		paths[0] = xstrdup(env);
	if (top != NULL && top[0] != '\0')
		paths[1] = xasprintf("%s/conf/liandong.dict", top);
	paths[2] = xasprintf("%s/liandong.dict", paths_data());
	for (i = 0; i < 3 && c == NULL; i++) {
		if (paths[i] == NULL || access(paths[i], R_OK) != 0)
			continue;
		if (codec_load(paths[i], 3, &c, err) != 0) {
			warn("%s", err);
			c = NULL;
		}
	}
	for (i = 0; i < 3; i++)
		free(paths[i]);
	if (c == NULL && codec_new(NULL, 0, 3, &c, err) != 0)
		return NULL;
	return c;
}

/* The hash of this station's event seq, from what was sent, the start of
 * the chain or the database. 0 or LD_ENOTFOUND. */
static int
hash_of(struct hostile *h, int64_t seq, char hash[HASH_HEX])
{
	size_t i;

	for (i = h->nsent; i > 0; i--)
		if (h->sent[i - 1].seq == seq) {
			memcpy(hash, h->sent[i - 1].hash, HASH_HEX);
			return 0;
		}
	if (seq == h->start.seq) {
		memcpy(hash, h->start.hash, HASH_HEX);
		return 0;
	}
	if (seq == 0) {
		memcpy(hash, HASH_ZERO, HASH_HEX);
		return 0;
	}
	return db_hash_of(h, seq, hash, NULL) == 0 ? 0 : LD_ENOTFOUND;
}

/* After a 200: the state file follows the answer's "acked". */
static int
state_update(struct hostile *h, const char *path, const char *answer,
    size_t len, char *err)
{
	const char *line;
	size_t pos = 0, n;
	struct head st;
	json_t *hdr, *acked;

	if (!ndjson_next(answer, len, &pos, &line, &n) ||
	    (hdr = json_loadb(line, n, 0, NULL)) == NULL) {
		warn("the answer has no header line: state '%s' left alone", path);
		return 0;
	}
	acked = json_object_get(hdr, "acked");
	if (!json_is_integer(acked)) {
		json_decref(hdr);
		warn("the answer has no \"acked\": state '%s' left alone", path);
		return 0;
	}
	st.seq = json_integer_value(acked);
	json_decref(hdr);
	if (hash_of(h, st.seq, st.hash) != 0) {
		warn("the server holds seq %lld, whose hash is not known here:"
		    " state '%s' left alone", (long long)st.seq, path);
		return 0;
	}
	st.hlc = h->hlc_sent > h->start.hlc ? h->hlc_sent : h->start.hlc;
	return state_write(path, &st, err);
}

/* --- main ------------------------------------------------------------------ */

static int
read_input(FILE *f, char **out, size_t *len, char *err)
{
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	do {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = xrealloc(buf, cap + 1);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n > INPUT_MAX) {
			free(buf);
			return ld_fail(err, LD_ETOOBIG, "stdin is over %u bytes",
			    INPUT_MAX);
		}
	} while (got > 0);
	if (ferror(f)) {
		free(buf);
		return ld_fail(err, LD_EINVAL, "cannot read stdin");
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static int
parse_int(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *dbpath = NULL, *state = NULL;
	char err[LD_ERRLEN] = "", *input = NULL, *token = NULL, *tpath;
	char *plain = NULL, *hdr;
	void *packed = NULL, *answer = NULL;
	size_t input_len = 0, plain_len = 0, packed_len = 0, answer_len = 0;
	int64_t cursor = 0;
	int no_push = 0, raw = 0, found, i, rc, status = 1;
	struct codec *c = NULL;
	struct hostile h;
	struct head st;
	struct sink s;
	long http = 0;
	FILE *f;

	memset(&h, 0, sizeof h);
	memset(&s, 0, sizeof s);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			fputs(usage_text, stdout);
			return 0;
		} else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			dbpath = argv[++i];
		else if (strcmp(argv[i], "--state") == 0 && i + 1 < argc)
			state = argv[++i];
		else if (strcmp(argv[i], "--cursor") == 0 && i + 1 < argc) {
			if (parse_int(argv[++i], &cursor) != 0)
				return fail(2, "--cursor wants an integer, not '%s'",
				    argv[i]);
		} else if (strcmp(argv[i], "--no-push") == 0)
			no_push = 1;
		else if (strcmp(argv[i], "--raw") == 0)
			raw = 1;
		else {
			fprintf(stderr, "hostile: error: unknown or incomplete"
			    " option '%s'\n%s", argv[i], usage_text);
			return 2;
		}
	}
	if (dbpath == NULL) {
		fprintf(stderr, "hostile: error: --db is required\n%s",
		    usage_text);
		return 2;
	}
	if (hash_init() != 0)
		return fail(1, "cannot initialise libsodium");

	if ((rc = station_load(&h, dbpath, err)) != 0) {
		fail(1, "%s", err);
		goto out;
	}
	h.last = h.start;
	if (state != NULL) {
		if ((rc = state_read(state, &st, &found, err)) != 0) {
			fail(1, "%s", err);
			goto out;
		}
		if (found && st.seq > h.start.seq) {
			h.start.seq = st.seq;
			memcpy(h.start.hash, st.hash, HASH_HEX);
		}
		if (found && st.hlc > h.start.hlc)
			h.start.hlc = st.hlc;
		h.last = h.start;
	}
	if (!no_push) {
		if (h.url == NULL) {
			fail(1, "station '%s' is not enrolled (no server_url)",
			    h.station);
			goto out;
		}
		tpath = xasprintf("%s.token", dbpath);
		if (textfile_read(tpath, 512, &token, err) != 0) {
			free(tpath);
			fail(1, "%s", err);
			goto out;
		}
		free(tpath);
		token[strcspn(token, "\r\n")] = '\0';
	}
	if ((rc = read_input(stdin, &input, &input_len, err)) != 0) {
		fail(1, "%s", err);
		goto out;
	}

	/* The body, plain. */
	if (raw) {
		plain = input;
		plain_len = input_len;
		input = NULL;
		scan_raw(&h, plain, plain_len);
	} else {
		f = open_memstream(&plain, &plain_len);
		if (!no_push) {
			hdr = push_header(cursor, h.start.seq);
			fprintf(f, "%s\n", hdr);
			free(hdr);
		}
		rc = build_events(&h, input, input_len, f, err);
		fclose(f);
		if (rc != 0) {
			status = fail(2, "%s", err);
			goto out;
		}
	}
	if (no_push) {
		fwrite(plain, 1, plain_len, stdout);
		status = fflush(stdout) == 0 ? 0 : 1;
		goto out;
	}

	if ((rc = codec_new(NULL, 0, 3, &c, err)) != 0 ||
	    (rc = codec_compress(c, plain, plain_len, &packed, &packed_len,
	    err)) != 0) {
		fail(1, "%s", err);
		goto out;
	}
	codec_free(c);
	c = NULL;
	if (post_sync(&h, token, packed, packed_len, &http, &s, err) != 0) {
		fail(1, "%s", err);
		goto out;
	}
	printf("status %ld\n", http);
	if (s.encoding != NULL && strcasecmp(s.encoding, "zstd") == 0) {
		if ((c = answer_codec(err)) == NULL ||
		    codec_decompress(c, s.buf, s.len, ANSWER_PLAIN_MAX, &answer,
		    &answer_len, err) != 0) {
			fflush(stdout);
			fail(1, "cannot decompress the answer: %s", err);
			goto out;
		}
	} else {
		answer = s.buf;
		answer_len = s.len;
		s.buf = NULL;
	}
	if (answer_len > 0) {
		fwrite(answer, 1, answer_len, stdout);
		if (((char *)answer)[answer_len - 1] != '\n')
			putchar('\n');
	}
	if (fflush(stdout) != 0) {
		fail(1, "cannot write the answer");
		goto out;
	}
	status = 0;
	if (http == 200 && state != NULL &&
	    state_update(&h, state, answer, answer_len, err) != 0)
		status = fail(1, "%s", err);
out:
	codec_free(c);
	free(s.buf);
	free(s.encoding);
	free(answer);
	free(packed);
	free(plain);
	free(input);
	free(token);
	hostile_release(&h);
	return status;
}
