/*
 * test-blob.c - attachments on the station: the blob store (blob.c:
 * content-addressed, chunked, deduplicated, written in the caller's
 * transaction, re-hashed by verify) and the sniffing of media types
 * (sniff.c: magic bytes against what the name claims).
 */
#include "harness.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "blob.h"
#include "kinds.h"
#include "ledger.h"
#include "sniff.h"
#include "unit.h"

/* 53 zeros: the rest of a made-up hash after 11 digits. */
#define Z53 "0000000000000000000000000000000000000000000000000" "0000"

struct fixture {
	char *dir;
	char path[PATH_MAX];
	struct ledger *lg;
};

static int
setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof *fx);
	char err[LD_ERRLEN] = "";

	fx->dir = harness_scratch("blob");
	snprintf(fx->path, sizeof fx->path, "%s/station.db", fx->dir);
	if (ledger_create(fx->path, "s1", UNIT_UNIT, err) != 0 ||
	    ledger_open(fx->path, &fx->lg, err) != 0) {
		fprintf(stderr, "cannot make a station database: %s\n", err);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	ledger_free(fx->lg);
	assert_int_equal(harness_remove(fx->dir), 0);
	free(fx->dir);
	free(fx);
	return 0;
}

/* n bytes of a pattern that differs with seed. */
static unsigned char *
pattern(size_t n, unsigned seed)
{
	unsigned char *p = xmalloc(n ? n : 1);
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)((i * 31 + seed * 7 + (i >> 10)) & 0xff);
	return p;
}

