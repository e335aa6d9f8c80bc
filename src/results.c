/* results.c: result maps, written as LAVA writes them to the job log,
 * results.yaml, result.yaml and a table for people. */
#include "results.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

static struct rval *
rval_new(enum rval_kind kind)
{
	struct rval *v = xcalloc(1, sizeof *v);
	v->kind = kind;
	return v;
}

struct rval *
rval_null(void)
{
	return rval_new(RV_NULL);
}

struct rval *
rval_bool(bool b)
{
	struct rval *v = rval_new(RV_BOOL);
	v->b = b;
	return v;
}

struct rval *
rval_int(long long i)
{
	struct rval *v = rval_new(RV_INT);
	v->i = i;
	return v;
}

struct rval *
rval_float(double f)
{
	struct rval *v = rval_new(RV_FLOAT);
	v->f = f;
	return v;
}

struct rval *
rval_str(const char *s)
{
	struct rval *v = rval_new(RV_STR);
	v->s = xstrdup(s);
	return v;
}

struct rval *
rval_list(void)
{
	return rval_new(RV_LIST);
}

struct rval *
rval_map(void)
{
	return rval_new(RV_MAP);
}

void
rval_free(struct rval *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->n; i++) {
		if (v->keys)
			free(v->keys[i]);
		rval_free(v->items[i]);
	}
	free(v->keys);
	free(v->items);
	free(v->s);
	free(v);
}

static void
rval_grow(struct rval *v)
{
	if (v->n < v->cap)
		return;
	v->cap = v->cap ? v->cap * 2 : 8;
	v->items = xreallocarray(v->items, v->cap, sizeof *v->items);
	if (v->kind == RV_MAP)
		v->keys = xreallocarray(v->keys, v->cap, sizeof *v->keys);
}

struct rval *
rval_add(struct rval *list, struct rval *v)
{
	rval_grow(list);
	list->items[list->n++] = v;
	return v;
}

struct rval *
rval_put(struct rval *map, const char *key, struct rval *v)
{
	for (size_t i = 0; i < map->n; i++) {
		if (strcmp(map->keys[i], key) == 0) {
			rval_free(map->items[i]);
			map->items[i] = v;
			return v;
		}
	}
	rval_grow(map);
	map->keys[map->n] = xstrdup(key);
	map->items[map->n++] = v;
	return v;
}

struct rval *
rval_get(const struct rval *map, const char *key)
{
	if (map == NULL || map->kind != RV_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->keys[i], key) == 0)
			return map->items[i];
	return NULL;
}

const char *
rval_get_str(const struct rval *map, const char *key)
{
	const struct rval *v = rval_get(map, key);
	return v && v->kind == RV_STR ? v->s : NULL;
}

struct rval *
rval_node(const struct ynode *n)
{
	struct rval *v;
	if (n == NULL)
		return rval_null();
	switch (n->kind) {
	case YN_NULL:
		return rval_null();
	case YN_BOOL:
		return rval_bool(n->v.b);
	case YN_INT:
		v = rval_int(n->v.i);
		if (n->big)
			v->s = xstrndup(n->str, n->len);
		return v;
	case YN_FLOAT:
		return rval_float(n->v.f);
	case YN_TIMESTAMP:
		/* Not a str to Python: tagged, like an int, with its text. */
		v = rval_new(RV_INT);
		v->s = xstrndup(n->str, n->len);
		return v;
	case YN_SEQ:
		v = rval_list();
		for (size_t i = 0; i < n->n; i++)
			rval_add(v, rval_node(n->items[i]));
		return v;
	case YN_MAP:
		v = rval_map();
		for (size_t i = 0; i < n->n; i++) {
			char *k =
			    xstrndup(n->keys[i]->str ? n->keys[i]->str : "",
			             n->keys[i]->str ? n->keys[i]->len : 0);
			rval_put(v, k, rval_node(n->vals[i]));
			free(k);
		}
		return v;
	default:
		v = rval_new(RV_STR);
		v->s = xstrndup(n->str ? n->str : "", n->str ? n->len : 0);
		return v;
	}
}

/* A float as PyYAML represents it: Python's repr (the shortest text that
 * reads back the same), with ".0" before a bare exponent ("1.0e+20"). */
