/*
 * sync.c - the station side of the sync protocol (invariants in sync.h).
 *
 * One request carries both directions: a header line (cursor, digest,
 * whether this is the last batch to push) and up to PROTO_PUSH_BATCH of
 * this station's events; the answer carries the server's header (acked,
 * next cursor, more, digest) and a batch of events for this station. A
 * sync with little to move is therefore one round trip.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aside.h"
#include "calendar.h"
#include "cjson.h"
#include "codec.h"
#include "directory.h"
#include "fold.h"
#include "form.h"
#include "kinds.h"
#include "hash.h"
#include "ltime.h"
#include "net.h"
#include "paths.h"
#include "proto.h"
#include "roles.h"
#include "rules.h"
#include "sync.h"
#include "textfile.h"

#define MAX_REQUESTS 100000 /* a runaway guard, far above any backlog */
#define MAX_ANSWER (64u << 20)


/* Refuses a token file that others could read. */
static int
load_token(const char *path, char **token, char *err)
{
	struct stat sb;

	*token = NULL;
	if (stat(path, &sb) != 0)
		return ld_fail(err, LD_ECONFIG,
		    _("this station is not enrolled (no token at '%s'): run 'liandong enroll'"),
		    path);
	if (sb.st_mode & 077)
		return ld_fail(err, LD_ECONFIG,
		    _("token file '%s' is readable by others: chmod 600 it"), path);
	if (textfile_read(path, 512, token, NULL) == 0)
		(*token)[strcspn(*token, "\r\n")] = '\0';
	if (*token == NULL || **token == '\0') {
		free(*token);
		*token = NULL;
		return ld_fail(err, LD_ECONFIG, _("cannot read token '%s'"), path);
	}
	return 0;
}

/* *ca (owned) with the next CA the server announced, when there is one:
 * the station trusts both until the switch is done. */
static int
with_next_ca(struct ledger *lg, char **ca, char *err)
{
	char *text = NULL;
	json_t *pem;
	int rc;

	if ((rc = ledger_meta_get(lg, "next_ca", &text, err)) != 0 ||
	    text == NULL)
		return rc;
	pem = json_loads(text, JSON_DECODE_ANY, NULL);
	if (json_is_string(pem)) {
		char *both = xasprintf("%s\n%s", *ca, json_string_value(pem));
		free(*ca);
		*ca = both;
	}
	json_decref(pem);
	free(text);
	return 0;
}

static int
open_net(struct ledger *lg, const struct sync_opts *o, const char *token,
    int progress, struct net **n, char *err)
{
	char *url = NULL, *ca = NULL, *pin = NULL, *told = NULL;
	struct net_opts no;
	int rc;

	if ((rc = ledger_meta_get(lg, "server_url", &url, err)) != 0 ||
	    (rc = ledger_meta_get(lg, "version_told", &told, err)) != 0 ||
	    (rc = ledger_meta_get(lg, "server_ca", &ca, err)) != 0 ||
	    (rc = ledger_meta_get(lg, "server_pin", &pin, err)) != 0)
		goto out;
	if (url == NULL) {
		rc = ld_fail(err, LD_ECONFIG,
		    _("this station is not enrolled: run 'liandong enroll'"));
		goto out;
	}
	/* 'liandong trust' keeps one of the two, the other empty. */
	if (ca != NULL && *ca == '\0') {
		free(ca);
		ca = NULL;
	}
	if (pin != NULL && *pin == '\0') {
		free(pin);
		pin = NULL;
	}
	if (ca != NULL && (rc = with_next_ca(lg, &ca, err)) != 0)
		goto out;
	memset(&no, 0, sizeof no);
	no.url = url;
	no.ca_pem = ca;
	no.pin = pin;
	no.token = token;
	/* The release goes to the county once, after an upgrade: no bytes
	 * on every sync of a 2G link for it (version_told, sync_run). */
	if (token != NULL && !ld_streq(told, LIANDONG_VERSION))
		no.version = LIANDONG_VERSION;
	no.connect_timeout = o->connect_timeout > 0 ? o->connect_timeout : 20;
	no.stall_timeout = o->stall_timeout > 0 ? o->stall_timeout : 60;
	no.verbose_progress = progress;
	rc = net_new(&no, n, err);
out:
	free(url);
	free(ca);
	free(pin);
	free(told);
	return rc;
}

/* The error of a non-2xx answer: its JSON "error" text. A 5xx is the
 * server failing for now (its disk, say), nothing about this request:
 * like an unreachable server, it is retried later. */
static int
refused(const struct net_response *r, char *err)
{
	json_t *o = json_loadb(r->body, r->len, 0, NULL);
	const char *msg = json_string_value(json_object_get(o, "error"));
	int code = r->status == 401 || r->status == 403 ? LD_EAUTH :
	    r->status == 409 ? LD_EFORK : r->status >= 500 ? LD_ENET :
	    LD_EREFUSED;

	ld_fail(err, code, r->status >= 500 ?
	    _("the server is unavailable (%ld): %s; try again later") :
	    _("the server refused (%ld): %s"), r->status,
	    msg ? msg : "no reason given");
	json_decref(o);
	return code;
}

/* Keeps v, checked by the caller, as meta key and the SHA-256 of its
 * canonical text as key_hash, which the next sync sends back to say what
 * the station holds. */
static int
store_hashed(struct ledger *lg, const char *key, const json_t *v, char *err)
{
	char hash[HASH_HEX], *text, *hkey;
	int rc;

	if ((text = cjson_encode(v, err)) == NULL)
		return LD_EREFUSED;
	hash_hex(text, strlen(text), hash);
	hkey = xasprintf("%s_hash", key);
	if ((rc = ledger_meta_set(lg, key, text, err)) == 0)
		rc = ledger_meta_set(lg, hkey, hash, err);
	free(hkey);
	free(text);
	return rc;
}

/* Keeps the county's rule profile the server sent (in the caller's
 * transaction); new deadlines are counted by it. */
static int
store_profile(struct ledger *lg, const json_t *profile, char *err)
{
	struct profile *p;

	if (profile == NULL)
		return 0;
	if (profile_from_json(profile, &p, err) != 0)
		return ld_fail(err, LD_EREFUSED,
		    _("the server sent a malformed rule profile"));
	profile_free(p);
	return store_hashed(lg, "profile", profile, err);
}

/* Keeps the CA the server announces for its next certificate (a PEM
 * text): trusted beside the current one from now on, so the switch cuts
 * this station off nowhere (open_net). */
static int
store_next_ca(struct ledger *lg, const json_t *pem, char *err)
{
	if (pem == NULL)
		return 0;
	if (!json_is_string(pem) || strstr(json_string_value(pem),
	    "-----BEGIN CERTIFICATE-----") == NULL)
		return ld_fail(err, LD_EREFUSED,
		    _("the server announced a malformed next CA"));
	return store_hashed(lg, "next_ca", pem, err);
}

/* Keeps the county's holiday calendars the server sent, checked first:
 * working days are counted on them from now on. */
static int
store_calendar(struct ledger *lg, const json_t *texts, char *err)
{
	struct calendar *c;
	char why[LD_ERRLEN];
	int rc;

	if (texts == NULL)
		return 0;
	c = calendar_new();
	rc = calendar_add_texts(c, texts, why);
	calendar_free(c);
	if (rc != 0)
		return ld_fail(err, LD_EREFUSED,
		    _("the server sent a malformed holiday calendar: %s"), why);
	return store_hashed(lg, "calendar", texts, err);
}

/* Keeps the county's unit directory the server sent, checked first:
 * every unit a record is addressed to is checked against it from now on
 * (agent/units.c). */
