/*
 * proto.h - the sync protocol's shared constants, framing and headers
 * (the whole protocol is written down in docs/protocol.md).
 *
 * A sync request and its answer are each one zstd frame holding NDJSON:
 * a header object on the first line, then one canonical event per line.
 */
#ifndef LD_PROTO_H
#define LD_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "hash.h"

#define PROTO_VERSION 1

#define PATH_ENROLL "/v1/enroll"
#define PATH_SYNC "/v1/sync"
#define PATH_STATUS "/v1/status"
/* Attachments' files (docs/protocol.md, "Attachments"). */
#define PATH_BLOB "/v1/blob"
#define PATH_BLOB_DATA "/v1/blob/data"

/* Limits the server enforces (and the agent respects when sending). */
#define PROTO_MAX_BODY (4u << 20)          /* compressed request bytes */
#define PROTO_MAX_DECOMPRESSED (16u << 20) /* decompressed request bytes */
#define PROTO_MAX_EVENTS 1000              /* events in one push */
#define PROTO_PUSH_BATCH 500               /* events the agent sends at once */
#define PROTO_PUSH_BYTES (512u << 10)      /* ... and about this many bytes */
#define PROTO_PULL_BATCH 500               /* events the server returns */
#define PROTO_PULL_BYTES (512u << 10)
#define PROTO_HEADER_DEPTH 4               /* JSON nesting in request headers */
#define PROTO_ANSWER_DEPTH 8               /* ... in answers (rule profile) */
#define PROTO_ENROLL_MAX 4096              /* bytes of an enroll body */

/* Splits buf at newlines: returns 1 with the next non-empty line in line
 * and len (not terminated) and advances pos; returns 0 at the end. */
int ndjson_next(const char *buf, size_t buf_len, size_t *pos,
    const char **line, size_t *len);

/*
 * The headers of a sync request and of its answer, the first line of
 * each body (docs/protocol.md, "Sync"): written and read here only, by
 * the agent and the server alike.
 *
 * Decoding is as strict as the protocol needs and no stricter: what each
 * side requires (the request's "v" and "cursor", the answer's "acked" and
 * "cursor") is checked, a member that is absent or of another type reads
 * as its default (0, false, none), unknown members are ignored.
 */

/* The county's documents a station holds and an answer may bring. */
enum proto_doc {
	PROTO_PROFILE,
	PROTO_CALENDAR,
	PROTO_UNITS,
	PROTO_NEXT_CA,
	PROTO_DOCS
};

/* Their names in headers ("profile", ...), by enum proto_doc. */
extern const char *const proto_doc_names[PROTO_DOCS];

struct proto_request {
	int64_t cursor;        /* the pull cursor, >= 0 */
	int64_t acked;         /* the station's own seq the events follow */
	int64_t epoch;         /* which copy of the database; 0: none */
	int64_t own;           /* ask for its own events after it; -1: not */
	int heads;             /* ask for "heads" (the digests differ) */
	int final;             /* no more events to push after these */
	int compact;           /* in the compact form (short names) */
	struct digest digest;  /* of the events the station holds */
	/* Hash of each document held, "" when none. */
	char held[PROTO_DOCS][HASH_HEX];
};

struct proto_answer {
	int64_t acked;         /* the highest contiguous seq held */
	int64_t cursor;        /* the cursor to send next */
	int64_t backlog;       /* events still waiting after these */
	int64_t epoch;         /* 0: none */
	int64_t time;          /* the server's clock (ms); 0: none */
	int64_t own;           /* the station's own events after the pulled */
	int more;
	int own_more;
	int compact;           /* in the compact form (to a compact request) */
	int reads_compact;     /* the server reads compact requests */
	int has_digest;
	struct digest digest;  /* of the events routed to the unit */
	json_t *quarantined;   /* [{"seq", "reason"}], never NULL once decoded */
	json_t *received;      /* [ms, ...]: when the server first held each
				  event line that follows, in their order;
				  NULL when absent (an older server) or not
				  a list of integers */
	json_t *heads;         /* {"station": seq} or NULL */
	json_t *docs[PROTO_DOCS]; /* documents the station lacks, or NULL */
};

/*
 * Short hashes. A request carries the first PROTO_HASH_SHORT hex digits
 * of the hash of each document the station holds and of its digest's
 * XOR, not all 64: they tell copies apart (two different ones agree
 * with a chance of 2^-64), they are not a proof of anything, and each
 * is about 24 bytes of entropy less on the wire (docs/protocol.md,
 * "Sync"). The server answers with its digest's XOR cut to the length
 * the request's was (proto_answer_like), so an older agent, which
 * sends all 64, is answered as before, and an older server, which reads
 * a short XOR as no digest and never used the request's, with all 64.
 */
