/* fuzz-coordinator.c: the coordinator's frame reader and protocol engine
 * on any bytes.  The input is a script: a control byte, then (for a
 * request) a frame, 8 hex digits and JSON; requests go to one engine
 * with small limits, between them the clock moves, parked requests are
 * cancelled (a dropped connection) and idle groups expire.  No crash,
 * no leak, and every answer, at once or later, is one JSON object. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "coordinator.h"
#include "json.h"
#include "util.h"

static void
check_answer(const struct buf *reply)
{
	struct json *j;
	if (json_parse(reply->data ? reply->data : "", reply->len, &j, NULL,
	               0) < 0 ||
	    j->type != JSON_OBJECT || json_get(j, "response") == NULL)
		abort();
	json_free(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct coord_limits lim;
	coord_limits_default(&lim);
	lim.max_frame = 4096;
	lim.max_groups = 4;
	lim.max_group_size = 8;
	lim.max_group_bytes = 2048;
	lim.max_ids = 8;
	lim.max_name = 16;
	lim.idle_ns = 1000;
	struct coord *c = coord_new(&lim);
	struct buf reply;
	buf_init(&reply);
	uint64_t now = 1, waiters[16] = {0};
	size_t nw = 0;
	const char *p = (const char *)data, *end = p + len;
	while (p < end) {
		unsigned op = (unsigned char)*p++;
		if (op < 16) {
			/* A dropped push connection. */
			if (nw)
				coord_cancel(c, waiters[op % nw], now);
		} else if (op < 24) {
			now += (uint64_t)op * 100;
			coord_expire(c, now);
		} else {
			size_t jsonlen;
			int rc = coord_frame_parse(p, (size_t)(end - p),
			                           lim.max_frame, &jsonlen);
			if (rc != 1) {
				/* The rest, as one unframed request. */
				jsonlen = (size_t)(end - p);
				if (jsonlen > lim.max_frame)
					jsonlen = lim.max_frame;
			} else {
				p += 8;
			}
			uint64_t w;
			enum coord_status st =
			    coord_request(c, p, jsonlen, now, &reply, &w);
			if (st == COORD_REPLY)
				check_answer(&reply);
			else if (st == COORD_PARKED && nw < 16)
				waiters[nw++] = w;
			p += jsonlen;
			if (rc != 1)
				break;
		}
		uint64_t w;
		while (coord_next_ready(c, &w, &reply))
			check_answer(&reply);
	}
	struct buf f;
	buf_init(&f);
	coord_frame_write(&f, reply.data ? reply.data : "", reply.len);
	size_t n;
	if (coord_frame_parse(f.data, f.len, (size_t)-1, &n) != 1 ||
	    n != reply.len)
		abort();
	buf_free(&f);
	buf_free(&reply);
	coord_free(c);
	return 0;
}
