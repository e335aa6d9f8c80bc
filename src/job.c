/* job.c: the pipeline: top-level actions in the job's order, each with
 * its level, namespace, timeouts and retries, then the finalize actions,
 * which run whatever happened before (spec §1.3, §3). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "actions.h"
#include "host.h"
#include "download.h"
#include "filepolicy.h"
#include "httpd.h"
#include "job.h"
#include "match.h"

/* LAVA's pause between two failure_retry attempts (failure_retry_interval
 * overrides it), and how long each namespace's connection is listened to
 * at the end. */
#define RETRY_INTERVAL_S 1
#define FEEDBACK_LISTEN_NS (1000ULL * 1000 * 1000)
#define FEEDBACK_QUIET_NS (20ULL * 1000 * 1000)

void
job_logf(struct job *j, const char *lvl, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	joblog_record(&j->log, lvl, msg, strlen(msg), NULL);
	free(msg);
}

int
job_fail(struct job *j, enum err_class cls, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (!j->failed) {
		j->failed = true;
		j->err_cls = cls;
		free(j->err_msg);
		j->err_msg = msg;
		joblog_record(&j->log, "exception", msg, strlen(msg), NULL);
	} else {
		free(msg);
	}
	return -1;
}

static void
job_clear_error(struct job *j)
{
	j->failed = false;
	free(j->err_msg);
	j->err_msg = NULL;
}

bool
job_canceled(struct job *j)
{
	if (j->canceled)
		return true;
	if (j->cancel == NULL || *j->cancel == 0)
		return false;
	j->canceled = true;
	job_logf(j, "info", "Received signal %s: canceling the job",
	         *j->cancel == SIGINT ? "SIGINT" : "SIGTERM");
	/* Cancellation wins over whatever the action was doing. */
	job_clear_error(j);
	job_fail(j, ERR_CANCELED, "The job was canceled");
	return true;
}

const char *
job_block_ns(const struct ynode *params)
{
	const struct ynode *n = ymap_get(params, "namespace");
	if (n && n->kind == YN_STR)
		return n->str;
	return "common";
}

struct job_ns *
job_ns_get(struct job *j, const char *name)
{
	for (size_t i = 0; i < j->nns; i++)
		if (strcmp(j->ns[i].name, name) == 0)
			return &j->ns[i];
	j->ns = xreallocarray(j->ns, j->nns + 1, sizeof *j->ns);
	struct job_ns *ns = &j->ns[j->nns++];
	memset(ns, 0, sizeof *ns);
	ns->name = xstrdup(name);
	return ns;
}

void
job_use_conn(struct job *j, struct conn *c)
{
	for (size_t i = 0; i < j->nconns; i++) {
		struct conn *o = j->conns[i];
		bool active = o == c;
		if (o->active != active) {
			/* A pending partial line belongs to the old role. */
			conn_flush_line(o);
			o->active = active;
		}
	}
}

void
job_conn_close(struct job *j, struct conn *c)
{
	if (c == NULL)
		return;
	conn_close(c);
	/* A closed connection leaves the job: nothing may reach its freed
	 * stream again (a QEMU boot retried crashed on it). */
	for (size_t i = 0; i < j->nconns; i++)
		if (j->conns[i] == c) {
			memmove(&j->conns[i], &j->conns[i + 1],
			        (j->nconns - i - 1) * sizeof *j->conns);
			j->nconns--;
			break;
		}
	for (size_t i = 0; i < j->nns; i++)
		if (j->ns[i].conn == c)
			j->ns[i].conn = NULL;
	free(c);
}

