/* compression.h: the compressions tether undoes (an image's
 * `compression:`, a ramdisk's own), one table: LAVA's name, libarchive's
 * filter, and the tool LAVA's log names for it. */
#ifndef TETHER_COMPRESSION_H
#define TETHER_COMPRESSION_H

#include <stddef.h>

struct compression {
	const char *name; /* "gz", "xz", "zstd", "bz2" */
	int filter;       /* ARCHIVE_FILTER_* */
	const char *tool; /* "gunzip" */
	const char *magic; /* a file's first bytes */
	unsigned magic_len;
};

/* The compression LAVA calls NAME, or NULL when tether has none. */
const struct compression *compression_by_name(const char *name);
/* The compression of the file whose first bytes are HEAD (LEN of them),
 * or NULL. */
const struct compression *compression_by_magic(const void *head, size_t len);
/* The compression of libarchive's FILTER, or NULL. */
const struct compression *compression_by_filter(int filter);

#endif
