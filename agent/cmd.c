/*
 * cmd.c - the agent's command table and what runs before every command:
 * the configuration and the database the entry asks for.
 *
 * Command lines look like: liandong <noun> [<verb>] [options] [args],
 * parsed by common/cli.c. Every command also takes --db, --config and
 * --help, and listing commands --json.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calendar.h"
#include "cmd.h"
#include "conffile.h"
#include "form.h"
#include "rules.h"
#include "out.h"
#include "text.h"

static const struct cli_cmd *const cmd_table[] = {
	&cmd_init_entry.base,
	&cmd_export_entry.base,
	&cmd_import_entry.base,
	&cmd_case_open_entry.base,
	&cmd_case_list_entry.base,
	&cmd_case_show_entry.base,
	&cmd_case_update_entry.base,
	&cmd_case_decide_entry.base,
	&cmd_case_close_entry.base,
	&cmd_complaint_record_entry.base,
	&cmd_complaint_list_entry.base,
	&cmd_complaint_show_entry.base,
	&cmd_complaint_refer_entry.base,
	&cmd_complaint_notify_entry.base,
	&cmd_complaint_reply_entry.base,
	&cmd_liaison_log_entry.base,
	&cmd_liaison_list_entry.base,
	&cmd_referral_send_entry.base,
	&cmd_referral_list_entry.base,
	&cmd_referral_show_entry.base,
	&cmd_referral_extend_entry.base,
	&cmd_referral_receive_entry.base,
	&cmd_referral_acknowledge_entry.base,
	&cmd_referral_arrive_entry.base,
	&cmd_referral_accept_entry.base,
	&cmd_referral_dispute_entry.base,
	&cmd_referral_escalate_entry.base,
	&cmd_referral_decide_entry.base,
	&cmd_referral_withdraw_entry.base,
	&cmd_referral_return_entry.base,
	&cmd_referral_result_entry.base,
	&cmd_assist_request_entry.base,
	&cmd_assist_list_entry.base,
	&cmd_assist_show_entry.base,
	&cmd_assist_receive_entry.base,
	&cmd_assist_answer_entry.base,
	&cmd_assist_extend_entry.base,
	&cmd_whistle_call_entry.base,
	&cmd_whistle_list_entry.base,
	&cmd_whistle_show_entry.base,
	&cmd_whistle_receive_entry.base,
	&cmd_whistle_answer_entry.base,
	&cmd_whistle_escalate_entry.base,
	&cmd_meeting_schedule_entry.base,
	&cmd_meeting_list_entry.base,
	&cmd_meeting_show_entry.base,
	&cmd_meeting_topic_entry.base,
	&cmd_meeting_minutes_entry.base,
	&cmd_meeting_resolution_entry.base,
	&cmd_meeting_followup_entry.base,
	&cmd_share_record_entry.base,
	&cmd_share_list_entry.base,
	&cmd_share_show_entry.base,
	&cmd_share_send_entry.base,
	&cmd_share_extend_entry.base,
	&cmd_supervision_send_entry.base,
	&cmd_supervision_list_entry.base,
	&cmd_supervision_show_entry.base,
	&cmd_supervision_receive_entry.base,
	&cmd_supervision_reply_entry.base,
	&cmd_operation_plan_entry.base,
	&cmd_operation_list_entry.base,
	&cmd_operation_show_entry.base,
	&cmd_operation_answer_entry.base,
	&cmd_operation_police_entry.base,
	&cmd_operation_result_entry.base,
	&cmd_operation_cancel_entry.base,
	&cmd_person_add_entry.base,
	&cmd_person_list_entry.base,
	&cmd_person_show_entry.base,
	&cmd_person_update_entry.base,
	&cmd_person_leave_entry.base,
	&cmd_person_train_entry.base,
	&cmd_attach_entry.base,
	&cmd_attachment_list_entry.base,
	&cmd_attachment_get_entry.base,
	&cmd_due_entry.base,
	&cmd_conflicts_entry.base,
	&cmd_unit_list_entry.base,
	&cmd_log_entry.base,
	&cmd_verify_entry.base,
	&cmd_dump_entry.base,
	&cmd_enroll_entry.base,
	&cmd_trust_entry.base,
	&cmd_sync_entry.base,
	&cmd_daemon_entry.base,
	&cmd_status_entry.base,
	&cmd_alerts_entry.base,
	&cmd_ui_entry.base,
	NULL,
};

static const struct cli_opt common_opts[] = {
	{ "db", CLI_VALUE, "PATH", N_("station database (default: $LIANDONG_DB, agent.conf, ~/.local/share/liandong/station.db)") },
	{ "config", CLI_VALUE, "FILE", N_("configuration file (default: $LIANDONG_CONFIG, ~/.config/liandong/agent.conf)") },
	{ "json", CLI_FLAG, NULL, N_("print one versioned JSON document") },
	{ "help", CLI_FLAG, NULL, N_("show this help") },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_program program = {
	"liandong",
	N_("Liandong station agent: records cases, complaints, referrals, assistance requests, township calls, joint meetings, joint operations, shared information, supervision, liaison logs and the register of people, offline, and syncs them with the county."),
	cmd_table, common_opts,
	N_("Run 'liandong <command> --help' for its options; exit codes are in docs/exit-codes.md."),
	CMD_JSON, LIANDONG_VERSION,
};

/* The program with every command's options as form_opts gives them:
 * the options a kind's fields declare (FORM_FIELDS, form.h) in place.
 * Built once; the copies of the entries that change are kept for the
 * life of the program (cmd_main finds an entry from its base). */
