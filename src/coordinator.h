/* coordinator.h: LAVA's MultiNode coordinator protocol, without sockets:
 * groups, their nodes and roles, the lava-send message store, lava-sync
 * rounds, and the waits (lava-wait, lava-wait-all, group_data).  The
 * server (cmd-coordinator.c) hands it one request's JSON text and sends
 * back what it answers; a request that asks for push ("push": true) is
 * parked instead of answered "wait", and its answer comes out of
 * coord_next_ready() when the group's state allows it.  docs/multinode.md
 * tells the protocol and where tether differs from LAVA. */
#ifndef TETHER_COORDINATOR_H
#define TETHER_COORDINATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Everything a peer can make the coordinator hold is bounded. */
struct coord_limits {
	size_t max_frame;       /* JSON text of one request, bytes */
	size_t max_groups;      /* groups alive at once */
	size_t max_group_size;  /* nodes in one group (group_size) */
	size_t max_group_bytes; /* what lava-send and lava-sync store */
	size_t max_ids;         /* distinct messageIDs in one group */
	size_t max_name;        /* group, client, role, messageID, bytes */
	uint64_t idle_ns;       /* a group nobody spoke to this long expires */
};

void coord_limits_default(struct coord_limits *lim);

struct coord;

/* LEVEL is "INFO", "WARNING" or "DEBUG"; MSG one line. */
typedef void (*coord_log_fn)(void *arg, const char *level, const char *msg);

struct coord *coord_new(const struct coord_limits *lim);
void coord_free(struct coord *c);
void coord_set_log(struct coord *c, coord_log_fn fn, void *arg);

enum coord_status {
	COORD_REPLY,  /* REPLY holds the answer's JSON text */
	COORD_PARKED, /* a push request: its answer comes later, as *WAITER */
	COORD_CLOSE,  /* "complete": close without an answer, as LAVA */
};

/* Handles one request (JSON text, LEN bytes) at monotonic time NOW (ns).
 * Never fails: what it cannot accept is answered {"response": "nack"}. */
enum coord_status coord_request(struct coord *c, const char *json, size_t len,
                                uint64_t now, struct buf *reply,
                                uint64_t *waiter);

/* The next parked request whose answer is ready: true with *WAITER and
 * REPLY (reset first) set, false when there is none. */
bool coord_next_ready(struct coord *c, uint64_t *waiter, struct buf *reply);

/* WAITER's connection dropped before its answer: it is withdrawn, and
 * its node counts as gone until it speaks again, so that waits it can no
 * longer satisfy end at once (ready through coord_next_ready). */
void coord_cancel(struct coord *c, uint64_t waiter, uint64_t now);

/* Forgets groups idle for longer than the idle limit (none with a
 * parked request); returns how many. */
size_t coord_expire(struct coord *c, uint64_t now);

size_t coord_frame_limit(const struct coord *c);
size_t coord_ngroups(const struct coord *c);
size_t coord_nparked(const struct coord *c);

/* The frame: 8 hex digits (the length of the JSON text) and the text.
 * Returns 1 when BUF (LEN bytes) holds a whole frame (*JSONLEN set; any
 * bytes after it are not part of it), 0 when more is needed, -1 when the
 * header is no 8 hex digits, -2 when it announces more than MAX bytes. */
int coord_frame_parse(const char *buf, size_t len, size_t max, size_t *jsonlen);
/* Appends the frame of JSON (LEN bytes) to OUT, header upper-case as
 * LAVA writes it. */
void coord_frame_write(struct buf *out, const char *json, size_t len);

#endif
