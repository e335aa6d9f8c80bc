/* job.h: running a LAVA job (spec §1.3, §3): the pipeline of actions,
 * each with its level ("2.2.1"), namespace and timeouts, the connections
 * of each namespace, and what the actions share (the overlay, the HTTP
 * server that hands it to the device, the prompts).
 *
 * Action code is plain sequential C.  Every wait goes through the job's
 * mux, so every open connection is read and logged all the time, whatever
 * action is running.  An action fails by calling job_fail() (the first
 * error of the job is the one reported) and returning -1; the pipeline
 * then records the failure, retries where failure_retry says so, and
 * skips to the finalize actions, which always run. */
#ifndef TETHER_JOB_H
#define TETHER_JOB_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "conn.h"
#include "device.h"
#include "diag.h"
#include "joblog.h"
#include "mux.h"
#include "overlay.h"
#include "results.h"
#include "timeout.h"
#include "yaml.h"

struct httpd;
struct file_policy;
struct ssh_state;

/* What a namespace holds between its actions. */
struct job_ns {
	char *name;
	struct conn *conn;   /* the connection opened in it, or NULL */
	bool conn_owned;     /* opened by this namespace (closed at the end) */
	char **prompts;      /* the last boot's prompts */
	size_t nprompts;
	char *overlay_tgz;   /* the deploy's overlay, once built */
	struct overlay_layout layout;
	bool has_layout;
	bool booted;
};

/* The dispatcher's caps on what a job fetches (--dispatcher keys of the
 * same names, docs/run.md); cmd-run.c sets the defaults. */
struct job_limits {
	uint64_t max_download_bytes;  /* a url definition's archive */
	uint64_t max_archive_bytes;   /* unpacked from one such archive */
	uint64_t max_archive_entries; /* ... in entries */
	uint64_t max_image_bytes;     /* an image, once decompressed */
};

/* An image's default cap (the others: overlay.h). */
#define JOB_MAX_IMAGE_BYTES (64ULL << 30)

struct job {
	/* inputs */
	const char *job_file;
	struct ydoc *doc;
	const struct ynode *root;
	struct device *dev;
	const char *job_id;
	const char *outdir;
	const char *share_dir;
	const char *dispatcher_ip;   /* LAVA_DISPATCHER_IP, URLs' host */
	const char *http_listen;     /* where the overlay server listens */
	struct job_limits limits;
	/* The worker's files the job may read (file://, git paths). */
	const struct file_policy *files;

	struct mux *mux;
	struct joblog log;
	struct results results;
	struct httpd *httpd;
	char *workdir; /* the job's scratch directory, removed at the end */
	FILE *progress; /* the person's view, or NULL */

	struct job_ns *ns;
	size_t nns;
	struct conn **conns; /* every connection opened, in order */
	size_t nconns;
	char **opened;       /* their names, kept after a close (raw logs) */
	size_t nopened;

	const char **undo;   /* user commands' undo, to run at the end */
	size_t nundo;

	int top;             /* top-level actions begun */
	uint64_t start_ns;
	uint64_t deadline_ns; /* the job timeout */

	/* The job's error: the first one raised wins. */
	bool failed;
	enum err_class err_cls;
	char *err_msg;

	volatile sig_atomic_t *cancel; /* a signal number once asked to stop */
	bool canceled;

	struct ssh_state *ssh; /* action-ssh.c: what to clean on the device */
};

/* One running action. */
struct action {
	struct job *job;
	struct action *parent;
	const char *name;
	const char *ns;                /* its namespace */
	const struct ynode *params;    /* its block's parameters */
	char level[64];
	int nchildren;
	struct timeout_set t;
	uint64_t start_ns, deadline_ns;
	int max_retries;               /* failure_retry or repeat; 1 */
	struct rval *extra;            /* the result's extra (owned) */
	bool no_result;                /* no results record at the end */
};

/* Runs the whole job; returns 0 when it passed.  J is filled by the
 * caller (inputs, log, results opened). */
int job_run(struct job *j);
/* Frees what J holds once it ran (or could not start): its connections
 * closed, its scratch directory removed, its logs and results closed,
 * its mux and job document freed. */
void job_free(struct job *j);

/* Starts A, a child of PARENT (NULL: a top-level action), logging
 * "start: <level> <name> (timeout HH:MM:SS) [ns]".  DEFAULT_SECONDS is
 * the action's own default duration (0: LAVA's). */
void action_begin(struct action *a, struct job *j, struct action *parent,
                  const char *name, const char *ns,
                  const struct ynode *params, long long default_seconds);
