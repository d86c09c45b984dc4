/*
 * hash.c - the only file of common/ that includes sodium.h (the server's
 * encryption at rest is server/vault.c).
 */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "hash.h"
#include "util.h"

const char HASH_ZERO[HASH_HEX] =
    "0000000000000000000000000000000000000000000000000000000000000000";

int
hash_init(void)
{
	return sodium_init() < 0 ? LD_EINTERNAL : 0;
}

void
hash_hex(const void *data, size_t len, char out[HASH_HEX])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(out, HASH_HEX, h, sizeof h);
}

struct hash_state {
	crypto_hash_sha256_state st;
};

struct hash_state *
hash_begin(void)
{
	struct hash_state *h = xmalloc(sizeof *h);

	crypto_hash_sha256_init(&h->st);
	return h;
}

void
hash_update(struct hash_state *h, const void *data, size_t len)
{
	crypto_hash_sha256_update(&h->st, data, len);
}

void
hash_end(struct hash_state *h, char out[HASH_HEX])
{
	unsigned char d[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_final(&h->st, d);
	sodium_bin2hex(out, HASH_HEX, d, sizeof d);
	free(h);
}

void
hash_base64(const void *data, size_t len, char out[HASH_B64])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	sodium_bin2base64(out, HASH_B64, h, sizeof h,
	    sodium_base64_VARIANT_ORIGINAL);
}

void
random_token(size_t n, char *out, size_t out_len)
{
	unsigned char buf[64];

	if (n > sizeof buf)
		n = sizeof buf;
	randombytes_buf(buf, n);
	sodium_bin2base64(out, out_len, buf, n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(buf, sizeof buf);
}

void
random_code(size_t n, char *out)
{
	static const char alphabet[] = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	out[n] = '\0';
}

int
hash_valid(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

int
hash_equal(const void *a, const void *b, size_t len)
{
	return sodium_memcmp(a, b, len) == 0;
}

void
digest_init(struct digest *d)
{
	d->count = 0;
	memcpy(d->xor, HASH_ZERO, HASH_HEX);
}

static int
hexval(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

void
digest_add(struct digest *d, const char *hash)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < 64; i++)
		d->xor[i] = hex[hexval(d->xor[i]) ^ hexval(hash[i])];
	d->xor[64] = '\0';
	d->count++;
}
