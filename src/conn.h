/* conn.h: a connection to a device: its connect command on a pty, in a
 * process group of its own, read by the mux all the time.  Every chunk
 * read goes, in order, to the raw log, to the job log (as "target" lines,
 * or "feedback" with the namespace when the connection is not the active
 * one) and to whoever waits on it.  Closing follows the connection's tags
 * (telnet: Ctrl-] and quit; ssh: newline and ~.; otherwise SIGKILL to the
 * process group), then the command is reaped.  A dropped link (EOF, or
 * the command exiting) is noticed as soon as it happens. */
#ifndef TETHER_CONN_H
#define TETHER_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "joblog.h"
#include "mux.h"
#include "rawlog.h"
#include "stream.h"
#include "util.h"

/* Longest partial line kept for the job log before it is logged as is. */
#define CONN_MAX_LINE 65536
/* How far behind a reader may fall before it loses bytes. */
#define CONN_MAX_LAG (16u << 20)

enum conn_close_kind {
	CONN_CLOSE_KILL,   /* SIGKILL to the process group */
	CONN_CLOSE_TELNET, /* Ctrl-] then "quit" */
	CONN_CLOSE_SSH,    /* newline then "~." */
};

struct conn {
	char *name;    /* "uart0", or "connect" for a legacy command */
	char *command;
	char **tags;
	size_t ntags;
	enum conn_close_kind close_kind;

	struct mux *mux;
	int fd;        /* pty master; -1 once closed */
	pid_t pid;     /* the command, leader of its process group */
	int pidfd;
	bool eof;      /* the link has dropped */
	bool exited;
	int status;    /* wait status, once exited */
	uint64_t eof_ns; /* when the drop was noticed (monotonic) */

	struct stream stream;
	int c_line;    /* job log line splitter */
	int c_wait;    /* whoever waits on the connection */
	size_t line_scanned; /* bytes of the pending line known to hold no \n */

	struct rawlog raw;
	bool raw_open;
	struct joblog *log; /* NULL: no job log */
	char *ns;           /* namespace, for feedback lines */
	bool active;        /* "target" lines; others are "feedback" */

	/* Bytes waiting to be written, and the per-character delay. */
	struct buf out;
	size_t out_off;
	unsigned delay_ms;
	uint64_t delay_timer;

	/* Called after new bytes were added to the stream. */
	void (*on_data)(struct conn *c, void *arg);
	void *on_data_arg;

	char error[512]; /* why the connection failed, for the job */
};

/* Starts COMMAND (run by /bin/sh -c) on a new pty.  LOGDIR, when not
 * NULL, receives NAME.log and NAME.times.  Returns 0, or -1 with
 * c->error set. */
int conn_open(struct conn *c, struct mux *mux, const char *name,
	      const char *command, const char *const *tags, size_t ntags,
	      const char *logdir, struct joblog *log, const char *ns);
/* The same for a program run as ARGV (ARGV[0] a full path, execv: no
 * shell ever sees what a job supplied); DISPLAY is the command line the
 * logs show. */
int conn_open_argv(struct conn *c, struct mux *mux, const char *name,
		   const char *display, char *const *argv,
		   const char *const *tags, size_t ntags, const char *logdir,
		   struct joblog *log, const char *ns);
/* Closes by the tags, kills what is left of the process group, reaps. */
void conn_close(struct conn *c);

/* Queues bytes to send; with DELAY_MS, one character each DELAY_MS
 * (timers in the mux: reading goes on meanwhile). */
void conn_send(struct conn *c, const char *data, size_t len,
	       unsigned delay_ms);
/* LAVA's sendline: the line and "\n". */
void conn_sendline(struct conn *c, const char *line, unsigned delay_ms);
/* Waits until everything queued has been written, or the deadline. */
int conn_drain(struct conn *c, uint64_t deadline_ns);
/* Logs a pending partial line (e.g. a prompt) now. */
void conn_flush_line(struct conn *c);

struct matcher;
struct match;

enum conn_expect_result {
	CONN_MATCHED = 0,
	CONN_TIMEOUT = -1,
	CONN_CLOSED = -2,   /* the link dropped: c->error says how */
	CONN_BAD_MATCH = -3, /* the matcher failed: c->error says why */
};

/* Waits until one of M's patterns matches what C reads, starting where
 * the previous expect's match ended (bytes read in between count, as in
 * pexpect), or until DEADLINE_NS.  Every connection of the mux is read
 * meanwhile.  On a match, MT holds it and the next expect starts at its
 * end. */
enum conn_expect_result conn_expect(struct conn *c, struct matcher *m,
				    uint64_t deadline_ns, struct match *mt);

/* What the connection's waiter has not taken yet: *DATA, *LEN bytes,
 * starting at stream offset *OFF (bytes read since the connection
 * opened).  For a reader of its own (the test shell's signals). */
void conn_pending(const struct conn *c, const char **data, size_t *len,
		  uint64_t *off);
/* The waiter takes the first N bytes of conn_pending()'s. */
void conn_take(struct conn *c, size_t n);
/* Bytes read from the connection since it opened. */
uint64_t conn_received(const struct conn *c);

/* The InfrastructureError message for a dropped link, in c->error. */
const char *conn_closed_message(struct conn *c);

#endif