static int
store_units(struct ledger *lg, const json_t *units, char *err)
{
	char why[LD_ERRLEN];

	if (units == NULL)
		return 0;
	if (directory_check(units, why) != 0)
		return ld_fail(err, LD_EREFUSED,
		    _("the server sent a malformed unit directory: %s"), why);
	return store_hashed(lg, "units", units, err);
}

int
sync_enroll(struct ledger *lg, const char *url, const char *code,
    const char *ca_pem, const char *pin, const char *token_path, char *err)
{
	struct net_response r;
	struct net_opts no;
	struct net *n;
	json_t *req, *ans = NULL;
	const char *token, *unit, *role;
	char *body, *dict;
	int fd, rc;

	memset(&no, 0, sizeof no);
	no.url = url;
	no.ca_pem = ca_pem;
	no.pin = pin;
	no.connect_timeout = 20;
	no.stall_timeout = 60;
	if ((rc = net_new(&no, &n, err)) != 0)
		return rc;
	req = json_object();
	json_object_set_new(req, "station", json_string(ledger_station(lg)));
	json_object_set_new(req, "code", json_string(code));
	/* Checked by the server before it changes anything (protocol.md). */
	json_object_set_new(req, "unit", json_string(ledger_unit(lg)));
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	rc = net_request(n, "POST", PATH_ENROLL, "application/json", NULL, body,
	    strlen(body), 1u << 20, &r, err);
	free(body);
	net_free(n);
	if (rc != 0)
		return rc;
	if (r.status == 409) {
		/* Set up for another unit than the county has it: the code
		 * stays valid for a station set up again. */
		json_t *o = json_loadb(r.body, r.len, 0, NULL);
		rc = ld_fail(err, LD_ECONFIG, "%s", json_string_value(
		    json_object_get(o, "error")) ?: _("wrong unit"));
		json_decref(o);
		net_response_release(&r);
		return rc;
	}
	if (r.status != 200) {
		rc = refused(&r, err);
		net_response_release(&r);
		return rc;
	}
	ans = cjson_parse(r.body, r.len, PROTO_ANSWER_DEPTH, err);
	net_response_release(&r);
	token = json_string_value(json_object_get(ans, "token"));
	unit = json_string_value(json_object_get(ans, "unit"));
	role = json_string_value(json_object_get(ans, "role"));
	if (token == NULL || unit == NULL) {
		json_decref(ans);
		return ld_fail(err, LD_EREFUSED, _("the server's answer has no token"));
	}
	if (strcmp(unit, ledger_unit(lg)) != 0) {
		rc = ld_fail(err, LD_ECONFIG,
		    _("the server enrolled this station for unit '%s' but it was initialized for '%s'"),
		    unit, ledger_unit(lg));
		json_decref(ans);
		return rc;
	}
	unlink(token_path);
	fd = open(token_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, token, strlen(token)) != (ssize_t)strlen(token) ||
	    write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
		rc = ld_fail(err, LD_EFULL, _("cannot write token '%s': %s"),
		    token_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		json_decref(ans);
		return rc;
	}
	close(fd);
	dict = xasprintf("%lld", (long long)json_integer_value(
	    json_object_get(ans, "dict")));
	if ((rc = ledger_begin(lg, err)) == 0 &&
	    (rc = store_profile(lg, json_object_get(ans, "profile"), err)) == 0 &&
	    (rc = store_calendar(lg, json_object_get(ans, "calendar"),
	    err)) == 0 &&
	    (rc = store_units(lg, json_object_get(ans, "units"), err)) == 0 &&
	    (rc = ledger_meta_set(lg, "server_url", url, err)) == 0 &&
	    (rc = ledger_meta_set(lg, "epoch", "0", err)) == 0 &&
	    (!role_valid(role) ||
	    (rc = ledger_meta_set(lg, "role", role, err)) == 0) &&
	    (rc = ledger_meta_set(lg, "server_dict", dict, err)) == 0 &&
	    (ca_pem == NULL ||
	    (rc = ledger_meta_set(lg, "server_ca", ca_pem, err)) == 0) &&
	    (pin == NULL ||
	    (rc = ledger_meta_set(lg, "server_pin", pin, err)) == 0))
		rc = ledger_commit(lg, err);
	if (rc != 0)
		ledger_rollback(lg);
	json_decref(ans);
	free(dict);
	return rc;
}

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Picks the codec: the dictionary when the server uses the same one. */
static int
open_codec(struct ledger *lg, const struct sync_opts *o, struct codec **c,
    char *err)
{
	const char *path = o->dict_path;
	char *shipped = xasprintf("%s/liandong.dict", paths_data());
	int64_t server_dict = ledger_meta_int(lg, "server_dict", 0);
	int same = 0;

	if (path == NULL)
		path = getenv("LIANDONG_DICT");
	if (path == NULL && access(shipped, R_OK) == 0)
		path = shipped;
	if (path != NULL && server_dict != 0 &&
	    codec_load(path, 19, c, NULL) == 0) {
		if (!(same = codec_dict_id(*c) == (unsigned)server_dict))
			codec_free(*c);
	}
	free(shipped);
	return same ? 0 : codec_new(NULL, 0, 19, c, err);
}

struct batch {
	FILE *f;
	long n;
	int64_t last_seq;
};

static int
add_event(const char *raw, size_t len, void *arg)
{
	struct batch *b = arg;

	fwrite(raw, 1, len, b->f);
	fputc('\n', b->f);
	b->n++;
	return 0;
}

/*
 * Where this station stands with the server, kept in the ledger's meta
 * table: read once when a sync starts, changed in memory as answers
 * come, and written with each answer in its transaction (state_write).
 */
struct sync_state {
	int64_t acked;         /* "acked": own seq the server holds */
	int64_t cursor;        /* "cursor": where the next pull starts */
	int64_t epoch;         /* "epoch": this copy's, from the server */
	int64_t backlog;       /* "server_backlog": events waiting there */
	int64_t compact;       /* "server_compact": 1 once the server said
				  it reads compact headers (proto.h) */
	/* "<doc>_hash": the county's documents held (store_hashed). */
	char held[PROTO_DOCS][HASH_HEX];
};

static void
state_read(struct ledger *lg, struct sync_state *st)
{
	int i;

	memset(st, 0, sizeof *st);
	st->acked = ledger_meta_int(lg, "acked", 0);
	st->cursor = ledger_meta_int(lg, "cursor", 0);
	st->epoch = ledger_meta_int(lg, "epoch", 0);
	st->backlog = ledger_meta_int(lg, "server_backlog", 0);
	st->compact = ledger_meta_int(lg, "server_compact", 0);
	for (i = 0; i < PROTO_DOCS; i++) {
		char *key = xasprintf("%s_hash", proto_doc_names[i]), *ph = NULL;

		if (ledger_meta_get(lg, key, &ph, NULL) == 0 && ph != NULL)
			ld_strlcpy(st->held[i], ph, HASH_HEX);
		free(ph);
		free(key);
	}
}

/* Writes the numbers of st (the documents are written as they come, by
 * store_hashed), in the caller's transaction. */
static int
state_write(struct ledger *lg, const struct sync_state *st, char *err)
{
	static const char *const keys[] = { "acked", "cursor", "epoch",
		"server_backlog", "server_compact" };
	const int64_t v[] = { st->acked, st->cursor, st->epoch, st->backlog,
		st->compact };
	char num[32];
	size_t i;
	int rc;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		snprintf(num, sizeof num, "%lld", (long long)v[i]);
		if ((rc = ledger_meta_set(lg, keys[i], num, err)) != 0)
			return rc;
	}
	return 0;
}

