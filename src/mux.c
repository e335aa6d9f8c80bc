/* mux.c: one ppoll loop for every descriptor and timer of a job. */
#include "mux.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

struct mux_fd {
	int fd;
	short events;
	mux_fd_cb cb;
	void *arg;
	bool removed;
};

struct mux_timer {
	uint64_t id, when;
	mux_timer_cb cb;
	void *arg;
};

struct mux {
	struct mux_fd *fds;
	size_t nfds, fds_cap;
	struct mux_timer *timers; /* unsorted: a job has a handful */
	size_t ntimers, timers_cap;
	uint64_t next_timer_id;
	struct pollfd *pfds;
	size_t pfds_cap;
	sigset_t sigmask;
	bool has_sigmask;
};

uint64_t
mux_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t
mux_wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

struct mux *
mux_new(void)
{
	struct mux *mux = xcalloc(1, sizeof *mux);
	mux->next_timer_id = 1;
	return mux;
}

void
mux_set_sigmask(struct mux *mux, const sigset_t *mask)
{
	mux->sigmask = *mask;
	mux->has_sigmask = true;
}

void
mux_catch_stop(struct mux *mux, void (*handler)(int), sigset_t *saved)
{
	struct sigaction sa = {.sa_handler = handler};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigset_t stop, waiting;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, saved);
	waiting = *saved;
	sigdelset(&waiting, SIGINT);
	sigdelset(&waiting, SIGTERM);
	mux_set_sigmask(mux, &waiting);
}

void
mux_release_stop(const sigset_t *saved)
{
	sigprocmask(SIG_SETMASK, saved, NULL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
}

void
mux_free(struct mux *mux)
{
	if (mux == NULL)
		return;
	free(mux->fds);
	free(mux->timers);
	free(mux->pfds);
	free(mux);
}

static struct mux_fd *
mux_find_fd(struct mux *mux, int fd)
{
	for (size_t i = 0; i < mux->nfds; i++)
		if (mux->fds[i].fd == fd && !mux->fds[i].removed)
			return &mux->fds[i];
	return NULL;
}

void
mux_add_fd(struct mux *mux, int fd, short events, mux_fd_cb cb, void *arg)
{
	if (mux->nfds == mux->fds_cap) {
		mux->fds_cap = mux->fds_cap ? mux->fds_cap * 2 : 8;
		mux->fds = xreallocarray(mux->fds, mux->fds_cap,
					 sizeof *mux->fds);
	}
	mux->fds[mux->nfds++] = (struct mux_fd){fd, events, cb, arg, false};
}

void
mux_set_events(struct mux *mux, int fd, short events)
{
	struct mux_fd *f = mux_find_fd(mux, fd);
	if (f)
		f->events = events;
}

void
mux_remove_fd(struct mux *mux, int fd)
{
	/* Only marked: a callback may remove descriptors while the loop
	 * walks the array; compaction happens between polls. */
	struct mux_fd *f = mux_find_fd(mux, fd);
	if (f)
		f->removed = true;
}

uint64_t
mux_add_timer(struct mux *mux, uint64_t when_ns, mux_timer_cb cb, void *arg)
{
	if (mux->ntimers == mux->timers_cap) {
		mux->timers_cap = mux->timers_cap ? mux->timers_cap * 2 : 8;
		mux->timers = xreallocarray(mux->timers, mux->timers_cap,
					    sizeof *mux->timers);
	}
	uint64_t id = mux->next_timer_id++;
	mux->timers[mux->ntimers++] = (struct mux_timer){id, when_ns, cb, arg};
	return id;
}

void
mux_cancel_timer(struct mux *mux, uint64_t id)
{
	for (size_t i = 0; i < mux->ntimers; i++)
		if (mux->timers[i].id == id) {
			mux->timers[i] = mux->timers[--mux->ntimers];
			return;
		}
}

static void
mux_compact(struct mux *mux)
{
	size_t out = 0;
	for (size_t i = 0; i < mux->nfds; i++)
		if (!mux->fds[i].removed)
			mux->fds[out++] = mux->fds[i];
	mux->nfds = out;
}

/* Runs due timers; returns true if any ran. */
static bool
mux_run_timers(struct mux *mux)
{
	bool ran = false;
	uint64_t now = mux_now();
	for (size_t i = 0; i < mux->ntimers;) {
		if (mux->timers[i].when > now) {
			i++;
			continue;
		}
		struct mux_timer t = mux->timers[i];
		mux->timers[i] = mux->timers[--mux->ntimers];
		t.cb(t.arg);
		ran = true;
		i = 0; /* the callback may have changed the array */
	}
	return ran;
}

/* One round: poll until something happens or UNTIL (0: none) passes. */
static int
mux_run_once(struct mux *mux, uint64_t until)
{
	mux_compact(mux);
	uint64_t wake = until;
	for (size_t i = 0; i < mux->ntimers; i++)
		if (wake == 0 || mux->timers[i].when < wake)
			wake = mux->timers[i].when;
	if (mux->pfds_cap < mux->nfds) {
		mux->pfds_cap = mux->nfds;
		mux->pfds = xreallocarray(mux->pfds, mux->pfds_cap,
					  sizeof *mux->pfds);
	}
	size_t n = mux->nfds;
	for (size_t i = 0; i < n; i++) {
		mux->pfds[i].fd = mux->fds[i].fd;
		mux->pfds[i].events = mux->fds[i].events;
		mux->pfds[i].revents = 0;
	}
	struct timespec ts, *tsp = NULL;
	if (wake) {
		uint64_t now = mux_now();
		uint64_t d = wake > now ? wake - now : 0;
		ts.tv_sec = (time_t)(d / 1000000000ULL);
		ts.tv_nsec = (long)(d % 1000000000ULL);
		tsp = &ts;
	}
	int rc = ppoll(mux->pfds, n, tsp, mux->has_sigmask ? &mux->sigmask : NULL);
	if (rc < 0 && errno != EINTR)
		return -1;
	for (size_t i = 0; rc > 0 && i < n; i++) {
		if (mux->pfds[i].revents == 0)
			continue;
		/* Look the descriptor up again: an earlier callback may have
		 * removed it. */
		struct mux_fd *f = mux_find_fd(mux, mux->pfds[i].fd);
		if (f)
			f->cb(f->fd, mux->pfds[i].revents, f->arg);
	}
	mux_run_timers(mux);
	return 0;
}

int
mux_wait(struct mux *mux, bool (*done)(void *arg), void *arg,
	 uint64_t deadline_ns)
{
	for (;;) {
		if (done && done(arg))
			return 0;
		if (deadline_ns && mux_now() >= deadline_ns)
			return -1;
		if (mux_run_once(mux, deadline_ns) < 0)
			return -1;
	}
}
