/* action-boot.c: boot method: minimal ("minimal-boot") and method:
 * new_connection ("secondary-shell-action"), with what they share:
 * connecting, auto_login with the kernel messages check, the shell
 * prompt, and transfer_overlay (the device fetches the overlay from
 * tether's own HTTP server and unpacks it). */
#include <stdlib.h>
#include <string.h>

#include "action-boot.h"
#include "host.h"
#include "httpd.h"
#include "job.h"
#include "match.h"

/* Without a match for this long, a newline is sent to get a prompt
 * printed again (LAVA's forced prompt: kernel logs may hide it). */
#define FORCE_PROMPT_NS (10ULL * NS_PER_S)

#define LOGIN_INCORRECT "Login incorrect"
#define LOGIN_TIMED_OUT "Login timed out"

/* The kernel's messages LAVA watches for during boot (its
 * KERNEL_MESSAGES, in its order: ties go to the first): what starts one,
 * what ends it, its kind, whether the boot cannot go on, and LAVA's
 * JobError when its end never comes. */
static const struct kernel_message {
	const char *start;
	const char *end;
	const char *kind; /* NULL: told by the text */
	bool fatal;
	const char *timeout; /* NULL: "wait for prompt timed out" */
} kernel_messages[] = {
    {"-\\[ cut here \\]", "-+\\[ end trace \\w* \\]-+[^\\n]*\\r", NULL, false,
     NULL},
    {"Unhandled fault", "\\r", "fault", false, NULL},
    {"BUG: KCSAN:", "=+\\r", "kcsan", false, NULL},
    {"BUG: KASAN:", "=+\\r", "kasan", false, NULL},
    {"BUG: KFENCE:", "=+\\r", "kfence", false, NULL},
    {"Oops(?: -|:)", "\\r", "oops", false, NULL},
    {"WARNING:", "end trace[^\\r]*\\r", "warning", false, NULL},
    {"(kernel BUG at|BUG:)", "\\r", "bug", false, NULL},
    {"invalid opcode:", "\\r", "invalid opcode", false, NULL},
    {"Kernel panic - not syncing", "end Kernel panic[^\\r]*\\r", "panic", true,
     "Kernel panic - not syncing"},
    {"U-Boot SPL 20[0-9][0-9]", "\\r", "DUT_has_reset", true, NULL},
};
#define NKERNEL (sizeof kernel_messages / sizeof kernel_messages[0])
/* A message is kept up to this long; the rest is read but dropped. */
#define KMSG_MAX (1u << 20)
/* The longest piece of a line read at a time while a message lasts. */
#define KMSG_PIECE "4096"

/* "['a', 'b']", as LAVA logs its prompt lists. */
static char *
strv_repr(const struct strv *s)
{
	struct buf b;
	buf_init(&b);
	buf_addc(&b, '[');
	for (size_t i = 0; i < s->n; i++)
		buf_printf(&b, "%s'%s'", i ? ", " : "", s->v[i]);
	buf_addc(&b, ']');
	return buf_steal(&b);
}

void
ns_set_prompts(struct job_ns *ns, const struct ynode *prompts)
{
	for (size_t i = 0; i < ns->nprompts; i++)
		free(ns->prompts[i]);
	free(ns->prompts);
	ns->prompts = NULL;
	ns->nprompts = 0;
	if (prompts == NULL)
		return;
	size_t n = prompts->kind == YN_SEQ ? prompts->n : 1;
	for (size_t i = 0; i < n; i++) {
		const struct ynode *p =
			prompts->kind == YN_SEQ ? prompts->items[i] : prompts;
		if (p->kind != YN_STR)
			continue;
		ns->prompts = xreallocarray(ns->prompts, ns->nprompts + 1,
		                            sizeof *ns->prompts);
		ns->prompts[ns->nprompts++] = xstrdup(p->str);
	}
}

static void
strv_add_prompts(struct strv *s, const struct job_ns *ns)
{
	for (size_t i = 0; i < ns->nprompts; i++)
		strv_add(s, ns->prompts[i]);
}

static unsigned
boot_delay(struct job *j)
{
	return j->dev && j->dev->delay_boot > 0 ? (unsigned)j->dev->delay_boot
	                                         : 0;
}

/* Waits for one of S, sending a newline whenever nothing matched for a
 * while, until A's connection timeout. */
