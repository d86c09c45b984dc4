/*
 * vault.c - sealing the complainant's identity at rest, and the key
 * files (see vault.h for the formats and the rotation's steps).
 *
 * The server's one caller of libsodium's encryption: a new use of it
 * (another confidential kind, another cipher) belongs here, behind a
 * vault_ function, and a new stored form gets a new prefix ("ldv2:")
 * beside the old one, which must go on opening.
 *
 * Keys live in sodium_malloc'd memory (guarded, locked where allowed,
 * wiped when freed); a key read from or written to a file passes through
 * stack buffers that are wiped before returning.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "vault.h"

#define KEY_BYTES crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define PREFIX "ldv1:"
#define PREFIX_LEN 5
#define HEAD_LEN (PREFIX_LEN + VAULT_ID_LEN) /* "ldv1:<id>:" */
#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define KEY_B64 sodium_base64_VARIANT_ORIGINAL
#define KEY_FILE_MAX 256
#define PENDING_SUFFIX "new"
#define TMP_SUFFIX "tmp-"

struct vault_key {
	unsigned char k[KEY_BYTES];
	char id[VAULT_ID_LEN];
};

struct vault {
	struct vault_key *keys; /* sodium_malloc'd, n of them */
	size_t n;
	int current;            /* index or -1 */
	int pending;            /* index or -1 */
};

struct vault *
vault_new(void)
{
	struct vault *v;

	if (sodium_init() < 0)
		abort();
	v = xcalloc(1, sizeof *v);
	v->current = v->pending = -1;
	return v;
}

static void
clear(struct vault *v)
{
	sodium_free(v->keys); /* wipes */
	v->keys = NULL;
	v->n = 0;
	v->current = v->pending = -1;
}

void
vault_free(struct vault *v)
{
	if (v == NULL)
		return;
	clear(v);
	free(v);
}

/* The id of key k: 12 hex digits of BLAKE2b("...", key = k). */
static void
key_id(const unsigned char k[KEY_BYTES], char id[VAULT_ID_LEN])
{
	static const char label[] = "liandong identity key id";
	unsigned char h[crypto_generichash_BYTES_MIN];

	crypto_generichash(h, sizeof h, (const unsigned char *)label,
	    sizeof label - 1, k, KEY_BYTES);
	sodium_bin2hex(id, VAULT_ID_LEN, h, (VAULT_ID_LEN - 1) / 2);
}

