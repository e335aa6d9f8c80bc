/* actions.h: the top-level actions tether runs, as the one table job.c
 * reads: which job block each is (deploy with its to:, boot with its
 * method:, test, command), its LAVA name and the function that runs it;
 * and the hooks every job runs in its finalize and after it (the ssh
 * device's cleanup, the user commands' undo).  An action a later issue
 * brings (MultiNode, LXC, u-boot, VM groups) is a file of its own and a
 * row here: job.c does not change, and job.c and action-*.c do not
 * include each other. */
#ifndef TETHER_ACTIONS_H
#define TETHER_ACTIONS_H

struct job;
struct action;
struct ynode;

struct action_kind {
	const char *block; /* "deploy", "boot", "test", "command" */
	/* The block's parameter that picks the action ("to", "method"),
	 * with VALUE its value; with VALUE NULL, the parameter must only
	 * be there (a test block's "definitions"); FIELD NULL: any block
	 * of BLOCK. */
	const char *field, *value;
	const char *name; /* the top-level action: "lava-overlay" */
	int (*run)(struct job *j, struct action *top);
};

/* The action a job block (BLOCK: its key, PARAMS: its map) runs, or
 * NULL when tether does not run it. */
const struct action_kind *action_kind_of(const char *block,
                                         const struct ynode *params);

/* What every job runs at its end, whatever happened, in table order. */
struct job_hook {
	/* Inside the finalize action, after read-feedback (may be NULL). */
	void (*finalize)(struct job *j, struct action *fin);
	/* After finalize, as LAVA's job cleanup (may be NULL). */
	void (*cleanup)(struct job *j);
};
extern const struct job_hook job_hooks[];
extern const unsigned njob_hooks;

#endif
