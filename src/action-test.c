/* action-test.c: the LAVA test shell ("lava-test-retry", its child
 * "lava-test-shell"): runs the overlay's lava-test-runner for the next
 * stage of the namespace over its connection (or the one of
 * connection-namespace), and turns what comes back into results: the
 * signals (signal.c), the definitions' parse patterns with their
 * fixupdict, and the expected cases (spec §4).  Every other connection
 * keeps being read and logged as feedback meanwhile. */
#include <stdlib.h>
#include <string.h>

#include "action-test.h"
#include "job.h"
#include "match.h"
#include "signal.h"

/* One definition's parse: pattern and fixups, from its file. */
struct testdef_info {
	struct ydoc *doc; /* the definition file, when parsed from text */
	const struct ynode *root;
	const char **fixups; /* pairs */
	size_t nfixups;
	const char *pattern;
	const struct ynode *expected; /* the job's list, or NULL */
};

struct shell {
	struct job *j;
	struct action *a;
	struct job_ns *deploy; /* the namespace holding the overlay */
	struct conn *c;
	struct signal_parser *sp;
	bool exited;       /* <LAVA_TEST_RUNNER EXIT> */
	bool failed;       /* job_fail() was called */
	/* the run under way */
	const struct overlay_test *run;
	struct testdef_info info;
	uint64_t run_start;
	char *set;         /* lava-test-set name, or NULL */
	char *starttc, *endtc;
	struct rval *seen; /* case -> true, for expected */
	struct rval *runs; /* test runs started: testrun -> true */
	/* the parse pattern: a matcher over the bytes since run start */
	struct matcher *pm;
	struct buf pbuf;   /* bytes from pbuf_off on */
	uint64_t pbuf_off;
	uint64_t pfed;     /* stream offset fed to pm so far */
	uint64_t off;      /* stream offset of the next byte to read */
};

static void
info_free(struct testdef_info *ti)
{
	free(ti->fixups);
	ydoc_free(ti->doc);
	memset(ti, 0, sizeof *ti);
}

/* The definition's parse: section, from its file or the inline
 * repository, and expected: from the job. */
static void
info_load(struct shell *sh, const struct overlay_test *t)
{
	struct testdef_info *ti = &sh->info;
	info_free(ti);
	if (t->testdef_text) {
		struct yerror yerr;
		ti->doc = ydoc_parse(t->testdef_text, t->testdef_len, &yerr);
		ti->root = ti->doc ? ydoc_root(ti->doc) : NULL;
	}
	if (ti->root == NULL && t->def)
		ti->root = ymap_get(t->def, "repository");
	const struct ynode *parse = ymap_get(ti->root, "parse");
	const struct ynode *pat = ymap_get(parse, "pattern");
	if (pat && pat->kind == YN_STR)
		ti->pattern = pat->str;
	const struct ynode *fx = ymap_get(parse, "fixupdict");
	if (fx && fx->kind == YN_MAP) {
		ti->fixups = xcalloc(fx->n * 2 + 1, sizeof *ti->fixups);
		for (size_t i = 0; i < fx->n; i++) {
			if (fx->keys[i]->kind != YN_STR ||
			    !ynode_is_scalar(fx->vals[i]))
				continue;
			ti->fixups[2 * ti->nfixups] = fx->keys[i]->str;
			ti->fixups[2 * ti->nfixups + 1] = fx->vals[i]->str;
			ti->nfixups++;
		}
	}
	const struct ynode *ex = t->def ? ymap_get(t->def, "expected") : NULL;
	ti->expected = ex && ex->kind == YN_SEQ ? ex : NULL;
}

static bool
expected_has(const struct ynode *ex, const char *name)
{
	for (size_t i = 0; ex && i < ex->n; i++)
		if (ex->items[i]->kind == YN_STR &&
		    strcmp(ex->items[i]->str, name) == 0)
			return true;
	return false;
}

