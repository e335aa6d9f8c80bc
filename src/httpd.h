/* httpd.h: a tiny static file server inside the job's mux, so that the
 * device can fetch its test overlay (`wget http://HOST:PORT/JOB/x.tar.gz`)
 * while every console is still read.  GET and HEAD over HTTP/1.0 and 1.1,
 * one response per connection (Connection: close), files streamed from
 * disk in chunks; nothing ever blocks the loop. */
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
 * syntax, bad escape), 403 (a ".." segment), 405 (not GET or HEAD), 414,
 * 431 (too long), 505 (not HTTP/1.x).  Errors in the request line are
 * reported as soon as the line is complete.  No allocation: fuzzable. */
int httpd_parse_request(const char *buf, size_t len, struct httpd_request *out);

struct httpd;

/* Listens on ADDR ("127.0.0.1:8780", "127.0.0.1" (port 0: any free
 * port), "[::1]:0", "0.0.0.0:0") and serves files under ROOT_DIR.  NULL
 * with a message in ERR on failure ("cannot listen on 127.0.0.1:8780:
 * Address already in use"). */
struct httpd *httpd_start(struct mux *mux, const char *addr,
                          const char *root_dir, char *err, size_t errlen);

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

/* Responses sent whole so far. */
unsigned long long httpd_requests(const struct httpd *h);

/* Closes the listener and every client, and frees H. */
void httpd_stop(struct httpd *h);

#endif
