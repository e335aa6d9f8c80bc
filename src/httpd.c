/* httpd.c: a static file server driven by the job's mux.
 *
 * Every socket is non-blocking and every client a small state machine:
 * read the request head (POLLIN), write the response (POLLOUT, the file
 * read with pread one chunk at a time), then a lingering close: shut the
 * write side and drain what the client still sends, so that unread
 * request bytes do not turn our close into a reset that loses the
 * response.  A client making no progress is closed by its timer, so one
 * that stalls costs a descriptor and a buffer, never the loop.
 *
 * Only published files are served, each looked up by its whole URL path:
 * no request path ever becomes a file name.  Slow clients: the request
 * head has one deadline from accept (bytes trickled in do not move it),
 * one address gets a few connections only, and a full server makes room
 * by dropping its oldest client still sending a head, never one being
 * answered. */
#include "httpd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net.h"
#include "util.h"

/* File bytes read per pread, and the size of a client's output buffer. */
#define HTTPD_CHUNK 65536
/* Chunks sent to one client per wakeup, so a fast reader of a big file
 * does not keep the consoles waiting. */
#define HTTPD_BURST 4
/* Clients at once, and from one address at once (httpd_set_limits). */
#define HTTPD_CLIENTS_MAX 128
#define HTTPD_PER_ADDRESS_MAX 16
/* Connections accepted per wakeup, so a flood of them does not keep the
 * consoles waiting. */
#define HTTPD_ACCEPT_BURST 64
#define HTTPD_TIMEOUT_MS 30000
#define HTTPD_HEAD_TIMEOUT_MS 10000
/* Random bytes in the token. */
#define HTTPD_TOKEN_BYTES 16
/* How long a lingering close may drain, at most. */
#define HTTPD_LINGER_NS 2000000000ULL
/* Pause in accepting after running out of descriptors. */
#define HTTPD_EMFILE_NS 100000000ULL

/* Request parsing. */

static bool
is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "name: value", with no folding (RFC 9112 says reject it). */
static bool
header_ok(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && is_tchar((unsigned char)s[i]))
		i++;
	if (i == 0 || i == n || s[i] != ':')
		return false;
	for (i++; i < n; i++)
		if (is_ctl((unsigned char)s[i]) && s[i] != '\t')
			return false;
	return true;
}

/* Decodes TARGET (LEN bytes, from its first '/') into OUT->path and
 * drops "." and empty segments.  400 or 403 on failure, else 200. */
static int
path_decode(const char *t, size_t len, struct httpd_request *out)
{
	char *s = out->path;
	size_t n = 0;
	for (size_t i = 0; i < len && t[i] != '?' && t[i] != '#'; i++) {
		if (t[i] != '%') {
			s[n++] = t[i];
			continue;
		}
		int hi = i + 2 < len ? hex_value((unsigned char)t[i + 1]) : -1;
		int lo = hi >= 0 ? hex_value((unsigned char)t[i + 2]) : -1;
		if (lo < 0 || (hi == 0 && lo == 0))
			return 400;
		s[n++] = (char)(hi << 4 | lo);
		i += 2;
	}
	/* Segments after decoding, so "..%2f" is caught as well. */
	size_t i = 0, o = 0;
	while (i < n) {
		while (i < n && s[i] == '/')
			i++;
		size_t start = i;
		while (i < n && s[i] != '/')
			i++;
		size_t seg = i - start;
		if (seg == 0 || (seg == 1 && s[start] == '.'))
			continue;
		if (seg == 2 && s[start] == '.' && s[start + 1] == '.') {
			s[0] = '\0';
			return 403;
		}
		if (o)
			s[o++] = '/';
		memmove(s + o, s + start, seg);
		o += seg;
	}
	s[o] = '\0';
	return 200;
}

