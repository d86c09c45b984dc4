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

/* dict may be NULL (no dictionary). level: zstd level (e.g. 3). */
int codec_new(const void *dict, size_t dict_len, int level,
    struct codec **out, char *err);
void codec_free(struct codec *c);

/* Id of the codec's dictionary, 0 without one. */
unsigned codec_dict_id(const struct codec *c);

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
