/*
 * hash.h - SHA-256 (libsodium) as lowercase hex, for the event chain.
 */
#ifndef LD_HASH_H
#define LD_HASH_H

#include <stddef.h>

#define HASH_HEX 65 /* 64 hex digits and NUL */

/* The prev of a station's first event. */
extern const char HASH_ZERO[HASH_HEX];

/* Initialises libsodium; call once before anything else. 0 or LD_EINTERNAL. */
int hash_init(void);

void hash_hex(const void *data, size_t len, char out[HASH_HEX]);

/* SHA-256 of data given in pieces (a file, read a chunk at a time):
 * hash_begin, hash_update for each piece, hash_end writes the hex and
 * frees the state. */
struct hash_state;
struct hash_state *hash_begin(void);
void hash_update(struct hash_state *h, const void *data, size_t len);
void hash_end(struct hash_state *h, char out[HASH_HEX]);

#define HASH_B64 48 /* base64 of 32 bytes (44) and NUL, rounded up */

/* SHA-256 of data in standard base64 (as in curl's "sha256//" pins). */
void hash_base64(const void *data, size_t len, char out[HASH_B64]);

/* n random bytes as URL-safe base64 without padding (tokens). */
void random_token(size_t n, char *out, size_t out_len);

/* A code a person types: n characters from an alphabet of 31 letters and
 * digits without look-alikes (no 0/O, 1/I/L), never starting with '-'.
 * out holds n + 1 bytes. 12 characters carry about 59 bits. */
void random_code(size_t n, char *out);

/* 1 if s is 64 lowercase hex digits. */
int hash_valid(const char *s);

/* Constant-time comparison of two equal-length buffers: 1 if equal. */
int hash_equal(const void *a, const void *b, size_t len);

/*
 * An order-independent digest of a set of events: their count and the XOR
 * of their hashes. Two replicas holding the same set have equal digests
 * whatever order the events arrived in (anti-entropy, DESIGN.md 2).
 */
struct digest {
	long long count;
	char xor[HASH_HEX];
};

void digest_init(struct digest *d);
/* Adds one event hash (64 hex digits) to d. */
void digest_add(struct digest *d, const char *hash_hex);

#endif
