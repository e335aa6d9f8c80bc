/* rawlog.h: a connection's bytes exactly as read, in <name>.log, with the
 * time each chunk arrived in <name>.times ("OFFSET SECONDS.NANOSECONDS"
 * a line: the chunk starting at byte OFFSET arrived then).  Both are
 * written with write(2) as the bytes are read. */
#ifndef TETHER_RAWLOG_H
#define TETHER_RAWLOG_H

#include <stddef.h>
#include <stdint.h>

struct rawlog {
	int fd, times_fd;
	uint64_t offset;
};

/* Opens DIR/NAME.log and DIR/NAME.times. */
int rawlog_open(struct rawlog *log, const char *dir, const char *name);
void rawlog_close(struct rawlog *log);
void rawlog_write(struct rawlog *log, uint64_t wall_ns, const char *data,
		  size_t len);

#endif
