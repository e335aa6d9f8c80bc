/* joblog.h: LAVA's job log (log.yaml): one YAML flow mapping a line,
 *   - {"dt": "2026-11-27T09:00:00.123456", "lvl": "target", "msg": "..."}
 * with "ns" after "msg" on feedback.  Each record is written with one
 * write(2) as it happens: a crash loses nothing already logged. */
#ifndef TETHER_JOBLOG_H
#define TETHER_JOBLOG_H

#include <stddef.h>

struct joblog {
	int fd;
};

int joblog_open(struct joblog *log, const char *path);
/* A log on an already open descriptor (not closed by joblog_close). */
void joblog_attach(struct joblog *log, int fd);
void joblog_close(struct joblog *log);
/* MSG is LEN bytes (any bytes: invalid UTF-8 becomes U+FFFD); NS may be
 * NULL. */
void joblog_record(struct joblog *log, const char *lvl, const char *msg,
		   size_t len, const char *ns);
/* Appends S to B as a JSON/YAML double-quoted string. */
struct buf;
void joblog_quote(struct buf *b, const char *s, size_t len);

#endif