static int
find(const struct vault *v, const char *id)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->keys[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* Adds k (if its id is new) and returns its index. */
static int
add_key(struct vault *v, const unsigned char k[KEY_BYTES])
{
	struct vault_key *nk;
	char id[VAULT_ID_LEN];
	int i;

	key_id(k, id);
	if ((i = find(v, id)) >= 0)
		return i;
	nk = sodium_malloc((v->n + 1) * sizeof *nk);
	if (nk == NULL)
		abort();
	if (v->n > 0)
		memcpy(nk, v->keys, v->n * sizeof *nk);
	memcpy(nk[v->n].k, k, KEY_BYTES);
	memcpy(nk[v->n].id, id, VAULT_ID_LEN);
	sodium_free(v->keys);
	v->keys = nk;
	return (int)v->n++;
}

/* Removes the key at index i, keeping current and pending right. */
static void
drop_key(struct vault *v, int i)
{
	size_t last = v->n - 1;

	if ((size_t)i != last)
		memcpy(&v->keys[i], &v->keys[last], sizeof v->keys[i]);
	sodium_memzero(&v->keys[last], sizeof v->keys[last]);
	v->n--;
	if (v->current == i)
		v->current = -1;
	else if (v->current == (int)last)
		v->current = i;
	if (v->pending == i)
		v->pending = -1;
	else if (v->pending == (int)last)
		v->pending = i;
}

/* A random key whose id differs from every key held. */
static void
fresh_key(const struct vault *v, unsigned char k[KEY_BYTES])
{
	char id[VAULT_ID_LEN];

	do {
		crypto_aead_xchacha20poly1305_ietf_keygen(k);
		key_id(k, id);
	} while (find(v, id) >= 0);
}

static int
fsync_dir(const char *dir, char *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return ld_fail(err, LD_EFULL, _("cannot open '%s': %s"), dir,
		    strerror(errno));
	rc = fsync(fd);
	close(fd);
	return rc == 0 ? 0 : ld_fail(err, LD_EFULL, _("cannot sync '%s': %s"),
	    dir, strerror(errno));
}

/* Reads the key file path into k, refusing one that group or others may
 * read. */
static int
read_key_file(const char *path, unsigned char k[KEY_BYTES], char *err)
{
	char buf[KEY_FILE_MAX];
	const char *end = NULL;
	size_t binlen = 0;
	struct stat sb;
	ssize_t n;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return ld_fail(err, LD_ECONFIG, _("cannot read key file '%s': %s"),
		    path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return ld_fail(err, LD_ECONFIG,
		    _("key file '%s' is not a regular file"), path);
	}
	if (sb.st_mode & 077) {
		close(fd);
		return ld_fail(err, LD_ECONFIG,
		    _("key file '%s' is readable by others: chmod 600 it"), path);
	}
	n = read(fd, buf, sizeof buf);
	close(fd);
	rc = n > 0 && n < (ssize_t)sizeof buf &&
	    sodium_base642bin(k, KEY_BYTES, buf, (size_t)n, "\r\n", &binlen,
	    &end, KEY_B64) == 0 && binlen == KEY_BYTES && end == buf + n;
	sodium_memzero(buf, sizeof buf);
	if (!rc) {
		sodium_memzero(k, KEY_BYTES);
		return ld_fail(err, LD_ECONFIG,
		    _("key file '%s' does not hold one identity key"), path);
	}
	return 0;
}

/*
 * Writes k as dir/name, mode 0600, through a temporary file that is
 * fsync'd first, then the directory. noclobber: never replace an
 * existing file (LD_EEXIST), else replace it atomically.
 */
static int
write_key_file(const char *dir, const char *name,
    const unsigned char k[KEY_BYTES], int noclobber, char *err)
{
	char line[sodium_base64_ENCODED_LEN(KEY_BYTES, KEY_B64) + 1];
	char *tmp = xasprintf("%s/%s." TMP_SUFFIX "%ld", dir, VAULT_KEY_FILE,
	    (long)getpid());
	char *path = xasprintf("%s/%s", dir, name);
	size_t len;
	int fd, rc = 0, e;

	sodium_bin2base64(line, sizeof line - 1, k, KEY_BYTES, KEY_B64);
	len = strlen(line);
	line[len++] = '\n';
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, line, len) != (ssize_t)len || fsync(fd) != 0) {
		e = errno;
		rc = ld_fail(err, LD_EFULL, _("cannot write key file '%s': %s"),
		    tmp, strerror(e));
	}
	sodium_memzero(line, sizeof line);
	if (fd >= 0 && close(fd) != 0 && rc == 0)
		rc = ld_fail(err, LD_EFULL, _("cannot write key file '%s': %s"),
		    tmp, strerror(errno));
	if (rc == 0 && noclobber) {
		if (link(tmp, path) != 0)
			rc = errno == EEXIST ? LD_EEXIST : ld_fail(err, LD_EFULL,
			    _("cannot write key file '%s': %s"), path,
			    strerror(errno));
		unlink(tmp);
	} else if (rc == 0 && rename(tmp, path) != 0)
		rc = ld_fail(err, LD_EFULL, _("cannot write key file '%s': %s"),
		    path, strerror(errno));
	if (rc != 0)
		unlink(tmp);
	if (rc == 0)
		rc = fsync_dir(dir, err);
	free(tmp);
	free(path);
	return rc;
}

