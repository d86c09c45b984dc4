/*
 * type-liaison.c - the record type "liaison" (registry.h): a liaison log
 * entry (联络台账): a contact, patrol, meeting or training with another
 * unit.
 *
 * Here: its kinds and their body fields, its fold step, what its records
 * owe, and its row in the registry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "due.h"
#include "fold.h"
#include "kinds.h"
#include "registry.h"
#include "roles.h"
#include "util.h"

const struct enum_value liaison_types[] = {
	{ "contact", "联络" },
	{ "patrol", "巡查" },
	{ "meeting", "会议" },
	{ "training", "培训" },
	{ NULL, NULL },
};

/* Declared once, with the options that give them (agent/cmd-liaison.c:
 * liaison log) and the labels they are asked for with. */
static const struct field liaison_logged_fields[] = {
	{ "activity", F_ENUM, 1, 0, liaison_types, FIELD_UI("type", "TYPE",
	    N_("contact, patrol, meeting or training (联络, 巡查, 会议, 培训)"),
	    N_("type"), 0) },
	{ "date", F_TIME, 1, 0, NULL, FIELD_UI(NULL, "DATE",
	    N_("when (default: now)"), N_("date (empty: now)"), FIELD_NOW) },
	{ "counterpart", F_STR, 0, 60, NULL, FIELD_UI(NULL, "TEXT",
	    N_("unit or person contacted"), NULL, 0) },
	{ "place", F_STR, 0, 100, NULL, FIELD_UI(NULL, "TEXT", N_("where"),
	    NULL, 0) },
	{ "summary", F_TEXT, 1, 2000, NULL, FIELD_UI(NULL, "TEXT",
	    N_("what was done or agreed"), N_("summary"), 0) },
	{ "officer", F_STR, 1, 32, NULL, FIELD_UI(NULL, "NAME",
	    N_("liaison officer"), N_("officer"), FIELD_OFFICER) },
	{ "participants", F_STRS, 0, 50, NULL, FIELD_UI("participant", "NAME",
	    N_("a participant (repeat for several)"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static const struct kind_info liaison_kinds[] = {
	{ NC_("kind", "liaison.logged"), &type_liaison,
	    1, 0, liaison_logged_fields, 0, 0, AUTHORITY_NONE },
	ATTACHED_KIND(NC_("kind", "liaison.attached"), liaison, 0,
	    PART_CREATOR),
	{ 0 },
};

static const char *
apply_liaison(json_t *doc, const struct event *ev)
{
	if (strcmp(ev->kind, "liaison.logged") == 0) {
		if (*fold_status(doc) != '\0')
			return "already_created";
		fold_created(doc, ev, "logged");
		return NULL;
	}
	return "unknown_kind";
}

/* What the full-text index holds of it (fold_search_text). */
static const char *const liaison_search[] = {
	"summary", "counterpart", "place", "officer", NULL
};

/* The states its records go through (fold step above), as `show` and
 * `list` name them: pgettext("status", ...). */
static const char *const liaison_statuses[] = {
	NC_("status", "logged"), NULL,
};

const struct entity_type type_liaison = {
	.name = "liaison",
	.statuses = liaison_statuses,
	.label = N_("liaison log"),
	.letter = 'L',
	.kinds = liaison_kinds,
	.apply = apply_liaison,
	.audience = AUDIENCE_CLOSED,
	.search = liaison_search,
	/* The bureau's liaison supervisor (执法联络监督员, Gonghe 三(一)4)
	 * supervises every unit's liaison work; the county government
	 * checks the annual training (三(一)5). */
	.watched_by = ROLE_ADMIN | ROLE_BUREAU | ROLE_GOVERNMENT,
	.written_by = ROLES_UNITS,
};