static const struct overlay_test *
find_run(struct shell *sh, const char *id)
{
	for (size_t i = 0; i < sh->deploy->layout.ntests; i++) {
		const struct overlay_test *t = &sh->deploy->layout.tests[i];
		if (id && strcmp(t->testrun, id) == 0)
			return t;
	}
	return NULL;
}

/* One result of the run under way, checked against expected. */
static void
add_case(struct shell *sh, const char *case_id, const char *result,
         const char *measurement, double value, const char *units)
{
	struct job *j = sh->j;
	if (sh->run == NULL) {
		job_logf(j, "error",
		         "Test case '%s' outside of a test run: ignored",
		         case_id);
		return;
	}
	const char *res = result;
	if (sh->info.expected && !expected_has(sh->info.expected, case_id)) {
		job_logf(j, "warning",
		         "Reporting unexpected test case '%s' as 'fail'",
		         case_id);
		res = "fail";
	}
	struct rval *r = result_case(sh->run->testrun, case_id, res,
	                             measurement != NULL, value, units);
	if (measurement) {
		/* As the device printed it, the way LAVA keeps it. */
		rval_put(r, "measurement", rval_str(measurement));
	}
	if (sh->set)
		rval_put(r, "set", rval_str(sh->set));
	if (sh->starttc)
		rval_put(r, "starttc", rval_str(sh->starttc));
	if (sh->endtc)
		rval_put(r, "endtc", rval_str(sh->endtc));
	free(sh->starttc);
	free(sh->endtc);
	sh->starttc = sh->endtc = NULL;
	results_add(&j->results, r);
	rval_put(sh->seen, case_id, rval_bool(true));
}

static void
end_run(struct shell *sh, const char *uuid)
{
	struct job *j = sh->j;
	const struct overlay_test *t = sh->run;
	const struct ynode *ex = sh->info.expected;
	bool warned = false;
	for (size_t i = 0; ex && i < ex->n; i++) {
		const char *name = ex->items[i]->str;
		if (ex->items[i]->kind != YN_STR || rval_get(sh->seen, name))
			continue;
		if (!warned)
			job_logf(j, "warning",
			         "Reporting missing expected test cases as "
			         "'fail' ...");
		warned = true;
		struct rval *r = result_case(t->testrun, name, "fail", false, 0,
		                             NULL);
		rval_put(r, "level", rval_str(sh->a->level));
		struct rval *e = rval_put(r, "extra", rval_map());
		rval_put(e, "reason",
		         rval_str("missing expected test cases are reported as "
		                  "'fail' by LAVA."));
		if (sh->set)
			rval_put(r, "set", rval_str(sh->set));
		results_add(&j->results, r);
		rval_put(sh->seen, name, rval_bool(true));
	}
	double secs = (double)(mux_now() - sh->run_start) / 1e9;
	job_logf(j, "info", "Ending use of test pattern.");
	job_logf(j, "info", "Ending test lava.%s (%s), duration %.2f",
	         t->testrun, uuid ? uuid : t->uuid, secs);
	struct rval *r = rval_map();
	rval_put(r, "definition", rval_str("lava"));
	rval_put(r, "case", rval_str(t->testrun));
	rval_put(r, "uuid", rval_str(t->uuid));
	if (strcmp(t->from, "inline") == 0)
		rval_put(r, "repository",
		         rval_node(ymap_get(t->def, "repository")));
	else
		rval_put(r, "repository",
		         t->repository ? rval_str(t->repository) : rval_null());
	rval_put(r, "path", rval_str(t->path));
	char dur[32];
	snprintf(dur, sizeof dur, "%.2f", secs);
	rval_put(r, "duration", rval_str(dur));
	rval_put(r, "result", rval_str("pass"));
	rval_put(r, "revision",
	         rval_str(t->revision ? t->revision : "unspecified"));
	rval_put(r, "namespace", rval_str(sh->a->ns));
	if (t->commit_id)
		rval_put(r, "commit_id", rval_str(t->commit_id));
	results_add(&j->results, r);
	sh->run = NULL;
	free(sh->set);
	sh->set = NULL;
	matcher_free(sh->pm);
	sh->pm = NULL;
	signal_parser_set_fixup(sh->sp, NULL, 0);
}