/* 1 if s is a key id: 12 lowercase hex digits. */
static int
is_id(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == VAULT_ID_LEN - 1;
}

/* Loads dir/name into v; returns its index or an LD_E* code. */
static int
load_file(struct vault *v, const char *dir, const char *name, char *err)
{
	unsigned char k[KEY_BYTES];
	char *path = xasprintf("%s/%s", dir, name);
	int rc = read_key_file(path, k, err);

	free(path);
	if (rc != 0)
		return rc;
	rc = add_key(v, k);
	sodium_memzero(k, sizeof k);
	return rc;
}

int
vault_load(struct vault *v, const char *dir, char *err)
{
	static const char stem[] = VAULT_KEY_FILE ".";
	char *path = xasprintf("%s/%s", dir, VAULT_KEY_FILE);
	struct dirent *de;
	struct stat sb;
	DIR *d = NULL;
	int i, rc = 0;

	clear(v);
	if (stat(path, &sb) == 0 || errno != ENOENT) {
		if ((i = load_file(v, dir, VAULT_KEY_FILE, err)) < 0)
			rc = i;
		else
			v->current = i;
	}
	free(path);
	if (rc == 0 && (d = opendir(dir)) == NULL)
		rc = ld_fail(err, LD_ECONFIG, _("cannot read '%s': %s"), dir,
		    strerror(errno));
	while (rc == 0 && (de = readdir(d)) != NULL) {
		const char *suffix = de->d_name + sizeof stem - 1;

		if (strncmp(de->d_name, stem, sizeof stem - 1) != 0 ||
		    !(strcmp(suffix, PENDING_SUFFIX) == 0 || is_id(suffix)))
			continue; /* not a key file: temporary ones included */
		if ((i = load_file(v, dir, de->d_name, err)) < 0)
			rc = i;
		else if (strcmp(suffix, PENDING_SUFFIX) == 0)
			v->pending = i;
		else if (strcmp(v->keys[i].id, suffix) != 0)
			rc = ld_fail(err, LD_ECONFIG,
			    _("key file '%s/%s' holds key %s, not the one its name says"),
			    dir, de->d_name, v->keys[i].id);
	}
	if (d != NULL)
		closedir(d);
	if (rc != 0)
		clear(v);
	return rc;
}

int
vault_generate(struct vault *v)
{
	unsigned char k[KEY_BYTES];

	fresh_key(v, k);
	v->current = add_key(v, k);
	sodium_memzero(k, sizeof k);
	return 0;
}

int
vault_create(struct vault *v, const char *dir, char *err)
{
	unsigned char k[KEY_BYTES];
	int rc;

	fresh_key(v, k);
	rc = write_key_file(dir, VAULT_KEY_FILE, k, 1, err);
	if (rc == 0)
		v->current = add_key(v, k);
	sodium_memzero(k, sizeof k);
	if (rc == LD_EEXIST) { /* another process made it first */
		if ((rc = load_file(v, dir, VAULT_KEY_FILE, err)) >= 0) {
			v->current = rc;
			rc = 0;
		}
	}
	return rc;
}

const char *
vault_current_id(const struct vault *v)
{
	return v->current >= 0 ? v->keys[v->current].id : NULL;
}

const char *
vault_pending_id(const struct vault *v)
{
	return v->pending >= 0 ? v->keys[v->pending].id : NULL;
}

int
vault_rotate_begin(struct vault *v, const char *dir, char *err)
{
	unsigned char k[KEY_BYTES];
	int rc;

	if (v->current < 0 || v->pending >= 0)
		return ld_fail(err, LD_EINTERNAL,
		    "rotation needs a current key and none pending");
	fresh_key(v, k);
	rc = write_key_file(dir, VAULT_KEY_FILE "." PENDING_SUFFIX, k, 0, err);
	if (rc == 0)
		v->pending = add_key(v, k);
	sodium_memzero(k, sizeof k);
	return rc;
}

