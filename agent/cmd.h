/*
 * cmd.h - the agent's command table and what a command gets to work with.
 *
 * To add a command: write a `const struct cmd_entry` in the cmd-<noun>.c
 * file of its noun (options, argument counts, flags, the function), and
 * list it in cmd_table in cmd.c. common/cli.c parses and checks the
 * arguments and builds the usage text from the declarations; cmd.c opens
 * the configuration and the database when the entry's flags ask for them,
 * and only then runs the command. A command never counts its own
 * arguments.
 */
#ifndef LD_CMD_H
#define LD_CMD_H

#include <stdio.h>
#include <jansson.h>

#include "cli.h"
#include "ledger.h"
#include "util.h"

/* Exit codes: enum ld_exit (util.h). */

#define CMD_DB 0x1     /* opens the station database */
#define CMD_JSON 0x2   /* accepts --json */

struct cmd_ctx;

/* An agent command: its declaration for cli.c, and what runs it. */
struct cmd_entry {
	struct cli_cmd base;
	int (*run)(struct cmd_ctx *ctx);
};

struct config {
	char *path;     /* file read, or NULL */
	char *db;       /* [station] db */
	char *officer;  /* [station] officer */
	char *interval; /* [sync] interval */
	char *dict;     /* [sync] dict */
	char *rules;    /* [rules] profile: path of a rule profile */
	char *alerts;   /* [alerts] show: desktop, quiet or off */
	char *max_size; /* [attachments] max_size: bytes, or 20M, 512K */
	char *auto_fetch; /* [attachments] auto_fetch: the same; 0 none */
};

struct cmd_ctx {
	struct cli cli;        /* the parsed command line */
	int json;              /* --json given */
	const char *db_path;   /* resolved database path */
	struct config cfg;
	struct ledger *lg;     /* open when CMD_DB */
	struct profile *profile;   /* rule profile, loaded by form_profile */
	struct calendar *calendar; /* working days, loaded with it */
	int profile_loaded;
	json_t *units;             /* the unit directory held, by units.c */
	int units_loaded;
	int units_warned;          /* "not checked" said once per command */
	char err[LD_ERRLEN];
};

/* Option access by name; names must be declared in the entry. */
#define cmd_value(ctx, name) cli_value(&(ctx)->cli, (name))
#define cmd_flag(ctx, name) cli_flag(&(ctx)->cli, (name))
#define cmd_list(ctx, name) cli_list(&(ctx)->cli, (name))

/* "liandong: error: ..." on stderr; evaluates to code. */
#define cmd_error(ctx, code, ...) cli_error(&(ctx)->cli, (code), __VA_ARGS__)
/* A usage error: the message, the usage line and a hint; evaluates to 2. */
#define cmd_usage_error(ctx, ...) cli_usage_error(&(ctx)->cli, __VA_ARGS__)
/* An LD_E* code, with ctx->err as the message, as its exit code. */
int cmd_fail(struct cmd_ctx *ctx, int ld_code);
/* Fetches attachment hash from the county server now (agent/cmd-sync.c):
 * 0, or an LD_ code with ctx->err set (LD_ECONFIG: not enrolled). */
int cmd_fetch_blob(struct cmd_ctx *ctx, const char *hash);
/* The largest file `attach` takes, [attachments] max_size or its default
 * (agent/cmd-attach.c; the console refuses a larger upload by it): 0, or
 * EXIT_CONFIG with the message said. */
int attach_max_size(struct cmd_ctx *ctx, int64_t *out);

/* mkdir -p for the directory part of path, mode 0700; -1 if one of them
 * could not be made. */
int cmd_make_parent(const char *path);

/* Runs the command line (without the program name). */
int cmd_main(int argc, char **argv);

/* Command entries, one file per noun. */
extern const struct cmd_entry cmd_init_entry;
extern const struct cmd_entry cmd_export_entry;
extern const struct cmd_entry cmd_import_entry;
extern const struct cmd_entry cmd_case_open_entry, cmd_case_list_entry,
    cmd_case_show_entry, cmd_case_update_entry, cmd_case_close_entry,
    cmd_case_decide_entry;
extern const struct cmd_entry cmd_complaint_record_entry,
    cmd_complaint_list_entry, cmd_complaint_show_entry,
    cmd_complaint_refer_entry, cmd_complaint_notify_entry,
    cmd_complaint_reply_entry;
extern const struct cmd_entry cmd_liaison_log_entry, cmd_liaison_list_entry;
extern const struct cmd_entry cmd_log_entry, cmd_verify_entry, cmd_dump_entry;
extern const struct cmd_entry cmd_enroll_entry, cmd_trust_entry, cmd_sync_entry,
    cmd_daemon_entry, cmd_status_entry, cmd_alerts_entry;
extern const struct cmd_entry cmd_referral_send_entry,
    cmd_referral_list_entry, cmd_referral_show_entry,
    cmd_referral_acknowledge_entry, cmd_referral_accept_entry,
    cmd_referral_dispute_entry, cmd_referral_withdraw_entry,
    cmd_referral_return_entry, cmd_referral_escalate_entry,
    cmd_referral_decide_entry, cmd_referral_result_entry,
    cmd_referral_extend_entry, cmd_referral_receive_entry,
    cmd_referral_arrive_entry, cmd_due_entry;
extern const struct cmd_entry cmd_assist_request_entry,
    cmd_assist_answer_entry, cmd_assist_extend_entry, cmd_assist_list_entry,
    cmd_assist_show_entry, cmd_assist_receive_entry;
extern const struct cmd_entry cmd_whistle_call_entry,
    cmd_whistle_answer_entry, cmd_whistle_escalate_entry,
    cmd_whistle_list_entry, cmd_whistle_show_entry, cmd_whistle_receive_entry;
extern const struct cmd_entry cmd_meeting_schedule_entry,
    cmd_meeting_topic_entry, cmd_meeting_minutes_entry,
    cmd_meeting_resolution_entry, cmd_meeting_followup_entry,
    cmd_meeting_list_entry, cmd_meeting_show_entry;
extern const struct cmd_entry cmd_operation_plan_entry,
    cmd_operation_answer_entry, cmd_operation_police_entry,
    cmd_operation_result_entry, cmd_operation_cancel_entry,
    cmd_operation_list_entry, cmd_operation_show_entry;
extern const struct cmd_entry cmd_person_add_entry, cmd_person_update_entry,
    cmd_person_leave_entry, cmd_person_train_entry, cmd_person_list_entry,
    cmd_person_show_entry;
extern const struct cmd_entry cmd_conflicts_entry;
extern const struct cmd_entry cmd_ui_entry;
extern const struct cmd_entry cmd_unit_list_entry;
extern const struct cmd_entry cmd_share_record_entry, cmd_share_send_entry,
    cmd_share_extend_entry, cmd_share_list_entry, cmd_share_show_entry;
extern const struct cmd_entry cmd_supervision_send_entry,
    cmd_supervision_reply_entry, cmd_supervision_list_entry,
    cmd_supervision_show_entry, cmd_supervision_receive_entry;
extern const struct cmd_entry cmd_attach_entry, cmd_attachment_get_entry,
    cmd_attachment_list_entry;

#endif
