/*
 * event.c - event encoding, hashing and envelope validation.
 *
 * The body is validated by kinds.c; this file checks the envelope and the
 * hash. The canonical text is cjson_encode of event_json(), so the hash of
 * an event does not depend on the order or spacing it arrived in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "event.h"
#include "kinds.h"
#include "text.h"
#include "util.h"

void
event_init(struct event *ev)
{
	memset(ev, 0, sizeof *ev);
}

void
event_release(struct event *ev)
{
	free(ev->unit);
	free(ev->author);
	free(ev->kind);
	free(ev->entity);
	json_decref(ev->audience);
	json_decref(ev->body);
	event_init(ev);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

void
event_copy(struct event *dst, const struct event *src)
{
	*dst = *src;
	dst->unit = dup_or_null(src->unit);
	dst->author = dup_or_null(src->author);
	dst->kind = dup_or_null(src->kind);
	dst->entity = dup_or_null(src->entity);
	dst->audience = src->audience ? json_deep_copy(src->audience) : NULL;
	dst->body = src->body ? json_deep_copy(src->body) : NULL;
}

json_t *
event_json(const struct event *ev, int with_hash)
{
	json_t *o = json_object();

	json_object_set_new(o, "v", json_integer(EVENT_VERSION));
	json_object_set_new(o, "station", json_string(ev->station));
	json_object_set_new(o, "seq", json_integer(ev->seq));
	json_object_set_new(o, "hlc", json_integer(ev->hlc));
	json_object_set_new(o, "at", json_integer(ev->at));
	json_object_set_new(o, "unit", json_string(ev->unit));
	json_object_set_new(o, "author", json_string(ev->author));
	json_object_set_new(o, "kind", json_string(ev->kind));
	json_object_set_new(o, "entity", json_string(ev->entity));
	json_object_set(o, "audience", ev->audience);
	json_object_set(o, "body", ev->body);
	json_object_set_new(o, "prev", json_string(ev->prev));
	if (with_hash)
		json_object_set_new(o, "hash", json_string(ev->hash));
	return o;
}

char *
event_canonical(const struct event *ev, int with_hash)
{
	json_t *o = event_json(ev, with_hash);
	char *s = cjson_encode(o, NULL);

	json_decref(o);
	if (s == NULL) {
		/* Only reachable if a caller skipped validation. */
		abort();
	}
	return s;
}

void
event_seal(struct event *ev)
{
	char *s = event_canonical(ev, 0);

	hash_hex(s, strlen(s), ev->hash);
	free(s);
}

static const char *
get_str(const json_t *o, const char *key, int *bad)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v)) {
		*bad = 1;
		return NULL;
	}
	return json_string_value(v);
}

int
event_from_json(const json_t *o, struct event *ev, char *err)
{
	static const char *const keys[] = { "v", "station", "seq", "hlc", "at",
		"unit", "author", "kind", "entity", "audience", "body", "prev",
		"hash", NULL };
	const char *key, *s;
	json_t *v;
	int bad = 0;
	size_t i;

	event_init(ev);
	if (!json_is_object(o))
		return ld_fail(err, LD_EINVAL, _("event is not a JSON object"));
	json_object_foreach((json_t *)o, key, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(keys[i], key) == 0)
				break;
		if (keys[i] == NULL)
			return ld_fail(err, LD_EINVAL,
			    _("unknown event field '%.40s'"), key);
	}
	v = json_object_get(o, "v");
	if (!json_is_integer(v) || json_integer_value(v) != EVENT_VERSION)
		return ld_fail(err, LD_EINVAL, _("unsupported event version"));
	for (i = 0; i < 3; i++) {
		static const char *const ints[] = { "seq", "hlc", "at" };
		v = json_object_get(o, ints[i]);
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return ld_fail(err, LD_EINVAL,
			    _("event field '%s' must be a positive integer"),
			    ints[i]);
	}
	ev->seq = json_integer_value(json_object_get(o, "seq"));
	ev->hlc = json_integer_value(json_object_get(o, "hlc"));
	ev->at = json_integer_value(json_object_get(o, "at"));

	s = get_str(o, "station", &bad);
	if (bad || !station_id_valid(s))
		return ld_fail(err, LD_EINVAL, _("invalid station id in event"));
	ld_strlcpy(ev->station, s, sizeof ev->station);
	s = get_str(o, "prev", &bad);
	if (bad || !hash_valid(s))
		return ld_fail(err, LD_EINVAL, _("invalid 'prev' in event"));
	memcpy(ev->prev, s, HASH_HEX);
	v = json_object_get(o, "hash");
	if (v != NULL) {
		if (!json_is_string(v) || !hash_valid(json_string_value(v)))
			return ld_fail(err, LD_EINVAL, _("invalid 'hash' in event"));
		memcpy(ev->hash, json_string_value(v), HASH_HEX);
	}
	if (get_str(o, "unit", &bad), get_str(o, "author", &bad),
	    get_str(o, "kind", &bad), get_str(o, "entity", &bad), bad)
		return ld_fail(err, LD_EINVAL,
		    _("event fields unit, author, kind and entity must be strings"));
	if (!json_is_array(json_object_get(o, "audience")) ||
	    !json_is_object(json_object_get(o, "body")))
		return ld_fail(err, LD_EINVAL,
		    _("event needs an 'audience' array and a 'body' object"));
	ev->unit = xstrdup(json_string_value(json_object_get(o, "unit")));
	ev->author = xstrdup(json_string_value(json_object_get(o, "author")));
	ev->kind = xstrdup(json_string_value(json_object_get(o, "kind")));
	ev->entity = xstrdup(json_string_value(json_object_get(o, "entity")));
	ev->audience = json_incref(json_object_get(o, "audience"));
	ev->body = json_incref(json_object_get(o, "body"));
	return 0;
}

