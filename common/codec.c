/*
 * codec.c - zstd with a dictionary, and the level a sync run compresses
 * at from its link's pace (see codec.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "codec.h"
#include "util.h"

/* Frames asking for a window over 8 MiB are refused: a sender cannot make
 * the decoder allocate more than that. */
#define WINDOW_LOG_MAX 23

struct codec {
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;
	/* A compression dictionary is made for one level (zstd takes the
	 * level of the dictionary a frame is compressed with): one per level
	 * used, made on first use from the copy of the dictionary kept. */
	ZSTD_CDict *cdict[CODEC_LEVEL_MAX + 1];
	ZSTD_DDict *ddict;
	void *dict;        /* owned: the dictionary's bytes, or NULL */
	size_t dict_len;
	unsigned dict_id;
	int level;
};

int
codec_new(const void *dict, size_t dict_len, int level, struct codec **out,
    char *err)
{
	struct codec *c = xcalloc(1, sizeof *c);

	*out = NULL;
	if (level < 1 || level > CODEC_LEVEL_MAX)
		level = level < 1 ? 1 : CODEC_LEVEL_MAX;
	c->level = level;
	c->cctx = ZSTD_createCCtx();
	c->dctx = ZSTD_createDCtx();
	if (c->cctx == NULL || c->dctx == NULL) {
		codec_free(c);
		return ld_fail(err, LD_EINTERNAL, "cannot create zstd contexts");
	}
	ZSTD_DCtx_setParameter(c->dctx, ZSTD_d_windowLogMax, WINDOW_LOG_MAX);
	ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_compressionLevel, level);
	/* No XXH64 of the content (4 bytes a frame): a sync body travels
	 * in TLS, whose AEAD refuses any byte changed, and what it holds is
	 * checked as JSON, by hashes and by its chain; a frame with a
	 * checksum (an older peer's) is still checked. */
	ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_checksumFlag, 0);
	ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_contentSizeFlag, 1);
	if (dict != NULL && dict_len > 0) {
		c->cdict[level] = ZSTD_createCDict(dict, dict_len, level);
		c->ddict = ZSTD_createDDict(dict, dict_len);
		c->dict = xmalloc(dict_len);
		memcpy(c->dict, dict, dict_len);
		c->dict_len = dict_len;
		if (c->cdict[level] == NULL || c->ddict == NULL) {
			codec_free(c);
			return ld_fail(err, LD_EINVAL, _("invalid zstd dictionary"));
		}
		c->dict_id = ZSTD_getDictID_fromDDict(c->ddict);
	}
	*out = c;
	return 0;
}

void
codec_free(struct codec *c)
{
	int i;

	if (c == NULL)
		return;
	ZSTD_freeCCtx(c->cctx);
	ZSTD_freeDCtx(c->dctx);
	for (i = 0; i <= CODEC_LEVEL_MAX; i++)
		ZSTD_freeCDict(c->cdict[i]);
	ZSTD_freeDDict(c->ddict);
	free(c->dict);
	free(c);
}

int
codec_level(const struct codec *c)
{
	return c->level;
}

int
codec_set_level(struct codec *c, int level, char *err)
{
	if (level < 1 || level > CODEC_LEVEL_MAX)
		return ld_fail(err, LD_EINVAL, "zstd level %d out of range", level);
	if (c->dict != NULL && c->cdict[level] == NULL &&
	    (c->cdict[level] = ZSTD_createCDict(c->dict, c->dict_len,
	    level)) == NULL)
		return ld_fail(err, LD_EINTERNAL,
		    "cannot make the zstd dictionary for level %d", level);
	c->level = level;
	ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_compressionLevel, level);
	return 0;
}

unsigned
codec_dict_id(const struct codec *c)
{
	return c->dict_id;
}

