/* klog.c: kernel-like console lines: the boot log, the flood before
 * login, and messages that interrupt the shell session.  Contents come
 * from a seeded generator so runs can be compared; with --seed the
 * timestamps are synthetic too, otherwise they are real seconds since
 * the kernel started. */
#include "sim.h"

#include <stdio.h>
#include <string.h>

static const char *const boot_log[] = {
    "Linux version 6.1.0-tether-sim (sim@tether) (gcc version 12.2.0) #1 "
    "SMP PREEMPT Thu Jan  1 00:00:00 UTC 2026",
    "Machine model: tether simulated board",
    "earlycon: uart0 at MMIO 0x09000000 (options '115200n8')",
    "Memory: 1008640K/1048576K available (10240K kernel code)",
    "NR_IRQS: 64, nr_irqs: 64, preallocated irqs: 0",
    "arch_timer: cp15 timer(s) running at 24.00MHz (virt).",
    "Console: colour dummy device 80x25",
    "Calibrating delay loop (skipped), value calculated using timer "
    "frequency.. 48.00 BogoMIPS (lpj=96000)",
    "pid_max: default: 32768 minimum: 301",
    "smp: Brought up 1 node, 2 CPUs",
    "devtmpfs: initialized",
    "NET: Registered PF_NETLINK/PF_ROUTE protocol family",
    "Serial: AMBA PL011 UART driver",
    "9000000.uart0: ttyAMA0 at MMIO 0x9000000 (irq = 13) is a PL011",
    "printk: console [ttyAMA0] enabled",
    "mmc0: new high speed SDHC card at address aaaa",
    "mmcblk0: mmc0:aaaa SIM16 14.8 GiB",
    " mmcblk0: p1 p2",
    "EXT4-fs (mmcblk0p2): mounted filesystem with ordered data mode.",
    "VFS: Mounted root (ext4 filesystem) on device 179:2.",
    "Freeing unused kernel memory: 1024K",
    "Run /sbin/init as init process",
    "systemd[1]: Hostname set to <sim>.",
    "random: crng init done",
};

/* xorshift64*: small, fast and the same everywhere. */
uint64_t
klog_rand(struct sim *s)
{
	uint64_t x = s->b.rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->b.rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

void
klog_stamp(struct sim *s, char *out, size_t size)
{
	double t;
	if (s->o.seeded) {
		s->b.ts += (double)(50 + klog_rand(s) % 2000) / 1e6;
		t = s->b.ts;
	} else {
		t = sim_now() - s->b.t_kernel;
	}
	unsigned long us = (unsigned long)(t * 1e6 + 0.5);
	snprintf(out, size, "[%5lu.%06lu] ", us / 1000000, us % 1000000);
}

size_t
klog_boot_lines(void)
{
	return sizeof(boot_log) / sizeof(boot_log[0]);
}

void
klog_boot_line(struct sim *s, size_t i, struct buf *out)
{
	char ts[32];
	klog_stamp(s, ts, sizeof(ts));
	buf_printf(out, "%s%s\r\n", ts, boot_log[i]);
}

/* One snprintf into a local line: the flood is the board's hot path
 * (benchmarks push 100 MiB of it through a connection). */
void
klog_flood_line(struct sim *s, struct buf *out)
{
	char line[256];
	uint64_t r = klog_rand(s);
	unsigned a = (unsigned)(r % 100000), b = (unsigned)((r >> 20) % 16);
	size_t n, room;
	int w;

	klog_stamp(s, line, sizeof(line));
	n = strlen(line);
	room = sizeof(line) - n;
	switch ((r >> 32) % 6) {
	case 0:
		w = snprintf(line + n, room,
		             "usb 1-%u: new high-speed USB device number %u "
		             "using dwc2\r\n",
		             b, a % 128);
		break;
	case 1:
		w = snprintf(line + n, room,
		             "mmcblk0: p%u: read sector %u, retrying\r\n", b,
		             a * 8);
		break;
	case 2:
		w = snprintf(line + n, room,
		             "systemd[1]: Started unit-%05u.service - "
		             "Simulated Service %u.\r\n",
		             a, b);
		break;
	case 3:
		w = snprintf(line + n, room,
		             "eth0: link up (1000/Full), rx %u tx %u\r\n", a,
		             a / 3 + b);
		break;
	case 4:
		w = snprintf(line + n, room,
		             "audit: type=1130 audit(%u.%03u:%u): pid=1 "
		             "uid=0 msg='unit=sim-%x res=success'\r\n",
		             a, b * 61, a % 997, a);
		break;
	default:
		w = snprintf(line + n, room,
		             "i2c i2c-%u: probe of 0x%02x deferred\r\n", b,
		             a % 128);
		break;
	}
	buf_add(out, line, n + (size_t)w);
}

void
klog_kmsg_line(struct sim *s, struct buf *out)
{
	static const char *const msg[] = {
	    "usb 1-1: new high-speed USB device number 3 using dwc2",
	    "usb 1-1: USB disconnect, device number 3",
	    "EXT4-fs (mmcblk0p2): re-mounted. Quota mode: none.",
	    "eth0: Link is Down",
	    "eth0: Link is Up - 1Gbps/Full - flow control rx/tx",
	    "watchdog: watchdog0: pretimeout governor: noop",
	};
	char ts[32];
	klog_stamp(s, ts, sizeof(ts));
	buf_printf(out, "%s%s\r\n", ts,
	           msg[klog_rand(s) % (sizeof(msg) / sizeof(msg[0]))]);
}