/*
 * Reading an event's text (event_from_text): a stored one for the
 * re-fold, or any bytes a station pushed or the server answered
 * (event_parse_canonical). A canonical text (what insert_event stores,
 * cjson_encode's, and what agents send): the envelope's members in one
 * order, integers in decimal, strings between quotes, is read here
 * member by member, the body by cjson_read (jansson's when that gives
 * up); whatever this reader does not expect (an escape, spaces,
 * another order, a member missing or twice, a number it does not know to
 * be a positive integer) sends the text to the long way, cjson_parse and
 * event_from_json, which decide. So the event is the same either way,
 * and so is any refusal (test-event; fuzz-event compares the two ways).
 */
struct cut {
	const char *p, *end;
};

/* Steps past the bytes lit, if the text goes on with them. */
static int
cut_lit(struct cut *c, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
		return -1;
	c->p += n;
	return 0;
}

/* A plain string (cjson_plain_str): its bytes in *s, *n. */
static int
cut_str(struct cut *c, const char **s, size_t *n)
{
	size_t len;

	if ((len = cjson_plain_str(c->p, c->end)) == 0)
		return -1;
	*s = c->p + 1;
	*n = len - 2;
	c->p += len;
	return 0;
}

/* A positive integer of at most 18 digits (no overflow). */
static int
cut_int(struct cut *c, int64_t *v)
{
	int64_t x = 0;
	int n = 0;

	if (c->p >= c->end || *c->p < '1' || *c->p > '9')
		return -1;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		if (++n > 18)
			return -1;
		x = x * 10 + (*c->p++ - '0');
	}
	if (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E'))
		return -1;
	*v = x;
	return 0;
}

/* A string member into a new C string. */
static int
cut_dup(struct cut *c, const char *lit, char **out)
{
	const char *s;
	size_t n;

	if (cut_lit(c, lit) != 0 || cut_str(c, &s, &n) != 0)
		return -1;
	*out = xmalloc(n + 1);
	memcpy(*out, s, n);
	(*out)[n] = '\0';
	return 0;
}

