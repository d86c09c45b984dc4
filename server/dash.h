/*
 * dash.h - the county dashboard (issue 17 item 2; docs/dashboard.md):
 * its pages, built into the binary (server/dash/, written as C arrays
 * into $(B)/server/dash-assets.c by the Makefile), and its JSON API, on
 * the HTTPS port of `liandong-server serve`, under /dash.
 *
 * api.c hands every request whose path is the dashboard's to dash_admit
 * (its line and headers, before any body is read) and dash_handle.
 */
#ifndef LD_DASH_H
#define LD_DASH_H

#include <stddef.h>

#include "http.h"

struct api;

/* One file of server/dash/, served at /dash/<its name>. */
struct dash_asset {
	const char *path; /* "/app.js" */
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t len;
};

/* Every asset, ended by one whose path is NULL (generated). */
extern const struct dash_asset dash_assets[];

/* The largest login body read (bytes): more is 413, unread. */
#define DASH_LOGIN_MAX 4096
/* Records one drill-down lists by default, and at most (?limit=). */
#define DASH_RECORDS_DEFAULT 200
#define DASH_RECORDS_MAX 1000
/* Seconds a request is told to wait while the figures connection works
 * for another (503). */
#define DASH_BUSY_RETRY 5
/* The session cookie's name. */
#define DASH_COOKIE "ld_dash"

/* 1 if path is the dashboard's (/dash or under /dash/). */
int dash_path(const char *path);

/* The http_admit of the dashboard's paths (api_admit calls it): a page
 * or an asset for anyone; a login's small body; every other request
 * only with a live session (else 401), the CSRF token (else 403) and,
 * for a POST, its own origin (else 403), its body never read. */
int dash_admit(struct api *a, const struct http_request *req,
    size_t *max_body, struct http_response *resp);

/* The http_handler of the dashboard's paths. */
void dash_handle(struct api *a, const struct http_request *req,
    struct http_response *resp);

#endif
