/* cmd-console.c: tether console [-t DIR]... [--connection NAME]
 *                               [--log-dir DIR] DEVICE
 *
 * Attaches the terminal to one connection of a device, as a lab admin
 * does with a serial console: raw mode, Ctrl-] to leave, the session
 * logged byte for byte like any job's connection. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd.h"
#include "conn.h"
#include "device.h"
#include "mux.h"
#include "template.h"
#include "util.h"

#define CONSOLE_ESCAPE 0x1d /* Ctrl-] */
/* After standard input ends (a script feeding the console), how long
 * the device's answer is still shown. */
#define CONSOLE_LINGER_NS (500ULL * 1000 * 1000)

struct console {
	struct conn conn;
	struct mux *mux;
	bool done;
	bool stdin_eof;
	uint64_t linger_until;
	int status;
};

static volatile sig_atomic_t console_signalled;

static void
console_on_signal(int sig)
{
	(void)sig;
	console_signalled = 1;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: tether console [-t TEMPLATE_DIR]... [--connection "
		   "NAME] [--log-dir DIR] DEVICE\n"
		   "  DEVICE is a rendered device configuration or a device "
		   "dictionary (.jinja2).\n"
		   "  The primary connection unless --connection says "
		   "otherwise; Ctrl-] leaves.\n"
		   "  The session is logged to DIR/NAME.log and "
		   "DIR/NAME.times (DIR: .).\n");
}

/* The device's bytes go to the terminal as they come. */
static void
console_on_data(struct conn *c, void *arg)
{
	(void)arg;
	const char *data;
	size_t len;
	stream_peek(&c->stream, c->c_wait, &data, &len);
	write_all(STDOUT_FILENO, data, len);
	stream_consume(&c->stream, c->c_wait, len);
}

static void
console_wake(void *arg)
{
	(void)arg;
}

static void
console_handle_stdin(int fd, short events, void *arg)
{
	struct console *con = arg;
	char buf[4096];
	(void)events;
	ssize_t n = read(fd, buf, sizeof buf);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		mux_remove_fd(con->mux, fd);
		con->stdin_eof = true;
		con->linger_until = mux_now() + CONSOLE_LINGER_NS;
		/* Wakes the loop when the lingering is over. */
		mux_add_timer(con->mux, con->linger_until, console_wake, con);
		return;
	}
	char *esc = memchr(buf, CONSOLE_ESCAPE, (size_t)n);
	if (esc) {
		conn_send(&con->conn, buf, (size_t)(esc - buf), 0);
		con->done = true;
		return;
	}
	conn_send(&con->conn, buf, (size_t)n, 0);
}

static bool
console_finished(void *arg)
{
	struct console *con = arg;
	if (console_signalled)
		con->done = true;
	if (con->conn.eof) {
		con->status = 1;
		con->done = true;
	}
	if (con->stdin_eof && mux_now() >= con->linger_until)
		con->done = true;
	return con->done;
}

/* Loads DEVICE, saying what is wrong with it. */
static int
console_load_device(struct device *dev, struct tmpl_env *env,
		    const char *file)
{
	struct diags d;
	diags_init(&d);
	int rc = device_load_file(dev, env, file, &d, stderr);
	diags_sort(&d);
	diags_print(&d, file, stderr);
	diags_free(&d);
	if (rc != 0) {
		device_free(dev);
		return -1;
	}
	return 0;
}

int
cmd_console(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"connection", required_argument, NULL, 'c'},
		{"log-dir", required_argument, NULL, 'l'},
		{"templates", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *name = NULL, *logdir = ".";
	struct tmpl_env *env = tmpl_env_new();
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:l:t:h", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'c':
			name = optarg;
			break;
		case 'l':
			logdir = optarg;
			break;
		case 't':
			tmpl_env_add_dir(env, optarg);
			break;
		case 'h':
			usage(stdout);
			tmpl_env_free(env);
			return 0;
		default:
			usage(stderr);
			tmpl_env_free(env);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		tmpl_env_free(env);
		return 2;
	}
	struct device dev;
	if (console_load_device(&dev, env, argv[optind]) < 0) {
		tmpl_env_free(env);
		return 2;
	}

	/* Which connection: the named one, else the primary, else the
	 * legacy single connect command. */
	const char *command = NULL, *cname = "connect";
	const char *const *tags = NULL;
	size_t ntags = 0;
	for (size_t i = 0; i < dev.nconns; i++) {
		const struct device_conn *dc = &dev.conns[i];
		if (name ? strcmp(dc->name, name) == 0 : dc->primary) {
			command = dc->connect;
			cname = dc->name;
			tags = dc->tags;
			ntags = dc->ntags;
		}
	}
	if (command == NULL && name == NULL && dev.connect)
		command = dev.connect;
	if (command == NULL) {
		fprintf(stderr,
			"tether: %s: InfrastructureError: %s%s%s has no "
			"connect command\n",
			argv[optind], name ? "connection '" : "the device",
			name ? name : "", name ? "'" : "");
		device_free(&dev);
		tmpl_env_free(env);
		return 1;
	}

	struct console con = {0};
	con.mux = mux_new();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, console_on_signal);
	signal(SIGTERM, console_on_signal);
	signal(SIGHUP, console_on_signal);
	if (conn_open(&con.conn, con.mux, cname, command, tags, ntags, logdir,
		      NULL, NULL) < 0) {
		fprintf(stderr, "tether: InfrastructureError: %s\n",
			con.conn.error);
		conn_close(&con.conn);
		mux_free(con.mux);
		device_free(&dev);
		tmpl_env_free(env);
		return 1;
	}
	con.conn.on_data = console_on_data;

	struct termios saved;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (tty) {
		struct termios raw = saved;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		fprintf(stderr, "tether: connected to %s (%s); Ctrl-] leaves\r\n",
			cname, command);
	}
	mux_add_fd(con.mux, STDIN_FILENO, POLLIN, console_handle_stdin, &con);
	mux_wait(con.mux, console_finished, &con, 0);
	if (con.conn.eof)
		fprintf(stderr, "%stether: InfrastructureError: %s%s\n",
			tty ? "\r\n" : "", con.conn.error, tty ? "\r" : "");
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	conn_close(&con.conn);
	mux_free(con.mux);
	device_free(&dev);
	tmpl_env_free(env);
	return con.status;
}
