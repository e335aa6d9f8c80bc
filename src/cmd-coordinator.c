/* cmd-coordinator.c: tether coordinator [--listen HOST:PORT]
 *                                       [--config FILE] [--log FILE]
 *                                       [--loglevel LEVEL]
 *
 * LAVA's MultiNode coordinator as a server on the event loop: one request
 * per TCP connection, as lava-coordinator serves them, for many groups
 * at once; the protocol itself is coordinator.c.  A request that asks
 * for push keeps its connection open until its answer is ready; if that
 * connection drops first, the group learns its node is gone. */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "coordinator.h"
#include "json.h"
#include "mux.h"
#include "net.h"
#include "util.h"

#define NS 1000000000ULL
/* A connection must deliver its request, and take its answer, within
 * this (lava-run's own socket timeout is 60 s). */
#define SRV_IO_TIMEOUT_NS (60 * NS)
#define SRV_DRAIN_TIMEOUT_NS (5 * NS)
#define SRV_EXPIRE_EVERY_NS (60 * NS)
#define SRV_MAX_CONNS 1024
#define SRV_READ_CHUNK 65536

enum { LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERROR };

struct server {
	struct mux *mux;
	struct coord *coord;
	int lfd;
	bool accepting;
	struct client **clients;
	size_t nclients;
	FILE *log;
	int loglevel;
};

/* DRAINING: the answer is out; what the client still sends is read and
 * dropped until it closes, since closing with unread bytes would reset
 * the connection and could lose the answer before the client read it. */
enum client_state {
	CLIENT_READING,
	CLIENT_PARKED,
	CLIENT_WRITING,
	CLIENT_DRAINING
};

struct client {
	struct server *srv;
	int fd;
	enum client_state state;
	struct buf in, out;
	size_t out_off;
	uint64_t waiter;
	uint64_t timer;
	char peer[NI_MAXHOST + NI_MAXSERV + 2];
};

static volatile sig_atomic_t srv_signalled;

static void
srv_on_signal(int sig)
{
	(void)sig;
	srv_signalled = 1;
}

static int
level_of(const char *s)
{
	if (strcmp(s, "DEBUG") == 0)
		return LOG_DEBUG;
	if (strcmp(s, "INFO") == 0)
		return LOG_INFO;
	if (strcmp(s, "WARN") == 0 || strcmp(s, "WARNING") == 0)
		return LOG_WARNING;
	if (strcmp(s, "ERROR") == 0)
		return LOG_ERROR;
	return -1;
}

/* LAVA's log line: "YYYY-MM-DD HH:MM:SS,mmm LEVEL message", UTC. */
static void
srv_log(struct server *srv, const char *level, const char *msg)
{
	int l = level_of(level);
	if (l < srv->loglevel)
		return;
	uint64_t now = mux_wall_now();
	time_t t = (time_t)(now / NS);
	struct tm tm;
	gmtime_r(&t, &tm);
	char ts[32];
	strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(srv->log, "%s,%03u %7s %s\n", ts,
	        (unsigned)(now % NS / 1000000), level, msg);
	fflush(srv->log);
}

static void srv_logf(struct server *srv, const char *level, const char *fmt,
                     ...) __attribute__((format(printf, 3, 4)));

static void
srv_logf(struct server *srv, const char *level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	srv_log(srv, level, msg);
	free(msg);
}

static void
coord_log_cb(void *arg, const char *level, const char *msg)
{
	srv_log(arg, level, msg);
}

static void
client_close(struct client *cl)
{
	struct server *srv = cl->srv;
	mux_remove_fd(srv->mux, cl->fd);
	if (cl->timer)
		mux_cancel_timer(srv->mux, cl->timer);
	close(cl->fd);
	for (size_t i = 0; i < srv->nclients; i++)
		if (srv->clients[i] == cl) {
			srv->clients[i] = srv->clients[--srv->nclients];
			break;
		}
	buf_free(&cl->in);
	buf_free(&cl->out);
	free(cl);
	if (!srv->accepting) {
		/* Descriptors were short: one is free again. */
		srv->accepting = true;
		mux_set_events(srv->mux, srv->lfd, POLLIN);
	}
}

static void handle_client_io(int fd, short events, void *arg);
static void srv_deliver_ready(struct server *srv);

static void
handle_client_timeout(void *arg)
{
	struct client *cl = arg;
	cl->timer = 0;
	if (cl->state == CLIENT_DRAINING) {
		client_close(cl);
		return;
	}
	srv_logf(cl->srv, "WARNING",
	         "%s: no whole request or answer taken "
	         "in time, closing",
	         cl->peer);
	client_close(cl);
}

