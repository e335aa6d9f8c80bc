/* cmd.h: the subcommands of the tether program, one cmd-*.c file each.
 * Each returns the process exit status. */
#ifndef TETHER_CMD_H
#define TETHER_CMD_H

int cmd_validate(int argc, char **argv);
int cmd_device(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_coordinator(int argc, char **argv);

#endif
