/*
 * api.h - the county server's HTTP API: enrolment, sync and status
 * (docs/protocol.md). One function per endpoint in api.c; the storage is
 * reached only through store.h and the decisions only through merge.h.
 */
#ifndef LD_API_H
#define LD_API_H

#include <pthread.h>
#include <stddef.h>

#include "codec.h"
#include "hash.h"
#include "http.h"
#include "rules.h"
#include "store.h"

struct api {
	struct store *store;     /* borrowed */
	struct codec *codec;     /* borrowed; used under codec_lock */
	pthread_mutex_t lock;    /* serialises store use */
	pthread_mutex_t codec_lock; /* the codec's one (de)compression
	                          * context: apart from lock, so that an
	                          * answer is compressed while the next sync
	                          * is stored */
	size_t max_decompressed;
	size_t max_events;
	size_t pull_batch;
	size_t pull_bytes;
	json_t *profile;         /* the county's rule profile, or NULL */
	json_t *calendar;        /* its holiday calendars (year file texts), or NULL */
	struct api_throttle *throttle; /* failed-credential counts, under
	                          * throttle_lock */
	pthread_mutex_t throttle_lock;
	/* Owned, or NULL: a second connection to the store, for admission's
	 * token checks (api_admit), under reader_lock rather than lock, so
	 * that MHD's threads, which admit every request, never wait for a
	 * sync being stored (api_set_reader). */
	struct store *reader;
	pthread_mutex_t reader_lock;
	/* Owned, or NULL: a third connection, for the dashboard's figures
	 * (dash.c), under figures_lock: a report over ten years folds every
	 * record for a minute or more, and neither a sync (lock) nor an
	 * admission (reader_lock) waits for it (api_set_figures). */
	struct store *figures;
	pthread_mutex_t figures_lock;
	/* Owned, or NULL: on a store several instances share (PostgreSQL),
	 * a connection of its own, under throttle_lock, on which the failed
	 * credentials are also counted (the store's login_failures), so that
	 * an address that fails on one instance is held back by all
	 * (api_set_shared_throttle). */
	struct store *shared;
	int max_auth_failures;   /* per address or station and window */
	int64_t max_clock_ahead_ms; /* how far an event's hlc may lead the
	                             * server's clock (0: no bound) */
	int64_t max_routes;      /* routes one push may make */
	const char *journal;     /* borrowed: journal.h's file, or NULL */
	char profile_hash[HASH_HEX];
	json_t *next_ca;         /* the next CA's PEM (a string), or NULL */
	char next_ca_hash[HASH_HEX];
	char calendar_hash[HASH_HEX];
	char *county;            /* owned: server.conf's, for the dashboard */
	int plain_http;          /* --insecure-http: the dashboard's origin */
	struct blobs *blobs;     /* borrowed: attachments' files (blobs.h),
	                          * or NULL: none taken */
	int64_t cert_expires;    /* the certificate's end (ms), for the
	                          * dashboard's stations page; 0: unknown */
};

void api_init(struct api *a, struct store *s, struct codec *c);
void api_release(struct api *a);
/* Gives the api a second connection to its store (taken: closed by
 * api_release) for checking tokens at admission. */
void api_set_reader(struct api *a, struct store *reader);
/* Failed credentials per address (in memory, under throttle_lock; on a
 * shared store in the database too, for every instance): 1 if client
 * has failed max_auth_failures times within the window, and one more
 * failure noted. For the stations' tokens and codes, and the
 * dashboard's logins. */
int api_throttled(struct api *a, const char *client);
void api_failed_attempt(struct api *a, const char *client);

/* Gives the api a connection (taken) on which failed credentials are
 * counted for every instance of a shared store (api.h, shared). */
void api_set_shared_throttle(struct api *a, struct store *shared);

/* Gives the api a connection for the dashboard's figures (taken). */
void api_set_figures(struct api *a, struct store *figures);

/* Sets the rule profile sent to stations (copied). */
void api_set_profile(struct api *a, const struct profile *p);
/* Sets the calendars sent to stations: a JSON array of year file texts
 * (copied). */
void api_set_calendar(struct api *a, const json_t *texts);
/* Sets the CA (PEM) the server's next certificate is signed by, announced
 * to every station before the switch (docs/operations.md). */
void api_set_next_ca(struct api *a, const char *pem);

/* Failed enrolment codes or tokens allowed (by default) per client
 * address and per station name in one window before further attempts get
 * 429. */
#define API_AUTH_FAILURES 20
#define API_AUTH_WINDOW_MS (60 * 1000)

/* By default an event's clock may lead the server's by an hour: a
 * station's clock set a little wrong still syncs, and no event can move
 * the county's clocks further than that. */
#define API_CLOCK_AHEAD_MS (60 * 60 * 1000)

/* Routes one push may make by default, widening included: 500 events
 * to the handful of units each names, with room for widening a long
 * record to a few new units; a push past it is refused with 413. */
#define API_MAX_ROUTES 20000

/* Forgets every failed credential counted (the fuzzer: each input starts
 * afresh). */
void api_forget_failures(struct api *a);

/* The http_admit: admits a request from its line and headers, the token
 * checked, before its body is read. */
int api_admit(void *app, const struct http_request *req, size_t *max_body,
    struct http_response *resp);

/* The http_handler: routes one request. */
void api_handle(void *app, const struct http_request *req,
    struct http_response *resp);

#endif