static const struct cli_program *
program_with_fields(void)
{
	static struct cli_program p;
	static const struct cli_cmd **table;
	struct cmd_entry *copy;
	const struct cli_opt *opts;
	size_t n, i;

	if (table != NULL)
		return &p;
	for (n = 0; cmd_table[n] != NULL; n++)
		;
	table = xcalloc(n + 1, sizeof *table);
	for (i = 0; i < n; i++) {
		table[i] = cmd_table[i];
		if ((opts = form_opts(cmd_table[i]->opts)) == cmd_table[i]->opts)
			continue;
		copy = xmalloc(sizeof *copy);
		*copy = *(const struct cmd_entry *)cmd_table[i];
		copy->base.opts = opts;
		table[i] = &copy->base;
	}
	p = program;
	p.cmds = table;
	return &p;
}

int
cmd_fail(struct cmd_ctx *ctx, int ld_code)
{
	return cli_fail(&ctx->cli, ld_code, ctx->err);
}

/* Every key of agent.conf (conf/agent.conf, liandong.conf(5)). */
static const struct conffile_key config_keys[] = {
	{ "station", "db" },
	{ "station", "officer" },
	{ "sync", "interval" },
	{ "sync", "dict" },
	{ "rules", "profile" },
	{ "alerts", "show" },
	{ "attachments", "max_size" },
	{ "attachments", "auto_fetch" },
	{ NULL, NULL },
};

/* Only the keys of config_keys reach it. */
static int
config_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct config *cfg = user;
	char **slot = &cfg->rules; /* [rules] profile */

	if (strcmp(name, "db") == 0)
		slot = &cfg->db;
	else if (strcmp(name, "officer") == 0)
		slot = &cfg->officer;
	else if (strcmp(name, "interval") == 0)
		slot = &cfg->interval;
	else if (strcmp(name, "dict") == 0)
		slot = &cfg->dict;
	else if (strcmp(name, "show") == 0)
		slot = &cfg->alerts;
	else if (strcmp(name, "max_size") == 0)
		slot = &cfg->max_size;
	else if (strcmp(name, "auto_fetch") == 0)
		slot = &cfg->auto_fetch;
	free(*slot);
	*slot = xstrdup(value);
	return 1;
}

