/* boot.c: the board's power states and boot flow on UART0: bootloader
 * with its autoboot countdown, kernel log, optional flood, then gettys
 * on every UART.  Work is done in board_tick, paced by timers and by
 * the room left on UART0, so a slow reader slows the board down rather
 * than growing buffers. */
#include "sim.h"

#include <string.h>

static struct link *
uart0(struct sim *s)
{
	return &s->link[0];
}

static void
banner(struct sim *s)
{
	struct link *l = uart0(s);
	uart_puts(s, l,
	          "\r\nU-Boot SPL 2023.01-tether (Jan 01 2026 - 00:00:00 "
	          "+0000)\r\nTrying to boot from MMC1\r\n\r\n\r\n"
	          "U-Boot 2023.01-tether (Jan 01 2026 - 00:00:00 +0000)\r\n"
	          "\r\nCPU:   tether-sim virtual SoC\r\n"
	          "Model: tether simulated board\r\nDRAM:  1 GiB\r\n"
	          "MMC:   mmc@1c0f000: 0\r\n"
	          "Loading Environment from FAT... OK\r\n"
	          "In:    serial\r\nOut:   serial\r\nErr:   serial\r\n"
	          "Net:   eth0: ethernet@1c30000\r\n");
	uart_printf(s, l, "Hit any key to stop autoboot: %2d ", s->b.countdown);
}

void
board_power_on(struct sim *s)
{
	struct board *b = &s->b;
	double now = sim_now();

	if (b->state != BOARD_OFF)
		return;
	b->t_on = b->t_kernel = now;
	b->ts = 0;
	b->rng = s->o.seed ? s->o.seed : 0x9E3779B97F4A7C15ULL;
	b->kline = 0;
	b->flood_sent = 0;
	uboot_env_reset(s);
	if (s->o.no_bootloader) {
		board_start_kernel(s);
		return;
	}
	b->state = BOARD_COUNTDOWN;
	b->countdown = s->o.autoboot_seconds;
	banner(s);
	b->next = now + (b->countdown > 0 ? 1.0 : 0.0);
}

/* Power cut: every shell dies, every getty goes away, typed input is
 * lost; the links themselves stay open (they are the lab's cables). */
void
board_power_off(struct sim *s)
{
	s->b.state = BOARD_OFF;
	s->b.next = 0;
	for (int i = 0; i < SIM_UARTS; i++) {
		struct link *l = &s->link[i];
		shell_stop(&l->sh);
		l->getty = GETTY_SILENT;
		l->line.len = 0;
	}
}

void
board_reset(struct sim *s)
{
	board_power_off(s);
	board_power_on(s);
}

void
board_start_kernel(struct sim *s)
{
	struct board *b = &s->b;
	uart_puts(s, uart0(s), "\r\nStarting kernel ...\r\n\r\n");
	b->state = BOARD_KERNEL;
	b->t_kernel = sim_now();
	b->kline = 0;
	b->next = b->t_kernel;
}

static void
userspace_up(struct sim *s)
{
	struct board *b = &s->b;
	b->state = BOARD_UP;
	b->next = 0;
	b->next_kmsg = sim_now() + s->o.kmsg_interval_ms / 1000.0;
	for (int i = 0; i < SIM_UARTS; i++)
		if (uart_connected(&s->link[i]))
			login_start(s, &s->link[i], true);
}

/* Kernel-like lines until --flood-bytes, at --flood-rate if given. */
static void
flood(struct sim *s, double now)
{
	struct board *b = &s->b;
	struct link *l = uart0(s);
	struct buf chunk;

	buf_init(&chunk);
	while (b->flood_sent < s->o.flood_bytes && uart_has_room(l) &&
	       chunk.len < 16384) {
		if (s->o.flood_rate > 0 &&
		    b->flood_sent >= (now - b->flood_start) * s->o.flood_rate) {
			b->next = now + 0.01;
			break;
		}
		size_t before = chunk.len;
		klog_flood_line(s, &chunk);
		b->flood_sent += chunk.len - before;
	}
	uart_write(s, l, chunk.data, chunk.len);
	buf_free(&chunk);
	if (b->flood_sent >= s->o.flood_bytes) {
		uart_puts(s, l, "\r\n");
		userspace_up(s);
	} else if (b->next <= now) {
		b->next = now; /* more as soon as UART0 has room */
	}
}