static struct conn *
job_conn_start(struct job *j, struct action *a, const char *name,
               const char *command, char *const *argv,
               const char *const *tags, size_t ntags, const char *ns)
{
	struct conn *c = xcalloc(1, sizeof *c);
	int rc = argv ? conn_open_argv(c, j->mux, name, command, argv, tags,
	                               ntags, NULL, &j->log, ns)
	              : conn_open(c, j->mux, name, command, tags, ntags, NULL,
	                          &j->log, ns);
	if (rc < 0) {
		job_fail(j, ERR_INFRASTRUCTURE, "%s: %s", a->name, c->error);
		conn_close(c);
		free(c);
		return NULL;
	}
	/* The raw log: uart0.log, then uart0.2.log when a retry opens it
	 * again, so no attempt's bytes are lost.  Nothing has been read
	 * yet: reading happens in the mux. */
	int seen = 0;
	for (size_t i = 0; i < j->nopened; i++)
		if (strcmp(j->opened[i], name) == 0)
			seen++;
	j->opened = xreallocarray(j->opened, j->nopened + 1, sizeof *j->opened);
	j->opened[j->nopened++] = xstrdup(name);
	char *logname = seen ? xasprintf("%s.%d", name, seen + 1)
	                     : xstrdup(name);
	if (rawlog_open(&c->raw, j->outdir, logname) == 0) {
		c->raw_open = true;
		/* The job's secrets never reach a log, the raw ones either. */
		rawlog_set_secrets(&c->raw, &j->log.secrets);
	}
	else
		job_logf(j, "warning", "cannot write %s/%s.log: %s", j->outdir,
		         logname, strerror(errno));
	free(logname);
	j->conns = xreallocarray(j->conns, j->nconns + 1, sizeof *j->conns);
	j->conns[j->nconns++] = c;
	job_use_conn(j, c);
	return c;
}

struct conn *
job_conn_open(struct job *j, struct action *a, const char *name,
              const char *command, const char *const *tags, size_t ntags,
              const char *ns)
{
	return job_conn_start(j, a, name, command, NULL, tags, ntags, ns);
}

struct conn *
job_conn_open_argv(struct job *j, struct action *a, const char *name,
                   const char *display, char *const *argv,
                   const char *const *tags, size_t ntags, const char *ns)
{
	return job_conn_start(j, a, name, display, argv, tags, ntags, ns);
}

void
job_sendline(struct job *j, struct conn *c, const char *line,
             unsigned delay_ms)
{
	(void)j; /* the connection logs it as "input" */
	conn_sendline(c, line, delay_ms);
}

uint64_t
action_conn_deadline(const struct action *a)
{
	uint64_t d = timeout_after(mux_now(), a->t.connection);
	return d < a->deadline_ns ? d : a->deadline_ns;
}

/* A wait's end condition: only a signal to stop ends it early. */
static bool
cancel_check(void *arg)
{
	struct job *j = arg;
	return j->cancel && *j->cancel;
}

void
job_pause(struct job *j, uint64_t ns)
{
	mux_wait(j->mux, cancel_check, j, mux_now() + ns);
}

int
job_expect(struct action *a, struct conn *c, const char *const *patterns,
           size_t n, uint64_t deadline, struct match *mt,
           struct matcher **keep)
{
	uint64_t start = mux_now();
	int rc = job_expect_soft(a, c, patterns, n, deadline, mt, keep);
	if (rc == JOB_EXPECT_TIMEOUT)
		rc = job_wait_timed_out(a, start);
	return rc;
}

int
job_expect_soft(struct action *a, struct conn *c, const char *const *patterns,
                size_t n, uint64_t deadline, struct match *mt,
                struct matcher **keep)
{
	struct job *j = a->job;
	char err[256];
	struct matcher *m = matcher_new(patterns, n, err, sizeof err);
	if (m == NULL)
		return job_fail(j, ERR_TEST, "%s: invalid prompt: %s", a->name,
		                err);
	struct match local;
	if (mt == NULL)
		mt = &local;
	enum conn_expect_result r;
	/* Waits in slices, so a signal to stop is seen within 100 ms. */
	for (;;) {
		uint64_t now = mux_now();
		uint64_t slice = now + 100 * 1000 * 1000;
		r = conn_expect(c, m, slice < deadline ? slice : deadline, mt);
		if (r != CONN_TIMEOUT || mux_now() >= deadline)
			break;
		if (job_canceled(j))
			break;
	}
	int rc;
	if (j->canceled) {
		rc = -1;
	} else if (r == CONN_MATCHED) {
		rc = (int)mt->index;
	} else if (r == CONN_TIMEOUT) {
		rc = JOB_EXPECT_TIMEOUT;
	} else if (r == CONN_CLOSED) {
		rc = job_fail(j, ERR_INFRASTRUCTURE, "%s",
		              conn_closed_message(c));
	} else {
		rc = job_fail(j, ERR_TEST, "%s: %s", a->name, c->error);
	}
	if (keep && rc >= 0)
		*keep = m;
	else
		matcher_free(m);
	return rc;
}

