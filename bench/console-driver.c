/* console-driver.c (bench/console): one connection through tether's
 * connection engine, timed.
 *
 *   console-driver [-j] [-r] LOGDIR COMMAND PROMPT
 *
 * Opens COMMAND as connection "uart0" on a pty (conn_open: mux, stream,
 * raw log LOGDIR/uart0.log + uart0.times, LAVA job log LOGDIR/log.yaml),
 * waits with five prompts (four kernel-fault or shell patterns that never
 * match a boot log, then PROMPT last) until PROMPT matches, and prints
 * one line of key=value figures for bench/console:
 *   bytes wall_s user_s sys_s maxrss_kb raw_bytes log_lines index
 * CPU is getrusage(RUSAGE_SELF): this process only, not the command.
 * -j leaves the job log out, -r the raw log (to see what each costs).
 * Exit status 0 only when PROMPT matched and the raw log (when kept)
 * holds every byte read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "joblog.h"
#include "match.h"
#include "mux.h"
#include "util.h"

static double
tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static long long
file_size(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	struct stat st;
	long long n = stat(path, &st) == 0 ? (long long)st.st_size : -1;
	free(path);
	return n;
}

static long long
count_lines(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	free(path);
	if (f == NULL)
		return -1;
	static char blk[1 << 16];
	long long n = 0;
	size_t got;
	while ((got = fread(blk, 1, sizeof blk, f)) > 0)
		for (const char *p = blk; (p = memchr(p, '\n', got - (size_t)(p - blk))); p++)
			n++;
	fclose(f);
	return n;
}

int
main(int argc, char **argv)
{
	int no_joblog = 0, no_raw = 0, opt;
	while ((opt = getopt(argc, argv, "jr")) != -1) {
		if (opt == 'j')
			no_joblog = 1;
		else if (opt == 'r')
			no_raw = 1;
		else
			return 2;
	}
	argv += optind;
	argc -= optind;
	if (argc != 3) {
		fprintf(stderr,
			"usage: console-driver [-j] [-r] LOGDIR COMMAND PROMPT\n");
		return 2;
	}
	const char *dir = argv[0], *command = argv[1];
	/* As a LAVA login: kernel fault patterns, a shell prompt that does
	 * not come yet, and the login prompt. */
	const char *prompts[] = {
	    "Kernel panic - not syncing",
	    "(kernel BUG at|BUG: )",
	    "Internal error: Oops",
	    "root@(.*):~# ",
	    argv[2],
	};
	size_t nprompts = sizeof prompts / sizeof prompts[0];
	char err[512];
	struct matcher *m = matcher_new(prompts, nprompts, err, sizeof err);
	if (m == NULL) {
		fprintf(stderr, "console-driver: %s\n", err);
		return 2;
	}

	struct joblog log;
	char *logpath = xasprintf("%s/log.yaml", dir);
	if (joblog_open(&log, logpath) < 0) {
		perror(logpath);
		return 2;
	}
	struct mux *mux = mux_new();
	struct conn c;

	struct timespec w0, w1;
	struct rusage r0, r1;
	getrusage(RUSAGE_SELF, &r0);
	clock_gettime(CLOCK_MONOTONIC, &w0);

	if (conn_open(&c, mux, "uart0", command, NULL, 0, no_raw ? NULL : dir,
		      no_joblog ? NULL : &log, NULL) < 0) {
		fprintf(stderr, "console-driver: %s\n", c.error);
		return 2;
	}
	struct match mt;
	enum conn_expect_result rc =
	    conn_expect(&c, m, mux_now() + 1800ULL * 1000000000ULL, &mt);

	clock_gettime(CLOCK_MONOTONIC, &w1);
	getrusage(RUSAGE_SELF, &r1);

	uint64_t bytes = stream_end(&c.stream);
	if (rc != CONN_MATCHED)
		fprintf(stderr, "console-driver: no match (%d): %s\n", (int)rc,
			c.error);
	conn_close(&c);
	joblog_close(&log);
	mux_free(mux);

	double wall = (double)(w1.tv_sec - w0.tv_sec) +
		      (double)(w1.tv_nsec - w0.tv_nsec) / 1e9;
	long long raw = file_size(dir, "uart0.log");
	printf("bytes=%llu wall_s=%.4f user_s=%.4f sys_s=%.4f maxrss_kb=%ld "
	       "raw_bytes=%lld log_lines=%lld index=%d\n",
	       (unsigned long long)bytes, wall,
	       tv_s(r1.ru_utime) - tv_s(r0.ru_utime),
	       tv_s(r1.ru_stime) - tv_s(r0.ru_stime), r1.ru_maxrss, raw,
	       count_lines(dir, "log.yaml"),
	       rc == CONN_MATCHED ? (int)mt.index : -1);
	matcher_free(m);
	free(logpath);
	if (rc != CONN_MATCHED || mt.index != nprompts - 1 ||
	    (!no_raw && (raw < 0 || (uint64_t)raw != bytes)))
		return 1;
	return 0;
}
