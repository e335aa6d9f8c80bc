/* fuzz-signal.c: the signal parser on any bytes gives the same events,
 * at the same offsets, however the stream is cut into reads; every event
 * is well formed.  The first byte picks the chunk sizes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signal.h"
#include "util.h"

static void
check(const struct signal_event *ev)
{
	if (ev->text == NULL || strlen(ev->text) > SIGNAL_MAX ||
	    ev->start >= ev->end || strncmp(ev->text, "<LAVA_", 6) != 0)
		abort();
	if (ev->type != SIGNAL_INVALID && ev->text[strlen(ev->text) - 1] != '>')
		abort();
	if (ev->error != NULL && ev->fatal && ev->type == SIGNAL_INVALID)
		abort();
}

/* Feeds DATA in chunks from SIZES (cycled; 0 means the rest). */
static char *
run(const uint8_t *data, size_t len, const uint8_t *sizes, size_t nsizes)
{
	struct signal_parser *p = signal_parser_new();
	struct signal_event ev;
	struct buf out;
	size_t at = 0, k = 0;
	buf_init(&out);
	buf_adds(&out, "");
	while (at < len) {
		size_t n = nsizes ? sizes[k++ % nsizes] : 0;
		if (n == 0 || n > len - at)
			n = len - at;
		while (n > 0) {
			size_t used;
			int r = signal_parser_feed(p, (const char *)data + at,
			                           n, &used, &ev);
			if (used > n || (r == 0 && used != n))
				abort();
			at += used;
			n -= used;
			if (r) {
				check(&ev);
				signal_event_format(&ev, &out);
				buf_printf(&out, " @%llu-%llu\n",
				           (unsigned long long)ev.start,
				           (unsigned long long)ev.end);
			}
		}
	}
	if (signal_parser_finish(p, &ev)) {
		check(&ev);
		signal_event_format(&ev, &out);
		buf_addc(&out, '\n');
	}
	signal_parser_free(p);
	return buf_steal(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t ones[] = {1};
	if (size == 0)
		return 0;
	size_t nsizes = data[0] % 4;
	if (size < 1 + nsizes)
		return 0;
	const uint8_t *sizes = data + 1;
	data += 1 + nsizes;
	size -= 1 + nsizes;
	char *whole = run(data, size, NULL, 0);
	char *cut = run(data, size, sizes, nsizes);
	char *bytes = run(data, size, ones, 1);
	if (strcmp(whole, cut) != 0 || strcmp(whole, bytes) != 0)
		abort();
	free(whole);
	free(cut);
	free(bytes);
	return 0;
}
