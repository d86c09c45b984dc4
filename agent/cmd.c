/*
 * cmd.c - the command table, argument parsing, usage and the two ways
 * out of a command (data on stdout, errors on stderr).
 *
 * Command lines look like: liandong <noun> [<verb>] [options] [args].
 * Options are long only ("--name value" or "--name=value"); every
 * command also takes --db, --config and --help, and listing commands
 * --json. Names match exactly: a near miss gets "did you mean".
 */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "out.h"
#include "text.h"

static const struct cmd_entry *const cmd_table[] = {
	&cmd_init_entry,
	&cmd_case_open_entry,
	&cmd_case_list_entry,
	&cmd_case_show_entry,
	&cmd_case_update_entry,
	&cmd_case_close_entry,
	&cmd_complaint_record_entry,
	&cmd_complaint_list_entry,
	&cmd_complaint_show_entry,
	&cmd_liaison_log_entry,
	&cmd_liaison_list_entry,
	&cmd_referral_send_entry,
	&cmd_referral_list_entry,
	&cmd_referral_show_entry,
	&cmd_log_entry,
	&cmd_verify_entry,
	&cmd_dump_entry,
	&cmd_enroll_entry,
	&cmd_sync_entry,
	&cmd_daemon_entry,
	&cmd_status_entry,
	NULL,
};

/* Common options live at the top of the value/flag arrays. */
#define COMMON(i) (CMD_MAX_OPTS - 1 - (i))
#define OPT_DB COMMON(0)
#define OPT_CONFIG COMMON(1)
#define OPT_JSON COMMON(2)
#define OPT_HELP COMMON(3)

static const struct opt common_opts[] = {
	{ "db", OPT_VALUE, "PATH", N_("station database (default: $LIANDONG_DB, agent.conf, ~/.local/share/liandong/station.db)") },
	{ "config", OPT_VALUE, "FILE", N_("configuration file (default: $LIANDONG_CONFIG, ~/.config/liandong/agent.conf)") },
	{ "json", OPT_FLAG, NULL, N_("print one versioned JSON document") },
	{ "help", OPT_FLAG, NULL, N_("show this help") },
	{ NULL, 0, NULL, NULL },
};

int
exit_code_of(int code)
{
	switch (code) {
	case LD_OK:
		return EXIT_OK;
	case LD_EINVAL:
		return EXIT_INVALID;
	case LD_ENOTFOUND:
		return EXIT_NOTFOUND;
	case LD_ECONFIG:
		return EXIT_CONFIG;
	case LD_EDB:
	case LD_EFULL:
	case LD_ELOCKED:
	case LD_EREADONLY:
	case LD_EEXIST:
		return EXIT_DATABASE;
	case LD_EINTEGRITY:
		return EXIT_INTEGRITY;
	default:
		return EXIT_INTERNAL;
	}
}

