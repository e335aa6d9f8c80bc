/* main.c: tether-sim's command line and its one ppoll loop.
 *
 * Signals that end the board (SIGTERM, SIGHUP, SIGINT) and SIGCHLD are
 * blocked except inside ppoll, so their handlers only set flags that
 * the loop reads at a known point. */
#include "sim.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "usage: tether-sim [OPTION]...\n"
    "       tether-sim power PATH on|off|reset|status\n"
    "\n"
    "A simulated board.  UART0 is stdin/stdout: run tether-sim as a\n"
    "device's connection command.  It prints a bootloader with an\n"
    "autoboot countdown (any key gives a '=>' prompt: help, printenv,\n"
    "setenv, saveenv, boot, bootm, bootz, booti, tftp, dhcp, run, echo,\n"
    "version, reset), a kernel log from 'Linux version', a login prompt,\n"
    "then a real shell on a pty.\n"
    "\n"
    "Board:\n"
    "  --hostname NAME          host name in prompts (sim)\n"
    "  --user NAME              login user (root)\n"
    "  --password PW            ask for a password (default: none asked)\n"
    "  --prompt PS1             shell prompt (USER@HOST:~# )\n"
    "  --shell PATH             shell to run (/bin/sh)\n"
    "  --chroot DIR             run the shell chrooted in DIR (root only)\n"
    "  --home DIR               the shell's HOME and starting directory "
    "(/root)\n"
    "  --autoboot-seconds N     bootloader countdown (2)\n"
    "  --no-bootloader          start at the kernel log\n"
    "  --line-delay-ms MS       pause between kernel log lines (2)\n"
    "  --off                    start powered off; wait for 'power on'\n"
    "  --seed N                 synthetic, reproducible kernel timestamps\n"
    "                           and generated lines (default: real time)\n"
    "More UARTs (telnet on 127.0.0.1, silent until the board is up):\n"
    "  --uart1 PORT, --uart2 PORT, --uart3 PORT   (PORT 0: any free port)\n"
    "  --ports-file FILE        write 'uartN PORT' lines once listening\n"
    "Power:\n"
    "  --power-socket PATH      listen for on/off/reset/status on a UNIX\n"
    "                           socket; 'tether-sim power PATH CMD' sends\n"
    "Knobs for tests:\n"
    "  --flood-bytes N          about N bytes of kernel-like lines before\n"
    "                           the login prompt\n"
    "  --flood-rate BYTES_PER_S pace the flood (default: as fast as read)\n"
    "  --kmsg-interval MS       inject a kernel message on UART0 every MS\n"
    "                           during a shell session, mid-line or not\n"
    "  --drop-after-bytes N     close a UART after N bytes of output\n"
    "                           (UART0: the board exits with status 3)\n"
    "  --drop-after-seconds S   the board exits (status 3) after S seconds\n"
    "  --stall-after-bytes N    a UART goes silent after N bytes of output,\n"
    "                           link kept open\n"
    "  --help                   this text\n"
    "\n"
    "Exit status: 0 when UART0 closes (EOF, hangup, SIGTERM), 3 after a\n"
    "drop, 2 on a usage or set-up error.\n";

static struct sim sim;
static struct termios saved_tio;
static bool tio_saved;
static int saved_fl[2] = {-1, -1};
static volatile sig_atomic_t got_chld;

double
sim_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
on_signal(int sig)
{
	if (sig == SIGCHLD)
		got_chld = 1;
	else
		sim.quit = sig;
}

void
sim_exit(struct sim *s, int status)
{
	/* Shells first: each keeper clears its session, then exits. */
	pid_t keepers[SIM_UARTS];
	int n = 0;
	for (int i = 0; i < SIM_UARTS; i++) {
		if (s->link[i].sh.pid > 0)
			keepers[n++] = s->link[i].sh.pid;
		shell_stop(&s->link[i].sh);
	}
	for (int i = 0; i < n; i++)
		waitpid(keepers[i], NULL, 0);
	if (tio_saved)
		tcsetattr(0, TCSANOW, &saved_tio);
	for (int fd = 0; fd < 2; fd++)
		if (saved_fl[fd] >= 0)
			fcntl(fd, F_SETFL, saved_fl[fd]);
	if (s->o.power_socket && s->power_fd >= 0)
		unlink(s->o.power_socket);
	for (int i = 0; i < SIM_UARTS; i++) {
		buf_free(&s->link[i].out);
		buf_free(&s->link[i].sh.in);
	}
	uboot_env_free(s);
	exit(status);
}

static unsigned long long
num(const char *opt, const char *arg)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	if (errno || *end || *arg == '-' || *arg == '\0') {
		fprintf(stderr, "tether-sim: --%s: not a number: %s\n", opt,
		        arg);
		exit(2);
	}
	return v;
}

static double
seconds(const char *opt, const char *arg)
{
	char *end;
	double v = strtod(arg, &end);
	if (*end || *arg == '\0' || !(v >= 0)) {
		fprintf(stderr, "tether-sim: --%s: not a number: %s\n", opt,
		        arg);
		exit(2);
	}
	return v;
}

