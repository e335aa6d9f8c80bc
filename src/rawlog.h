/* rawlog.h: a connection's bytes exactly as read, in <name>.log, with the
 * time each chunk arrived in <name>.times ("OFFSET SECONDS.NANOSECONDS"
 * a line: the chunk starting at byte OFFSET arrived then).  Both are
 * written with write(2) as the bytes are read. */
#ifndef TETHER_RAWLOG_H
#define TETHER_RAWLOG_H

#include <stddef.h>
#include <stdint.h>

#include "secrets.h"

struct rawlog {
	int fd, times_fd;
	uint64_t offset;
	/* Secrets (the job's masks): each occurrence is written as as many
	 * '*', so offsets stay true.  Bytes that may begin one are held
	 * until the next read, or the close, tells. */
	const struct secrets *secrets; /* read at each write: it may grow */
	char *hold;
	size_t nhold;
	uint64_t hold_ns;
};

/* Creates DIR/NAME.log and DIR/NAME.times (file_create_new: whatever held
 * the names is replaced, never written through). */
int rawlog_open(struct rawlog *log, const char *dir, const char *name);
void rawlog_close(struct rawlog *log);
void rawlog_write(struct rawlog *log, uint64_t wall_ns, const char *data,
		  size_t len);
/* Stars the secrets of S (read at each write: the list may grow and
 * move) from now on. */
void rawlog_set_secrets(struct rawlog *log, const struct secrets *s);

#endif