/* Builds the compressed body of one request: at most limit events
 * (PROTO_PUSH_BATCH when 0). */
static int
build_request(struct ledger *lg, struct codec *c, const struct sync_state *st,
    int64_t acked, size_t limit, int want_heads, int64_t own, void **body,
    size_t *len, long *n, int *final, char *err)
{
	struct proto_request h;
	struct batch eb = { NULL, 0, 0 };
	char *evbuf = NULL, *hs, *plain;
	size_t evlen = 0, hl;
	int more = 0, rc;

	memset(&h, 0, sizeof h);
	if ((rc = ledger_digest(lg, &h.digest, err)) != 0)
		return rc;
	h.cursor = st->cursor;
	h.acked = acked;
	h.heads = want_heads;
	h.compact = st->compact != 0;
	/* Which copy of the station's database this is (api.c, copies). */
	h.epoch = st->epoch;
	/* Ask for this station's own events after own, pushing none. */
	h.own = own;
	/* What the station holds of the county's documents. */
	memcpy(h.held, st->held, sizeof h.held);
	/* The events first, to know whether this batch is final. */
	eb.f = open_memstream(&evbuf, &evlen);
	if (own < 0)
		rc = ledger_own_after(lg, acked, limit > 0 && limit <
		    PROTO_PUSH_BATCH ? limit : PROTO_PUSH_BATCH,
		    PROTO_PUSH_BYTES, add_event, &eb, &more, err);
	else
		more = 1; /* its own events wait for the server's */
	fclose(eb.f);
	if (rc != 0) {
		free(evbuf);
		return rc;
	}
	h.final = !more;
	/* The header goes first; events follow. */
	hs = proto_request_encode(&h);
	hl = strlen(hs);
	plain = xmalloc(hl + 1 + evlen);
	memcpy(plain, hs, hl);
	plain[hl] = '\n';
	memcpy(plain + hl + 1, evbuf, evlen);
	rc = codec_compress(c, plain, hl + 1 + evlen, body, len, err);
	free(plain);
	free(hs);
	free(evbuf);
	*n = eb.n;
	*final = !more;
	return rc;
}

/* Remembers the own events the server quarantined (meta "quarantined":
 * [{"seq", "reason"}], the last QUARANTINE_KEEP), so that `status` can
 * say which and why; each is also told on stderr once. */
#define QUARANTINE_KEEP 100

json_t *
sync_quarantined(struct ledger *lg)
{
	json_t *all = NULL;
	char *text = NULL;

	if (ledger_meta_get(lg, "quarantined", &text, NULL) == 0 && text != NULL)
		all = json_loads(text, 0, NULL);
	free(text);
	if (!json_is_array(all)) {
		json_decref(all);
		all = json_array();
	}
	return all;
}

static int
store_quarantined(struct ledger *lg, const json_t *q, char *err)
{
	json_t *all, *item;
	char *text;
	size_t i;
	int rc;

	if (json_array_size(q) == 0)
		return 0;
	all = sync_quarantined(lg);
	json_array_foreach(q, i, item) {
		fprintf(stderr, _("liandong: warning: the server quarantined event %lld: %s\n"),
		    (long long)json_integer_value(json_object_get(item, "seq")),
		    json_string_value(json_object_get(item, "reason")));
		json_array_append(all, item);
	}
	while (json_array_size(all) > QUARANTINE_KEEP)
		json_array_remove(all, 0);
	text = json_dumps(all, JSON_COMPACT);
	rc = ledger_meta_set(lg, "quarantined", text, err);
	free(text);
	json_decref(all);
	return rc;
}

/*
 * A station whose database went back in time (restored from an older
 * copy, docs/protocol.md) gets its own events back from the server. One
 * of them that this database holds differently, under the same seq, was
 * recorded here and never reached the server: it, and every own event
 * after it, are set aside (meta "set_aside", JSON) to be recorded again
 * once the server's have all arrived (renumber). Returns 0 when line was
 * such an event and the way is clear for it, else LD_EFORK.
 */
static int
take_back(struct ledger *lg, int64_t acked, const char *line, size_t len,
    char *err)
{
	json_t *o = json_loadb(line, len, 0, NULL), *aside = NULL;
	const char *station = json_string_value(json_object_get(o, "station"));
	int64_t seq = json_integer_value(json_object_get(o, "seq"));
	char *text = NULL;
	int rc = LD_EFORK;

	if (station != NULL && strcmp(station, ledger_station(lg)) == 0 &&
	    seq > acked) {
		if (ledger_meta_get(lg, "set_aside", &text, NULL) == 0 &&
		    text != NULL)
			aside = json_loads(text, 0, NULL);
		if (!json_is_array(aside)) {
			json_decref(aside);
			aside = json_array();
		}
		if ((rc = ledger_set_aside(lg, seq, aside, err)) == 0) {
			char *t = json_dumps(aside, JSON_COMPACT);
			rc = ledger_meta_set(lg, "set_aside", t, err);
			free(t);
		}
	}
	free(text);
	json_decref(aside);
	json_decref(o);
	return rc;
}

/* Records again, after the server's, what take_back set aside, and says
 * which records got new ids. */
static int
renumber(struct ledger *lg, char *err)
{
	json_t *aside = NULL, *renamed;
	char *text = NULL;
	int rc;

	if (ledger_meta_get(lg, "set_aside", &text, NULL) != 0 || text == NULL)
		return 0;
	aside = json_loads(text, 0, NULL);
	free(text);
	if (json_array_size(aside) == 0) {
		json_decref(aside);
		return 0;
	}
	renamed = json_object();
	if ((rc = ledger_rerecord(lg, aside, renamed, err)) == 0 &&
	    (rc = ledger_meta_set(lg, "set_aside", "[]", err)) == 0) {
		const char *old;
		json_t *now;

		fprintf(stderr, _("liandong: warning: this station's database was behind the county server (restored from an older copy?): %zu events recorded here since were numbered again after the server's\n"),
		    json_array_size(aside));
		json_object_foreach(renamed, old, now)
			fprintf(stderr, _("liandong: warning: record %s is now %s\n"),
			    old, json_string_value(now));
	}
	json_decref(renamed);
	json_decref(aside);
	return rc;
}

/*
 * Receipts (docs/rules.md, "What a deadline counts from"). A record
 * addressed to this unit (its creating kind grants the unit named in
 * its body PART_ADDRESSEE) of a type with deadlines owed from receipt
 * (registry.h, from_receipt) was delivered here when the county server
 * first held it: the answer says when ("received"). The agent records
 * that as "<type>.received" (basis "server"), with those deadlines
 * counted again from it under the county's profile, in the transaction
 * that applies the record: a crash loses both or neither, and the
 * record's "received" being set (by this station, another station of
 * the unit, or a paper receipt) means none is recorded again.
 */

/* The author of the receipts the agent records by itself. */
#define RECEIPT_AUTHOR "联动系统"

/* Adds [entity, received_at] to due when ev, just taken in, creates a
 * record addressed to this unit that owes from receipt. ev is the event
 * as ledger_receive_event parsed it: nothing is parsed again. */
static void
receipt_wanted(struct ledger *lg, const struct event *ev, const json_t *at,
    json_t *due)
{
	const struct kind_info *k = kind_find(ev->kind);
	json_t *to;

	if (k != NULL && k->creates && k->auth.part == PART_ADDRESSEE &&
	    k->auth.grant != NULL && k->etype->from_receipt != NULL &&
	    json_is_integer(at) && json_integer_value(at) > 0 &&
	    (to = json_object_get(ev->body, k->auth.grant)) != NULL &&
	    fold_is_unit(to, ledger_unit(lg)))
		json_array_append_new(due, json_pack("[s, O]", ev->entity, at));
}

