/* action-ssh.h: SSH as the device's primary connection: deploy to: ssh
 * ("scp-overlay"), boot method: ssh ("login-ssh"), and what they leave
 * on the device cleaned at the end of the job. */
#ifndef TETHER_ACTION_SSH_H
#define TETHER_ACTION_SSH_H

struct job;
struct action;

int deploy_ssh(struct job *j, struct action *top);
int boot_ssh(struct job *j, struct action *top);
/* At the end of the job, whatever happened: the overlay removed from an
 * ssh device, its schroot session ended (a child action of PARENT). */
void ssh_finalize(struct job *j, struct action *parent);

#endif