static int
wait_forced(struct action *a, struct conn *c, const struct strv *s,
            struct match *mt, struct matcher **keep)
{
	uint64_t deadline = action_conn_deadline(a);
	uint64_t since = mux_now();
	for (;;) {
		uint64_t part = mux_now() + FORCE_PROMPT_NS;
		if (part > deadline)
			part = deadline;
		int rc = job_expect_soft(a, c, (const char *const *)s->v, s->n,
		                         part, mt, keep);
		if (rc != JOB_EXPECT_TIMEOUT)
			return rc;
		if (mux_now() >= deadline)
			return job_wait_timed_out(a, since);
		job_sendline(a->job, c, "", boot_delay(a->job));
	}
}

/* One pattern for every kernel message's start, matched from the start
 * of its line (or of the search), since LAVA records the message from
 * there: the lazy prefix makes the earliest start win, then the first
 * in the table, as pexpect does; group kN names the message. */
static char *
kernel_start_pattern(void)
{
	struct buf b;
	buf_init(&b);
	buf_adds(&b, "(?:\\A|(?<=\\n))[^\\n]*?(?:");
	for (size_t i = 0; i < NKERNEL; i++)
		buf_printf(&b, "%s(?P<k%zu>%s)", i ? "|" : "", i,
		           kernel_messages[i].start);
	buf_addc(&b, ')');
	return buf_steal(&b);
}

/* The prompt of P (N of them) that starts first in TEXT, before offset
 * LIMIT: its index, or -1.  TEXT is a line a line-wide pattern took as
 * a whole, where pexpect would have found that prompt first. */
static int
prompt_before(char *const *p, size_t n, const char *text, size_t len,
              size_t limit)
{
	if (n == 0 || limit == 0)
		return -1;
	struct matcher *m = matcher_new((const char *const *)p, n, NULL, 0);
	if (m == NULL)
		return -1;
	struct match mt;
	matcher_reset(m, 0);
	int rc = matcher_feed(m, text, len, &mt);
	if (rc == 0)
		rc = matcher_idle(m, &mt);
	int idx = rc == 1 && mt.start < limit ? (int)mt.index : -1;
	matcher_free(m);
	return idx;
}

/* After the start pattern matched: the message that started, its line
 * so far in MSG; or, when a prompt began earlier on that line, that
 * prompt.  An index in S either way (LAVA's list: kernel messages, then
 * prompts). */
static size_t
kernel_start_found(const struct matcher *m, const struct strv *s,
                   struct buf *msg)
{
	const char *line, *p = NULL;
	size_t len = matcher_group(m, 0, &line);
	size_t k;
	for (k = 0; k < NKERNEL && p == NULL; k++) {
		char name[16];
		snprintf(name, sizeof name, "k%zu", k);
		matcher_group_named(m, name, &p);
	}
	if (p == NULL) /* cannot be: some message matched */
		p = line, k = 1;
	int first = prompt_before(s->v + NKERNEL, s->n - NKERNEL, line, len,
	                          (size_t)(p - line));
	if (first >= 0)
		return NKERNEL + (size_t)first;
	buf_add(msg, line, len);
	return k - 1;
}

/* The words LAVA tells a message's kind by, first found first. */
static const char *const kmsg_words[][2] = {
    {"Oops", "oops"}, {"BUG", "bug"}, {"WARNING", "warning"}};
#define NWORDS (sizeof kmsg_words / sizeof kmsg_words[0])

/* Appends a piece to a message, kept up to KMSG_MAX bytes: of the rest
 * only the words of its kind are noted, in SEEN. */
static void
kmsg_add(struct buf *msg, unsigned *seen, const char *t, size_t len)
{
	size_t room = msg->len < KMSG_MAX ? KMSG_MAX - msg->len : 0;
	size_t keep = len < room ? len : room;
	buf_add(msg, t, keep);
	for (size_t i = 0; keep < len && i < NWORDS; i++)
		if (memmem(t + keep, len - keep, kmsg_words[i][0],
		           strlen(kmsg_words[i][0])))
			*seen |= 1u << i;
}

