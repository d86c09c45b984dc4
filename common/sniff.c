/*
 * sniff.c - media types by magic bytes and by extension (sniff.h).
 */
#include <string.h>
#include <strings.h>

#include "sniff.h"
#include "util.h"

#define OCTET "application/octet-stream"

/* The formats' signatures: bytes at an offset. */
static const struct magic {
	size_t off;
	const char *bytes;
	size_t len;
	const char *type;
} magics[] = {
	{ 0, "\xff\xd8\xff", 3, "image/jpeg" },
	{ 0, "\x89PNG\r\n\x1a\n", 8, "image/png" },
	{ 0, "%PDF-", 5, "application/pdf" },
	{ 0, "ID3", 3, "audio/mpeg" },           /* MP3 with an ID3v2 tag */
	{ 0, "#!AMR\n", 6, "audio/amr" },
	{ 0, "#!AMR-WB\n", 9, "audio/amr" },
	{ 8, "M4A ", 4, "audio/mp4" },           /* after "ftyp", below */
	{ 8, "M4B ", 4, "audio/mp4" },
};

/* What names claim, by extension (compared without case). */
static const struct ext {
	const char *ext;
	const char *type;
} exts[] = {
	{ "jpg", "image/jpeg" }, { "jpeg", "image/jpeg" }, { "jpe", "image/jpeg" },
	{ "png", "image/png" },
	{ "pdf", "application/pdf" },
	{ "mp3", "audio/mpeg" },
	{ "amr", "audio/amr" },
	{ "m4a", "audio/mp4" },
	{ "mp4", "video/mp4" },
};

static int
is_mp4(const char *type)
{
	return type != NULL && (strcmp(type, "audio/mp4") == 0 ||
	    strcmp(type, "video/mp4") == 0);
}

const char *
sniff_content(const unsigned char *head, size_t len)
{
	size_t i;

	/* The ISO base media file ("....ftyp<brand>"): audio by brand,
	 * else video. */
	if (len >= 12 && memcmp(head + 4, "ftyp", 4) == 0) {
		for (i = 0; i < sizeof magics / sizeof magics[0]; i++)
			if (magics[i].off == 8 &&
			    memcmp(head + 8, magics[i].bytes, 4) == 0)
				return magics[i].type;
		return "video/mp4";
	}
	for (i = 0; i < sizeof magics / sizeof magics[0]; i++)
		if (magics[i].off == 0 && len >= magics[i].len &&
		    memcmp(head, magics[i].bytes, magics[i].len) == 0)
			return magics[i].type;
	/* An MP3 without a tag starts with a frame's sync: eleven bits set,
	 * then a version that is not reserved and a layer that is not. */
	if (len >= 2 && head[0] == 0xff && (head[1] & 0xe0) == 0xe0 &&
	    (head[1] & 0x18) != 0x08 && (head[1] & 0x06) != 0)
		return "audio/mpeg";
	return NULL;
}

const char *
sniff_extension(const char *name)
{
	const char *dot = strrchr(name, '.'), *slash = strrchr(name, '/');
	size_t i;

	if (dot == NULL || dot == name || (slash != NULL && dot < slash))
		return NULL;
	for (i = 0; i < sizeof exts / sizeof exts[0]; i++)
		if (strcasecmp(dot + 1, exts[i].ext) == 0)
			return exts[i].type;
	return NULL;
}

int
sniff_type(const char *name, const unsigned char *head, size_t len,
    const char **type, char *err)
{
	const char *is = sniff_content(head, len), *claims = sniff_extension(name);

	if (claims != NULL && is != NULL && strcmp(claims, is) != 0 &&
	    !(is_mp4(claims) && is_mp4(is)))
		return ld_fail(err, LD_EINVAL,
		    _("'%s' is named as %s but its content is %s"), name,
		    claims, is);
	if (claims != NULL && is == NULL)
		return ld_fail(err, LD_EINVAL,
		    _("'%s' is named as %s but its content is not"), name,
		    claims);
	*type = claims != NULL ? claims : is != NULL ? is : OCTET;
	return 0;
}
