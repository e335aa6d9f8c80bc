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

struct hostcmd {
	struct job *j;
	int fd;
	pid_t pid;
	bool eof, exited;
	int status;
	struct buf line;
};

static void
hostcmd_log_line(struct hostcmd *h)
{
	if (h->line.len == 0)
		return;
	joblog_record(&h->j->log, "debug", h->line.data, h->line.len, NULL);
	buf_reset(&h->line);
}

static void
hostcmd_read(int fd, short events, void *arg)
{
	struct hostcmd *h = arg;
	char chunk[4096];
	(void)events;
	ssize_t n = read(fd, chunk, sizeof chunk);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		hostcmd_log_line(h);
		mux_remove_fd(h->j->mux, fd);
		h->eof = true;
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (chunk[i] == '\n')
			hostcmd_log_line(h);
		else if (chunk[i] != '\r')
			buf_addc(&h->line, chunk[i]);
	}
}

static bool
hostcmd_done(void *arg)
{
	struct hostcmd *h = arg;
	if (!h->exited && waitpid(h->pid, &h->status, WNOHANG) == h->pid)
		h->exited = true;
	if (h->j->cancel && *h->j->cancel)
		return true;
	return h->eof && h->exited;
}

static void
hostcmd_tick(void *arg)
{
	(void)arg; /* wakes the loop to reap the child */
}

int
host_command(struct action *a, const char *cmd, uint64_t deadline)
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
	struct hostcmd h = {.j = j, .fd = p[0], .pid = pid};
	buf_init(&h.line);
	mux_add_fd(j->mux, p[0], POLLIN, hostcmd_read, &h);
	int rc = 0;
	for (;;) {
		/* A child's exit has no descriptor here: look every 20 ms. */
		uint64_t tick = mux_now() + 20 * 1000 * 1000;
		uint64_t t = mux_add_timer(j->mux, tick < deadline ? tick
		                                                   : deadline,
		                           hostcmd_tick, NULL);
		int w = mux_wait(j->mux, hostcmd_done, &h,
		                 tick < deadline ? tick : deadline);
		mux_cancel_timer(j->mux, t);
		if (w == 0)
			break;
		if (mux_now() >= deadline)
			break;
	}
	if (!h.eof)
		mux_remove_fd(j->mux, p[0]);
	close(p[0]);
	if (!h.exited) {
		kill(-pid, SIGKILL);
		waitpid(pid, &h.status, 0);
		hostcmd_log_line(&h);
		buf_free(&h.line);
		if (job_canceled(j))
			return -1;
		return action_timed_out(a);
	}
	/* The rest of the group (a daemon left behind) goes too. */
	kill(-pid, SIGKILL);
	hostcmd_log_line(&h);
	buf_free(&h.line);
	if (!WIFEXITED(h.status) || WEXITSTATUS(h.status) != 0) {
		int code = WIFEXITED(h.status) ? WEXITSTATUS(h.status)
		                               : 128 + WTERMSIG(h.status);
		rc = job_fail(j, ERR_INFRASTRUCTURE,
		              "%s command failed: '%s' (exit code %d)", a->name,
		              cmd, code);
	}
	return rc;
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