int
vault_rotate_finish(struct vault *v, const char *dir, char *err)
{
	char *from, *to, name[sizeof VAULT_KEY_FILE + VAULT_ID_LEN];
	int rc = 0;

	if (v->pending < 0)
		return 0;
	if (v->current >= 0) {
		snprintf(name, sizeof name, "%s.%s", VAULT_KEY_FILE,
		    v->keys[v->current].id);
		rc = write_key_file(dir, name, v->keys[v->current].k, 1, err);
		if (rc == LD_EEXIST) /* kept already, before a crash */
			rc = 0;
		if (rc != 0)
			return rc;
	}
	from = xasprintf("%s/%s.%s", dir, VAULT_KEY_FILE, PENDING_SUFFIX);
	to = xasprintf("%s/%s", dir, VAULT_KEY_FILE);
	if (rename(from, to) != 0)
		rc = ld_fail(err, LD_EFULL, _("cannot rename '%s' to '%s': %s"),
		    from, to, strerror(errno));
	free(from);
	free(to);
	if (rc == 0)
		rc = fsync_dir(dir, err);
	if (rc == 0) {
		v->current = v->pending;
		v->pending = -1;
	}
	return rc;
}

int
vault_rotate_abandon(struct vault *v, const char *dir, char *err)
{
	char *path = xasprintf("%s/%s.%s", dir, VAULT_KEY_FILE, PENDING_SUFFIX);
	int rc = 0;

	if (unlink(path) != 0 && errno != ENOENT)
		rc = ld_fail(err, LD_EFULL, _("cannot remove '%s': %s"), path,
		    strerror(errno));
	free(path);
	if (rc == 0)
		rc = fsync_dir(dir, err);
	if (rc == 0 && v->pending >= 0)
		drop_key(v, v->pending);
	return rc;
}

int
vault_recover(struct vault *v, const char *dir, const char *db_key,
    const char **what, char *err)
{
	static const char tmp[] = VAULT_KEY_FILE "." TMP_SUFFIX;
	struct dirent *de;
	DIR *d;

	*what = NULL;
	/* A temporary key file is a write a crash cut short: never used. */
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (strncmp(de->d_name, tmp, sizeof tmp - 1) == 0)
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	if (v->pending < 0)
		return 0;
	if (db_key != NULL && strcmp(db_key, v->keys[v->pending].id) == 0) {
		*what = "finished";
		return vault_rotate_finish(v, dir, err);
	}
	*what = "abandoned";
	return vault_rotate_abandon(v, dir, err);
}

int
vault_lock(const char *dir, int exclusive, int *fd, char *err)
{
	int rc;

	*fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return ld_fail(err, LD_ECONFIG, _("cannot open '%s': %s"), dir,
		    strerror(errno));
	do
		rc = flock(*fd, exclusive ? LOCK_EX | LOCK_NB : LOCK_SH);
	while (rc != 0 && errno == EINTR);
	if (rc != 0) {
		rc = errno == EWOULDBLOCK ? ld_fail(err, LD_ELOCKED,
		    _("the server directory '%s' is in use by another liandong-server (is 'serve' running?)"),
		    dir) : ld_fail(err, LD_ECONFIG, _("cannot lock '%s': %s"),
		    dir, strerror(errno));
		close(*fd);
		*fd = -1;
	}
	return rc;
}

void
vault_lock_downgrade(int fd)
{
	while (flock(fd, LOCK_SH) != 0 && errno == EINTR)
		;
}

void
vault_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int
vault_is_sealed(const char *text, size_t len)
{
	return len >= PREFIX_LEN && memcmp(text, PREFIX, PREFIX_LEN) == 0;
}

