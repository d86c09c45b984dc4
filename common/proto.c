/*
 * proto.c - NDJSON framing for sync bodies.
 */
#include <string.h>

#include "proto.h"

int
ndjson_next(const char *buf, size_t buf_len, size_t *pos, const char **line,
    size_t *len)
{
	while (*pos < buf_len) {
		const char *start = buf + *pos;
		const char *nl = memchr(start, '\n', buf_len - *pos);
		size_t n = nl ? (size_t)(nl - start) : buf_len - *pos;

		*pos += n + (nl != NULL);
		if (n > 0 && start[n - 1] == '\r')
			n--;
		if (n == 0)
			continue;
		*line = start;
		*len = n;
		return 1;
	}
	return 0;
}