static void
float_text(struct buf *b, double f)
{
	if (isnan(f)) {
		buf_adds(b, ".nan");
		return;
	}
	if (isinf(f)) {
		buf_adds(b, f > 0 ? ".inf" : "-.inf");
		return;
	}
	char tmp[48];
	for (int p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof tmp, "%.*e", p - 1, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	/* tmp: [-]d[.ddd]e(+|-)dd */
	const char *s = tmp;
	if (*s == '-') {
		buf_addc(b, '-');
		s++;
	}
	char digits[24];
	size_t nd = 0;
	for (; *s != 'e'; s++)
		if (*s != '.')
			digits[nd++] = *s;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	int exp = atoi(s + 1);
	int decpt = exp + 1; /* the value is 0.DIGITS x 10^decpt */
	if (decpt > -4 && decpt <= 16) {
		if (decpt <= 0) {
			buf_adds(b, "0.");
			for (int i = 0; i < -decpt; i++)
				buf_addc(b, '0');
			buf_add(b, digits, nd);
		} else if ((size_t)decpt >= nd) {
			buf_add(b, digits, nd);
			for (size_t i = nd; i < (size_t)decpt; i++)
				buf_addc(b, '0');
			buf_adds(b, ".0");
		} else {
			buf_add(b, digits, (size_t)decpt);
			buf_addc(b, '.');
			buf_add(b, digits + decpt, nd - (size_t)decpt);
		}
		return;
	}
	buf_addc(b, digits[0]);
	buf_addc(b, '.');
	if (nd > 1)
		buf_add(b, digits + 1, nd - 1);
	else
		buf_addc(b, '0');
	buf_printf(b, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
}

/* The text of a non-string scalar, as PyYAML writes it. */
static void
scalar_text(struct buf *b, const struct rval *v)
{
	switch (v->kind) {
	case RV_NULL:
		buf_adds(b, "null");
		break;
	case RV_BOOL:
		buf_adds(b, v->b ? "true" : "false");
		break;
	case RV_INT:
		if (v->s)
			buf_adds(b, v->s);
		else
			buf_printf(b, "%lld", v->i);
		break;
	case RV_FLOAT:
		float_text(b, v->f);
		break;
	default:
		break;
	}
}

static int
key_index_cmp(const void *a, const void *b, void *keys)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	char **k = keys;
	/* strcmp compares bytes unsigned: UTF-8 in code point order, as
	 * Python sorts str. */
	return strcmp(k[i], k[j]);
}

/* The order yaml.dump writes a map in: keys sorted (lava-run 2023.01). */
static size_t *
sorted_keys(const struct rval *map)
{
	size_t *order = xreallocarray(NULL, map->n ? map->n : 1, sizeof *order);
	for (size_t i = 0; i < map->n; i++)
		order[i] = i;
	qsort_r(order, map->n, sizeof *order, key_index_cmp, map->keys);
	return order;
}

void
rval_flow(struct buf *b, const struct rval *v)
{
	switch (v->kind) {
	case RV_STR:
		joblog_quote(b, v->s, strlen(v->s));
		return;
	case RV_LIST:
		buf_addc(b, '[');
		for (size_t i = 0; i < v->n; i++) {
			if (i)
				buf_adds(b, ", ");
			rval_flow(b, v->items[i]);
		}
		buf_addc(b, ']');
		return;
	case RV_MAP: {
		size_t *order = sorted_keys(v);
		buf_addc(b, '{');
		for (size_t i = 0; i < v->n; i++) {
			if (i)
				buf_adds(b, ", ");
			joblog_quote(b, v->keys[order[i]],
			             strlen(v->keys[order[i]]));
			buf_adds(b, ": ");
			rval_flow(b, v->items[order[i]]);
		}
		buf_addc(b, '}');
		free(order);
		return;
	}
	default:
		/* Quoted, so tagged "!" to stay what it is. */
		buf_adds(b, "! \"");
		scalar_text(b, v);
		buf_addc(b, '"');
		return;
	}
}

/* Whether S, written plain, would read back as something else than a
 * str (true, 12, 1.5, null, 2024-01-02...): then PyYAML quotes it. */
static bool
plain_is_other(const char *s)
{
	if (strcmp(s, "<<") == 0 || strcmp(s, "=") == 0)
		return true;
	struct yerror err;
	struct ydoc *doc = ydoc_parse(s, strlen(s), &err);
	if (doc == NULL)
		return false;
	const struct ynode *root = ydoc_root(doc);
	bool other =
	    root == NULL || (ynode_is_scalar(root) && root->kind != YN_STR);
	ydoc_free(doc);
	return other;
}

static int
emit_write(void *data, unsigned char *buffer, size_t size)
{
	buf_add(data, buffer, size);
	return 1;
}

static int
emit_value(yaml_emitter_t *em, const struct rval *v)
{
	yaml_event_t ev;
	int ok;
	struct buf t;
	switch (v->kind) {
	case RV_STR:
		ok = yaml_scalar_event_initialize(
		    &ev, NULL, NULL, (yaml_char_t *)v->s, (int)strlen(v->s),
		    !plain_is_other(v->s), 1, YAML_ANY_SCALAR_STYLE);
		return ok && yaml_emitter_emit(em, &ev) ? 0 : -1;
	case RV_LIST:
		if (!yaml_sequence_start_event_initialize(
		        &ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE) ||
		    !yaml_emitter_emit(em, &ev))
			return -1;
		for (size_t i = 0; i < v->n; i++)
			if (emit_value(em, v->items[i]) < 0)
				return -1;
		return yaml_sequence_end_event_initialize(&ev) &&
		               yaml_emitter_emit(em, &ev)
		           ? 0
		           : -1;
	case RV_MAP: {
		if (!yaml_mapping_start_event_initialize(
		        &ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE) ||
		    !yaml_emitter_emit(em, &ev))
			return -1;
		size_t *order = sorted_keys(v);
		int rc = 0;
		for (size_t i = 0; i < v->n && rc == 0; i++) {
			struct rval key = {.kind = RV_STR,
			                   .s = v->keys[order[i]]};
			rc = emit_value(em, &key);
			if (rc == 0)
				rc = emit_value(em, v->items[order[i]]);
		}
		free(order);
		if (rc < 0)
			return -1;
		return yaml_mapping_end_event_initialize(&ev) &&
		               yaml_emitter_emit(em, &ev)
		           ? 0
		           : -1;
	}
	default:
		/* Plain, untagged: it reads back as what it is. */
		buf_init(&t);
		scalar_text(&t, v);
		ok = yaml_scalar_event_initialize(
		    &ev, NULL, NULL, (yaml_char_t *)t.data, (int)t.len, 1, 0,
		    YAML_ANY_SCALAR_STYLE);
		buf_free(&t);
		return ok && yaml_emitter_emit(em, &ev) ? 0 : -1;
	}
}

int
rval_block(struct buf *b, const struct rval *map)
{
	/* libyaml's emitter is the one under PyYAML's CSafeDumper: the same
	 * choice of plain or quoted, the same folding. */
	yaml_emitter_t em;
	yaml_event_t ev;
	int rc = -1;
	if (!yaml_emitter_initialize(&em))
		return -1;
	yaml_emitter_set_output(&em, emit_write, b);
	if (yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
	    yaml_emitter_emit(&em, &ev) &&
	    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
	    yaml_emitter_emit(&em, &ev) && emit_value(&em, map) == 0 &&
	    yaml_document_end_event_initialize(&ev, 1) &&
	    yaml_emitter_emit(&em, &ev) &&
	    yaml_stream_end_event_initialize(&ev) &&
	    yaml_emitter_emit(&em, &ev))
		rc = 0;
	yaml_emitter_delete(&em);
	return rc;
}

struct rval *
result_plain(const char *definition, const char *case_id, const char *result)
{
	struct rval *m = rval_map();
	rval_put(m, "definition", rval_str(definition));
	rval_put(m, "case", rval_str(case_id));
	rval_put(m, "result", rval_str(result));
	return m;
}

struct rval *
result_action(const char *name, const char *ns, const char *level,
              double duration, bool pass, struct rval *extra)
{
	struct rval *m = result_plain("lava", name, pass ? "pass" : "fail");
	char *d = xasprintf("%.02f", duration);
	rval_put(m, "namespace", rval_str(ns ? ns : "common"));
	rval_put(m, "level", rval_str(level));
	rval_put(m, "duration", rval_str(d));
	rval_put(m, "extra", extra ? extra : rval_map());
	free(d);
	return m;
}

struct rval *
result_case(const char *definition, const char *case_id, const char *result,
            bool has_measurement, double measurement, const char *units)
{
	struct rval *m = result_plain(definition, case_id, result);
	if (has_measurement)
		rval_put(m, "measurement", rval_float(measurement));
	if (units)
		rval_put(m, "units", rval_str(units));
	return m;
}

struct rval *
result_job(bool pass, const char *error_msg, const char *error_type)
{
	struct rval *m = result_plain("lava", "job", pass ? "pass" : "fail");
	if (!pass) {
		rval_put(m, "error_msg",
		         rval_str(error_msg && *error_msg ? error_msg
		                                          : "Unknown error"));
		rval_put(m, "error_type",
		         rval_str(error_type && *error_type ? error_type
		                                            : "Unknown"));
	}
	return m;
}

const char *
result_error_type(enum err_class cls)
{
	switch (cls) {
	case ERR_JOB:
		return "Job";
	case ERR_INFRASTRUCTURE:
		return "Infrastructure";
	case ERR_TEST:
		return "Test";
	case ERR_CONFIGURATION:
		return "Configuration";
	case ERR_BUG:
		return "Bug";
	case ERR_TIMEOUT:
		return "LAVATimeout";
	case ERR_CANCELED:
		return "Canceled";
	}
	return "Bug";
}

int
results_open(struct results *r, const char *dir, struct joblog *log)
{
	memset(r, 0, sizeof *r);
	r->fd = -1;
	r->log = log;
	r->secrets = log ? &log->secrets : NULL;
	if (dir == NULL)
		return 0;
	r->dir = xstrdup(dir);
	char *path = xasprintf("%s/results.yaml", dir);
	r->fd = file_create_new(path);
	int e = errno;
	free(path);
	errno = e;
	return r->fd < 0 ? -1 : 0;
}

void
results_close(struct results *r)
{
	if (r->fd >= 0)
		close(r->fd);
	for (size_t i = 0; i < r->n; i++) {
		free(r->rows[i].definition);
		free(r->rows[i].case_id);
		free(r->rows[i].result);
		free(r->rows[i].measurement);
	}
	free(r->rows);
	free(r->dir);
	memset(r, 0, sizeof *r);
	r->fd = -1;
}

static void
results_row(struct results *r, const struct rval *map)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 32;
		r->rows = xreallocarray(r->rows, r->cap, sizeof *r->rows);
	}
	struct result_row *row = &r->rows[r->n++];
	const char *def = rval_get_str(map, "definition");
	const char *cs = rval_get_str(map, "case");
	const char *res = rval_get_str(map, "result");
	row->definition = xstrdup(def ? def : "");
	row->case_id = xstrdup(cs ? cs : "");
	row->result = xstrdup(res ? res : "");
	struct buf m;
	buf_init(&m);
	const struct rval *meas = rval_get(map, "measurement");
	if (meas && meas->kind == RV_STR)
		buf_adds(&m, meas->s);
	else if (meas)
		scalar_text(&m, meas);
	const char *units = rval_get_str(map, "units");
	if (meas && units && *units)
		buf_printf(&m, " %s", units);
	row->measurement = m.data ? buf_steal(&m) : xstrdup("");
	buf_free(&m);
	if (strcmp(row->result, "pass") == 0)
		r->pass++;
	else if (strcmp(row->result, "fail") == 0)
		r->fail++;
	else
		r->other++;
}

