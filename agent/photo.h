/*
 * photo.h - photos reduced on the station before upload (issue 18), with
 * libvips: the only file that includes vips.h.
 *
 * The county's profile ([photos] in conf/rules/NAME.ini, rules.h) gives the
 * longest side, the JPEG quality and whether EXIF and other metadata
 * (GPS, the camera's serial) are kept or stripped.
 */
#ifndef LD_PHOTO_H
#define LD_PHOTO_H

#include <stddef.h>

struct profile;

/*
 * Reduces the photo data (len bytes, of media type type: "image/jpeg" or
 * "image/png") when its longest side is over the profile's max_side:
 * *out gets a JPEG of *outlen bytes, its longest side max_side, saved at
 * the profile's quality, its metadata stripped unless the profile keeps
 * it; the caller frees *out with photo_free. *out is NULL (nothing to
 * do) when the type is neither, the profile has no [photos], the photo
 * is small enough (and carries no metadata, or the profile keeps it), or
 * the reduced file would not be smaller. A photo small enough that
 * carries metadata (EXIF, XMP, IPTC, a PNG's text) where the profile
 * strips it is saved again as a JPEG of the same size without it. Returns 0,
 * or LD_EINVAL when libvips cannot decode the data as the type it claims
 * (err says so), or when its header claims more than PHOTO_MAX_PIXELS
 * (refused before any pixel is decoded): a JPEG or PNG is decoded whole
 * whenever the profile has [photos], even when it is small enough.
 */
/* The most pixels (width x height, from the header) a photo may claim:
 * one over it is refused before its pixels are decoded, as a decoding
 * would need gigabytes (a small PNG of zeros can claim 20000x20000). */
#define PHOTO_MAX_PIXELS (100LL * 1000 * 1000)

int photo_reduce(const void *data, size_t len, const char *type,
    const struct profile *p, void **out, size_t *outlen, char *err);
void photo_free(void *out);

#endif
