/* download.h: fetching a URL (http, https, file) to a file: test
 * definitions from: url (download_file, before anything waits on a
 * device), and a deploy's images (download_run: in the job's mux, so every
 * connection keeps being read, decompressed and checksummed while it
 * streams). */
#ifndef TETHER_DOWNLOAD_H
#define TETHER_DOWNLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mux;

/* Fetches URL into PATH (created or truncated), in at most TIMEOUT_S
 * seconds (0: no limit).  An HTTP status of 400 or more is a failure.
 * Returns 0, or -1 with the reason in ERR ("HTTP 404", "Could not
 * resolve host: ..."). */
int download_file(const char *url, const char *path, long timeout_s,
                  char *err, size_t errlen);

/* The HTTP status a HEAD request for URL (http or https) gets, redirects
 * followed; -1 with the reason in ERR when there is no answer. */
long download_status_of(const char *url, long timeout_s, char *err,
                        size_t errlen);

/* How a download_run() ended. */
enum download_status {
	DOWNLOAD_OK,
	DOWNLOAD_HTTP,       /* an HTTP status of 400 or more (r->http) */
	DOWNLOAD_TRANSFER,   /* the transfer failed (host, connection, file) */
	DOWNLOAD_DECOMPRESS, /* the data is not what compression says */
	DOWNLOAD_WRITE,      /* the output file */
	DOWNLOAD_TIMEOUT,    /* the deadline passed */
	DOWNLOAD_CANCELED,   /* stop() said so */
	DOWNLOAD_SETUP,      /* libcurl or libcrypto cannot be loaded */
};

struct download_req {
	const char *url;
	const char *path;        /* the output, created or truncated */
	const char *compression; /* NULL, "gz", "xz", "zstd" or "bz2" */
	struct mux *mux;         /* the transfer runs in it */
	uint64_t deadline_ns;    /* absolute, monotonic; 0: none */
	/* Polled while waiting: true stops the transfer (a cancel). */
	bool (*stop)(void *arg);
	/* Called as bytes arrive: DONE of TOTAL (-1: unknown) downloaded. */
	void (*progress)(void *arg, uint64_t done, int64_t total);
	void *arg;
};

struct download_res {
	enum download_status status;
	long http;          /* the HTTP status, when there was one */
	int64_t size;       /* the size announced, or -1 */
	uint64_t bytes;     /* downloaded (compressed) */
	uint64_t written;   /* written to the file (decompressed) */
	/* Of the bytes downloaded, as LAVA computes them, in hex. */
	char md5[33], sha256[65], sha512[129];
	char err[512];      /* what went wrong, for the job's message */
};

/* Downloads REQ->url into REQ->path, undoing REQ->compression as the
 * bytes arrive (libarchive's raw format), in REQ->mux: the caller's other
 * descriptors and timers keep running while it waits.  Returns 0, or -1
 * with RES->status and RES->err saying why. */
int download_run(const struct download_req *req, struct download_res *res);

#endif
