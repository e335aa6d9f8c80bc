/* stream.c: one buffer, several readers. */
#include "stream.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void
stream_init(struct stream *s, size_t max_lag)
{
	memset(s, 0, sizeof *s);
	s->max_lag = max_lag;
}

void
stream_free(struct stream *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = s->cap = 0;
}

int
stream_consumer_add(struct stream *s)
{
	if (s->nconsumers == STREAM_MAX_CONSUMERS)
		abort();
	s->off[s->nconsumers] = s->base + s->len;
	return s->nconsumers++;
}

uint64_t
stream_end(const struct stream *s)
{
	return s->base + s->len;
}

/* Drops what every consumer has taken; cheap because it only moves
 * memory once the dead part is at least half the buffer. */
static void
stream_trim(struct stream *s)
{
	uint64_t min = s->base + s->len;
	for (int i = 0; i < s->nconsumers; i++)
		if (s->off[i] < min)
			min = s->off[i];
	size_t dead = (size_t)(min - s->base);
	if (dead == 0 || (dead < s->len / 2 && dead < 65536 && s->len != dead))
		return;
	memmove(s->buf, s->buf + dead, s->len - dead);
	s->len -= dead;
	s->base += dead;
}

void
stream_append(struct stream *s, const char *data, size_t len)
{
	uint64_t end = s->base + s->len + len;
	for (int i = 0; i < s->nconsumers; i++)
		if (end - s->off[i] > s->max_lag) {
			uint64_t to = end - s->max_lag;
			if (to > s->base + s->len)
				to = s->base + s->len;
			if (to > s->off[i]) {
				s->dropped += to - s->off[i];
				s->off[i] = to;
			}
		}
	stream_trim(s);
	if (s->len + len > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + len)
			cap *= 2;
		s->buf = xrealloc(s->buf, cap);
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, len);
	s->len += len;
}

void
stream_peek(const struct stream *s, int c, const char **data, size_t *len)
{
	size_t at = (size_t)(s->off[c] - s->base);
	*data = s->buf + at;
	*len = s->len - at;
}

void
stream_consume(struct stream *s, int c, size_t n)
{
	s->off[c] += n;
	stream_trim(s);
}

void
stream_seek(struct stream *s, int c, uint64_t off)
{
	if (off < s->base)
		off = s->base;
	if (off > s->base + s->len)
		off = s->base + s->len;
	s->off[c] = off;
	stream_trim(s);
}