static void
start_run(struct shell *sh, const char *id, const char *uuid)
{
	struct job *j = sh->j;
	const struct overlay_test *t = find_run(sh, id);
	if (t == NULL) {
		job_logf(j, "error", "Unknown test run '%s': ignored",
		         id ? id : "");
		return;
	}
	if (sh->run)
		end_run(sh, NULL);
	sh->run = t;
	sh->run_start = mux_now();
	rval_put(sh->runs, t->testrun, rval_bool(true));
	rval_free(sh->seen);
	sh->seen = rval_map();
	job_logf(j, "info", "Starting test lava.%s (%s)", id, uuid);
	info_load(sh, t);
	signal_parser_set_fixup(sh->sp,
	                        sh->info.nfixups ? sh->info.fixups : NULL,
	                        sh->info.nfixups);
	if (sh->info.pattern == NULL) {
		job_logf(j, "info", "Skipping test definition patterns.");
		return;
	}
	char err[256];
	const char *pats[] = {sh->info.pattern};
	sh->pm = matcher_new(pats, 1, err, sizeof err);
	if (sh->pm == NULL) {
		job_logf(j, "error", "Invalid parse pattern of %s: %s", id,
		         err);
		return;
	}
	/* Only what comes after the start of the run is parsed. */
	buf_reset(&sh->pbuf);
	sh->pbuf_off = sh->pfed = sh->off;
	matcher_reset(sh->pm, sh->off);
}

static const char *
fixup(const struct testdef_info *ti, const char *raw)
{
	for (size_t i = 0; i < ti->nfixups; i++)
		if (strcmp(ti->fixups[2 * i], raw) == 0)
			return ti->fixups[2 * i + 1];
	return raw;
}

/* A match of the definition's parse pattern is a test case. */
static void
pattern_match(struct shell *sh)
{
	const char *id, *res, *meas, *units;
	size_t lid = matcher_group_named(sh->pm, "test_case_id", &id);
	size_t lres = matcher_group_named(sh->pm, "result", &res);
	size_t lmeas = matcher_group_named(sh->pm, "measurement", &meas);
	size_t lunits = matcher_group_named(sh->pm, "units", &units);
	if (id == NULL || res == NULL) {
		job_logf(sh->j, "error",
		         "The parse pattern matched without test_case_id and "
		         "result");
		return;
	}
	char *cid = xstrndup(id, lid);
	/* LAVA makes the id fit a URL: spaces and slashes go. */
	for (char *p = cid; *p; p++)
		if (*p == ' ' || *p == '/')
			*p = '_';
	char *raw = xstrndup(res, lres);
	const char *result = fixup(&sh->info, raw);
	char *m = meas ? xstrndup(meas, lmeas) : NULL;
	char *u = units ? xstrndup(units, lunits) : NULL;
	if (strcmp(result, "pass") && strcmp(result, "fail") &&
	    strcmp(result, "skip") && strcmp(result, "unknown")) {
		job_logf(sh->j, "error",
		         "Bad test result: '%s' for test case '%s'", result,
		         cid);
	} else {
		add_case(sh, cid, result, m, m ? strtod(m, NULL) : 0, u);
	}
	free(cid);
	free(raw);
	free(m);
	free(u);
}