int
job_shell_checked(struct action *a, struct conn *c, char *const *prompts,
                  size_t nprompts, const char *line, unsigned delay_ms)
{
	struct job *j = a->job;
	char *cmd = xasprintf("%s; printf \"<LAVA_SIGNAL_RETRUNCODE $?>\\n\"",
	                      line);
	job_sendline(j, c, cmd, delay_ms);
	free(cmd);
	const char *pat[] = {"<LAVA_SIGNAL_RETRUNCODE ([0-9]+)>"};
	struct match mt;
	struct matcher *m = NULL;
	int rc = job_expect_soft(a, c, pat, 1, action_conn_deadline(a), &mt,
	                         &m);
	if (rc == JOB_EXPECT_TIMEOUT)
		return job_fail(j, ERR_JOB, "Failed to check '%s' return code!",
		                line);
	if (rc < 0)
		return -1;
	const char *num;
	size_t len = matcher_group(m, 1, &num);
	char digits[16] = "";
	snprintf(digits, sizeof digits, "%.*s", (int)len, num ? num : "");
	matcher_free(m);
	if (strcmp(digits, "0") != 0)
		return job_fail(j, ERR_JOB, "'%s' failed with return code %s!",
		                line, digits);
	rc = job_expect(a, c, (const char *const *)prompts, nprompts,
	                action_conn_deadline(a), NULL, NULL);
	return rc < 0 ? -1 : 0;
}

int
job_shell_run(struct action *a, struct conn *c, char *const *prompts,
              size_t nprompts, const char *line, unsigned delay_ms)
{
	job_sendline(a->job, c, line, delay_ms);
	int rc = job_expect(a, c, (const char *const *)prompts, nprompts,
	                    action_conn_deadline(a), NULL, NULL);
	return rc < 0 ? -1 : 0;
}

int
job_wait_timed_out(struct action *a, uint64_t since)
{
	/* LAVA's words (a JobError), then which action waited how long. */
	return job_fail(a->job, ERR_JOB,
	                "wait for prompt timed out: %s waited %.0f s",
	                a->name, (double)(mux_now() - since) / 1e9);
}

int
action_timed_out(struct action *a)
{
	char *msg = timeout_message(a->name, a->start_ns, mux_now());
	job_fail(a->job, timeout_class(a->name), "%s", msg);
	free(msg);
	return -1;
}

/* ---- actions: begin and end ---- */

void
action_begin(struct action *a, struct job *j, struct action *parent,
             const char *name, const char *ns, const struct ynode *params,
             long long default_seconds)
{
	memset(a, 0, sizeof *a);
	a->job = j;
	a->parent = parent;
	a->name = name;
	a->ns = ns ? ns : parent ? parent->ns : "common";
	a->params = params ? params : parent ? parent->params : NULL;
	a->max_retries = 1;
	if (parent) {
		char *lv = xasprintf("%s.%d", parent->level,
		                     ++parent->nchildren);
		snprintf(a->level, sizeof a->level, "%.63s", lv);
		free(lv);
	}
	else {
		snprintf(a->level, sizeof a->level, "%d", ++j->top);
	}

	struct timeout_ctx tc = {
		.job = ymap_get(j->root, "timeouts"),
		.device = j->dev ? ymap_get(j->dev->root, "timeouts") : NULL,
		.name = name,
		.block_timeout = ymap_get(a->params, "timeout"),
		.block_timeouts = ymap_get(a->params, "timeouts"),
		.parent_duration = parent ? parent->t.duration : 0,
		.parent_max_retries = parent ? parent->max_retries : 0,
		.default_duration = default_seconds,
	};
	struct diags d;
	diags_init(&d);
	if (timeout_resolve(&tc, &a->t, &d) < 0) {
		a->t.duration = TIMEOUT_DEFAULT_SECONDS;
		a->t.connection = TIMEOUT_DEFAULT_SECONDS;
	}
	diags_free(&d);
	a->start_ns = mux_now();
	a->deadline_ns = timeout_deadline(a->start_ns, a->t.duration,
	                                  parent ? parent->deadline_ns
	                                         : j->deadline_ns);
	char hms[32];
	timeout_hms(hms, sizeof hms, (int64_t)(a->deadline_ns - a->start_ns));
	job_logf(j, parent ? "debug" : "info",
	         "start: %s %s (timeout %s) [%s]", a->level, name, hms, a->ns);
	if (parent == NULL && j->progress) {
		fprintf(j->progress, "  %-5s %s [%s] ...\n", a->level, name,
		        a->ns);
		fflush(j->progress);
	}
}

