/* rawlog.c: byte-exact connection logs with arrival times. */
#include "rawlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

static int
open_in(const char *dir, const char *name, const char *ext)
{
	char *path = xasprintf("%s/%s%s", dir, name, ext);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
		      0644);
	free(path);
	return fd;
}

int
rawlog_open(struct rawlog *log, const char *dir, const char *name)
{
	log->offset = 0;
	log->fd = open_in(dir, name, ".log");
	log->times_fd = open_in(dir, name, ".times");
	if (log->fd < 0 || log->times_fd < 0) {
		rawlog_close(log);
		return -1;
	}
	return 0;
}

void
rawlog_close(struct rawlog *log)
{
	if (log->fd >= 0)
		close(log->fd);
	if (log->times_fd >= 0)
		close(log->times_fd);
	log->fd = log->times_fd = -1;
}

void
rawlog_write(struct rawlog *log, uint64_t wall_ns, const char *data,
	     size_t len)
{
	if (log->fd < 0)
		return;
	char line[64];
	int n = snprintf(line, sizeof line, "%llu %llu.%09llu\n",
			 (unsigned long long)log->offset,
			 (unsigned long long)(wall_ns / 1000000000ULL),
			 (unsigned long long)(wall_ns % 1000000000ULL));
	write_all(log->fd, data, len);
	write_all(log->times_fd, line, (size_t)n);
	log->offset += len;
}
