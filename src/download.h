/* download.h: fetching a URL (http, https, file) to a file, for what the
 * dispatcher itself downloads: test definitions from: url. */
#ifndef TETHER_DOWNLOAD_H
#define TETHER_DOWNLOAD_H

#include <stddef.h>

/* Fetches URL into PATH (created or truncated), in at most TIMEOUT_S
 * seconds (0: no limit).  An HTTP status of 400 or more is a failure.
 * Returns 0, or -1 with the reason in ERR ("HTTP 404", "Could not
 * resolve host: ..."). */
int download_file(const char *url, const char *path, long timeout_s,
                  char *err, size_t errlen);

#endif
