/*
 * fuzz-http.c - the server's request path: api_admit, then api_handle,
 * on a real SQLite store, as the HTTP layer calls them.
 *
 * Input format:
 *   byte 0        bits 0-2: route (see routes[]); bit 3: no
 *                 Content-Encoding header (else "zstd"); bit 4: use the
 *                 valid token of station st001 and ignore the
 *                 Authorization bytes (so that mutations of the body
 *                 reach the authenticated paths); bit 5: the
 *                 brute-force guard allows 2 failures (else no limit,
 *                 so that other inputs are not answered 429); bit 6:
 *                 the harness compresses the body itself (zstd, the
 *                 codec's dictionary), so that mutations of the NDJSON
 *                 inside reach the push parser; bit 7: the route is
 *                 the dashboard's (dash_routes[], bits 0-2), through
 *                 the same api_admit and api_handle (the harness has no
 *                 headers, cookies or query: the pages, the words, the
 *                 login refused, and every API path answered 401)
 *   bytes 1..     the Authorization header, up to the first '\n'
 *   the rest      the body
 *
 * The store is a temporary database made once per process (in /dev/shm
 * when there is one), with one station: st001 of 龙羊峡镇 (the first
 * station of tests/tools/genevents), token secret FUZZ_SECRET, pending
 * enrolment code FUZZ_CODE, and an identity key made in memory. Every
 * input starts afresh: the station's credentials are reset and the
 * brute-force guard forgets its counts. Events pushed stay stored; a
 * later push of the same events is a duplicate. With $FUZZ_VERBOSE set,
 * each answer's status is printed on stderr.
 */
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "codec.h"
#include "fuzz.h"
#include "hash.h"
#include "log.h"
#include "paths.h"
#include "proto.h"
#include "store.h"
#include "util.h"
#include "vault.h"

#define FUZZ_STATION "st001"
#define FUZZ_UNIT "龙羊峡镇"
#define FUZZ_SECRET "fuzz-secret"
#define FUZZ_CODE "FUZZCODE2345"
#define FUZZ_TOKEN "Bearer " FUZZ_STATION ":" FUZZ_SECRET

static const struct {
	const char *method, *path;
} routes[8] = {
	{ "POST", PATH_SYNC },
	{ "POST", PATH_ENROLL },
	{ "GET", PATH_STATUS },
	{ "GET", PATH_SYNC },
	{ "POST", PATH_STATUS },
	{ "GET", PATH_ENROLL },
	{ "GET", "/" },
	{ "POST", "/v1/sync/" },
};

static const struct {
	const char *method, *path;
} dash_routes[8] = {
	{ "POST", "/dash/login" },
	{ "GET", "/dash/api/report" },
	{ "GET", "/dash/api/records" },
	{ "GET", "/dash/api/export" },
	{ "GET", "/dash/api/stations" },
	{ "GET", "/dash/api/record/C-st001-1" },
	{ "POST", "/dash/logout" },
	{ "GET", "/dash/strings" },
};

static struct store *store;
static struct vault *vault;
static struct codec *codec;
static struct api api;
static char dbpath[64];
static int verbose; /* $FUZZ_VERBOSE: print each status */

/* The server's log lines are noise here; this definition replaces
 * libliandong's, but the arguments are still formatted. */
void
log_line(const char *level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
}

static void
station_reset(void)
{
	struct station_rec r;
	char err[LD_ERRLEN];

	FUZZ_CHECK(store->ops->station_get(store, FUZZ_STATION, &r, err) == 0);
	hash_hex(FUZZ_SECRET, strlen(FUZZ_SECRET), r.token_hash);
	hash_hex(FUZZ_CODE, strlen(FUZZ_CODE), r.code_hash);
	r.code_expires = INT64_MAX / 2;
	r.revoked_at = 0;
	r.cursor = 0;
	FUZZ_CHECK(store->ops->station_update(store, &r, err) == 0);
	station_rec_release(&r);
}

static void
cleanup(void)
{
	char *p;

	api_release(&api);
	codec_free(codec);
	store->ops->close(store);
	vault_free(vault);
	unlink(dbpath);
	p = xasprintf("%s-wal", dbpath);
	unlink(p);
	free(p);
	p = xasprintf("%s-shm", dbpath);
	unlink(p);
	free(p);
}