int
codec_load(const char *path, int level, struct codec **out, char *err)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	int rc;

	*out = NULL;
	if (f == NULL)
		return ld_fail(err, LD_ECONFIG, _("cannot open dictionary '%s'"),
		    path);
	buf = xmalloc(1 << 20);
	n = fread(buf, 1, 1 << 20, f);
	if (ferror(f) || !feof(f)) {
		fclose(f);
		free(buf);
		return ld_fail(err, LD_ECONFIG,
		    _("cannot read dictionary '%s' (at most 1 MiB)"), path);
	}
	fclose(f);
	rc = codec_new(buf, n, level, out, err);
	free(buf);
	return rc;
}

int
codec_compress(struct codec *c, const void *src, size_t len, void **out,
    size_t *out_len, char *err)
{
	size_t cap = ZSTD_compressBound(len), n;
	void *buf = xmalloc(cap);

	ZSTD_CCtx_reset(c->cctx, ZSTD_reset_session_only);
	ZSTD_CCtx_refCDict(c->cctx, c->cdict[c->level]);
	n = ZSTD_compress2(c->cctx, buf, cap, src, len);
	if (ZSTD_isError(n)) {
		free(buf);
		return ld_fail(err, LD_EINTERNAL, "zstd: %s", ZSTD_getErrorName(n));
	}
	*out = buf;
	*out_len = n;
	return 0;
}

int
codec_decompress(struct codec *c, const void *src, size_t len,
    size_t max_out, void **out, size_t *out_len, char *err)
{
	ZSTD_inBuffer in = { src, len, 0 };
	size_t cap = len * 4 + 1024, r = 1;
	unsigned id;
	char *buf;

	*out = NULL;
	*out_len = 0;
	if (len == 0)
		return ld_fail(err, LD_EINVAL, _("empty compressed body"));
	id = ZSTD_getDictID_fromFrame(src, len);
	if (id != 0 && id != c->dict_id)
		return ld_fail(err, LD_EINVAL,
		    _("body compressed with an unknown dictionary (%u)"), id);
	ZSTD_DCtx_reset(c->dctx, ZSTD_reset_session_only);
	ZSTD_DCtx_refDDict(c->dctx, id != 0 ? c->ddict : NULL);
	if (cap > max_out + 1)
		cap = max_out + 1;
	buf = xmalloc(cap + 1);
	{
		ZSTD_outBuffer o = { buf, cap, 0 };
		while (in.pos < in.size || r != 0) {
			if (o.pos == o.size) {
				if (o.size > max_out) {
					free(buf);
					return ld_fail(err, LD_ETOOBIG,
					    _("body decompresses to more than %zu bytes"),
					    max_out);
				}
				cap = cap * 2 > max_out + 1 ? max_out + 1 : cap * 2;
				buf = xrealloc(buf, cap + 1);
				o.dst = buf;
				o.size = cap;
			}
			r = ZSTD_decompressStream(c->dctx, &o, &in);
			if (ZSTD_isError(r)) {
				free(buf);
				return ld_fail(err, LD_EINVAL,
				    _("corrupt compressed body: %s"),
				    ZSTD_getErrorName(r));
			}
			if (r != 0 && in.pos == in.size && o.pos < o.size) {
				free(buf);
				return ld_fail(err, LD_EINVAL,
				    _("truncated compressed body"));
			}
		}
		if (o.pos > max_out) {
			free(buf);
			return ld_fail(err, LD_ETOOBIG,
			    _("body decompresses to more than %zu bytes"), max_out);
		}
		buf[o.pos] = '\0';
		*out = buf;
		*out_len = o.pos;
	}
	return 0;
}

int
codec_pace_level(const struct codec_pace *p, long long left)
{
	if (p->rate < CODEC_PACE_SLOW ||
	    (left < CODEC_PACE_BULK && p->measured < CODEC_PACE_TRUST))
		return CODEC_LEVEL_MAX;
	return p->rate < CODEC_PACE_MEDIUM ? 14 : 1;
}

void
codec_pace_note(struct codec_pace *p, size_t bytes, double secs)
{
	double r;

	if (bytes < CODEC_PACE_MIN_BYTES || secs <= 0)
		return;
	r = (double)bytes / secs;
	p->rate = p->rate > 0 ? (p->rate + r) / 2 : r;
	p->measured++;
}
