/* compression.h: the compressions tether undoes (an image's
 * `compression:`, a ramdisk's own), one table: LAVA's name, libarchive's
 * filter, and the tool LAVA's log names for it. */
#ifndef TETHER_COMPRESSION_H
#define TETHER_COMPRESSION_H

struct compression {
	const char *name; /* "gz", "xz", "zstd", "bz2" */
	int filter;       /* ARCHIVE_FILTER_* */
	const char *tool; /* "gunzip" */
};

/* The compression LAVA calls NAME, or NULL when tether has none. */
const struct compression *compression_by_name(const char *name);
/* The compression of libarchive's FILTER, or NULL. */
const struct compression *compression_by_filter(int filter);

#endif
