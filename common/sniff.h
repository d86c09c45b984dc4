/*
 * sniff.h - what kind of file an attachment is, by its first bytes and by
 * what its name claims (issue 18: a file that claims one type and is
 * another is refused). A small table, no library: the types an officer
 * has (photos, scans, recordings, video), kinds.h's attachment_types.
 *
 * To add a type: its magic in sniff.c's content table, its extensions in
 * the extension table, and its value in attachment_types (kinds.c).
 */
#ifndef LD_SNIFF_H
#define LD_SNIFF_H

#include <stddef.h>

/* How many of a file's first bytes sniff_content looks at, at most. */
#define SNIFF_HEAD 16

/* The media type the first len bytes of a file show ("image/jpeg"), or
 * NULL for none of the table's. */
const char *sniff_content(const unsigned char *head, size_t len);

/* The media type the extension of name claims (".JPG": "image/jpeg"),
 * or NULL when it claims none of the table's (no extension, ".txt"). */
const char *sniff_extension(const char *name);

/*
 * The media type to record for a file called name whose first bytes
 * are head (len of them): the content's when the name claims nothing or
 * the same type (or, for the MP4 container, its audio or video sibling:
 * then the name's); application/octet-stream when neither is known.
 * Refused (LD_EINVAL, err naming both) when the name claims a type the
 * content is not, or the content is a known type under a name claiming
 * another. Sets *type to a static string.
 */
int sniff_type(const char *name, const unsigned char *head, size_t len,
    const char **type, char *err);

#endif