static void
parse_options(struct sim *s, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"hostname", required_argument, NULL, 0},
	    {"user", required_argument, NULL, 0},
	    {"password", required_argument, NULL, 0},
	    {"prompt", required_argument, NULL, 0},
	    {"shell", required_argument, NULL, 0},
	    {"chroot", required_argument, NULL, 0},
	    {"home", required_argument, NULL, 0},
	    {"autoboot-seconds", required_argument, NULL, 0},
	    {"no-bootloader", no_argument, NULL, 0},
	    {"line-delay-ms", required_argument, NULL, 0},
	    {"off", no_argument, NULL, 0},
	    {"seed", required_argument, NULL, 0},
	    {"uart1", required_argument, NULL, 0},
	    {"uart2", required_argument, NULL, 0},
	    {"uart3", required_argument, NULL, 0},
	    {"ports-file", required_argument, NULL, 0},
	    {"power-socket", required_argument, NULL, 0},
	    {"flood-bytes", required_argument, NULL, 0},
	    {"flood-rate", required_argument, NULL, 0},
	    {"kmsg-interval", required_argument, NULL, 0},
	    {"drop-after-bytes", required_argument, NULL, 0},
	    {"drop-after-seconds", required_argument, NULL, 0},
	    {"stall-after-bytes", required_argument, NULL, 0},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct sim_opts *o = &s->o;
	int c, idx;

	o->hostname = "sim";
	o->user = "root";
	o->shell = "/bin/sh";
	o->autoboot_seconds = 2;
	o->line_delay_ms = 2;
	for (int i = 0; i < SIM_UARTS; i++)
		o->uart_port[i] = -1;
	while ((c = getopt_long(argc, argv, "h", longopts, &idx)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			exit(0);
		}
		if (c != 0) {
			fputs(usage, stderr);
			exit(2);
		}
		const char *n = longopts[idx].name;
		const char *a = optarg;
		if (strcmp(n, "hostname") == 0)
			o->hostname = a;
		else if (strcmp(n, "user") == 0)
			o->user = a;
		else if (strcmp(n, "password") == 0)
			o->password = a;
		else if (strcmp(n, "prompt") == 0)
			o->prompt = a;
		else if (strcmp(n, "shell") == 0)
			o->shell = a;
		else if (strcmp(n, "chroot") == 0)
			o->chroot = a;
		else if (strcmp(n, "home") == 0)
			o->home = a;
		else if (strcmp(n, "autoboot-seconds") == 0)
			o->autoboot_seconds = (int)(num(n, a) % 100);
		else if (strcmp(n, "no-bootloader") == 0)
			o->no_bootloader = true;
		else if (strcmp(n, "line-delay-ms") == 0)
			o->line_delay_ms = (int)num(n, a);
		else if (strcmp(n, "off") == 0)
			o->start_off = true;
		else if (strcmp(n, "seed") == 0)
			o->seeded = true, o->seed = num(n, a);
		else if (strncmp(n, "uart", 4) == 0)
			o->uart_port[n[4] - '0'] = (int)(num(n, a) % 65536);
		else if (strcmp(n, "ports-file") == 0)
			o->ports_file = a;
		else if (strcmp(n, "power-socket") == 0)
			o->power_socket = a;
		else if (strcmp(n, "flood-bytes") == 0)
			o->flood_bytes = num(n, a);
		else if (strcmp(n, "flood-rate") == 0)
			o->flood_rate = seconds(n, a);
		else if (strcmp(n, "kmsg-interval") == 0)
			o->kmsg_interval_ms = (int)num(n, a);
		else if (strcmp(n, "drop-after-bytes") == 0)
			o->drop_after_bytes = num(n, a);
		else if (strcmp(n, "drop-after-seconds") == 0)
			o->drop_after_seconds = seconds(n, a);
		else if (strcmp(n, "stall-after-bytes") == 0)
			o->stall_after_bytes = num(n, a);
	}
	if (optind != argc) {
		fprintf(stderr, "tether-sim: unexpected argument: %s\n",
		        argv[optind]);
		exit(2);
	}
}

/* A serial console is raw: the board, not the tty, echoes and turns
 * Enter into a line end.  Non-blocking so a slow reader of UART0 never
 * stops the rest of the board. */
static void
setup_uart0(void)
{
	if (tcgetattr(0, &saved_tio) == 0) {
		struct termios t = saved_tio;
		tio_saved = true;
		cfmakeraw(&t);
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		tcsetattr(0, TCSANOW, &t);
	}
	for (int fd = 0; fd < 2; fd++) {
		saved_fl[fd] = fcntl(fd, F_GETFL);
		if (saved_fl[fd] >= 0)
			fcntl(fd, F_SETFL, saved_fl[fd] | O_NONBLOCK);
	}
}

