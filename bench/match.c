/* match.c (bench): pushes kernel-like console lines through the prompt
 * matcher in 4 KiB reads, as the connection engine will, with five LAVA
 * prompts, and prints MB/s and CPU seconds per MB.  The last prompt comes
 * at the very end, so every byte is searched.
 *   usage: match-bench [MIB] [worst]
 * "worst" uses a prompt with .* and lines holding a stray "root@": a
 * partial match that never ends, searched again on every read (bounded by
 * MATCH_WINDOW). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "match.h"

static double
now(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const lines[] = {
    "[%5u.%06u] usb 1-1: new high-speed USB device number %u using "
    "ehci-platform\r\n",
    "[%5u.%06u] EXT4-fs (mmcblk0p%u): mounted filesystem with ordered "
    "data mode. Quota mode: none.\r\n",
    "[%5u.%06u] systemd[1]: Started Journal Service (pid %u).\r\n",
    "[%5u.%06u] audit: type=1400 audit(1700000000.%u:2): "
    "apparmor=\"STATUS\" operation=\"profile_load\" name=\"lsb_release\"\r\n",
    "[%5u.%06u] mmc0: new HS200 MMC card at address %u\r\n",
    "[%5u.%06u] sshd[%u]: Accepted key for root@ remote login\r\n",
};

int
main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 100;
	int worst = argc > 2 && strcmp(argv[2], "worst") == 0;
	size_t len = mib << 20;
	char *d = malloc(len + 256);
	size_t at = 0;
	unsigned n = 0;
	const char *tail = "\r\ndebian login: ";
	while (at < len - strlen(tail) - 200) {
		unsigned k = n % (worst ? 6 : 5);
		at += (size_t)snprintf(d + at, 256, lines[k], n / 1000,
		                       n % 1000 * 997, n % 7);
		n++;
	}
	memcpy(d + at, tail, strlen(tail));
	at += strlen(tail);
	len = at;

	const char *normal[] = {"Kernel panic - not syncing",
	                        "(kernel BUG at|BUG:)", "root@debian:~#",
	                        "Login incorrect", "login:"};
	const char *bad[] = {"Kernel panic - not syncing",
	                     "(kernel BUG at|BUG:)", "root@(.*):~#",
	                     "Login incorrect", "login:"};
	char err[256];
	struct matcher *m =
	    matcher_new(worst ? bad : normal, 5, err, sizeof err);
	if (m == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	struct match mt;
	int rc = 0;
	size_t most = 0;
	double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	for (size_t off = 0; off < len && rc == 0; off += 4096) {
		size_t n4 = len - off < 4096 ? len - off : 4096;
		rc = matcher_feed(m, d + off, n4, &mt);
		if (matcher_retained(m) > most)
			most = matcher_retained(m);
	}
	if (rc == 0)
		rc = matcher_idle(m, &mt);
	double w1 = now(CLOCK_MONOTONIC), c1 = now(CLOCK_PROCESS_CPUTIME_ID);
	if (rc != 1 || mt.index != 4 || mt.end != len - 1) {
		fprintf(stderr, "match-bench: prompt not found (rc %d)\n", rc);
		return 1;
	}
	double mb = (double)len / 1e6;
	printf("%s: %.1f MB in 4 KiB reads, 5 prompts: %.0f MB/s, "
	       "%.2g CPU s/MB, at most %zu bytes held\n",
	       worst ? "worst case (root@(.*):~# pending)" : "kernel log", mb,
	       mb / (w1 - w0), (c1 - c0) / mb, most);
	matcher_free(m);
	free(d);
	return 0;
}
