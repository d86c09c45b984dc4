/*
 * cmd.h - the agent's command table and what a command gets to work with.
 *
 * To add a command: write a `const struct cmd_entry` in the cmd-<noun>.c
 * file of its noun (options, argument counts, flags, the function), and
 * list it in cmd_table in cmd.c. cmd.c parses and checks the arguments,
 * builds the usage text from the declarations, opens the database and the
 * configuration when the entry's flags ask for them, and only then calls
 * exec. A command never counts its own arguments.
 */
#ifndef LD_CMD_H
#define LD_CMD_H

#include <stdio.h>
#include <jansson.h>

#include "ledger.h"
#include "util.h"

/* Exit codes: documented in docs/exit-codes.md, never renumbered. */
enum exit_code {
	EXIT_OK = 0,
	EXIT_INTERNAL = 1,
	EXIT_USAGE = 2,
	EXIT_INVALID = 3,
	EXIT_NOTFOUND = 4,
	EXIT_CONFIG = 5,
	EXIT_DATABASE = 6,
	EXIT_UNREACHABLE = 7,
	EXIT_REFUSED = 8,
	EXIT_CONFLICT = 9,
	EXIT_INTEGRITY = 10,
};

enum opt_type {
	OPT_FLAG,  /* --urgent */
	OPT_VALUE, /* --category 违建 */
	OPT_LIST,  /* --party A --party B */
};

struct opt {
	const char *name;
	enum opt_type type;
	const char *arg;  /* placeholder in usage, e.g. "DATE" */
	const char *help;
};

#define CMD_DB 0x1     /* opens the station database */
#define CMD_JSON 0x2   /* accepts --json */

struct cmd_ctx;

struct cmd_entry {
	const char *noun;  /* "case" */
	const char *verb;  /* "open", or NULL for one-word commands */
	const char *args;  /* positional usage, e.g. "<id>" */
	int min_args;
	int max_args;
	const struct opt *opts; /* NULL-name terminated, may be NULL */
	int flags;
	const char *summary;
	int (*exec)(struct cmd_ctx *ctx);
};

#define CMD_MAX_OPTS 32

struct config {
	char *path;     /* file read, or NULL */
	char *db;       /* [station] db */
	char *officer;  /* [station] officer */
	char *interval; /* [sync] interval */
	char *dict;     /* [sync] dict */
};

struct cmd_ctx {
	const struct cmd_entry *entry;
	int argc;              /* positional arguments */
	char **argv;
	const char *value[CMD_MAX_OPTS]; /* last value of each option */
	json_t *list[CMD_MAX_OPTS];      /* OPT_LIST values, array of strings */
	int flag[CMD_MAX_OPTS];
	int json;              /* --json given */
	const char *db_path;   /* resolved database path */
	struct config cfg;
	struct ledger *lg;     /* open when CMD_DB */
	char err[LD_ERRLEN];
};

/* Option access by name; names must be declared in the entry. */
const char *cmd_value(struct cmd_ctx *ctx, const char *name);
int cmd_flag(struct cmd_ctx *ctx, const char *name);
json_t *cmd_list(struct cmd_ctx *ctx, const char *name); /* borrowed, NULL if none */

/* Prints "liandong: error: ..." and returns the exit code for code. */
int cmd_error(struct cmd_ctx *ctx, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same for an LD_E* code with ctx->err as the message. */
int cmd_fail(struct cmd_ctx *ctx, int ld_code);
/* A usage error: the message, then the command's usage line. */
int cmd_usage_error(struct cmd_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int exit_code_of(int ld_code);

/* Runs the command line (without the program name). */
int cmd_main(int argc, char **argv);

/* Command entries, one file per noun. */
extern const struct cmd_entry cmd_init_entry;
extern const struct cmd_entry cmd_case_open_entry, cmd_case_list_entry,
    cmd_case_show_entry, cmd_case_update_entry, cmd_case_close_entry;
extern const struct cmd_entry cmd_complaint_record_entry,
    cmd_complaint_list_entry, cmd_complaint_show_entry;
extern const struct cmd_entry cmd_liaison_log_entry, cmd_liaison_list_entry;
extern const struct cmd_entry cmd_log_entry, cmd_verify_entry, cmd_dump_entry;
extern const struct cmd_entry cmd_enroll_entry, cmd_sync_entry,
    cmd_daemon_entry, cmd_status_entry;
extern const struct cmd_entry cmd_referral_send_entry,
    cmd_referral_list_entry, cmd_referral_show_entry;

#endif