static const char *
kmsg_kind(const struct buf *msg, unsigned seen)
{
	for (size_t i = 0; i < NWORDS; i++)
		if ((seen >> i & 1) ||
		    (msg->len && memmem(msg->data, msg->len, kmsg_words[i][0],
		                        strlen(kmsg_words[i][0]))))
			return kmsg_words[i][1];
	return "unknown";
}

/* job_expect_soft() on a matcher compiled once for many waits in a row. */
static int
expect_again(struct action *a, struct conn *c, struct matcher *m,
             uint64_t deadline, struct match *mt)
{
	struct job *j = a->job;
	enum conn_expect_result r;
	for (;;) {
		/* In slices, so a signal to stop is seen within 100 ms. */
		uint64_t slice = mux_now() + NS_PER_S / 10;
		r = conn_expect(c, m, slice < deadline ? slice : deadline, mt);
		if (r != CONN_TIMEOUT || mux_now() >= deadline ||
		    job_canceled(j))
			break;
	}
	if (j->canceled)
		return -1;
	if (r == CONN_MATCHED)
		return (int)mt->index;
	if (r == CONN_TIMEOUT)
		return JOB_EXPECT_TIMEOUT;
	if (r == CONN_CLOSED)
		return job_fail(j, ERR_INFRASTRUCTURE, "%s",
		                conn_closed_message(c));
	return job_fail(j, ERR_TEST, "%s: %s", a->name, c->error);
}

/* LAVA's second wait: KM's end, or one of the prompts of S (after the
 * kernel patterns), whichever starts first.  The text on the way is
 * appended to MSG a line at a time (the matcher's window is smaller than
 * a message), each pattern anchored at the line's start so that the
 * line is not taken before what starts in it.  Returns 0 at the end
 * (MSG complete, less the end's "\r", as LAVA), the index in S of a
 * prompt that came first, or -1 once the job failed: the end never came
 * (LAVA's JobError, no record) or the connection dropped. */
static int
kernel_message_end(struct action *a, struct conn *c, const struct strv *s,
                   const struct kernel_message *km, struct buf *msg,
                   unsigned *seen)
{
	struct strv w = {0};
	char *p = xasprintf("\\A([^\\n]{0," KMSG_PIECE "}?)(?:%s)", km->end);
	strv_add(&w, p);
	free(p);
	for (size_t i = NKERNEL; i < s->n; i++) {
		p = xasprintf("\\A[^\\n]{0," KMSG_PIECE "}?(?:%s)", s->v[i]);
		char *out = NULL, err[8];
		size_t off;
		/* A prompt that cannot be wrapped (its global flags must
		 * lead) stays as it is. */
		if (match_translate(p, &out, err, sizeof err, &off) < 0) {
			free(p);
			p = xstrdup(s->v[i]);
		}
		free(out);
		strv_add(&w, p);
		free(p);
	}
	strv_add(&w, "\\A(?:[^\\n]{" KMSG_PIECE "}|[^\\n]*\\n)");
	char err[256];
	struct matcher *m =
	    matcher_new((const char *const *)w.v, w.n, err, sizeof err);
	if (m == NULL) {
		strv_free(&w);
		return job_fail(a->job, ERR_TEST, "%s: invalid prompt: %s",
		                a->name, err);
	}
	uint64_t since = mux_now();
	uint64_t deadline = action_conn_deadline(a);
	int rc;
	for (;;) {
		struct match mt;
		rc = expect_again(a, c, m, deadline, &mt);
		if (rc < 0)
			break;
		const char *t;
		size_t len = matcher_group(m, 0, &t);
		if ((size_t)rc == w.n - 1) { /* a line on the way */
			kmsg_add(msg, seen, t, len);
			continue;
		}
		if (rc > 0) {
			rc += (int)NKERNEL - 1;
			break;
		}
		const char *pre;
		size_t plen = matcher_group(m, 1, &pre);
		int first =
		    prompt_before(s->v + NKERNEL, s->n - NKERNEL, t, len, plen);
		if (first >= 0) {
			rc = (int)NKERNEL + first;
			break;
		}
		kmsg_add(msg, seen, t, len - 1);
		break;
	}
	matcher_free(m);
	strv_free(&w);
	if (rc == JOB_EXPECT_TIMEOUT)
		rc = km->timeout ? job_fail(a->job, ERR_JOB, "%s", km->timeout)
		                 : job_wait_timed_out(a, since);
	return rc;
}

