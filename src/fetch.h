/* fetch.h: a test definition's repository brought onto the worker: git
 * (the program, as an argv in the job's mux) or a url archive (downloaded
 * in the mux, or read from an allowed file://, then unpacked with only
 * regular files, directories and links that stay inside its tree).  Each
 * is bounded by a deadline, a stop (a cancel) and the worker's size caps;
 * what the job names on the worker's disk is checked against its
 * allowed_file_dirs.  Errors go to the fetch's diagnostics, in LAVA's
 * classes, naming the repository and the entry. */
#ifndef TETHER_FETCH_H
#define TETHER_FETCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "diag.h"

struct mux;
struct file_policy;

/* How many bytes of long work (unpacking, packing) between two turns of
 * the mux: the connections keep being read. */
#define FETCH_POLL_BYTES (1u << 20)

/* Why a fetch ended early (f->stopped). */
#define FETCH_TIMEOUT (-2)
#define FETCH_CANCELED (-3)

struct fetch {
	struct mux *mux;
	uint64_t deadline_ns; /* absolute, monotonic; 0: none */
	bool (*stop)(void *arg); /* true: a cancel */
	void *stop_arg;
	uint64_t max_download, max_archive, max_entries; /* the caps */
	const struct file_policy *files; /* NULL: any local path */
	struct diags *d;
	/* FETCH_TIMEOUT or FETCH_CANCELED once it must end, and what was
	 * running then (for the timeout's log line). */
	int stopped;
	char *waiting;
};

/* Whether the fetch must end now: a cancel, or the deadline passed (the
 * first answer yes is kept in f->stopped). */
bool fetch_stopped(struct fetch *f);
/* What the fetch waits on now ("git clone of 'URL'"), owned. */
void fetch_waiting(struct fetch *f, char *what);
/* Lets the mux run once without waiting, so that the connections are
 * read during a long piece of work; false once the fetch must end. */
bool fetch_poll(struct fetch *f);

/* git clone as LAVA's GitHelper.clone. */
struct fetch_git_opts {
	const char *branch, *revision;
	bool shallow, history, recursive;
};
/* Clones URL into DEST; the commit checked out goes to *COMMIT when not
 * NULL.  0, or -1 (InfrastructureError naming the repository, a JobError
 * for a path the worker does not allow, or f->stopped). */
int fetch_git(struct fetch *f, const char *url, const char *dest,
              const struct fetch_git_opts *o, char **commit);
/* The archive at URL (http, https, file) unpacked into DEST without its
 * first STRIP path components, for the definition NAME.  0 or -1. */
int fetch_url(struct fetch *f, const char *url, const char *name,
              long long strip, const char *dest);

/* The kind of a file mode, for messages ("a fifo"). */
const char *mode_kind(mode_t m);
/* Opens PATH for reading if it is a regular file, never waiting on a
 * FIFO (O_NONBLOCK, then fstat) and, unless FOLLOW, never following a
 * symlink in its last component.  -1 with *WHY saying why ("not a
 * regular file (a fifo)", strerror). */
int open_regular(const char *path, bool follow, struct stat *st,
                 const char **why);

#endif