/* "METHOD SP TARGET SP HTTP/d.d", S of N bytes without its line end. */
static int
request_line_parse(const char *s, size_t n, struct httpd_request *out)
{
	size_t m = 0;
	while (m < n && is_tchar((unsigned char)s[m]))
		m++;
	if (m == 0 || m >= sizeof out->method_name || m == n || s[m] != ' ')
		return 400;
	memcpy(out->method_name, s, m);
	out->method_name[m] = '\0';

	size_t t = m + 1, e = t;
	while (e < n && s[e] != ' ' && !is_ctl((unsigned char)s[e]))
		e++;
	if (e == t || e == n || s[e] != ' ')
		return 400;
	memcpy(out->target, s + t, e - t);
	out->target[e - t] = '\0';

	const char *v = s + e + 1;
	if (n - (e + 1) != 8 || memcmp(v, "HTTP/", 5) != 0 ||
	    !is_digit((unsigned char)v[5]) || v[6] != '.' ||
	    !is_digit((unsigned char)v[7]))
		return 400;
	if (v[5] != '1')
		return 505;
	out->version = 10 + (v[7] - '0');

	if (strcmp(out->method_name, "GET") == 0)
		out->method = HTTPD_GET;
	else if (strcmp(out->method_name, "HEAD") == 0)
		out->method = HTTPD_HEAD;
	else
		return 405;

	/* Origin form, or the absolute form proxies use. */
	const char *p = out->target;
	size_t plen = e - t;
	if (plen >= 7 && strncasecmp(p, "http://", 7) == 0)
		p += 7;
	else if (plen >= 8 && strncasecmp(p, "https://", 8) == 0)
		p += 8;
	else if (*p != '/')
		return 400;
	if (p != out->target) {
		const char *slash = strchr(p, '/');
		p = slash ? slash : out->target + plen;
	}
	return path_decode(p, plen - (size_t)(p - out->target), out);
}

int
httpd_parse_request(const char *buf, size_t len, struct httpd_request *out)
{
	out->method = HTTPD_OTHER;
	out->method_name[0] = out->target[0] = out->path[0] = '\0';
	out->version = 0;
	out->head_len = 0;
	/* Only the first HTTPD_HEAD_MAX bytes count: what a longer prefix
	 * says must not depend on bytes after that. */
	if (len > HTTPD_HEAD_MAX)
		len = HTTPD_HEAD_MAX;

	/* Empty lines before the request line are ignored (RFC 9112 2.2). */
	size_t p = 0;
	for (;;) {
		if (p < len && buf[p] == '\n')
			p++;
		else if (p + 1 < len && buf[p] == '\r' && buf[p + 1] == '\n')
			p += 2;
		else
			break;
	}
	size_t window = len - p < HTTPD_LINE_MAX ? len - p : HTTPD_LINE_MAX;
	const char *nl = memchr(buf + p, '\n', window);
	if (nl == NULL) {
		if (len - p >= HTTPD_LINE_MAX)
			return 414;
		return len == HTTPD_HEAD_MAX ? 431 : 0;
	}
	size_t n = (size_t)(nl - (buf + p));
	if (n > 0 && buf[p + n - 1] == '\r')
		n--;
	int status = request_line_parse(buf + p, n, out);
	if (status != 200)
		return status;

	for (size_t q = (size_t)(nl - buf) + 1;;) {
		const char *line = buf + q;
		nl = memchr(line, '\n', len - q);
		if (nl == NULL)
			return len == HTTPD_HEAD_MAX ? 431 : 0;
		n = (size_t)(nl - line);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		q = (size_t)(nl - buf) + 1;
		if (n == 0) {
			out->head_len = q;
			return 200;
		}
		if (!header_ok(line, n))
			return 400;
	}
}

/* The server. */

enum client_state {
	CLIENT_READ,   /* reading the request head */
	CLIENT_WRITE,  /* sending the response */
	CLIENT_LINGER, /* response sent, draining until EOF */
};

struct client {
	struct httpd *h;
	struct client *next;
	int fd;
	enum client_state state;
	unsigned char addr[16]; /* the peer's, IPv4 as v4-mapped IPv6 */
	uint64_t last_active;   /* last byte moved, for the idle timeout */
	uint64_t head_due;      /* the whole head by then */
	uint64_t linger_until;
	uint64_t timer, timer_due;
	char in[HTTPD_HEAD_MAX];
	size_t inlen;
	struct httpd_request req;
	int status;
	/* Response head and small bodies, then file chunks. */
	char *out;
	size_t outlen, outoff;
	size_t head_len;
	unsigned long long sent;
	int file;
	off_t file_off, file_end;
};

/* A published file. */
struct pub {
	char *file; /* as given to httpd_publish */
	char *name;
	char *url; /* "/<token>/<name>" */
};