/* The county's profile and calendar as this station holds them (what
 * the server sent; else the shipped calendars); *p may be NULL. */
static void
county_rules(struct ledger *lg, struct profile **p, struct calendar **cal)
{
	const char *dir_env = getenv("LIANDONG_CALENDAR");
	char *text = NULL, err[LD_ERRLEN];
	int have_cal = 0;
	json_t *o;

	*p = NULL;
	*cal = calendar_new();
	if (ledger_meta_get(lg, "profile", &text, NULL) == 0 && text != NULL) {
		if ((o = json_loads(text, 0, NULL)) != NULL)
			profile_from_json(o, p, NULL);
		json_decref(o);
		free(text);
		text = NULL;
	}
	if (ledger_meta_get(lg, "calendar", &text, NULL) == 0 && text != NULL) {
		o = json_loads(text, 0, NULL);
		have_cal = o != NULL && calendar_add_texts(*cal, o, err) == 0;
		json_decref(o);
		free(text);
		if (!have_cal) {
			calendar_free(*cal);
			*cal = calendar_new();
		}
	}
	if (!have_cal) {
		char *dir = dir_env != NULL ? xstrdup(dir_env) :
		    xasprintf("%s/calendar", paths_data());
		(void)calendar_load_dir(*cal, dir, err);
		free(dir);
	}
}

/* Records the receipts due ([[entity, received_at]...]) of records
 * that have none yet; *n gets how many. Inside the caller's
 * transaction. */
static int
record_receipts(struct ledger *lg, const json_t *due, int *n, char *err)
{
	struct profile *p = NULL;
	struct calendar *cal = NULL;
	json_t *item, *doc, *body, *aud;
	char kind[64], kerr[LD_ERRLEN];
	int64_t at, now;
	size_t i;
	int rc = 0;

	json_array_foreach(due, i, item) {
		const char *entity = json_string_value(json_array_get(item, 0));

		doc = NULL;
		/* Not held as a record (its creating event was refused by
		 * the fold): nothing to receive. */
		if ((rc = ledger_get(lg, entity, &doc, err)) == LD_ENOTFOUND) {
			rc = 0;
			continue;
		}
		if (rc != 0)
			break;
		if (json_object_get(doc, "received") != NULL) {
			json_decref(doc);
			continue;
		}
		if (cal == NULL)
			county_rules(lg, &p, &cal);
		snprintf(kind, sizeof kind, "%s.received",
		    json_string_value(json_object_get(doc, "type")));
		/* A record addressed here that this station's role may not
		 * answer (another station's hostile "to"): no receipt, and
		 * the pull goes on; the server would refuse it anyway. */
		if (ledger_may_write(lg, kind, kerr) != 0) {
			json_decref(doc);
			continue;
		}
		/* Never before it was sent nor before the sender recorded it
		 * (the server cannot have held it earlier, and a clock that
		 * says so would count from a time that never was), nor after
		 * now. A record sent in the future (a sender's --sent-at)
		 * gets no automatic receipt: the earliest receipt stands, and
		 * this one would put the unit's deadline off for good. */
		now = ltime_now();
		at = json_integer_value(json_array_get(item, 1));
		if (fold_sent_at(doc) > at)
			at = fold_sent_at(doc);
		if (json_integer_value(json_object_get(doc, "created_at")) > at)
			at = json_integer_value(json_object_get(doc,
			    "created_at"));
		if (at > now)
			at = now;
		if (fold_receipt_refused(doc, at, now, 0) != NULL) {
			json_decref(doc);
			continue;
		}
		body = form_receipt_body(p, cal, doc, at, "server");
		/* To the sender and this unit only: the record's own audience
		 * may have grown past what one event may name. */
		aud = json_array();
		json_array_append_new(aud, json_string(ledger_unit(lg)));
		if (json_is_string(json_object_get(doc, "unit")) &&
		    !json_equal(json_object_get(doc, "unit"),
		    json_array_get(aud, 0)))
			json_array_append(aud, json_object_get(doc, "unit"));
		rc = ledger_record(lg, kind, entity, RECEIPT_AUTHOR, aud, body,
		    NULL, NULL, kerr);
		json_decref(aud);
		json_decref(body);
		json_decref(doc);
		/* A body the schema refuses (a record sent with fields no
		 * receipt can carry), or one too big: no receipt, not a
		 * failed pull. */
		if (rc == LD_EINVAL || rc == LD_ETOOBIG) {
			rc = 0;
			continue;
		}
		if (rc != 0) {
			ld_strlcpy(err, kerr, LD_ERRLEN);
			break;
		}
		(*n)++;
	}
	profile_free(p);
	if (cal != NULL)
		calendar_free(cal);
	return rc;
}

/*
 * The events of an answer are parsed and checked (event_parse_canonical:
 * the JSON, the fields, the canonical encoding and its SHA-256) on a
 * second thread while the main thread stores the ones before them
 * (aside.h): on two cores the check of event i+1 overlaps the storing of
 * event i. The parser touches nothing but the answer's text and its own
 * slots; the ledger (its SQLite connection) stays with the main thread,
 * which takes each event in the answer's order, once it is checked, and
 * refuses it as before if its check failed: every event is checked, only
 * earlier. A short answer is parsed on the main thread, as it comes.
 */
#define PARSE_AHEAD_MIN 16 /* events in an answer worth a thread */

struct parsed {
	struct event ev;
	char *canon;           /* owned until handed to the ledger */
	int rc;
	char err[LD_ERRLEN];
};

struct parser {
	struct aside aside;
	const char *buf;       /* borrowed: the answer's events */
	size_t len;
	size_t *at;            /* owned: where line i starts (ndjson_next) */
	struct parsed *p;      /* owned: one slot per line; NULL: not started */
	size_t lines;
};

static void
parse_one(void *arg, size_t i)
{
	struct parser *ps = arg;
	struct parsed *p = &ps->p[i];
	size_t pos = ps->at[i], n;
	const char *line;

	p->err[0] = '\0';
	if (!ndjson_next(ps->buf, ps->len, &pos, &line, &n))
		line = "", n = 0; /* not reached: the lines were counted */
	p->rc = event_parse_canonical(line, n, &p->ev, &p->canon, p->err);
}

/* Starts parsing the events in buf[0..len) (the answer past its header
 * line), on a thread when there are enough of them. */
static void
parser_start(struct parser *ps, const char *buf, size_t len)
{
	const char *line;
	size_t pos = 0, n, cap = 64, at = 0;

	memset(ps, 0, sizeof *ps);
	ps->buf = buf;
	ps->len = len;
	ps->at = xcalloc(cap, sizeof *ps->at);
	while (ndjson_next(buf, len, &pos, &line, &n)) {
		if (ps->lines == cap)
			ps->at = xrealloc(ps->at, (cap *= 2) * sizeof *ps->at);
		ps->at[ps->lines++] = at;
		at = pos;
	}
	ps->p = xcalloc(ps->lines ? ps->lines : 1, sizeof *ps->p);
	aside_start(&ps->aside, ps->lines, PARSE_AHEAD_MIN, parse_one, ps);
}

/* The i-th event of the answer, once parsed. */
static struct parsed *
parser_get(struct parser *ps, size_t i)
{
	aside_take(&ps->aside, i);
	return &ps->p[i];
}

