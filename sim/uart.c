/* uart.c: the board's serial ports as byte links.  UART0 is the
 * process's stdin/stdout; UART1 and up are ser2net-like telnet ports on
 * 127.0.0.1.  A telnet port accepts connections at any time, as ser2net
 * does with the board off, but stays silent until the board's getty on
 * that port runs; one connection a port, like ser2net's default.  A
 * connection made after boot gets a login prompt at once, where a real
 * getty would wait for Enter: tests need not know.  See README.md. */
#include "sim.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int
listen_tcp(int port, int *bound)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa = {.sin_family = AF_INET,
	                         .sin_port = htons((uint16_t)port),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 4) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		close(fd);
		return -1;
	}
	*bound = ntohs(sa.sin_port);
	return fd;
}

void
uart_init(struct sim *s)
{
	FILE *pf = NULL;

	if (s->o.ports_file && (pf = fopen(s->o.ports_file, "w")) == NULL) {
		fprintf(stderr, "tether-sim: %s: %s\n", s->o.ports_file,
		        strerror(errno));
		sim_exit(s, 2);
	}
	for (int i = 0; i < SIM_UARTS; i++) {
		struct link *l = &s->link[i];
		memset(l, 0, sizeof(*l));
		l->index = i;
		l->fd_in = l->fd_out = l->listen_fd = -1;
		l->sh.fd = -1;
		buf_init(&l->out);
		buf_init(&l->sh.in);
		if (i == 0) {
			l->fd_in = 0;
			l->fd_out = 1;
			continue;
		}
		if (s->o.uart_port[i] < 0)
			continue;
		l->listen_fd = listen_tcp(s->o.uart_port[i], &l->port);
		if (l->listen_fd < 0) {
			fprintf(stderr,
			        "tether-sim: uart%d: 127.0.0.1:%d: %s\n", i,
			        s->o.uart_port[i], strerror(errno));
			sim_exit(s, 2);
		}
		if (pf)
			fprintf(pf, "uart%d %d\n", i, l->port);
	}
	if (pf)
		fclose(pf);
}

bool
uart_connected(const struct link *l)
{
	return l->fd_out >= 0 && !l->closing;
}

bool
uart_has_room(const struct link *l)
{
	return l->out.len - l->out_off < SIM_OUT_HIGH;
}

/* Queues bytes as the board's output on L, applying the drop and stall
 * knobs, which count data bytes (not telnet negotiation). */
void
uart_write(struct sim *s, struct link *l, const void *p, size_t n)
{
	if (!uart_connected(l) || l->stalled)
		return;
	unsigned long long lim = s->o.drop_after_bytes;
	bool drop = false;
	if (lim && l->written + n >= lim) {
		n = (size_t)(lim - l->written);
		drop = true;
	}
	lim = s->o.stall_after_bytes;
	if (lim && l->written + n >= lim) {
		n = (size_t)(lim - l->written);
		l->stalled = true;
	}
	if (l->telnet)
		telnet_escape(p, n, &l->out);
	else
		buf_add(&l->out, p, n);
	l->written += n;
	if (drop)
		l->closing = true;
}

void
uart_puts(struct sim *s, struct link *l, const char *str)
{
	uart_write(s, l, str, strlen(str));
}

void
uart_printf(struct sim *s, struct link *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *str = xvasprintf(fmt, ap);
	va_end(ap);
	uart_puts(s, l, str);
	free(str);
}

/* The far end went away or the board dropped the link. */
void
uart_close(struct sim *s, struct link *l)
{
	if (l->index == 0)
		sim_exit(s, l->closing ? SIM_EXIT_DROP : 0);
	shell_stop(&l->sh);
	close(l->fd_in);
	l->fd_in = l->fd_out = -1;
	buf_reset(&l->out);
	l->out_off = 0;
	l->closing = false;
	l->getty = GETTY_SILENT;
}

void
uart_flush(struct sim *s, struct link *l)
{
	while (l->fd_out >= 0 && l->out_off < l->out.len) {
		ssize_t w = write(l->fd_out, l->out.data + l->out_off,
		                  l->out.len - l->out_off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		if (w <= 0) {
			l->closing = false; /* the reader left first */
			uart_close(s, l);
			return;
		}
		l->out_off += (size_t)w;
	}
	buf_reset(&l->out);
	l->out_off = 0;
	if (l->closing)
		uart_close(s, l);
}

void
uart_accept(struct sim *s, struct link *l)
{
	int fd =
	    accept4(l->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	if (l->fd_in >= 0) {
		static const char busy[] = "Port already in use\r\n";
		(void)!write(fd, busy, sizeof(busy) - 1);
		close(fd);
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	l->fd_in = l->fd_out = fd;
	l->telnet = true;
	l->telnet_cr = false;
	l->written = 0;
	l->stalled = false;
	l->closing = false;
	telnet_init(&l->tn);
	/* The board echoes and there is no go-ahead: character mode, as
	 * ser2net announces it.  Binary either way is harmless. */
	telnet_offer_local(&l->tn, TELOPT_ECHO, &l->out);
	telnet_offer_local(&l->tn, TELOPT_SGA, &l->out);
	telnet_allow_remote(&l->tn, TELOPT_SGA);
	telnet_allow_local(&l->tn, TELOPT_BINARY);
	telnet_allow_remote(&l->tn, TELOPT_BINARY);
	l->getty = GETTY_SILENT;
	if (s->b.state == BOARD_UP)
		login_start(s, l, true);
}

/* Telnet data to board input: a CR LF (NVT end of line) is the Enter
 * key, a lone CR, as a serial terminal sends it. */
static size_t
fold_crlf(struct link *l, unsigned char *p, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n' && l->telnet_cr) {
			l->telnet_cr = false;
			continue;
		}
		l->telnet_cr = p[i] == '\r';
		p[o++] = p[i];
	}
	return o;
}

void
uart_read(struct sim *s, struct link *l)
{
	unsigned char in[4096];
	ssize_t n = read(l->fd_in, in, sizeof(in));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		l->closing = false;
		uart_close(s, l);
		return;
	}
	if (!l->telnet) {
		board_input(s, l, in, (size_t)n);
		return;
	}
	struct buf data;
	buf_init(&data);
	telnet_feed(&l->tn, in, (size_t)n, &data, &l->out);
	size_t len = fold_crlf(l, (unsigned char *)data.data, data.len);
	board_input(s, l, (unsigned char *)data.data, len);
	buf_free(&data);
}

bool
line_feed(struct sim *s, struct link *l, unsigned char c, bool echo, bool *intr)
{
	struct line *ln = &l->line;
	bool after_cr = ln->after_cr;

	ln->after_cr = false;
	*intr = false;
	switch (c) {
	case '\n':
		if (after_cr)
			return false;
		/* FALLTHROUGH */
	case '\r':
		ln->after_cr = c == '\r';
		ln->s[ln->len] = '\0';
		ln->len = 0;
		return true;
	case 0x03: /* Ctrl-C */
		ln->len = 0;
		*intr = true;
		return false;
	case 0x08:
	case 0x7f:
		if (ln->len > 0) {
			ln->len--;
			if (echo)
				uart_puts(s, l, "\b \b");
		}
		return false;
	case 0x15: /* Ctrl-U */
		while (ln->len > 0) {
			ln->len--;
			if (echo)
				uart_puts(s, l, "\b \b");
		}
		return false;
	}
	if (c < 0x20 || ln->len + 1 >= sizeof(ln->s))
		return false;
	ln->s[ln->len++] = (char)c;
	if (echo)
		uart_write(s, l, &c, 1);
	return false;
}
