/*
 * blobsync.h - the station side of attachments' files over sync
 * (docs/protocol.md, "Attachments"), run after the events.
 *
 * Invariants:
 *  1. Up: each file this station holds that an event of a record names
 *     is sent from where the server says it holds it (GET first, then
 *     POST chunk after chunk from "have"): an acknowledged chunk is never
 *     sent again, whatever was cut in between. Once the server says it is
 *     whole, meta "blob_up:HASH" records it and it is never asked about
 *     again.
 *  2. Down: a file not held here is received into DIR/HASH.part, each
 *     chunk appended and fsynced before the next is asked for, from the
 *     part's size: a kill or a cut link loses at most the chunk in
 *     flight. Only when whole, and hashing to its name, is it stored in
 *     the database (blob.h), in one transaction: no half-stored blob.
 *  3. Urgent records' files go first, both ways (blob_refs' order).
 */
#ifndef LD_BLOBSYNC_H
#define LD_BLOBSYNC_H

#include <stdint.h>

#include "ledger.h"
#include "net.h"

struct blobsync_report {
	long files_up;     /* made whole at the server by this run */
	long files_down;   /* stored here by this run */
	long chunks_up;    /* acknowledged */
	long chunks_down;
	long waiting;      /* not whole at the server yet: later */
	long refused;      /* refused by the server (the error says the first) */
	long requests;     /* answered by the server, whatever the status */
};

/*
 * Sends the files the server lacks and fetches those of at most
 * auto_fetch bytes (-1: none) not held here, parts kept in dir. A file
 * the server says is not this station's (403) is skipped (counted in
 * refused). Returns 0, the first refusal once every file was tried
 * (LD_EREFUSED, LD_EINTEGRITY: err says which file and why), or at once
 * LD_EAUTH (the token), LD_ENET (the link) or a database code.
 */
int blobsync_run(struct ledger *lg, struct net *n, const char *dir,
    int64_t auto_fetch, struct blobsync_report *r, char *err);

/* Fetches the file hash of record now, whatever its size. 0, LD_ENOTFOUND
 * (no record here names it, or the server does not hold it whole yet),
 * or as blobsync_run. */
int blobsync_fetch(struct ledger *lg, struct net *n, const char *dir,
    const char *hash, struct blobsync_report *r, char *err);

#endif