/* A hash member (64 hex digits) into out. */
static int
cut_hash(struct cut *c, const char *lit, char out[HASH_HEX])
{
	const char *s;
	size_t n, i;
	int bad = 0;

	if (cut_lit(c, lit) != 0 || cut_str(c, &s, &n) != 0 ||
	    n != HASH_HEX - 1)
		return -1;
	/* What hash_valid checks, without a branch a digit (which of 0-9
	 * and a-f comes next is a coin toss, and a mispredicted branch
	 * each time took 6% of the re-fold). */
	for (i = 0; i < n; i++)
		bad |= (unsigned)((unsigned char)s[i] - '0') > 9 &&
		    (unsigned)((unsigned char)s[i] - 'a') > 5;
	if (bad)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* The audience: an array of plain strings. */
static int
cut_audience(struct cut *c, json_t **out)
{
	const char *s;
	size_t n;

	if (cut_lit(c, ",\"audience\":[") != 0)
		return -1;
	*out = json_array();
	if (cut_lit(c, "]") == 0)
		return 0;
	do {
		if (cut_str(c, &s, &n) != 0)
			return -1;
		json_array_append_new(*out, json_stringn(s, n));
	} while (cut_lit(c, ",") == 0);
	return cut_lit(c, "]");
}

/* The body, one level down in the event: read in the canonical form
 * (cjson_read), else the object up to its closing brace (strings stepped
 * over) parsed by jansson as cjson_parse would parse it inside the event. */
static int
cut_body(struct cut *c, json_t **out)
{
	const char *q, *start;
	int depth = 0, in_str = 0;
	size_t used;

	if (cut_lit(c, ",\"body\":") != 0 || c->p >= c->end || *c->p != '{')
		return -1;
	start = c->p;
	if ((*out = cjson_read(start, (size_t)(c->end - start),
	    CJSON_MAX_DEPTH - 1, &used)) != NULL) {
		c->p += used;
		return 0;
	}
	for (q = c->p; q < c->end; q++) {
		if (in_str) {
			if (*q == '\\') {
				if (++q == c->end)
					break;
			} else if (*q == '"')
				in_str = 0;
		} else if (*q == '"')
			in_str = 1;
		else if (*q == '{' || *q == '[')
			depth++;
		else if ((*q == '}' || *q == ']') && --depth == 0)
			break;
	}
	if (q >= c->end)
		return -1;
	c->p = q + 1;
	*out = cjson_parse(start, (size_t)(c->p - start), CJSON_MAX_DEPTH - 1,
	    NULL);
	return json_is_object(*out) ? 0 : -1;
}

/* The event of a canonical text, 0; -1 for the long way (ev released). */
static int
from_canonical(const char *text, size_t len, struct event *ev)
{
	struct cut c = { text, text + len };
	const char *s;
	size_t n;

	if (cut_lit(&c, "{\"at\":") != 0 || cut_int(&c, &ev->at) != 0 ||
	    cut_audience(&c, &ev->audience) != 0 ||
	    cut_dup(&c, ",\"author\":", &ev->author) != 0 ||
	    cut_body(&c, &ev->body) != 0 ||
	    cut_dup(&c, ",\"entity\":", &ev->entity) != 0 ||
	    cut_hash(&c, ",\"hash\":", ev->hash) != 0 ||
	    cut_lit(&c, ",\"hlc\":") != 0 || cut_int(&c, &ev->hlc) != 0 ||
	    cut_dup(&c, ",\"kind\":", &ev->kind) != 0 ||
	    cut_hash(&c, ",\"prev\":", ev->prev) != 0 ||
	    cut_lit(&c, ",\"seq\":") != 0 || cut_int(&c, &ev->seq) != 0 ||
	    cut_lit(&c, ",\"station\":") != 0 || cut_str(&c, &s, &n) != 0 ||
	    n > STATION_MAX)
		goto longway;
	memcpy(ev->station, s, n);
	ev->station[n] = '\0';
	if (!station_id_valid(ev->station) ||
	    cut_dup(&c, ",\"unit\":", &ev->unit) != 0 ||
	    cut_lit(&c, ",\"v\":1}") != 0 || c.p != c.end)
		goto longway;
	return 0;
longway:
	event_release(ev);
	return -1;
}

int
event_from_text(const char *text, size_t len, struct event *ev, char *err)
{
	json_t *o;
	int rc;

	event_init(ev);
	if (from_canonical(text, len, ev) == 0)
		return 0;
	if ((o = cjson_parse(text, len, CJSON_MAX_DEPTH, err)) == NULL)
		return LD_EINVAL;
	rc = event_from_json(o, ev, err);
	json_decref(o);
	if (rc != 0)
		event_release(ev);
	return rc;
}

int
station_id_valid(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || s[0] == '-' || s[0] == '_')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];
		if (i >= STATION_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/*
 * The hash of ev's canonical text without its hash, from with, its text
 * with it: the same bytes less the member ,"hash":"<ev->hash>", which
 * saves encoding the event a second time. Keys are sorted, so that member
 * sits between "entity" and "hlc"; only integers and strings follow it at
 * the top level, and a '"' inside a string is always escaped, so it is
 * the last occurrence of those bytes (the body, which may hold the same
 * bytes, comes before it). Should it not be found, ev is encoded again.
 */
static void
hash_without_member(const struct event *ev, const char *with,
    char hash[HASH_HEX])
{
	size_t len = strlen(with), mlen, pos;
	char member[16 + HASH_HEX], *s;

	mlen = (size_t)snprintf(member, sizeof member, ",\"hash\":\"%s\"",
	    ev->hash);
	for (pos = len >= mlen ? len - mlen + 1 : 0; pos > 0; pos--)
		if (memcmp(with + pos - 1, member, mlen) == 0)
			break;
	if (pos == 0 || mlen >= sizeof member) {
		s = event_canonical(ev, 0);
		hash_hex(s, strlen(s), hash);
		free(s);
		return;
	}
	pos--;
	s = xmalloc(len - mlen);
	memcpy(s, with, pos);
	memcpy(s + pos, with + pos + mlen, len - pos - mlen);
	hash_hex(s, len - mlen, hash);
	free(s);
}

/* event_validate; on success *canon (if not NULL) is the canonical text
 * with the hash, which the size check encodes anyway (caller frees). */
static int
validate(const struct event *ev, char **canon, char *err)
{
	const struct kind_info *k;
	char hash[HASH_HEX];
	int found_unit = 0, rc;
	json_t *v;
	size_t i, j;
	char *with;

	if (!station_id_valid(ev->station))
		return ld_fail(err, LD_EINVAL, _("invalid station id '%.40s'"),
		    ev->station);
	if (ev->seq < 1 || ev->hlc < 1 || ev->at < 1)
		return ld_fail(err, LD_EINVAL, _("seq, hlc and at must be positive"));
	if ((rc = text_check("unit", ev->unit, UNIT_MAX, 0, err)) != 0 ||
	    (rc = text_check("author", ev->author, AUTHOR_MAX, 0, err)) != 0)
		return rc;
	if (ev->unit[0] == '\0' || ev->author[0] == '\0')
		return ld_fail(err, LD_EINVAL, _("unit and author must not be empty"));
	if (!hash_valid(ev->prev))
		return ld_fail(err, LD_EINVAL, _("invalid 'prev' hash"));
	if (ev->seq == 1 && strcmp(ev->prev, HASH_ZERO) != 0)
		return ld_fail(err, LD_EINVAL,
		    _("the first event of a station must have a zero 'prev'"));
	k = kind_find(ev->kind);
	if (k == NULL)
		return ld_fail(err, LD_EINVAL, _("unknown event kind '%.40s'"),
		    ev->kind);
	if ((rc = kind_check_entity(k, ev->entity, err)) != 0)
		return rc;
	if (json_array_size(ev->audience) > AUDIENCE_MAX)
		return ld_fail(err, LD_ETOOBIG,
		    _("audience lists more than %d units"), AUDIENCE_MAX);
	if (json_array_size(ev->audience) < 1)
		return ld_fail(err, LD_EINVAL, _("audience must list a unit"));
	json_array_foreach(ev->audience, i, v) {
		if (!json_is_string(v))
			return ld_fail(err, LD_EINVAL,
			    _("audience entries must be unit names"));
		if ((rc = text_check("audience", json_string_value(v), UNIT_MAX,
		    0, err)) != 0)
			return rc;
		if (json_string_value(v)[0] == '\0')
			return ld_fail(err, LD_EINVAL, _("empty unit in audience"));
		if (strcmp(json_string_value(v), ev->unit) == 0)
			found_unit = 1;
		for (j = 0; j < i; j++)
			if (json_equal(v, json_array_get(ev->audience, j)))
				return ld_fail(err, LD_EINVAL,
				    _("unit '%s' appears twice in audience"),
				    json_string_value(v));
	}
	if (!found_unit)
		return ld_fail(err, LD_EINVAL,
		    _("audience must include the author's unit"));
	if ((rc = kind_validate_body(k, ev->body, err)) != 0)
		return rc;
	with = event_canonical(ev, 1);
	if (strlen(with) > EVENT_MAX_BYTES) {
		free(with);
		return ld_fail(err, LD_EINVAL, _("event larger than %d bytes"),
		    EVENT_MAX_BYTES);
	}
	hash_without_member(ev, with, hash);
	if (strcmp(hash, ev->hash) != 0) {
		free(with);
		return ld_fail(err, LD_EINTEGRITY,
		    _("hash of event %s/%lld does not match its content"),
		    ev->station, (long long)ev->seq);
	}
	if (canon != NULL)
		*canon = with;
	else
		free(with);
	return 0;
}

int
event_validate(const struct event *ev, char *err)
{
	return validate(ev, NULL, err);
}

int
event_parse(const char *text, size_t len, struct event *ev, char *err)
{
	return event_parse_canonical(text, len, ev, NULL, err);
}

int
event_parse_canonical(const char *text, size_t len, struct event *ev,
    char **canon, char *err)
{
	int rc;

	if (canon != NULL)
		*canon = NULL;
	if (len > EVENT_MAX_BYTES * 2)
		return ld_fail(err, LD_EINVAL, _("event text too large"));
	/* A canonical text read member by member, anything else by jansson:
	 * the same event or refusal either way (event_from_text). */
	if ((rc = event_from_text(text, len, ev, err)) != 0)
		return rc;
	if (ev->hash[0] == '\0')
		rc = ld_fail(err, LD_EINVAL, _("event has no 'hash'"));
	if (rc == 0)
		rc = validate(ev, canon, err);
	if (rc != 0)
		event_release(ev);
	return rc;
}

int
event_cmp(const struct event *a, const struct event *b)
{
	int c;

	if (a->hlc != b->hlc)
		return a->hlc < b->hlc ? -1 : 1;
	c = strcmp(a->station, b->station);
	if (c != 0)
		return c < 0 ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return 0;
}