static void
verror(const char *fmt, va_list ap)
{
	fputs("liandong: error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int
cmd_error(struct cmd_ctx *ctx, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(fmt, ap);
	va_end(ap);
	return code;
}

int
cmd_fail(struct cmd_ctx *ctx, int ld_code)
{
	return cmd_error(ctx, exit_code_of(ld_code), "%s",
	    ctx->err[0] ? ctx->err : ld_strerror(ld_code));
}

static void
usage_line(FILE *f, const struct cmd_entry *e)
{
	fprintf(f, "usage: liandong %s%s%s [options]%s%s\n", e->noun,
	    e->verb ? " " : "", e->verb ? e->verb : "", e->args ? " " : "",
	    e->args ? e->args : "");
}

int
cmd_usage_error(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(fmt, ap);
	va_end(ap);
	usage_line(stderr, ctx->entry);
	fprintf(stderr, _("hint: see 'liandong %s%s%s --help'\n"),
	    ctx->entry->noun, ctx->entry->verb ? " " : "",
	    ctx->entry->verb ? ctx->entry->verb : "");
	return EXIT_USAGE;
}

static void
print_opts(FILE *f, const struct opt *o, int json)
{
	char left[64];

	for (; o != NULL && o->name != NULL; o++) {
		if (!json && strcmp(o->name, "json") == 0)
			continue;
		snprintf(left, sizeof left, "--%s%s%s%s", o->name,
		    o->arg ? " " : "", o->arg ? o->arg : "",
		    o->type == OPT_LIST ? "..." : "");
		fprintf(f, "  %-24s %s\n", left, _(o->help));
	}
}

static void
cmd_help(const struct cmd_entry *e)
{
	usage_line(stdout, e);
	printf("\n%s\n\n", _(e->summary));
	if (e->opts != NULL && e->opts[0].name != NULL) {
		printf("%s\n", _("options:"));
		print_opts(stdout, e->opts, 1);
	}
	printf("%s\n", _("common options:"));
	print_opts(stdout, common_opts, (e->flags & CMD_JSON) != 0);
}

static void
main_help(FILE *f)
{
	const char *noun = "";
	size_t i;

	fprintf(f, "%s\n\n", _("usage: liandong <command> [options] [args]"));
	fprintf(f, "%s\n", _("Liandong station agent: records cases, complaints and liaison logs, offline."));
	for (i = 0; cmd_table[i] != NULL; i++) {
		const struct cmd_entry *e = cmd_table[i];
		char name[48];
		if (strcmp(noun, e->noun) != 0)
			fputc('\n', f);
		noun = e->noun;
		snprintf(name, sizeof name, "%s%s%s", e->noun, e->verb ? " " : "",
		    e->verb ? e->verb : "");
		fprintf(f, "  %-20s %s\n", name, _(e->summary));
	}
	fprintf(f, "\n%s\n", _("Run 'liandong <command> --help' for its options; exit codes are in docs/exit-codes.md."));
}

/* Edit distance, for "did you mean". */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, *row, prev, r;

	if (la > 64 || lb > 64)
		return 99;
	row = xcalloc(lb + 1, sizeof *row);
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t cur = row[j];
			r = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < r)
				r = row[j] + 1;
			if (row[j - 1] + 1 < r)
				r = row[j - 1] + 1;
			row[j] = r;
			prev = cur;
		}
	}
	r = row[lb];
	free(row);
	return r;
}

static const struct opt *
find_opt(const struct opt *opts, const char *name, size_t len, int *index)
{
	int i;

	for (i = 0; opts != NULL && opts[i].name != NULL; i++)
		if (strlen(opts[i].name) == len &&
		    strncmp(opts[i].name, name, len) == 0) {
			*index = i;
			return &opts[i];
		}
	return NULL;
}

static const char *
suggest_opt(const struct cmd_entry *e, const char *name)
{
	const struct opt *lists[2] = { e->opts, common_opts };
	const char *best = NULL;
	size_t bd = 3, d, k;
	int i;

	for (k = 0; k < 2; k++)
		for (i = 0; lists[k] != NULL && lists[k][i].name != NULL; i++) {
			d = distance(name, lists[k][i].name);
			if (d < bd) {
				bd = d;
				best = lists[k][i].name;
			}
		}
	return best;
}

static int
opt_index(struct cmd_ctx *ctx, const char *name)
{
	int i;

	for (i = 0; ctx->entry->opts != NULL && ctx->entry->opts[i].name; i++)
		if (strcmp(ctx->entry->opts[i].name, name) == 0)
			return i;
	fprintf(stderr, "liandong: bug: option '%s' not declared\n", name);
	abort();
}

const char *
cmd_value(struct cmd_ctx *ctx, const char *name)
{
	return ctx->value[opt_index(ctx, name)];
}

int
cmd_flag(struct cmd_ctx *ctx, const char *name)
{
	return ctx->flag[opt_index(ctx, name)];
}

json_t *
cmd_list(struct cmd_ctx *ctx, const char *name)
{
	return ctx->list[opt_index(ctx, name)];
}