static void
setup(void)
{
	struct station_rec r;
	char err[LD_ERRLEN];
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	char *dict;
	int fd;

	FUZZ_CHECK(hash_init() == 0);
	snprintf(dbpath, sizeof dbpath, "%s/ld-fuzz-http-XXXXXX", dir);
	fd = mkstemp(dbpath);
	FUZZ_CHECK(fd >= 0);
	close(fd);
	unlink(dbpath);
	vault = vault_new();
	vault_generate(vault);
	if (store_sqlite_open(dbpath, 1, vault, &store, err) != 0) {
		fprintf(stderr, "fuzz-http: %s\n", err);
		abort();
	}
	memset(&r, 0, sizeof r);
	ld_strlcpy(r.name, FUZZ_STATION, sizeof r.name);
	r.unit = FUZZ_UNIT;
	r.role = "township";
	r.added_at = 1767225600000LL;
	r.code_expires = INT64_MAX / 2;
	hash_hex(FUZZ_CODE, strlen(FUZZ_CODE), r.code_hash);
	FUZZ_CHECK(store->ops->station_add(store, &r, err) == 0);
	dict = xasprintf("%s/liandong.dict", paths_data());
	FUZZ_CHECK(codec_load(dict, 3, &codec, err) == 0);
	free(dict);
	api_init(&api, store, codec);
	station_reset();
	atexit(cleanup);
	verbose = getenv("FUZZ_VERBOSE") != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request req;
	struct http_response resp;
	const uint8_t *nl;
	char *auth = NULL, *body;
	size_t alen, blen, max_body = PROTO_MAX_BODY;
	unsigned sel;

	if (store == NULL)
		setup();
	if (size == 0)
		return 0;
	sel = data[0];
	data++;
	size--;
	nl = memchr(data, '\n', size);
	alen = nl ? (size_t)(nl - data) : size;
	if (!(sel & 0x10)) {
		auth = xmalloc(alen + 1);
		memcpy(auth, data, alen);
		auth[alen] = '\0';
	}
	blen = nl ? size - alen - 1 : 0;
	body = xmalloc(blen + 1);
	if (blen > 0)
		memcpy(body, nl + 1, blen);
	body[blen] = '\0';

	if (sel & 0x40) {
		void *packed;
		size_t plen;
		char err[LD_ERRLEN];

		FUZZ_CHECK(codec_compress(codec, body, blen, &packed, &plen,
		    err) == 0);
		free(body);
		body = xmalloc(plen + 1);
		memcpy(body, packed, plen);
		body[plen] = '\0';
		blen = plen;
		free(packed);
	}
	api_forget_failures(&api);
	api.max_auth_failures = (sel & 0x20) ? 2 : INT_MAX;
	memset(&req, 0, sizeof req);
	req.method = (sel & 0x80) ? dash_routes[sel & 7].method :
	    routes[sel & 7].method;
	req.path = (sel & 0x80) ? dash_routes[sel & 7].path :
	    routes[sel & 7].path;
	req.authorization = (sel & 0x10) ? FUZZ_TOKEN : (alen ? auth : NULL);
	req.content_encoding = (sel & 0x08) ? NULL : "zstd";
	req.client = "127.0.0.1";
	req.body = body;
	req.body_len = blen;
	memset(&resp, 0, sizeof resp);
	req.body = "";
	req.body_len = 0;
	if (api_admit(&api, &req, &max_body, &resp) == 0) {
		/* Admitted: the HTTP layer reads up to max_body (413 past). */
		FUZZ_CHECK(resp.body == NULL);
		req.body = body;
		req.body_len = blen;
		if (blen > max_body)
			http_error(&resp, 413, "over %zu bytes", max_body);
		else
			api_handle(&api, &req, &resp);
	} else
		FUZZ_CHECK(resp.status >= 400);
	FUZZ_CHECK(resp.status >= 200 && resp.status <= 599);
	FUZZ_CHECK(resp.body != NULL || resp.body_len == 0);
	if (verbose)
		fprintf(stderr, "%s %s -> %d %.*s\n", req.method, req.path,
		    resp.status, resp.content_encoding ? 0 : (int)resp.body_len,
		    resp.body ? resp.body : "");
	station_reset();
	free(resp.body);
	free(auth);
	free(body);
	return 0;
}
