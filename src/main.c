/* main.c: the tether program; picks a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{"validate", cmd_validate, "check LAVA job definitions"},
	{"device", cmd_device, "render and check device dictionaries"},
	{"console", cmd_console, "attach the terminal to a device connection"},
	{"run", cmd_run, "run a LAVA job on a device"},
	{"coordinator", cmd_coordinator, "serve LAVA's MultiNode coordinator"},
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: tether COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f, "\n'tether COMMAND --help' tells more.\n");
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "tether: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
