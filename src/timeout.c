/* timeout.c: timeout maps into seconds, the precedence that picks each
 * action's timeouts, deadlines and the errors a timeout raises. */
#include "timeout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int
timeout_parse(const struct ynode *n, long long *seconds)
{
	static const struct {
		const char *unit;
		double seconds;
	} units[] = {
	    {"days", 86400}, {"hours", 3600}, {"minutes", 60}, {"seconds", 1}};
	if (n == NULL || n->kind != YN_MAP)
		return -1;
	/* In doubles: no product or sum overflows (an infinity at worst),
	 * and the total saturates before it becomes an integer. */
	double total = 0;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		const struct ynode *v = ymap_get(n, units[i].unit);
		if (v == NULL)
			continue;
		double x;
		if (v->kind == YN_INT)
			x = (double)v->v.i; /* a big one saturated already */
		else if (v->kind == YN_BOOL)
			x = v->v.b;
		else if (v->kind == YN_FLOAT && !isnan(v->v.f))
			x = v->v.f;
		else
			return -1;
		total += x * units[i].seconds;
	}
	if (isnan(total)) /* days: .inf, hours: -.inf */
		return -1;
	if (total >= (double)TIMEOUT_MAX_SECONDS)
		*seconds = TIMEOUT_MAX_SECONDS;
	else if (total <= -(double)TIMEOUT_MAX_SECONDS)
		*seconds = -TIMEOUT_MAX_SECONDS;
	else
		*seconds = (long long)total;
	if (*seconds == 0)
		*seconds = TIMEOUT_DEFAULT_SECONDS;
	return 0;
}

/* Python's str() of a node, for "Invalid timeout <value>": enough of it
 * to name the value a user wrote. */
static void
py_str(struct buf *b, const struct ynode *n, bool repr)
{
	switch (n->kind) {
	case YN_NULL:
		buf_adds(b, "None");
		return;
	case YN_BOOL:
		buf_adds(b, n->v.b ? "True" : "False");
		return;
	case YN_STR:
		if (repr) {
			buf_addc(b, '\'');
			for (size_t i = 0; i < n->len; i++) {
				if (n->str[i] == '\'' || n->str[i] == '\\')
					buf_addc(b, '\\');
				buf_addc(b, n->str[i]);
			}
			buf_addc(b, '\'');
		} else {
			buf_add(b, n->str, n->len);
		}
		return;
	case YN_SEQ:
		buf_addc(b, '[');
		for (size_t i = 0; i < n->n; i++) {
			if (i)
				buf_adds(b, ", ");
			py_str(b, n->items[i], true);
		}
		buf_addc(b, ']');
		return;
	case YN_MAP:
		buf_addc(b, '{');
		for (size_t i = 0; i < n->n; i++) {
			if (i)
				buf_adds(b, ", ");
			py_str(b, n->keys[i], true);
			buf_adds(b, ": ");
			py_str(b, n->vals[i], true);
		}
		buf_addc(b, '}');
		return;
	default:
		buf_add(b, n->str ? n->str : "", n->str ? n->len : 0);
		return;
	}
}

/* One level of the precedence: T (when given) replaces *SECONDS.  A
 * missing key and an explicit null both leave it alone, as dict.get
 * does. */
static int
timeout_override(const struct ynode *t, long long *seconds, const char *what,
                 const char *path, struct diags *d)
{
	if (t == NULL || t->kind == YN_NULL)
		return 0;
	long long s;
	if (timeout_parse(t, &s) == 0) {
		*seconds = s;
		return 0;
	}
	struct buf b;
	buf_init(&b);
	py_str(&b, t, false);
	diags_add(d, ERR_JOB, t->line, t->col, path, "Invalid %s %s", what,
	          b.data);
	buf_free(&b);
	return -1;
}

/* MAP[KEY][NAME], any level missing or no map giving NULL. */
static const struct ynode *
lookup2(const struct ynode *map, const char *key, const char *name)
{
	const struct ynode *sub = ymap_get(map, key);
	return sub && sub->kind == YN_MAP ? ymap_get(sub, name) : NULL;
}

int
timeout_resolve(const struct timeout_ctx *c, struct timeout_set *out,
                struct diags *d)
{
	const char *name = c->name;
	int rc = 0;
	long long dur =
	    c->default_duration ? c->default_duration : TIMEOUT_DEFAULT_SECONDS;
	char *p_actions = xasprintf("timeouts.actions.%s", name);
	char *p_conns = xasprintf("timeouts.connections.%s", name);
	char *p_block = xasprintf("timeouts.%s", name);