struct httpd {
	struct mux *mux;
	int fd;
	char token[2 * HTTPD_TOKEN_BYTES + 1];
	struct pub *pubs;
	size_t npubs;
	char address[INET6_ADDRSTRLEN + 16];
	void (*log)(void *arg, const char *method, const char *path, int status,
	            unsigned long long bytes);
	void *log_arg;
	unsigned long long requests;
	uint64_t timeout_ns, head_timeout_ns;
	size_t per_address_max, clients_max;
	struct client *clients; /* newest first */
	size_t nclients;
	size_t nreading; /* clients in CLIENT_READ */
	bool emfile;     /* accepting paused: out of descriptors */
	uint64_t emfile_timer;
};

static void client_write(struct client *c);

static const char *
status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Internal Server Error";
	}
}

static const char *
content_type(const char *path)
{
	static const char *const text[] = {".txt", ".log", ".sh", ".yaml",
	                                   ".yml"};
	size_t n = strlen(path);
	if ((n >= 3 && strcmp(path + n - 3, ".gz") == 0) ||
	    (n >= 4 && strcmp(path + n - 4, ".tgz") == 0))
		return "application/gzip";
	for (size_t i = 0; i < sizeof text / sizeof *text; i++) {
		size_t e = strlen(text[i]);
		if (n >= e && strcmp(path + n - e, text[i]) == 0)
			return "text/plain";
	}
	return "application/octet-stream";
}

/* Polled while a new client can be taken: below the cap, or at it with
 * a client still sending its head to make room (handle_accept). */
static void
httpd_update_listener(struct httpd *h)
{
	bool on =
	    !h->emfile && (h->nclients < h->clients_max || h->nreading > 0);
	mux_set_events(h->mux, h->fd, on ? POLLIN : 0);
}

static void
client_set_state(struct client *c, enum client_state state)
{
	if (c->state == CLIENT_READ)
		c->h->nreading--;
	c->state = state;
	httpd_update_listener(c->h);
}

static void
client_log(struct client *c)
{
	struct httpd *h = c->h;
	if (h->log == NULL)
		return;
	const char *method = c->req.method_name[0] ? c->req.method_name : "-";
	const char *target = c->req.target[0] ? c->req.target : "-";
	unsigned long long body =
	    c->sent > c->head_len ? c->sent - c->head_len : 0;
	h->log(h->log_arg, method, target, c->status, body);
}

