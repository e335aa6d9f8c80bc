/* action-command.h: the job's `command:` blocks (the device's
 * commands.users). */
#ifndef TETHER_ACTION_COMMAND_H
#define TETHER_ACTION_COMMAND_H

struct job;
struct action;

/* command: {name: NAME}: the device's commands.users.NAME.do. */
int command_run(struct job *j, struct action *top);
/* Runs the undo of every user command run, last first (job cleanup). */
void command_undo_all(struct job *j);

#endif