/* Feeds the parse pattern what arrived, match after match. */
static void
pattern_feed(struct shell *sh, const char *data, size_t len)
{
	if (sh->pm == NULL)
		return;
	buf_add(&sh->pbuf, data, len);
	for (;;) {
		uint64_t end = sh->pbuf_off + sh->pbuf.len;
		if (sh->pfed >= end)
			break;
		size_t skip = (size_t)(sh->pfed - sh->pbuf_off);
		struct match mt;
		int r = matcher_feed(sh->pm, sh->pbuf.data + skip,
		                     sh->pbuf.len - skip, &mt);
		sh->pfed = end;
		if (r <= 0)
			break;
		pattern_match(sh);
		matcher_reset(sh->pm, mt.end);
		sh->pfed = mt.end;
	}
	/* Keep only what the matcher may still need. */
	uint64_t keep = matcher_keep(sh->pm);
	if (keep > sh->pfed)
		keep = sh->pfed;
	if (keep > sh->pbuf_off) {
		size_t drop = (size_t)(keep - sh->pbuf_off);
		memmove(sh->pbuf.data, sh->pbuf.data + drop,
		        sh->pbuf.len - drop);
		sh->pbuf.len -= drop;
		sh->pbuf_off = keep;
	}
}

static void
signal_event(struct shell *sh, const struct signal_event *ev)
{
	struct job *j = sh->j;
	char line[32];
	snprintf(line, sizeof line, "%llu", j->log.records);
	job_logf(j, "debug", "Received signal: <%s> %s", ev->name ? ev->name : "",
	         ev->params ? ev->params : "");
	if (ev->error) {
		if (ev->fatal) {
			job_fail(j, ev->error_class, "%s", ev->error);
			sh->failed = true;
		} else {
			job_logf(j, "error", "%s", ev->error);
		}
		return;
	}
	switch (ev->type) {
	case SIGNAL_STARTRUN:
		start_run(sh, ev->id, ev->uuid);
		break;
	case SIGNAL_ENDRUN:
		if (sh->run)
			end_run(sh, ev->uuid);
		break;
	case SIGNAL_STARTTC:
		free(sh->starttc);
		sh->starttc = xstrdup(line);
		break;
	case SIGNAL_ENDTC:
		free(sh->endtc);
		sh->endtc = xstrdup(line);
		break;
	case SIGNAL_TESTCASE:
		add_case(sh, ev->id, ev->result, ev->measurement, ev->value,
		         ev->units);
		break;
	case SIGNAL_TESTSET_START:
		job_logf(j, "info", "Starting test_set %s", ev->id);
		free(sh->set);
		sh->set = xstrdup(ev->id);
		break;
	case SIGNAL_TESTSET_STOP:
		job_logf(j, "info", "Closing test_set %s",
		         sh->set ? sh->set : "");
		free(sh->set);
		sh->set = NULL;
		break;
	case SIGNAL_TESTREFERENCE: {
		if (sh->run == NULL)
			break;
		struct rval *r = result_case(sh->run->testrun, ev->id,
		                             ev->result, false, 0, NULL);
		rval_put(r, "reference", rval_str(ev->reference));
		results_add(&j->results, r);
		break;
	}
	case SIGNAL_TESTRAISE:
		job_fail(j, ERR_TEST, "%s", ev->message ? ev->message : "");
		sh->failed = true;
		break;
	case SIGNAL_TESTFEEDBACK:
		/* Every connection is read all the time: nothing to do
		 * but say so. */
		job_logf(j, "debug",
		         "Feedback from '%s' is logged as it comes",
		         ev->id ? ev->id : "");
		break;
	case SIGNAL_TESTEVENT:
		joblog_record(&j->log, "event",
		              ev->message ? ev->message : "",
		              ev->message ? strlen(ev->message) : 0, NULL);
		break;
	case SIGNAL_RUNNER_EXIT:
		job_logf(j, "info",
		         "ok: lava_test_shell seems to have completed");
		sh->exited = true;
		break;
	case SIGNAL_RUNNER_INSTALL_FAIL:
		job_fail(j, ERR_TEST, "lava-test-runner: installing the "
		                      "test definitions failed");
		sh->failed = true;
		break;
	case SIGNAL_INVALID:
		job_logf(j, "error", "Invalid signal: %s",
		         ev->text ? ev->text : "");
		break;
	default:
		break;
	}
}

