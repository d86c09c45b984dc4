/*
 * ui.h - the station console: `liandong ui` (agent/ui.c) and the pages
 * built into the binary (agent/ui/, written as C arrays into
 * $(B)/agent/ui-assets.c by the Makefile).
 */
#ifndef LD_UI_H
#define LD_UI_H

#include <stddef.h>

/* One file of agent/ui/, served at path ("/app.js"). */
struct ui_asset {
	const char *path;
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t len;
};

/* Every asset, ended by one whose path is NULL (generated). */
extern const struct ui_asset ui_assets[];

/* The largest request body the console reads (bytes): more is 413; a
 * file to attach is bounded by [attachments] max_size instead. */
#define UI_MAX_BODY (64 * 1024)

/*
 * The console served by another command (`liandong daemon --ui`): started
 * on 127.0.0.1:port (NULL: the default; "0": any), its URL printed on
 * stdout and, with open, opened in the browser. With daemon set, POST
 * /api/sync runs no sync of its own: it asks the daemon, which polls
 * ui_sync_wanted and reports each sync it runs through ui_sync_begin and
 * ui_sync_end, so that two never run at once. The caller blocks SIGINT and
 * SIGTERM in the thread that starts it if it waits with sigwait. Returns
 * 0 with *ui set, or an exit code (message printed).
 */
struct cmd_ctx;
struct ui;
int ui_start(struct cmd_ctx *ctx, const char *port, int open, int daemon,
    struct ui **ui);
/* Stops it (sig: the signal that stopped the program, for the log); a
 * sync it started is stopped. NULL is ignored. */
void ui_stop(struct ui *ui, int sig);
/* Whether the console asked for a sync since the last call (clears it). */
int ui_sync_wanted(struct ui *ui);
void ui_sync_begin(struct ui *ui);
/* code 0: done, with result (taken: the sync's report as `sync --json`
 * gives it, or NULL); else failed with error. */
struct json_t;
void ui_sync_end(struct ui *ui, int code, const char *error,
    struct json_t *result);

#endif