	/* 1-3: the job's default, the device's for this name, the block's. */
	rc |= timeout_override(ymap_get(c->job, "action"), &dur, "timeout",
	                       "timeouts.action", d);
	rc |= timeout_override(lookup2(c->device, "actions", name), &dur,
	                       "timeout", p_actions, d);
	rc |= timeout_override(c->block_timeout, &dur, "timeout", "timeout", d);
	/* 4: a retried child shares its parent's time between the attempts;
	 * a quotient of 0 is a zero timeout, hence the default. */
	if (c->parent_max_retries > 1) {
		long long q = c->parent_duration / c->parent_max_retries;
		if (q * c->parent_max_retries > c->parent_duration)
			q--; /* Python's // floors */
		dur = q;
		if (dur == 0)
			dur = TIMEOUT_DEFAULT_SECONDS;
	}
	/* 5-6: the names the job and the block give win over all else. */
	rc |= timeout_override(lookup2(c->job, "actions", name), &dur,
	                       "timeout", p_actions, d);
	/* An empty timeouts: is no override (LAVA tests its truth). */
	if (ynode_truthy(c->block_timeouts)) {
		if (c->block_timeouts->kind == YN_MAP)
			rc |=
			    timeout_override(ymap_get(c->block_timeouts, name),
			                     &dur, "timeout", p_block, d);
		else
			rc |= timeout_override(c->block_timeouts, &dur,
			                       "timeout", "timeouts", d);
	}

	long long conn = TIMEOUT_DEFAULT_SECONDS;
	rc |= timeout_override(ymap_get(c->job, "connection"), &conn,
	                       "connection timeout", "timeouts.connection", d);
	rc |= timeout_override(lookup2(c->device, "connections", name), &conn,
	                       "connection timeout", p_conns, d);
	rc |= timeout_override(lookup2(c->job, "connections", name), &conn,
	                       "connection timeout", p_conns, d);

	free(p_actions);
	free(p_conns);
	free(p_block);
	out->duration = dur;
	out->connection = conn;
	out->skip = c->block_timeout && c->block_timeout->kind == YN_MAP &&
	            ynode_truthy(ymap_get(c->block_timeout, "skip"));
	return rc ? -1 : 0;
}


uint64_t
timeout_ns(long long seconds)
{
	if (seconds <= 0)
		return 0;
	if ((unsigned long long)seconds > UINT64_MAX / NS_PER_S)
		return UINT64_MAX;
	return (uint64_t)seconds * NS_PER_S;
}

uint64_t
timeout_after(uint64_t now_ns, long long seconds)
{
	uint64_t ns = timeout_ns(seconds);
	return ns > UINT64_MAX - now_ns ? UINT64_MAX : now_ns + ns;
}

uint64_t
timeout_deadline(uint64_t start_ns, long long duration, uint64_t parent_ns)
{
	uint64_t own;
	if (duration <= 0) {
		/* Already over: LAVA raises at once; never 0 (no parent).
		 * -duration cannot overflow: LLONG_MIN takes the first
		 * branch. */
		uint64_t back = duration < -(INT64_MAX / NS_PER_S)
		                    ? UINT64_MAX
		                    : timeout_ns(-duration);
		own = back >= start_ns ? 1 : start_ns - back;
	} else {
		own = timeout_after(start_ns, duration);
	}
	return parent_ns != 0 && parent_ns < own ? parent_ns : own;
}

/* Python's round() of NS / 1e9: to the nearest second, halves to even. */
static long long
round_seconds(int64_t ns)
{
	long long q = ns / NS_PER_S, r = ns % NS_PER_S;
	if (r < 0) {
		q--;
		r += NS_PER_S;
	}
	if (r > NS_PER_S / 2 || (r == NS_PER_S / 2 && (q & 1)))
		q++;
	return q;
}

long long
timeout_allowed(uint64_t start_ns, uint64_t deadline_ns)
{
	int64_t diff;
	if (deadline_ns >= start_ns)
		diff = deadline_ns - start_ns > INT64_MAX
		           ? INT64_MAX
		           : (int64_t)(deadline_ns - start_ns);
	else
		diff = start_ns - deadline_ns > INT64_MAX
		           ? INT64_MIN
		           : -(int64_t)(start_ns - deadline_ns);
	return round_seconds(diff);
}