/* Reads what the connection brought since the last time. */
static void
shell_on_data(struct conn *c, void *arg)
{
	struct shell *sh = arg;
	const char *data;
	size_t len;
	uint64_t from;
	conn_pending(c, &data, &len, &from);
	if (from > sh->off)
		sh->off = from; /* lost to lag */
	size_t skip = (size_t)(sh->off - from);
	size_t pos = skip;
	while (pos < len && !sh->exited && !sh->failed) {
		struct signal_event ev;
		size_t used;
		int r = signal_parser_feed(sh->sp, data + pos, len - pos, &used,
		                           &ev);
		/* The pattern sees the same bytes, up to the signal's end,
		 * so a case it finds comes in stream order. */
		pattern_feed(sh, data + pos, used);
		pos += used;
		sh->off = from + pos;
		if (r == 1)
			signal_event(sh, &ev);
	}
	conn_take(c, pos);
}

static bool
shell_done(void *arg)
{
	struct shell *sh = arg;
	return sh->exited || sh->failed || sh->c->eof ||
	       (sh->j->cancel && *sh->j->cancel);
}

/* The stage of a test block: how many test blocks with definitions come
 * before it in its namespace, as the overlay numbers them. */
static unsigned
block_stage(struct job *j, const struct ynode *block, const char *ns)
{
	const struct ynode *actions = ymap_get(j->root, "actions");
	unsigned stage = 0;
	for (size_t i = 0; actions && i < actions->n; i++) {
		const struct ynode *it = actions->items[i];
		if (it->kind != YN_MAP || it->n != 1 ||
		    !ynode_is_str(it->keys[0], "test"))
			continue;
		const struct ynode *p = it->vals[0];
		if (p == block)
			break;
		if (ymap_get(p, "definitions") &&
		    strcmp(job_block_ns(p), ns) == 0)
			stage++;
	}
	return stage;
}

