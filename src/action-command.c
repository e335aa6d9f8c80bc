/* action-command.c: the job's `command:` blocks: the device's
 * commands.users.NAME.do run on the worker, and their undo when the job
 * cleans up. */
#include <stdlib.h>

#include "action-command.h"
#include "host.h"
#include "job.h"

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
		return job_fail(
		    j, ERR_JOB,
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
		a.deadline_ns = a.start_ns + (uint64_t)TIMEOUT_DEFAULT_SECONDS *
		                                 1000000000ULL;
		if (host_command(&a, undo, a.deadline_ns) < 0) {
			/* Reported, not fatal: the cleanup goes on. */
			job_logf(j, "error", "%s", j->err_msg);
		}
	}
	free(j->undo);
	j->undo = NULL;
}
