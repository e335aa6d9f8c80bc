/* proc.c: a program run as a child of the job's mux (proc.h). */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mux.h"

/* Without a pidfd (an old kernel), the end is looked for this often. */
#define PROC_TICK_NS (50ULL * 1000 * 1000)

struct proc {
	const struct proc_req *req;
	pid_t pid;
	int out, pidfd;
	bool exited, eof;
	bool late;     /* ended a while ago: its output no longer awaited */
	uint64_t tick; /* the timer of the polling or of the grace */
	bool tick_set;
};

void
proc_child_signals(void)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
}

/* One read: the bytes read, 0 at the end of the output, -1 when there
 * is nothing to read now. */
static ssize_t
proc_take(struct proc *p)
{
	char chunk[4096];
	ssize_t n = read(p->out, chunk, sizeof chunk);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return -1;
	if (n <= 0)
		return 0;
	if (p->req->output)
		p->req->output(p->req->arg, chunk, (size_t)n);
	return n;
}

static void
proc_on_output(int fd, short events, void *arg)
{
	struct proc *p = arg;
	(void)events;
	if (proc_take(p) == 0) {
		mux_remove_fd(p->req->mux, fd);
		p->eof = true;
	}
}

static void proc_on_tick(void *arg);

/* Whether the child ended, without reaping it: until it is reaped its
 * pid cannot name another process group, so killing the group stays
 * safe. */
static bool
proc_ended(struct proc *p)
{
	siginfo_t si;
	si.si_pid = 0;
	if (!p->exited &&
	    waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) ==
	        0 &&
	    si.si_pid == p->pid)
		p->exited = true;
	return p->exited;
}

/* Something it left behind may hold its output open: once it ended,
 * what is in flight gets a moment, no more. */
static void
proc_grace(struct proc *p)
{
	if (p->tick_set)
		mux_cancel_timer(p->req->mux, p->tick);
	p->tick = mux_add_timer(p->req->mux, mux_now() + PROC_TICK_NS,
	                        proc_on_tick, p);
	p->tick_set = true;
}

static void
proc_on_pidfd(int fd, short events, void *arg)
{
	struct proc *p = arg;
	(void)events;
	if (proc_ended(p)) {
		mux_remove_fd(p->req->mux, fd);
		proc_grace(p);
	}
}

static void
proc_on_tick(void *arg)
{
	struct proc *p = arg;
	p->tick_set = false;
	if (p->exited) {
		p->late = true;
		return;
	}
	if (proc_ended(p)) {
		proc_grace(p);
	} else {
		p->tick = mux_add_timer(p->req->mux, mux_now() + PROC_TICK_NS,
		                        proc_on_tick, p);
		p->tick_set = true;
	}
}

static bool
proc_stop(const struct proc *p)
{
	return p->req->stop && p->req->stop(p->req->arg);
}

/* Done once it ended and its output was read to the end, or when asked
 * to stop. */
static bool
proc_done(void *arg)
{
	struct proc *p = arg;
	return (p->exited && (p->eof || p->late)) || proc_stop(p);
}

enum proc_end
proc_run(const struct proc_req *req, int *status)
{
	int fds[2];
	*status = -1;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return PROC_NOSTART;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		errno = e;
		return PROC_NOSTART;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls: a resolver thread may hold
		 * the allocator's lock. */
		setpgid(0, 0);
		proc_child_signals();
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		/* No connection of the job is held open by the program. */
		close_range(3, ~0U, 0);
		extern char **environ;
		execvpe(req->argv[0], req->argv,
		        req->envp ? req->envp : environ);
		_exit(127);
	}
	/* Both sides: the group exists before any kill, whoever runs
	 * first. */
	setpgid(pid, pid);
	close(fds[1]);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	struct proc p = {.req = req, .pid = pid, .out = fds[0]};
	p.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	mux_add_fd(req->mux, p.out, POLLIN, proc_on_output, &p);
	if (p.pidfd >= 0)
		mux_add_fd(req->mux, p.pidfd, POLLIN, proc_on_pidfd, &p);
	else
		proc_on_tick(&p);
	mux_wait(req->mux, proc_done, &p, req->deadline_ns);
	if (p.tick_set)
		mux_cancel_timer(req->mux, p.tick);
	if (p.pidfd >= 0) {
		mux_remove_fd(req->mux, p.pidfd);
		close(p.pidfd);
	}
	if (!p.eof) {
		mux_remove_fd(req->mux, p.out);
		/* What it wrote before it ended is still in the pipe. */
		if (proc_ended(&p))
			while (proc_take(&p) > 0)
				;
	}
	close(p.out);
	bool ended = proc_ended(&p);
	bool stopped = !ended && proc_stop(&p);
	/* The whole group: what the program left behind, or the program
	 * itself at the deadline or on a stop. */
	kill(-pid, SIGKILL);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!ended)
		return stopped ? PROC_STOPPED : PROC_TIMEOUT;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return PROC_EXITED;
}
