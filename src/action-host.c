/* action-host.c: commands run on the dispatcher itself: power control
 * (power-on, hard reset, power-off) and the job's `command:` blocks (the
 * device's commands.users).  They run as children of the mux, so every
 * connection is still read and logged while a power switch takes its
 * time, and their output goes to the job log line by line. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "action-host.h"
#include "job.h"

struct runner {
	struct job *j;
	pid_t pid;
	bool eof, exited;
	bool cancelable; /* a cancel stops it (not the end-of-job cleanup) */
	bool keep;       /* the caller wants the output */
	int status;
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
runner_read(int fd, short events, void *arg)
{
	struct runner *r = arg;
	char chunk[4096];
	(void)events;
	ssize_t n = read(fd, chunk, sizeof chunk);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		runner_line(r);
		mux_remove_fd(r->j->mux, fd);
		r->eof = true;
		return;
	}
	if (r->keep)
		buf_add(&r->out, chunk, (size_t)n);
	for (ssize_t i = 0; i < n; i++) {
		if (chunk[i] == '\n')
			runner_line(r);
		else if (chunk[i] != '\r')
			buf_addc(&r->line, chunk[i]);
	}
}

static bool
runner_done(void *arg)
{
	struct runner *r = arg;
	if (!r->exited && waitpid(r->pid, &r->status, WNOHANG) == r->pid)
		r->exited = true;
	if (r->cancelable && r->j->cancel && *r->j->cancel)
		return true;
	return r->eof && r->exited;
}

static void
runner_tick(void *arg)
{
	(void)arg; /* wakes the loop to reap the child */
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
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return job_fail(j, ERR_INFRASTRUCTURE, "%s: pipe: %s", a->name,
		                strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return job_fail(j, ERR_INFRASTRUCTURE, "%s: fork: %s", a->name,
		                strerror(errno));
	}
	if (pid == 0) {
		setpgid(0, 0);
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	struct runner r = {.j = j, .pid = pid, .cancelable = cancelable,
	                   .keep = out != NULL};
	buf_init(&r.out);
	buf_init(&r.line);
	mux_add_fd(j->mux, p[0], POLLIN, runner_read, &r);
	for (;;) {
		uint64_t tick = mux_now() + 20 * 1000 * 1000;
		uint64_t until = tick < deadline ? tick : deadline;
		uint64_t t = mux_add_timer(j->mux, until, runner_tick, NULL);
		int w = mux_wait(j->mux, runner_done, &r, until);
		mux_cancel_timer(j->mux, t);
		if (w == 0 || mux_now() >= deadline)
			break;
	}
	if (!r.eof)
		mux_remove_fd(j->mux, p[0]);
	close(p[0]);
	kill(-pid, SIGKILL);
	if (!r.exited)
		waitpid(pid, &r.status, 0);
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
	if (!r.exited) {
		if (cancelable && job_canceled(j))
			return -1;
		return action_timed_out(a);
	}
	return WIFEXITED(r.status) ? WEXITSTATUS(r.status)
	                           : 128 + WTERMSIG(r.status);
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

/* command: {name: NAME}: the device's commands.users.NAME.do, and its
 * undo at the end of the job is left to the lab (LAVA runs it in the
 * cleanup; tether does too, see job.c). */
int
command_run(struct job *j, struct action *top)
{
	const struct ynode *name = ymap_get(top->params, "name");
	const struct ynode *users =
		j->dev ? ymap_get(ymap_get(j->dev->root, "commands"), "users")
		       : NULL;
	const struct ynode *cmd =
		name && name->kind == YN_STR ? ymap_get(users, name->str) : NULL;
	if (cmd == NULL)
		return job_fail(j, ERR_JOB,
		                "Unknown user command '%s' (not in the device's "
		                "commands.users)",
		                name && name->kind == YN_STR ? name->str : "?");
	const struct ynode *doit = ymap_get(cmd, "do");
	if (doit == NULL || doit->kind != YN_STR)
		return job_fail(j, ERR_CONFIGURATION,
		                "commands.users.%s.do: missing", name->str);
	int rc = host_command(top, doit->str, top->deadline_ns);
	/* Its undo runs when the job cleans up, whatever happens next. */
	const struct ynode *undo = ymap_get(cmd, "undo");
	if (undo && undo->kind == YN_STR) {
		j->undo = xreallocarray(j->undo, j->nundo + 1, sizeof *j->undo);
		j->undo[j->nundo++] = undo->str;
	}
	return rc;
}

void
command_undo_all(struct job *j)
{
	/* In reverse: the last command done is the first undone. */
	while (j->nundo > 0) {
		const char *undo = j->undo[--j->nundo];
		struct action a = {
			.job = j,
			.name = "user-command",
			.ns = "common",
			.start_ns = mux_now(),
		};
		a.deadline_ns = a.start_ns +
		                (uint64_t)TIMEOUT_DEFAULT_SECONDS * 1000000000ULL;
		if (host_command(&a, undo, a.deadline_ns) < 0) {
			/* Reported, not fatal: the cleanup goes on. */
			job_logf(j, "error", "%s", j->err_msg);
		}
	}
	free(j->undo);
	j->undo = NULL;
}