/* LOG: log a response cut short. */
static void
client_close(struct client *c, bool log)
{
	struct httpd *h = c->h;
	if (log && c->state == CLIENT_WRITE)
		client_log(c);
	for (struct client **pp = &h->clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	h->nclients--;
	if (c->state == CLIENT_READ)
		h->nreading--;
	mux_remove_fd(h->mux, c->fd);
	close(c->fd);
	if (c->file >= 0)
		close(c->file);
	if (c->timer)
		mux_cancel_timer(h->mux, c->timer);
	free(c->out);
	free(c);
	httpd_update_listener(h);
}

static uint64_t
client_due(const struct client *c)
{
	uint64_t idle = c->last_active + c->h->timeout_ns;
	switch (c->state) {
	case CLIENT_READ:
		return c->head_due < idle ? c->head_due : idle;
	case CLIENT_WRITE:
		return idle;
	case CLIENT_LINGER:
		return c->linger_until;
	}
	return idle;
}

static void handle_client_timer(void *arg);

/* Arms the timer for the client's due time, unless one is set for no
 * later: a timer firing early just re-arms, so most bytes moved cost no
 * timer operation. */
static void
client_arm(struct client *c)
{
	uint64_t due = client_due(c);
	if (c->timer && c->timer_due <= due)
		return;
	if (c->timer)
		mux_cancel_timer(c->h->mux, c->timer);
	c->timer_due = due;
	c->timer = mux_add_timer(c->h->mux, due, handle_client_timer, c);
}

static void
handle_client_timer(void *arg)
{
	struct client *c = arg;
	c->timer = 0;
	if (mux_now() >= client_due(c)) {
		client_close(c, true);
		return;
	}
	client_arm(c);
}

/* Constant time, so the token cannot be guessed a digit at a time. */
static bool
token_equal(const char *a, const char *b, size_t n)
{
	unsigned char d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* The publication that PATH (a parsed request path: "<token>/<name>")
 * names, or NULL. */
static const struct pub *
httpd_lookup(const struct httpd *h, const char *path)
{
	size_t tl = strlen(h->token);
	if (strlen(path) <= tl + 1 || path[tl] != '/' ||
	    !token_equal(path, h->token, tl))
		return NULL;
	for (size_t i = 0; i < h->npubs; i++)
		if (strcmp(path + tl + 1, h->pubs[i].name) == 0)
			return &h->pubs[i];
	return NULL;
}

/* Opens the file published as PATH; the status to answer with.  Any
 * path not published is 404, whatever it would name on disk. */
static int
httpd_open(struct httpd *h, const char *path, int *fdp, off_t *sizep)
{
	const struct pub *p = httpd_lookup(h, path);
	if (p == NULL)
		return 404;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	int fd = open(p->file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
	                           O_NOFOLLOW);
	int err = errno;
	if (fd < 0)
		return err == EACCES || err == EPERM ? 403 : 404;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 403;
	}
	*fdp = fd;
	*sizep = st.st_size;
	return 200;
}

static void
client_respond(struct client *c, int status)
{
	off_t size = 0;
	/* A ".." names nothing published either: no answer tells a
	 * prober more than another. */
	if (status == 403)
		status = 404;
	if (status == 200)
		status = httpd_open(c->h, c->req.path, &c->file, &size);
	c->status = status;
	c->out = xmalloc(HTTPD_CHUNK);
	bool body = c->req.method != HTTPD_HEAD;
	int n;
	if (status == 200) {
		n = snprintf(c->out, HTTPD_CHUNK,
		             "HTTP/1.1 200 OK\r\n"
		             "Content-Type: %s\r\n"
		             "Content-Length: %lld\r\n"
		             "Connection: close\r\n\r\n",
		             content_type(c->req.path), (long long)size);
		c->file_end = size;
		if (!body) {
			close(c->file);
			c->file = -1;
		}
	} else {
		const char *text = status_text(status);
		int blen = snprintf(NULL, 0, "%d %s\n", status, text);
		n = snprintf(c->out, HTTPD_CHUNK,
		             "HTTP/1.1 %d %s\r\n"
		             "Content-Type: text/plain\r\n"
		             "Content-Length: %d\r\n"
		             "%s"
		             "Connection: close\r\n\r\n",
		             status, text, blen,
		             status == 405 ? "Allow: GET, HEAD\r\n" : "");
		c->head_len = (size_t)n;
		if (body)
			n += snprintf(c->out + n, HTTPD_CHUNK - (size_t)n,
			              "%d %s\n", status, text);
	}
	if (status == 200)
		c->head_len = (size_t)n;
	c->outlen = (size_t)n;
	c->outoff = 0;
	client_set_state(c, CLIENT_WRITE);
	mux_set_events(c->h->mux, c->fd, POLLOUT);
	client_arm(c);
	client_write(c);
}

/* Refills the output buffer from the file: 1 when there is more to
 * send, 0 when the response is complete, -1 on error. */
static int
client_fill(struct client *c)
{
	if (c->file < 0 || c->file_off >= c->file_end)
		return 0;
	off_t left = c->file_end - c->file_off;
	size_t want = left < HTTPD_CHUNK ? (size_t)left : HTTPD_CHUNK;
	ssize_t n;
	do
		n = pread(c->file, c->out, want, c->file_off);
	while (n < 0 && errno == EINTR);
	/* A file that shrank cannot make up the promised length. */
	if (n <= 0)
		return -1;
	c->file_off += n;
	c->outlen = (size_t)n;
	c->outoff = 0;
	return 1;
}

static void
client_done(struct client *c)
{
	struct httpd *h = c->h;
	h->requests++;
	client_log(c);
	if (c->file >= 0) {
		close(c->file);
		c->file = -1;
	}
	free(c->out);
	c->out = NULL;
	shutdown(c->fd, SHUT_WR);
	client_set_state(c, CLIENT_LINGER);
	c->linger_until = mux_now() + HTTPD_LINGER_NS;
	if (c->linger_until > c->last_active + h->timeout_ns)
		c->linger_until = c->last_active + h->timeout_ns;
	mux_set_events(h->mux, c->fd, POLLIN);
	client_arm(c);
}

static void
client_write(struct client *c)
{
	for (int chunks = 0; chunks < HTTPD_BURST;) {
		if (c->outoff == c->outlen) {
			int rc = client_fill(c);
			if (rc < 0) {
				client_close(c, true);
				return;
			}
			if (rc == 0) {
				client_done(c);
				return;
			}
			chunks++;
		}
		ssize_t n =
		    send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
		         MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
				client_close(c, true);
			return;
		}
		c->outoff += (size_t)n;
		c->sent += (unsigned long long)n;
		c->last_active = mux_now();
	}
}

