/*
 * cli.c - command lookup, option parsing, usage and help (see cli.h).
 */
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "hash.h"
#include "paths.h"
#include "text.h"
#include "util.h"

int
cli_start(const char *name)
{
	setlocale(LC_ALL, "");
	bindtextdomain("liandong", paths_locale());
	textdomain("liandong");
	umask(077);
	if (hash_init() != 0) {
		fprintf(stderr, _("%s: error: "), name);
		fprintf(stderr, "%s\n", _("cannot initialise libsodium"));
		return EXIT_INTERNAL;
	}
	return 0;
}

static void
verror(const struct cli_program *p, const char *fmt, va_list ap)
{
	/* TRANSLATORS: the program's name, as in "liandong: error: ..." */
	fprintf(stderr, _("%s: error: "), p->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int
cli_error(struct cli *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(c->prog, fmt, ap);
	va_end(ap);
	return code;
}

int
cli_fail(struct cli *c, int ld_code, const char *err)
{
	return cli_error(c, ld_exit_code(ld_code), "%s",
	    err != NULL && err[0] != '\0' ? err : ld_strerror(ld_code));
}

static void
cmd_name(const struct cli_cmd *e, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", e->noun, e->verb ? " " : "",
	    e->verb ? e->verb : "");
}

static void
usage_line(FILE *f, const struct cli_program *p, const struct cli_cmd *e)
{
	char name[64];

	cmd_name(e, name, sizeof name);
	/* TRANSLATORS: "usage: liandong case show [options] <id>" */
	fprintf(f, _("usage: %s %s [options]%s%s\n"), p->name, name,
	    e->args ? " " : "", e->args ? e->args : "");
}

int
cli_usage_error(struct cli *c, const char *fmt, ...)
{
	char name[64];
	va_list ap;

	va_start(ap, fmt);
	verror(c->prog, fmt, ap);
	va_end(ap);
	usage_line(stderr, c->prog, c->cmd);
	cmd_name(c->cmd, name, sizeof name);
	fprintf(stderr, _("hint: see '%s %s --help'\n"), c->prog->name, name);
	return CLI_EXIT_USAGE;
}

static int
allows_json(const struct cli_program *p, const struct cli_cmd *e)
{
	return p->json_flag != 0 && (e->flags & p->json_flag) != 0;
}

static int
hidden_common(const struct cli_program *p, const struct cli_cmd *e,
    const struct cli_opt *o)
{
	return strcmp(o->name, "json") == 0 && !allows_json(p, e);
}

static void
print_opts(FILE *f, const struct cli_program *p, const struct cli_cmd *e,
    const struct cli_opt *o)
{
	char left[64];

	for (; o != NULL && o->name != NULL; o++) {
		if (e != NULL && hidden_common(p, e, o))
			continue;
		snprintf(left, sizeof left, "--%s%s%s%s", o->name,
		    o->arg ? " " : "", o->arg ? o->arg : "",
		    o->type == CLI_LIST ? "..." : "");
		fprintf(f, "  %-24s %s\n", left, _(o->help));
	}
}

static void
cmd_help(const struct cli_program *p, const struct cli_cmd *e)
{
	usage_line(stdout, p, e);
	printf("\n%s\n\n", _(e->summary));
	if (e->opts != NULL && e->opts[0].name != NULL) {
		printf("%s\n", _("options:"));
		print_opts(stdout, p, e, e->opts);
	}
	printf("%s\n", _("common options:"));
	print_opts(stdout, p, e, p->common);
}

static void
main_help(const struct cli_program *p, FILE *f)
{
	const char *noun = "";
	char name[64];
	size_t i;

	fprintf(f, _("usage: %s <command> [options] [args]\n\n"), p->name);
	fprintf(f, "%s\n", _(p->about));
	for (i = 0; p->cmds[i] != NULL; i++) {
		const struct cli_cmd *e = p->cmds[i];
		if (strcmp(noun, e->noun) != 0)
			fputc('\n', f);
		noun = e->noun;
		cmd_name(e, name, sizeof name);
		fprintf(f, "  %-20s %s\n", name, _(e->summary));
	}
	fprintf(f, "\n%s\n", _("common options (before or after the command):"));
	print_opts(f, p, NULL, p->common);
	if (p->footer != NULL)
		fprintf(f, "\n%s\n", _(p->footer));
}

/* Edit distance in characters, for "did you mean" (text.h). */
static size_t
distance(const char *a, const char *b)
{
	return text_distance(a, b);
}

static int
find_opt(const struct cli_opt *opts, const char *name, size_t len)
{
	int i;

	for (i = 0; opts != NULL && opts[i].name != NULL; i++)
		if (strlen(opts[i].name) == len &&
		    strncmp(opts[i].name, name, len) == 0)
			return i;
	return -1;
}

static const char *
suggest_opt(const struct cli_program *p, const struct cli_cmd *e,
    const char *name)
{
	const struct cli_opt *lists[2] = { e->opts, p->common };
	const char *best = NULL;
	size_t bd = 3, d, k;
	int i;

	for (k = 0; k < 2; k++)
		for (i = 0; lists[k] != NULL && lists[k][i].name != NULL; i++) {
			if (k == 1 && hidden_common(p, e, &lists[k][i]))
				continue;
			d = distance(name, lists[k][i].name);
			if (d < bd) {
				bd = d;
				best = lists[k][i].name;
			}
		}
	return best;
}

static int
index_of(const struct cli_opt *opts, const char *name)
{
	int i = find_opt(opts, name, strlen(name));

	if (i < 0) {
		fprintf(stderr, "bug: option '%s' not declared\n", name);
		abort();
	}
	return i;
}

const char *
cli_value(struct cli *c, const char *name)
{
	return c->value[index_of(c->cmd->opts, name)];
}

int
cli_flag(struct cli *c, const char *name)
{
	return c->flag[index_of(c->cmd->opts, name)];
}

json_t *
cli_list(struct cli *c, const char *name)
{
	return c->list[index_of(c->cmd->opts, name)];
}

const char *
cli_common_value(struct cli *c, const char *name)
{
	return c->common_value[index_of(c->prog->common, name)];
}

int
cli_common_flag(struct cli *c, const char *name)
{
	return c->common_flag[index_of(c->prog->common, name)];
}

static int
parse_opts(struct cli *c, int argc, char **argv)
{
	const struct cli_cmd *e = c->cmd;
	int i, only_args = 0;

	c->argv = xcalloc((size_t)argc + 1, sizeof *c->argv);
	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *name, *eq, *val = NULL;
		const struct cli_opt *o;
		int idx, common = 0;
		size_t len;

		if (only_args || a[0] != '-' || a[1] == '\0') {
			c->argv[c->argc++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_args = 1;
			continue;
		}
		if (strcmp(a, "-h") == 0)
			a = "--help";
		/* The one other short option, as every tool that writes a
		 * file has it: -o for a command's --output. */
		if (strcmp(a, "-o") == 0 && find_opt(e->opts, "output", 6) >= 0)
			a = "--output";
		if (a[1] != '-')
			return cli_usage_error(c,
			    _("unknown option '%s' (options are long, like --help)"), a);
		name = a + 2;
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		idx = find_opt(e->opts, name, len);
		if (idx < 0) {
			idx = find_opt(c->prog->common, name, len);
			common = 1;
			if (idx >= 0 && hidden_common(c->prog, e,
			    &c->prog->common[idx]))
				idx = -1;
		}
		if (idx < 0) {
			char *n = xasprintf("%.*s", (int)len, name);
			const char *s = suggest_opt(c->prog, e, n);
			int rc = s ? cli_usage_error(c,
			    _("unknown option '--%s'; did you mean '--%s'?"), n, s) :
			    cli_usage_error(c, _("unknown option '--%s'"), n);
			free(n);
			return rc;
		}
		o = common ? &c->prog->common[idx] : &e->opts[idx];
		if (o->type == CLI_FLAG) {
			if (eq != NULL)
				return cli_usage_error(c,
				    _("option '--%s' takes no value"), o->name);
			if (common)
				c->common_flag[idx] = 1;
			else
				c->flag[idx] = 1;
			continue;
		}
		if (eq != NULL)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			return cli_usage_error(c, _("option '--%s' needs a value"),
			    o->name);
		if (common) {
			c->common_value[idx] = val;
			continue;
		}
		if (o->type == CLI_LIST) {
			if (!utf8_valid(val, strlen(val)))
				return cli_error(c, 3, _("'--%s' is not valid UTF-8"),
				    o->name);
			if (c->list[idx] == NULL)
				c->list[idx] = json_array();
			json_array_append_new(c->list[idx], json_string(val));
		}
		c->value[idx] = val;
	}
	return 0;
}

static const struct cli_cmd *
find_cmd(const struct cli_program *p, int argc, char **argv, int *used)
{
	size_t i;

	for (i = 0; p->cmds[i] != NULL; i++) {
		const struct cli_cmd *e = p->cmds[i];
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
unknown_cmd(const struct cli_program *p, int argc, char **argv)
{
	const char *best = NULL, *noun = NULL;
	size_t i, bd = 3, d;

	for (i = 0; p->cmds[i] != NULL; i++)
		if (strcmp(p->cmds[i]->noun, argv[0]) == 0)
			noun = p->cmds[i]->noun;
	if (noun != NULL) {
		if (argc > 1)
			fprintf(stderr, _("%s: error: unknown command '%s %s'\n"),
			    p->name, argv[0], argv[1]);
		else
			fprintf(stderr, _("%s: error: '%s' needs a subcommand\n"),
			    p->name, argv[0]);
		fprintf(stderr, "%s", _("hint: one of:"));
		for (i = 0; p->cmds[i] != NULL; i++)
			if (strcmp(p->cmds[i]->noun, noun) == 0)
				fprintf(stderr, " '%s %s'", noun, p->cmds[i]->verb);
		fputc('\n', stderr);
		return CLI_EXIT_USAGE;
	}
	for (i = 0; p->cmds[i] != NULL; i++) {
		d = distance(argv[0], p->cmds[i]->noun);
		if (d < bd) {
			bd = d;
			best = p->cmds[i]->noun;
		}
	}
	fprintf(stderr, _("%s: error: unknown command '%s'\n"), p->name, argv[0]);
	if (best != NULL)
		fprintf(stderr, _("hint: did you mean '%s'?\n"), best);
	else
		fprintf(stderr, _("hint: see '%s --help'\n"), p->name);
	return CLI_EXIT_USAGE;
}

static int
is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 ||
	    strcmp(a, "help") == 0;
}

/* How many of argv's first arguments are the program's common options
 * (with their values), given before the command: "--db X sync". --help
 * is not one of them here (main help). */
static int
leading_opts(const struct cli_program *p, int argc, char **argv)
{
	int i = 0, idx;

	while (i < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2] != '\0') {
		const char *name = argv[i] + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);

		if ((idx = find_opt(p->common, name, len)) < 0 ||
		    strcmp(p->common[idx].name, "help") == 0)
			break;
		if (p->common[idx].type != CLI_FLAG && eq == NULL) {
			if (i + 1 >= argc)
				break;
			i++;
		}
		i++;
	}
	return i;
}

