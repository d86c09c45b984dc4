/*
 * proto.h - the sync protocol's shared constants and framing (the whole
 * protocol is written down in docs/protocol.md).
 *
 * A sync request and its answer are each one zstd frame holding NDJSON:
 * a header object on the first line, then one canonical event per line.
 */
#ifndef LD_PROTO_H
#define LD_PROTO_H

#include <stddef.h>

#define PROTO_VERSION 1

#define PATH_ENROLL "/v1/enroll"
#define PATH_SYNC "/v1/sync"
#define PATH_STATUS "/v1/status"

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

#endif
