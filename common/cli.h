/*
 * cli.h - declared commands and options for both programs (liandong and
 * liandong-server), in the style of git's parse_options and tmux's
 * command table.
 *
 * A program lists its commands as `struct cli_cmd` entries: noun and
 * verb, positional arguments (counted here, never by the command),
 * options and a summary. cli_parse finds the command, parses the options
 * ("--name value", "--name=value", "--" ends them), prints --help built
 * from the declarations, and answers a near miss with "did you mean".
 * Names match exactly: no prefix guessing. The program's common options
 * may also come before the command ("liandong --db X sync"; given in both
 * places, the later wins), and "<noun> --help" lists the noun's commands.
 */
#ifndef LD_CLI_H
#define LD_CLI_H

#include <jansson.h>

enum cli_opt_type {
	CLI_FLAG,  /* --urgent */
	CLI_VALUE, /* --category 违建 */
	CLI_LIST,  /* --party A --party B */
};

struct cli_opt {
	const char *name;
	enum cli_opt_type type;
	const char *arg;  /* placeholder in usage, e.g. "DATE" */
	const char *help;
};

struct cli;

struct cli_cmd {
	const char *noun;  /* "case" */
	const char *verb;  /* "open", or NULL for one-word commands */
	const char *args;  /* positional usage, e.g. "<id>" */
	int min_args;
	int max_args;
	const struct cli_opt *opts; /* NULL-name terminated, may be NULL */
	int flags;         /* the program's own meaning */
	const char *summary;
	int (*exec)(struct cli *c);
};

struct cli_program {
	const char *name;                  /* "liandong" */
	const char *about;                 /* one line for --help */
	const struct cli_cmd *const *cmds; /* NULL-terminated */
	const struct cli_opt *common;      /* options every command takes */
	const char *footer;                /* last line of the main help */
	int json_flag;                     /* cmd flag bit that allows --json */
	const char *version;
};

#define CLI_MAX_OPTS 32

struct cli {
	const struct cli_program *prog;
	const struct cli_cmd *cmd;
	int argc;                        /* positional arguments */
	char **argv;
	const char *value[CLI_MAX_OPTS]; /* the command's options, by index */
	json_t *list[CLI_MAX_OPTS];
	int flag[CLI_MAX_OPTS];
	const char *common_value[CLI_MAX_OPTS];
	int common_flag[CLI_MAX_OPTS];
	void *app;                       /* the program's context */
};

/* Usage and help exit codes, the same in both programs. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_USAGE 2

/*
 * What both programs do before anything else: the locale and the message
 * catalogue from the environment (domain "liandong"), umask 077 (the
 * databases, tokens, keys and exports they write are for this user only)
 * and the crypto library. Returns 0, or EXIT_INTERNAL (util.h) with
 * "<name>: error: ..." said on stderr.
 */
int cli_start(const char *name);

/*
 * Parses argv (without the program name) into c. Returns -1 when the
 * command should run, otherwise the exit code to leave with (help was
 * printed, or a usage error).
 */
int cli_parse(const struct cli_program *p, int argc, char **argv,
    struct cli *c);
void cli_release(struct cli *c);

/* Option access by name; the name must be declared for the command. */
const char *cli_value(struct cli *c, const char *name);
int cli_flag(struct cli *c, const char *name);
json_t *cli_list(struct cli *c, const char *name); /* borrowed or NULL */
/* The program's common options, by name. */
const char *cli_common_value(struct cli *c, const char *name);
int cli_common_flag(struct cli *c, const char *name);

/* Versioned JSON output of both programs: a new document
 * {"v": OUT_JSON_VERSION, "kind": kind}, and its printing (indented,
 * sorted keys, a newline; takes doc). Fields are only ever added within a
 * version. */
#define OUT_JSON_VERSION 1
json_t *out_doc(const char *kind);
void out_json(json_t *doc);

/* "<prog>: error: <message>" on stderr; returns code. */
int cli_error(struct cli *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An LD_E* code as its exit code (ld_exit_code), with err as the message,
 * or the code's own text when err is empty or NULL; returns the exit code. */
int cli_fail(struct cli *c, int ld_code, const char *err);
/* A usage error: the message, the usage line and a hint; returns 2. */
int cli_usage_error(struct cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
