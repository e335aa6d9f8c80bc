/* compression.c: the compressions tether undoes (compression.h). */
#include "compression.h"

#include <archive.h>
#include <stddef.h>
#include <string.h>

static const struct compression table[] = {
    {"gz", ARCHIVE_FILTER_GZIP, "gunzip", "\x1f\x8b", 2},
    {"xz", ARCHIVE_FILTER_XZ, "unxz", "\xfd" "7zXZ\0", 6},
    {"zstd", ARCHIVE_FILTER_ZSTD, "unzstd", "\x28\xb5\x2f\xfd", 4},
    {"bz2", ARCHIVE_FILTER_BZIP2, "bunzip2", "BZh", 3},
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

const struct compression *
compression_by_magic(const void *head, size_t len)
{
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (len >= table[i].magic_len &&
		    memcmp(head, table[i].magic, table[i].magic_len) == 0)
			return &table[i];
	return NULL;
}