/* Records one message in the results' list and the login action's. */
static void
kmsg_record(struct rval *found, struct rval *copy, const char *kind,
            const char *msg)
{
	struct rval *lists[] = {found, copy};
	for (size_t i = 0; i < 2; i++) {
		struct rval *e = rval_add(lists[i], rval_map());
		rval_put(e, "kind", rval_str(kind));
		rval_put(e, "message", rval_str(msg));
	}
}

/* LAVA's check of the kernel messages (LinuxKernelMessages.
 * parse_failures) until a prompt of S (after the kernel patterns)
 * matches: returns its index in S, or -1.  Each message is recorded from
 * the start of its line to its end. */
static int
kernel_messages_check(struct action *a, struct conn *c, struct strv *s)
{
	struct job *j = a->job;
	uint64_t start = mux_now();
	const struct ynode *fm = ymap_get(a->params, "failure_message");
	struct rval *found = rval_list();
	struct rval *found2 = rval_list(); /* the login action's copy */
	bool fail = false;
	char *halt = NULL;
	int rc;
	struct strv w = {0}; /* the kernel patterns as one, the prompts */
	char *ks = kernel_start_pattern();
	strv_add(&w, ks);
	free(ks);
	for (size_t i = NKERNEL; i < s->n; i++)
		strv_add(&w, s->v[i]);
	job_logf(j, "info", "Parsing kernel messages");
	for (;;) {
		struct match mt;
		struct matcher *m = NULL;
		rc = wait_forced(a, c, &w, &mt, &m);
		if (rc < 0)
			break;
		struct buf msg;
		buf_init(&msg);
		size_t idx = rc ? NKERNEL + (size_t)rc - 1
		                : kernel_start_found(m, s, &msg);
		matcher_free(m);
		if (idx > 0)
			job_logf(j, "debug", "Matched prompt #%zu: %s", idx,
			         s->v[idx]);
		rc = (int)idx;
		if (idx >= NKERNEL) {
			buf_free(&msg);
			if (fm && fm->kind == YN_STR &&
			    strcmp(fm->str, s->v[idx]) == 0) {
				/* LAVA's record; login-action fails the job. */
				fail = true;
				kmsg_record(found, found2, "custom-error",
				            fm->str);
			}
			break;
		}
		const struct kernel_message *km = &kernel_messages[idx];
		unsigned seen = 0;
		rc = kernel_message_end(a, c, s, km, &msg, &seen);
		if (rc < 0) {
			/* LAVA raises there: no record. */
			buf_free(&msg);
			rval_free(found);
			rval_free(found2);
			strv_free(&w);
			return -1;
		}
		if (rc > 0) {
			job_logf(j, "warning",
			         "Unable to match end of the kernel message");
			buf_free(&msg);
			break;
		}
		const char *kind = km->kind ? km->kind : kmsg_kind(&msg, seen);
		kmsg_record(found, found2, kind, msg.data ? msg.data : "");
		if (km->fatal) {
			job_logf(j, "error", "%s kernel '%s'", a->name, kind);
			fail = true;
			halt = buf_steal(&msg);
			break;
		}
		job_logf(j, "warning", "%s: kernel '%s'", a->name, kind);
		buf_free(&msg);
	}
	strv_free(&w);
	size_t nfound = found->n;
	struct rval *extra = rval_map();
	rval_put(extra, "extra", found);
	results_add(&j->results,
	            result_action("kernel-messages", a->ns, a->level,
	                          (double)(mux_now() - start) / 1e9, !fail,
	                          extra));
	if (halt) {
		rval_free(found2);
		job_fail(j, ERR_JOB, "%s", halt);
		free(halt);
		return -1;
	}
	if (rc >= 0 && !fail) {
		rval_free(a->extra);
		a->extra = rval_map();
		if (nfound) {
			job_logf(j, "warning",
			         "Kernel warnings or errors detected.");
			/* The login action's own copy: the results record
			 * above owns FOUND. */
			rval_put(a->extra, "extra", found2);
			found2 = NULL;
		} else {
			rval_put(
			    a->extra, "success",
			    rval_str("No kernel warnings or errors detected."));
		}
	}
	rval_free(found2);
	return rc;
}