/* A child of PARENT with nothing to do here (a step of LAVA's tree that
 * tether needs no work for), begun and ended at once, with MSG as a
 * debug line when not NULL. */
void action_step(struct action *parent, const char *name, const char *msg);
/* Ends A with "end: ..." and, unless A->no_result, its results record
 * (pass when RC is 0). */
int action_end(struct action *a, int rc);

/* Runs FN(A, ARG) as LAVA's RetryAction: up to A->max_retries attempts
 * until one passes (every one with REPEAT), "<name> failed: i of n
 * attempts. '<error>'" after a failure, failure_retry_interval seconds
 * (1) between attempts, each with A's whole timeout again.  Returns the
 * last attempt's result. */
int action_retry(struct action *a, bool repeat,
                 int (*fn)(struct action *, void *), void *arg);
/* failure_retry (or repeat, *REPEAT set) of a block, or the device's
 * failure_retry constant; 1 when none. */
int action_failure_retries(struct job *j, const struct ynode *params,
                           bool *repeat);

/* Records the job's error (first one wins) and logs it; returns -1. */
int job_fail(struct job *j, enum err_class cls, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A wait for a prompt that ended without a match, since SINCE: LAVA's
 * JobError "wait for prompt timed out", naming the action. */
int job_wait_timed_out(struct action *a, uint64_t since);
/* A's timeout: "<name> timed out after N seconds", in A's class. */
int action_timed_out(struct action *a);
/* The deadline of a wait on a connection inside A: the connection
 * timeout, never past A's deadline. */
uint64_t action_conn_deadline(const struct action *a);
/* Lets NS nanoseconds pass, every connection read meanwhile; a signal
 * to stop ends it early. */
void job_pause(struct job *j, uint64_t ns);
/* True once the job was asked to stop (fails the job as canceled). */
bool job_canceled(struct job *j);

void job_logf(struct job *j, const char *lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct job_ns *job_ns_get(struct job *j, const char *name);
/* Makes C the connection whose lines are "target"; the others become
 * "feedback" with their namespace. */
void job_use_conn(struct job *j, struct conn *c);
/* Closes C by its tags and frees it: it leaves the job's list and its
 * namespace (whose conn becomes NULL). */
void job_conn_close(struct job *j, struct conn *c);
/* Opens a connection of the device in namespace NS. */
struct conn *job_conn_open(struct job *j, struct action *a, const char *name,
                           const char *command, const char *const *tags,
                           size_t ntags, const char *ns);
/* The same for a program run as ARGV, no shell (what a job supplies is
 * in it); DISPLAY is the command line the logs show. */
struct conn *job_conn_open_argv(struct job *j, struct action *a,
                                const char *name, const char *display,
                                char *const *argv, const char *const *tags,
                                size_t ntags, const char *ns);

/* The namespace of a block: its namespace: or "common". */
const char *job_block_ns(const struct ynode *params);

/* Sends LINE on C after LAVA's pause, with the device's delay. */
void job_sendline(struct job *j, struct conn *c, const char *line,
                  unsigned delay_ms);
/* Waits on C for one of PATTERNS until DEADLINE.  Returns the index of
 * the pattern matched, or -1 after job_fail() (timeout in A's name,
 * connection closed, bad pattern).  KEEP, when not NULL, receives the
 * matcher for reading groups after a match (the caller frees it). */
int job_expect(struct action *a, struct conn *c, const char *const *patterns,
               size_t n, uint64_t deadline, struct match *mt,
               struct matcher **keep);

/* The same, but a timeout returns JOB_EXPECT_TIMEOUT and fails nothing
 * (a partial wait: a forced prompt, a listen). */
#define JOB_EXPECT_TIMEOUT (-2)
int job_expect_soft(struct action *a, struct conn *c,
                    const char *const *patterns, size_t n, uint64_t deadline,
                    struct match *mt, struct matcher **keep);

/* Sends LINE, then waits for one of PROMPTS.  0 or -1. */
int job_shell_run(struct action *a, struct conn *c, char *const *prompts,
                  size_t nprompts, const char *line, unsigned delay_ms);
/* LAVA's sendline(check=True): LINE, then its exit status printed as a
 * RETRUNCODE signal; not 0 is a JobError "'LINE' failed with return
 * code N!".  Then waits for one of PROMPTS.  0 or -1. */
int job_shell_checked(struct action *a, struct conn *c, char *const *prompts,
                      size_t nprompts, const char *line, unsigned delay_ms);

#endif
