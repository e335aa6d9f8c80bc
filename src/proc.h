/* proc.h: a program run on the worker for a job (git, a power command, a
 * user command, ssh), as a child of the job's mux.  What runs is an argv,
 * never a shell unless the caller's argv names one (an admin's command);
 * it gets a process group of its own (set by parent and child alike, so
 * no kill can miss it), stdin /dev/null and no descriptor of the job;
 * its output (stdout and stderr) is handed over as it arrives, and its
 * end is seen through a pidfd.  At the deadline, or when asked to stop,
 * the whole group is killed and the child reaped: nothing it started
 * outlives the wait. */
#ifndef TETHER_PROC_H
#define TETHER_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mux;

struct proc_req {
	char *const *argv; /* argv[0] searched in $PATH */
	char *const *envp; /* NULL: tether's own environment */
	struct mux *mux;
	uint64_t deadline_ns; /* absolute, monotonic; 0: none */
	/* Polled after every event of the mux: true ends the wait. */
	bool (*stop)(void *arg);
	/* Bytes the program wrote, as they arrive (may be NULL). */
	void (*output)(void *arg, const char *data, size_t len);
	void *arg;
};

enum proc_end {
	PROC_EXITED,  /* *STATUS: its exit code, or 128 + the signal */
	PROC_TIMEOUT, /* the deadline passed */
	PROC_STOPPED, /* stop() said so */
	PROC_NOSTART, /* no pipe or no fork: errno says why */
};

/* Runs REQ->argv to its end, the mux running meanwhile. */
enum proc_end proc_run(const struct proc_req *req, int *status);

/* In a child, between fork and exec: the signal mask and the handlers
 * tether changed put back as a program expects them. */
void proc_child_signals(void);

#endif
