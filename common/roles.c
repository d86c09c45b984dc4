/*
 * roles.c - the role matrix (see roles.h).
 */
#include <string.h>

#include "roles.h"

const char *const role_names[] = { "township", "department", "bureau",
	"legal", "police", "government", "admin", NULL };

enum {
	T = 1 << 0, /* township */
	D = 1 << 1, /* department */
	B = 1 << 2, /* bureau */
	L = 1 << 3, /* legal office */
	P = 1 << 4, /* police */
	G = 1 << 5, /* county government */
	A = 1 << 6, /* administrator */
	UNITS = T | D | B | L | P | G,
	HANDLERS = T | D | B | P,
};

/* Who may write each kind; a name ending in '.' covers its type. The
 * first match wins, so exceptions come before their type. */
static const struct {
	const char *kind;
	int roles;
} writers[] = {
	{ "case.", UNITS },
	{ "complaint.", UNITS },
	{ "liaison.", UNITS },
	{ "referral.escalated", HANDLERS | L },
	{ "referral.decided", L | G },
	{ "referral.returned", P },
	{ "referral.", HANDLERS },
	{ "assist.", HANDLERS },
	{ "whistle.called", T },
	{ "whistle.answered", D | B | P },
	{ "whistle.escalated", T },
	{ "meeting.", UNITS },
	{ "share.", UNITS },
	{ "supervision.", T | D | B },
};

/* What each role sees of the county beyond its audience. */
static const struct {
	int role;
	const char *types[10];
} watchers[] = {
	{ A, { "case", "complaint", "liaison", "referral", "assist",
	    "whistle", "meeting", "share", "supervision", NULL } },
	{ L, { "referral", "assist", "whistle", "meeting", "share",
	    "supervision", NULL } },
	{ B, { "referral", "whistle", NULL } },
};

static int
role_bit(const char *role)
{
	int i;

	for (i = 0; role != NULL && role_names[i] != NULL; i++)
		if (strcmp(role_names[i], role) == 0)
			return 1 << i;
	return 0;
}

int
role_valid(const char *name)
{
	return role_bit(name) != 0;
}

int
role_may_write(const char *role, const char *kind)
{
	int bit = role_bit(role);
	size_t i;

	if (bit == 0 || kind == NULL)
		return 0;
	for (i = 0; i < sizeof writers / sizeof writers[0]; i++) {
		const char *w = writers[i].kind;
		size_t n = strlen(w);
		if (w[n - 1] == '.' ? strncmp(w, kind, n) == 0 :
		    strcmp(w, kind) == 0)
			return (writers[i].roles & bit) != 0;
	}
	return 0;
}

int
role_watches(const char *role, const char *type, const char *kind)
{
	int bit = role_bit(role);
	size_t i, j;

	if (bit == 0 || type == NULL || kind == NULL ||
	    strcmp(kind, "complaint.identity") == 0)
		return 0;
	for (i = 0; i < sizeof watchers / sizeof watchers[0]; i++) {
		if (watchers[i].role != bit)
			continue;
		for (j = 0; watchers[i].types[j] != NULL; j++)
			if (strcmp(watchers[i].types[j], type) == 0)
				return 1;
	}
	return 0;
}
