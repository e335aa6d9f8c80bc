/* conn.c: a device connection: a command on a pty, read all the time. */
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "match.h"
#include "proc.h"

/* After the goodbye of a telnet or ssh tag, how long the command gets to
 * leave by itself before the process group is killed. */
#define CONN_GOODBYE_NS (1000ULL * 1000 * 1000)

static void conn_handle_io(int fd, short events, void *arg);
static void conn_handle_exit(int fd, short events, void *arg);
static void conn_write_some(struct conn *c);

static bool
has_tag(const char *const *tags, size_t ntags, const char *tag)
{
	for (size_t i = 0; i < ntags; i++)
		if (strcmp(tags[i], tag) == 0)
			return true;
	return false;
}

/* COMMAND is what the logs show; ARGV, when not NULL, is what runs
 * (execv, no shell), else COMMAND by /bin/sh -c. */
static int
conn_start(struct conn *c, struct mux *mux, const char *name,
	   const char *command, char *const *argv, const char *const *tags,
	   size_t ntags, const char *logdir, struct joblog *log,
	   const char *ns)
{
	memset(c, 0, sizeof *c);
	c->name = xstrdup(name);
	c->command = xstrdup(command);
	c->tags = xcalloc(ntags + 1, sizeof *c->tags);
	for (size_t i = 0; i < ntags; i++)
		c->tags[i] = xstrdup(tags[i]);
	c->ntags = ntags;
	c->close_kind = has_tag(tags, ntags, "telnet") ? CONN_CLOSE_TELNET
			: has_tag(tags, ntags, "ssh")  ? CONN_CLOSE_SSH
						       : CONN_CLOSE_KILL;
	c->mux = mux;
	c->fd = c->pidfd = -1;
	c->log = log;
	c->ns = xstrdup(ns ? ns : "common");
	c->active = true;
	buf_init(&c->out);
	stream_init(&c->stream, CONN_MAX_LAG);
	c->c_line = stream_consumer_add(&c->stream);
	c->c_wait = stream_consumer_add(&c->stream);

	if (logdir) {
		if (rawlog_open(&c->raw, logdir, name) < 0) {
			snprintf(c->error, sizeof c->error,
				 "cannot create the log of connection '%s' in "
				 "%s: %s",
				 name, logdir, strerror(errno));
			return -1;
		}
		c->raw_open = true;
	}

	/* The device sees a plain serial-like line: no echo or line
	 * editing by our side of the pty. */
	struct termios tio;
	memset(&tio, 0, sizeof tio); /* cfmakeraw leaves other flags as is */
	cfmakeraw(&tio);
	tio.c_cflag |= CREAD | CLOCAL;
	cfsetispeed(&tio, B115200);
	cfsetospeed(&tio, B115200);
	struct winsize ws = {.ws_row = 24, .ws_col = 200};
	int master;
	pid_t pid = forkpty(&master, NULL, &tio, &ws);
	if (pid < 0) {
		snprintf(c->error, sizeof c->error,
			 "cannot open a pty for connection '%s': %s", name,
			 strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* forkpty made us a session (and process group) leader. */
		proc_child_signals();
		if (argv)
			execv(argv[0], argv);
		else
			execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	c->pid = pid;
	c->fd = master;
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	fcntl(master, F_SETFD, FD_CLOEXEC);
	c->pidfd = pidfd_open(pid, 0);
	mux_add_fd(mux, master, POLLIN, conn_handle_io, c);
	if (c->pidfd >= 0) {
		fcntl(c->pidfd, F_SETFD, FD_CLOEXEC);
		mux_add_fd(mux, c->pidfd, POLLIN, conn_handle_exit, c);
	}
	return 0;
}

int
conn_open(struct conn *c, struct mux *mux, const char *name,
	  const char *command, const char *const *tags, size_t ntags,
	  const char *logdir, struct joblog *log, const char *ns)
{
	return conn_start(c, mux, name, command, NULL, tags, ntags, logdir,
			  log, ns);
}

int
conn_open_argv(struct conn *c, struct mux *mux, const char *name,
	       const char *display, char *const *argv,
	       const char *const *tags, size_t ntags, const char *logdir,
	       struct joblog *log, const char *ns)
{
	return conn_start(c, mux, name, display, argv, tags, ntags, logdir,
			  log, ns);
}

/* Logs one line read from the device. */
static void
conn_log_line(struct conn *c, const char *line, size_t len)
{
	if (c->log == NULL)
		return;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (c->active)
		joblog_record(c->log, "target", line, len, NULL);
	else
		joblog_record(c->log, "feedback", line, len, c->ns);
}

/* The job log consumer: whole lines, or a very long partial line. */
static void
conn_split_lines(struct conn *c)
{
	const char *data;
	size_t len, used = 0;
	stream_peek(&c->stream, c->c_line, &data, &len);
	/* Search only what arrived since: the pending part was searched. */
	size_t from = c->line_scanned < len ? c->line_scanned : 0;
	for (;;) {
		const char *nl = memchr(data + from, '\n', len - from);
		if (nl == NULL)
			break;
		conn_log_line(c, data + used, (size_t)(nl - (data + used)));
		used = from = (size_t)(nl - data) + 1;
	}
	if (len - used >= CONN_MAX_LINE) {
		conn_log_line(c, data + used, len - used);
		used = len;
	}
	stream_consume(&c->stream, c->c_line, used);
	c->line_scanned = len - used;
}

void
conn_flush_line(struct conn *c)
{
	const char *data;
	size_t len;
	stream_peek(&c->stream, c->c_line, &data, &len);
	if (len == 0)
		return;
	conn_log_line(c, data, len);
	stream_consume(&c->stream, c->c_line, len);
	c->line_scanned = 0;
}

static void
conn_reap(struct conn *c, bool block)
{
	if (c->exited || c->pid <= 0)
		return;
	int status;
	pid_t r = waitpid(c->pid, &status, block ? 0 : WNOHANG);
	if (r == c->pid) {
		c->exited = true;
		c->status = status;
	}
}

static void
conn_mark_eof(struct conn *c)
{
	if (c->eof)
		return;
	c->eof = true;
	c->eof_ns = mux_now();
	conn_flush_line(c);
	if (c->fd >= 0)
		mux_remove_fd(c->mux, c->fd);
	conn_closed_message(c);
}

/* Reads one chunk: each poll round reads every connection once, so a
 * chatty one cannot starve the others. */
static ssize_t
conn_read(struct conn *c)
{
	char chunk[65536];
	ssize_t n = read(c->fd, chunk, sizeof chunk);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		/* EIO on a pty master: every slave descriptor is closed,
		 * i.e. the command is leaving.  Give it a moment to become
		 * reapable, so the error can say how it ended. */
		if (c->pidfd >= 0) {
			struct pollfd p = {.fd = c->pidfd, .events = POLLIN};
			if (poll(&p, 1, 100) > 0)
				conn_reap(c, true);
		} else {
			conn_reap(c, false);
		}
		conn_mark_eof(c);
		return -1;
	}
	uint64_t now = mux_wall_now();
	if (c->raw_open)
		rawlog_write(&c->raw, now, chunk, (size_t)n);
	stream_append(&c->stream, chunk, (size_t)n);
	conn_split_lines(c);
	if (c->on_data)
		c->on_data(c, c->on_data_arg);
	return n;
}

static void
conn_handle_io(int fd, short events, void *arg)
{
	struct conn *c = arg;
	(void)fd;
	if ((events & POLLOUT) && !c->eof)
		conn_write_some(c);
	/* A pty hands over about 4 KiB a read: take a few in a row while
	 * they come, and let the others have their turn after that.  Their
	 * job log lines are written together, before the loop waits. */
	if (c->log)
		joblog_batch_begin(c->log);
	for (int i = 0; i < 16 && (events & (POLLIN | POLLHUP | POLLERR)) &&
			   !c->eof;
	     i++)
		if (conn_read(c) <= 0)
			break;
	if (c->log)
		joblog_batch_end(c->log);
}

static void
conn_handle_exit(int fd, short events, void *arg)
{
	struct conn *c = arg;
	(void)events;
	mux_remove_fd(c->mux, fd);
	/* Take what the command printed before it left (bounded: a
	 * grandchild may still hold the pty and keep printing). */
	for (int i = 0; i < 64 && c->fd >= 0 && !c->eof; i++) {
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		if (poll(&p, 1, 0) <= 0)
			break;
		conn_read(c);
	}
	conn_reap(c, true);
	conn_mark_eof(c);
}

const char *
conn_closed_message(struct conn *c)
{
	char how[128] = "";
	if (c->exited && WIFEXITED(c->status))
		snprintf(how, sizeof how, ": the command exited with status %d",
			 WEXITSTATUS(c->status));
	else if (c->exited && WIFSIGNALED(c->status))
		snprintf(how, sizeof how, ": the command was killed by signal %d",
			 WTERMSIG(c->status));
	snprintf(c->error, sizeof c->error,
		 "Connection closed: connection '%s' (%s) dropped%s", c->name,
		 c->command, how);
	return c->error;
}

/* ---- sending ---- */

static void
conn_delay_due(void *arg)
{
	struct conn *c = arg;
	c->delay_timer = 0;
	if (c->fd >= 0 && !c->eof)
		mux_set_events(c->mux, c->fd, POLLIN | POLLOUT);
}

/* Writes what is due: everything, or one character when delayed. */
static void
conn_write_some(struct conn *c)
{
	while (c->out_off < c->out.len && !c->eof) {
		size_t n = c->delay_ms ? 1 : c->out.len - c->out_off;
		ssize_t w = write(c->fd, c->out.data + c->out_off, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			mux_set_events(c->mux, c->fd, POLLIN | POLLOUT);
			return;
		}
		if (w < 0) {
			conn_mark_eof(c);
			return;
		}
		c->out_off += (size_t)w;
		if (c->delay_ms && c->out_off < c->out.len) {
			mux_set_events(c->mux, c->fd, POLLIN);
			c->delay_timer = mux_add_timer(
				c->mux,
				mux_now() + (uint64_t)c->delay_ms * 1000000ULL,
				conn_delay_due, c);
			return;
		}
	}
	if (c->out_off == c->out.len) {
		buf_reset(&c->out);
		c->out_off = 0;
		if (c->fd >= 0 && !c->eof)
			mux_set_events(c->mux, c->fd, POLLIN);
	}
}

void
conn_send(struct conn *c, const char *data, size_t len, unsigned delay_ms)
{
	if (c->eof || c->fd < 0)
		return;
	buf_add(&c->out, data, len);
	c->delay_ms = delay_ms;
	if (c->delay_timer == 0)
		conn_write_some(c);
}

void
conn_sendline(struct conn *c, const char *line, unsigned delay_ms)
{
	struct buf b;
	buf_init(&b);
	buf_adds(&b, line);
	buf_addc(&b, '\n');
	if (c->log)
		joblog_record(c->log, "input", b.data, b.len, NULL);
	conn_send(c, b.data, b.len, delay_ms);
	buf_free(&b);
}

static bool
conn_drained(void *arg)
{
	struct conn *c = arg;
	if (c->eof)
		return true;
	/* A timer or POLLOUT moves the queue on; write what is due now. */
	if (c->delay_timer == 0 && c->out_off < c->out.len)
		conn_write_some(c);
	return c->out_off >= c->out.len;
}

int
conn_drain(struct conn *c, uint64_t deadline_ns)
{
	return mux_wait(c->mux, conn_drained, c, deadline_ns);
}

/* ---- closing ---- */

/* The link is down and what the command printed on its way out read
 * (conn_handle_exit drains the pty before it reaps). */
static bool
conn_is_gone(void *arg)
{
	return ((struct conn *)arg)->eof;
}

void
conn_close(struct conn *c)
{
	if (c->name == NULL)
		return;
	if (c->fd >= 0 && !c->eof && !c->exited &&
	    c->close_kind != CONN_CLOSE_KILL) {
		/* The goodbye the tag asks for, then a moment to leave. */
		static const char telnet_bye[] = "\035quit\n";
		static const char ssh_bye[] = "\n~.\n";
		if (c->close_kind == CONN_CLOSE_TELNET)
			conn_send(c, telnet_bye, sizeof telnet_bye - 1, 0);
		else
			conn_send(c, ssh_bye, sizeof ssh_bye - 1, 0);
		mux_wait(c->mux, conn_is_gone, c, mux_now() + CONN_GOODBYE_NS);
	}
	conn_flush_line(c);
	if (c->pid > 0) {
		/* Whatever is left of the process group goes. */
		kill(-c->pid, SIGKILL);
		kill(c->pid, SIGKILL);
		conn_reap(c, true);
	}
	if (c->fd >= 0) {
		mux_remove_fd(c->mux, c->fd);
		close(c->fd);
		c->fd = -1;
	}
	if (c->pidfd >= 0) {
		mux_remove_fd(c->mux, c->pidfd);
		close(c->pidfd);
		c->pidfd = -1;
	}
	if (c->delay_timer)
		mux_cancel_timer(c->mux, c->delay_timer);
	if (c->raw_open)
		rawlog_close(&c->raw);
	stream_free(&c->stream);
	buf_free(&c->out);
	for (size_t i = 0; i < c->ntags; i++)
		free(c->tags[i]);
	free(c->tags);
	free(c->name);
	free(c->command);
	free(c->ns);
	c->name = NULL;
}

/* ---- waiting for prompts ---- */

struct expect_state {
	struct conn *c;
	struct matcher *m;
	struct match *mt;
	uint64_t fed;       /* stream offset of the next byte to feed */
	uint64_t last_data; /* when bytes last arrived (monotonic) */
	uint64_t idle_timer;
	int rc;             /* 1 matched, 0 waiting, -1 matcher error */
};

static void
expect_wake(void *arg)
{
	((struct expect_state *)arg)->idle_timer = 0;
}

/* Feeds what arrived; the stream keeps only what the matcher might still
 * need after a match, so waiting on a chatty device stays bounded. */
static void
expect_feed(struct expect_state *st)
{
	struct conn *c = st->c;
	const char *data;
	size_t len;
	stream_peek(&c->stream, c->c_wait, &data, &len);
	uint64_t from = c->stream.off[c->c_wait];
	if (st->fed < from)
		st->fed = from; /* bytes dropped for lag: feed what is left */
	size_t skip = (size_t)(st->fed - from);
	if (skip >= len || st->rc != 0)
		return;
	st->rc = matcher_feed(st->m, data + skip, len - skip, st->mt);
	st->fed = from + len;
	st->last_data = mux_now();
	if (st->rc != 0)
		return;
	stream_seek(&c->stream, c->c_wait, matcher_keep(st->m));
	/* A match may only wait for the device to go quiet (a `$` at the
	 * end of what was read): wake up when it has. */
	if (st->idle_timer)
		mux_cancel_timer(c->mux, st->idle_timer);
	st->idle_timer = 0;
	if (matcher_pending(st->m))
		st->idle_timer = mux_add_timer(
			c->mux, st->last_data + MATCH_IDLE_MS * 1000000ULL,
			expect_wake, st);
}

static void
expect_on_data(struct conn *c, void *arg)
{
	(void)c;
	expect_feed(arg);
}

static bool
expect_done(void *arg)
{
	struct expect_state *st = arg;
	if (st->rc == 0 && matcher_pending(st->m) &&
	    mux_now() - st->last_data >= MATCH_IDLE_MS * 1000000ULL)
		st->rc = matcher_idle(st->m, st->mt);
	return st->rc != 0 || st->c->eof;
}

enum conn_expect_result
conn_expect(struct conn *c, struct matcher *m, uint64_t deadline_ns,
	    struct match *mt)
{
	struct expect_state st = {.c = c, .m = m, .mt = mt};
	void (*saved)(struct conn *, void *) = c->on_data;
	void *saved_arg = c->on_data_arg;
	st.fed = c->stream.off[c->c_wait];
	st.last_data = mux_now();
	matcher_reset(m, st.fed);
	expect_feed(&st);
	c->on_data = expect_on_data;
	c->on_data_arg = &st;
	mux_wait(c->mux, expect_done, &st, deadline_ns);
	c->on_data = saved;
	c->on_data_arg = saved_arg;
	if (st.idle_timer)
		mux_cancel_timer(c->mux, st.idle_timer);
	if (st.rc == 1) {
		stream_seek(&c->stream, c->c_wait, mt->end);
		return CONN_MATCHED;
	}
	if (st.rc < 0) {
		snprintf(c->error, sizeof c->error, "%s", matcher_error(m));
		return CONN_BAD_MATCH;
	}
	if (c->eof)
		return CONN_CLOSED;
	return CONN_TIMEOUT;
}

void
conn_pending(const struct conn *c, const char **data, size_t *len,
	     uint64_t *off)
{
	stream_peek(&c->stream, c->c_wait, data, len);
	if (off)
		*off = c->stream.off[c->c_wait];
}

void
conn_take(struct conn *c, size_t n)
{
	stream_consume(&c->stream, c->c_wait, n);
}

uint64_t
conn_received(const struct conn *c)
{
	return stream_end(&c->stream);
}