/* Stops the parser (the main thread may have stopped early) and drops
 * what it parsed that was not taken. */
static void
parser_end(struct parser *ps)
{
	size_t i;

	aside_end(&ps->aside);
	for (i = 0; ps->p != NULL && i < ps->lines; i++) {
		event_release(&ps->p[i].ev);
		free(ps->p[i].canon);
	}
	free(ps->p);
	free(ps->at);
	ps->p = NULL;
	ps->at = NULL;
	ps->lines = 0;
}

/* Applies one answer in one transaction; its header into h (release
 * it with proto_answer_release when this returns 0); *receipts: how many
 * receipts it recorded, which are then to be pushed. ps: its events'
 * parser, zeroed, or started already on them (ahead_unpack); ended here
 * whatever this returns. */
static int
apply_answer(struct ledger *lg, struct sync_state *st, const char *buf,
    size_t len, struct parser *ps, struct proto_answer *h, long *added,
    int *receipts, char *err)
{
	struct sync_state now = *st;
	const char *line;
	size_t pos = 0, n, i = 0;
	json_t *due = NULL;
	int rc, a;

	memset(h, 0, sizeof *h);
	if (!ndjson_next(buf, len, &pos, &line, &n) ||
	    proto_answer_decode(line, n, h, err) != 0) {
		parser_end(ps);
		return ld_fail(err, LD_EREFUSED, _("malformed answer from the server"));
	}
	if ((rc = ledger_begin(lg, err)) != 0) {
		parser_end(ps);
		proto_answer_release(h);
		return rc;
	}
	due = json_array();
	if (ps->p == NULL) /* not started ahead (ahead_unpack) */
		parser_start(ps, buf + pos, len - pos);
	while (ndjson_next(buf, len, &pos, &line, &n)) {
		struct parsed *p = parser_get(ps, i);
		struct event ev;

		if ((rc = p->rc) != 0) {
			event_init(&ev);
			ld_strlcpy(err, p->err, LD_ERRLEN);
		} else {
			rc = ledger_receive_parsed(lg, &p->ev, p->canon, &a,
			    &ev, err);
			p->canon = NULL; /* freed by the ledger */
		}
		if (rc == LD_EFORK && (rc = take_back(lg, st->acked, line, n,
		    err)) == 0) {
			event_release(&ev);
			rc = ledger_receive_event(lg, line, n, &a, &ev, err);
		}
		if (rc == 0 && a > 0)
			receipt_wanted(lg, &ev, json_array_get(h->received, i),
			    due);
		event_release(&ev);
		if (rc != 0)
			goto fail;
		*added += a;
		i++;
	}
	parser_end(ps);
	if (!h->own_more && (rc = renumber(lg, err)) != 0)
		goto fail;
	now.acked = h->acked;
	now.cursor = h->cursor;
	now.backlog = h->backlog;
	if (h->reads_compact)
		now.compact = 1;
	if (h->epoch != 0)
		now.epoch = h->epoch;
	if ((rc = state_write(lg, &now, err)) != 0)
		goto fail;
	if ((rc = store_quarantined(lg, h->quarantined, err)) != 0 ||
	    (rc = store_profile(lg, h->docs[PROTO_PROFILE], err)) != 0 ||
	    (rc = store_next_ca(lg, h->docs[PROTO_NEXT_CA], err)) != 0 ||
	    (rc = store_calendar(lg, h->docs[PROTO_CALENDAR], err)) != 0 ||
	    (rc = store_units(lg, h->docs[PROTO_UNITS], err)) != 0)
		goto fail;
	/* After the county's documents: the profile may have come with it. */
	if ((rc = record_receipts(lg, due, receipts, err)) != 0)
		goto fail;
	if ((rc = ledger_commit(lg, err)) != 0)
		goto fail;
	json_decref(due);
	/* The documents' hashes as store_hashed kept them. */
	if (h->docs[PROTO_PROFILE] != NULL || h->docs[PROTO_CALENDAR] != NULL ||
	    h->docs[PROTO_UNITS] != NULL || h->docs[PROTO_NEXT_CA] != NULL)
		state_read(lg, &now);
	*st = now;
	return 0;
fail:
	parser_end(ps);
	ledger_rollback(lg);
	proto_answer_release(h);
	json_decref(due);
	return rc;
}

static int
same_digest(struct ledger *lg, const struct proto_answer *h)
{
	struct digest d;

	if (!h->has_digest || ledger_digest(lg, &d, NULL) != 0)
		return 0;
	return proto_digest_same(&d, &h->digest);
}

void
sync_token_id(const char *token_path, char id[SYNC_TOKEN_ID_LEN])
{
	char hash[HASH_HEX], *text = NULL, *salted, sig[TEXTFILE_SIG_LEN];

	if (textfile_signature(token_path, sig) != 0) {
		ld_strlcpy(id, "-", SYNC_TOKEN_ID_LEN);
		return;
	}
	/* The content's hash, salted so that what the database keeps is not
	 * the hash of the credential itself. */
	if (textfile_read(token_path, 4096, &text, NULL) != 0)
		text = xstrdup("");
	salted = xasprintf("liandong token id\n%s", text);
	hash_hex(salted, strlen(salted), hash);
	free(salted);
	free(text);
	snprintf(id, SYNC_TOKEN_ID_LEN, "%s:%s", sig, hash);
}

int
sync_token_refused(struct ledger *lg, const char *token_path, int64_t *at)
{
	char now[SYNC_TOKEN_ID_LEN], *refused = NULL;
	int same;

	if (ledger_meta_get(lg, "token_refused", &refused, NULL) != 0 ||
	    refused == NULL || *refused == '\0') {
		free(refused);
		return 0;
	}
	sync_token_id(token_path, now);
	same = strcmp(now, refused) == 0;
	free(refused);
	if (same && at != NULL)
		*at = ledger_meta_int(lg, "token_refused_at", 0);
	return same;
}

/* Records how the run ended: last_sync (and the release told), or
 * last_error; and which token the server refused (token_id, read before
 * the run), or that it took the token after all. */
static void
record_outcome(struct ledger *lg, int rc, const char *msg,
    const char *token_id)
{
	char num[32];

	if (ledger_begin(lg, NULL) != 0)
		return;
	snprintf(num, sizeof num, "%lld", (long long)ltime_now());
	if (rc == 0) {
		ledger_meta_set(lg, "last_sync", num, NULL);
		ledger_meta_set(lg, "last_error", "", NULL);
		ledger_meta_set(lg, "token_refused", "", NULL);
		/* The server has this release now (open_net). */
		ledger_meta_set(lg, "version_told", LIANDONG_VERSION, NULL);
	} else {
		ledger_meta_set(lg, "last_error", msg, NULL);
		ledger_meta_set(lg, "last_error_at", num, NULL);
	}
	if (rc == LD_EAUTH) {
		ledger_meta_set(lg, "token_refused", token_id, NULL);
		ledger_meta_set(lg, "token_refused_at", num, NULL);
	}
	if (ledger_commit(lg, NULL) != 0)
		ledger_rollback(lg);
}

/*
 * A 422 names the first event whose clock the server refused (a station
 * clock set ahead, or a database set back): the events before it are
 * pushed alone, so that one wrong clock does not hold back what was
 * recorded before it. Sets *limit and returns 0 when there are such
 * events; otherwise leaves the refusal to the caller.
 */