static void
setup_signals(sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&block);
	int sigs[] = {SIGTERM, SIGHUP, SIGINT, SIGCHLD};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&block, sigs[i]);
	}
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGHUP);
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGCHLD);
}

enum { P_LINK_IN, P_LINK_OUT, P_LISTEN, P_SHELL, P_POWER };

static void
loop(struct sim *s, const sigset_t *waitmask)
{
	struct pollfd pfd[4 * SIM_UARTS + 2];
	int kind[4 * SIM_UARTS + 2], which[4 * SIM_UARTS + 2];

	for (;;) {
		double now = sim_now();
		int n = 0;

		if (s->quit)
			sim_exit(s, 0);
		if (got_chld) {
			pid_t p;
			got_chld = 0;
			while ((p = waitpid(-1, NULL, WNOHANG)) > 0)
				shell_reaped(s, p);
		}
		board_tick(s, now);
		for (int i = 0; i < SIM_UARTS; i++) {
			struct link *l = &s->link[i];
			if (l->out_off < l->out.len)
				uart_flush(s, l);
			if (l->listen_fd >= 0) {
				pfd[n] =
				    (struct pollfd){l->listen_fd, POLLIN, 0};
				kind[n] = P_LISTEN, which[n++] = i;
			}
			if (l->fd_in >= 0 && !l->closing) {
				pfd[n] = (struct pollfd){l->fd_in, POLLIN, 0};
				kind[n] = P_LINK_IN, which[n++] = i;
			}
			if (l->fd_out >= 0 && l->out_off < l->out.len) {
				pfd[n] = (struct pollfd){l->fd_out, POLLOUT, 0};
				kind[n] = P_LINK_OUT, which[n++] = i;
			}
			if (l->sh.fd >= 0) {
				short ev = uart_has_room(l) ? POLLIN : 0;
				if (l->sh.in.len)
					ev |= POLLOUT;
				pfd[n] = (struct pollfd){l->sh.fd, ev, 0};
				kind[n] = P_SHELL, which[n++] = i;
			}
		}
		if (s->power_fd >= 0) {
			pfd[n] = (struct pollfd){s->power_fd, POLLIN, 0};
			kind[n] = P_POWER, which[n++] = 0;
		}

		/* Sleep until the earliest timer, if any. */
		double next = 0;
		struct board *b = &s->b;
		if (b->next > 0 && b->state != BOARD_OFF &&
		    b->state != BOARD_UBOOT && b->state != BOARD_UP)
			next = b->next;
		if (b->state == BOARD_UP && s->o.kmsg_interval_ms > 0)
			next = b->next_kmsg;
		/* Producing for UART0 waits for room, not for a timer. */
		if (next > 0 && !uart_has_room(&s->link[0]) &&
		    b->state != BOARD_UP)
			next = 0;
		if (s->o.drop_after_seconds > 0) {
			double d = s->t_start + s->o.drop_after_seconds;
			if (next == 0 || d < next)
				next = d;
		}
		struct timespec ts, *tsp = NULL;
		if (next > 0) {
			double d = next - now;
			if (d < 0)
				d = 0;
			ts.tv_sec = (time_t)d;
			ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
			tsp = &ts;
		}
		int r = ppoll(pfd, (nfds_t)n, tsp, waitmask);
		if (r < 0 && errno != EINTR) {
			perror("tether-sim: ppoll");
			sim_exit(s, 2);
		}
		for (int k = 0; r > 0 && k < n; k++) {
			struct link *l = &s->link[which[k]];
			short re = pfd[k].revents;
			if (re == 0)
				continue;
			switch (kind[k]) {
			case P_LISTEN:
				uart_accept(s, l);
				break;
			case P_LINK_IN:
				if (l->fd_in == pfd[k].fd)
					uart_read(s, l);
				break;
			case P_LINK_OUT:
				if (l->fd_out == pfd[k].fd)
					uart_flush(s, l);
				break;
			case P_SHELL:
				if (l->sh.fd != pfd[k].fd)
					break;
				if (re & POLLOUT)
					shell_flush(l);
				if (re & (POLLIN | POLLHUP | POLLERR))
					shell_read(s, l);
				break;
			case P_POWER:
				power_accept(s);
				break;
			}
		}
	}
}

int
main(int argc, char **argv)
{
	struct sim *s = &sim;
	sigset_t waitmask;

	if (argc > 1 && strcmp(argv[1], "power") == 0)
		return power_client(argc, argv);
	s->power_fd = -1;
	parse_options(s, argc, argv);
	s->self = getpid();
	s->t_start = sim_now();
	setup_signals(&waitmask);
	uart_init(s);
	if (s->o.power_socket && power_listen(s) < 0) {
		fprintf(stderr, "tether-sim: %s: %s\n", s->o.power_socket,
		        strerror(errno));
		sim_exit(s, 2);
	}
	setup_uart0();
	if (!s->o.start_off)
		board_power_on(s);
	loop(s, &waitmask);
	return 0;
}