static void
kernel(struct sim *s, double now)
{
	struct board *b = &s->b;
	struct buf line;

	buf_init(&line);
	while (b->kline < klog_boot_lines() && b->next <= now &&
	       uart_has_room(uart0(s))) {
		buf_reset(&line);
		klog_boot_line(s, b->kline++, &line);
		uart_write(s, uart0(s), line.data, line.len);
		b->next = now + s->o.line_delay_ms / 1000.0;
	}
	buf_free(&line);
	if (b->kline < klog_boot_lines())
		return;
	if (s->o.flood_bytes) {
		b->state = BOARD_FLOOD;
		b->flood_start = now;
		b->next = now;
	} else {
		userspace_up(s);
	}
}

void
board_tick(struct sim *s, double now)
{
	struct board *b = &s->b;

	if (s->o.drop_after_seconds > 0 &&
	    now >= s->t_start + s->o.drop_after_seconds) {
		s->link[0].closing = true;
		uart_flush(s, &s->link[0]);
		sim_exit(s, SIM_EXIT_DROP);
	}
	switch (b->state) {
	case BOARD_OFF:
	case BOARD_UBOOT:
		break;
	case BOARD_COUNTDOWN:
		if (now < b->next)
			break;
		if (b->countdown > 0)
			b->countdown--;
		uart_printf(s, uart0(s), "\b\b\b%2d ", b->countdown);
		if (b->countdown > 0) {
			b->next += 1.0;
		} else {
			uart_puts(s, uart0(s), "\r\n");
			uboot_command(s, xstrdup("boot"));
		}
		break;
	case BOARD_KERNEL:
		if (now >= b->next)
			kernel(s, now);
		break;
	case BOARD_FLOOD:
		if (now >= b->next)
			flood(s, now);
		break;
	case BOARD_UP:
		if (s->o.kmsg_interval_ms > 0 && now >= b->next_kmsg) {
			struct link *l = uart0(s);
			b->next_kmsg = now + s->o.kmsg_interval_ms / 1000.0;
			if (l->getty != GETTY_SHELL)
				break;
			/* printk does not wait for the end of a line. */
			struct buf m;
			buf_init(&m);
			if (s->o.seeded)
				b->ts += s->o.kmsg_interval_ms / 1000.0;
			klog_kmsg_line(s, &m);
			uart_write(s, l, m.data, m.len);
			buf_free(&m);
		}
		break;
	}
}

/* Bytes typed on link L, whatever the board is doing. */
void
board_input(struct sim *s, struct link *l, const unsigned char *p, size_t n)
{
	struct board *b = &s->b;
	bool intr;

	for (size_t i = 0; i < n; i++) {
		if (b->state == BOARD_UP) {
			login_input(s, l, p + i, n - i);
			return;
		}
		if (l->index != 0)
			continue; /* no getty there yet: nobody reads */
		switch (b->state) {
		case BOARD_COUNTDOWN:
			/* Any key stops autoboot and is consumed. */
			b->next = 0;
			uart_puts(s, l, "\b\b\b 0 \r\n");
			l->line.len = 0;
			l->line.after_cr = p[i] == '\r';
			uboot_prompt(s);
			break;
		case BOARD_UBOOT:
			if (line_feed(s, l, p[i], true, &intr)) {
				uart_puts(s, l, "\r\n");
				uboot_command(s, xstrdup(l->line.s));
			} else if (intr) {
				uart_puts(s, l, "<INTERRUPT>\r\n");
				uboot_prompt(s);
			}
			break;
		default:
			break; /* the kernel flushes early input */
		}
	}
}