/* lava-run leaves out a record of 100 000 characters or more. */
#define RESULTS_LINE_MAX 100000
/* {"dt": "2026-11-27T07:30:32.167704", "lvl": "results", "msg": ...} */
#define RESULTS_LINE_FRAME 63

/* V with the secrets masked: strings and keys in place; a number (or
 * null, or bool) whose text holds a secret becomes that text masked. */
static void
rval_mask(const struct secrets *s, struct rval *v)
{
	size_t len;
	char *m;
	switch (v->kind) {
	case RV_STR:
		len = strlen(v->s);
		if ((m = secrets_mask(s, v->s, &len)) != NULL) {
			free(v->s);
			v->s = m;
		}
		return;
	case RV_LIST:
	case RV_MAP:
		for (size_t i = 0; i < v->n; i++) {
			if (v->keys) {
				len = strlen(v->keys[i]);
				m = secrets_mask(s, v->keys[i], &len);
				if (m) {
					free(v->keys[i]);
					v->keys[i] = m;
				}
			}
			rval_mask(s, v->items[i]);
		}
		return;
	default: {
		struct buf t;
		buf_init(&t);
		scalar_text(&t, v);
		len = t.len;
		if (t.len && (m = secrets_mask(s, t.data, &len)) != NULL) {
			free(v->s);
			v->kind = RV_STR;
			v->s = m;
		}
		buf_free(&t);
		return;
	}
	}
}

