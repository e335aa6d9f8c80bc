/* joblog.h: LAVA's job log (log.yaml): one YAML flow mapping a line,
 *   - {"dt": "2026-11-27T09:00:00.123456", "lvl": "target", "msg": "..."}
 * with "ns" after "msg" on feedback.  A record is written as it happens;
 * the lines of one read from a device are written together, once the read
 * is done (one write(2), not one per line): nothing already read is held
 * back past the next wait. */
#ifndef TETHER_JOBLOG_H
#define TETHER_JOBLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "secrets.h"
#include "util.h"

struct joblog {
	int fd;
	struct buf pending; /* records not written yet */
	unsigned long long records; /* written or pending: the next one's
	                             * 0-based line (LAVA's test case marks) */
	int batch;          /* joblog_batch_begin depth */
	time_t dt_sec;      /* the second dt_text was made for */
	char dt_text[32];   /* "2026-11-27T09:00:00" */
	/* The run's one list of secrets (secrets.h): the results, the
	 * person's view and the raw logs read it from here. */
	struct secrets secrets;
};

int joblog_open(struct joblog *log, const char *path);
/* A log on an already open descriptor (not closed by joblog_close). */
void joblog_attach(struct joblog *log, int fd);
void joblog_close(struct joblog *log);
/* MSG is LEN bytes (any bytes: invalid UTF-8 becomes U+FFFD), the
 * secrets masked; NS may be NULL. */
void joblog_record(struct joblog *log, const char *lvl, const char *msg,
		   size_t len, const char *ns);
/* A record whose msg is FLOW, LEN bytes of YAML flow text written as they
 * are (a results map, see results.h), the secrets masked. */
void joblog_record_flow(struct joblog *log, const char *lvl, const char *flow,
			size_t len);
/* The same, FLOW's secrets already masked, each string before it was
 * quoted (results.c): masking again could mask in "[MASKED]" itself. */
void joblog_record_flow_masked(struct joblog *log, const char *lvl,
                               const char *flow, size_t len);
/* From now on, every occurrence of SECRET in a record's message is
 * written as "[MASKED]", as lava-run masks the job's secrets, and in the
 * other outputs reading log->secrets.  An empty SECRET is ignored. */
void joblog_mask_add(struct joblog *log, const char *secret);
/* Between these, records are kept and written in one go at the end. */
void joblog_batch_begin(struct joblog *log);
void joblog_batch_end(struct joblog *log);
/* Appends S to B as a JSON/YAML double-quoted string. */
void joblog_quote(struct buf *b, const char *s, size_t len);

#endif
