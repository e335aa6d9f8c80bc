/* test-httpd.c: the overlay server, on real loopback sockets with real
 * files.  Clients are forked children doing plain blocking socket I/O (or
 * busybox wget, GNU wget and curl when installed) and copying what they
 * get into a pipe that the mux reads: the server and the test share one
 * thread and one loop, as the server and the consoles will in a job.
 * Slow clients, many of them, are the test's own non-blocking sockets in
 * that loop (struct slow), bound to 127.0.0.N to come from N addresses. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "httpd.h"
#include "mux.h"
#include "util.h"

#define S(lit) lit, sizeof(lit) - 1
#define BIG_SIZE (3u << 20)
#define HUGE_SIZE (32u << 20)
/* Where the big file is on disk, and the name it is published as. */
#define BIG_FILE "/job1/overlay-1.5.tar.gz"
#define BIG_NAME "overlay-1.5.tar.gz"
/* Beside the overlay, as in a job's directory: never to be served. */
#define SECRET "s3cr3t-do-not-serve"

struct logent {
	char method[16], path[64];
	int status;
	unsigned long long bytes;
};

struct fixture {
	char dir[64], root[96];
	struct mux *mux;
	struct httpd *h;
	int port;
	const char *tok;   /* the server's token */
	char big_url[128]; /* "/<token>/overlay-1.5.tar.gz" */
	unsigned char *big;
	struct logent log[64];
	size_t nlog;
};

/* A forked client and what it got back. */
struct client {
	pid_t pid;
	int fd; /* the pipe it writes what it receives to */
	struct buf got;
	bool eof;
};

enum {
	CLIENT_STALL = 1,      /* tiny receive buffer, never reads */
	CLIENT_HALF_CLOSE = 2, /* shuts its write side after the request */
};

static uint64_t
in_ms(unsigned ms)
{
	return mux_now() + (uint64_t)ms * 1000000ULL;
}

static void
write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, data, len), 0);
	close(fd);
}

