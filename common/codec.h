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

#endif
