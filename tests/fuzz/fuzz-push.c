/*
 * fuzz-push.c - the body of a sync push as the server reads it: zstd
 * (without a dictionary and with conf/liandong.dict) under a cap, NDJSON
 * lines, the header through proto_request_decode and each event through
 * event_parse_canonical, as the server reads a push. Same limits as the
 * server, smaller output cap. The header line is also read as an
 * answer's, as the agent does (proto_answer_decode): whatever decodes,
 * encoded and decoded again, is the same (header_round_trip).
 *
 * Every input is also taken as the plain text of a body and sent
 * through codec_compress and back (round_trip), so that the corpus may
 * hold plain NDJSON bodies too: mutations of those reach the header and
 * event parsers, which mutations of compressed bytes rarely do.
 */
#include <string.h>

#include "cjson.h"
#include "codec.h"
#include "event.h"
#include "fuzz.h"
#include "paths.h"
#include "proto.h"
#include "util.h"

#define FUZZ_MAX_OUT (1u << 20)

static struct codec *plain_codec, *dict_codec;

static void
setup(void)
{
	char err[LD_ERRLEN];
	char *dict = xasprintf("%s/liandong.dict", paths_data());

	FUZZ_CHECK(hash_init() == 0);
	FUZZ_CHECK(codec_new(NULL, 0, 3, &plain_codec, err) == 0);
	if (codec_load(dict, 3, &dict_codec, err) != 0) {
		fprintf(stderr, "fuzz-push: %s\n", err);
		abort();
	}
	free(dict);
}

/* The one codec of sync headers (proto.h): what it decodes, it encodes
 * to a text that decodes to the same. */
static void
header_round_trip(const char *line, size_t n)
{
	char err[LD_ERRLEN], *text;
	struct proto_request q, q2;
	struct proto_answer a, a2;
	int i;

	if (proto_request_decode(line, n, &q, err) == 0) {
		FUZZ_CHECK(q.cursor >= 0 && q.own >= -1);
		text = proto_request_encode(&q);
		/* Hashes go short (PROTO_HASH_SHORT digits): what comes
		 * back is what was read, cut so. */
		memset(q.digest.xor + PROTO_HASH_SHORT, 0,
		    sizeof q.digest.xor - PROTO_HASH_SHORT);
		for (i = 0; i < PROTO_DOCS; i++)
			memset(q.held[i] + PROTO_HASH_SHORT, 0,
			    sizeof q.held[i] - PROTO_HASH_SHORT);
		FUZZ_CHECK(proto_request_decode(text, strlen(text), &q2,
		    err) == 0);
		FUZZ_CHECK(memcmp(&q, &q2, sizeof q) == 0);
		free(text);
	}
	if (proto_answer_decode(line, n, &a, err) == 0) {
		FUZZ_CHECK(a.quarantined != NULL);
		text = proto_answer_encode(&a);
		FUZZ_CHECK(proto_answer_decode(text, strlen(text), &a2,
		    err) == 0);
		FUZZ_CHECK(a.acked == a2.acked && a.cursor == a2.cursor &&
		    a.backlog == a2.backlog && a.epoch == a2.epoch &&
		    a.time == a2.time && a.more == a2.more &&
		    a.has_digest == a2.has_digest &&
		    (a.own > 0 ? a.own == a2.own && a.own_more == a2.own_more :
		    a2.own == 0 && !a2.own_more));
		FUZZ_CHECK(!a.has_digest || memcmp(&a.digest, &a2.digest,
		    sizeof a.digest) == 0);
		FUZZ_CHECK(json_equal(a.quarantined, a2.quarantined));
		/* An empty list is left out: it comes back as none. */
		FUZZ_CHECK(json_array_size(a.received) > 0 ?
		    a2.received != NULL && json_equal(a.received,
		    a2.received) : json_array_size(a2.received) == 0);
		FUZZ_CHECK((a.heads == NULL) == (a2.heads == NULL) &&
		    (a.heads == NULL || json_equal(a.heads, a2.heads)));
		for (i = 0; i < PROTO_DOCS; i++)
			FUZZ_CHECK((a.docs[i] == NULL) == (a2.docs[i] == NULL) &&
			    (a.docs[i] == NULL || json_equal(a.docs[i],
			    a2.docs[i])));
		free(text);
		proto_answer_release(&a2);
		proto_answer_release(&a);
	}
}

static void
read_body(const char *buf, size_t len)
{
	char err[LD_ERRLEN];
	const char *line;
	size_t pos = 0, n, events = 0;

	if (!ndjson_next(buf, len, &pos, &line, &n))
		return;
	header_round_trip(line, n);
	while (ndjson_next(buf, len, &pos, &line, &n) &&
	    events++ < PROTO_MAX_EVENTS) {
		struct event ev;

		FUZZ_CHECK(line >= buf && line + n <= buf + len);
		char *kept = NULL;

		/* What the server calls: the text it keeps is the event's
		 * canonical form, and fits the cap. */
		if (event_parse_canonical(line, n, &ev, &kept, err) == 0) {
			char *canon = event_canonical(&ev, 1);
			FUZZ_CHECK(kept != NULL && strcmp(kept, canon) == 0);
			FUZZ_CHECK(strlen(canon) <= EVENT_MAX_BYTES);
			free(canon);
			event_release(&ev);
		}
		free(kept);
	}
}

static void
try_codec(struct codec *c, const uint8_t *data, size_t size)
{
	char err[LD_ERRLEN];
	void *out = NULL;
	size_t out_len = 0;
	int rc;

	rc = codec_decompress(c, data, size, FUZZ_MAX_OUT, &out, &out_len, err);
	if (rc == 0) {
		FUZZ_CHECK(out != NULL && out_len <= FUZZ_MAX_OUT);
		FUZZ_CHECK(((char *)out)[out_len] == '\0');
		read_body(out, out_len);
	} else
		FUZZ_CHECK(rc == LD_EINVAL || rc == LD_ETOOBIG);
	free(out);
}

/* The input as the plain text of a body: compressed with the
 * dictionary, it must come back whole, only through a codec that has
 * that dictionary, and be read like any other body. */
static void
round_trip(const uint8_t *data, size_t size)
{
	char err[LD_ERRLEN];
	void *packed = NULL, *out = NULL;
	size_t packed_len = 0, out_len = 0;

	FUZZ_CHECK(codec_compress(dict_codec, data, size, &packed,
	    &packed_len, err) == 0);
	FUZZ_CHECK(codec_decompress(dict_codec, packed, packed_len,
	    FUZZ_MAX_OUT, &out, &out_len, err) == 0);
	FUZZ_CHECK(out_len == size && memcmp(out, data, size) == 0);
	read_body(out, out_len);
	free(out);
	out = NULL;
	FUZZ_CHECK(codec_decompress(plain_codec, packed, packed_len,
	    FUZZ_MAX_OUT, &out, &out_len, err) == LD_EINVAL);
	free(out);
	free(packed);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (plain_codec == NULL)
		setup();
	try_codec(plain_codec, data, size);
	try_codec(dict_codec, data, size);
	if (size <= FUZZ_MAX_OUT)
		round_trip(data, size);
	return 0;
}