static int
parse_args(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct cmd_entry *e = ctx->entry;
	int i, idx, common, only_args = 0;

	ctx->argv = xcalloc((size_t)argc + 1, sizeof *ctx->argv);
	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *name, *eq, *val = NULL;
		const struct opt *o;
		size_t len;

		if (only_args || a[0] != '-' || a[1] == '\0') {
			ctx->argv[ctx->argc++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_args = 1;
			continue;
		}
		if (strcmp(a, "-h") == 0) {
			ctx->flag[OPT_HELP] = 1;
			continue;
		}
		if (a[1] != '-')
			return cmd_usage_error(ctx,
			    _("unknown option '%s' (options are long, like --help)"), a);
		name = a + 2;
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		common = 0;
		o = find_opt(e->opts, name, len, &idx);
		if (o == NULL) {
			o = find_opt(common_opts, name, len, &idx);
			common = 1;
			if (o != NULL && strcmp(o->name, "json") == 0 &&
			    !(e->flags & CMD_JSON))
				o = NULL;
		}
		if (o == NULL) {
			char *n = xasprintf("%.*s", (int)len, name);
			const char *s = suggest_opt(e, n);
			int rc = s ? cmd_usage_error(ctx,
			    _("unknown option '--%s'; did you mean '--%s'?"), n, s) :
			    cmd_usage_error(ctx, _("unknown option '--%s'"), n);
			free(n);
			return rc;
		}
		if (common)
			idx = COMMON(idx);
		if (o->type == OPT_FLAG) {
			if (eq != NULL)
				return cmd_usage_error(ctx,
				    _("option '--%s' takes no value"), o->name);
			ctx->flag[idx] = 1;
			continue;
		}
		if (eq != NULL)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			return cmd_usage_error(ctx, _("option '--%s' needs a value"),
			    o->name);
		if (o->type == OPT_LIST) {
			if (ctx->list[idx] == NULL)
				ctx->list[idx] = json_array();
			if (!utf8_valid(val, strlen(val)))
				return cmd_error(ctx, EXIT_INVALID,
				    _("'--%s' is not valid UTF-8"), o->name);
			json_array_append_new(ctx->list[idx], json_string(val));
		}
		ctx->value[idx] = val;
	}
	return 0;
}

static int
config_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct config *cfg = user;

	if (strcmp(section, "station") == 0 && strcmp(name, "db") == 0) {
		free(cfg->db);
		cfg->db = xstrdup(value);
	} else if (strcmp(section, "station") == 0 &&
	    strcmp(name, "officer") == 0) {
		free(cfg->officer);
		cfg->officer = xstrdup(value);
	} else if (strcmp(section, "sync") == 0 &&
	    strcmp(name, "interval") == 0) {
		free(cfg->interval);
		cfg->interval = xstrdup(value);
	} else if (strcmp(section, "sync") == 0 && strcmp(name, "dict") == 0) {
		free(cfg->dict);
		cfg->dict = xstrdup(value);
	}
	/* Unknown keys are tolerated so that an older agent reads a newer
	 * file. */
	return 1;
}

