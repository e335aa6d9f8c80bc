/* joblog.c: the LAVA-format job log. */
#include "joblog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int
joblog_open(struct joblog *log, const char *path)
{
	memset(log, 0, sizeof *log);
	log->fd = file_create_new(path);
	return log->fd < 0 ? -1 : 0;
}

void
joblog_attach(struct joblog *log, int fd)
{
	memset(log, 0, sizeof *log);
	log->fd = -fd - 2; /* negative: not ours to close */
}

static int
joblog_fd(const struct joblog *log)
{
	return log->fd >= 0 ? log->fd : -log->fd - 2;
}

static void
joblog_flush(struct joblog *log)
{
	int fd = joblog_fd(log);
	if (fd >= 0 && log->pending.len)
		write_all(fd, log->pending.data, log->pending.len);
	buf_reset(&log->pending);
}

void
joblog_batch_begin(struct joblog *log)
{
	log->batch++;
}

void
joblog_batch_end(struct joblog *log)
{
	if (--log->batch == 0)
		joblog_flush(log);
}

void
joblog_close(struct joblog *log)
{
	joblog_flush(log);
	buf_free(&log->pending);
	if (log->fd >= 0)
		close(log->fd);
	log->fd = -1;
	secrets_free(&log->secrets);
}

void
joblog_mask_add(struct joblog *log, const char *secret)
{
	secrets_add(&log->secrets, secret);
}

/* Length of a valid UTF-8 sequence at S, or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t len)
{
	size_t n;
	unsigned cp;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void
joblog_quote(struct buf *b, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	buf_addc(b, '"');
	for (size_t i = 0; i < len;) {
		/* Console text is mostly printable ASCII: copy such runs
		 * whole. */
		size_t run = i;
		while (run < len && s[run] >= 0x20 && s[run] < 0x7f &&
		       s[run] != '"' && s[run] != '\\')
			run++;
		if (run > i) {
			buf_add(b, s + i, run - i);
			i = run;
			continue;
		}
		unsigned char c = s[i];
		if (c == '"' || c == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)c);
			i++;
		} else if (c == '\n') {
			buf_adds(b, "\\n");
			i++;
		} else if (c == '\r') {
			buf_adds(b, "\\r");
			i++;
		} else if (c == '\t') {
			buf_adds(b, "\\t");
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			buf_printf(b, "\\u%04x", c);
			i++;
		} else {
			size_t n = utf8_seq(s + i, len - i);
			if (n == 0) {
				buf_adds(b, "\\ufffd");
				i++;
			} else {
				buf_add(b, s + i, n);
				i += n;
			}
		}
	}
	buf_addc(b, '"');
}

/* Starts a record: "- {"dt": "...", "lvl": "LVL", "msg": ". */
static struct buf *
joblog_head(struct joblog *log, const char *lvl)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != log->dt_sec || log->dt_text[0] == '\0') {
		/* gmtime and strftime once a second, not once a line. */
		struct tm tm;
		gmtime_r(&ts.tv_sec, &tm);
		strftime(log->dt_text, sizeof log->dt_text, "%Y-%m-%dT%H:%M:%S",
			 &tm);
		log->dt_sec = ts.tv_sec;
	}
	char usec[8];
	long us = ts.tv_nsec / 1000;
	for (int i = 5; i >= 0; i--, us /= 10)
		usec[i] = (char)('0' + us % 10);
	usec[6] = '\0';

	struct buf *b = &log->pending;
	buf_adds(b, "- {\"dt\": \"");
	buf_adds(b, log->dt_text);
	buf_addc(b, '.');
	buf_adds(b, usec);
	buf_adds(b, "\", \"lvl\": \"");
	buf_adds(b, lvl);
	buf_adds(b, "\", \"msg\": ");
	return b;
}

void
joblog_record(struct joblog *log, const char *lvl, const char *msg,
	      size_t len, const char *ns)
{
	char *masked = secrets_mask(&log->secrets, msg, &len);
	if (masked)
		msg = masked;
	struct buf *b = joblog_head(log, lvl);
	log->records++;
	joblog_quote(b, msg, len);
	free(masked);
	if (ns) {
		buf_adds(b, ", \"ns\": ");
		joblog_quote(b, ns, strlen(ns));
	}
	buf_adds(b, "}\n");
	if (log->batch == 0)
		joblog_flush(log);
}

void
joblog_record_flow(struct joblog *log, const char *lvl, const char *flow,
		   size_t len)
{
	char *masked = secrets_mask(&log->secrets, flow, &len);
	joblog_record_flow_masked(log, lvl, masked ? masked : flow, len);
	free(masked);
}

void
joblog_record_flow_masked(struct joblog *log, const char *lvl, const char *flow,
                          size_t len)
{
	struct buf *b = joblog_head(log, lvl);
	log->records++;
	buf_add(b, flow, len);
	buf_adds(b, "}\n");
	if (log->batch == 0)
		joblog_flush(log);
}
