/* rawlog.c: byte-exact connection logs with arrival times. */
#include "rawlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "joblog.h"
#include "util.h"

static int
open_in(const char *dir, const char *name, const char *ext)
{
	char *path = xasprintf("%s/%s%s", dir, name, ext);
	int fd = file_create_new(path);
	int e = errno;
	free(path);
	errno = e;
	return fd;
}

int
rawlog_open(struct rawlog *log, const char *dir, const char *name)
{
	log->offset = 0;
	log->secrets = NULL;
	log->hold = NULL;
	log->nhold = 0;
	log->fd = open_in(dir, name, ".log");
	log->times_fd = open_in(dir, name, ".times");
	if (log->fd < 0 || log->times_fd < 0) {
		rawlog_close(log);
		return -1;
	}
	return 0;
}

static void
rawlog_put(struct rawlog *log, uint64_t wall_ns, const char *data, size_t len)
{
	if (len == 0)
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

void
rawlog_set_secrets(struct rawlog *log, const struct secrets *s)
{
	log->secrets = s;
}

void
rawlog_close(struct rawlog *log)
{
	if (log->fd >= 0 && log->nhold)
		rawlog_put(log, log->hold_ns, log->hold, log->nhold);
	free(log->hold);
	log->hold = NULL;
	log->nhold = 0;
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
	if ((log->secrets == NULL || log->secrets->n == 0) &&
	    log->nhold == 0) {
		rawlog_put(log, wall_ns, data, len);
		return;
	}
	/* What was held, then the new bytes: every secret in them starred,
	 * then a tail that could still begin one held back. */
	size_t n = log->nhold + len;
	char *all = xmalloc(n ? n : 1);
	if (log->nhold)
		memcpy(all, log->hold, log->nhold);
	memcpy(all + log->nhold, data, len);
	uint64_t ns = log->nhold ? log->hold_ns : wall_ns;
	free(log->hold);
	log->hold = NULL;
	log->nhold = 0;
	secrets_star(log->secrets, all, n);
	size_t keep = secrets_tail(log->secrets, all, n);
	rawlog_put(log, ns, all, keep);
	if (keep < n) {
		log->hold = xmalloc(n - keep);
		memcpy(log->hold, all + keep, n - keep);
		log->nhold = n - keep;
		log->hold_ns = wall_ns;
	}
	free(all);
}