int
action_end(struct action *a, int rc)
{
	struct job *j = a->job;
	uint64_t now = mux_now();
	double secs = (double)(now - a->start_ns) / 1e9;
	if (rc < 0 && j->failed && j->err_cls == ERR_TIMEOUT &&
	    !(a->t.skip)) {
		/* A test shell's timeout without skip fails the job as a
		 * TestError, as LAVA's pipeline turns it. */
		j->err_cls = ERR_TEST;
	}
	char hms[32];
	timeout_hms(hms, sizeof hms, (int64_t)(now - a->start_ns));
	job_logf(j, a->parent ? "debug" : "info",
	         "end: %s %s (duration %s) [%s]", a->level, a->name, hms,
	         a->ns);
	if (rc < 0 || (a->extra && !a->no_result)) {
		struct rval *extra = a->extra;
		a->extra = NULL;
		if (rc < 0) {
			rval_free(extra);
			extra = rval_map();
			rval_put(extra, "fail",
			         rval_str(j->err_msg ? j->err_msg
			                             : "Unknown error"));
		}
		results_add(&j->results,
		            result_action(a->name, a->ns, a->level, secs,
		                          rc >= 0, extra));
	}
	rval_free(a->extra);
	a->extra = NULL;
	if (a->parent == NULL && j->progress) {
		fprintf(j->progress, "  %-5s %s [%s] %s in %.2f s%s%s\n",
		        a->level, a->name, a->ns, rc < 0 ? "FAILED" : "done",
		        secs, rc < 0 && j->err_msg ? ": " : "",
		        rc < 0 && j->err_msg ? j->err_msg : "");
		fflush(j->progress);
	}
	return rc;
}

void
action_step(struct action *parent, const char *name, const char *msg)
{
	struct action a;
	action_begin(&a, parent->job, parent, name, NULL, NULL, 0);
	if (msg)
		job_logf(parent->job, "debug", "%s", msg);
	action_end(&a, 0);
}

/* ---- the top-level actions ---- */

struct block {
	const char *name; /* the top-level action's name */
	const struct ynode *params;
	int (*run)(struct job *, struct action *);
};

/* The program of a connect command (its first word), found as the shell
 * would: a path, or a name searched in $PATH. */
static bool
command_exists(const char *cmd, char **prog)
{
	size_t n = strcspn(cmd, " \t");
	*prog = xstrndup(cmd, n);
	if (**prog == '\0')
		return false;
	char *full = path_lookup(*prog);
	free(full);
	return full != NULL;
}

/* As LAVA's connect-device validates: the connection's command must be
 * there before the job starts. */
static void
check_boot_command(struct job *j, const struct ynode *params, struct diags *d)
{
	const struct ynode *method = ymap_get(params, "method");
	const char *cmd = NULL;
	if (j->dev == NULL)
		return;
	if (ynode_is_str(method, "minimal")) {
		cmd = j->dev->primary ? j->dev->primary->connect
		                      : j->dev->connect;
	} else if (ynode_is_str(method, "new_connection")) {
		const struct ynode *name = ymap_get(params, "connection");
		for (size_t i = 0; name && name->kind == YN_STR &&
		                   i < j->dev->nconns;
		     i++)
			if (strcmp(j->dev->conns[i].name, name->str) == 0)
				cmd = j->dev->conns[i].connect;
	}
	char *prog = NULL;
	if (cmd && !command_exists(cmd, &prog))
		diags_add(d, ERR_INFRASTRUCTURE, 0, 0, "boot",
		          "Cannot find command '%s' in $PATH", prog);
	free(prog);
}

/* How long one HEAD check may take (never past the job's deadline). */
#define URL_CHECK_NS (30 * NS_PER_S)

/* As LAVA's download actions validate: every http(s) url definition of a
 * test block must answer 200 before the job starts.  The HEAD requests
 * run in the job's mux, each bounded by 30 s and the job's deadline; a
 * signal to stop ends them at once: the job is canceled, -1. */
/* PATH (the local file NODE names, at actions[I].KEY) may be read only
 * where the worker allows it (filepolicy.h). */
static void
check_local_file(struct job *j, const struct ynode *node, const char *path,
                 size_t i, const char *key, struct diags *d)
{
	char why[512];
	if (file_policy_allows(j->files, path, why, sizeof why))
		return;
	char *at = xasprintf("actions[%zu].%s", i, key);
	diags_add(d, ERR_JOB, node->line, node->col, at, "%s", why);
	free(at);
}

