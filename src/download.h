/* download.h: fetching a URL (http, https, file) to a file, in the job's
 * mux, so that every connection keeps being read: a deploy's images
 * (decompressed and checksummed while they stream), test definitions
 * from: url, and the HEAD checks of validation (head).  There is no
 * blocking transfer: each ends at its deadline or when stop() says so. */
#ifndef TETHER_DOWNLOAD_H
#define TETHER_DOWNLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mux;

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
	DOWNLOAD_TOO_BIG,    /* over max_bytes or max_written */
	DOWNLOAD_FORBIDDEN,  /* a file:// the worker lets no job read */
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
	/* Caps, 0 for none: the bytes downloaded (the dispatcher's
	 * max_download_bytes) and the bytes written, decompressed
	 * (max_image_bytes); the errors name those keys. */
	uint64_t max_bytes, max_written;
	/* The worker's files a file:// URL may name (NULL: any). */
	const struct file_policy *files;
	/* A HEAD request (http, https): no body, no file (PATH unused);
	 * RES->http gets the status. */
	bool head;
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
