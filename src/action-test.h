/* action-test.h: test blocks with definitions ("lava-test-retry": the
 * LAVA test shell on the namespace's connection). */
#ifndef TETHER_ACTION_TEST_H
#define TETHER_ACTION_TEST_H

struct job;
struct action;

int test_shell(struct job *j, struct action *top);

#endif
