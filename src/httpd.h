/* httpd.h: a tiny static file server inside the job's mux, so that the
 * device can fetch its test overlay while every console is still read.
 * GET and HEAD over HTTP/1.0 and 1.1, one response per connection
 * (Connection: close), files streamed from disk in chunks; nothing ever
 * blocks the loop.
 *
 * Nothing is served but what the job publishes (httpd_publish), each file
 * at /<token>/<name>, the token 128 random bits of this server's own: no
 * directory is served, and any other path, however spelled, is 404.  A
 * client gets a deadline for its whole request head, not moved by bytes
 * trickled in, and a client address only so many connections at once, so
 * slow or many clients cannot keep the device's download waiting. */
#ifndef TETHER_HTTPD_H
#define TETHER_HTTPD_H

#include <stddef.h>

#include "mux.h"

/* Longest request line, its line end included (longer: 414). */
#define HTTPD_LINE_MAX 8192
/* Longest request head, request line and headers (longer: 431). */
#define HTTPD_HEAD_MAX 16384

enum httpd_method {
	HTTPD_OTHER,
	HTTPD_GET,
	HTTPD_HEAD,
};

/* A request head as httpd_parse_request reads it. */
struct httpd_request {
	enum httpd_method method;
	char method_name[32];
	/* The request target as sent (query string too), for logs. */
	char target[HTTPD_LINE_MAX];
	/* Percent-decoded, query dropped, "." and empty segments removed,
	 * no leading '/': "42/overlay.tar.gz"; "" for the root. */
	char path[HTTPD_LINE_MAX];
	int version;     /* 10 for HTTP/1.0, 11 for HTTP/1.1 */
	size_t head_len; /* bytes up to and including the blank line */
};

/* Parses the request head at the start of BUF (LEN bytes read so far).
 * Returns 0 when more bytes are needed, 200 when the head is complete
 * and asks for a file, or the error status to answer with: 400 (bad
 * syntax, bad escape), 403 (a ".." segment; the server answers 404),
 * 405 (not GET or HEAD), 414, 431 (too long), 505 (not HTTP/1.x).
 * Errors in the request line are reported as soon as the line is
 * complete.  No allocation: fuzzable. */
int httpd_parse_request(const char *buf, size_t len, struct httpd_request *out);

struct httpd;

/* Listens on ADDR ("127.0.0.1:8780", "127.0.0.1" (port 0: any free
 * port), "[::1]:0", "0.0.0.0:0"), serving nothing until files are
 * published.  NULL with a message in ERR on failure ("cannot listen on
 * 127.0.0.1:8780: Address already in use"). */
struct httpd *httpd_start(struct mux *mux, const char *addr, char *err,
                          size_t errlen);

/* Serves FILE_PATH as NAME.  The server opens it on each request, with
 * O_NOFOLLOW (a symlink there is not followed; a file gone is 404).
 * Returns the URL path, "/<token>/<name>", owned by H until httpd_stop;
 * NULL when NAME is not 1 to 255 of [A-Za-z0-9._-], starting with
 * neither '.' nor '-'.  Publishing a NAME again points it at the new
 * FILE_PATH. */
const char *httpd_publish(struct httpd *h, const char *file_path,
                          const char *name);

/* This server's token: 32 lowercase hex digits, 128 bits from
 * getrandom(2), one per server, so one per job. */
const char *httpd_token(const struct httpd *h);

/* "127.0.0.1:43123", "[::1]:43123": the host and the actual port. */
const char *httpd_address(const struct httpd *h);

/* LOG is called once for every response, for the job log: method and
 * target as sent ("-" when unreadable), status, body bytes sent.  A
 * response cut short (client gone, idle timeout) is logged too, with the
 * bytes it got.  LOG may be NULL. */
void httpd_set_logger(struct httpd *h,
                      void (*log)(void *arg, const char *method,
                                  const char *path, int status,
                                  unsigned long long bytes),
                      void *arg);

/* A client that makes no progress for MS milliseconds is closed (30000
 * by default). */
void httpd_set_timeout(struct httpd *h, unsigned int ms);

/* A client that has not sent its whole request head MS milliseconds
 * after it was accepted is closed, however steadily it trickles bytes
 * (10000 by default). */
void httpd_set_head_timeout(struct httpd *h, unsigned int ms);

/* At most PER_ADDRESS connections from one client address (16 by
 * default): more are closed as soon as accepted.  At most TOTAL in all
 * (128): when full, a new connection takes the place of the oldest one
 * still sending its head; when every one is being answered, the rest
 * wait in the listen backlog.  0 keeps a limit as it is. */
void httpd_set_limits(struct httpd *h, size_t per_address, size_t total);

/* Connections open now. */
size_t httpd_connections(const struct httpd *h);

/* Responses sent whole so far. */
unsigned long long httpd_requests(const struct httpd *h);

/* Closes the listener and every client, and frees H. */
void httpd_stop(struct httpd *h);

#endif