/* The worker's files the block at actions[I] names: file:// images and
 * url definitions, git repositories given as paths. */
static void
check_local_files(struct job *j, const char *type, const struct ynode *params,
                  size_t i, struct diags *d)
{
	const struct ynode *imgs = ymap_get(params, "images");
	if (strcmp(type, "deploy") == 0 && imgs && imgs->kind == YN_MAP)
		for (size_t k = 0; k < imgs->n; k++) {
			const struct ynode *url = ymap_get(imgs->vals[k], "url");
			if (url == NULL || url->kind != YN_STR ||
			    strncmp(url->str, "file://", 7) != 0 ||
			    imgs->keys[k]->kind != YN_STR)
				continue;
			char *key = xasprintf("deploy.images.%s.url",
			                      imgs->keys[k]->str);
			check_local_file(j, url, url->str + 7, i, key, d);
			free(key);
		}
	const struct ynode *defs = ymap_get(params, "definitions");
	for (size_t k = 0; strcmp(type, "test") == 0 && defs &&
	                   defs->kind == YN_SEQ && k < defs->n;
	     k++) {
		const struct ynode *repo = ymap_get(defs->items[k], "repository");
		const struct ynode *from = ymap_get(defs->items[k], "from");
		if (repo == NULL || repo->kind != YN_STR)
			continue;
		char *path = NULL;
		if (ynode_is_str(from, "git"))
			path = git_local_path(repo->str);
		else if (ynode_is_str(from, "url") &&
		         strncmp(repo->str, "file://", 7) == 0)
			path = xstrdup(repo->str + 7);
		if (path == NULL)
			continue;
		char *key = xasprintf("test.definitions[%zu].repository", k);
		check_local_file(j, repo, path, i, key, d);
		free(key);
		free(path);
	}
}

static int
check_test_urls(struct job *j, const struct ynode *params, struct diags *d)
{
	const struct ynode *defs = ymap_get(params, "definitions");
	for (size_t i = 0; defs && defs->kind == YN_SEQ && i < defs->n; i++) {
		const struct ynode *def = defs->items[i];
		const struct ynode *repo = ymap_get(def, "repository");
		if (!ynode_is_str(ymap_get(def, "from"), "url") || repo == NULL ||
		    repo->kind != YN_STR ||
		    (strncmp(repo->str, "http://", 7) != 0 &&
		     strncmp(repo->str, "https://", 8) != 0))
			continue;
		uint64_t until = mux_now() + URL_CHECK_NS;
		struct download_req req = {
		    .url = repo->str,
		    .mux = j->mux,
		    .deadline_ns =
		        until < j->deadline_ns ? until : j->deadline_ns,
		    .stop = cancel_check,
		    .arg = j,
		    .head = true,
		};
		struct download_res res;
		int rc = download_run(&req, &res);
		if (res.status == DOWNLOAD_CANCELED || job_canceled(j)) {
			job_canceled(j);
			diags_add(d, ERR_CANCELED, 0, 0, "",
			          "The job was canceled");
			return -1;
		}
		if (rc == 0 && res.http == 200)
			continue;
		char *what =
		    rc < 0 && res.status != DOWNLOAD_HTTP
		        ? xstrdup(res.err)
		        : xasprintf("Resource unavailable at '%s' (%ld)",
		                    repo->str, res.http);
		struct buf b;
		buf_init(&b);
		buf_adds(&b, "Invalid job data: [");
		py_repr_str(&b, what);
		buf_adds(&b, "]");
		diags_add(d, ERR_JOB, 0, 0, "", "%s", b.data);
		buf_free(&b);
		free(what);
	}
	return 0;
}

/* What tether runs (actions.h); anything else is refused before the job
 * starts. */
static int
block_classify(const char *key, const struct ynode *params, struct block *b,
               struct diags *d)
{
	const struct action_kind *k = action_kind_of(key, params);
	b->params = params;
	if (k) {
		b->name = k->name;
		b->run = k->run;
		return 0;
	}
	const struct ynode *to = ymap_get(params, "to");
	const struct ynode *method = ymap_get(params, "method");
	const struct ynode *what = to ? to : method;
	diags_add(d, ERR_JOB, params ? params->line : 0,
	          params ? params->col : 0, key,
	          "tether does not run %s %s '%s' yet", key,
	          to ? "to" : "method",
	          what && what->kind == YN_STR ? what->str : "?");
	return -1;
}

