/* uboot.c: the bootloader's "=>" prompt: an environment and a handful
 * of commands with plausible answers.  Only boot and reset change the
 * board; the rest only talks.  The environment lives until power off
 * (saveenv says OK but keeps nothing, like a board without storage). */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const default_env[][2] = {
    {"arch", "arm"},
    {"baudrate", "115200"},
    {"board", "tether-sim"},
    {"bootcmd", "run distro_bootcmd"},
    {"distro_bootcmd", "load mmc 0:1 ${kernel_addr_r} zImage; bootz"},
    {"ethaddr", "02:00:5e:10:00:01"},
    {"fdt_addr_r", "0x83000000"},
    {"fdtfile", "tether-sim.dtb"},
    {"ipaddr", "198.51.100.2"},
    {"kernel_addr_r", "0x82000000"},
    {"loadaddr", "0x82000000"},
    {"ramdisk_addr_r", "0x83100000"},
    {"serverip", "198.51.100.1"},
    {"stderr", "serial"},
    {"stdin", "serial"},
    {"stdout", "serial"},
};

void
uboot_env_free(struct sim *s)
{
	for (int i = 0; i < s->b.nenv; i++) {
		free(s->b.env_name[i]);
		free(s->b.env_value[i]);
	}
	s->b.nenv = 0;
}

static int
env_find(struct sim *s, const char *name)
{
	for (int i = 0; i < s->b.nenv; i++)
		if (strcmp(s->b.env_name[i], name) == 0)
			return i;
	return -1;
}

static const char *
env_get(struct sim *s, const char *name, const char *dflt)
{
	int i = env_find(s, name);
	return i < 0 ? dflt : s->b.env_value[i];
}

/* VALUE NULL deletes.  Kept sorted, as printenv lists it. */
static void
env_set(struct sim *s, const char *name, const char *value)
{
	struct board *b = &s->b;
	int i = env_find(s, name);

	if (i >= 0) {
		free(b->env_value[i]);
		if (value) {
			b->env_value[i] = xstrdup(value);
			return;
		}
		free(b->env_name[i]);
		b->nenv--;
		memmove(&b->env_name[i], &b->env_name[i + 1],
		        (size_t)(b->nenv - i) * sizeof(char *));
		memmove(&b->env_value[i], &b->env_value[i + 1],
		        (size_t)(b->nenv - i) * sizeof(char *));
		return;
	}
	if (value == NULL || b->nenv == UBOOT_ENV_MAX)
		return;
	for (i = b->nenv; i > 0 && strcmp(b->env_name[i - 1], name) > 0; i--) {
		b->env_name[i] = b->env_name[i - 1];
		b->env_value[i] = b->env_value[i - 1];
	}
	b->env_name[i] = xstrdup(name);
	b->env_value[i] = xstrdup(value);
	b->nenv++;
}

void
uboot_env_reset(struct sim *s)
{
	char delay[16];
	uboot_env_free(s);
	for (size_t i = 0; i < sizeof(default_env) / sizeof(default_env[0]);
	     i++)
		env_set(s, default_env[i][0], default_env[i][1]);
	snprintf(delay, sizeof(delay), "%d", s->o.autoboot_seconds);
	env_set(s, "bootdelay", delay);
}

void
uboot_prompt(struct sim *s)
{
	s->b.state = BOARD_UBOOT;
	uart_puts(s, &s->link[0], "=> ");
}

static void
cmd_help(struct sim *s, struct link *l)
{
	uart_puts(
	    s, l,
	    "boot      - boot default, i.e., run 'bootcmd'\r\n"
	    "bootm     - boot application image from memory\r\n"
	    "booti     - boot Linux kernel 'Image' format from memory\r\n"
	    "bootz     - boot Linux zImage image from memory\r\n"
	    "dhcp      - boot image via network using DHCP/TFTP protocol\r\n"
	    "echo      - echo args to console\r\n"
	    "help      - print command description/usage\r\n"
	    "printenv  - print environment variables\r\n"
	    "reset     - Perform RESET of the CPU\r\n"
	    "run       - run commands in an environment variable\r\n"
	    "saveenv   - save environment variables to persistent "
	    "storage\r\n"
	    "setenv    - set environment variables\r\n"
	    "tftpboot  - boot image via network using TFTP protocol\r\n"
	    "version   - print monitor, compiler and linker version\r\n");
}

static void
cmd_printenv(struct sim *s, struct link *l, int argc, char **argv)
{
	if (argc == 1) {
		size_t size = 0;
		for (int i = 0; i < s->b.nenv; i++) {
			uart_printf(s, l, "%s=%s\r\n", s->b.env_name[i],
			            s->b.env_value[i]);
			size += strlen(s->b.env_name[i]) +
			        strlen(s->b.env_value[i]) + 2;
		}
		uart_printf(s, l, "\r\nEnvironment size: %zu/131068 bytes\r\n",
		            size);
		return;
	}
	for (int a = 1; a < argc; a++) {
		const char *v = env_get(s, argv[a], NULL);
		if (v)
			uart_printf(s, l, "%s=%s\r\n", argv[a], v);
		else
			uart_printf(s, l, "## Error: \"%s\" not defined\r\n",
			            argv[a]);
	}
}

static void
cmd_setenv(struct sim *s, struct link *l, int argc, char **argv)
{
	if (argc < 2) {
		uart_puts(s, l,
		          "setenv - set environment variables\r\n\r\n"
		          "Usage:\r\nsetenv name value ...\r\n");
		return;
	}
	struct buf v;
	buf_init(&v);
	for (int a = 2; a < argc; a++) {
		if (a > 2)
			buf_addc(&v, ' ');
		buf_adds(&v, argv[a]);
	}
	env_set(s, argv[1], argc > 2 ? v.data : NULL);
	buf_free(&v);
}

