/* shell.c: a real shell on a pty for each logged-in UART, relayed to
 * that UART.
 *
 * Each shell runs under a keeper process, so that nothing the shell
 * started outlives the board, however the board dies: the keeper is a
 * child subreaper that gets SIGTERM when the board exits (even by
 * SIGKILL, through PR_SET_PDEATHSIG), and then kills everything in the
 * shell's session and every orphan that was reparented to it.  A shell's
 * background jobs live in process groups of their own, so killing the
 * shell's process group alone would miss them. */
#include "sim.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Kills every process in session SID or whose parent is us; returns how
 * many were found. */
static int
kill_session(pid_t sid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t self = getpid();
	int found = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char path[64], stat[512];
		pid_t pid = (pid_t)atoi(e->d_name);
		if (pid <= 0 || pid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, stat, sizeof(stat) - 1);
		close(fd);
		if (n <= 0)
			continue;
		stat[n] = '\0';
		/* pid (comm) state ppid pgrp session: comm may hold
		 * anything, so parse from its closing parenthesis. */
		char *r = strrchr(stat, ')');
		int ppid, pgrp, session;
		char st;
		if (r == NULL || sscanf(r + 1, " %c %d %d %d", &st, &ppid,
		                        &pgrp, &session) != 4)
			continue;
		if (session == sid || ppid == self) {
			kill(pid, SIGKILL);
			found++;
		}
	}
	closedir(d);
	return found;
}

static void __attribute__((noreturn)) exec_shell(struct sim *s, int slave)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setsid();
	ioctl(slave, TIOCSCTTY, 0);
	dup2(slave, 0);
	dup2(slave, 1);
	dup2(slave, 2);
	if (slave > 2)
		close(slave);

	char *prompt = s->o.prompt
	                   ? xstrdup(s->o.prompt)
	                   : xasprintf("%s@%s:~# ", s->o.user, s->o.hostname);
	clearenv();
	setenv("PATH",
	       "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
	       "/sbin:/bin",
	       1);
	const char *home = s->o.home ? s->o.home : "/root";
	setenv("HOME", home, 1);
	setenv("TERM", "vt102", 1);
	setenv("USER", s->o.user, 1);
	setenv("LOGNAME", s->o.user, 1);
	setenv("SHELL", s->o.shell, 1);
	setenv("PS1", prompt, 1);
	if (s->o.chroot && (chroot(s->o.chroot) < 0 || chdir("/") < 0)) {
		fprintf(stderr, "-sh: chroot %s: %s\r\n", s->o.chroot,
		        strerror(errno));
		_exit(126);
	}
	/* The login directory; / when it cannot be entered, as login does. */
	if (chdir(home) < 0 && chdir("/") < 0)
		_exit(126);
	execl(s->o.shell, s->o.shell, "-i", (char *)NULL);
	fprintf(stderr, "-sh: %s: %s\r\n", s->o.shell, strerror(errno));
	_exit(127);
}

static void __attribute__((noreturn)) keeper(struct sim *s, int slave)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* Out of the board's process group, so that a SIGKILL to that
	 * group (how tether closes a connection) leaves the keeper alive
	 * to clean up; its PDEATHSIG tells it to. */
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != s->self)
		_exit(0); /* the board died before we could ask */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	pid_t sh = fork();
	if (sh < 0)
		_exit(1);
	if (sh == 0)
		exec_shell(s, slave);
	/* Only the shell's side holds the pty now, so the board reads EIO
	 * as soon as the shell and its jobs are gone. */
	int null = open("/dev/null", O_RDWR);
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	close(slave);

	for (;;) {
		int sig = sigwaitinfo(&set, NULL);
		if (sig == SIGCHLD) {
			pid_t p;
			bool done = false;
			while ((p = waitpid(-1, NULL, WNOHANG)) > 0)
				if (p == sh)
					done = true;
			if (done)
				break;
		} else if (sig > 0) {
			break;
		}
	}
	/* Kill and reap until no child is left; new forks can race the
	 * scan, so go round again. */
	for (int round = 0; round < 200; round++) {
		kill_session(sh);
		pid_t p;
		while ((p = waitpid(-1, NULL, WNOHANG)) > 0)
			;
		if (p < 0 && errno == ECHILD)
			break;
		struct timespec ts = {0, 5 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	_exit(0);
}

int
shell_start(struct sim *s, struct link *l)
{
	int master, slave;
	struct winsize ws = {.ws_row = 24, .ws_col = 80};

	if (openpty(&master, &slave, NULL, NULL, &ws) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(master);
		close(slave);
		return -1;
	}
	if (pid == 0) {
		close(master);
		keeper(s, slave);
	}
	close(slave);
	fcntl(master, F_SETFD, FD_CLOEXEC);
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	l->sh.pid = pid;
	l->sh.fd = master;
	buf_reset(&l->sh.in);
	return 0;
}

void
shell_stop(struct shell *sh)
{
	if (sh->pid > 0)
		kill(sh->pid, SIGTERM);
	sh->pid = 0; /* reaped by the board's SIGCHLD loop */
	if (sh->fd >= 0)
		close(sh->fd);
	sh->fd = -1;
	buf_reset(&sh->in);
}

/* Typed bytes go to the pty as room allows; what does not fit waits. */
void
shell_send(struct link *l, const void *p, size_t n)
{
	if (l->sh.fd < 0)
		return;
	buf_add(&l->sh.in, p, n);
	shell_flush(l);
}

void
shell_flush(struct link *l)
{
	size_t off = 0;
	while (off < l->sh.in.len) {
		ssize_t w =
		    write(l->sh.fd, l->sh.in.data + off, l->sh.in.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (off == l->sh.in.len) {
		buf_reset(&l->sh.in);
	} else if (off > 0) {
		memmove(l->sh.in.data, l->sh.in.data + off, l->sh.in.len - off);
		l->sh.in.len -= off;
	}
}

void
shell_read(struct sim *s, struct link *l)
{
	char out[4096];
	ssize_t n = read(l->sh.fd, out, sizeof(out));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0) {
		uart_write(s, l, out, (size_t)n);
		return;
	}
	/* EIO: the shell and everything it started are gone; init
	 * respawns the getty. */
	shell_stop(&l->sh);
	if (s->b.state == BOARD_UP && uart_connected(l))
		login_start(s, l, true);
}

void
shell_reaped(struct sim *s, pid_t pid)
{
	for (int i = 0; i < SIM_UARTS; i++)
		if (s->link[i].sh.pid == pid)
			s->link[i].sh.pid = 0;
}
