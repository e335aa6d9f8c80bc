/* action-deploy.h: deploy to: overlay ("lava-overlay": the test shell's
 * overlay of a namespace, built and published for its boot). */
#ifndef TETHER_ACTION_DEPLOY_H
#define TETHER_ACTION_DEPLOY_H

struct job;
struct action;

int deploy_overlay(struct job *j, struct action *top);

#endif
