/*
 * test-vault.c - server/vault.c: the complainant's identity sealed at
 * rest. A sealed text opens only under its key and in its own row
 * (station, seq); any change to it is detected; key files are refused
 * when others may read them or when their name lies; a rotation's files
 * end in one state whichever way it was interrupted.
 *
 * Each test that touches files works in its own temporary directory.
 */
#include "harness.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "vault.h"

#define PLAIN "{\"body\":" BODY_COMPLAINT_IDENTITY ",\"kind\":\"complaint.identity\"}"

static char *
tmpdir(void)
{
	return harness_scratch("vault");
}

static void
rmdir_all(char *d)
{
	assert_int_equal(harness_remove(d), 0);
	free(d);
}

static char *
path_in(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static int
mode_of(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		return -1;
	return (int)(sb.st_mode & 0777);
}

/* Seals PLAIN for st001/7 under v's current key. */
static char *
seal(const struct vault *v)
{
	char err[LD_ERRLEN] = "", *out = NULL;

	assert_int_equal(vault_seal(v, NULL, "st001", 7, PLAIN, strlen(PLAIN),
	    &out, err), 0);
	return out;
}

/* Opens text as st001/7 and checks it gives PLAIN back. */
static void
opens(const struct vault *v, const char *text)
{
	char err[LD_ERRLEN] = "", *plain = NULL;
	size_t len = 0;

	assert_int_equal(vault_open(v, "st001", 7, text, strlen(text), &plain,
	    &len, err), 0);
	assert_int_equal(len, strlen(PLAIN));
	assert_string_equal(plain, PLAIN);
	vault_plain_free(plain, len);
}

static int
open_rc(const struct vault *v, const char *station, int64_t seq,
    const char *text, char *err)
{
	char *plain = NULL;
	size_t len = 0;
	int rc = vault_open(v, station, seq, text, strlen(text), &plain, &len,
	    err);

	assert_true(rc != 0 || plain != NULL);
	vault_plain_free(plain, len);
	return rc;
}

static void
test_seal_round_trip(void **state)
{
	struct vault *v = vault_new();
	char *a, *b, head[32];

	vault_generate(v);
	a = seal(v);
	b = seal(v);
	snprintf(head, sizeof head, "ldv1:%s:", vault_current_id(v));
	assert_int_equal(strncmp(a, head, strlen(head)), 0);
	assert_true(vault_is_sealed(a, strlen(a)));
	assert_false(vault_is_sealed(PLAIN, strlen(PLAIN)));
	/* Nothing of the plain text shows, and a fresh nonce each time. */
	assert_null(strstr(a, "王五"));
	assert_null(strstr(a, "138"));
	assert_string_not_equal(a, b);
	opens(v, a);
	opens(v, b);
	free(a);
	free(b);
	vault_free(v);
}

static void
test_bound_to_its_row(void **state)
{
	struct vault *v = vault_new();
	char err[LD_ERRLEN], *a;

	vault_generate(v);
	a = seal(v);
	assert_int_equal(open_rc(v, "st002", 7, a, err), LD_EINTEGRITY);
	assert_int_equal(open_rc(v, "st001", 8, a, err), LD_EINTEGRITY);
	assert_non_null(strstr(err, "another row"));
	/* "st00" + "17/7" must not pass for "st001" + "7". */
	assert_int_equal(open_rc(v, "st00", 17, a, err), LD_EINTEGRITY);
	free(a);
	vault_free(v);
}

static void
test_tampering_detected(void **state)
{
	struct vault *v = vault_new();
	char err[LD_ERRLEN], *a;
	size_t len, i;

	vault_generate(v);
	a = seal(v);
	len = strlen(a);
	/* Every character of the ciphertext, changed, is caught. */
	for (i = 18; i < len; i++) {
		char was = a[i];
		a[i] = was == 'A' ? 'B' : 'A';
		assert_int_equal(open_rc(v, "st001", 7, a, err), LD_EINTEGRITY);
		a[i] = was;
	}
	opens(v, a);
	a[len - 10] = '\0'; /* cut short */
	assert_int_equal(open_rc(v, "st001", 7, a, err), LD_EINTEGRITY);
	a[24] = '\0'; /* shorter than a nonce and a tag */
	assert_int_equal(open_rc(v, "st001", 7, a, err), LD_EINTEGRITY);
	assert_int_equal(open_rc(v, "st001", 7, "ldv1:", err), LD_EINTEGRITY);
	assert_int_equal(open_rc(v, "st001", 7, PLAIN, err), LD_EINTEGRITY);
	free(a);
	vault_free(v);
}

static void
test_unknown_key(void **state)
{
	struct vault *v = vault_new(), *w = vault_new();
	char err[LD_ERRLEN], *a, *none;

	vault_generate(v);
	vault_generate(w);
	a = seal(v);
	assert_int_equal(open_rc(w, "st001", 7, a, err), LD_ECONFIG);
	assert_non_null(strstr(err, vault_current_id(v)));
	assert_non_null(strstr(err, "identity.key."));
	assert_int_equal(vault_seal(w, "000000000000", "st001", 7, "x", 1,
	    &none, err), LD_ECONFIG);
	assert_null(none);
	free(a);
	vault_free(v);
	vault_free(w);
}

static void
test_key_files(void **state)
{
	char *d = tmpdir(), *key = path_in(d, VAULT_KEY_FILE), *a;
	char err[LD_ERRLEN] = "", id[VAULT_ID_LEN], *retired;
	struct vault *v = vault_new();
	FILE *f;

	/* A directory without a key loads empty; create makes one, 0600. */
	assert_int_equal(vault_load(v, d, err), 0);
	assert_null(vault_current_id(v));
	assert_int_equal(vault_create(v, d, err), 0);
	assert_int_equal(mode_of(key), 0600);
	ld_strlcpy(id, vault_current_id(v), sizeof id);
	a = seal(v);
	/* Loaded again: the same key; a second create keeps the file. */
	assert_int_equal(vault_load(v, d, err), 0);
	assert_string_equal(vault_current_id(v), id);
	opens(v, a);
	vault_free(v);
	v = vault_new();
	assert_int_equal(vault_create(v, d, err), 0);
	assert_string_equal(vault_current_id(v), id);
	opens(v, a);
	/* Readable by group or others: refused, as the agent's token. */
	assert_int_equal(chmod(key, 0640), 0);
	assert_int_equal(vault_load(v, d, err), LD_ECONFIG);
	assert_non_null(strstr(err, "readable by others: chmod 600 it"));
	assert_null(vault_current_id(v));
	assert_int_equal(chmod(key, 0604), 0);
	assert_int_equal(vault_load(v, d, err), LD_ECONFIG);
	assert_int_equal(chmod(key, 0600), 0);
	/* A retired key under another key's name is refused. */
	retired = path_in(d, VAULT_KEY_FILE ".0123456789ab");
	assert_int_equal(link(key, retired), 0);
	assert_int_equal(vault_load(v, d, err), LD_ECONFIG);
	assert_non_null(strstr(err, "not the one its name says"));
	unlink(retired);
	/* Not a key. */
	f = fopen(key, "w");
	fputs("not a key\n", f);
	fclose(f);
	assert_int_equal(vault_load(v, d, err), LD_ECONFIG);
	assert_non_null(strstr(err, "does not hold one identity key"));
	free(retired);
	free(a);
	free(key);
	vault_free(v);
	rmdir_all(d);
}

static void
test_rotation(void **state)
{
	char *d = tmpdir(), *pending = path_in(d, VAULT_KEY_FILE ".new");
	char err[LD_ERRLEN] = "", old[VAULT_ID_LEN], new[VAULT_ID_LEN];
	char *a, *b = NULL, *retired;
	struct vault *v = vault_new();

	assert_int_equal(vault_create(v, d, err), 0);
	ld_strlcpy(old, vault_current_id(v), sizeof old);
	a = seal(v);
	assert_int_equal(vault_rotate_begin(v, d, err), 0);
	ld_strlcpy(new, vault_pending_id(v), sizeof new);
	assert_string_not_equal(old, new);
	assert_int_equal(mode_of(pending), 0600);
	/* The pending key seals when named; the current one still seals. */
	assert_int_equal(vault_seal(v, new, "st001", 7, PLAIN, strlen(PLAIN),
	    &b, err), 0);
	assert_string_equal(vault_current_id(v), old);
	opens(v, b);
	/* A crash here: the next load holds both, and opens both. */
	assert_int_equal(vault_load(v, d, err), 0);
	assert_string_equal(vault_pending_id(v), new);
	opens(v, a);
	opens(v, b);
	assert_int_equal(vault_rotate_finish(v, d, err), 0);
	assert_string_equal(vault_current_id(v), new);
	assert_null(vault_pending_id(v));
	assert_int_equal(mode_of(pending), -1);
	retired = xasprintf("%s/%s.%s", d, VAULT_KEY_FILE, old);
	assert_int_equal(mode_of(retired), 0600);
	/* Loaded afresh: the new key current, the old one retired, both open. */
	assert_int_equal(vault_load(v, d, err), 0);
	assert_string_equal(vault_current_id(v), new);
	assert_null(vault_pending_id(v));
	opens(v, a);
	opens(v, b);
	free(retired);
	free(a);
	free(b);
	free(pending);
	vault_free(v);
	rmdir_all(d);
}

static void
test_recover(void **state)
{
	char *d = tmpdir(), *stale, *pending = path_in(d, VAULT_KEY_FILE ".new");
	char err[LD_ERRLEN] = "", old[VAULT_ID_LEN], new[VAULT_ID_LEN];
	struct vault *v = vault_new();
	const char *what;
	FILE *f;

	assert_int_equal(vault_create(v, d, err), 0);
	ld_strlcpy(old, vault_current_id(v), sizeof old);
	/* Nothing pending: nothing done, a stale temporary file removed. */
	stale = path_in(d, VAULT_KEY_FILE ".tmp-99999");
	f = fopen(stale, "w");
	fclose(f);
	assert_int_equal(vault_recover(v, d, old, &what, err), 0);
	assert_null(what);
	assert_int_equal(mode_of(stale), -1);
	/* Pending, not named by the database: abandoned. */
	assert_int_equal(vault_rotate_begin(v, d, err), 0);
	assert_int_equal(vault_load(v, d, err), 0);
	assert_int_equal(vault_recover(v, d, old, &what, err), 0);
	assert_string_equal(what, "abandoned");
	assert_int_equal(mode_of(pending), -1);
	assert_null(vault_pending_id(v));
	assert_string_equal(vault_current_id(v), old);
	/* Pending and named by the database: finished. */
	assert_int_equal(vault_rotate_begin(v, d, err), 0);
	ld_strlcpy(new, vault_pending_id(v), sizeof new);
	assert_int_equal(vault_load(v, d, err), 0);
	assert_int_equal(vault_recover(v, d, new, &what, err), 0);
	assert_string_equal(what, "finished");
	assert_string_equal(vault_current_id(v), new);
	assert_int_equal(vault_load(v, d, err), 0);
	assert_string_equal(vault_current_id(v), new);
	assert_null(vault_pending_id(v));
	free(stale);
	free(pending);
	vault_free(v);
	rmdir_all(d);
}

static void
test_lock(void **state)
{
	char *d = tmpdir(), err[LD_ERRLEN] = "";
	int a, b, c;

	/* Shared holders keep an exclusive taker out. */
	assert_int_equal(vault_lock(d, 0, &a, err), 0);
	assert_int_equal(vault_lock(d, 0, &b, err), 0);
	assert_int_equal(vault_lock(d, 1, &c, err), LD_ELOCKED);
	assert_non_null(strstr(err, "in use"));
	assert_int_equal(c, -1);
	vault_unlock(a);
	vault_unlock(b);
	/* An exclusive holder keeps another out until it shares. */
	assert_int_equal(vault_lock(d, 1, &a, err), 0);
	assert_int_equal(vault_lock(d, 1, &c, err), LD_ELOCKED);
	vault_lock_downgrade(a);
	assert_int_equal(vault_lock(d, 0, &b, err), 0);
	assert_int_equal(vault_lock(d, 1, &c, err), LD_ELOCKED);
	vault_unlock(a);
	vault_unlock(b);
	assert_int_equal(vault_lock(d, 1, &c, err), 0);
	vault_unlock(c);
	rmdir_all(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seal_round_trip),
		cmocka_unit_test(test_bound_to_its_row),
		cmocka_unit_test(test_tampering_detected),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_key_files),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_recover),
		cmocka_unit_test(test_lock),
	};

	return cmocka_run_group_tests(tests, harness_sodium, NULL);
}
