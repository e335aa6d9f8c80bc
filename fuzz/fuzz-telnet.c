/* fuzz-telnet.c: libFuzzer target for the telnet parser.
 *
 * The first byte picks which options both sides allow; the rest is fed
 * once whole and once in chunks whose sizes come from the input itself.
 * Both runs must give the same data, replies and option states (the
 * parser is incremental, so chunking must not matter), data can never
 * outgrow the input, and escaped data must parse back to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "telnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
setup(struct telnet *t, uint8_t policy)
{
	static const int opts[] = {TELOPT_BINARY, TELOPT_ECHO, TELOPT_SGA,
	                           TELOPT_NAWS};
	telnet_init(t);
	for (int i = 0; i < 4; i++) {
		if (policy & (1u << i))
			telnet_allow_local(t, opts[i]);
		if (policy & (16u << i))
			telnet_allow_remote(t, opts[i]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t policy = data[0];
	data++, size--;

	struct telnet a, b;
	struct buf da, ra, db, rb;
	buf_init(&da), buf_init(&ra), buf_init(&db), buf_init(&rb);
	setup(&a, policy);
	setup(&b, policy);
	if (policy & 0x80) {
		/* Also exercise our own requests before any input. */
		telnet_offer_local(&a, TELOPT_ECHO, &ra);
		telnet_offer_local(&b, TELOPT_ECHO, &rb);
		telnet_request_remote(&a, TELOPT_SGA, &ra);
		telnet_request_remote(&b, TELOPT_SGA, &rb);
	}

	telnet_feed(&a, data, size, &da, &ra);
	for (size_t off = 0, i = 0; off < size; i++) {
		size_t n = 1 + data[i % size] % 7;
		if (n > size - off)
			n = size - off;
		telnet_feed(&b, data + off, n, &db, &rb);
		off += n;
	}
	if (da.len != db.len || (da.len && memcmp(da.data, db.data, da.len) != 0))
		abort();
	if (ra.len != rb.len || (ra.len && memcmp(ra.data, rb.data, ra.len) != 0))
		abort();
	if (memcmp(a.us, b.us, sizeof(a.us)) != 0 ||
	    memcmp(a.him, b.him, sizeof(a.him)) != 0)
		abort();
	if (da.len > size)
		abort();
	/* Every reply is a whole three-byte command. */
	if (ra.len % 3 != 0)
		abort();

	/* Round trip: without CR NUL pairs (which NVT folds to CR), what
	 * telnet_escape writes parses back unchanged. */
	if (memmem(data, size, "\r\0", 2) == NULL) {
		struct telnet c;
		struct buf enc, dc, rc;
		buf_init(&enc), buf_init(&dc), buf_init(&rc);
		telnet_init(&c);
		telnet_escape(data, size, &enc);
		telnet_feed(&c, enc.data, enc.len, &dc, &rc);
		if (dc.len != size || (size && memcmp(dc.data, data, size)) ||
		    rc.len != 0)
			abort();
		buf_free(&enc), buf_free(&dc), buf_free(&rc);
	}
	buf_free(&da), buf_free(&ra), buf_free(&db), buf_free(&rb);
	return 0;
}