static int
wait_prompts(struct action *a, struct conn *c, const struct strv *s)
{
	char *r = strv_repr(s);
	char hms[32];
	timeout_hms(hms, sizeof hms, (int64_t)(action_conn_deadline(a) - mux_now()));
	job_logf(a->job, "debug", "%s: Wait for prompt %s (timeout %s)",
	         a->name, r, hms);
	free(r);
	return job_expect(a, c, (const char *const *)s->v, s->n,
	                  action_conn_deadline(a), NULL, NULL);
}

/* login-action: kernel messages, then auto_login's user name, password
 * and login commands, until the shell's prompt. */
static int
login_action(struct action *parent, struct conn *c, struct job_ns *ns)
{
	struct job *j = parent->job;
	struct action a;
	action_begin(&a, j, parent, "login-action", NULL, NULL, 0);
	const struct ynode *p = a.params;
	const struct ynode *al = ymap_get(p, "auto_login");
	const struct ynode *fm = ymap_get(p, "failure_message");
	bool ignore_kmsg = ynode_truthy(ymap_get(p, "ignore_kernel_messages"));
	unsigned delay = boot_delay(j);
	struct strv s = {0};
	if (!ignore_kmsg)
		for (size_t i = 0; i < NKERNEL; i++)
			strv_add(&s, kernel_messages[i].start);
	strv_add_prompts(&s, ns);
	size_t fail_at = 0;
	if (fm && fm->kind == YN_STR) {
		job_logf(j, "info",
		         "Checking for user specified failure message: %s",
		         fm->str);
		fail_at = s.n;
		strv_add(&s, fm->str);
	}
	job_logf(j, "debug", "Using line separator: #'\\n'#");
	int rc;
	if (al == NULL) {
		job_logf(j, "debug", "No login prompt set.");
		rc = ignore_kmsg ? wait_forced(&a, c, &s, NULL, NULL)
		                 : kernel_messages_check(&a, c, &s);
		goto matched;
	}
	const struct ynode *lp = ymap_get(al, "login_prompt");
	const struct ynode *user = ymap_get(al, "username");
	const struct ynode *pp = ymap_get(al, "password_prompt");
	const struct ynode *pw = ymap_get(al, "password");
	const struct ynode *cmds = ymap_get(al, "login_commands");
	job_logf(j, "info", "Waiting for the login prompt");
	strv_add(&s, lp && lp->kind == YN_STR ? lp->str : "login:");
	strv_add(&s, LOGIN_INCORRECT);
	rc = ignore_kmsg ? wait_forced(&a, c, &s, NULL, NULL)
	                 : kernel_messages_check(&a, c, &s);
	if (rc < 0)
		goto out;
	if (fail_at && (size_t)rc == fail_at)
		goto matched;
	job_logf(j, "debug", "Sending username %s",
	         user && user->str ? user->str : "");
	job_sendline(j, c, user && user->str ? user->str : "", delay);
	if (pp) {
		strv_free(&s);
		strv_add_prompts(&s, ns);
		strv_add(&s, pp->kind == YN_STR ? pp->str : "Password:");
		strv_add(&s, LOGIN_TIMED_OUT);
		job_logf(j, "info", "Waiting for password prompt");
		rc = wait_prompts(&a, c, &s);
		if (rc < 0)
			goto out;
		if (strcmp(s.v[rc], LOGIN_TIMED_OUT) == 0) {
			rc = job_fail(j, ERR_JOB,
			              "Password prompt not matched, please update "
			              "the job definition with the correct one.");
			goto out;
		}
		job_logf(j, "debug", "Sending password %s",
		         pw && pw->str ? pw->str : "");
		job_sendline(j, c, pw && pw->str ? pw->str : "", delay);
	}
	strv_free(&s);
	strv_add_prompts(&s, ns);
	strv_add(&s, LOGIN_INCORRECT);
	strv_add(&s, LOGIN_TIMED_OUT);
	rc = wait_prompts(&a, c, &s);
	if (rc < 0)
		goto out;
	if (strcmp(s.v[rc], LOGIN_INCORRECT) == 0 ||
	    strcmp(s.v[rc], LOGIN_TIMED_OUT) == 0) {
		rc = job_fail(j, ERR_JOB, "%s", s.v[rc]);
		goto out;
	}
	if (cmds && cmds->kind == YN_SEQ) {
		job_logf(j, "debug", "Running login commands");
		strv_free(&s);
		strv_add_prompts(&s, ns);
		for (size_t i = 0; i < cmds->n; i++) {
			if (cmds->items[i]->kind != YN_STR)
				continue;
			job_sendline(j, c, cmds->items[i]->str, delay);
			rc = wait_prompts(&a, c, &s);
			if (rc < 0)
				goto out;
		}
	}
	rc = 0;
	goto out;
matched:
	if (rc >= 0 && fail_at && (size_t)rc == fail_at) {
		rc = job_fail(j, ERR_JOB,
		              "Matched job-specific failure message: '%s'",
		              fm->str);
	} else if (rc >= 0) {
		rc = 0;
	}
out:
	strv_free(&s);
	if (rc >= 0 && a.extra == NULL) {
		a.extra = rval_map();
		rval_put(a.extra, "success",
		         rval_str("No kernel warnings or errors detected."));
	}
	return action_end(&a, rc < 0 ? -1 : 0);
}

