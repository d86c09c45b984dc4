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

/* The largest request body the console reads (bytes): more is 413. */
#define UI_MAX_BODY (64 * 1024)

#endif
