/*
 * roles.h - what a station may write and what its unit sees beyond its
 * audience, by the role the county gave it (DESIGN.md 3).
 *
 * A station is added on the server with one role; every station of a
 * unit has the same one. Each station writes only its own unit's events
 * and, by role, only the kinds its part in the workflows allows (a
 * township calls a department to a scene, only the police send a
 * criminal referral back, only the legal office or the county government
 * decide a jurisdiction dispute, an administrator writes nothing). A
 * unit receives the events addressed to it and, by role, every record of
 * some types in the county: the legal office supervises the
 * coordination, the bureau's liaison supervisor follows every referral
 * and call, the administrator sees everything. Nobody sees a
 * complainant's identity by role (only by being addressed).
 *
 * The matrix is docs/protocol.md's "Roles"; the agent refuses a forbidden
 * kind before writing it, the server quarantines one that arrives anyway.
 * Its cells live in the registry (registry.h): each record type says
 * which roles write its kinds and which watch it, and a kind may narrow
 * its writers.
 */
#ifndef LD_ROLES_H
#define LD_ROLES_H

/* The role names, NULL-terminated: township, department, bureau, legal,
 * police, government, admin. */
extern const char *const role_names[];

/* Each role as a bit, in role_names' order, for the registry's rows. */
enum {
	ROLE_TOWNSHIP = 1 << 0,
	ROLE_DEPARTMENT = 1 << 1,
	ROLE_BUREAU = 1 << 2,
	ROLE_LEGAL = 1 << 3,      /* the county's legal office */
	ROLE_POLICE = 1 << 4,
	ROLE_GOVERNMENT = 1 << 5, /* the county government */
	ROLE_ADMIN = 1 << 6,
	ROLE_ALL = (1 << 7) - 1,
	/* Every unit that takes part in the workflows. */
	ROLES_UNITS = ROLE_TOWNSHIP | ROLE_DEPARTMENT | ROLE_BUREAU |
	    ROLE_LEGAL | ROLE_POLICE | ROLE_GOVERNMENT,
	/* The units that handle cases. */
	ROLES_HANDLERS = ROLE_TOWNSHIP | ROLE_DEPARTMENT | ROLE_BUREAU |
	    ROLE_POLICE,
};

/* The bit of role name, or 0 if it is none. */
int role_bit(const char *name);

/* 1 if name is a role. */
int role_valid(const char *name);

/* 1 if a station of role may write events of kind. An unknown role or
 * kind may write nothing. */
int role_may_write(const char *role, const char *kind);

/* 1 if a unit of role receives every event of entity type (a name of
 * the registry: "referral"...) and kind in the county, addressed to it or
 * not. Never for an unknown type or a confidential kind. */
int role_watches(const char *role, const char *type, const char *kind);

#endif