char *
timeout_hms(char *buf, size_t size, int64_t ns)
{
	long long s = round_seconds(ns);
	/* divmod floors, as Python's does. */
	long long h = s / 3600, rem = s % 3600;
	if (rem < 0) {
		h--;
		rem += 3600;
	}
	snprintf(buf, size, "%02lld:%02lld:%02lld", h, rem / 60, rem % 60);
	return buf;
}

char *
timeout_message(const char *name, uint64_t start_ns, uint64_t now_ns)
{
	long long elapsed =
	    now_ns > start_ns ? (long long)((now_ns - start_ns) / NS_PER_S) : 0;
	return xasprintf("%s timed out after %lld seconds", name, elapsed);
}

/* Actions whose timeout_exception is not JobError (LAVA 2026.x). */
static const char *const infrastructure_timeouts[] = {
    "apply-overlay-avh",
    "apply-overlay-guest",
    "apply-overlay-image",
    "apply-overlay-qdl",
    "apply-overlay-sparse-image",
    "apply-overlay-tftp",
    "boot-fastboot",
    "bootloader-commands",
    "bootloader-commands-altbank",
    "bootloader-interrupt",
    "check-serial-availability",
    "compress-ramdisk",
    "configure-preseed-file",
    "connect-device",
    "connect-shell",
    "deploy-mps-reboot-txt",
    "deploy-mps-test-binary",
    "deploy-vexpress-recovery-image",
    "depthcharge-start",
    "detect-fastboot-device",
    "disconnect-device",
    "download-action",
    "enable-vexpress-usbmsd",
    "enter-fastboot-action",
    "enter-vexpress-mcc",
    "erase-vexpress-flash",
    "extract-modules",
    "extract-nfsrootfs",
    "extract-overlay-ramdisk",
    "extract-rootfs",
    "extract-vexpress-recovery-image",
    "fastboot-boot-commands",
    "fastboot-deploy",
    "fastboot-flash-action",
    "fastboot-flash-order-action",
    "fastboot-reboot",
    "fastboot-reboot-bootloader",
    "fastboot-reboot-fastboot",
    "file-download",
    "http-download",
    "menu-connect",
    "menu-reset",
    "mount-device-usbmsd",
    "mount-musca-usbmsd",
    "mount-vexpress-usbmsd",
    "pdu-reboot",
    "power-off",
    "power-on",
    "pre-os-command",
    "pre-power-command",
    "prepare-tftp-overlay",
    "rclone-download",
    "scp-deploy",
    "scp-download",
    "ssh-connection",
    "uefi-menu-interrupt",
    "uefi-shell-menu-interrupt",
    "unmount-musca-usbmsd",
    "unmount-vexpress-usbmsd",
    "usbg-ms",
    "user-command",
    "uuu-boot",
    "vexpress-fw-deploy",
    "vexpress-fw-deploy-retry",
    "wait-device-boardid",
    "wait-device-path",
    "wait-dfu-device",
    "wait-qdl-device",
    "wait-usb-mass-storage-device",
    "wait-usb-serial",
};

static const char *const lava_timeouts[] = {
    "lava-docker-test",       "lava-docker-test-set-environment",
    "lava-docker-test-shell", "lava-test-interactive",
    "lava-test-monitor",      "lava-test-service",
    "lava-test-shell",
};

static const char *const test_timeouts[] = {
    "lava-multinode-docker-test-shell",
    "multinode-test",
};

static int
name_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

static bool
name_in(const char *name, const char *const *v, size_t n)
{
	return bsearch(name, v, n, sizeof v[0], name_cmp) != NULL;
}

#define NAME_IN(name, v) name_in(name, v, sizeof v / sizeof v[0])

enum err_class
timeout_class(const char *action_name)
{
	if (NAME_IN(action_name, infrastructure_timeouts))
		return ERR_INFRASTRUCTURE;
	if (NAME_IN(action_name, lava_timeouts))
		return ERR_TIMEOUT;
	if (NAME_IN(action_name, test_timeouts))
		return ERR_TEST;
	return ERR_JOB;
}

enum timeout_fate
timeout_fate(bool skip, bool top_level)
{
	if (!skip)
		return TIMEOUT_TEST_ERROR;
	return top_level ? TIMEOUT_SKIP : TIMEOUT_PASS_UP;
}