/* The associated data binding a sealed text to its event's row. */
static size_t
assoc(char *ad, size_t size, const char *station, int64_t seq)
{
	int n = snprintf(ad, size, "ldv1 %s/%lld", station, (long long)seq);

	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

int
vault_seal(const struct vault *v, const char *keyid, const char *station,
    int64_t seq, const char *plain, size_t len, char **out, char *err)
{
	int i = keyid != NULL ? find(v, keyid) : v->current;
	size_t boxlen = NONCE_BYTES + len + TAG_BYTES, b64len, adlen;
	unsigned char *box;
	char ad[128];

	*out = NULL;
	if (i < 0)
		return ld_fail(err, LD_ECONFIG, _("no identity key %s to seal with"),
		    keyid != NULL ? keyid : "");
	adlen = assoc(ad, sizeof ad, station, seq);
	box = xmalloc(boxlen);
	randombytes_buf(box, NONCE_BYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(box + NONCE_BYTES, NULL,
	    (const unsigned char *)plain, len, (const unsigned char *)ad, adlen,
	    NULL, box, v->keys[i].k);
	b64len = sodium_base64_ENCODED_LEN(boxlen, B64);
	*out = xmalloc(HEAD_LEN + b64len);
	memcpy(*out, PREFIX, PREFIX_LEN);
	memcpy(*out + PREFIX_LEN, v->keys[i].id, VAULT_ID_LEN - 1);
	(*out)[HEAD_LEN - 1] = ':';
	sodium_bin2base64(*out + HEAD_LEN, b64len, box, boxlen, B64);
	free(box);
	return 0;
}

int
vault_open(const struct vault *v, const char *station, int64_t seq,
    const char *text, size_t len, char **plain, size_t *plain_len,
    char *err)
{
	char id[VAULT_ID_LEN], ad[128];
	unsigned char *box;
	size_t boxlen = 0, adlen, cap;
	unsigned long long n = 0;
	int i;

	*plain = NULL;
	*plain_len = 0;
	if (!vault_is_sealed(text, len) || len < HEAD_LEN ||
	    text[HEAD_LEN - 1] != ':')
		return ld_fail(err, LD_EINTEGRITY,
		    _("event %s/%lld: its sealed text is malformed"), station,
		    (long long)seq);
	memcpy(id, text + PREFIX_LEN, VAULT_ID_LEN - 1);
	id[VAULT_ID_LEN - 1] = '\0';
	if ((i = find(v, id)) < 0)
		return ld_fail(err, LD_ECONFIG,
		    _("event %s/%lld is sealed with identity key %s, which is not in the server directory: restore its file %s.%s"),
		    station, (long long)seq, is_id(id) ? id : "?", VAULT_KEY_FILE,
		    is_id(id) ? id : "?");
	cap = (len - HEAD_LEN) / 4 * 3 + 3;
	box = xmalloc(cap);
	if (sodium_base642bin(box, cap, text + HEAD_LEN, len - HEAD_LEN, NULL,
	    &boxlen, NULL, B64) != 0 || boxlen < NONCE_BYTES + TAG_BYTES) {
		free(box);
		return ld_fail(err, LD_EINTEGRITY,
		    _("event %s/%lld: its sealed text is malformed"), station,
		    (long long)seq);
	}
	adlen = assoc(ad, sizeof ad, station, seq);
	*plain = xmalloc(boxlen - NONCE_BYTES - TAG_BYTES + 1);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)*plain,
	    &n, NULL, box + NONCE_BYTES, boxlen - NONCE_BYTES,
	    (const unsigned char *)ad, adlen, box, v->keys[i].k) != 0) {
		free(box);
		free(*plain);
		*plain = NULL;
		return ld_fail(err, LD_EINTEGRITY,
		    _("event %s/%lld: its sealed text does not open (altered, or from another row)"),
		    station, (long long)seq);
	}
	free(box);
	(*plain)[n] = '\0';
	*plain_len = (size_t)n;
	return 0;
}

void
vault_plain_free(char *plain, size_t len)
{
	if (plain == NULL)
		return;
	sodium_memzero(plain, len);
	free(plain);
}
