/* power.c: the board's power switch, a UNIX socket taking one command a
 * connection ("on", "off", "reset" or "status", newline-terminated) and
 * answering "ok ..." or "error ...", and the client side of it, so a
 * device dictionary can name `tether-sim power PATH reset` as a power
 * command. */
#include "sim.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static int
unix_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

int
power_listen(struct sim *s)
{
	struct sockaddr_un sa;
	if (unix_addr(s->o.power_socket, &sa) < 0)
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	unlink(s->o.power_socket); /* a previous board's */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 4) < 0) {
		close(fd);
		return -1;
	}
	s->power_fd = fd;
	return 0;
}

/* Commands are rare and short, so a client gets one blocking read with
 * a timeout rather than a place in the poll loop. */
void
power_accept(struct sim *s)
{
	int fd = accept4(s->power_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	struct timeval tv = {1, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char cmd[64];
	size_t len = 0;
	while (len < sizeof(cmd) - 1 && memchr(cmd, '\n', len) == NULL) {
		ssize_t n = read(fd, cmd + len, sizeof(cmd) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	cmd[len] = '\0';
	cmd[strcspn(cmd, "\r\n")] = '\0';

	const char *reply = "ok\n";
	if (strcmp(cmd, "on") == 0)
		board_power_on(s);
	else if (strcmp(cmd, "off") == 0)
		board_power_off(s);
	else if (strcmp(cmd, "reset") == 0)
		board_reset(s);
	else if (strcmp(cmd, "status") == 0)
		reply = s->b.state == BOARD_OFF ? "ok off\n" : "ok on\n";
	else
		reply = "error: unknown command (on, off, reset, status)\n";
	(void)!write(fd, reply, strlen(reply));
	close(fd);
}

int
power_client(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr,
		        "usage: tether-sim power PATH on|off|reset|status\n");
		return 2;
	}
	const char *path = argv[2];
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || unix_addr(path, &sa) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "tether-sim power: %s: %s\n", path,
		        strerror(errno));
		return 1;
	}
	char line[80];
	snprintf(line, sizeof(line), "%s\n", argv[3]);
	if (write(fd, line, strlen(line)) < 0) {
		fprintf(stderr, "tether-sim power: %s: %s\n", path,
		        strerror(errno));
		return 1;
	}
	char reply[128];
	size_t len = 0;
	ssize_t n;
	while (len < sizeof(reply) - 1 &&
	       (n = read(fd, reply + len, sizeof(reply) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	reply[len] = '\0';
	if (strncmp(reply, "ok", 2) != 0) {
		fprintf(stderr, "tether-sim power: %s: %s", path,
		        len ? reply : "no answer\n");
		return 1;
	}
	if (reply[2] == ' ')
		fputs(reply + 3, stdout);
	return 0;
}
