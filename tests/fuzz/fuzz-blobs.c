/*
 * fuzz-blobs.c - the server's chunk intake (server/blobs.c): a file
 * claimed with a size, hash and type, and chunks at any offset, of any
 * length, whose bytes may not match their hash, in any order.
 *
 * Input format:
 *   byte 0        bit 0: the claim names the file's true SHA-256 (else
 *                 one of other bytes); bit 1: claimed image/jpeg (else
 *                 application/octet-stream, under a name claiming none)
 *   bytes 1-2     the file's size, 1 to 4096 (big-endian, mod 4096, + 1)
 *   next size     the file's bytes (zeros past the input's end)
 *   the rest      chunks, 5 bytes each: offset (2 bytes, mod size + 2),
 *                 length (2 bytes, mod 5000: over the file's end, and
 *                 0, included), and a byte whose bit 0 corrupts the
 *                 bytes after their hash is taken, and whose bit 1, once
 *                 the file is whole, changes them before (a chunk true
 *                 to its hash but not the file's)
 *
 * Checked after every chunk (blobs.h's invariants): "have" never goes
 * back nor past the size; the part holds exactly "have" bytes, and they
 * are the file's; a whole file exists only when the claim's hash is the
 * true one, the type sniffs as claimed, and it holds the file's bytes.
 * Once it is whole the chunks left come from a station of another unit,
 * which must prove it holds the file (blobs.h, invariant 5): the file is
 * never changed, no part of that station's is made, and its unit becomes
 * a holder exactly when complete, never after a chunk that lied.
 * Each input gets a directory of its own under one made per process
 * (in /dev/shm when there is one), emptied after it.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blobs.h"
#include "fuzz.h"
#include "hash.h"
#include "sniff.h"
#include "util.h"

static char base[PATH_MAX];

static void
remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *p;
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		p = xasprintf("%s/%s", dir, e->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(p);
		else
			unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(dir);
}

static void
gone(void)
{
	remove_tree(base);
}

/* The bytes of path (*len), or NULL when it does not exist. */
static unsigned char *
slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	unsigned char *buf;

	if (fd < 0)
		return NULL;
	FUZZ_CHECK(fstat(fd, &st) == 0);
	buf = xmalloc((size_t)st.st_size + 1);
	FUZZ_CHECK(read(fd, buf, (size_t)st.st_size) == st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct blobs_limits lim = { 3000, 0, 0, 0, 0 };
	unsigned char file[4096], *got;
	struct blobs_claim c;
	struct blobs_who who = { "st001", "unit1" };
	const char *did;
	struct blobs *b;
	char err[LD_ERRLEN], truth[HASH_HEX], *dir, *whole, *part, *part2;
	const char *sniffed;
	size_t n, i, len;
	int64_t have = 0;
	int complete = 0, true_hash, jpeg, proving = 0, lie, lied = 0;

	if (base[0] == '\0') {
		snprintf(base, sizeof base, "%s/liandong-fuzz-blobs.XXXXXX",
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		FUZZ_CHECK(mkdtemp(base) != NULL);
		atexit(gone);
		hash_init();
	}
	if (size < 3)
		return 0;
	true_hash = data[0] & 1;
	jpeg = (data[0] & 2) != 0;
	n = ((size_t)data[1] << 8 | data[2]) % 4096 + 1;
	memset(file, 0, sizeof file);
	for (i = 0; i < n && 3 + i < size; i++)
		file[i] = data[3 + i];
	data += 3 + (n < size - 3 ? n : size - 3);
	size -= 3 + (n < size - 3 ? n : size - 3);

	memset(&c, 0, sizeof c);
	hash_hex(file, n, truth);
	if (true_hash)
		memcpy(c.hash, truth, HASH_HEX);
	else
		hash_hex("other", 5, c.hash);
	c.size = (int64_t)n;
	ld_strlcpy(c.type, jpeg ? "image/jpeg" : "application/octet-stream",
	    sizeof c.type);
	ld_strlcpy(c.name, jpeg ? "a.jpg" : "a", sizeof c.name);

	dir = xasprintf("%s/d", base);
	FUZZ_CHECK(blobs_open(dir, &lim, &b, err) == 0);
	whole = xasprintf("%s/%s", dir, c.hash);
	part = xasprintf("%s/%s.%zu.st001.part", dir, c.hash, n);
	part2 = xasprintf("%s/%s.%zu.st002.part", dir, c.hash, n);

	for (; size >= 5; data += 5, size -= 5) {
		size_t off = ((size_t)data[0] << 8 | data[1]) % (n + 2);
		size_t l = ((size_t)data[2] << 8 | data[3]) % 5000;
		unsigned char chunk[5000];
		char ch[HASH_HEX];
		int64_t before = have;
		int rc;

		memset(chunk, 0, sizeof chunk);
		for (i = 0; i < l && off + i < n; i++)
			chunk[i] = file[off + i];
		lie = proving && (data[4] & 2) && l > 0;
		if (lie)
			chunk[0] ^= 0x80;
		hash_hex(chunk, l, ch);
		if (data[4] & 1)
			chunk[0] ^= 1;
		rc = blobs_put(b, &who, &c, (int64_t)off, chunk, l, ch,
		    &have, &complete, &did, err);
		if (rc != 0)
			blobs_state(b, &who, &c, &have, &complete, err);
		/* A refused last chunk may drop the part: back to 0. */
		FUZZ_CHECK(have >= 0 && have <= (int64_t)n);
		FUZZ_CHECK(have >= before || (rc != 0 && have == 0));
		if (proving) {
			if (rc == 0 && strcmp(did, "proved") == 0 && lie)
				lied = 1;
			if (have == 0)
				lied = 0;
			FUZZ_CHECK(access(part2, F_OK) != 0);
			FUZZ_CHECK((got = slurp(whole, &len)) != NULL);
			FUZZ_CHECK(len == n && memcmp(got, file, n) == 0);
			free(got);
			FUZZ_CHECK(complete == blobs_holds(b, c.hash, "unit2"));
			FUZZ_CHECK(!complete || !lied);
			if (complete)
				break;
			continue;
		}
		if (complete) {
			FUZZ_CHECK(strcmp(c.hash, truth) == 0);
			FUZZ_CHECK((got = slurp(whole, &len)) != NULL);
			FUZZ_CHECK(len == n && memcmp(got, file, n) == 0);
			FUZZ_CHECK(sniff_type(c.name, got, len < SNIFF_HEAD ?
			    len : SNIFF_HEAD, &sniffed, err) == 0 &&
			    strcmp(sniffed, c.type) == 0);
			free(got);
			FUZZ_CHECK(blobs_holds(b, c.hash, "unit1"));
			/* Then another unit's station proves it holds the
			 * file: told nothing is held, its chunks compared. */
			proving = 1;
			who = (struct blobs_who){ "st002", "unit2" };
			blobs_state(b, &who, &c, &have, &complete, err);
			FUZZ_CHECK(have == 0 && !complete);
			continue;
		}
		FUZZ_CHECK(access(whole, F_OK) != 0);
		if ((got = slurp(part, &len)) != NULL) {
			FUZZ_CHECK((int64_t)len == have);
			FUZZ_CHECK(memcmp(got, file, len) == 0);
			free(got);
		} else
			FUZZ_CHECK(have == 0);
	}
	blobs_free(b);
	remove_tree(dir);
	free(dir);
	free(whole);
	free(part);
	free(part2);
	return 0;
}