/* Writes MAP (owned, its secrets masked) everywhere it goes. */
static int
results_write(struct results *r, struct rval *map)
{
	struct buf b;
	buf_init(&b);
	buf_adds(&b, "- ");
	rval_flow(&b, map);
	buf_addc(&b, '\n');
	if (r->log) {
		const char *flow = b.data + 2;
		size_t len = b.len - 3;
		if (len + RESULTS_LINE_FRAME >= RESULTS_LINE_MAX) {
			flow = "{\"skip\": \"line way too long ...\"}";
			len = strlen(flow);
		}
		if (r->secrets == &r->log->secrets)
			joblog_record_flow_masked(r->log, "results", flow, len);
		else
			joblog_record_flow(r->log, "results", flow, len);
	}
	int rc = 0;
	if (r->fd >= 0 && write_all(r->fd, b.data, b.len) < 0)
		rc = -1;
	results_row(r, map);
	buf_free(&b);
	rval_free(map);
	return rc;
}

int
results_add(struct results *r, struct rval *map)
{
	if (r->secrets && r->secrets->n)
		rval_mask(r->secrets, map);
	return results_write(r, map);
}

/* DIR/NAME replaced by B's bytes, whole: written to a new file beside it
 * (O_EXCL: none that was there, a planted link included), then renamed
 * over it, which replaces a link itself, never its target. */