static int
clock_limit(const struct net_response *r, int64_t acked, size_t *limit)
{
	json_t *o = json_loadb(r->body, r->len, 0, NULL);
	json_int_t seq = json_integer_value(json_object_get(o, "seq"));

	json_decref(o);
	if (seq <= acked + 1 || (*limit != 0 && (size_t)(seq - acked - 1) >=
	    *limit))
		return -1;
	*limit = (size_t)(seq - acked - 1);
	return 0;
}

/* Tells once per run when this station's clock and the server's (the
 * answer's "time") are more than SKEW_WARN_MS apart: the events it
 * records carry its clock, and the server refuses those far ahead. */
#define SKEW_WARN_MS (10 * 60 * 1000)

static void
warn_skew(const struct proto_answer *h, int *warned)
{
	int64_t skew;

	if (*warned || h->time == 0)
		return;
	skew = ltime_now() - h->time;
	if (skew > SKEW_WARN_MS || skew < -SKEW_WARN_MS) {
		char server[LTIME_LEN];

		ltime_format(h->time, server);
		fprintf(stderr, skew > 0 ?
		    _("liandong: warning: this station's clock is %lld minutes ahead of the county server's (%s): set it right\n") :
		    _("liandong: warning: this station's clock is %lld minutes behind the county server's (%s): set it right\n"),
		    (long long)(skew > 0 ? skew : -skew) / 60000, server);
		*warned = 1;
	}
}

/* A 409 fork that says the server holds more of this station's chain
 * than acked: *own = acked, to ask for the events after it. */
static int
behind(const struct net_response *r, int64_t acked, int64_t *own)
{
	json_t *o = json_loadb(r->body, r->len, 0, NULL);
	int rc = -1;

	if (json_is_true(json_object_get(o, "fork")) &&
	    json_integer_value(json_object_get(o, "acked")) > acked) {
		*own = acked;
		rc = 0;
	}
	json_decref(o);
	return rc;
}

/*
 * What this station holds beyond the server lives in one meta key,
 * "beyond_server": {"count": n, "stations": {"s": n}}; none when absent.
 *
 * Legacy: databases written before it kept the count twice, in
 * "beyond_count" as well, and when nothing was beyond any more reset
 * only "beyond_count" to "0", leaving "beyond_server" as it was. A
 * "beyond_count" of "0" therefore means none, whatever "beyond_server"
 * says. keep_beyond retires the old key (an empty value: the meta table
 * has no delete) the first time it writes, so it never speaks again.
 */
#define BEYOND_KEY "beyond_server"
#define BEYOND_LEGACY_KEY "beyond_count"

json_t *
sync_beyond(struct ledger *lg)
{
	char *text = NULL, *legacy = NULL;
	json_t *o = NULL;

	ledger_meta_get(lg, BEYOND_LEGACY_KEY, &legacy, NULL);
	if ((legacy == NULL || strcmp(legacy, "0") != 0) &&
	    ledger_meta_get(lg, BEYOND_KEY, &text, NULL) == 0 && text != NULL)
		o = json_loads(text, 0, NULL);
	free(text);
	free(legacy);
	if (json_is_object(o) &&
	    json_is_integer(json_object_get(o, "count")) &&
	    json_is_object(json_object_get(o, "stations")))
		return o;
	json_decref(o);
	return json_pack("{s:i, s:{}}", "count", 0, "stations");
}

/* The count sync_beyond reads. */
static int64_t
beyond_count(struct ledger *lg)
{
	json_t *o = sync_beyond(lg);
	int64_t n = json_integer_value(json_object_get(o, "count"));

	json_decref(o);
	return n;
}

/* Keeps n events beyond the server, by_station of them (NULL when n is
 * 0), in one transaction with the old key's retirement. */
static int
keep_beyond(struct ledger *lg, int64_t n, const json_t *by_station,
    char *err)
{
	char *text, *legacy = NULL;
	json_t *o;
	int rc;

	if (n == 0 && beyond_count(lg) == 0)
		return 0;
	o = n == 0 ? json_pack("{s:i, s:{}}", "count", 0, "stations") :
	    json_pack("{s:I, s:O}", "count", (json_int_t)n, "stations",
	    by_station);
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	ledger_meta_get(lg, BEYOND_LEGACY_KEY, &legacy, NULL);
	if ((rc = ledger_begin(lg, err)) == 0) {
		if ((rc = ledger_meta_set(lg, BEYOND_KEY, text, err)) == 0 &&
		    legacy != NULL && legacy[0] != '\0')
			rc = ledger_meta_set(lg, BEYOND_LEGACY_KEY, "", err);
		if (rc == 0)
			rc = ledger_commit(lg, err);
		else
			ledger_rollback(lg);
	}
	free(legacy);
	free(text);
	return rc;
}

/*
 * The digests differ and the answer says what the server holds of each
 * chain (h's "heads"): when this station's digest without the events
 * beyond those heads equals the server's, the difference is only events
 * the server lost (restored from an older backup), which their stations
 * push again when they sync: it is kept and said once, and nothing is
 * re-pulled. Returns 0 when that explains the difference, 1 when it does
 * not (pull everything again), or an error.
 */
static int
beyond_server(struct ledger *lg, const struct proto_answer *h, char *err)
{
	struct digest d;
	json_t *by;
	int64_t n;
	int rc;

	if (h->heads == NULL || !h->has_digest)
		return 1;
	by = json_object();
	if ((rc = ledger_digest_within(lg, h->heads, &d, &n, by, err)) == 0) {
		if (n > 0 && proto_digest_same(&d, &h->digest)) {
			if (beyond_count(lg) != n)
				fprintf(stderr, ngettext("liandong: warning: this station holds %lld event the county server lacks (restored from an older backup?): it returns when the station that wrote it syncs\n",
				    "liandong: warning: this station holds %lld events the county server lacks (restored from an older backup?): they return when the stations that wrote them sync\n",
				    (unsigned long)n), (long long)n);
			rc = keep_beyond(lg, n, by, err);
		} else
			rc = 1;
	}
	json_decref(by);
	return rc;
}

/* A 409 for a gap carries the seq the server holds: resumes from there,
 * at most a few times per run. Returns 0 when it did. */
static int
gap_resume(struct ledger *lg, struct sync_state *st,
    const struct net_response *r, int *resumed, char *err)
{
	json_t *o = json_loadb(r->body, r->len, 0, NULL);
	json_t *acked = json_object_get(o, "acked");
	int rc = -1;

	if (json_is_integer(acked) && json_integer_value(acked) >= 0 &&
	    json_integer_value(acked) < st->acked && (*resumed)++ < 3) {
		st->acked = json_integer_value(acked);
		rc = state_write(lg, st, err);
	}
	json_decref(o);
	return rc;
}

/*
 * A pull sent ahead. While a long pull's answer is applied (most of the
 * agent's time on a fast link), the request for the next batch is
 * already at the server, on another thread: the server reads and packs
 * the next batch meanwhile. Only for a plain pull: nothing to push or
 * take back, no county document to keep first, more to come (ahead_ok).
 * The request is what run() would send once the answer is applied but
 * for its digest, which is of what this station held when it was sent
 * (the events being applied not yet in it). An answer that cannot be
 * applied leaves the one ahead unused, as a lost answer is: its events
 * come again with the next request from the cursor kept.
 */
/* A sync body's Content-Type and Content-Encoding: said to a server not
 * known to read compact headers (an older one refuses a body without
 * them, 415), left out with a compact header, to a server that reads a
 * body without them as zstd NDJSON (docs/protocol.md). */
#define SYNC_TYPE(compact) ((compact) ? NULL : "application/x-ndjson")
#define SYNC_ENCODING(compact) ((compact) ? NULL : "zstd")