/* auto-login-action: on a booting device, the kernel's start message
 * first; then login-action.  A retrying action of its own, with the
 * block's failure_retry, as in LAVA (retries multiply). */
struct login_args {
	struct conn *c;
	struct job_ns *ns;
	bool booting;
};

static int
auto_login_attempt(struct action *a, void *arg)
{
	struct login_args *la = arg;
	struct job *j = a->job;
	struct conn *c = la->c;
	int rc = 0;
	if (c->eof)
		return job_fail(j, ERR_INFRASTRUCTURE, "%s",
		                conn_closed_message(c));
	const struct ynode *ksm =
		la->booting && j->dev
			? device_constant(j->dev, "kernel-start-message", NULL)
			: NULL;
	const struct ynode *bp = ymap_get(a->params, "parameters");
	if (la->booting && ymap_get(bp, "kernel-start-message"))
		ksm = ymap_get(bp, "kernel-start-message");
	if (ksm && ksm->kind == YN_STR && ksm->len) {
		struct strv s = {0};
		strv_add(&s, ksm->str);
		job_logf(j, "debug", "Setting prompt string to ['%s']",
		         ksm->str);
		rc = wait_prompts(a, c, &s);
		strv_free(&s);
	}
	if (rc >= 0)
		rc = login_action(a, c, la->ns);
	return rc < 0 ? -1 : 0;
}

int
auto_login(struct action *parent, struct conn *c, struct job_ns *ns,
           bool booting)
{
	struct job *j = parent->job;
	struct action a;
	action_begin(&a, j, parent, "auto-login-action", NULL, NULL, 0);
	bool repeat;
	a.max_retries = action_failure_retries(j, a.params, &repeat);
	struct login_args la = {.c = c, .ns = ns, .booting = booting};
	int rc = action_retry(&a, false, auto_login_attempt, &la);
	return action_end(&a, rc);
}

int
expect_shell(struct action *parent, struct conn *c, struct job_ns *ns)
{
	struct job *j = parent->job;
	struct action a;
	action_begin(&a, j, parent, "expect-shell-connection", NULL, NULL, 0);
	struct strv s = {0};
	strv_add_prompts(&s, ns);
	char *r = strv_repr(&s);
	job_logf(j, "debug", "Forcing a shell prompt, looking for %s", r);
	free(r);
	job_sendline(j, c, "", boot_delay(j));
	int rc = wait_prompts(&a, c, &s);
	strv_free(&s);
	return action_end(&a, rc < 0 ? -1 : 0);
}

/* Sends CMD and waits for the shell's prompt again. */
int
shell_run(struct action *a, struct conn *c, struct job_ns *ns,
          const char *cmd)
{
	return job_shell_run(a, c, ns->prompts, ns->nprompts, cmd,
	                     boot_delay(a->job));
}