/* lava-test-retry's one child, lava-test-shell. */
int
test_shell(struct job *j, struct action *parent)
{
	struct action a;
	action_begin(&a, j, parent, "lava-test-shell", NULL, NULL, 0);
	const struct ynode *cnsn =
		ymap_get(a.params, "connection-namespace");
	const char *cns_name =
		cnsn && cnsn->kind == YN_STR ? cnsn->str : a.ns;
	struct job_ns *deploy = job_ns_get(j, a.ns);
	struct job_ns *cns = job_ns_get(j, cns_name);
	job_logf(j, "debug", "Using namespace: %s", cns_name);
	if (!deploy->has_layout) {
		job_fail(j, ERR_JOB,
		         "No test overlay was deployed in namespace '%s'", a.ns);
		return action_end(&a, -1);
	}
	if (cns->conn == NULL) {
		if (cnsn)
			job_fail(j, ERR_JOB,
			         "Unable to reuse connection from namespace "
			         "'%s'",
			         cns_name);
		else
			job_fail(j, ERR_JOB, "No connection to the DUT");
		return action_end(&a, -1);
	}
	if (cns->conn->eof) {
		job_fail(j, ERR_INFRASTRUCTURE, "%s",
		         conn_closed_message(cns->conn));
		return action_end(&a, -1);
	}
	if (cns->nprompts == 0) {
		job_fail(j, ERR_JOB, "No prompts set in namespace '%s'",
		         cns_name);
		return action_end(&a, -1);
	}
	struct conn *c = cns->conn;
	job_use_conn(j, c);
	unsigned delay = j->dev && j->dev->delay_test > 0
	                     ? (unsigned)j->dev->delay_test
	                     : 0;
	unsigned stage = block_stage(j, parent->params, a.ns);
	const char *rd = deploy->layout.results_dir;
	int rc = job_shell_run(&a, c, cns->prompts, cns->nprompts, "#", delay);
	char *cmd;
	job_logf(j, "debug", "Using %s", rd);
	if (rc >= 0)
		rc = job_shell_run(&a, c, cns->prompts, cns->nprompts,
		                   "export SHELL=/bin/sh", delay);
	if (rc >= 0) {
		cmd = xasprintf(". %s/environment", rd);
		rc = job_shell_checked(&a, c, cns->prompts, cns->nprompts, cmd,
		                       delay);
		free(cmd);
	}
	if (rc < 0)
		return action_end(&a, -1);

	struct shell sh = {.j = j, .a = &a, .deploy = deploy, .c = c};
	sh.sp = signal_parser_new();
	sh.seen = rval_map();
	sh.runs = rval_map();
	buf_init(&sh.pbuf);
	const char *unused;
	size_t nunused;
	conn_pending(c, &unused, &nunused, &sh.off);
	job_logf(j, "info",
	         "Test shell timeout: %llds (the action's; every connection "
	         "is read meanwhile)",
	         (long long)((a.deadline_ns - mux_now()) / 1000000000ULL));
	cmd = xasprintf("%s/bin/lava-test-runner %s/%u", rd, rd, stage);
	job_sendline(j, c, cmd, delay);
	free(cmd);
	void (*saved)(struct conn *, void *) = c->on_data;
	void *saved_arg = c->on_data_arg;
	c->on_data = shell_on_data;
	c->on_data_arg = &sh;
	shell_on_data(c, &sh); /* bytes already there */
	while (!shell_done(&sh)) {
		uint64_t slice = mux_now() + 100 * 1000 * 1000;
		if (slice > a.deadline_ns)
			slice = a.deadline_ns;
		mux_wait(j->mux, shell_done, &sh, slice);
		if (mux_now() >= a.deadline_ns)
			break;
	}
	c->on_data = saved;
	c->on_data_arg = saved_arg;
	rc = 0;
	if (sh.failed) {
		rc = -1;
	} else if (job_canceled(j)) {
		rc = -1;
	} else if (!sh.exited && c->eof) {
		rc = job_fail(j, ERR_INFRASTRUCTURE, "%s",
		              conn_closed_message(c));
	} else if (!sh.exited) {
		rc = action_timed_out(&a);
	}
	if (sh.run && rc < 0) {
		/* A run cut short still reports what it expected. */
		const struct ynode *ex = sh.info.expected;
		for (size_t i = 0; ex && i < ex->n; i++)
			if (ex->items[i]->kind == YN_STR &&
			    !rval_get(sh.seen, ex->items[i]->str)) {
				struct rval *r = result_case(
					sh.run->testrun, ex->items[i]->str,
					"fail", false, 0, NULL);
				results_add(&j->results, r);
			}
	}
	/* Expected cases of definitions that never started: missing. */
	for (size_t i = 0; i < deploy->layout.ntests; i++) {
		const struct overlay_test *t = &deploy->layout.tests[i];
		const struct ynode *ex = ymap_get(t->def, "expected");
		if (t->stage != stage || rval_get(sh.runs, t->testrun) ||
		    ex == NULL || ex->kind != YN_SEQ)
			continue;
		for (size_t k = 0; k < ex->n; k++) {
			if (ex->items[k]->kind != YN_STR)
				continue;
			struct rval *r = result_case(t->testrun,
			                             ex->items[k]->str, "fail",
			                             false, 0, NULL);
			struct rval *e = rval_put(r, "extra", rval_map());
			rval_put(e, "reason",
			         rval_str("missing expected test cases are "
			                  "reported as 'fail' by LAVA."));
			results_add(&j->results, r);
		}
	}
	signal_parser_free(sh.sp);
	info_free(&sh.info);
	matcher_free(sh.pm);
	buf_free(&sh.pbuf);
	rval_free(sh.seen);
	rval_free(sh.runs);
	free(sh.set);
	free(sh.starttc);
	free(sh.endtc);
	return action_end(&a, rc);
}