static void
cmd_tftp(struct sim *s, struct link *l, int argc, char **argv)
{
	const char *addr = argc > 2 ? argv[1] : env_get(s, "loadaddr", "0");
	const char *file = argc > 2 ? argv[2] : argc > 1 ? argv[1] : "zImage";
	unsigned long size = 4096 + (unsigned long)(klog_rand(s) % 8000000);

	uart_printf(
	    s, l,
	    "Using ethernet@1c30000 device\r\n"
	    "TFTP from server %s; our IP address is %s\r\n"
	    "Filename '%s'.\r\nLoad address: %s\r\n"
	    "Loading: ##################################################"
	    "\r\n\t 2.1 MiB/s\r\ndone\r\n"
	    "Bytes transferred = %lu (%lx hex)\r\n",
	    env_get(s, "serverip", "198.51.100.1"),
	    env_get(s, "ipaddr", "198.51.100.2"), file, addr, size, size);
	char hex[32];
	snprintf(hex, sizeof(hex), "%lx", size);
	env_set(s, "filesize", hex);
}

static void
cmd_boot(struct sim *s, struct link *l, int argc, char **argv)
{
	if (strncmp(argv[0], "boot", 4) == 0 && argv[0][4] != '\0') {
		const char *addr =
		    argc > 1 ? argv[1] : env_get(s, "loadaddr", "0");
		uart_printf(s, l,
		            "## Booting kernel from Legacy Image at %s ...\r\n"
		            "   Image Name:   Linux-6.1.0-tether-sim\r\n"
		            "   Image Type:   ARM Linux Kernel Image "
		            "(uncompressed)\r\n"
		            "   Verifying Checksum ... OK\r\n"
		            "   Loading Kernel Image\r\n",
		            addr);
		if (argc > 3)
			uart_printf(s, l,
			            "## Flattened Device Tree blob at %s\r\n"
			            "   Loading Device Tree to 8ffe9000, end "
			            "8ffff8ff ... OK\r\n",
			            argv[3]);
	} else {
		uart_puts(s, l,
		          "switch to partitions #0, OK\r\n"
		          "mmc0 is current device\r\n"
		          "Scanning mmc 0:1...\r\n"
		          "Found /boot/extlinux/extlinux.conf\r\n"
		          "Retrieving file: /boot/zImage\r\n");
	}
	board_start_kernel(s);
}

/* Runs one command line; takes CMD. */
void
uboot_command(struct sim *s, char *cmd)
{
	struct link *l = &s->link[0];
	char *argv[32];
	int argc = 0;

	for (char *t = strtok(cmd, " \t"); t && argc < 32;
	     t = strtok(NULL, " \t"))
		argv[argc++] = t;
	if (argc == 0) {
		uboot_prompt(s);
		free(cmd);
		return;
	}
	const char *c = argv[0];
	if (strcmp(c, "run") == 0 && argc > 1 &&
	    strcmp(argv[1], "bootcmd") == 0)
		c = "boot";
	if (strcmp(c, "boot") == 0 || strcmp(c, "bootm") == 0 ||
	    strcmp(c, "bootz") == 0 || strcmp(c, "booti") == 0) {
		argv[0] = (char *)c;
		cmd_boot(s, l, argc, argv);
		free(cmd);
		return;
	}
	if (strcmp(c, "reset") == 0) {
		uart_puts(s, l, "resetting ...\r\n");
		free(cmd);
		board_reset(s);
		return;
	}
	if (strcmp(c, "help") == 0 || strcmp(c, "?") == 0) {
		cmd_help(s, l);
	} else if (strcmp(c, "printenv") == 0) {
		cmd_printenv(s, l, argc, argv);
	} else if (strcmp(c, "setenv") == 0) {
		cmd_setenv(s, l, argc, argv);
	} else if (strcmp(c, "saveenv") == 0) {
		uart_puts(s, l, "Saving Environment to FAT... OK\r\n");
	} else if (strcmp(c, "tftp") == 0 || strcmp(c, "tftpboot") == 0) {
		cmd_tftp(s, l, argc, argv);
	} else if (strcmp(c, "dhcp") == 0) {
		uart_printf(s, l,
		            "BOOTP broadcast 1\r\n"
		            "DHCP client bound to address %s (3 ms)\r\n",
		            env_get(s, "ipaddr", "198.51.100.2"));
		if (argc > 1)
			cmd_tftp(s, l, argc, argv);
	} else if (strcmp(c, "version") == 0) {
		uart_puts(s, l,
		          "U-Boot 2023.01-tether (Jan 01 2026 - 00:00:00 "
		          "+0000)\r\n");
	} else if (strcmp(c, "echo") == 0) {
		for (int a = 1; a < argc; a++)
			uart_printf(s, l, "%s%s", a > 1 ? " " : "", argv[a]);
		uart_puts(s, l, "\r\n");
	} else if (strcmp(c, "run") == 0) {
		for (int a = 1; a < argc; a++)
			if (env_get(s, argv[a], NULL) == NULL)
				uart_printf(s, l,
				            "## Error: \"%s\" not defined\r\n",
				            argv[a]);
	} else {
		uart_printf(s, l, "Unknown command '%s' - try 'help'\r\n", c);
	}
	free(cmd);
	uboot_prompt(s);
}
