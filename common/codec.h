/*
 * codec.h - zstd compression of sync bodies, with an optional shared
 * dictionary, and decompression that never grows past a cap.
 *
 * The only file that includes zstd.h is codec.c. A frame records the id
 * of the dictionary it was made with (0 for none); codec_decompress uses
 * the codec's dictionary only for frames that name it and refuses frames
 * that name another one.
 */
#ifndef LD_CODEC_H
#define LD_CODEC_H

#include <stddef.h>

struct codec;

/* The highest level codec_set_level takes (zstd's maximum is 22). */
#define CODEC_LEVEL_MAX 19

/* dict may be NULL (no dictionary). level: zstd level, 1 to
 * CODEC_LEVEL_MAX (e.g. 3; clamped to that range). */
int codec_new(const void *dict, size_t dict_len, int level,
    struct codec **out, char *err);
void codec_free(struct codec *c);

/* Id of the codec's dictionary, 0 without one. */
unsigned codec_dict_id(const struct codec *c);

/* The level of the frames codec_compress makes; codec_set_level changes
 * it for the next ones (0, or LD_EINVAL for a level out of 1 to
 * CODEC_LEVEL_MAX; with a dictionary, the first use of a level prepares
 * the dictionary for it, kept until codec_free). Frames of any level
 * decompress alike. */
int codec_level(const struct codec *c);
int codec_set_level(struct codec *c, int level, char *err);

/* Reads a dictionary file (at most 1 MiB) into a new codec. */
int codec_load(const char *dict_path, int level, struct codec **out,
    char *err);

/* One zstd frame of src; *out is malloc'd. */
int codec_compress(struct codec *c, const void *src, size_t len,
    void **out, size_t *out_len, char *err);

/* Decompresses one or more frames of src, failing with LD_ETOOBIG as soon
 * as the output would exceed max_out, and with LD_EINVAL on corrupt,
 * truncated or foreign-dictionary input. *out is malloc'd and
 * NUL-terminated (not counted in *out_len). Memory used is bounded by
 * max_out plus zstd's window, itself capped. */
int codec_decompress(struct codec *c, const void *src, size_t len,
    size_t max_out, void **out, size_t *out_len, char *err);

/*
 * The level of each request of a sync run, from the link's pace
 * (docs/benchmarks.md, issue 15). On sync bodies with the dictionary,
 * level 19 makes the smallest frames but compresses only about 1.4 MB of
 * events a second; level 14 makes them 8% larger at about 7 MB/s, level
 * 1 23% larger at about 400 MB/s (zstd -b on 500 generated events). The
 * quickest is the one whose extra bytes the link carries in less time
 * than the higher level would have taken to save them. With rate the
 * compressed bytes a second that requests have moved (the body up and
 * the answer down over the wall time of each request, the server's work
 * included), that is level 19 below about 16 KB/s (a 2G link, where
 * every byte counts), level 14 up to about 128 KB/s and level 1 above (an
 * office network, loopback).
 *
 * A run starts at level 19, before any request measured the link, and
 * stays there while what is left to push is small (fewer than
 * CODEC_PACE_BULK events) and fewer than CODEC_PACE_TRUST requests have
 * measured it: compressing it all then costs about a second at most, and
 * one request may have shown the link faster than it is. A bulk push
 * measured that often keeps its level to the end (its last three
 * requests at level 19 were a quarter of a 20,000-event push on
 * loopback).
 */
#define CODEC_PACE_SLOW 16384.0    /* bytes/s below which: level 19 */
#define CODEC_PACE_MEDIUM 131072.0 /* ... below which level 14, else 1 */
#define CODEC_PACE_BULK 2000       /* own events left to push: adapt */
#define CODEC_PACE_TRUST 3         /* requests measured: adapt all the same */
#define CODEC_PACE_MIN_BYTES 8192  /* a smaller request says little */

struct codec_pace {
	double rate;  /* bytes/s, smoothed; 0: not measured yet */
	int measured; /* requests that measured it */
};

/* The level for a request with left own events still to push. */
int codec_pace_level(const struct codec_pace *p, long long left);
/* Takes in a request that moved bytes (compressed, both ways) in secs. */
void codec_pace_note(struct codec_pace *p, size_t bytes, double secs);

#endif
