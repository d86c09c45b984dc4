/*
 * sync.h - the station side of the sync protocol (docs/protocol.md).
 *
 * Invariants:
 *  1. The station pushes only its own events, in seq order, starting
 *     after "acked", the highest seq the server said it holds.
 *  2. "acked", "cursor" and the events pulled with them are written in
 *     one transaction after each answer: a dropped link loses at most the
 *     request in flight, and re-sending it is harmless.
 *  3. When nothing is left to push or pull, the station's digest must
 *     equal the server's for its unit; if not, the station pulls again
 *     from cursor 0 (once per run) instead of trusting the cursor.
 */
#ifndef LD_SYNC_H
#define LD_SYNC_H

#include <stdint.h>

#include "blobsync.h"
#include "ledger.h"

struct sync_report {
	long pushed;       /* events the server stored or already had */
	long pulled;       /* new events stored here */
	long requests;
	int64_t acked;
	int64_t pending;   /* own events the server does not hold yet */
	int64_t backlog;   /* events waiting at the server for this station */
	int repaired;      /* a digest mismatch forced a full re-pull */
	double bytes_up;
	double bytes_down;
	long status;       /* the HTTP status that ended a failed run, else 0 */
	struct blobsync_report blobs; /* attachments' files, after the events */
};

struct sync_opts {
	const char *token_path;
	const char *dict_path; /* NULL: the shipped dictionary, if any */
	int progress;          /* a progress line on stderr */
	long connect_timeout;
	long stall_timeout;
	const char *blob_dir;  /* attachments' parts being received; NULL:
	                          no files moved */
	int64_t auto_fetch;    /* bytes: files fetched by themselves up to
	                          it; -1: none (agent.conf [attachments]) */
};

/* Enrolls this station with the server at url, storing the server's
 * address and CA or pin in the database and the token in token_path
 * (mode 0600). */
int sync_enroll(struct ledger *lg, const char *url, const char *code,
    const char *ca_pem, const char *pin, const char *token_path,
    char *err);

/* One sync run: push and pull until nothing is left. Records the outcome
 * (last_sync or last_error) in the database either way; a 401 or 403
 * (LD_EAUTH) also records which token was refused (sync_token_refused),
 * a success forgets it. */
int sync_run(struct ledger *lg, const struct sync_opts *o,
    struct sync_report *rep, char *err);

/* What the token file is now, as text: its device, inode, size, mtime and
 * a hash of its content; "-" when it cannot be read. A new enrolment, or
 * a file put back, changes it. */
#define SYNC_TOKEN_ID_LEN 192
void sync_token_id(const char *token_path, char id[SYNC_TOKEN_ID_LEN]);

/* 1 when the server refused (401 or 403) the token the file holds now:
 * the last sync that used it was refused and neither the file nor a
 * successful sync has changed that since; *at (may be NULL) is when, in
 * ms. 0 otherwise. */
int sync_token_refused(struct ledger *lg, const char *token_path,
    int64_t *at);

/* Asks the server for its view of this station (new JSON reference). */
/* The station's own events the server quarantined, as the last syncs
 * were told: [{"seq", "reason"}] (new reference, never NULL). */
json_t *sync_quarantined(struct ledger *lg);
/* What the last sync found held here but not at the server:
 * {"count": n, "stations": {"s": n}} (new reference, never NULL). */
json_t *sync_beyond(struct ledger *lg);

/* Fetches the attachment hash from the server now (blobsync_fetch). */
int sync_fetch_blob(struct ledger *lg, const struct sync_opts *o,
    const char *hash, char *err);

int sync_remote_status(struct ledger *lg, const struct sync_opts *o,
    json_t **out, char *err);

#endif