/* Publishes TGZ on the job's server (started on first use); its URL. */
static int
overlay_server(struct job *j, struct action *a, const char *tgz, char **url)
{
	if (j->httpd == NULL) {
		char err[256];
		j->httpd = httpd_start(j->mux, j->http_listen, err, sizeof err);
		if (j->httpd == NULL)
			return job_fail(j, ERR_INFRASTRUCTURE,
			                "%s: overlay server: %s", a->name, err);
		job_logf(j, "debug", "Serving the overlay on http://%s/",
		         httpd_address(j->httpd));
	}
	/* Only the overlay, at a path no one else can guess. */
	const char *path = httpd_publish(j->httpd, tgz, strrchr(tgz, '/') + 1);
	if (path == NULL)
		return job_fail(j, ERR_INFRASTRUCTURE,
		                "%s: overlay server: cannot publish %s",
		                a->name, tgz);
	*url = xasprintf("http://%s%s", httpd_address(j->httpd), path);
	return 0;
}

/* overlay-unpack: the device downloads the overlay and unpacks it. */
int
overlay_unpack(struct action *parent, struct conn *c, struct job_ns *ns)
{
	struct job *j = parent->job;
	struct action a;
	action_begin(&a, j, parent, "overlay-unpack", NULL, NULL, 0);
	const struct ynode *to = ymap_get(a.params, "transfer_overlay");
	const struct ynode *dl = ymap_get(to, "download_command");
	const struct ynode *up = ymap_get(to, "unpack_command");
	struct job_ns *deploy = job_ns_get(j, a.ns);
	int rc = 0;
	char *url = NULL;
	if (deploy->overlay_tgz == NULL) {
		rc = job_fail(j, ERR_JOB,
		              "transfer_overlay: no overlay was deployed in "
		              "namespace '%s'",
		              a.ns);
		goto out;
	}
	if (dl == NULL || dl->kind != YN_STR || up == NULL ||
	    up->kind != YN_STR) {
		rc = job_fail(j, ERR_JOB,
		              "transfer_overlay needs download_command and "
		              "unpack_command");
		goto out;
	}
	if (overlay_server(j, &a, deploy->overlay_tgz, &url) < 0) {
		rc = -1;
		goto out;
	}
	const char *file = strrchr(deploy->overlay_tgz, '/') + 1;
	char *cmd = xasprintf("rm %s", file);
	rc = shell_run(&a, c, ns, cmd);
	free(cmd);
	/* Download and unpack with their exit status checked: a failed
	 * transfer is said here, not found later as a missing runner. */
	if (rc == 0) {
		cmd = xasprintf("%s %s", dl->str, url);
		rc = job_shell_checked(&a, c, ns->prompts, ns->nprompts, cmd,
		                       boot_delay(j));
		free(cmd);
	}
	if (rc == 0) {
		cmd = xasprintf("%s %s", up->str, file);
		rc = job_shell_checked(&a, c, ns->prompts, ns->nprompts, cmd,
		                       boot_delay(j));
		free(cmd);
	}
out:
	free(url);
	return action_end(&a, rc);
}

int
export_env(struct action *parent)
{
	struct action a;
	action_begin(&a, parent->job, parent, "export-device-env", NULL, NULL,
	             0);
	return action_end(&a, 0);
}

static bool
has_prompts(const struct ynode *params)
{
	return ymap_get(params, "prompts") || ymap_get(params, "auto_login");
}

/* A connection still open in NS, or the device's primary one opened. */
static int
connect_device(struct action *parent, struct job_ns *ns)
{
	struct job *j = parent->job;
	struct action a;
	action_begin(&a, j, parent, "connect-device", NULL, NULL, 0);
	int rc = 0;
	if (ns->conn && !ns->conn->eof) {
		job_logf(j, "debug", "Already connected");
		job_use_conn(j, ns->conn);
		return action_end(&a, 0);
	}
	const struct device_conn *pc = j->dev ? j->dev->primary : NULL;
	const char *cmd = pc ? pc->connect : j->dev ? j->dev->connect : NULL;
	if (cmd == NULL) {
		rc = job_fail(j, ERR_JOB,
		              "Unable to connect to the device: no "
		              "commands.connect and no primary connection");
		return action_end(&a, rc);
	}
	job_logf(j, "info", "[%s] connect-device Connecting to device using '%s'",
	         a.ns, cmd);
	struct conn *c = job_conn_open(j, &a, pc ? pc->name : "connect", cmd,
	                               pc ? pc->tags : NULL, pc ? pc->ntags : 0,
	                               a.ns);
	if (c == NULL)
		return action_end(&a, -1);
	ns->conn = c;
	ns->conn_owned = true;
	return action_end(&a, 0);
}

