/* timeout.h: LAVA timeouts: timeout maps ({minutes: 5}, ...) in seconds,
 * the six-level precedence that gives each action its duration and its
 * connection timeout, deadlines, and what a timeout raises (spec §1.3). */
#ifndef TETHER_TIMEOUT_H
#define TETHER_TIMEOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "yaml.h"

/* Nanoseconds in a second: the unit of every deadline (mux_now). */
#define NS_PER_S 1000000000LL

/* LAVA's default action timeout: what a zero duration becomes. */
#define TIMEOUT_DEFAULT_SECONDS 30
/* The fresh time the job's cleanup gets, under the name "job-cleanup"
 * (never more than the job timeout itself). */
#define TIMEOUT_CLEANUP_SECONDS 300

/* The longest timeout, in seconds (292 years): what nanoseconds in an
 * int64_t hold, so that every deadline computed from one (now + seconds
 * * 10^9, in uint64_t) fits.  A longer one (days: 9223372036854775807)
 * saturates to it. */
#define TIMEOUT_MAX_SECONDS (INT64_MAX / NS_PER_S)

/* Sums the days, hours, minutes and seconds of a timeout map, as LAVA's
 * Timeout.parse does (a total of 0 becomes the 30 s default); a total
 * beyond TIMEOUT_MAX_SECONDS either way (infinite units too) saturates to
 * it, where Python's timedelta overflows past 999999999 days.  Returns
 * -1 when N is no map or a unit is no number (NaN either). */
int timeout_parse(const struct ynode *n, long long *seconds);

/* SECONDS in nanoseconds, saturated: 0 for 0 or less, UINT64_MAX when
 * it does not fit (584 years and more). */
uint64_t timeout_ns(long long seconds);
/* NOW_NS + SECONDS, saturated at UINT64_MAX (never), or NOW_NS when
 * SECONDS is 0 or less: how a deadline SECONDS away is computed. */
uint64_t timeout_after(uint64_t now_ns, long long seconds);

/* What decides one action's timeouts.  Any map may be NULL. */
struct timeout_ctx {
	const struct ynode *job;    /* the job's timeouts: */
	const struct ynode *device; /* the device's timeouts: */
	const char *name;           /* the action's name: "auto-login-action" */
	/* The block's timeout: and timeouts: ({action-name: t}).  Every
	 * action of a block, however deep, sees the block's parameters. */
	const struct ynode *block_timeout;
	const struct ynode *block_timeouts;
	/* The parent action's resolved duration and max_retries
	 * (failure_retry, or repeat); 0 for a top-level action. */
	long long parent_duration;
	int parent_max_retries;
	/* The action's own duration before any override; 0: 30 s. */
	long long default_duration;
};

struct timeout_set {
	long long duration;   /* seconds the action may run */
	long long connection; /* seconds each wait on a connection may take */
	bool skip;            /* the block's timeout says skip: true */
};

/* Resolves the duration (job timeouts.action -> device
 * timeouts.actions[name] -> block timeout -> parent duration / its
 * max_retries when it retries more than once -> job
 * timeouts.actions[name] -> block timeouts[name], each overriding the one
 * before) and the connection timeout (job timeouts.connection -> device
 * timeouts.connections[name] -> job timeouts.connections[name]).  An
 * override that is no timeout map adds a JobError ("Invalid timeout ...")
 * to D and makes it return -1. */
int timeout_resolve(const struct timeout_ctx *c, struct timeout_set *out,
                    struct diags *d);

/* The monotonic time (ns) an action started at START_NS must end by: its
 * own start + DURATION, or PARENT_NS when that comes first.  PARENT_NS 0
 * means no parent (the job itself; for its cleanup pass
 * now + TIMEOUT_CLEANUP_SECONDS as the parent). */
uint64_t timeout_deadline(uint64_t start_ns, long long duration,
                          uint64_t parent_ns);

/* The whole seconds LAVA gives an action between START_NS and
 * DEADLINE_NS: Python's round(), halves to even, as its alarm is set.
 * At most 0: the action times out before it runs. */
long long timeout_allowed(uint64_t start_ns, uint64_t deadline_ns);

/* "HH:MM:SS" of NS rounded to whole seconds (hours may pass 99), as in
 * "start: 2 minimal-boot (timeout 00:05:00)".  Returns BUF. */
char *timeout_hms(char *buf, size_t size, int64_t ns);

/* "<name> timed out after N seconds", N the whole seconds (truncated)
 * from START_NS to NOW_NS, however the deadline came about: a parent's
 * deadline still times out the running child under the child's name and
 * class. */
char *timeout_message(const char *name, uint64_t start_ns, uint64_t now_ns);

/* The class an action's timeout raises: JobError by default;
 * InfrastructureError for connections, power, downloads, user commands
 * and bootloader steps; LAVATimeoutError for the test shell and
 * interactive tests; TestError for MultiNode test actions. */
enum err_class timeout_class(const char *action_name);

/* What a pipeline does with a LAVATimeoutError from one of its actions. */
enum timeout_fate {
	TIMEOUT_TEST_ERROR, /* no skip: it becomes a TestError */
	TIMEOUT_SKIP,       /* skip at top level: warn, the job goes on */
	TIMEOUT_PASS_UP     /* skip below top level: the parent decides */
};
enum timeout_fate timeout_fate(bool skip, bool top_level);

/* The warning of TIMEOUT_SKIP; %s is the action's name. */
#define TIMEOUT_SKIP_FMT                                                       \
	"skip_timeout is set for %s - continuing to next action block."

#endif
