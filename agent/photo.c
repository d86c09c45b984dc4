/*
 * photo.c - photos reduced with libvips before upload (photo.h).
 *
 * The photo's header is read first: one claiming more than
 * PHOTO_MAX_PIXELS is refused undecoded. It is then decoded whole by the
 * loader of the type it claims, with fail_on error: a file that is not
 * wholly a JPEG (or PNG) is refused before anything is stored. vips_thumbnail_image shrinks it to the
 * longest side (turning it upright from its EXIF orientation), and
 * vips_jpegsave_buffer writes it at the profile's quality, with "strip"
 * unless the profile keeps the metadata.
 */
#include <stdlib.h>
#include <string.h>

#include <vips/vips.h>

#include "photo.h"
#include "rules.h"
#include "util.h"

/* libvips's warnings (a tile it could not decode) would reach the
 * officer's terminal in English and out of our format: the error they
 * lead to is said once, by photo_reduce. */
static void
quiet(const char *domain, GLogLevelFlags level, const char *msg, void *arg)
{
}

/* The first line of libvips's error buffer, in buf. */
static const char *
vips_why(char *buf, size_t len)
{
	ld_strlcpy(buf, vips_error_buffer(), len);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* vips_init once per process; 0 or LD_EINVAL. */
static int
photo_init(char *err)
{
	static int done;
	char why[256];

	if (done)
		return 0;
	g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE,
	    quiet, NULL);
	if (VIPS_INIT("liandong") != 0)
		return ld_fail(err, LD_EINVAL, _("cannot start libvips: %s"),
		    vips_why(why, sizeof why));
	/* One photo at a time, on a station's small machine. */
	vips_concurrency_set(1);
	vips_cache_set_max(0);
	done = 1;
	return 0;
}

/* Whether the image carries metadata exif = strip removes: EXIF (GPS,
 * the camera's serial), XMP, IPTC, a PNG's text. */
static int
has_metadata(VipsImage *in)
{
	char **f = vips_image_get_fields(in);
	int i, found = 0;

	for (i = 0; f[i] != NULL; i++)
		if (strcmp(f[i], "exif-data") == 0 ||
		    strcmp(f[i], "xmp-data") == 0 ||
		    strcmp(f[i], "iptc-data") == 0 ||
		    strncmp(f[i], "png-comment-", 12) == 0)
			found = 1;
	g_strfreev(f);
	return found;
}

int
photo_reduce(const void *data, size_t len, const char *type,
    const struct profile *p, void **out, size_t *outlen, char *err)
{
	VipsImage *in = NULL, *small = NULL;
	void *buf = NULL;
	size_t blen = 0;
	char why[256];
	int jpeg = strcmp(type, "image/jpeg") == 0, rc, w, h;

	*out = NULL;
	*outlen = 0;
	if ((!jpeg && strcmp(type, "image/png") != 0) || p == NULL ||
	    p->photo_max_side <= 0)
		return 0;
	if ((rc = photo_init(err)) != 0)
		return rc;
	/* The loader reads the header only; the pixels are decoded by
	 * vips_image_wio_input, after the size is checked. */
	rc = jpeg ? vips_jpegload_buffer((void *)data, len, &in, "fail_on",
	    VIPS_FAIL_ON_ERROR, "access", VIPS_ACCESS_RANDOM, NULL) :
	    vips_pngload_buffer((void *)data, len, &in, "fail_on",
	    VIPS_FAIL_ON_ERROR, "access", VIPS_ACCESS_RANDOM, NULL);
	if (rc == 0) {
		w = vips_image_get_width(in);
		h = vips_image_get_height(in);
		if ((long long)w * h > PHOTO_MAX_PIXELS) {
			rc = ld_fail(err, LD_EINVAL, _("the photo claims %dx%d"
			    " pixels, more than the %lld megapixels a station"
			    " decodes"), w, h, PHOTO_MAX_PIXELS / 1000000);
			goto out;
		}
	}
	/* Decoded whole (memory access): a corrupt file fails here. */
	if (rc == 0 && vips_image_wio_input(in) != 0)
		rc = -1;
	if (rc != 0) {
		rc = ld_fail(err, LD_EINVAL, _("not a readable %s: %s"), type,
		    vips_why(why, sizeof why));
		goto out;
	}
	if (w <= p->photo_max_side && h <= p->photo_max_side) {
		/* Small enough, but exif = strip: one carrying metadata is
		 * saved again without it, the same size (turned upright
		 * first, as its orientation goes with the EXIF). */
		if (p->photo_exif_keep || !has_metadata(in))
			goto out;
		if (vips_autorot(in, &small, NULL) != 0 ||
		    vips_jpegsave_buffer(small, &buf, &blen, "Q",
		    p->photo_quality, "strip", TRUE, NULL) != 0) {
			rc = ld_fail(err, LD_EINVAL, _("cannot strip the"
			    " photo's metadata: %s"), vips_why(why, sizeof why));
			goto out;
		}
		*out = buf;
		*outlen = blen;
		buf = NULL;
		goto out;
	}
	if (vips_thumbnail_image(in, &small, p->photo_max_side, "size",
	    VIPS_SIZE_DOWN, NULL) != 0 ||
	    vips_jpegsave_buffer(small, &buf, &blen, "Q", p->photo_quality,
	    "strip", !p->photo_exif_keep, NULL) != 0) {
		rc = ld_fail(err, LD_EINVAL, _("cannot reduce the photo: %s"),
		    vips_why(why, sizeof why));
		goto out;
	}
	if (blen < len) {
		*out = buf;
		*outlen = blen;
		buf = NULL;
	}
out:
	vips_error_clear();
	if (buf != NULL)
		g_free(buf);
	if (small != NULL)
		g_object_unref(small);
	if (in != NULL)
		g_object_unref(in);
	return rc;
}

void
photo_free(void *out)
{
	g_free(out);
}
