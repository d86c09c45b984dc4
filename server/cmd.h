/*
 * cmd.h - what liandong-server's commands share: their flags, the
 * server directory's configuration, the context every command runs with,
 * and the helpers of main.c they call.
 *
 * To add a command: write a `const struct cli_cmd` in the cmd-<noun>.c
 * file of its noun (options, argument counts, flags, the function), and
 * list it in cmds in main.c. common/cli.c parses and checks the arguments
 * and builds the usage text from the declarations; main.c reads
 * server.conf and opens the database when the entry's flags ask for them
 * (CMD_STORE), and only then runs the command, with c->app the
 * struct server_ctx. A command never counts its own arguments.
 */
#ifndef LD_SERVER_CMD_H
#define LD_SERVER_CMD_H

#include <signal.h>

#include "cli.h"
#include "util.h"

struct store;
struct vault;

#define CMD_JSON 1
#define CMD_STORE 2 /* needs the configuration and the database */
#define CMD_ALONE 4 /* with CMD_STORE: the directory to itself (no server) */

struct server_conf {
	char *dir;
	char *county;
	char *listen;   /* host:port */
	char *db;
	char *cert;
	char *key;
	char *dict;     /* "" for none */
	char *rules;    /* rule profile: a name in conf/rules or a path; "" none */
	char *calendar; /* holiday calendar directory; "" the shipped one */
	char *max_clock_ahead; /* seconds an event's clock may lead ours */
	char *max_routes;      /* routes one push may make */
	char *max_connections; /* connections in all */
	char *max_connections_per_address;
	char *max_inflight_kib; /* KiB of request bodies read at once */
	char *idle_timeout;    /* seconds before an idle connection closes */
	char *queue_wait;      /* seconds a request may wait for its turn */
	char *log_level;       /* debug, info, warn, error */
	char *tls_priorities;  /* GnuTLS priority string; NULL: tls.h's */
	char *next_ca;         /* the next CA's file; "" none */
	char *attachment_max_kib;      /* KiB of one attachment's file */
	char *attachment_quota_kib;    /* KiB one station may send in all */
	char *attachment_inflight_kib; /* KiB of files being received */
	char *attachment_station_inflight_kib; /* the same, of one station */
	char *attachment_part_days;    /* days an abandoned part is kept */
};

struct server_ctx {
	struct server_conf conf;
	struct store *store;
	struct vault *vault; /* the identity keys; the store borrows it */
	int lock;            /* the directory's lock (vault_lock), or -1 */
	int lock_exclusive;
	char err[LD_ERRLEN];
};

/* Every station of a unit has the unit's one role: what it may write and
 * what the unit sees follow from it (roles.h). */
#define ROLE_LEN 32

/* main.c */

/* code (LD_E*) as the exit code, with x->err (else the code's text) as
 * the message on stderr. */
int server_fail(struct cli *c, int code);
/* dir/name unless name is absolute; the caller frees it. */
char *server_in_dir(const char *dir, const char *name);
/* The store of db = : a PostgreSQL URL as it is (store.h), else the
 * SQLite file in dir (server_in_dir). The caller frees it. */
char *server_store_url(const char *dir, const char *db);
/* Reads sc->dir's server.conf into sc, with the default of each key it
 * leaves out. Returns 0 or LD_ECONFIG with err. */
int server_conf_read(struct server_conf *sc, char *err);
void server_conf_release(struct server_conf *sc);
/* The journal's path (journal.h); the caller frees it. */
char *server_journal_path(const struct server_ctx *x);
/* Takes the directory's lock, reads the key files and opens (create: makes)
 * the database into x->store, brought up to the journal. Returns 0 or the
 * exit code, the error said. */
int server_open_store(struct cli *c, int create);

/* cmd-unit.c */

/* The role unit was declared with ("" when none, or not declared). */
int server_declared_role(struct cli *c, const char *unit, char role[ROLE_LEN]);

/* cmd-serve.c */

/* The signals serve waits for (SIGTERM, SIGINT, SIGHUP), which main
 * blocks before serve opens anything. */
void serve_signals(sigset_t *set);

/* Command entries, one file per noun. */
extern const struct cli_cmd cmd_init_entry;
extern const struct cli_cmd cmd_station_add_entry, cmd_station_list_entry,
    cmd_station_revoke_entry, cmd_station_reissue_entry,
    cmd_station_remove_entry;
extern const struct cli_cmd cmd_unit_add_entry, cmd_unit_list_entry,
    cmd_unit_remove_entry;
extern const struct cli_cmd cmd_user_add_entry, cmd_user_list_entry,
    cmd_user_disable_entry, cmd_user_enable_entry, cmd_user_passwd_entry,
    cmd_audit_entry;
extern const struct cli_cmd cmd_serve_entry;
extern const struct cli_cmd cmd_dump_entry, cmd_due_entry, cmd_backup_entry,
    cmd_verify_entry;
extern const struct cli_cmd cmd_report_entry, cmd_publish_entry;
extern const struct cli_cmd cmd_instance_add_entry;

/* Folds every entity the unit (NULL: the county) may see and hands each
 * projection to fn, in entity order (cmd-data.c). Returns 0 or an exit
 * code (message printed). */
int fold_all(struct cli *c, const char *unit,
    void (*fn)(const json_t *doc, void *arg), void *arg);
extern const struct cli_cmd cmd_key_rotate_entry;

#endif