/* The retries of a block: failure_retry, or repeat, or the device's
 * failure_retry constant. */
int
action_failure_retries(struct job *j, const struct ynode *params,
                       bool *repeat)
{
	const struct ynode *fr = ymap_get(params, "failure_retry");
	const struct ynode *rp = ymap_get(params, "repeat");
	*repeat = false;
	if (rp && rp->kind == YN_INT) {
		*repeat = true;
		return rp->v.i > 0 ? (int)rp->v.i : 1;
	}
	if (fr && fr->kind == YN_INT)
		return fr->v.i > 0 ? (int)fr->v.i : 1;
	const struct ynode *c =
		j->dev ? device_constant(j->dev, "failure_retry", NULL) : NULL;
	if (c && c->kind == YN_INT && c->v.i > 1)
		return (int)c->v.i;
	return 1;
}

int
action_retry(struct action *a, bool repeat, int (*fn)(struct action *, void *),
             void *arg)
{
	struct job *j = a->job;
	const struct ynode *iv = ymap_get(a->params, "failure_retry_interval");
	long long interval =
		iv && iv->kind == YN_INT ? iv->v.i : RETRY_INTERVAL_S;
	uint64_t limit = a->parent ? a->parent->deadline_ns : j->deadline_ns;
	int rc = 0;
	for (int attempt = 1; attempt <= a->max_retries; attempt++) {
		a->nchildren = 0;
		rc = fn(a, arg);
		if (rc == 0 && !repeat)
			break;
		if (rc == 0)
			continue;
		/* A signal may have cut a blocking step short (EINTR). */
		if (job_canceled(j))
			break;
		job_logf(j, "error", "%s failed: %d of %d attempts. '%s'",
		         a->name, attempt, a->max_retries,
		         j->err_msg ? j->err_msg : "Unknown error");
		if (attempt == a->max_retries)
			break;
		/* A job's interval: negative is none, huge saturates. */
		if (timeout_after(mux_now(), interval) >= limit)
			break;
		job_pause(j, timeout_ns(interval));
		if (job_canceled(j))
			break;
		job_clear_error(j);
		/* Each attempt has the whole timeout again, as LAVA restarts
		 * the action's timer. */
		a->start_ns = mux_now();
		a->deadline_ns = timeout_deadline(a->start_ns, a->t.duration,
		                                  limit);
		char hms[32];
		timeout_hms(hms, sizeof hms,
		            (int64_t)(a->deadline_ns - a->start_ns));
		job_logf(j, "warning", "Retrying: %s %s (timeout %s)", a->level,
		         a->name, hms);
	}
	return rc;
}

static int
block_attempt(struct action *top, void *arg)
{
	const struct block *b = arg;
	return b->run(top->job, top);
}

/* Runs one block as LAVA's RetryAction does. */
static int
block_run(struct job *j, const struct block *b)
{
	struct action top;
	const char *ns = job_block_ns(b->params);
	action_begin(&top, j, NULL, b->name, ns, b->params, 0);
	bool repeat;
	top.max_retries = action_failure_retries(j, b->params, &repeat);
	int rc = action_retry(&top, repeat, block_attempt, (void *)b);
	return action_end(&top, rc);
}

/* ---- finalize ---- */

static void
finalize_listen(struct job *j, struct job_ns *ns)
{
	if (ns->conn == NULL || !ns->conn_owned)
		return;
	job_logf(j, "debug",
	         "Listened to connection for namespace '%s' for up to 1s",
	         ns->name);
	/* The connections are read all the time: this only lets output
	 * still on its way arrive before the close, until the line has been
	 * quiet a moment (LAVA listens a whole second). */
	uint64_t until = mux_now() + FEEDBACK_LISTEN_NS;
	for (;;) {
		uint64_t seen = conn_received(ns->conn);
		if (ns->conn->eof || mux_now() >= until)
			break;
		job_pause(j, FEEDBACK_QUIET_NS);
		if (conn_received(ns->conn) == seen)
			break;
	}
	job_logf(j, "info", "Finalising connection for namespace '%s'",
	         ns->name);
	if (ns->conn->eof) {
		job_logf(j, "debug", "Already disconnected");
	} else {
		const char *how = ns->conn->close_kind == CONN_CLOSE_TELNET
		                      ? "telnet"
		                  : ns->conn->close_kind == CONN_CLOSE_SSH
		                      ? "ssh"
		                      : "shell";
		job_logf(j, "info", "Disconnecting from %s: Finalise", how);
	}
	job_conn_close(j, ns->conn);
}

