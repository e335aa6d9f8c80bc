/* host.h: commands run on the worker (power control, the device's user
 * commands, ssh), inside the job's event loop. */
#ifndef TETHER_HOST_H
#define TETHER_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "yaml.h"

struct action;

#include "util.h"

/* Runs CMD with /bin/sh -c in a process group of its own, inside the
 * job's mux (every connection is still read meanwhile); its output is
 * logged as debug lines and, when OUT is not NULL, kept there (without
 * the last newline).  Returns its exit code (128 + signal), or -1 after a
 * timeout (A's) or, when CANCELABLE, a cancel (job_fail done). */
int host_run(struct action *a, const char *cmd, uint64_t deadline,
             bool cancelable, struct buf *out);
/* Runs CMD with /bin/sh -c, its output logged as debug lines.  A non-zero
 * exit is an InfrastructureError naming the command; passing DEADLINE
 * is A's timeout.  Returns 0 or -1 (job_fail done). */
int host_command(struct action *a, const char *cmd, uint64_t deadline);
/* CMDS: a string or a list of strings (a power command); NULL is 0. */
int host_commands(struct action *a, const struct ynode *cmds);

#endif