/* Reads what is there; false when the client went away (C freed). */
static bool
client_read(struct client *c, char *buf, size_t room, size_t *got, bool *eof)
{
	*got = 0;
	*eof = false;
	while (*got < room) {
		ssize_t n = recv(c->fd, buf + *got, room - *got, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			client_close(c, false);
			return false;
		}
		if (n == 0) {
			*eof = true;
			break;
		}
		*got += (size_t)n;
		c->last_active = mux_now();
	}
	return true;
}

static void
handle_client(int fd, short events, void *arg)
{
	struct client *c = arg;
	size_t got;
	bool eof;
	int status;
	(void)fd;
	(void)events;
	switch (c->state) {
	case CLIENT_READ:
		if (!client_read(c, c->in + c->inlen, sizeof c->in - c->inlen,
		                 &got, &eof))
			return;
		c->inlen += got;
		/* Parsed once per wakeup, not once per recv. */
		status = httpd_parse_request(c->in, c->inlen, &c->req);
		if (status != 0)
			client_respond(c, status); /* half-closed is fine */
		else if (eof)
			client_close(c, false);
		return;
	case CLIENT_WRITE:
		client_write(c);
		return;
	case CLIENT_LINGER:
		/* c->in is free by now; what is read is thrown away, one
		 * buffer a wakeup, and the linger deadline bounds it all. */
		if (!client_read(c, c->in, sizeof c->in, &got, &eof))
			return;
		if (eof)
			client_close(c, false);
		return;
	}
}

static void
handle_emfile_timer(void *arg)
{
	struct httpd *h = arg;
	h->emfile_timer = 0;
	h->emfile = false;
	httpd_update_listener(h);
}

/* The peer address SS as 16 bytes, IPv4 as v4-mapped IPv6, so that a
 * dual-stack listener counts a client once whichever way it comes. */
static void
peer_address(const struct sockaddr_storage *ss, unsigned char out[16])
{
	memset(out, 0, 16);
	if (ss->ss_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	} else if (ss->ss_family == AF_INET) {
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &((const struct sockaddr_in *)ss)->sin_addr,
		       4);
	}
}

static size_t
clients_from(const struct httpd *h, const unsigned char addr[16])
{
	size_t n = 0;
	for (const struct client *c = h->clients; c; c = c->next)
		n += memcmp(c->addr, addr, 16) == 0;
	return n;
}

/* The client that has been sending its head the longest, or NULL. */
static struct client *
oldest_reader(const struct httpd *h)
{
	struct client *old = NULL;
	for (struct client *c = h->clients; c; c = c->next)
		if (c->state == CLIENT_READ)
			old = c;
	return old;
}

static void
handle_accept(int fd, short events, void *arg)
{
	struct httpd *h = arg;
	(void)events;
	for (int i = 0; i < HTTPD_ACCEPT_BURST && !h->emfile; i++) {
		/* Full of clients being answered: the rest wait in the
		 * backlog. */
		if (h->nclients >= h->clients_max && h->nreading == 0)
			break;
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int cfd = accept4(fd, (struct sockaddr *)&ss, &sl,
		                  SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* The listener would stay readable and spin
				 * the loop: stop polling it for a while. */
				h->emfile = true;
				h->emfile_timer = mux_add_timer(
				    h->mux, mux_now() + HTTPD_EMFILE_NS,
				    handle_emfile_timer, h);
			}
			break;
		}
		unsigned char addr[16];
		peer_address(&ss, addr);
		/* Before making room: one address over its share must not
		 * push out anybody else. */
		if (clients_from(h, addr) >= h->per_address_max) {
			close(cfd);
			continue;
		}
		/* A slow head gives way to a new client, which may be the
		 * device, rather than the device waiting for it. */
		if (h->nclients >= h->clients_max)
			client_close(oldest_reader(h), false);
		struct client *c = xcalloc(1, sizeof *c);
		c->h = h;
		c->fd = cfd;
		c->file = -1;
		memcpy(c->addr, addr, 16);
		c->state = CLIENT_READ;
		c->last_active = mux_now();
		c->head_due = c->last_active + h->head_timeout_ns;
		c->next = h->clients;
		h->clients = c;
		h->nclients++;
		h->nreading++;
		mux_add_fd(h->mux, cfd, POLLIN, handle_client, c);
		client_arm(c);
	}
	httpd_update_listener(h);
}