/* A file in the scratch directory holding data; returns its fd. */
static int
file_of(struct fixture *fx, const char *name, const void *data, size_t len)
{
	char path[PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof path, "%s/%s", fx->dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	return fd;
}

static long long
count(struct fixture *fx, const char *sql)
{
	sqlite3_stmt *st;
	long long n;

	assert_int_equal(sqlite3_prepare_v2(ledger_sqlite(fx->lg), sql, -1, &st,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Sizes around the chunk's: one, two and three chunks, with and without
 * a short last one; each read back whole and the same. */
static void
test_put_and_read_back(void **state)
{
	static const size_t sizes[] = { 1, 1000, BLOB_CHUNK - 1, BLOB_CHUNK,
		BLOB_CHUNK + 1, 2 * BLOB_CHUNK, 2 * BLOB_CHUNK + 17 };
	struct fixture *fx = *state;
	char err[LD_ERRLEN] = "", hash[HASH_HEX], want[HASH_HEX];
	char out[PATH_MAX + 32];
	size_t i;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		unsigned char *data = pattern(sizes[i], (unsigned)i), *back;
		int64_t size;
		int fd, added;

		hash_hex(data, sizes[i], want);
		assert_int_equal(blob_put(fx->lg, data, sizes[i], hash, &added,
		    err), 0);
		assert_string_equal(hash, want);
		assert_true(added);
		assert_int_equal(blob_stat(fx->lg, hash, &size, err), 0);
		assert_int_equal(size, (int64_t)sizes[i]);
		assert_int_equal(blob_verify(fx->lg, hash, err), 0);
		snprintf(out, sizeof out, "%s/out", fx->dir);
		fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
		assert_int_equal(blob_write(fx->lg, hash, fd, err), 0);
		back = xmalloc(sizes[i]);
		assert_int_equal(pread(fd, back, sizes[i], 0), (ssize_t)sizes[i]);
		assert_memory_equal(back, data, sizes[i]);
		assert_int_equal(lseek(fd, 0, SEEK_END), (off_t)sizes[i]);
		close(fd);
		free(back);
		free(data);
	}
	assert_int_equal(count(fx, "SELECT count(*) FROM blobs"), 7);
	assert_int_equal(count(fx, "SELECT count(*) FROM blob_chunks"),
	    1 + 1 + 1 + 1 + 2 + 2 + 3);
}

/* The same bytes twice, from memory and from a file: one blob. */
static void
test_dedup(void **state)
{
	struct fixture *fx = *state;
	char err[LD_ERRLEN] = "", h1[HASH_HEX], h2[HASH_HEX], h3[HASH_HEX];
	unsigned char *data = pattern(BLOB_CHUNK + 5, 9);
	int added, fd;

	assert_int_equal(blob_put(fx->lg, data, BLOB_CHUNK + 5, h1, &added,
	    err), 0);
	assert_true(added);
	assert_int_equal(blob_put(fx->lg, data, BLOB_CHUNK + 5, h2, &added,
	    err), 0);
	assert_false(added);
	fd = file_of(fx, "same.bin", data, BLOB_CHUNK + 5);
	assert_int_equal(blob_put_fd(fx->lg, fd, BLOB_CHUNK + 5, NULL, h3,
	    &added, err), 0);
	assert_false(added);
	close(fd);
	assert_string_equal(h1, h2);
	assert_string_equal(h1, h3);
	assert_int_equal(count(fx, "SELECT count(*) FROM blobs"), 1);
	assert_int_equal(count(fx, "SELECT count(*) FROM blob_chunks"), 2);
	free(data);
}

/* A file that is not what was hashed before (changed since, or of
 * another size) is refused and leaves nothing. */
static void
test_file_changed(void **state)
{
	struct fixture *fx = *state;
	char err[LD_ERRLEN] = "", hash[HASH_HEX], before[HASH_HEX];
	int64_t size;
	int fd, added;

	fd = file_of(fx, "f", "第一版", strlen("第一版"));
	assert_int_equal(blob_hash_fd(fd, before, &size, err), 0);
	assert_int_equal(size, (int64_t)strlen("第一版"));
	assert_int_equal(pwrite(fd, "第二版", strlen("第二版"), 0),
	    (ssize_t)strlen("第二版"));
	assert_int_equal(ledger_begin(fx->lg, err), 0);
	assert_int_equal(blob_put_fd(fx->lg, fd, size, before, hash, &added,
	    err), LD_EINVAL);
	ledger_rollback(fx->lg);
	assert_int_equal(blob_put_fd(fx->lg, fd, size - 1, NULL, hash, &added,
	    err), LD_EINVAL);
	close(fd);
	assert_int_equal(count(fx, "SELECT count(*) FROM blobs"), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM blob_chunks"), 0);
}

/* Rolled back with its event: no blob, no chunk (nothing half-stored). */
static void
test_rollback_leaves_nothing(void **state)
{
	struct fixture *fx = *state;
	char err[LD_ERRLEN] = "", hash[HASH_HEX];
	unsigned char *data = pattern(3 * BLOB_CHUNK, 3);
	int added;

	assert_int_equal(ledger_begin(fx->lg, err), 0);
	assert_int_equal(blob_put(fx->lg, data, 3 * BLOB_CHUNK, hash, &added,
	    err), 0);
	ledger_rollback(fx->lg);
	assert_int_equal(blob_stat(fx->lg, hash, NULL, err), LD_ENOTFOUND);
	assert_int_equal(count(fx, "SELECT count(*) FROM blob_chunks"), 0);
	free(data);
}

static void
test_find_by_prefix(void **state)
{
	struct fixture *fx = *state;
	char err[LD_ERRLEN] = "", h1[HASH_HEX], got[HASH_HEX];
	char prefix[HASH_HEX];
	int added;

	assert_int_equal(blob_put(fx->lg, "甲", 3, h1, &added, err), 0);
	memcpy(prefix, h1, 8);
	prefix[8] = '\0';
	assert_int_equal(blob_find(fx->lg, prefix, got, err), 0);
	assert_string_equal(got, h1);
	assert_int_equal(blob_find(fx->lg, h1, got, err), 0);
	assert_int_equal(blob_find(fx->lg, "0123", got, err), LD_EINVAL);
	assert_int_equal(blob_find(fx->lg, "ABCDEF0123", got, err), LD_EINVAL);
	assert_int_equal(blob_find(fx->lg, "xyzxyzxyz", got, err), LD_EINVAL);
	/* Two hashes that share 10 digits (rows made here): found by
	 * 11, not by 10. */
	assert_int_equal(sqlite3_exec(ledger_sqlite(fx->lg),
	    "INSERT INTO blobs VALUES('abcdef0123" "0" "00000000000000000000000000000000000000000000000000000', 1, 0, 0);"
	    "INSERT INTO blobs VALUES('abcdef0123" "1" "00000000000000000000000000000000000000000000000000000', 1, 0, 0)",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(blob_find(fx->lg, "abcdef0123", got, err), LD_EINVAL);
	assert_non_null(strstr(err, "more than one"));
	assert_int_equal(blob_find(fx->lg, "abcdef01231", got, err), 0);
	assert_int_equal(strncmp(got, "abcdef01231", 11), 0);
	assert_int_equal(blob_find(fx->lg, "ffffffffffff", got, err),
	    LD_ENOTFOUND);
}

/* verify: a chunk changed, one missing, and an own attachment whose
 * blob is gone are problems; another station's is awaited. */
static void
test_verify_all(void **state)
{
	struct fixture *fx = *state;
	char err[LD_ERRLEN] = "", hash[HASH_HEX], *id = NULL;
	unsigned char *data = pattern(2 * BLOB_CHUNK + 1, 5);
	struct blob_report r;
	json_t *body;
	int added;

	assert_int_equal(blob_put(fx->lg, data, 2 * BLOB_CHUNK + 1, hash,
	    &added, err), 0);
	assert_int_equal(blob_verify_all(fx->lg, &r, err), 0);
	assert_int_equal(r.blobs, 1);
	assert_int_equal(r.problems, 0);
	assert_int_equal(r.orphans, 1); /* no event names it yet */

	/* An own attachment names it: no orphan. */
	assert_int_equal(ledger_begin(fx->lg, err), 0);
	body = unit_json("{\"source\":\"patrol\",\"category\":\"违法建设\","
	    "\"location\":\"村\",\"description\":\"建房\",\"urgent\":false,"
	    "\"discovered_at\":\"2026-11-21T09:30:00+08:00\",\"officer\":\"张三\"}");
	assert_int_equal(ledger_record(fx->lg, "case.opened", NULL, "张三", NULL,
	    body, &id, NULL, err), 0);
	json_decref(body);
	body = json_pack("{s:s, s:I, s:s, s:s, s:b}", "hash", hash, "size",
	    (json_int_t)(2 * BLOB_CHUNK + 1), "type", "image/jpeg", "name",
	    "现场.jpg", "confidential", 0);
	assert_int_equal(ledger_record(fx->lg, "case.attached", id, "张三",
	    NULL, body, NULL, NULL, err), 0);
	json_decref(body);
	assert_int_equal(ledger_commit(fx->lg, err), 0);
	assert_int_equal(blob_verify_all(fx->lg, &r, err), 0);
	assert_int_equal(r.orphans, 0);
	assert_int_equal(r.problems, 0);

	/* One byte of its second chunk changed. */
	assert_int_equal(sqlite3_exec(ledger_sqlite(fx->lg),
	    "UPDATE blob_chunks SET data = X'00' || substr(data, 2) WHERE n = 1",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(blob_verify(fx->lg, hash, err), LD_EINTEGRITY);
	assert_int_equal(blob_verify_all(fx->lg, &r, err), 0);
	assert_int_equal(r.problems, 1);
	assert_non_null(strstr(r.first, "damaged"));

	/* A chunk gone. */
	assert_int_equal(sqlite3_exec(ledger_sqlite(fx->lg),
	    "DELETE FROM blob_chunks WHERE n = 1", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(blob_verify(fx->lg, hash, err), LD_EINTEGRITY);
	assert_non_null(strstr(err, "missing"));

	/* The whole blob gone: its own attachment is missing. */
	assert_int_equal(sqlite3_exec(ledger_sqlite(fx->lg),
	    "DELETE FROM blob_chunks; DELETE FROM blobs", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(blob_verify_all(fx->lg, &r, err), 0);
	assert_int_equal(r.blobs, 0);
	assert_int_equal(r.problems, 1);
	assert_non_null(strstr(r.first, "is missing"));
	assert_int_equal(blob_write(fx->lg, hash, -1, err), LD_ENOTFOUND);
	free(id);
	free(data);
}

/* blob_refs says which files this unit attached (own) and which are a
 * reduced photo's original: blobsync sends only own, non-original ones. */
static void
test_refs_own_original(void **state)
{
	struct fixture *fx = *state;
	char err[LD_ERRLEN] = "", h1[HASH_HEX], h2[HASH_HEX], *id = NULL;
	unsigned char *d1 = pattern(1000, 1), *d2 = pattern(2000, 2);
	struct blob_ref *refs;
	size_t n, i;
	json_t *body;
	int added, seen = 0;

	assert_int_equal(ledger_begin(fx->lg, err), 0);
	assert_int_equal(blob_put(fx->lg, d1, 1000, h1, &added, err), 0);
	assert_int_equal(blob_put(fx->lg, d2, 2000, h2, &added, err), 0);
	body = unit_json("{\"source\":\"patrol\",\"category\":\"违法建设\","
	    "\"location\":\"村\",\"description\":\"建房\",\"urgent\":false,"
	    "\"discovered_at\":\"2026-11-21T09:30:00+08:00\",\"officer\":\"张三\"}");
	assert_int_equal(ledger_record(fx->lg, "case.opened", NULL, "张三", NULL,
	    body, &id, NULL, err), 0);
	json_decref(body);
	/* Own: h1 reduced from the original h2. */
	body = json_pack("{s:s, s:I, s:s, s:s, s:b, s:s, s:I}", "hash", h1,
	    "size", (json_int_t)1000, "type", "image/jpeg", "name", "现场.jpg",
	    "confidential", 0, "original", h2, "original_size",
	    (json_int_t)2000);
	assert_int_equal(ledger_record(fx->lg, "case.attached", id, "张三",
	    NULL, body, NULL, NULL, err), 0);
	json_decref(body);
	/* Another event naming the original as its file, then made another
	 * unit's (as a hostile unit's event would arrive). */
	body = json_pack("{s:s, s:I, s:s, s:s, s:b}", "hash", h2, "size",
	    (json_int_t)2000, "type", "image/jpeg", "name", "x.jpg",
	    "confidential", 0);
	assert_int_equal(ledger_record(fx->lg, "case.attached", id, "张三",
	    NULL, body, NULL, NULL, err), 0);
	json_decref(body);
	assert_int_equal(ledger_commit(fx->lg, err), 0);
	assert_int_equal(sqlite3_exec(ledger_sqlite(fx->lg),
	    "UPDATE events SET raw = json_set(raw, '$.unit', '其他镇')"
	    " WHERE json_extract(raw, '$.body.name') = 'x.jpg'",
	    NULL, NULL, NULL), SQLITE_OK);

	assert_int_equal(blob_refs(fx->lg, &refs, &n, err), 0);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		assert_true(refs[i].held);
		if (strcmp(refs[i].hash, h1) == 0) {
			assert_int_equal(refs[i].own, 1);
			assert_int_equal(refs[i].original, 0);
			seen |= 1;
		} else {
			assert_string_equal(refs[i].hash, h2);
			assert_int_equal(refs[i].own, 0);
			assert_int_equal(refs[i].original, 1);
			seen |= 2;
		}
	}
	assert_int_equal(seen, 3);
	blob_refs_free(refs, n);
	free(id);
	free(d1);
	free(d2);
}

/* Magic bytes and extensions (sniff.c). */
static void
test_sniff(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		const char *type;
	} content[] = {
		{ "\xff\xd8\xff\xe0\0\x10JFIF", 10, "image/jpeg" },
		{ "\x89PNG\r\n\x1a\n\0\0", 10, "image/png" },
		{ "%PDF-1.7\n", 9, "application/pdf" },
		{ "ID3\x04\0\0", 6, "audio/mpeg" },
		{ "\xff\xfb\x90\x64", 4, "audio/mpeg" },
		{ "#!AMR\n\x3c", 7, "audio/amr" },
		{ "#!AMR-WB\n", 9, "audio/amr" },
		{ "\0\0\0\x20" "ftypM4A \0\0\0\0", 16, "audio/mp4" },
		{ "\0\0\0\x18" "ftypisom\0\0\0\0", 16, "video/mp4" },
		{ "\0\0\0\x18" "ftypmp42\0\0\0\0", 16, "video/mp4" },
		{ "hello, world", 12, NULL },
		{ "\xff\xd8", 2, NULL },         /* too short for JPEG */
		{ "\xff\xe0\0\0", 4, NULL },     /* sync without a layer */
		{ "%PD", 3, NULL },
		{ "", 0, NULL },
	};
	static const struct {
		const char *name, *type;
	} names[] = {
		{ "现场.jpg", "image/jpeg" }, { "A.JPEG", "image/jpeg" },
		{ "x.png", "image/png" }, { "函.pdf", "application/pdf" },
		{ "r.mp3", "audio/mpeg" }, { "r.amr", "audio/amr" },
		{ "r.m4a", "audio/mp4" }, { "v.mp4", "video/mp4" },
		{ "notes.txt", NULL }, { "noext", NULL }, { ".jpg", NULL },
		{ "dir.jpg/file", NULL }, { "a.jpg.zip", NULL },
	};
	char err[LD_ERRLEN] = "";
	const char *t;
	size_t i;

	for (i = 0; i < sizeof content / sizeof content[0]; i++) {
		t = sniff_content((const unsigned char *)content[i].bytes,
		    content[i].len);
		if (content[i].type == NULL)
			assert_null(t);
		else if (t == NULL || strcmp(t, content[i].type) != 0)
			fail_msg("content %zu: %s, want %s", i, t, content[i].type);
	}
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		t = sniff_extension(names[i].name);
		if (names[i].type == NULL)
			assert_null(t);
		else
			assert_string_equal(t, names[i].type);
	}
	/* Agreement, a name claiming nothing, nothing known. */
	assert_int_equal(sniff_type("a.jpg", (const unsigned char *)"\xff\xd8\xff",
	    3, &t, err), 0);
	assert_string_equal(t, "image/jpeg");
	assert_int_equal(sniff_type("photo", (const unsigned char *)"\xff\xd8\xff",
	    3, &t, err), 0);
	assert_string_equal(t, "image/jpeg");
	assert_int_equal(sniff_type("notes.txt", (const unsigned char *)"hi", 2,
	    &t, err), 0);
	assert_string_equal(t, "application/octet-stream");
	/* The MP4 container: the name tells audio from video. */
	assert_int_equal(sniff_type("r.m4a", (const unsigned char *)
	    "\0\0\0\x18" "ftypisom", 12, &t, err), 0);
	assert_string_equal(t, "audio/mp4");
	/* Claims one type, is another; claims one, is none. */
	assert_int_equal(sniff_type("a.jpg", (const unsigned char *)"%PDF-1.4",
	    8, &t, err), LD_EINVAL);
	assert_non_null(strstr(err, "application/pdf"));
	assert_int_equal(sniff_type("a.pdf", (const unsigned char *)"hello",
	    5, &t, err), LD_EINVAL);
	assert_int_equal(sniff_type("a.mp3", (const unsigned char *)
	    "\x89PNG\r\n\x1a\n", 8, &t, err), LD_EINVAL);
	/* Every type sniffing gives is one an attachment's body takes. */
	for (i = 0; i < sizeof content / sizeof content[0]; i++)
		if (content[i].type != NULL)
			assert_non_null(enum_lookup(attachment_types,
			    content[i].type));
	assert_non_null(enum_lookup(attachment_types,
	    "application/octet-stream"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_and_read_back, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dedup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_changed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_by_prefix, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_verify_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refs_own_original, setup,
		    teardown),
		cmocka_unit_test(test_sniff),
	};

	return cmocka_run_group_tests(tests, harness_sodium, NULL);
}
