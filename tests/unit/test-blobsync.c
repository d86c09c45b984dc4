/*
 * test-blobsync.c - the agent's side of attachments' files
 * (agent/blobsync.c) against a server that lies: net_request is a stub
 * here, answering what each test scripts. The agent must refuse a
 * "have" outside the file, and stop when the answers never advance.
 */
#include "harness.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "blob.h"
#include "blobsync.h"
#include "ledger.h"
#include "net.h"
#include "unit.h"

/* The stub's script: every answer is status with body. */
static long stub_status;
static const char *stub_body;
static int stub_calls;

int
net_request(struct net *n, const char *method, const char *path,
    const char *content_type, const char *content_encoding,
    const void *body, size_t len, size_t max_resp, struct net_response *r,
    char *err)
{
	memset(r, 0, sizeof *r);
	if (++stub_calls > 1000)
		fail_msg("the agent asked more than 1000 times: it loops");
	r->status = stub_status;
	r->body = xstrdup(stub_body);
	r->len = strlen(stub_body);
	return 0;
}

void
net_response_release(struct net_response *r)
{
	free(r->body);
	free(r->content_encoding);
	r->body = NULL;
}

struct fixture {
	char *dir;
	char path[PATH_MAX];
	struct ledger *lg;
};

/* A station holding one own attachment of 100000 bytes. */
static int
setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof *fx);
	char err[LD_ERRLEN] = "", hash[HASH_HEX], *id = NULL;
	unsigned char *data = xcalloc(1, 100000);
	json_t *body;
	int added;

	fx->dir = harness_scratch("blobsync");
	snprintf(fx->path, sizeof fx->path, "%s/station.db", fx->dir);
	if (ledger_create(fx->path, "s1", UNIT_UNIT, err) != 0 ||
	    ledger_open(fx->path, &fx->lg, err) != 0) {
		fprintf(stderr, "cannot make a station database: %s\n", err);
		return -1;
	}
	data[0] = 0xff;
	data[1] = 0xd8;
	assert_int_equal(ledger_begin(fx->lg, err), 0);
	assert_int_equal(blob_put(fx->lg, data, 100000, hash, &added, err), 0);
	body = unit_json("{\"source\":\"patrol\",\"category\":\"违法建设\","
	    "\"location\":\"村\",\"description\":\"建房\",\"urgent\":false,"
	    "\"discovered_at\":\"2026-11-21T09:30:00+08:00\",\"officer\":\"张三\"}");
	assert_int_equal(ledger_record(fx->lg, "case.opened", NULL, "张三", NULL,
	    body, &id, NULL, err), 0);
	json_decref(body);
	body = json_pack("{s:s, s:I, s:s, s:s, s:b}", "hash", hash, "size",
	    (json_int_t)100000, "type", "image/jpeg", "name", "现场.jpg",
	    "confidential", 0);
	assert_int_equal(ledger_record(fx->lg, "case.attached", id, "张三",
	    NULL, body, NULL, NULL, err), 0);
	json_decref(body);
	assert_int_equal(ledger_commit(fx->lg, err), 0);
	free(id);
	free(data);
	stub_calls = 0;
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

static int
run(struct fixture *fx, long status, const char *body, char *err)
{
	struct blobsync_report r;

	memset(&r, 0, sizeof r);
	stub_status = status;
	stub_body = body;
	return blobsync_run(fx->lg, NULL, fx->dir, -1, &r, err);
}

static void
test_negative_have(void **state)
{
	char err[LD_ERRLEN] = "";

	assert_int_equal(run(*state, 200, "{\"have\":-65536,\"complete\":false}",
	    err), LD_EREFUSED);
	assert_non_null(strstr(err, "no offset within the file"));
	assert_int_equal(stub_calls, 1);
}

static void
test_have_past_size(void **state)
{
	char err[LD_ERRLEN] = "";

	assert_int_equal(run(*state, 200, "{\"have\":100001,\"complete\":false}",
	    err), LD_EREFUSED);
	assert_non_null(strstr(err, "no offset within the file"));
}

/* Every answer, 200 or 409, says have 0: a few tries, then an error. */
static void
test_never_advances(void **state)
{
	char err[LD_ERRLEN] = "";

	assert_int_equal(run(*state, 200, "{\"have\":0,\"complete\":false}",
	    err), LD_EREFUSED);
	assert_non_null(strstr(err, "does not take attachment"));
	assert_true(stub_calls <= 5);
	stub_calls = 0;
	assert_int_equal(run(*state, 409, "{\"have\":0,\"complete\":false}",
	    err), LD_EREFUSED);
	assert_true(stub_calls <= 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_negative_have, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_have_past_size, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_never_advances, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, harness_sodium, NULL);
}
