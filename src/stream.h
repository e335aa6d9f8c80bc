/* stream.h: the bytes read from one connection, appended once and read
 * by several consumers, each at its own offset (tmux's pane buffer).  The
 * buffer keeps only what the slowest consumer has not taken yet, and no
 * consumer may lag more than a bound behind: memory stays bounded however
 * much a device prints. */
#ifndef TETHER_STREAM_H
#define TETHER_STREAM_H

#include <stddef.h>
#include <stdint.h>

#define STREAM_MAX_CONSUMERS 8

struct stream {
	char *buf;
	size_t len, cap;
	uint64_t base; /* stream offset of buf[0] */
	uint64_t off[STREAM_MAX_CONSUMERS];
	int nconsumers;
	size_t max_lag;    /* a consumer further behind is moved forward */
	uint64_t dropped;  /* bytes consumers lost that way */
};

void stream_init(struct stream *s, size_t max_lag);
void stream_free(struct stream *s);
/* A new consumer, starting at the current end; returns its index. */
int stream_consumer_add(struct stream *s);
void stream_append(struct stream *s, const char *data, size_t len);
/* What consumer C has not taken yet. */
void stream_peek(const struct stream *s, int c, const char **data,
		 size_t *len);
void stream_consume(struct stream *s, int c, size_t n);
/* Moves consumer C to stream offset OFF (within what is kept). */
void stream_seek(struct stream *s, int c, uint64_t off);
uint64_t stream_end(const struct stream *s);

#endif