static int
load_config(struct cmd_ctx *ctx)
{
	const char *path = ctx->value[OPT_CONFIG];
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
	rc = ini_parse(path, config_handler, &ctx->cfg);
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
	const char *v = ctx->value[OPT_DB];
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

static const struct cmd_entry *
find_cmd(int argc, char **argv, int *used)
{
	size_t i;

	for (i = 0; cmd_table[i] != NULL; i++) {
		const struct cmd_entry *e = cmd_table[i];
		if (strcmp(e->noun, argv[0]) != 0)
			continue;
		if (e->verb == NULL) {
			*used = 1;
			return e;
		}
		if (argc > 1 && strcmp(e->verb, argv[1]) == 0) {
			*used = 2;
			return e;
		}
	}
	return NULL;
}

static int
unknown_cmd(int argc, char **argv)
{
	const char *best = NULL, *noun = NULL;
	size_t i, bd = 3, d;

	for (i = 0; cmd_table[i] != NULL; i++) {
		const struct cmd_entry *e = cmd_table[i];
		if (strcmp(e->noun, argv[0]) == 0)
			noun = e->noun;
	}
	if (noun != NULL) {
		/* Right noun, missing or wrong verb. */
		fprintf(stderr, argc > 1 ?
		    _("liandong: error: unknown command '%s %s'\n") :
		    _("liandong: error: '%s' needs a subcommand\n"),
		    argv[0], argc > 1 ? argv[1] : "");
		fprintf(stderr, "%s", _("hint: one of:"));
		for (i = 0; cmd_table[i] != NULL; i++)
			if (strcmp(cmd_table[i]->noun, noun) == 0)
				fprintf(stderr, " '%s %s'", noun, cmd_table[i]->verb);
		fputc('\n', stderr);
		return EXIT_USAGE;
	}
	for (i = 0; cmd_table[i] != NULL; i++) {
		d = distance(argv[0], cmd_table[i]->noun);
		if (d < bd) {
			bd = d;
			best = cmd_table[i]->noun;
		}
	}
	fprintf(stderr, _("liandong: error: unknown command '%s'\n"), argv[0]);
	if (best != NULL)
		fprintf(stderr, _("hint: did you mean '%s'?\n"), best);
	else
		fprintf(stderr, "%s\n", _("hint: see 'liandong --help'"));
	return EXIT_USAGE;
}

static void
ctx_release(struct cmd_ctx *ctx)
{
	int i;

	for (i = 0; i < CMD_MAX_OPTS; i++)
		json_decref(ctx->list[i]);
	free(ctx->argv);
	free((char *)ctx->db_path);
	free(ctx->cfg.path);
	free(ctx->cfg.db);
	free(ctx->cfg.officer);
	free(ctx->cfg.interval);
	free(ctx->cfg.dict);
	ledger_free(ctx->lg);
}

int
cmd_main(int argc, char **argv)
{
	struct cmd_ctx ctx;
	int used = 0, rc;

	if (argc == 0 || strcmp(argv[0], "--help") == 0 ||
	    strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "help") == 0) {
		main_help(argc == 0 ? stderr : stdout);
		return argc == 0 ? EXIT_USAGE : EXIT_OK;
	}
	if (strcmp(argv[0], "--version") == 0) {
		printf("liandong %s\n", LIANDONG_VERSION);
		return EXIT_OK;
	}
	memset(&ctx, 0, sizeof ctx);
	ctx.entry = find_cmd(argc, argv, &used);
	if (ctx.entry == NULL)
		return unknown_cmd(argc, argv);
	if ((rc = parse_args(&ctx, argc - used, argv + used)) != 0)
		goto out;
	if (ctx.flag[OPT_HELP]) {
		cmd_help(ctx.entry);
		goto out;
	}
	ctx.json = ctx.flag[OPT_JSON];
	if (ctx.argc < ctx.entry->min_args) {
		rc = cmd_usage_error(&ctx, _("missing %s"), ctx.entry->args);
		goto out;
	}
	if (ctx.argc > ctx.entry->max_args) {
		rc = cmd_usage_error(&ctx, _("unexpected argument '%s'"),
		    ctx.argv[ctx.entry->max_args]);
		goto out;
	}
	if ((rc = load_config(&ctx)) != 0)
		goto out;
	ctx.db_path = resolve_db(&ctx);
	if (ctx.entry->flags & CMD_DB) {
		int lrc = ledger_open(ctx.db_path, &ctx.lg, ctx.err);
		if (lrc != 0) {
			rc = cmd_fail(&ctx, lrc);
			goto out;
		}
	}
	rc = ctx.entry->exec(&ctx);
	if (fflush(stdout) != 0 && rc == 0)
		rc = cmd_error(&ctx, EXIT_INTERNAL, _("cannot write output: %s"),
		    strerror(errno));
out:
	ctx_release(&ctx);
	return rc;
}