/* "liandong case --help": the noun's commands and what each does. */
static void
noun_help(const struct cli_program *p, const char *noun)
{
	char name[64];
	size_t i;

	printf(_("usage: %s %s <command> [options] [args]\n\n"), p->name, noun);
	for (i = 0; p->cmds[i] != NULL; i++) {
		const struct cli_cmd *e = p->cmds[i];
		if (strcmp(e->noun, noun) != 0)
			continue;
		cmd_name(e, name, sizeof name);
		printf("  %-20s %s\n", name, _(e->summary));
	}
	printf("\n");
	printf(_("Run '%s %s <command> --help' for its options.\n"), p->name,
	    noun);
}

static int
is_noun(const struct cli_program *p, const char *a)
{
	size_t i;

	for (i = 0; p->cmds[i] != NULL; i++)
		if (strcmp(p->cmds[i]->noun, a) == 0)
			return 1;
	return 0;
}

/* An option where the command should be, not one of the common ones
 * before it (leading_opts): unknown, or without its value. */
static int
stray_opt(const struct cli_program *p, const char *a)
{
	const char *name = a + strspn(a, "-"), *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);

	if (a[1] == '-' && find_opt(p->common, name, len) >= 0)
		fprintf(stderr, _("%s: error: option '%s' needs a value\n"),
		    p->name, a);
	else
		fprintf(stderr, _("%s: error: unknown option '%s'\n"), p->name, a);
	fprintf(stderr, _("hint: see '%s --help'\n"), p->name);
	return CLI_EXIT_USAGE;
}