struct ahead {
	pthread_t thread;
	int running;
	struct net *n;         /* borrowed: used by the thread alone */
	void *body;            /* owned until sent */
	size_t len;
	int64_t acked;         /* what the request says the server holds */
	int compact;           /* its header is compact */
	int rc;                /* of net_request, and its answer: */
	struct net_response r;
	double secs;
	char err[LD_ERRLEN];
	/* A 200 answer decompressed on the thread (owned; NULL when not:
	 * the main thread decompresses r then), and its events being
	 * checked from then on (owned, started when plain is set). */
	struct codec *c;       /* borrowed: the main thread does not use it
	                        * while the thread runs */
	void *plain;
	size_t plain_len;
	struct parser *ps;
};

/* Decompresses the answer come ahead and starts checking its events
 * at once, while the main thread still stores the last answer's: the
 * checks of the next batch overlap the last one's search rows, saved
 * records and commit, rather than start after them. Nothing is stored
 * here; apply_answer takes the events, checked or not yet, in order. A
 * failure leaves plain NULL: the main thread decompresses again, and
 * says why. */
static void
ahead_unpack(struct ahead *a)
{
	const char *line;
	size_t pos = 0, n;

	if (codec_decompress(a->c, a->r.body, a->r.len, MAX_ANSWER, &a->plain,
	    &a->plain_len, NULL) != 0) {
		a->plain = NULL;
		return;
	}
	if (!ndjson_next(a->plain, a->plain_len, &pos, &line, &n))
		return; /* no header line: refused by apply_answer */
	a->ps = xcalloc(1, sizeof *a->ps);
	parser_start(a->ps, (const char *)a->plain + pos, a->plain_len - pos);
}

/* Drops what ahead_unpack made of an answer that is not applied. */
static void
ahead_drop(struct ahead *a)
{
	if (a->ps != NULL) {
		parser_end(a->ps);
		free(a->ps);
		a->ps = NULL;
	}
	free(a->plain);
	a->plain = NULL;
}

static void *
ahead_send(void *arg)
{
	struct ahead *a = arg;
	double t0 = mono_s();

	a->rc = net_request(a->n, "POST", PATH_SYNC, SYNC_TYPE(a->compact),
	    SYNC_ENCODING(a->compact), a->body, a->len, MAX_ANSWER, &a->r,
	    a->err);
	a->secs = mono_s() - t0;
	free(a->body);
	a->body = NULL;
	if (a->rc == 0 && a->r.status == 200)
		ahead_unpack(a);
	return NULL;
}

/* 1 when the answer whose header line is plain[0..len) leaves a plain
 * pull to send next: see struct ahead. */
static int
ahead_ok(const char *plain, size_t len, int64_t acked, int64_t head,
    struct proto_answer *h)
{
	const char *line;
	size_t pos = 0, n;
	int ok, i;

	if (acked != head || !ndjson_next(plain, len, &pos, &line, &n) ||
	    proto_answer_decode(line, n, h, NULL) != 0)
		return 0;
	ok = h->more && h->acked == acked && h->own == 0 && !h->own_more &&
	    json_array_size(h->quarantined) == 0;
	for (i = 0; i < PROTO_DOCS; i++)
		ok = ok && h->docs[i] == NULL;
	if (!ok)
		proto_answer_release(h);
	return ok;
}

/* Sends, on its own thread, the pull that follows the answer h (decoded
 * by ahead_ok and released here) to a station at st. */
static int
ahead_start(struct ahead *a, struct ledger *lg, struct codec *c,
    struct net *n, const struct sync_state *st, struct proto_answer *h,
    char *err)
{
	struct sync_state next = *st;
	long sent;
	int final, rc;

	next.cursor = h->cursor;
	if (h->epoch != 0)
		next.epoch = h->epoch;
	a->acked = h->acked;
	a->compact = next.compact != 0;
	proto_answer_release(h);
	if ((rc = build_request(lg, c, &next, a->acked, 0, 0, -1, &a->body,
	    &a->len, &sent, &final, err)) != 0)
		return rc;
	a->n = n;
	a->c = c;
	if (sent != 0 || !final || pthread_create(&a->thread, NULL,
	    ahead_send, a) != 0) {
		free(a->body);
		a->body = NULL;
		return 0; /* sent the usual way, then */
	}
	a->running = 1;
	return 0;
}

/* Waits for the request sent ahead; its answer is then a->r when a->rc
 * is 0. */
static void
ahead_wait(struct ahead *a)
{
	if (a->running) {
		pthread_join(a->thread, NULL);
		a->running = 0;
	}
}

static int run_requests(struct ledger *lg, const struct sync_opts *o,
    struct net *n, struct codec *c, struct sync_report *rep,
    struct ahead *ah, char *err);

static int
run(struct ledger *lg, const struct sync_opts *o, struct net *n,
    struct codec *c, struct sync_report *rep, char *err)
{
	struct ahead ah;
	int rc;

	memset(&ah, 0, sizeof ah);
	rc = run_requests(lg, o, n, c, rep, &ah, err);
	if (ah.running) {
		/* Sent ahead of an answer that was not applied. */
		ahead_wait(&ah);
		if (ah.rc == 0)
			net_response_release(&ah.r);
	}
	ahead_drop(&ah);
	return rc;
}

static int
run_requests(struct ledger *lg, const struct sync_opts *o, struct net *n,
    struct codec *c, struct sync_report *rep, struct ahead *ah, char *err)
{
	int repaired = 0, resumed = 0, warned = 0, want_heads = 0, rc;
	int taken_back = 0;
	size_t limit = 0;
	int64_t head, own = -1;
	struct sync_state st;
	struct codec_pace pace = { 0, 0 };