/* 128 bits from getrandom(2) in lowercase hex; -1 when the kernel gives
 * none. */
static int
make_token(char out[2 * HTTPD_TOKEN_BYTES + 1])
{
	unsigned char r[HTTPD_TOKEN_BYTES];
	size_t got = 0;
	while (got < sizeof r) {
		ssize_t n = getrandom(r + got, sizeof r - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof r; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	return 0;
}

struct httpd *
httpd_start(struct mux *mux, const char *addr, char *err, size_t errlen)
{
	struct httpd *h = xcalloc(1, sizeof *h);
	if (make_token(h->token) < 0) {
		snprintf(err, errlen, "cannot make the server's token: %s",
		         strerror(errno));
		free(h);
		return NULL;
	}
	h->mux = mux;
	h->timeout_ns = HTTPD_TIMEOUT_MS * 1000000ULL;
	h->head_timeout_ns = HTTPD_HEAD_TIMEOUT_MS * 1000000ULL;
	h->per_address_max = HTTPD_PER_ADDRESS_MAX;
	h->clients_max = HTTPD_CLIENTS_MAX;
	/* Numbers only: a name would be a blocking DNS lookup while the
	 * job's consoles wait to be read. */
	h->fd = net_listen(addr, NULL, "0", true, h->address,
	                   sizeof h->address, err, errlen);
	if (h->fd < 0) {
		free(h);
		return NULL;
	}
	mux_add_fd(mux, h->fd, POLLIN, handle_accept, h);
	return h;
}

/* A name that is one URL path segment as it stands, and a plain file
 * name on the device (wget saves to it). */
static bool
name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 255 || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

const char *
httpd_publish(struct httpd *h, const char *file_path, const char *name)
{
	if (!name_ok(name))
		return NULL;
	for (size_t i = 0; i < h->npubs; i++)
		if (strcmp(h->pubs[i].name, name) == 0) {
			free(h->pubs[i].file);
			h->pubs[i].file = xstrdup(file_path);
			return h->pubs[i].url;
		}
	h->pubs = xrealloc(h->pubs, (h->npubs + 1) * sizeof *h->pubs);
	struct pub *p = &h->pubs[h->npubs++];
	p->file = xstrdup(file_path);
	p->name = xstrdup(name);
	p->url = xasprintf("/%s/%s", h->token, name);
	return p->url;
}

const char *
httpd_token(const struct httpd *h)
{
	return h->token;
}

const char *
httpd_address(const struct httpd *h)
{
	return h->address;
}

void
httpd_set_logger(struct httpd *h,
                 void (*log)(void *arg, const char *method, const char *path,
                             int status, unsigned long long bytes),
                 void *arg)
{
	h->log = log;
	h->log_arg = arg;
}

void
httpd_set_timeout(struct httpd *h, unsigned int ms)
{
	h->timeout_ns = (uint64_t)ms * 1000000ULL;
}

void
httpd_set_head_timeout(struct httpd *h, unsigned int ms)
{
	h->head_timeout_ns = (uint64_t)ms * 1000000ULL;
}

void
httpd_set_limits(struct httpd *h, size_t per_address, size_t total)
{
	if (per_address)
		h->per_address_max = per_address;
	if (total)
		h->clients_max = total;
	httpd_update_listener(h);
}

size_t
httpd_connections(const struct httpd *h)
{
	return h->nclients;
}

unsigned long long
httpd_requests(const struct httpd *h)
{
	return h->requests;
}

void
httpd_stop(struct httpd *h)
{
	if (h == NULL)
		return;
	while (h->clients)
		client_close(h->clients, false);
	if (h->emfile_timer)
		mux_cancel_timer(h->mux, h->emfile_timer);
	mux_remove_fd(h->mux, h->fd);
	close(h->fd);
	for (size_t i = 0; i < h->npubs; i++) {
		free(h->pubs[i].file);
		free(h->pubs[i].name);
		free(h->pubs[i].url);
	}
	free(h->pubs);
	free(h);
}
