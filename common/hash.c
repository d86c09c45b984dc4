/*
 * hash.c - the only file that includes sodium.h.
 */
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