static int
write_whole(const char *dir, const char *name, const struct buf *b)
{
	char *tmp = NULL;
	int fd = -1;
	for (unsigned i = 0; fd < 0 && i < 100; i++) {
		free(tmp);
		tmp = xasprintf("%s/.%s.%ld.%u", dir, name, (long)getpid(), i);
		fd = open(tmp,
		          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		          0644);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	int rc = -1;
	if (fd >= 0) {
		char *path = xasprintf("%s/%s", dir, name);
		rc = write_all(fd, b->data, b->len);
		if (close(fd) < 0)
			rc = -1;
		if (rc == 0 && rename(tmp, path) < 0)
			rc = -1;
		int e = errno;
		if (rc < 0)
			unlink(tmp); /* ours: made with O_EXCL */
		errno = e;
		free(path);
	}
	free(tmp);
	return rc;
}

int
results_finish(struct results *r, struct rval *map)
{
	int rc = 0;
	if (r->secrets && r->secrets->n)
		rval_mask(r->secrets, map);
	if (r->dir) {
		struct buf b;
		buf_init(&b);
		rc = rval_block(&b, map);
		if (rc == 0)
			rc = write_whole(r->dir, "result.yaml", &b);
		buf_free(&b);
	}
	if (results_write(r, map) < 0)
		rc = -1;
	return rc;
}

static int
width_of(const char *s)
{
	return (int)strlen(s);
}

void
results_print_table(const struct results *r, FILE *out)
{
	int wd = width_of("definition"), wc = width_of("case"),
	    wr = width_of("result");
	for (size_t i = 0; i < r->n; i++) {
		if (width_of(r->rows[i].definition) > wd)
			wd = width_of(r->rows[i].definition);
		if (width_of(r->rows[i].case_id) > wc)
			wc = width_of(r->rows[i].case_id);
		if (width_of(r->rows[i].result) > wr)
			wr = width_of(r->rows[i].result);
	}
	fprintf(out, "%-*s  %-*s  %-*s  %s\n", wd, "definition", wc, "case", wr,
	        "result", "measurement");
	for (size_t i = 0; i < r->n; i++) {
		const struct result_row *row = &r->rows[i];
		if (*row->measurement)
			fprintf(out, "%-*s  %-*s  %-*s  %s\n", wd,
			        row->definition, wc, row->case_id, wr,
			        row->result, row->measurement);
		else
			fprintf(out, "%-*s  %-*s  %s\n", wd, row->definition,
			        wc, row->case_id, row->result);
	}
	fprintf(out, "%zu pass, %zu fail", r->pass, r->fail);
	if (r->other)
		fprintf(out, ", %zu other", r->other);
	fputc('\n', out);
}
