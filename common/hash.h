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

/* 1 if s is 64 lowercase hex digits. */
int hash_valid(const char *s);

/* Constant-time comparison of two equal-length buffers: 1 if equal. */
int hash_equal(const void *a, const void *b, size_t len);

#endif