static void
power_off(struct job *j, struct action *parent)
{
	struct action a;
	action_begin(&a, j, parent, "power-off", NULL, NULL, 10);
	struct rval *extra = rval_map();
	if (j->dev && j->dev->power[POWER_OFF]) {
		/* A failing power-off is reported, not fatal: the cleanup
		 * goes on, as LAVA's does. */
		bool was_failed = j->failed;
		if (host_commands(&a, j->dev->power[POWER_OFF]) < 0 &&
		    !was_failed) {
			job_logf(j, "warning", "power-off: %s", j->err_msg);
			job_clear_error(j);
		}
	}
	rval_put(extra, "status", rval_str("success"));
	a.extra = extra;
	action_end(&a, 0);
}

static void
finalize_run(struct job *j)
{
	struct action fin;
	bool had_error = j->failed;
	char *saved_msg = had_error ? xstrdup(j->err_msg) : NULL;
	enum err_class saved_cls = j->err_cls;
	if (had_error)
		job_logf(j, "info", "Cleaning after the job");
	/* The cleanup gets time of its own, even when the job's is over. */
	uint64_t saved_deadline = j->deadline_ns;
	j->deadline_ns = mux_now() + (uint64_t)TIMEOUT_CLEANUP_SECONDS * NS_PER_S;
	job_clear_error(j);
	action_begin(&fin, j, NULL, "finalize", "common", NULL, 0);
	power_off(j, &fin);
	struct action rf;
	action_begin(&rf, j, &fin, "read-feedback", "common", NULL, 0);
	for (size_t i = 0; i < j->nns; i++)
		finalize_listen(j, &j->ns[i]);
	/* Connections opened outside a namespace's ownership. */
	for (size_t i = 0; i < j->nconns; i++)
		if (j->conns[i]->fd >= 0)
			conn_close(j->conns[i]);
	action_end(&rf, 0);
	for (unsigned i = 0; i < njob_hooks; i++)
		if (job_hooks[i].finalize)
			job_hooks[i].finalize(j, &fin);
	action_end(&fin, 0);
	/* The actions' own cleanup, after finalize, as LAVA's job cleanup. */
	for (unsigned i = 0; i < njob_hooks; i++)
		if (job_hooks[i].cleanup)
			job_hooks[i].cleanup(j);
	if (!had_error)
		job_logf(j, "info", "Cleaning after the job");
	j->deadline_ns = saved_deadline;
	job_clear_error(j);
	if (had_error) {
		j->failed = true;
		j->err_cls = saved_cls;
		j->err_msg = saved_msg;
	}
}

/* ---- the job ---- */

static const char *
err_help(enum err_class cls)
{
	switch (cls) {
	case ERR_INFRASTRUCTURE:
		return "InfrastructureError: The Infrastructure is not working "
		       "correctly. Please report this error to LAVA admins.";
	case ERR_JOB:
		return "JobError: Your job cannot terminate cleanly.";
	case ERR_TEST:
		return "TestError: A test failed to run, look at the error "
		       "message.";
	case ERR_CONFIGURATION:
		return "ConfigurationError: The LAVA instance is not "
		       "configured correctly. Please report this error to "
		       "LAVA admins.";
	case ERR_TIMEOUT:
		return "LAVATimeoutError: test shell has timed out.";
	case ERR_CANCELED:
		return "JobCanceled: The job was canceled";
	case ERR_BUG:
		break;
	}
	return "LAVABug: This is probably a bug in LAVA, please report it.";
}

/* Reads the actions into BLOCKS; every one tether cannot run is an
 * error before anything starts. */