/* Writes what it can of the answer; closes once it is all out. */
static void
client_flush(struct client *cl)
{
	while (cl->out_off < cl->out.len) {
		ssize_t n = write(cl->fd, cl->out.data + cl->out_off,
		                  cl->out.len - cl->out_off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			mux_set_events(cl->srv->mux, cl->fd, POLLOUT);
			return;
		}
		if (n <= 0) {
			client_close(cl);
			return;
		}
		cl->out_off += (size_t)n;
	}
	shutdown(cl->fd, SHUT_WR);
	cl->state = CLIENT_DRAINING;
	mux_set_events(cl->srv->mux, cl->fd, POLLIN);
	if (cl->timer)
		mux_cancel_timer(cl->srv->mux, cl->timer);
	cl->timer =
	    mux_add_timer(cl->srv->mux, mux_now() + SRV_DRAIN_TIMEOUT_NS,
	                  handle_client_timeout, cl);
}

static void
client_drain(struct client *cl)
{
	char chunk[4096];
	for (;;) {
		ssize_t n = read(cl->fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			client_close(cl);
			return;
		}
	}
}

static void
client_answer(struct client *cl, const struct buf *reply)
{
	struct server *srv = cl->srv;
	if (srv->loglevel <= LOG_DEBUG)
		srv_logf(srv, "DEBUG", "%s < %.*s", cl->peer,
		         (int)(reply->len > 300 ? 300 : reply->len),
		         reply->data ? reply->data : "");
	buf_reset(&cl->out);
	coord_frame_write(&cl->out, reply->data ? reply->data : "", reply->len);
	cl->out_off = 0;
	cl->state = CLIENT_WRITING;
	if (cl->timer)
		mux_cancel_timer(srv->mux, cl->timer);
	cl->timer = mux_add_timer(srv->mux, mux_now() + SRV_IO_TIMEOUT_NS,
	                          handle_client_timeout, cl);
	client_flush(cl);
}

static void
client_nack(struct client *cl)
{
	struct buf r;
	buf_init(&r);
	buf_adds(&r, "{\"response\": \"nack\"}");
	client_answer(cl, &r);
	buf_free(&r);
}

/* A whole frame is in: hands its JSON to the coordinator. */
static void
client_handle_request(struct client *cl, size_t jsonlen)
{
	struct server *srv = cl->srv;
	const char *json = cl->in.data + 8;
	if (srv->loglevel <= LOG_DEBUG)
		srv_logf(srv, "DEBUG", "%s > %.*s", cl->peer,
		         (int)(jsonlen > 300 ? 300 : jsonlen), json);
	struct buf reply;
	buf_init(&reply);
	uint64_t waiter;
	enum coord_status st = coord_request(srv->coord, json, jsonlen,
	                                     mux_now(), &reply, &waiter);
	buf_free(&cl->in);
	buf_init(&cl->in);
	switch (st) {
	case COORD_REPLY:
		client_answer(cl, &reply);
		break;
	case COORD_PARKED:
		cl->state = CLIENT_PARKED;
		cl->waiter = waiter;
		if (cl->timer)
			mux_cancel_timer(srv->mux, cl->timer);
		cl->timer = 0;
		break;
	case COORD_CLOSE:
		client_close(cl);
		break;
	}
	buf_free(&reply);
	srv_deliver_ready(srv);
}

static void
client_read(struct client *cl)
{
	struct server *srv = cl->srv;
	size_t cap = 8 + coord_frame_limit(srv->coord);
	char chunk[SRV_READ_CHUNK];
	for (;;) {
		ssize_t n = read(cl->fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			if (cl->state == CLIENT_PARKED) {
				/* The push client is gone before its
				 * answer: the group must know. */
				coord_cancel(srv->coord, cl->waiter, mux_now());
				client_close(cl);
				srv_deliver_ready(srv);
			} else if (cl->in.len == 0) {
				client_close(cl); /* a port probe */
			} else {
				srv_logf(srv, "WARNING",
				         "%s: request cut short (%zu bytes)",
				         cl->peer, cl->in.len);
				client_nack(cl);
			}
			return;
		}
		if (cl->state == CLIENT_PARKED)
			continue; /* nothing more is expected: dropped */
		if (cl->in.len + (size_t)n > cap)
			n = (ssize_t)(cap - cl->in.len);
		buf_add(&cl->in, chunk, (size_t)n);
		size_t jsonlen;
		int rc =
		    coord_frame_parse(cl->in.data, cl->in.len,
		                      coord_frame_limit(srv->coord), &jsonlen);
		if (rc == 1) {
			client_handle_request(cl, jsonlen);
			return;
		}
		if (rc < 0) {
			srv_logf(srv, "WARNING", "%s: %s", cl->peer,
			         rc == -1 ? "invalid header (not 8 hex digits)"
			                  : "request too long");
			client_nack(cl);
			return;
		}
	}
}