int
cli_parse(const struct cli_program *p, int argc, char **argv, struct cli *c)
{
	int used = 0, lead, rc, n;
	char **opts;

	memset(c, 0, sizeof *c);
	c->prog = p;
	/* Common options may come before the command as well as after. */
	lead = leading_opts(p, argc, argv);
	if (lead == argc || is_help(argv[lead])) {
		main_help(p, lead == argc ? stderr : stdout);
		return lead == argc ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	if (strcmp(argv[lead], "--version") == 0) {
		printf("%s %s\n", p->name, p->version);
		return CLI_EXIT_OK;
	}
	if (argv[lead][0] == '-')
		return stray_opt(p, argv[lead]);
	c->cmd = find_cmd(p, argc - lead, argv + lead, &used);
	if (c->cmd == NULL) {
		if (argc - lead > 1 && is_help(argv[lead + 1]) &&
		    is_noun(p, argv[lead])) {
			noun_help(p, argv[lead]);
			return CLI_EXIT_OK;
		}
		return unknown_cmd(p, argc - lead, argv + lead);
	}
	/* The options before the command, then what follows it: given in
	 * both places, the later one wins. */
	n = argc - used;
	opts = xcalloc((size_t)n + 1, sizeof *opts);
	memcpy(opts, argv, (size_t)lead * sizeof *opts);
	memcpy(opts + lead, argv + lead + used,
	    (size_t)(n - lead) * sizeof *opts);
	rc = parse_opts(c, n, opts);
	free(opts);
	if (rc != 0)
		return rc;
	if (find_opt(p->common, "help", 4) >= 0 && cli_common_flag(c, "help")) {
		cmd_help(p, c->cmd);
		return CLI_EXIT_OK;
	}
	if (c->argc < c->cmd->min_args)
		return cli_usage_error(c, _("missing %s"), c->cmd->args);
	if (c->argc > c->cmd->max_args)
		return cli_usage_error(c, _("unexpected argument '%s'"),
		    c->argv[c->cmd->max_args]);
	return -1;
}

void
cli_release(struct cli *c)
{
	int i;

	for (i = 0; i < CLI_MAX_OPTS; i++)
		json_decref(c->list[i]);
	free(c->argv);
	c->argv = NULL;
}

json_t *
out_doc(const char *kind)
{
	json_t *doc = json_object();

	json_object_set_new(doc, "v", json_integer(OUT_JSON_VERSION));
	json_object_set_new(doc, "kind", json_string(kind));
	return doc;
}

void
out_json(json_t *doc)
{
	json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	fputc('\n', stdout);
	json_decref(doc);
}
