/*
 * blobs-backend.h - a second home for the attachments' files behind
 * blobs.h: the functions a backend other than the directory gives
 * (blobs-pg.c: PostgreSQL's tables, shared by every instance), each with
 * blobs.h's contract of the function of the same name, impl its own
 * state. blobs.c calls them when a struct blobs was made by blobs_wrap.
 * To add a backend: a table of these and an open function that ends in
 * blobs_wrap; blobs_open_store chooses it.
 */
#ifndef LD_BLOBS_BACKEND_H
#define LD_BLOBS_BACKEND_H

#include "blobs.h"

struct blobs_backend {
	int (*state)(void *impl, const struct blobs_who *w,
	    const struct blobs_claim *c, int64_t *have, int *complete,
	    char *err);
	int (*whole)(void *impl, const char *hash);
	int (*holds)(void *impl, const char *hash, const char *unit);
	int (*add_holder)(void *impl, const char *hash, const char *unit,
	    char *err);
	int (*put)(void *impl, const struct blobs_who *w,
	    const struct blobs_claim *c, int64_t offset, const void *data,
	    size_t len, const char *chunk_hash, int64_t *have, int *complete,
	    const char **did, char *err);
	int (*read)(void *impl, const char *hash, int64_t offset, void *buf,
	    size_t max, size_t *len, int64_t *size, char *err);
	int64_t (*used)(void *impl, const char *station);
	int64_t (*part)(void *impl, const struct blobs_claim *c,
	    const char *station);
	int (*sweep)(void *impl);
	void (*set_finish_hook)(void *impl, void (*fn)(void *, const char *),
	    void *arg);
	void (*free)(void *impl);
	int (*each)(void *impl, int (*fn)(void *arg, const char *hash),
	    void *arg, char *err);
};

/* What every backend checks alike, in the same words (blobs.h,
 * blobs_put): a new file alone against max_size and station_inflight
 * (0 or LD_ETOOBIG); the sums a new file adds to, used of station's
 * quota, all the parts' sizes and mine of w's station's (0, LD_ETOOBIG
 * or LD_ELOCKED); a chunk at offset of a part holding have bytes, got
 * its bytes' hash (0: to be written; 1: held already; or LD_EINVAL,
 * LD_EEXIST, LD_EINTEGRITY); a whole file's hash got and first hn bytes
 * head against the claim (0, LD_EINTEGRITY or LD_EINVAL). */
int blobs_admit_alone(const struct blobs_limits *l,
    const struct blobs_claim *c, char *err);
int blobs_admit_sums(const struct blobs_limits *l, const struct blobs_who *w,
    const struct blobs_claim *c, int64_t used, int64_t all, int64_t mine,
    char *err);
int blobs_chunk_check(const struct blobs_claim *c, int64_t offset,
    size_t len, int64_t have, const char *got, const char *chunk_hash,
    char *err);
int blobs_whole_check(const struct blobs_claim *c, const char *got,
    const unsigned char *head, size_t hn, char *err);

/* A struct blobs whose every function is be's on impl (owned: be->free
 * frees it with the struct). */
struct blobs *blobs_wrap(const struct blobs_backend *be, void *impl);

#endif