static void
handle_client_io(int fd, short events, void *arg)
{
	struct client *cl = arg;
	(void)fd;
	if (cl->state == CLIENT_DRAINING) {
		client_drain(cl);
		return;
	}
	if (cl->state == CLIENT_WRITING) {
		if (events & (POLLOUT | POLLERR | POLLHUP))
			client_flush(cl);
		return;
	}
	if (events & (POLLIN | POLLERR | POLLHUP))
		client_read(cl);
}

static void
srv_deliver_ready(struct server *srv)
{
	uint64_t waiter;
	struct buf reply;
	buf_init(&reply);
	while (coord_next_ready(srv->coord, &waiter, &reply)) {
		for (size_t i = 0; i < srv->nclients; i++) {
			struct client *cl = srv->clients[i];
			if (cl->state == CLIENT_PARKED &&
			    cl->waiter == waiter) {
				client_answer(cl, &reply);
				break;
			}
		}
	}
	buf_free(&reply);
}

static void
handle_listen(int fd, short events, void *arg)
{
	struct server *srv = arg;
	(void)events;
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int cfd = accept4(fd, (struct sockaddr *)&ss, &sl,
		                  SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				srv_log(srv, "WARNING",
				        "out of descriptors: not accepting "
				        "until a connection ends");
				srv->accepting = false;
				mux_set_events(srv->mux, fd, 0);
			}
			return;
		}
		if (srv->nclients >= SRV_MAX_CONNS) {
			/* LAVA's clients take an empty answer for "wait"
			 * and come back. */
			close(cfd);
			continue;
		}
		/* A parked push client's host may die without a FIN. */
		int on = 1, idle = 30, intvl = 10, cnt = 3;
		setsockopt(cfd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
		setsockopt(cfd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
		setsockopt(cfd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl,
		           sizeof intvl);
		setsockopt(cfd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
		struct client *cl = xcalloc(1, sizeof *cl);
		cl->srv = srv;
		cl->fd = cfd;
		buf_init(&cl->in);
		buf_init(&cl->out);
		char host[NI_MAXHOST], port[NI_MAXSERV];
		if (getnameinfo((struct sockaddr *)&ss, sl, host, sizeof host,
		                port, sizeof port,
		                NI_NUMERICHOST | NI_NUMERICSERV) == 0)
			snprintf(cl->peer, sizeof cl->peer, "%s:%s", host,
			         port);
		else
			snprintf(cl->peer, sizeof cl->peer, "?");
		srv->clients = xreallocarray(srv->clients, srv->nclients + 1,
		                             sizeof *srv->clients);
		srv->clients[srv->nclients++] = cl;
		cl->timer =
		    mux_add_timer(srv->mux, mux_now() + SRV_IO_TIMEOUT_NS,
		                  handle_client_timeout, cl);
		mux_add_fd(srv->mux, cfd, POLLIN, handle_client_io, cl);
	}
}

static void
handle_expire(void *arg)
{
	struct server *srv = arg;
	coord_expire(srv->coord, mux_now());
	mux_add_timer(srv->mux, mux_now() + SRV_EXPIRE_EVERY_NS, handle_expire,
	              srv);
}

static bool
srv_done(void *arg)
{
	(void)arg;
	return srv_signalled != 0;
}

/* Listens on ADDR (net.h's forms; no host: every IPv4 address, as
 * LAVA's coordinator; no port: PORT). */
static int
srv_listen(struct server *srv, const char *addr, const char *port)
{
	char bound[64], err[256];
	int fd = net_listen(addr, "0.0.0.0", port, false, bound, sizeof bound,
	                    err, sizeof err);
	if (fd < 0) {
		fprintf(stderr, "tether: coordinator: InfrastructureError: %s\n",
		        err);
		return -1;
	}
	srv_logf(srv, "INFO", "listening on %s", bound);
	srv->lfd = fd;
	return 0;
}

/* lava-coordinator's conffile (JSON): the coordinator uses "port";
 * "blocksize", "poll_delay" and "coordinator_hostname" are for the
 * dispatchers that read the same file (and LAVA's coordinator binds
 * every address whatever coordinator_hostname says). */
static int
read_config(const char *path, char **port)
{
	size_t len;
	char *text = file_read(path, &len);
	if (text == NULL) {
		fprintf(stderr, "tether: coordinator: %s: %s\n", path,
		        strerror(errno));
		return -1;
	}
	struct json *j;
	char err[96];
	int rc = json_parse(text, len, &j, err, sizeof err);
	free(text);
	if (rc < 0 || j->type != JSON_OBJECT) {
		fprintf(stderr,
		        "tether: coordinator: %s: ConfigurationError: %s\n",
		        path, rc < 0 ? err : "not a JSON object");
		json_free(j);
		return -1;
	}
	const struct json *p = json_get(j, "port");
	if (p) {
		char *end;
		long v = p->type == JSON_NUMBER ? strtol(p->s, &end, 10) : -1;
		if (p->type != JSON_NUMBER || *end != '\0' || v < 0 ||
		    v > 65535) {
			fprintf(stderr,
			        "tether: coordinator: %s: ConfigurationError: "
			        "port must be an integer 0..65535\n",
			        path);
			json_free(j);
			return -1;
		}
		free(*port);
		*port = xasprintf("%ld", v);
	}
	json_free(j);
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: tether coordinator [--listen HOST:PORT] [--config "
	        "FILE] [--log FILE]\n"
	        "                          [--loglevel "
	        "DEBUG|INFO|WARN|ERROR]\n"
	        "  LAVA's MultiNode coordinator (lava-coordinator's "
	        "protocol).\n"
	        "  --listen   where to listen (default 0.0.0.0:3079, or the "
	        "config's port)\n"
	        "  --config   lava-coordinator's JSON conffile (its \"port\" "
	        "is used)\n"
	        "  --log      log file (default: standard error); "
	        "--logfile is the same\n");
}

int
cmd_coordinator(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"config", required_argument, NULL, 'c'},
	    {"log", required_argument, NULL, 'L'},
	    {"logfile", required_argument, NULL, 'L'},
	    {"loglevel", required_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *listen_arg = NULL, *config = NULL, *logpath = NULL;
	int loglevel = LOG_INFO, opt;
	while ((opt = getopt_long(argc, argv, "l:c:L:v:h", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'l':
			listen_arg = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'L':
			logpath = optarg;
			break;
		case 'v':
			loglevel = level_of(optarg);
			if (loglevel < 0) {
				usage(stderr);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	char *port = xstrdup("3079");
	if (config && read_config(config, &port) < 0) {
		free(port);
		return 2;
	}
	char h[256], p[8];
	if (listen_arg &&
	    !net_split(listen_arg, port, h, sizeof h, p, sizeof p)) {
		fprintf(stderr,
		        "tether: coordinator: bad --listen '%s' (HOST:PORT)\n",
		        listen_arg);
		free(port);
		return 2;
	}

	struct server srv = {0};
	srv.loglevel = loglevel;
	srv.log = stderr;
	if (logpath && strcmp(logpath, "-") != 0) {
		srv.log = fopen(logpath, "a");
		if (srv.log == NULL) {
			fprintf(stderr, "tether: coordinator: %s: %s\n",
			        logpath, strerror(errno));
			free(port);
			return 2;
		}
	}
	int status = 0;
	srv.mux = mux_new();
	sigset_t old;
	mux_catch_stop(srv.mux, srv_on_signal, &old);
	srv.coord = coord_new(NULL);
	coord_set_log(srv.coord, coord_log_cb, &srv);
	if (srv_listen(&srv, listen_arg ? listen_arg : "", port) < 0) {
		status = 1;
		goto out;
	}
	srv.accepting = true;
	mux_add_fd(srv.mux, srv.lfd, POLLIN, handle_listen, &srv);
	mux_add_timer(srv.mux, mux_now() + SRV_EXPIRE_EVERY_NS, handle_expire,
	              &srv);
	mux_wait(srv.mux, srv_done, &srv, 0);
	srv_log(&srv, "INFO", "signalled: closing");
	while (srv.nclients)
		client_close(srv.clients[0]);
	close(srv.lfd);
out:
	coord_free(srv.coord);
	mux_free(srv.mux);
	free(srv.clients);
	if (srv.log != stderr)
		fclose(srv.log);
	free(port);
	mux_release_stop(&old);
	return status;
}