static void
record(void *arg, const char *method, const char *path, int status,
       unsigned long long bytes)
{
	struct fixture *f = arg;
	if (f->nlog == sizeof f->log / sizeof *f->log)
		return;
	struct logent *e = &f->log[f->nlog++];
	snprintf(e->method, sizeof e->method, "%s", method);
	snprintf(e->path, sizeof e->path, "%s", path);
	e->status = status;
	e->bytes = bytes;
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	strcpy(f->dir, "/tmp/tether-test-httpd-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->root, sizeof f->root, "%s/root", f->dir);
	char *p;
	mkdir(f->root, 0755);
	p = xasprintf("%s/job1", f->root), mkdir(p, 0755), free(p);
	p = xasprintf("%s/dir", f->root), mkdir(p, 0755), free(p);

	/* Random bytes, so a chunk sent twice or out of order shows. */
	f->big = xmalloc(BIG_SIZE);
	srand(42);
	for (size_t i = 0; i < BIG_SIZE; i++)
		f->big[i] = (unsigned char)(rand() >> 7);
	p = xasprintf("%s%s", f->root, BIG_FILE);
	write_file(p, f->big, BIG_SIZE);
	free(p);
	p = xasprintf("%s/job1/secrets", f->root);
	write_file(p, S(SECRET "\n"));
	free(p);
	p = xasprintf("%s/hello.txt", f->root);
	write_file(p, S("hello, device\n"));
	free(p);
	/* Big enough to outlast every socket buffer of a stalled reader. */
	p = xasprintf("%s/huge.bin", f->root);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	free(p);
	if (fd < 0 || ftruncate(fd, HUGE_SIZE) < 0)
		return -1;
	close(fd);
	p = xasprintf("%s/outside.txt", f->dir);
	write_file(p, S("secret\n"));
	free(p);
	p = xasprintf("%s/escape", f->root);
	if (symlink("../outside.txt", p) < 0)
		return -1;
	free(p);
	p = xasprintf("%s/inner", f->root);
	if (symlink("hello.txt", p) < 0)
		return -1;
	free(p);

	f->mux = mux_new();
	char err[256];
	f->h = httpd_start(f->mux, "127.0.0.1:0", err, sizeof err);
	if (f->h == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	f->tok = httpd_token(f->h);
	/* What a job publishes: its overlay; and for these tests a few
	 * more, symlinks and a directory among them. */
	static const char *const files[][2] = {
	    {BIG_FILE, BIG_NAME},      {"/hello.txt", "hello.txt"},
	    {"/huge.bin", "huge.bin"}, {"/inner", "inner"},
	    {"/escape", "escape"},     {"/dir", "dir"},
	};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		p = xasprintf("%s%s", f->root, files[i][0]);
		const char *url = httpd_publish(f->h, p, files[i][1]);
		free(p);
		if (url == NULL)
			return -1;
		if (i == 0)
			snprintf(f->big_url, sizeof f->big_url, "%s", url);
	}
	httpd_set_logger(f->h, record, f);
	const char *colon = strrchr(httpd_address(f->h), ':');
	f->port = atoi(colon + 1);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	httpd_stop(f->h);
	mux_free(f->mux);
	char *cmd = xasprintf("rm -rf %s", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", f->dir);
	free(cmd);
	free(f->big);
	free(f);
	return 0;
}

static void
handle_pipe(int fd, short events, void *arg)
{
	struct client *c = arg;
	char tmp[65536];
	(void)events;
	for (;;) {
		ssize_t n = read(fd, tmp, sizeof tmp);
		if (n > 0) {
			buf_add(&c->got, tmp, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		c->eof = true;
		return;
	}
}

static bool
client_eof(void *arg)
{
	return ((struct client *)arg)->eof;
}

/* In the child: only the pipe (as stdout) stays open, so that no child
 * holds a copy of the server's sockets and keeps a connection alive; and
 * no child outlives the test, whatever assertion fails. */
static void
child_setup(pid_t parent, int out)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	alarm(60);
	dup2(out, STDOUT_FILENO);
	close_range(3, ~0U, 0);
}

static void
child_client(int port, const char *req, size_t len, int flags)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (flags & CLIENT_STALL) {
		int small = 4096;
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	}
	struct sockaddr_in sin = {.sin_family = AF_INET,
	                          .sin_port = htons((uint16_t)port)};
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(s, (struct sockaddr *)&sin, sizeof sin) < 0)
		_exit(1);
	if (write_all(s, req, len) < 0)
		_exit(1);
	if (flags & CLIENT_STALL)
		for (;;)
			pause();
	if (flags & CLIENT_HALF_CLOSE)
		shutdown(s, SHUT_WR);
	char tmp[16384];
	ssize_t n;
	while ((n = read(s, tmp, sizeof tmp)) > 0)
		if (write_all(STDOUT_FILENO, tmp, (size_t)n) < 0)
			_exit(1);
	_exit(0);
}

/* Starts a client sending REQ, or running ARGV when REQ is NULL. */
static void
client_start(struct fixture *f, struct client *c, const char *req, size_t len,
             int flags, char *const argv[])
{
	int p[2];
	pid_t parent = getpid();
	assert_int_equal(pipe(p), 0);
	memset(c, 0, sizeof *c);
	buf_init(&c->got);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		child_setup(parent, p[1]);
		if (req)
			child_client(f->port, req, len, flags);
		/* No proxy may come between the tools and loopback. */
		unsetenv("http_proxy");
		unsetenv("HTTP_PROXY");
		unsetenv("all_proxy");
		unsetenv("ALL_PROXY");
		setenv("no_proxy", "*", 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	c->fd = p[0];
	fcntl(c->fd, F_SETFL, O_NONBLOCK);
	mux_add_fd(f->mux, c->fd, POLLIN, handle_pipe, c);
}

/* Runs the loop until the client is done; its exit status. */
static int
client_finish(struct fixture *f, struct client *c)
{
	assert_int_equal(mux_wait(f->mux, client_eof, c, in_ms(20000)), 0);
	mux_remove_fd(f->mux, c->fd);
	close(c->fd);
	int st;
	assert_int_equal(waitpid(c->pid, &st, 0), c->pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
client_kill(struct fixture *f, struct client *c)
{
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	mux_remove_fd(f->mux, c->fd);
	close(c->fd);
	buf_free(&c->got);
}

struct resp {
	int status;
	char head[4096];
	long long length; /* Content-Length, -1 if none */
	const char *body;
	size_t body_len;
};

static void
resp_parse(const struct buf *b, struct resp *r)
{
	assert_true(b->len > 12);
	assert_memory_equal(b->data, "HTTP/1.1 ", 9);
	r->status = atoi(b->data + 9);
	const char *end = memmem(b->data, b->len, "\r\n\r\n", 4);
	assert_non_null(end);
	size_t hl = (size_t)(end - b->data) + 4;
	assert_true(hl < sizeof r->head);
	memcpy(r->head, b->data, hl);
	r->head[hl] = '\0';
	const char *cl = strstr(r->head, "\r\nContent-Length: ");
	r->length = cl ? atoll(cl + 18) : -1;
	r->body = b->data + hl;
	r->body_len = b->len - hl;
	assert_non_null(strstr(r->head, "\r\nConnection: close\r\n"));
}

/* One request, whole response; checks the status and that the body is
 * as long as Content-Length says. */
static void
fetch(struct fixture *f, const char *req, size_t len, int flags, int status,
      struct buf *out)
{
	struct client c;
	struct resp r;
	client_start(f, &c, req, len, flags, NULL);
	assert_int_equal(client_finish(f, &c), 0);
	resp_parse(&c.got, &r);
	assert_int_equal(r.status, status);
	if (strncmp(req, "HEAD ", 5) != 0)
		assert_int_equal(r.body_len, (size_t)r.length);
	if (out)
		*out = c.got;
	else
		buf_free(&c.got);
}

static int
get_status(struct fixture *f, const char *req)
{
	struct client c;
	struct resp r;
	client_start(f, &c, req, strlen(req), 0, NULL);
	assert_int_equal(client_finish(f, &c), 0);
	resp_parse(&c.got, &r);
	assert_int_equal(r.body_len, (size_t)r.length);
	buf_free(&c.got);
	return r.status;
}

/* get_status of FMT with the server's token for its %s (if any). */
static int
tok_status(struct fixture *f, const char *fmt)
{
	char *req = xasprintf(fmt, f->tok);
	int status = get_status(f, req);
	free(req);
	return status;
}

/* One request for the big file. */
static char *
big_req(struct fixture *f, const char *method)
{
	return xasprintf("%s %s HTTP/1.1\r\nHost: x\r\n\r\n", method,
	                 f->big_url);
}

static void
test_get_big_file(void **state)
{
	struct fixture *f = *state;
	struct buf b;
	struct resp r;
	char *req = big_req(f, "GET");
	fetch(f, req, strlen(req), 0, 200, &b);
	free(req);
	resp_parse(&b, &r);
	assert_int_equal(r.length, BIG_SIZE);
	assert_int_equal(r.body_len, BIG_SIZE);
	assert_true(memcmp(r.body, f->big, BIG_SIZE) == 0);
	assert_non_null(strstr(r.head, "Content-Type: application/gzip\r\n"));
	buf_free(&b);

	assert_int_equal(httpd_requests(f->h), 1);
	assert_int_equal(f->nlog, 1);
	assert_string_equal(f->log[0].method, "GET");
	assert_string_equal(f->log[0].path, f->big_url);
	assert_int_equal(f->log[0].status, 200);
	assert_int_equal(f->log[0].bytes, BIG_SIZE);
}

static bool
have_program(const char *name)
{
	const char *path = getenv("PATH");
	if (path == NULL)
		return false;
	char *dirs = xstrdup(path), *save = NULL;
	bool found = false;
	for (char *d = strtok_r(dirs, ":", &save); d && !found;
	     d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", d, name);
		found = access(p, X_OK) == 0;
		free(p);
	}
	free(dirs);
	return found;
}

/* The clients a device really uses. */
static void
test_real_clients(void **state)
{
	struct fixture *f = *state;
	char *url = xasprintf("http://%s%s", httpd_address(f->h), f->big_url);
	char *tools[][7] = {
	    {"busybox", "wget", "-q", "-O", "-", url, NULL},
	    {"wget", "-q", "-O", "-", url, NULL},
	    {"curl", "-sSf", url, NULL},
	};
	int ran = 0;
	for (size_t i = 0; i < sizeof tools / sizeof *tools; i++) {
		if (!have_program(tools[i][0]))
			continue;
		struct client c;
		client_start(f, &c, NULL, 0, 0, tools[i]);
		assert_int_equal(client_finish(f, &c), 0);
		assert_int_equal(c.got.len, BIG_SIZE);
		assert_true(memcmp(c.got.data, f->big, BIG_SIZE) == 0);
		buf_free(&c.got);
		ran++;
	}
	free(url);
	if (ran == 0)
		skip();
	assert_int_equal(httpd_requests(f->h), ran);
}

static void
test_head(void **state)
{
	struct fixture *f = *state;
	struct buf b;
	struct resp r;
	char *req = big_req(f, "HEAD");
	fetch(f, req, strlen(req), 0, 200, &b);
	free(req);
	resp_parse(&b, &r);
	assert_int_equal(r.length, BIG_SIZE);
	assert_int_equal(r.body_len, 0);
	buf_free(&b);
	fetch(f, S("HEAD /missing HTTP/1.0\r\n\r\n"), 0, 404, &b);
	resp_parse(&b, &r);
	assert_int_equal(r.body_len, 0);
	buf_free(&b);
	assert_int_equal(f->log[0].bytes, 0);
	assert_string_equal(f->log[0].method, "HEAD");
}

static void
test_small_files(void **state)
{
	struct fixture *f = *state;
	struct buf b;
	struct resp r;
	char *req = xasprintf("GET /%s/hello.txt HTTP/1.0\r\n\r\n", f->tok);
	fetch(f, req, strlen(req), 0, 200, &b);
	resp_parse(&b, &r);
	assert_non_null(strstr(r.head, "Content-Type: text/plain\r\n"));
	assert_int_equal(r.body_len, 14);
	assert_memory_equal(r.body, "hello, device\n", 14);
	buf_free(&b);

	/* Escapes, query, fragment, dot and empty segments, the absolute
	 * form, bare LF line ends: the same published path. */
	static const struct {
		const char *req;
		int status;
	} cases[] = {
	    {"GET /%s/hel%%6Co.txt?x=1&y=/../.. HTTP/1.1\r\n\r\n", 200},
	    {"GET /%s/hello.txt#top HTTP/1.1\r\n\r\n", 200},
	    {"GET //./%s//hello.txt HTTP/1.1\r\n\r\n", 200},
	    {"GET http://127.0.0.1:1/%s/hello.txt HTTP/1.1\r\n\r\n", 200},
	    {"GET /%s/hello.txt HTTP/1.1\nHost: x\n\n", 200},
	    {"\r\nGET /%s/hello.txt HTTP/1.1\r\n\r\n", 200},
	    /* ".." is refused, even where it would stay inside. */
	    {"GET /%s/dir/../hello.txt HTTP/1.1\r\n\r\n", 404},
	    /* Published, but a directory. */
	    {"GET /%s/dir HTTP/1.1\r\n\r\n", 403},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		assert_int_equal(tok_status(f, cases[i].req), cases[i].status);
	/* A client may shut its side once it has asked. */
	fetch(f, req, strlen(req), CLIENT_HALF_CLOSE, 200, NULL);
	free(req);
}

static void
test_not_found(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(get_status(f, "GET /missing HTTP/1.1\r\n\r\n"), 404);
	assert_int_equal(tok_status(f, "GET /%s/hello.txt/x HTTP/1.1\r\n\r\n"),
	                 404);
	assert_int_equal(tok_status(f, "GET /%s/missing HTTP/1.1\r\n\r\n"),
	                 404);
	assert_int_equal(f->nlog, 3);
	assert_int_equal(f->log[0].status, 404);
	assert_string_equal(f->log[0].path, "/missing");
	assert_int_equal(httpd_requests(f->h), 3);
}

/* The secrets file beside the overlay, and everything else on disk, is
 * out of reach whatever the path: only published names under the token
 * are served. */
static void
test_unpublished(void **state)
{
	struct fixture *f = *state;
	/* Each with the token for its %s, if it has one. */
	static const char *const reqs[] = {
	    "GET /%s/secrets HTTP/1.1\r\n\r\n",
	    "GET /job1/secrets HTTP/1.1\r\n\r\n",
	    "GET /secrets HTTP/1.1\r\n\r\n",
	    "GET /job1/overlay-1.5.tar.gz HTTP/1.1\r\n\r\n",
	    "GET /hello.txt HTTP/1.1\r\n\r\n",
	    "GET /%s/job1/secrets HTTP/1.1\r\n\r\n",
	    "GET /%s/job1/overlay-1.5.tar.gz HTTP/1.1\r\n\r\n",
	    "GET /%s/../secrets HTTP/1.1\r\n\r\n",
	    "GET /%s/../job1/secrets HTTP/1.1\r\n\r\n",
	    "GET /%s/%%2e%%2e/job1/secrets HTTP/1.1\r\n\r\n",
	    "GET /%s/.%%2E/.%%2e/job1/secrets HTTP/1.1\r\n\r\n",
	    "GET /%s/..%%2Fjob1%%2Fsecrets HTTP/1.1\r\n\r\n",
	    "GET /%s%%2F..%%2Fjob1%%2Fsecrets HTTP/1.1\r\n\r\n",
	    "GET /%s/" BIG_NAME "/../secrets HTTP/1.1\r\n\r\n",
	    "GET /%s/" BIG_NAME "/secrets HTTP/1.1\r\n\r\n",
	    "GET /%s%%2fsecrets HTTP/1.1\r\n\r\n",
	    "GET http://127.0.0.1/%s/secrets HTTP/1.1\r\n\r\n",
	    "GET /../etc/passwd HTTP/1.1\r\n\r\n",
	    "GET /%%2e%%2e/%%2e%%2e/etc/passwd HTTP/1.1\r\n\r\n",
	    "GET /%s/..%%2F..%%2F..%%2Fetc/passwd HTTP/1.1\r\n\r\n",
	    "GET /%s//etc/passwd HTTP/1.1\r\n\r\n",
	    "GET /etc/passwd HTTP/1.1\r\n\r\n",
	    "GET /../outside.txt HTTP/1.1\r\n\r\n",
	    "GET /%s/../../outside.txt HTTP/1.1\r\n\r\n",
	    /* Published symlinks are not followed, in or out. */
	    "GET /%s/escape HTTP/1.1\r\n\r\n",
	    "GET /%s/inner HTTP/1.1\r\n\r\n",
	    "GET /%s HTTP/1.1\r\n\r\n",
	    "GET /%s/ HTTP/1.1\r\n\r\n",
	    "GET / HTTP/1.1\r\n\r\n",
	    "HEAD /%s/secrets HTTP/1.1\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof reqs / sizeof *reqs; i++) {
		char *req = xasprintf(reqs[i], f->tok);
		struct client c;
		struct resp r;
		client_start(f, &c, req, strlen(req), 0, NULL);
		assert_int_equal(client_finish(f, &c), 0);
		resp_parse(&c.got, &r);
		if (r.status != 404)
			fail_msg("%s: %d", req, r.status);
		assert_null(memmem(c.got.data, c.got.len, SECRET, 6));
		assert_null(memmem(c.got.data, c.got.len, "secret", 6));
		assert_null(memmem(c.got.data, c.got.len, "root:", 5));
		buf_free(&c.got);
		free(req);
	}

	/* The file's own path, and the token near misses: upper case, one
	 * digit off, one short, the other server's. */
	char *tok = xstrdup(f->tok), *req;
	req = xasprintf("GET %s/job1/secrets HTTP/1.1\r\n\r\n", f->root);
	assert_int_equal(get_status(f, req), 404);
	free(req);
	req = xasprintf("GET /%s/%s/job1/secrets HTTP/1.1\r\n\r\n", f->tok,
	                f->root);
	assert_int_equal(get_status(f, req), 404);
	free(req);
	for (char *p = tok; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	req = xasprintf("GET /%s/hello.txt HTTP/1.1\r\n\r\n", tok);
	assert_int_equal(get_status(f, req),
	                 strcmp(tok, f->tok) == 0 ? 200 : 404);
	free(req);
	strcpy(tok, f->tok);
	tok[31] = tok[31] == '0' ? '1' : '0';
	req = xasprintf("GET /%s/hello.txt HTTP/1.1\r\n\r\n", tok);
	assert_int_equal(get_status(f, req), 404);
	free(req);
	tok[31] = '\0';
	req = xasprintf("GET /%s/hello.txt HTTP/1.1\r\n\r\n", tok);
	assert_int_equal(get_status(f, req), 404);
	free(req);
	free(tok);
	char err[256];
	struct httpd *other =
	    httpd_start(f->mux, "127.0.0.1:0", err, sizeof err);
	assert_non_null(other);
	req =
	    xasprintf("GET /%s/hello.txt HTTP/1.1\r\n\r\n", httpd_token(other));
	assert_int_equal(get_status(f, req), 404);
	free(req);
	httpd_stop(other);
	assert_int_equal(httpd_requests(f->h), sizeof reqs / sizeof *reqs + 6);
}

/* Names that would be more than one plain path segment are refused;
 * publishing a name again moves it. */
static void
test_publish(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
	    "",    ".",          "..",          ".hidden",  "-rf",
	    "a/b", "../secrets", "/etc/passwd", "a b",      "a%2fb",
	    "a?b", "a#b",        "a\nb",        "\xc3\xa9",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_null(httpd_publish(f->h, "/etc/passwd", bad[i]));
	char long_name[300];
	memset(long_name, 'a', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	assert_null(httpd_publish(f->h, "/etc/passwd", long_name));
	long_name[255] = '\0';
	assert_non_null(httpd_publish(f->h, "/nonexistent", long_name));

	/* hello.txt now is the secrets file's: what the job said. */
	char *p = xasprintf("%s/job1/secrets", f->root);
	char *want = xasprintf("/%s/hello.txt", f->tok);
	assert_string_equal(httpd_publish(f->h, p, "hello.txt"), want);
	free(want);
	free(p);
	struct buf b;
	struct resp r;
	char *req = xasprintf("GET /%s/hello.txt HTTP/1.0\r\n\r\n", f->tok);
	fetch(f, req, strlen(req), 0, 200, &b);
	resp_parse(&b, &r);
	assert_memory_equal(r.body, SECRET "\n", r.body_len);
	buf_free(&b);
	free(req);
	/* Published, not there (yet, or any more). */
	req = xasprintf("GET /%s/%s HTTP/1.1\r\n\r\n", f->tok, long_name);
	assert_int_equal(get_status(f, req), 404);
	free(req);
}

static void
test_bad_requests(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *req;
		int status;
	} cases[] = {
	    {"GARBAGE\r\n\r\n", 400},
	    {"GET /hello.txt\r\n\r\n", 400}, /* HTTP/0.9 */
	    {"GET  /hello.txt HTTP/1.1\r\n\r\n", 400},
	    {"GET /hello.txt HTTP/1.1 x\r\n\r\n", 400},
	    {"GET hello.txt HTTP/1.1\r\n\r\n", 400},
	    {"GET /%zz HTTP/1.1\r\n\r\n", 400},
	    {"GET /hello.txt%00.gz HTTP/1.1\r\n\r\n", 400},
	    {"GET /hello.txt HTTP/1.1\r\nno colon\r\n\r\n", 400},
	    {"GET /hello.txt HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400},
	    {"GET /hello.txt HTTP/1.1\r\nA: b\x01\r\n\r\n", 400},
	    {"GET /hello.txt HTTP/2.0\r\n\r\n", 505},
	    {"DELETE /hello.txt HTTP/1.1\r\n\r\n", 405},
	    {"POST /hello.txt HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 405},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		assert_int_equal(get_status(f, cases[i].req), cases[i].status);

	struct buf b;
	struct resp r;
	fetch(f, S("PUT /x HTTP/1.1\r\n\r\n"), 0, 405, &b);
	resp_parse(&b, &r);
	assert_non_null(strstr(r.head, "\r\nAllow: GET, HEAD\r\n"));
	buf_free(&b);
	assert_int_equal(f->log[0].status, 400);
	assert_string_equal(f->log[0].method, "-");
	assert_string_equal(f->log[11].method, "DELETE");
}

static void
test_too_long(void **state)
{
	struct fixture *f = *state;
	struct buf req;
	buf_init(&req);
	buf_adds(&req, "GET /");
	for (int i = 0; i < HTTPD_LINE_MAX; i++)
		buf_addc(&req, 'a');
	buf_adds(&req, " HTTP/1.1\r\n\r\n");
	assert_int_equal(get_status(f, req.data), 414);

	/* Headers past 16 KiB; the rest is drained, not reset. */
	buf_reset(&req);
	buf_adds(&req, "GET /hello.txt HTTP/1.1\r\n");
	for (int i = 0; i < 1000; i++)
		buf_printf(&req, "X-Filler-%d: %040d\r\n", i, i);
	buf_adds(&req, "\r\n");
	assert_int_equal(get_status(f, req.data), 431);
	buf_free(&req);
}

/* Several downloads at once, all byte-exact. */
static void
test_parallel(void **state)
{
	struct fixture *f = *state;
	struct client c[8];
	char *req = big_req(f, "GET");
	for (int i = 0; i < 8; i++)
		client_start(f, &c[i], req, strlen(req), 0, NULL);
	free(req);
	for (int i = 0; i < 8; i++) {
		struct resp r;
		assert_int_equal(client_finish(f, &c[i]), 0);
		resp_parse(&c[i].got, &r);
		assert_int_equal(r.body_len, BIG_SIZE);
		assert_true(memcmp(r.body, f->big, BIG_SIZE) == 0);
		buf_free(&c[i].got);
	}
	assert_int_equal(httpd_requests(f->h), 8);
}

static bool
logged_two(void *arg)
{
	return ((struct fixture *)arg)->nlog >= 2;
}

/* A client that stops reading holds nobody up, and its idle timer ends
 * it. */
static void
test_stalled_client(void **state)
{
	struct fixture *f = *state;
	struct client stalled, good;
	struct resp r;
	httpd_set_timeout(f->h, 1500);
	/* Sending a body takes what it takes: the head's deadline is for
	 * the head. */
	httpd_set_head_timeout(f->h, 100);
	char *req = xasprintf("GET /%s/huge.bin HTTP/1.1\r\n\r\n", f->tok);
	client_start(f, &stalled, req, strlen(req), CLIENT_STALL, NULL);
	free(req);
	/* Let the server fill every buffer towards the stalled one. */
	mux_wait(f->mux, NULL, NULL, in_ms(300));

	req = big_req(f, "GET");
	client_start(f, &good, req, strlen(req), 0, NULL);
	free(req);
	assert_int_equal(client_finish(f, &good), 0);
	resp_parse(&good.got, &r);
	assert_int_equal(r.body_len, BIG_SIZE);
	assert_true(memcmp(r.body, f->big, BIG_SIZE) == 0);
	buf_free(&good.got);
	assert_int_equal(httpd_requests(f->h), 1);
	assert_int_equal(f->nlog, 1);

	/* Idle long enough: closed, logged as cut short. */
	uint64_t t0 = mux_now();
	assert_int_equal(mux_wait(f->mux, logged_two, f, in_ms(10000)), 0);
	assert_true(mux_now() - t0 > 500000000ULL);
	assert_string_equal(f->log[1].path + 34, "huge.bin");
	assert_int_equal(f->log[1].status, 200);
	assert_true(f->log[1].bytes < HUGE_SIZE);
	assert_int_equal(httpd_requests(f->h), 1);
	client_kill(f, &stalled);
}

/* Clients that never finish their request are closed, silently. */
static void
test_idle_timeout(void **state)
{
	struct fixture *f = *state;
	struct client c[2];
	httpd_set_timeout(f->h, 300);
	uint64_t t0 = mux_now();
	client_start(f, &c[0], S("GET /x/hello.txt HTTP/1.1\r\n"), 0, NULL);
	client_start(f, &c[1], "", 0, 0, NULL);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(client_finish(f, &c[i]), 0);
		assert_int_equal(c[i].got.len, 0);
		buf_free(&c[i].got);
	}
	uint64_t took = mux_now() - t0;
	assert_true(took >= 250000000ULL);
	assert_true(took < 5000000000ULL);
	assert_int_equal(f->nlog, 0);
	assert_int_equal(httpd_requests(f->h), 0);
}

static void
test_addresses(void **state)
{
	struct fixture *f = *state;
	char err[256];
	/* Port 0 gave a real port. */
	assert_true(f->port > 0 && f->port < 65536);
	assert_true(strncmp(httpd_address(f->h), "127.0.0.1:", 10) == 0);

	struct httpd *h = httpd_start(f->mux, "127.0.0.1", err, sizeof err);
	assert_non_null(h);
	assert_true(strncmp(httpd_address(h), "127.0.0.1:", 10) == 0);
	assert_int_not_equal(atoi(httpd_address(h) + 10), 0);
	httpd_stop(h);

	h = httpd_start(f->mux, "0.0.0.0:0", err, sizeof err);
	assert_non_null(h);
	assert_true(strncmp(httpd_address(h), "0.0.0.0:", 8) == 0);
	httpd_stop(h);

	/* IPv6 loopback, where the host has it. */
	h = httpd_start(f->mux, "[::1]:0", err, sizeof err);
	if (h) {
		assert_true(strncmp(httpd_address(h), "[::1]:", 6) == 0);
		assert_int_not_equal(atoi(httpd_address(h) + 6), 0);
		httpd_stop(h);
	} else {
		assert_true(strncmp(err, "cannot listen on [::1]:0: ", 26) ==
		            0);
	}

	assert_null(httpd_start(f->mux, "127.0.0.1:99999", err, sizeof err));
	assert_string_equal(
	    err, "cannot listen on 127.0.0.1:99999: invalid address");
}

static bool
is_token(const char *t)
{
	return strlen(t) == 32 && strspn(t, "0123456789abcdef") == 32;
}

/* 32 hex digits, a new token for each server, in each URL path. */
static void
test_token(void **state)
{
	struct fixture *f = *state;
	char err[256], want[128];
	assert_true(is_token(f->tok));
	snprintf(want, sizeof want, "/%s/%s", f->tok, BIG_NAME);
	assert_string_equal(f->big_url, want);
	struct httpd *h[2];
	for (int i = 0; i < 2; i++) {
		h[i] = httpd_start(f->mux, "127.0.0.1:0", err, sizeof err);
		assert_non_null(h[i]);
		assert_true(is_token(httpd_token(h[i])));
		assert_string_not_equal(httpd_token(h[i]), f->tok);
	}
	assert_string_not_equal(httpd_token(h[0]), httpd_token(h[1]));
	for (int i = 0; i < 2; i++)
		httpd_stop(h[i]);
}

static void
test_busy_port(void **state)
{
	struct fixture *f = *state;
	char err[256], want[128], *addr;

	/* Someone else's listener on the port. */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET};
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t sl = sizeof sin;
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(s, 1), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &sl), 0);
	addr = xasprintf("127.0.0.1:%d", ntohs(sin.sin_port));
	assert_null(httpd_start(f->mux, addr, err, sizeof err));
	snprintf(want, sizeof want,
	         "cannot listen on %s: Address already in use", addr);
	assert_string_equal(err, want);
	free(addr);
	close(s);

	/* Our own. */
	assert_null(httpd_start(f->mux, httpd_address(f->h), err, sizeof err));
	snprintf(want, sizeof want,
	         "cannot listen on %s: Address already in use",
	         httpd_address(f->h));
	assert_string_equal(err, want);
}

/* A client socket of the test's own, read by the loop: what the server
 * sends is kept, and its close (EOF or reset) noted with the time. */
struct slow {
	struct fixture *f;
	int fd;
	struct buf got;
	bool closed;
	uint64_t closed_at;
	size_t sent; /* bytes trickled */
};

static void
handle_slow(int fd, short events, void *arg)
{
	struct slow *s = arg;
	char tmp[65536];
	(void)events;
	for (;;) {
		ssize_t n = recv(fd, tmp, sizeof tmp, MSG_DONTWAIT);
		if (n > 0) {
			buf_add(&s->got, tmp, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		break;
	}
	s->closed = true;
	s->closed_at = mux_now();
	mux_remove_fd(s->f->mux, fd);
}

/* Connects from 127.0.0.HOST and sends HEAD (may be NULL); READING
 * false leaves what the server sends in the socket buffers. */
static void
slow_open(struct fixture *f, struct slow *s, int host, const char *head,
          bool reading)
{
	memset(s, 0, sizeof *s);
	s->f = f;
	buf_init(&s->got);
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->fd >= 0);
	if (!reading) {
		int small = 4096;
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	}
	struct sockaddr_in sin = {.sin_family = AF_INET};
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK + (uint32_t)host - 1);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&sin, sizeof sin), 0);
	sin.sin_port = htons((uint16_t)f->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* Loopback connects complete in the kernel's backlog, accepted or
	 * not. */
	assert_int_equal(connect(s->fd, (struct sockaddr *)&sin, sizeof sin),
	                 0);
	fcntl(s->fd, F_SETFL, O_NONBLOCK);
	if (head)
		assert_int_equal(send(s->fd, head, strlen(head), MSG_NOSIGNAL),
		                 (ssize_t)strlen(head));
	mux_add_fd(f->mux, s->fd, reading ? POLLIN : 0, handle_slow, s);
}

static void
slow_close(struct fixture *f, struct slow *s)
{
	if (!s->closed)
		mux_remove_fd(f->mux, s->fd);
	close(s->fd);
	buf_free(&s->got);
}

/* One more byte of the head every MS to each client still open: a
 * slowloris. */
struct trickle {
	struct fixture *f;
	struct slow *s;
	size_t n;
	unsigned ms;
	uint64_t timer;
};

static void
handle_trickle(void *arg)
{
	struct trickle *t = arg;
	for (size_t i = 0; i < t->n; i++)
		if (!t->s[i].closed &&
		    send(t->s[i].fd, "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1)
			t->s[i].sent++;
	t->timer = mux_add_timer(t->f->mux, in_ms(t->ms), handle_trickle, t);
}

/* The first bytes of a head that never ends. */
#define SLOW_HEAD "GET /x/hello.txt HTTP/1.1\r\nX-Slow: "

static bool
slow_closed(void *arg)
{
	return ((struct slow *)arg)->closed;
}

struct count_arg {
	struct fixture *f;
	size_t n;
};

static bool
connections_are(void *arg)
{
	struct count_arg *a = arg;
	return httpd_connections(a->f->h) == a->n;
}

/* Waits (the loop running) until the server holds N connections. */
static void
wait_connections(struct fixture *f, size_t n)
{
	struct count_arg a = {f, n};
	assert_int_equal(mux_wait(f->mux, connections_are, &a, in_ms(5000)), 0);
}

/* A head trickled in, a byte every 50 ms, is cut at the head deadline,
 * not kept alive by its bytes; an answer that takes longer than that
 * deadline to send is not cut. */
static void
test_head_deadline(void **state)
{
	struct fixture *f = *state;
	struct slow s, reader;
	httpd_set_head_timeout(f->h, 300);
	uint64_t t0 = mux_now();
	slow_open(f, &s, 1, SLOW_HEAD, true);
	struct trickle t = {f, &s, 1, 50, 0};
	t.timer = mux_add_timer(f->mux, in_ms(50), handle_trickle, &t);
	assert_int_equal(mux_wait(f->mux, slow_closed, &s, in_ms(5000)), 0);
	mux_cancel_timer(f->mux, t.timer);
	assert_true(s.closed_at - t0 >= 300000000ULL);
	assert_true(s.sent >= 2); /* it was still sending */
	assert_int_equal(s.got.len, 0);
	assert_int_equal(f->nlog, 0);
	slow_close(f, &s);

	/* A reader that reads nothing until well past the deadline. */
	char *req = xasprintf("GET /%s/huge.bin HTTP/1.1\r\n\r\n", f->tok);
	slow_open(f, &reader, 1, req, false);
	free(req);
	mux_wait(f->mux, NULL, NULL, in_ms(600)); /* the client's pause */
	assert_false(reader.closed);
	mux_set_events(f->mux, reader.fd, POLLIN);
	assert_int_equal(mux_wait(f->mux, slow_closed, &reader, in_ms(20000)),
	                 0);
	struct resp r;
	resp_parse(&reader.got, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, HUGE_SIZE);
	slow_close(f, &reader);
	assert_int_equal(httpd_requests(f->h), 1);
}

/* Over its share, an address's new connections are closed at once;
 * other addresses are served meanwhile, and it gets its share back as
 * its connections end. */
static void
test_per_address_cap(void **state)
{
	struct fixture *f = *state;
	struct slow held[4], extra, other;
	httpd_set_limits(f->h, 4, 0);
	for (int i = 0; i < 4; i++)
		slow_open(f, &held[i], 1, SLOW_HEAD, true);
	wait_connections(f, 4);
	slow_open(f, &extra, 1, NULL, true);
	assert_int_equal(mux_wait(f->mux, slow_closed, &extra, in_ms(5000)), 0);
	assert_int_equal(extra.got.len, 0);
	assert_int_equal(httpd_connections(f->h), 4);
	slow_close(f, &extra);

	char *req = xasprintf("GET /%s/hello.txt HTTP/1.0\r\n\r\n", f->tok);
	slow_open(f, &other, 2, req, true);
	free(req);
	assert_int_equal(mux_wait(f->mux, slow_closed, &other, in_ms(5000)), 0);
	struct resp r;
	resp_parse(&other.got, &r);
	assert_int_equal(r.status, 200);
	assert_memory_equal(r.body, "hello, device\n", 14);
	slow_close(f, &other);

	/* One of the four leaves: 127.0.0.1 may ask again. */
	slow_close(f, &held[0]);
	wait_connections(f, 3);
	assert_int_equal(tok_status(f, "GET /%s/hello.txt HTTP/1.1\r\n\r\n"),
	                 200);
	for (int i = 1; i < 4; i++) {
		assert_false(held[i].closed);
		slow_close(f, &held[i]);
	}
	assert_int_equal(httpd_requests(f->h), 2);
}

/* A full server makes room by dropping the client that has been sending
 * its head the longest, not by making the newcomer wait. */
static void
test_total_cap(void **state)
{
	struct fixture *f = *state;
	struct slow s[4];
	httpd_set_limits(f->h, 0, 4);
	for (int i = 0; i < 4; i++) {
		slow_open(f, &s[i], 2 + i, SLOW_HEAD, true);
		wait_connections(f, (size_t)i + 1);
	}
	assert_int_equal(tok_status(f, "GET /%s/hello.txt HTTP/1.1\r\n\r\n"),
	                 200);
	assert_int_equal(mux_wait(f->mux, slow_closed, &s[0], in_ms(5000)), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(s[i].closed, i == 0);
		slow_close(f, &s[i]);
	}
	assert_true(httpd_connections(f->h) <= 4);
}

#define NSLOW 200
#define SLOW_HOSTS 13 /* 127.0.0.2 to .14: at most 16 each */

static bool
all_closed(void *arg)
{
	struct slow *s = arg;
	for (size_t i = 0; i < NSLOW; i++)
		if (!s[i].closed)
			return false;
	return true;
}

/* The slowloris: 200 clients trickling their heads do not keep
 * the device's download waiting.  It completes while all 200 are still
 * connected, before their head deadline, and they are cut at it. */
static void
test_slow_clients(void **state)
{
	struct fixture *f = *state;
	const unsigned deadline_ms = 1500;
	struct slow *s = xcalloc(NSLOW, sizeof *s);
	struct client dl;
	struct resp r;
	httpd_set_head_timeout(f->h, deadline_ms);
	httpd_set_limits(f->h, 0, NSLOW + 16);
	uint64_t t0 = mux_now();
	for (size_t i = 0; i < NSLOW; i++)
		slow_open(f, &s[i], 2 + (int)(i % SLOW_HOSTS), SLOW_HEAD, true);
	struct trickle t = {f, s, NSLOW, 100, 0};
	t.timer = mux_add_timer(f->mux, in_ms(100), handle_trickle, &t);
	wait_connections(f, NSLOW);

	char *req = big_req(f, "GET");
	client_start(f, &dl, req, strlen(req), 0, NULL);
	free(req);
	uint64_t head_due = t0 + (uint64_t)deadline_ms * 1000000ULL;
	assert_int_equal(mux_wait(f->mux, client_eof, &dl, head_due), 0);
	/* Not one of the 200 had to go for it. */
	assert_true(httpd_connections(f->h) >= NSLOW);
	assert_int_equal(client_finish(f, &dl), 0);
	resp_parse(&dl.got, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, BIG_SIZE);
	assert_true(memcmp(r.body, f->big, BIG_SIZE) == 0);
	buf_free(&dl.got);

	/* And the 200, bytes still coming, are cut at their deadline. */
	assert_int_equal(
	    mux_wait(f->mux, all_closed, s, in_ms(deadline_ms + 5000)), 0);
	mux_cancel_timer(f->mux, t.timer);
	for (size_t i = 0; i < NSLOW; i++) {
		assert_true(s[i].closed_at >= head_due);
		assert_int_equal(s[i].got.len, 0);
		slow_close(f, &s[i]);
	}
	assert_true(s[0].sent >= 3);
	free(s);
	assert_int_equal(f->nlog, 1);
	assert_int_equal(httpd_requests(f->h), 1);
}

/* The parser alone. */
static void
test_parse(void **state)
{
	(void)state;
	static struct httpd_request r;
	static const char req[] = "GET /a/./b//c%20d.tar.gz?q HTTP/1.0\r\n"
	                          "Host: x\r\n"
	                          "\r\n"
	                          "body";
	/* Every proper prefix of the head asks for more. */
	for (size_t i = 0; i < sizeof req - 5; i++)
		assert_int_equal(httpd_parse_request(req, i, &r), 0);
	assert_int_equal(httpd_parse_request(S(req), &r), 200);
	assert_int_equal(r.method, HTTPD_GET);
	assert_int_equal(r.version, 10);
	assert_string_equal(r.target, "/a/./b//c%20d.tar.gz?q");
	assert_string_equal(r.path, "a/b/c d.tar.gz");
	assert_int_equal(r.head_len, sizeof req - 5);

	/* Request line errors come as soon as the line is complete. */
	assert_int_equal(httpd_parse_request(S("GET /x HTTP/1.1 \r\n"), &r),
	                 400);
	assert_int_equal(httpd_parse_request(S("GET /x/.. HTTP/1.1\r\n"), &r),
	                 403);
	assert_int_equal(httpd_parse_request(S("GET /x"), &r), 0);

	char *big = xmalloc(HTTPD_HEAD_MAX + 10);
	memset(big, 'a', HTTPD_HEAD_MAX + 10);
	assert_int_equal(httpd_parse_request(big, HTTPD_LINE_MAX - 1, &r), 0);
	assert_int_equal(httpd_parse_request(big, HTTPD_LINE_MAX, &r), 414);
	size_t n = (size_t)sprintf(big, "HEAD /x HTTP/1.1\r\nA: ");
	big[n] = 'a';
	assert_int_equal(httpd_parse_request(big, HTTPD_HEAD_MAX - 1, &r), 0);
	assert_int_equal(httpd_parse_request(big, HTTPD_HEAD_MAX, &r), 431);
	assert_int_equal(httpd_parse_request(big, HTTPD_HEAD_MAX + 10, &r),
	                 431);
	/* A head ending exactly at the limit is fine. */
	memcpy(big + HTTPD_HEAD_MAX - 4, "\r\n\r\n", 4);
	assert_int_equal(httpd_parse_request(big, HTTPD_HEAD_MAX + 10, &r),
	                 200);
	assert_int_equal(r.method, HTTPD_HEAD);
	assert_string_equal(r.path, "x");
	assert_int_equal(r.head_len, HTTPD_HEAD_MAX);
	free(big);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test_setup_teardown(test_get_big_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_real_clients, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_head, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_small_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unpublished, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_publish, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_too_long, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_parallel, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stalled_client, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_idle_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_addresses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_busy_port, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_head_deadline, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_per_address_cap, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_total_cap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_slow_clients, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
