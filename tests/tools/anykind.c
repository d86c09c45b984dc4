/*
 * anykind.c - records one event of any kind on a station database, with
 * the kind's example body (kinds.c), for the security tests: it writes
 * what the agent's commands would refuse, the way an old or tampered
 * agent could.
 *
 *   anykind DB KIND [ENTITY] [--to UNIT]...
 *   anykind --kinds          lists every kind, one per line
 *   anykind --letters        ... with its type's id letter and 1 if it
 *                            creates its record: "case.opened C 1"
 *
 * ENTITY is required for a kind that does not create one. The body's
 * "to" (a unit, or a list of units) and the event's audience are this
 * station's unit and the --to units. Prints the entity id. The ledger
 * still applies its own checks, the station's role among them (meta
 * "role", set at enrolment): delete it first to play an agent that does
 * not check. An attachment's body names a one-byte file, stored with it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "hash.h"
#include "kinds.h"
#include "ledger.h"
#include "util.h"

int
main(int argc, char **argv)
{
	const struct kind_info *k;
	const struct field *f;
	struct ledger *lg;
	char err[LD_ERRLEN] = "", *id = NULL;
	const char *entity = NULL;
	json_t *to, *aud, *body;
	int i, rc;

	if (argc == 2 && strcmp(argv[1], "--kinds") == 0) {
		for (i = 0; (k = kind_at((size_t)i)) != NULL; i++)
			printf("%s\n", k->name);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--letters") == 0) {
		for (i = 0; (k = kind_at((size_t)i)) != NULL; i++)
			printf("%s %c %d\n", k->name, k->etype->letter,
			    k->creates);
		return 0;
	}
	if (argc < 3 || hash_init() != 0) {
		fputs("usage: anykind DB KIND [ENTITY] [--to UNIT]...\n", stderr);
		return 2;
	}
	to = json_array();
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
			json_array_append_new(to, json_string(argv[++i]));
		else
			entity = argv[i];
	}
	if ((k = kind_find(argv[2])) == NULL ||
	    (rc = ledger_open(argv[1], &lg, err)) != 0) {
		fprintf(stderr, "anykind: %s\n", k == NULL ? "unknown kind" : err);
		json_decref(to);
		return k == NULL ? 2 : 6;
	}
	body = kind_example_body(k, 0);
	for (f = k->fields; f->name != NULL; f++) {
		if (strcmp(f->name, "to") != 0 || json_array_size(to) == 0)
			continue;
		if (f->type == F_STRS)
			json_object_set(body, "to", to);
		else
			json_object_set(body, "to", json_array_get(to, 0));
	}
	aud = json_array();
	json_array_append_new(aud, json_string(ledger_unit(lg)));
	for (i = 0; i < (int)json_array_size(to); i++)
		if (strcmp(json_string_value(json_array_get(to, (size_t)i)),
		    ledger_unit(lg)) != 0)
			json_array_append(aud, json_array_get(to, (size_t)i));
	if ((rc = ledger_begin(lg, err)) == 0) {
		/* An attachment's file goes with it, as the agent stores it
		 * (blob.h): a station verifies that it holds its own. */
		if (kind_is_attached(k)) {
			char h[HASH_HEX];
			int added;

			rc = blob_put(lg, "x", 1, h, &added, err);
			json_object_set_new(body, "hash", json_string(h));
			/* And what it is, as attach would say: the county
			 * checks the file against it when it arrives. */
			json_object_set_new(body, "size", json_integer(1));
			json_object_set_new(body, "type",
			    json_string("application/octet-stream"));
			json_object_set_new(body, "name", json_string("x"));
		}
		if (rc == 0)
			rc = ledger_record(lg, k->name, k->creates ? NULL : entity,
		    "测试员", aud, body, &id, NULL, err);
		if (rc == 0)
			rc = ledger_commit(lg, err);
		else
			ledger_rollback(lg);
	}
	if (rc == 0)
		printf("%s\n", id);
	else
		fprintf(stderr, "anykind: %s\n", err);
	free(id);
	json_decref(aud);
	json_decref(body);
	json_decref(to);
	ledger_free(lg);
	return rc == 0 ? 0 : rc == LD_EPERM ? 11 : 1;
}