#define PROTO_HASH_SHORT 16

/* 1 when held, a hash as a request gives it (all of it, or its first
 * PROTO_HASH_SHORT digits or more), is the start of hash; 0 when not,
 * or when held is shorter than that. */
int proto_hash_matches(const char *held, const char *hash);

/* 1 when two digests agree: the same count, and the same XOR over the
 * shorter of the two, which has PROTO_HASH_SHORT digits at least. */
int proto_digest_same(const struct digest *a, const struct digest *b);

/* Makes the answer a's header like the request r's: its digest's XOR
 * cut to the length of the request's when that is shorter
 * (PROTO_HASH_SHORT or more: a short digest asked, a short digest
 * given), in the compact form when the request was, and saying that the
 * server reads compact requests when it was not. */
void proto_answer_like(struct proto_answer *a,
    const struct proto_request *r);

/* One JSON object, no newline; the caller frees it. Hashes go short
 * (PROTO_HASH_SHORT). */
char *proto_request_encode(const struct proto_request *r);
/* Returns 0, or LD_EINVAL with err (the request is a 400). */
int proto_request_decode(const char *line, size_t len,
    struct proto_request *r, char *err);

/* One JSON object, no newline; the caller frees it. The answer's JSON
 * members are only read. */
char *proto_answer_encode(const struct proto_answer *a);
/* Returns 0, or LD_EINVAL with err (a malformed answer). Release a
 * decoded answer with proto_answer_release. */
int proto_answer_decode(const char *line, size_t len, struct proto_answer *a,
    char *err);
void proto_answer_release(struct proto_answer *a);

/*
 * A connection whose TCP connect or TLS handshake timed out (nothing of
 * the request sent: a server too busy to finish handshakes, or a link
 * that lost the SYN) is tried again after a pause, at most
 * PROTO_CONNECT_TRIES more times and PROTO_CONNECT_WAIT seconds of pauses
 * in all; past them the timeout is the answer. The pause before the k-th
 * try again is random in [0.5, 1.5) times half the connect timeout (at
 * least 0.5 s), doubled k-1 times: random so that thousands of stations
 * turned away in the same second (a county server just restarted, every
 * one of them making a full handshake) do not come back in the same
 * second, and longer each time. The agent (agent/net.c) and the load
 * generator that plays it (tests/bench/loadgen.c) both use this.
 */
#define PROTO_CONNECT_TRIES 3
#define PROTO_CONNECT_WAIT 60

/* The pause in milliseconds before try k (1, 2, ...) again, for a
 * connect timeout in seconds; r is a uniformly random 32-bit number. */
long proto_connect_pause_ms(long connect_timeout, int k, uint32_t r);

/*
 * A busy server's 503 with Retry-After (its request queue full, or its
 * PostgreSQL restarting) is waited out as it says and the request sent
 * again, at most PROTO_BUSY_TRIES times and PROTO_BUSY_WAIT seconds of
 * waits for one request; past them the 503 is the answer (the sync ends,
 * exit 7, and the daemon comes back at its next turn). A 503 without
 * Retry-After (the server's disk full or failing) is the answer at once.
 * The bounds are a burst's: 5,000 stations syncing at once with full
 * handshakes take 70-100 s on two cores to be served (docs/benchmarks.md,
 * p99 67-99 s), and the last one served has waited about that long, in
 * turns of the server's Retry-After (at most 25 s, server/http.c
 * RETRY_MAX: 4 to 6 turns of 20-25 s each). 300 s is three times the
 * slowest drain measured and the daemon's default interval (a wait past
 * the next turn gains nothing); ten tries of 25 s fit in it. The agent
 * (agent/net.c) and the load generator that plays it
 * (tests/bench/loadgen.c, which counts the requests past them) both use
 * this.
 */
#define PROTO_BUSY_TRIES 10
#define PROTO_BUSY_WAIT 300
/* A Retry-After longer than this is not a queue's (at most 25 s) but a
 * refusal for a while (the attachments' space full: 60 s): waited out
 * once, as the first wait, then the answer. */
#define PROTO_BUSY_LONG 30

/* Whether a 503 with retry_after seconds (0: no Retry-After) is waited
 * out, for a request that was told to wait tries times, waited seconds
 * in all, already; max_wait is PROTO_BUSY_WAIT but in tests. 1: wait and
 * send it again; 0: the 503 is the answer. */
int proto_busy_wait(int tries, long waited, long retry_after, long max_wait);

#endif