static int
job_blocks(struct job *j, struct block **out, size_t *nout)
{
	const struct ynode *actions = ymap_get(j->root, "actions");
	struct diags d;
	diags_init(&d);
	struct block *blocks = NULL;
	size_t n = 0;
	for (size_t i = 0; actions && actions->kind == YN_SEQ && i < actions->n;
	     i++) {
		const struct ynode *item = actions->items[i];
		if (item->kind != YN_MAP || item->n != 1)
			continue;
		blocks = xreallocarray(blocks, n + 1, sizeof *blocks);
		if (block_classify(item->keys[0]->str, item->vals[0],
		                   &blocks[n], &d) == 0)
			n++;
		if (ynode_is_str(item->keys[0], "boot"))
			check_boot_command(j, item->vals[0], &d);
		if (item->keys[0]->kind == YN_STR)
			check_local_files(j, item->keys[0]->str, item->vals[0],
			                  i, &d);
		if (ynode_is_str(item->keys[0], "test") &&
		    check_test_urls(j, item->vals[0], &d) < 0)
			break;
	}
	*out = blocks;
	*nout = n;
	if (diags_errors(&d) == 0) {
		diags_free(&d);
		return 0;
	}
	for (size_t i = 0; i < d.n; i++) {
		const char *key = d.v[i].path, *sep = *key ? ": " : "";
		char *msg = d.v[i].line
		                ? xasprintf("%s:%d: %s%s%s", j->job_file,
		                            d.v[i].line, key, sep, d.v[i].msg)
		                : xstrdup(d.v[i].msg);
		if (!j->failed)
			job_fail(j, d.v[i].cls, "%s", msg);
		else
			job_logf(j, "error", "%s", msg);
		free(msg);
	}
	diags_free(&d);
	return -1;
}

int
job_run(struct job *j)
{
	j->start_ns = mux_now();
	long long job_secs = 0;
	const struct ynode *jt = ymap_get(ymap_get(j->root, "timeouts"), "job");
	if (jt == NULL || timeout_parse(jt, &job_secs) < 0)
		job_secs = 24 * 3600;
	j->deadline_ns = timeout_after(j->start_ns, job_secs);

	job_logf(j, "info", "tether, a LAVA-compatible dispatcher");
	job_logf(j, "info", "start: 0 validate");
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	char when[64];
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S+00:00", &tm);
	job_logf(j, "info", "Start time: %s (UTC)", when);
	struct block *blocks;
	size_t nblocks;
	int vrc = job_blocks(j, &blocks, &nblocks);
	job_logf(j, "info", "validate duration: %.2f",
	         (double)(mux_now() - j->start_ns) / 1e9);
	results_add(&j->results,
	            result_plain("lava", "validate", vrc == 0 ? "pass" : "fail"));

	for (size_t i = 0; vrc == 0 && i < nblocks; i++) {
		if (job_canceled(j))
			break;
		if (mux_now() >= j->deadline_ns) {
			job_fail(j, ERR_JOB, "job timed out after %lld seconds",
			         job_secs);
			break;
		}
		int rc = block_run(j, &blocks[i]);
		if (rc == 0)
			continue;
		const struct ynode *bt = ymap_get(blocks[i].params, "timeout");
		bool skip = ynode_truthy(ymap_get(bt, "skip"));
		if (!j->canceled && j->err_cls == ERR_TIMEOUT && skip) {
			job_logf(j, "warning", TIMEOUT_SKIP_FMT,
			         blocks[i].name);
			job_clear_error(j);
			continue;
		}
		break;
	}
	free(blocks);
	if (j->failed && j->err_cls == ERR_TIMEOUT)
		j->err_cls = ERR_TEST;
	finalize_run(j);

	if (j->failed)
		job_logf(j, "error", "%s", err_help(j->err_cls));
	else
		job_logf(j, "info", "Job finished correctly");
	results_finish(&j->results,
	               result_job(!j->failed, j->err_msg,
	                          j->failed ? result_error_type(j->err_cls)
	                                    : NULL));
	return j->failed ? 1 : 0;
}

void
job_free(struct job *j)
{
	if (j->httpd)
		httpd_stop(j->httpd);
	for (size_t i = 0; i < j->nconns; i++) {
		conn_close(j->conns[i]);
		free(j->conns[i]);
	}
	free(j->conns);
	for (size_t i = 0; i < j->nopened; i++)
		free(j->opened[i]);
	free(j->opened);
	for (size_t i = 0; i < j->nns; i++) {
		struct job_ns *ns = &j->ns[i];
		free(ns->name);
		for (size_t k = 0; k < ns->nprompts; k++)
			free(ns->prompts[k]);
		free(ns->prompts);
		free(ns->overlay_tgz);
		if (ns->has_layout)
			overlay_layout_free(&ns->layout);
	}
	free(j->ns);
	if (j->workdir) {
		rm_rf(j->workdir);
		free(j->workdir);
	}
	free(j->err_msg);
	results_close(&j->results);
	joblog_close(&j->log);
	mux_free(j->mux);
	ydoc_free(j->doc);
	memset(j, 0, sizeof *j);
}
