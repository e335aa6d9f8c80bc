/* login.c: getty and login on each UART once the board is up: a login
 * prompt, an optional password (not echoed), "Login incorrect" and
 * again on failure, then a shell; when the shell exits, the getty comes
 * back, as init respawns it. */
#include "sim.h"

#include <string.h>

void
login_start(struct sim *s, struct link *l, bool banner)
{
	if (banner)
		uart_printf(s, l, "\r\nDebian GNU/Linux 12 %s ttyS%d\r\n\r\n",
		            s->o.hostname, l->index);
	uart_printf(s, l, "%s login: ", s->o.hostname);
	l->getty = GETTY_USER;
	l->line.len = 0;
}

static void
logged_in(struct sim *s, struct link *l)
{
	uart_printf(s, l,
	            "Linux %s 6.1.0-tether-sim #1 SMP PREEMPT armv7l\r\n\r\n",
	            s->o.hostname);
	if (shell_start(s, l) < 0) {
		uart_puts(s, l, "\r\nLogin incorrect\r\n");
		login_start(s, l, false);
		return;
	}
	l->getty = GETTY_SHELL;
}

static void
failed(struct sim *s, struct link *l)
{
	uart_puts(s, l, "\r\nLogin incorrect\r\n");
	login_start(s, l, false);
}

void
login_input(struct sim *s, struct link *l, const unsigned char *p, size_t n)
{
	bool intr;

	for (size_t i = 0; i < n; i++) {
		switch (l->getty) {
		case GETTY_SILENT:
			return;
		case GETTY_SHELL:
			if (l->line.after_cr) {
				/* The LF of the CR LF that logged in. */
				l->line.after_cr = false;
				if (p[i] == '\n')
					break;
			}
			/* Everything typed from here on is the shell's,
			 * even when it has not printed its prompt yet. */
			shell_send(l, p + i, n - i);
			return;
		case GETTY_USER:
			if (!line_feed(s, l, p[i], true, &intr)) {
				if (intr)
					login_start(s, l, false);
				break;
			}
			uart_puts(s, l, "\r\n");
			if (l->line.s[0] == '\0') {
				login_start(s, l, false);
				break;
			}
			l->user_ok = strcmp(l->line.s, s->o.user) == 0;
			if (s->o.password) {
				uart_puts(s, l, "Password: ");
				l->getty = GETTY_PASSWORD;
			} else if (l->user_ok) {
				logged_in(s, l);
			} else {
				failed(s, l);
			}
			break;
		case GETTY_PASSWORD:
			if (!line_feed(s, l, p[i], false, &intr)) {
				if (intr) {
					uart_puts(s, l, "\r\n");
					login_start(s, l, false);
				}
				break;
			}
			uart_puts(s, l, "\r\n");
			if (l->user_ok && strcmp(l->line.s, s->o.password) == 0)
				logged_in(s, l);
			else
				failed(s, l);
			break;
		}
	}
}
