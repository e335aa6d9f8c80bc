/* mux.h: the one place a job waits.  A ppoll loop over every open
 * connection, child and timer of the job (OpenSSH's channel loop in
 * miniature), so that every connection is read all the time, whichever
 * action is waiting, and action code stays plain sequential C. */
#ifndef TETHER_MUX_H
#define TETHER_MUX_H

#include <stdbool.h>
#include <signal.h>
#include <stdint.h>

struct mux;

/* Called when FD is ready; EVENTS are poll(2) revents. */
typedef void (*mux_fd_cb)(int fd, short events, void *arg);
/* Called once when a timer is due. */
typedef void (*mux_timer_cb)(void *arg);

struct mux *mux_new(void);
void mux_free(struct mux *mux);
/* The signal mask while the loop waits (ppoll's): signals the caller
 * keeps blocked elsewhere are delivered only there, so one that arrives
 * between the check of a wait's end and the wait itself still wakes it. */
void mux_set_sigmask(struct mux *mux, const sigset_t *mask);
/* SIGINT and SIGTERM call HANDLER, delivered only while MUX waits
 * (blocked elsewhere, mux_set_sigmask): a stop asked just before a wait
 * begins still ends it.  SIGPIPE is ignored.  *SAVED receives the signal
 * mask to give back to mux_release_stop().  Children get the signals
 * back (proc.h). */
void mux_catch_stop(struct mux *mux, void (*handler)(int), sigset_t *saved);
/* Undoes mux_catch_stop: SAVED's mask, SIGINT and SIGTERM as default. */
void mux_release_stop(const sigset_t *saved);

/* Watches FD for EVENTS (POLLIN, POLLOUT) until removed. */
void mux_add_fd(struct mux *mux, int fd, short events, mux_fd_cb cb,
		void *arg);
void mux_set_events(struct mux *mux, int fd, short events);
void mux_remove_fd(struct mux *mux, int fd);

/* A timer at an absolute monotonic time (ns); returns its id. */
uint64_t mux_add_timer(struct mux *mux, uint64_t when_ns, mux_timer_cb cb,
		       void *arg);
void mux_cancel_timer(struct mux *mux, uint64_t id);

/* Runs the loop until DONE(ARG) is true (checked after every event) or
 * DEADLINE_NS (absolute, monotonic; 0 for none) passes.  Returns 0 when
 * done, -1 on the deadline. */
int mux_wait(struct mux *mux, bool (*done)(void *arg), void *arg,
	     uint64_t deadline_ns);

/* Monotonic and wall clocks in ns. */
uint64_t mux_now(void);
uint64_t mux_wall_now(void);

#endif