	state_read(lg, &st);
	while (rep->requests < MAX_REQUESTS) {
		int64_t acked = st.acked;
		struct net_response r;
		void *body, *plain;
		size_t len, plain_len;
		long sent, added = 0;
		int final, more, receipts = 0, level;
		struct proto_answer h;
		struct parser ps_here = { .p = NULL }, *ps = &ps_here;
		double t0;

		/* Taking events back changes the chain: read it every time. */
		if ((rc = ledger_own_head(lg, &head, err)) != 0)
			return rc;
		if (acked > head)
			acked = head;
		if (ah->running) {
			/* The pull sent while the last answer was applied. */
			ahead_wait(ah);
			acked = ah->acked;
			len = ah->len;
			sent = 0;
			final = 1;
			if ((rc = ah->rc) != 0) {
				ld_strlcpy(err, ah->err, LD_ERRLEN);
				return rc;
			}
			r = ah->r;
			codec_pace_note(&pace, len + r.len, ah->secs);
		} else {
			level = codec_pace_level(&pace,
			    own < 0 ? head - acked : 0);
			if (level != codec_level(c) &&
			    (rc = codec_set_level(c, level, err)) != 0)
				return rc;
			if ((rc = build_request(lg, c, &st, acked, limit,
			    want_heads, own, &body, &len, &sent, &final,
			    err)) != 0)
				return rc;
			t0 = mono_s();
			rc = net_request(n, "POST", PATH_SYNC,
			    SYNC_TYPE(st.compact), SYNC_ENCODING(st.compact),
			    body, len, MAX_ANSWER, &r, err);
			free(body);
			if (rc != 0)
				return rc;
			codec_pace_note(&pace, len + r.len, mono_s() - t0);
		}
		rep->requests++;
		if (r.status == 409 && taken_back < 3 &&
		    behind(&r, acked, &own) == 0) {
			/* The server holds more of this station's chain than
			 * this database says: take its own events back first. */
			taken_back++;
			net_response_release(&r);
			continue;
		}
		if (r.status == 409 && gap_resume(lg, &st, &r, &resumed,
		    err) == 0) {
			/* The server holds less than it once said (restored from
			 * a backup): push again from what it holds. */
			net_response_release(&r);
			continue;
		}
		if (r.status == 422 && clock_limit(&r, acked, &limit) == 0) {
			net_response_release(&r);
			continue;
		}
		if (r.status == 400 && st.compact) {
			/* A server that reads no compact header (an older
			 * one put back): the long form from now on (kept
			 * with the next answer). */
			st.compact = 0;
			net_response_release(&r);
			continue;
		}
		if (r.status != 200) {
			rep->status = r.status;
			rc = refused(&r, err);
			net_response_release(&r);
			return rc;
		}
		if (ah->plain != NULL) {
			/* Decompressed, its events being checked already. */
			plain = ah->plain;
			plain_len = ah->plain_len;
			if (ah->ps != NULL)
				ps = ah->ps;
			ah->plain = NULL;
			ah->ps = NULL;
			rc = 0;
		} else
			rc = codec_decompress(c, r.body, r.len, MAX_ANSWER,
			    &plain, &plain_len, err);
		net_response_release(&r);
		if (rc != 0) /* err says why; the answer is the server's fault */
			return LD_EREFUSED;
		if (own < 0 && !want_heads && limit == 0 && sent == 0 &&
		    ahead_ok(plain, plain_len, acked, head, &h) &&
		    (rc = ahead_start(ah, lg, c, n, &st, &h, err)) != 0) {
			parser_end(ps);
			free(plain);
			if (ps != &ps_here)
				free(ps);
			return rc;
		}
		rc = apply_answer(lg, &st, plain, plain_len, ps, &h, &added,
		    &receipts, err);
		if (ps != &ps_here)
			free(ps);
		free(plain);
		if (rc != 0)
			return rc;
		warn_skew(&h, &warned);
		rep->pulled += added;
		rep->acked = h.acked;
		if (own >= 0 || (rep->acked > head && taken_back < 3)) {
			/* Own events came back (more to come?), or the server
			 * holds some this database lacks: ask for them. */
			if (own < 0)
				taken_back++;
			own = own >= 0 && !h.own_more ? -1 : -2;
			proto_answer_release(&h);
			if (own == -2 && (rc = ledger_own_head(lg, &own,
			    err)) != 0)
				return rc;
			continue;
		}
		if (limit > 0 && rep->acked > acked)
			limit = 0; /* pushed what came before; the refusal next */
		rep->pushed += rep->acked > acked ? (long)(rep->acked - acked) : 0;
		rep->backlog = h.backlog;
		more = h.more;
		if (o->progress)
			fprintf(stderr, "\r%s %ld, %s %ld, %s %lld        ",
			    _("pushed"), rep->pushed, _("pulled"), rep->pulled,
			    _("waiting at the server"), (long long)rep->backlog);
		/* Receipts recorded with what was pulled go up next. */
		if (!final || more || rep->acked < head || receipts > 0) {
			int stuck = rep->acked <= acked && sent > 0 && !more;
			proto_answer_release(&h);
			if (stuck)
				return ld_fail(err, LD_EREFUSED,
				    _("the server did not take events after seq %lld"),
				    (long long)acked);
			continue;
		}
		if (same_digest(lg, &h)) {
			rc = keep_beyond(lg, 0, NULL, err);
			proto_answer_release(&h);
			if (rc != 0)
				return rc;
			break;
		}
		if (!want_heads && !repaired) {
			/* Ask what the server holds of each chain first. */
			proto_answer_release(&h);
			want_heads = 1;
			continue;
		}
		if ((rc = beyond_server(lg, &h, err)) != 1 || repaired) {
			/* Held here, lost by the server: said, not re-pulled. */
			proto_answer_release(&h);
			if (rc < 0)
				return rc;
			break;
		}
		/* Anti-entropy: do not trust the cursor; pull it all. */
		proto_answer_release(&h);
		repaired = rep->repaired = 1;
		st.cursor = 0;
		if ((rc = state_write(lg, &st, err)) != 0)
			return rc;
	}
	rep->pending = head - rep->acked;
	return 0;
}

int
sync_run(struct ledger *lg, const struct sync_opts *o,
    struct sync_report *rep, char *err)
{
	struct codec *c = NULL;
	struct net *n = NULL;
	char *token = NULL, token_id[SYNC_TOKEN_ID_LEN];
	char *lock = xasprintf("%s.sync-lock", o->token_path);
	int rc, lfd;

	memset(rep, 0, sizeof *rep);
	/* A database exported to another computer never syncs again here. */
	if ((rc = ledger_check_not_moved(lg, err)) != 0) {
		free(lock);
		return rc;
	}
	/* One sync of a database at a time (the daemon's and one by hand):
	 * each answer's epoch must reach the database in the order given. */
	lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(lock);
	if (lfd >= 0 && flock(lfd, LOCK_EX) != 0) {
		close(lfd);
		lfd = -1;
	}
	/* Before reading it: a token enrolled meanwhile is never taken for
	 * the one refused. */
	sync_token_id(o->token_path, token_id);
	if ((rc = load_token(o->token_path, &token, err)) == 0 &&
	    (rc = open_net(lg, o, token, 0, &n, err)) == 0 &&
	    (rc = open_codec(lg, o, &c, err)) == 0)
		rc = run(lg, o, n, c, rep, err);
	/* The files after the events (blobsync.h). */
	if (rc == 0 && o->blob_dir != NULL) {
		rc = blobsync_run(lg, n, o->blob_dir, o->auto_fetch,
		    &rep->blobs, err);
		/* The summary's "N requests" counts the files' too. */
		rep->requests += rep->blobs.requests;
	}
	if (o->progress)
		fputc('\n', stderr);
	if (n != NULL)
		net_counters(n, &rep->bytes_up, &rep->bytes_down);
	record_outcome(lg, rc, rc != 0 && err != NULL ? err : "", token_id);
	codec_free(c);
	net_free(n);
	free(token);
	if (lfd >= 0)
		close(lfd); /* and the lock with it */
	return rc;
}

int
sync_remote_status(struct ledger *lg, const struct sync_opts *o,
    json_t **out, char *err)
{
	struct net_response r;
	struct net *n = NULL;
	char *token = NULL;
	int rc;

	*out = NULL;
	if ((rc = load_token(o->token_path, &token, err)) != 0 ||
	    (rc = open_net(lg, o, token, 0, &n, err)) != 0)
		goto out;
	rc = net_request(n, "GET", PATH_STATUS, NULL, NULL, NULL, 0, 65536, &r,
	    err);
	if (rc == 0) {
		if (r.status != 200)
			rc = refused(&r, err);
		else if ((*out = cjson_parse(r.body, r.len, PROTO_ANSWER_DEPTH,
		    err)) == NULL)
			rc = LD_EREFUSED;
		net_response_release(&r);
	}
out:
	net_free(n);
	free(token);
	return rc;
}

int
sync_fetch_blob(struct ledger *lg, const struct sync_opts *o,
    const char *hash, char *err)
{
	struct blobsync_report rep;
	struct net *n = NULL;
	char *token = NULL;
	int rc;

	memset(&rep, 0, sizeof rep);
	if ((rc = load_token(o->token_path, &token, err)) == 0 &&
	    (rc = open_net(lg, o, token, 0, &n, err)) == 0)
		rc = blobsync_fetch(lg, n, o->blob_dir, hash, &rep, err);
	net_free(n);
	free(token);
	return rc;
}
