/*
 * due.c - open obligations of the records (see due.h). What each type of
 * record owes is said by its type's file (common/type-<name>.c), found
 * through the registry:
 *
 *   case      open, not referred, with refer_due   the case's unit refers it
 *   referral  sent, with ack_due                   the handler acknowledges
 *             sent/acknowledged/decided            the handler accepts or disputes
 *             accepted                             the handler reports the result
 *             disputed/escalated                   the escalation unit settles it
 *   complaint referred, not notified               the first-contact unit tells
 *                                                  the complainant where it went
 *             referred                             the handler replies (no time)
 *   assist    requested, with or without answer_due  the asked unit answers
 *   whistle   called/escalated                     the department reports (报到)
 *             escalated                            the county sees that it does
 *   meeting   held, with next_due, not followed    the convener holds the next one
 *             any resolution not done              its owner reports at the
 *                                                  next meeting (no due time)
 *   share     formed, not yet sent                 the holding unit passes it on
 *   supervision sent                               the unit addressed replies
 */
#include <string.h>

#include "cjson.h"
#include "due.h"
#include "kinds.h"
#include "ltime.h"
#include "registry.h"
#include "util.h"

void
due_emit(const json_t *doc, const char *owed_by, const char *what,
    const json_t *deadline,
    void (*fn)(const struct obligation *o, void *arg), void *arg)
{
	struct obligation o;

	o.due = DUE_NONE;
	if (deadline != NULL && (json_object_get(deadline, "done_at") != NULL ||
	    ltime_parse(cjson_str(deadline, "due"), &o.due) != 0))
		return;
	o.owed_by = owed_by;
	o.what = what;
	o.entity = cjson_str(doc, "entity");
	o.rule = deadline ? cjson_str(deadline, "rule") : NULL;
	o.assumed = deadline && json_is_true(json_object_get(deadline,
	    "assumed"));
	if (o.owed_by != NULL)
		fn(&o, arg);
}

void
due_collect(const json_t *doc,
    void (*fn)(const struct obligation *o, void *arg), void *arg)
{
	const char *type = cjson_str(doc, "type"), *st = cjson_str(doc, "status");
	const struct entity_type *t;

	if (type == NULL || st == NULL || (t = entity_type_find(type)) == NULL ||
	    t->owed == NULL)
		return;
	t->owed(doc, st, fn, arg);
}

const char *
due_owner(const json_t *doc, const char *key)
{
	const struct entity_type *t = entity_type_find(cjson_str(doc, "type"));
	const struct kind_info *k;
	const char *const *p;
	size_t i;

	if (t == NULL)
		return NULL;
	for (p = t->owners; p != NULL && *p != NULL; p += 2)
		if (strcmp(p[0], key) == 0)
			return cjson_str(doc, p[1]);
	for (i = 0; t->from_receipt != NULL && t->from_receipt[i] != NULL; i++)
		if (strcmp(t->from_receipt[i], key) == 0)
			for (k = t->kinds; k->name != NULL; k++)
				if (k->creates && k->auth.grant != NULL)
					return cjson_str(doc, k->auth.grant);
	return cjson_str(doc, "unit");
}