static int
load_config(struct cmd_ctx *ctx)
{
	const char *path = cli_common_value(&ctx->cli, "config");
	char *def = NULL;
	int rc;

	if (path == NULL)
		path = getenv("LIANDONG_CONFIG");
	if (path == NULL || *path == '\0') {
		const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
		if (xdg != NULL && *xdg != '\0')
			def = xasprintf("%s/liandong/agent.conf", xdg);
		else if (home != NULL)
			def = xasprintf("%s/.config/liandong/agent.conf", home);
		else
			return 0;
		path = def;
		if (access(path, F_OK) != 0) {
			free(def);
			return 0;
		}
	}
	rc = conffile_read(path, "liandong", config_keys, config_handler,
	    &ctx->cfg);
	if (rc < 0) {
		rc = cmd_error(ctx, EXIT_CONFIG, _("cannot read config '%s': %s"),
		    path, strerror(errno));
	} else if (rc > 0) {
		rc = cmd_error(ctx, EXIT_CONFIG, _("config '%s': syntax error on line %d"),
		    path, rc);
	} else {
		ctx->cfg.path = xstrdup(path);
	}
	free(def);
	return rc;
}

/* --db, then $LIANDONG_DB, then agent.conf, then the data directory. */
static char *
resolve_db(struct cmd_ctx *ctx)
{
	const char *v = cli_common_value(&ctx->cli, "db");
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

	if (v != NULL && *v != '\0')
		return xstrdup(v);
	if ((v = getenv("LIANDONG_DB")) != NULL && *v != '\0')
		return xstrdup(v);
	if (ctx->cfg.db != NULL)
		return xstrdup(ctx->cfg.db);
	if (xdg != NULL && *xdg != '\0')
		return xasprintf("%s/liandong/station.db", xdg);
	return xasprintf("%s/.local/share/liandong/station.db",
	    home != NULL ? home : ".");
}

static void
ctx_release(struct cmd_ctx *ctx)
{
	cli_release(&ctx->cli);
	free((char *)ctx->db_path);
	free(ctx->cfg.path);
	free(ctx->cfg.db);
	free(ctx->cfg.officer);
	free(ctx->cfg.interval);
	free(ctx->cfg.dict);
	free(ctx->cfg.rules);
	free(ctx->cfg.alerts);
	free(ctx->cfg.max_size);
	free(ctx->cfg.auto_fetch);
	profile_free(ctx->profile);
	calendar_free(ctx->calendar);
	json_decref(ctx->units);
	ledger_free(ctx->lg);
}

int
cmd_main(int argc, char **argv)
{
	const struct cmd_entry *e;
	struct cmd_ctx ctx;
	int rc;

	memset(&ctx, 0, sizeof ctx);
	rc = cli_parse(program_with_fields(), argc, argv, &ctx.cli);
	if (rc >= 0)
		goto out;
	ctx.cli.app = &ctx;
	e = (const struct cmd_entry *)ctx.cli.cmd; /* base is the first member */
	ctx.json = cli_common_flag(&ctx.cli, "json");
	if ((rc = load_config(&ctx)) != 0)
		goto out;
	ctx.db_path = resolve_db(&ctx);
	if (e->base.flags & CMD_DB) {
		int lrc = ledger_open(ctx.db_path, &ctx.lg, ctx.err);
		if (lrc != 0) {
			rc = cmd_fail(&ctx, lrc);
			goto out;
		}
	}
	rc = e->run(&ctx);
	if (fflush(stdout) != 0 && rc == 0)
		rc = cmd_error(&ctx, EXIT_INTERNAL, _("cannot write output: %s"),
		    strerror(errno));
out:
	ctx_release(&ctx);
	return rc;
}

/* mkdir -p for the directory part of path, mode 0700. */
int
cmd_make_parent(const char *path)
{
	char *dir = xstrdup(path), *p;
	int rc = 0;

	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			rc = -1;
		*p = '/';
	}
	free(dir);
	return rc;
}
