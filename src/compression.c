/* compression.c: the compressions tether undoes (compression.h). */
#include "compression.h"

#include <archive.h>
#include <stddef.h>
#include <string.h>

static const struct compression table[] = {
    {"gz", ARCHIVE_FILTER_GZIP, "gunzip"},
    {"xz", ARCHIVE_FILTER_XZ, "unxz"},
    {"zstd", ARCHIVE_FILTER_ZSTD, "unzstd"},
    {"bz2", ARCHIVE_FILTER_BZIP2, "bunzip2"},
};

const struct compression *
compression_by_name(const char *name)
{
	for (size_t i = 0; name && i < sizeof table / sizeof table[0]; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

const struct compression *
compression_by_filter(int filter)
{
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (table[i].filter == filter)
			return &table[i];
	return NULL;
}