/* reset-device: the hard reset command, else the soft reboot ones. */
static int
reset_device(struct action *parent, struct job_ns *ns)
{
	struct job *j = parent->job;
	struct action a;
	action_begin(&a, j, parent, "reset-device", NULL, NULL, 0);
	int rc = 0;
	if (j->dev && j->dev->power[POWER_HARD_RESET]) {
		struct action r;
		action_begin(&r, j, &a, "pdu-reboot", NULL, NULL, 0);
		rc = host_commands(&r, j->dev->power[POWER_HARD_RESET]);
		if (rc == 0) {
			r.extra = rval_map();
			rval_put(r.extra, "status", rval_str("success"));
		}
		rc = action_end(&r, rc);
	} else if (j->dev && j->dev->power[POWER_SOFT_REBOOT] && ns->conn) {
		struct action r;
		action_begin(&r, j, &a, "send-reboot-commands", NULL, NULL, 0);
		const struct ynode *cmds = j->dev->power[POWER_SOFT_REBOOT];
		size_t n = cmds->kind == YN_SEQ ? cmds->n : 1;
		for (size_t i = 0; i < n; i++) {
			const struct ynode *cmd =
				cmds->kind == YN_SEQ ? cmds->items[i] : cmds;
			if (cmd->kind == YN_STR)
				job_sendline(j, ns->conn, cmd->str,
				             boot_delay(j));
		}
		rc = action_end(&r, 0);
	} else {
		job_logf(j, "debug",
		         "No power control or reboot commands: the device is "
		         "not reset");
	}
	return action_end(&a, rc);
}

int
boot_login(struct action *top, struct job_ns *ns, bool booting)
{
	if (!has_prompts(top->params))
		return 0;
	if (auto_login(top, ns->conn, ns, booting) < 0)
		return -1;
	if (expect_shell(top, ns->conn, ns) < 0)
		return -1;
	/* The overlay fetched by the device itself (any boot, a disk
	 * image's too: no libguestfs), as LAVA's OverlayUnpack. */
	if (ymap_get(top->params, "transfer_overlay") &&
	    overlay_unpack(top, ns->conn, ns) < 0)
		return -1;
	ns->booted = true;
	return export_env(top);
}

int
boot_minimal(struct job *j, struct action *top)
{
	struct job_ns *ns = job_ns_get(j, top->ns);
	ns_set_prompts(ns, ymap_get(top->params, "prompts"));
	if (connect_device(top, ns) < 0)
		return -1;
	const struct ynode *reset = ymap_get(top->params, "reset");
	if ((reset == NULL || ynode_truthy(reset)) && reset_device(top, ns) < 0)
		return -1;
	return boot_login(top, ns, true);
}

int
boot_new_connection(struct job *j, struct action *top)
{
	struct job_ns *ns = job_ns_get(j, top->ns);
	ns_set_prompts(ns, ymap_get(top->params, "prompts"));
	const struct ynode *name = ymap_get(top->params, "connection");
	struct action a;
	action_begin(&a, j, top, "connect-shell", NULL, NULL, 0);
	const struct device_conn *dc = NULL;
	for (size_t i = 0; j->dev && name && i < j->dev->nconns; i++)
		if (strcmp(j->dev->conns[i].name, name->str) == 0)
			dc = &j->dev->conns[i];
	if (dc == NULL || dc->connect == NULL) {
		job_fail(j, ERR_JOB,
		         "Unable to find connection '%s' in the device's "
		         "commands.connections",
		         name && name->kind == YN_STR ? name->str : "?");
		return action_end(&a, -1);
	}
	if (ns->conn && !ns->conn->eof) {
		job_logf(j, "debug", "Already connected");
	} else {
		job_logf(j, "info",
		         "[%s] %s Connecting to device using '%s'", a.ns,
		         a.name, dc->connect);
		struct conn *c = job_conn_open(j, &a, dc->name, dc->connect,
		                               dc->tags, dc->ntags, a.ns);
		if (c == NULL)
			return action_end(&a, -1);
		ns->conn = c;
		ns->conn_owned = true;
		/* A console already at its login prompt prints it again. */
		job_sendline(j, c, "", boot_delay(j));
	}
	job_use_conn(j, ns->conn);
	action_end(&a, 0);
	return boot_login(top, ns, false);
}
