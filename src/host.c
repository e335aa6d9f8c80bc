/* host.c: commands run on the worker itself for a job: power control
 * (power-on, hard reset, power-off), the device's user commands, ssh and
 * scp.  They run as children of the mux, so every connection is still
 * read and logged while a power switch takes its time, and their output
 * goes to the job log line by line. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "job.h"
#include "proc.h"

/* The output of a command: debug lines in the job log, and kept for the
 * caller when it wants it. */
struct runner {
	struct job *j;
	bool cancelable; /* a cancel stops it (not the end-of-job cleanup) */
	bool keep;       /* the caller wants the output */
	struct buf out, line;
};

static void
runner_line(struct runner *r)
{
	if (r->line.len)
		joblog_record(&r->j->log, "debug", r->line.data, r->line.len,
		              NULL);
	buf_reset(&r->line);
}

static void
runner_output(void *arg, const char *data, size_t n)
{
	struct runner *r = arg;
	if (r->keep)
		buf_add(&r->out, data, n);
	for (size_t i = 0; i < n; i++) {
		if (data[i] == '\n')
			runner_line(r);
		else if (data[i] != '\r')
			buf_addc(&r->line, data[i]);
	}
}

static bool
runner_stop(void *arg)
{
	struct runner *r = arg;
	return r->cancelable && r->j->cancel && *r->j->cancel;
}

/* Runs CMD with /bin/sh -c inside the mux (every connection is still
 * read meanwhile); its output is logged as debug lines and kept in OUT
 * (without the last newline).  Returns its exit code (128 + signal), or
 * -1 after a timeout or, when CANCELABLE, a cancel (job_fail done). */
int
host_run(struct action *a, const char *cmd, uint64_t deadline, bool cancelable,
          struct buf *out)
{
	struct job *j = a->job;
	job_logf(j, "debug", "Calling: '%s'", cmd);
	/* The device's command, the lab admin's words: a shell runs it. */
	char *const argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
	struct runner r = {.j = j, .cancelable = cancelable,
	                   .keep = out != NULL};
	buf_init(&r.out);
	buf_init(&r.line);
	struct proc_req req = {
	    .argv = argv,
	    .mux = j->mux,
	    .deadline_ns = deadline,
	    .stop = runner_stop,
	    .output = runner_output,
	    .arg = &r,
	};
	int status;
	enum proc_end end = proc_run(&req, &status);
	runner_line(&r);
	buf_free(&r.line);
	while (r.out.len && (r.out.data[r.out.len - 1] == '\n' ||
	                     r.out.data[r.out.len - 1] == '\r'))
		r.out.len--;
	if (out) {
		buf_add(out, r.out.data ? r.out.data : "", r.out.len);
		buf_addc(out, '\0');
		out->len--;
	}
	buf_free(&r.out);
	switch (end) {
	case PROC_EXITED:
		return status;
	case PROC_NOSTART:
		return job_fail(j, ERR_INFRASTRUCTURE, "%s: cannot run '%s': %s",
		                a->name, cmd, strerror(errno));
	case PROC_STOPPED:
		if (job_canceled(j))
			return -1;
		/* fall through */
	case PROC_TIMEOUT:
		break;
	}
	return action_timed_out(a);
}

int
host_command(struct action *a, const char *cmd, uint64_t deadline)
{
	int code = host_run(a, cmd, deadline, true, NULL);
	if (code <= 0)
		return code;
	return job_fail(a->job, ERR_INFRASTRUCTURE,
	                "%s command failed: '%s' (exit code %d)", a->name, cmd,
	                code);
}

int
host_commands(struct action *a, const struct ynode *cmds)
{
	if (cmds == NULL)
		return 0;
	size_t n = cmds->kind == YN_SEQ ? cmds->n : 1;
	for (size_t i = 0; i < n; i++) {
		const struct ynode *c =
			cmds->kind == YN_SEQ ? cmds->items[i] : cmds;
		if (c->kind != YN_STR)
			continue;
		if (host_command(a, c->str, a->deadline_ns) < 0)
			return -1;
	}
	return 0;
}

