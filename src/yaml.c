/* yaml.c: libyaml events into a typed node tree, the way PyYAML's
 * safe_load composes and constructs a document (YAML 1.1 resolution). */
#include "yaml.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util.h"

/* Deeper documents are refused: everything after the parser walks the
 * tree recursively, and no job comes near this. */
#define YAML_MAX_DEPTH 1000
/* Aliases share nodes, so a small file can stand for a huge tree (the
 * "billion laughs"); refuse documents that expand beyond this. */
#define YAML_MAX_EXPANDED 10000000ULL

#define TAG_PREFIX "tag:yaml.org,2002:"

/* A bump allocator: the whole tree is freed at once. */
struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct ydoc {
	struct arena_chunk *chunks;
	struct ynode *root;
};

static void *
arena_alloc(struct ydoc *doc, size_t size)
{
	size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	struct arena_chunk *c = doc->chunks;
	if (c == NULL || c->size - c->used < size) {
		size_t cs = size > 65536 ? size : 65536;
		c = xmalloc(sizeof *c + cs);
		c->size = cs;
		c->used = 0;
		c->next = doc->chunks;
		doc->chunks = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += size;
	return p;
}

static char *
arena_strndup(struct ydoc *doc, const char *s, size_t n)
{
	char *p = arena_alloc(doc, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
ydoc_free(struct ydoc *doc)
{
	if (doc == NULL)
		return;
	struct arena_chunk *c = doc->chunks;
	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	free(doc);
}

struct ynode *
ydoc_root(const struct ydoc *doc)
{
	return doc->root;
}

/* ---- scalar resolution (PyYAML's implicit resolvers, YAML 1.1) ---- */

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
match_bool(const char *s, bool *v)
{
	static const char *const yes[] = {"yes", "Yes", "YES", "true", "True",
					  "TRUE", "on", "On", "ON", NULL};
	static const char *const no[] = {"no", "No", "NO", "false", "False",
					 "FALSE", "off", "Off", "OFF", NULL};
	if (strchr("yYnNtTfFoO", s[0]) == NULL || s[0] == '\0')
		return false;
	for (int i = 0; yes[i]; i++)
		if (strcmp(s, yes[i]) == 0) {
			*v = true;
			return true;
		}
	for (int i = 0; no[i]; i++)
		if (strcmp(s, no[i]) == 0) {
			*v = false;
			return true;
		}
	return false;
}

static bool
match_null(const char *s)
{
	if (s[0] != '\0' && s[0] != '~' && s[0] != 'n' && s[0] != 'N')
		return false;
	return strcmp(s, "") == 0 || strcmp(s, "~") == 0 ||
	       strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
	       strcmp(s, "NULL") == 0;
}

/* [0-9_]* from *p */
static void
skip_digits_(const char **p)
{
	while (is_digit(**p) || **p == '_')
		(*p)++;
}

/* (:[0-5]?[0-9])+ from *p; true when at least one group matched */
static bool
skip_sexagesimal(const char **p)
{
	int groups = 0;
	while (**p == ':') {
		const char *q = *p + 1;
		if (*q >= '0' && *q <= '5' && is_digit(q[1]))
			q += 2;
		else if (is_digit(*q))
			q += 1;
		else
			break;
		*p = q;
		groups++;
	}
	return groups > 0;
}

/* The float resolver:
 *   [-+]?([0-9][0-9_]*)\.[0-9_]*([eE][-+][0-9]+)?
 * | \.[0-9][0-9_]*([eE][-+][0-9]+)?
 * | [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*
 * | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)                           */
static bool
match_float(const char *s)
{
	if (strcmp(s, ".nan") == 0 || strcmp(s, ".NaN") == 0 ||
	    strcmp(s, ".NAN") == 0)
		return true;
	const char *p = s;
	bool sign = false;
	if (*p == '-' || *p == '+') {
		p++;
		sign = true;
	}
	if (strcmp(p, ".inf") == 0 || strcmp(p, ".Inf") == 0 ||
	    strcmp(p, ".INF") == 0)
		return true;
	if (*p == '.' && !sign) {
		/* \.[0-9][0-9_]*(exp)? */
		if (!is_digit(p[1]))
			return false;
		p += 2;
		skip_digits_(&p);
	} else if (is_digit(*p)) {
		p++;
		skip_digits_(&p);
		const char *q = p;
		if (skip_sexagesimal(&q)) {
			if (*q != '.')
				return false;
			q++;
			skip_digits_(&q);
			return *q == '\0';
		}
		if (*p != '.')
			return false;
		p++;
		skip_digits_(&p);
	} else {
		return false;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p != '-' && *p != '+')
			return false;
		p++;
		if (!is_digit(*p))
			return false;
		while (is_digit(*p))
			p++;
	}
	return *p == '\0';
}

/* The int resolver:
 *   [-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(0|[1-9][0-9_]*)
 * | [-+]?0x[0-9a-fA-F_]+ | [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+          */
static bool
match_int(const char *s)
{
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (p[0] == '0' && p[1] == 'b') {
		p += 2;
		if (*p == '\0')
			return false;
		while (*p == '0' || *p == '1' || *p == '_')
			p++;
		return *p == '\0';
	}
	if (p[0] == '0' && p[1] == 'x') {
		p += 2;
		if (*p == '\0')
			return false;
		while (is_digit(*p) || (*p >= 'a' && *p <= 'f') ||
		       (*p >= 'A' && *p <= 'F') || *p == '_')
			p++;
		return *p == '\0';
	}
	if (p[0] == '0') {
		if (p[1] == '\0')
			return true;
		p++;
		while ((*p >= '0' && *p <= '7') || *p == '_')
			p++;
		return *p == '\0';
	}
	if (*p < '1' || *p > '9')
		return false;
	p++;
	skip_digits_(&p);
	if (*p == '\0')
		return true;
	return skip_sexagesimal(&p) && *p == '\0';
}

static bool
digits(const char **p, int min, int max)
{
	int n = 0;
	while (n < max && is_digit(**p)) {
		(*p)++;
		n++;
	}
	return n >= min;
}

/* The timestamp resolver: a date, or a date and time with an optional
 * fraction and zone. */
static bool
match_timestamp(const char *s)
{
	const char *p = s;
	if (!digits(&p, 4, 4) || *p++ != '-')
		return false;
	const char *date2 = p;
	if (digits(&p, 2, 2) && *p == '-') {
		p++;
		if (digits(&p, 2, 2) && *p == '\0')
			return true;
	}
	p = date2;
	if (!digits(&p, 1, 2) || *p++ != '-' || !digits(&p, 1, 2))
		return false;
	if (*p == 'T' || *p == 't') {
		p++;
	} else if (*p == ' ' || *p == '\t') {
		while (*p == ' ' || *p == '\t')
			p++;
	} else {
		return false;
	}
	if (!digits(&p, 1, 2) || *p++ != ':' || !digits(&p, 2, 2) ||
	    *p++ != ':' || !digits(&p, 2, 2))
		return false;
	if (*p == '.') {
		p++;
		while (is_digit(*p))
			p++;
	}
	const char *zone = p;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == 'Z') {
		p++;
	} else if (*p == '-' || *p == '+') {
		p++;
		if (!digits(&p, 1, 2))
			return false;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, 2))
				return false;
		}
	} else {
		p = zone;
	}
	return *p == '\0';
}

/* Python's int() of the resolved text, with '_' dropped. Sets *big when
 * the value does not fit. */
static bool
construct_int(const char *text, long long *out, bool *big)
{
	char buf[128];
	size_t n = 0;
	for (const char *p = text; *p; p++)
		if (*p != '_') {
			if (n + 1 >= sizeof buf) {
				*big = true;
				break;
			}
			buf[n++] = *p;
		}
	buf[n] = '\0';
	const char *p = buf;
	int sign = 1;
	if (*p == '-' || *p == '+') {
		if (*p == '-')
			sign = -1;
		p++;
	}
	if (*p == '\0')
		return false;
	if (strcmp(p, "0") == 0) {
		*out = 0;
		return true;
	}
	if (strchr(p, ':')) {
		/* base 60: digits are groups */
		long double v = 0;
		const char *q = p;
		while (*q) {
			char *end;
			long g = strtol(q, &end, 10);
			if (end == q)
				return false;
			v = v * 60 + g;
			q = *end == ':' ? end + 1 : end;
			if (*end != ':' && *end != '\0')
				return false;
		}
		v *= sign;
		if (v > (long double)LLONG_MAX || v < (long double)LLONG_MIN) {
			*big = true;
			*out = sign > 0 ? LLONG_MAX : LLONG_MIN;
		} else {
			*out = (long long)v;
		}
		return true;
	}
	int base = 10;
	if (p[0] == '0' && p[1] == 'b') {
		base = 2;
		p += 2;
	} else if (p[0] == '0' && p[1] == 'x') {
		base = 16;
		p += 2;
	} else if (p[0] == '0') {
		base = 8;
		p += 1;
	}
	if (*p == '\0')
		return false;
	errno = 0;
	char *end;
	unsigned long long u = strtoull(p, &end, base);
	if (*end != '\0')
		return false;
	if (errno == ERANGE || *big ||
	    u > (unsigned long long)LLONG_MAX + (sign < 0)) {
		*big = true;
		*out = sign > 0 ? LLONG_MAX : LLONG_MIN;
		return true;
	}
	*out = sign > 0 ? (long long)u : (long long)(0 - u);
	return true;
}

static bool
construct_float(const char *text, double *out)
{
	char buf[256];
	size_t n = 0;
	for (const char *p = text; *p && n + 1 < sizeof buf; p++)
		if (*p != '_')
			buf[n++] = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
	buf[n] = '\0';
	const char *p = buf;
	double sign = 1;
	if (*p == '-' || *p == '+') {
		if (*p == '-')
			sign = -1;
		p++;
	}
	if (strcmp(p, ".inf") == 0) {
		*out = sign * INFINITY;
		return true;
	}
	if (strcmp(p, ".nan") == 0) {
		*out = NAN;
		return true;
	}
	if (strchr(p, ':')) {
		double v = 0;
		const char *q = p;
		for (;;) {
			char *end;
			double g = strtod(q, &end);
			if (end == q)
				return false;
			v = v * 60 + g;
			if (*end != ':')
				break;
			q = end + 1;
		}
		*out = sign * v;
		return true;
	}
	char *end;
	double v = strtod(p, &end);
	if (end == p || *end != '\0')
		return false;
	*out = sign * v;
	return true;
}

/* ---- composition ---- */

struct anchor {
	char *name;
	struct ynode *node;
	bool open; /* still being composed: an alias to it would recurse */
};

/* A collection being composed. */
struct frame {
	struct ynode *node;
	struct ynode **items; /* seq items, or map keys and values alternating */
	size_t n, cap;
	bool *merge;          /* per item: a "<<" key */
	size_t anchor; /* index into anchors + 1, or 0 */
};

struct composer {
	struct ydoc *doc;
	struct yerror *err;
	struct anchor *anchors;
	size_t nanchors, anchors_cap;
	struct frame *stack;
	size_t depth, stack_cap;
};

static void
set_error(struct yerror *err, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
set_error(struct yerror *err, int line, int col, const char *fmt, ...)
{
	va_list ap;
	err->line = line;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
}

static struct ynode *
node_new(struct composer *c, enum ynode_kind kind, const yaml_mark_t *mark)
{
	struct ynode *n = arena_alloc(c->doc, sizeof *n);
	memset(n, 0, sizeof *n);
	n->kind = kind;
	n->weight = 1;
	n->line = (int)mark->line + 1;
	n->col = (int)mark->column + 1;
	return n;
}

static size_t
anchor_find(struct composer *c, const char *name)
{
	for (size_t i = 0; i < c->nanchors; i++)
		if (strcmp(c->anchors[i].name, name) == 0)
			return i + 1;
	return 0;
}

static int
anchor_add(struct composer *c, const char *name, struct ynode *node,
	   const yaml_mark_t *mark, bool open, size_t *index)
{
	if (anchor_find(c, name)) {
		set_error(c->err, (int)mark->line + 1, (int)mark->column + 1,
			  "found duplicate anchor '%s'", name);
		return -1;
	}
	if (c->nanchors == c->anchors_cap) {
		c->anchors_cap = c->anchors_cap ? c->anchors_cap * 2 : 16;
		c->anchors = xreallocarray(c->anchors, c->anchors_cap,
					   sizeof *c->anchors);
	}
	c->anchors[c->nanchors].name = xstrdup(name);
	c->anchors[c->nanchors].node = node;
	c->anchors[c->nanchors].open = open;
	c->nanchors++;
	if (index)
		*index = c->nanchors;
	return 0;
}

static const char *
short_tag(const char *tag)
{
	if (strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) == 0)
		return tag + strlen(TAG_PREFIX);
	return NULL;
}

/* Types a scalar event.  Returns NULL with the error set when PyYAML's
 * safe constructor would refuse it.  *is_merge tells a "<<" key. */
static struct ynode *
scalar_node(struct composer *c, const yaml_event_t *ev, bool *is_merge)
{
	const char *text = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;
	const yaml_mark_t *m = &ev->start_mark;
	struct ynode *n = node_new(c, YN_STR, m);
	n->str = arena_strndup(c->doc, text, len);
	n->len = len;
	*is_merge = false;

	const char *kind;
	if (tag == NULL || strcmp(tag, "!") == 0) {
		if (tag != NULL || !ev->data.scalar.plain_implicit)
			return n; /* quoted, or the non-specific tag: a str */
		bool b;
		if (strlen(n->str) != len)
			return n; /* holds a NUL: no resolver matches */
		if (match_bool(n->str, &b))
			kind = "bool";
		else if (match_float(n->str))
			kind = "float";
		else if (match_int(n->str))
			kind = "int";
		else if (strcmp(n->str, "<<") == 0)
			kind = "merge";
		else if (match_null(n->str))
			kind = "null";
		else if (match_timestamp(n->str))
			kind = "timestamp";
		else if (strcmp(n->str, "=") == 0)
			kind = "value";
		else
			return n; /* by far the most common case */
	} else {
		kind = short_tag(tag);
		if (kind == NULL)
			goto no_constructor;
	}

	if (strcmp(kind, "str") == 0)
		return n;
	if (strcmp(kind, "bool") == 0) {
		bool b;
		/* PyYAML's bool constructor looks the lowercased text up. */
		char low[8];
		size_t i;
		for (i = 0; i < len && i + 1 < sizeof low; i++)
			low[i] = (char)((text[i] >= 'A' && text[i] <= 'Z')
						? text[i] + 32
						: text[i]);
		low[i] = '\0';
		if (len >= sizeof low || !match_bool(low, &b)) {
			set_error(c->err, n->line, n->col,
				  "cannot construct a bool from '%s'", n->str);
			return NULL;
		}
		n->kind = YN_BOOL;
		n->v.b = b;
		return n;
	}
	if (strcmp(kind, "int") == 0) {
		n->kind = YN_INT;
		if (!construct_int(n->str, &n->v.i, &n->big)) {
			set_error(c->err, n->line, n->col,
				  "invalid literal for int: '%s'", n->str);
			return NULL;
		}
		return n;
	}
	if (strcmp(kind, "float") == 0) {
		n->kind = YN_FLOAT;
		if (!construct_float(n->str, &n->v.f)) {
			set_error(c->err, n->line, n->col,
				  "could not convert string to float: '%s'",
				  n->str);
			return NULL;
		}
		return n;
	}
	if (strcmp(kind, "null") == 0) {
		n->kind = YN_NULL;
		return n;
	}
	if (strcmp(kind, "timestamp") == 0) {
		if (!match_timestamp(n->str)) {
			set_error(c->err, n->line, n->col,
				  "cannot construct a timestamp from '%s'",
				  n->str);
			return NULL;
		}
		n->kind = YN_TIMESTAMP;
		return n;
	}
	if (strcmp(kind, "binary") == 0) {
		n->kind = YN_BINARY;
		return n;
	}
	if (strcmp(kind, "merge") == 0) {
		*is_merge = true;
		return n;
	}
no_constructor:
	set_error(c->err, n->line, n->col,
		  "could not determine a constructor for the tag '%s'",
		  tag ? tag : TAG_PREFIX "value");
	return NULL;
}

static void
frame_push_item(struct frame *f, struct ynode *item, bool is_merge)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 8;
		f->items = xreallocarray(f->items, f->cap, sizeof *f->items);
		f->merge = xreallocarray(f->merge, f->cap, sizeof *f->merge);
	}
	f->merge[f->n] = is_merge;
	f->items[f->n++] = item;
}

/* Hash consistent with ynode_key_equal. */
static uint64_t
key_hash(const struct ynode *k)
{
	uint64_t h = 1469598103934665603ULL;
	switch (k->kind) {
	case YN_NULL:
		return 7;
	case YN_BOOL:
		return (uint64_t)k->v.b;
	case YN_INT:
		if (k->big)
			break;
		return (uint64_t)k->v.i;
	case YN_FLOAT:
		if (k->v.f == floor(k->v.f) && fabs(k->v.f) < 9e18)
			return (uint64_t)(long long)k->v.f;
		return 11;
	default:
		break;
	}
	for (size_t i = 0; i < k->len; i++) {
		h ^= (unsigned char)k->str[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static bool
is_number(const struct ynode *n)
{
	return n->kind == YN_BOOL || n->kind == YN_INT || n->kind == YN_FLOAT;
}

static long double
number_value(const struct ynode *n)
{
	if (n->kind == YN_BOOL)
		return n->v.b;
	if (n->kind == YN_INT)
		return (long double)n->v.i;
	return n->v.f;
}

bool
ynode_key_equal(const struct ynode *a, const struct ynode *b)
{
	if (is_number(a) && is_number(b)) {
		if ((a->kind == YN_INT && a->big) ||
		    (b->kind == YN_INT && b->big))
			return a->kind == b->kind && a->len == b->len &&
			       memcmp(a->str, b->str, a->len) == 0;
		return number_value(a) == number_value(b);
	}
	if (a->kind != b->kind)
		return false;
	if (a->kind == YN_NULL)
		return true;
	if (a->kind == YN_SEQ || a->kind == YN_MAP)
		return a == b; /* unhashable in Python: only itself */
	return a->len == b->len && (a->len == 0 ||
				    memcmp(a->str, b->str, a->len) == 0);
}

/* Adds pairs to a map under construction, a later duplicate replacing the
 * value of the first.  A hash index keeps large maps linear. */
struct map_builder {
	struct ynode **keys, **vals;
	size_t n, cap;
	size_t *index; /* open addressing: pair number + 1, or 0 */
	size_t index_cap;
};

static void
map_index_rebuild(struct map_builder *mb)
{
	free(mb->index);
	mb->index_cap = mb->index_cap ? mb->index_cap * 2 : 64;
	mb->index = xcalloc(mb->index_cap, sizeof *mb->index);
	for (size_t i = 0; i < mb->n; i++) {
		size_t h = key_hash(mb->keys[i]) & (mb->index_cap - 1);
		while (mb->index[h])
			h = (h + 1) & (mb->index_cap - 1);
		mb->index[h] = i + 1;
	}
}

static void
map_builder_put(struct map_builder *mb, struct ynode *k, struct ynode *v)
{
	if (mb->n >= 8 && mb->n * 2 >= mb->index_cap)
		map_index_rebuild(mb);
	if (mb->index) {
		size_t h = key_hash(k) & (mb->index_cap - 1);
		while (mb->index[h]) {
			size_t i = mb->index[h] - 1;
			if (ynode_key_equal(mb->keys[i], k)) {
				mb->vals[i] = v;
				return;
			}
			h = (h + 1) & (mb->index_cap - 1);
		}
		mb->index[h] = mb->n + 1;
	} else {
		for (size_t i = 0; i < mb->n; i++)
			if (ynode_key_equal(mb->keys[i], k)) {
				mb->vals[i] = v;
				return;
			}
	}
	if (mb->n == mb->cap) {
		mb->cap = mb->cap ? mb->cap * 2 : 8;
		mb->keys = xreallocarray(mb->keys, mb->cap, sizeof *mb->keys);
		mb->vals = xreallocarray(mb->vals, mb->cap, sizeof *mb->vals);
	}
	mb->keys[mb->n] = k;
	mb->vals[mb->n] = v;
	mb->n++;
}

static void
map_builder_put_all(struct map_builder *mb, const struct ynode *map)
{
	for (size_t i = 0; i < map->n; i++)
		map_builder_put(mb, map->keys[i], map->vals[i]);
}

static int
map_finish(struct composer *c, struct frame *f)
{
	struct ynode *map = f->node;
	struct map_builder mb = {0};
	int rc = 0;

	/* PyYAML puts the pairs of every merged mapping first, in the
	 * order of the "<<" keys (for a list of mappings, the earlier one
	 * taking precedence), then the mapping's own pairs. */
	for (size_t i = 0; i + 1 < f->n; i += 2) {
		struct ynode *v = f->items[i + 1];
		if (!f->merge[i])
			continue;
		if (v->kind == YN_MAP) {
			map_builder_put_all(&mb, v);
		} else if (v->kind == YN_SEQ) {
			for (size_t j = 0; j < v->n; j++)
				if (v->items[j]->kind != YN_MAP) {
					set_error(c->err, v->items[j]->line,
						  v->items[j]->col,
						  "expected a mapping for "
						  "merging, but found %s",
						  ynode_type_name(v->items[j]));
					rc = -1;
					goto out;
				}
			for (size_t j = v->n; j-- > 0;)
				map_builder_put_all(&mb, v->items[j]);
		} else {
			set_error(c->err, v->line, v->col,
				  "expected a mapping or list of mappings for "
				  "merging, but found %s",
				  ynode_type_name(v));
			rc = -1;
			goto out;
		}
	}
	for (size_t i = 0; i + 1 < f->n; i += 2) {
		struct ynode *k = f->items[i], *v = f->items[i + 1];
		if (f->merge[i])
			continue;
		if (k->kind == YN_SEQ || k->kind == YN_MAP) {
			set_error(c->err, k->line, k->col,
				  "found unhashable key (a %s)",
				  ynode_type_name(k));
			rc = -1;
			goto out;
		}
		map_builder_put(&mb, k, v);
	}
	map->n = mb.n;
	map->keys = arena_alloc(c->doc, mb.n * sizeof *map->keys);
	map->vals = arena_alloc(c->doc, mb.n * sizeof *map->vals);
	if (mb.n) {
		memcpy(map->keys, mb.keys, mb.n * sizeof *map->keys);
		memcpy(map->vals, mb.vals, mb.n * sizeof *map->vals);
	}
out:
	free(mb.keys);
	free(mb.vals);
	free(mb.index);
	return rc;
}

/* Hands a finished node to the collection that holds it. */
static int
attach(struct composer *c, struct ynode *node, bool is_merge)
{
	if (c->depth == 0) {
		c->doc->root = node;
		return 0;
	}
	struct frame *f = &c->stack[c->depth - 1];
	/* "<<" only merges as a key; as a value it is the string. */
	frame_push_item(f, node, f->node->kind == YN_MAP && f->n % 2 == 0 &&
					 is_merge);
	return 0;
}

static int
collection_start(struct composer *c, const yaml_event_t *ev,
		 enum ynode_kind kind)
{
	const char *tag = ev->type == YAML_SEQUENCE_START_EVENT
				  ? (const char *)ev->data.sequence_start.tag
				  : (const char *)ev->data.mapping_start.tag;
	const char *anchor =
		ev->type == YAML_SEQUENCE_START_EVENT
			? (const char *)ev->data.sequence_start.anchor
			: (const char *)ev->data.mapping_start.anchor;
	const yaml_mark_t *m = &ev->start_mark;
	bool is_set = false;
	if (tag && strcmp(tag, "!") != 0) {
		const char *t = short_tag(tag);
		bool ok = t && ((kind == YN_SEQ && strcmp(t, "seq") == 0) ||
				(kind == YN_MAP && strcmp(t, "map") == 0) ||
				(kind == YN_MAP && strcmp(t, "set") == 0));
		if (!ok) {
			set_error(c->err, (int)m->line + 1, (int)m->column + 1,
				  "could not determine a constructor for the "
				  "tag '%s'",
				  tag);
			return -1;
		}
		is_set = strcmp(t, "set") == 0;
	}
	if (c->depth >= YAML_MAX_DEPTH) {
		set_error(c->err, (int)m->line + 1, (int)m->column + 1,
			  "document nested more than %d levels deep",
			  YAML_MAX_DEPTH);
		return -1;
	}
	if (c->depth == c->stack_cap) {
		c->stack_cap = c->stack_cap ? c->stack_cap * 2 : 16;
		c->stack =
			xreallocarray(c->stack, c->stack_cap, sizeof *c->stack);
	}
	struct frame *f = &c->stack[c->depth];
	memset(f, 0, sizeof *f);
	f->node = node_new(c, kind, m);
	(void)is_set; /* a set is a mapping to nulls, as PyYAML builds it */
	if (anchor && anchor_add(c, anchor, f->node, m, true, &f->anchor) < 0)
		return -1;
	c->depth++;
	return 0;
}

static int
collection_end(struct composer *c)
{
	struct frame *f = &c->stack[--c->depth];
	int rc = 0;
	if (f->node->kind == YN_SEQ) {
		f->node->n = f->n;
		f->node->items = arena_alloc(c->doc, f->n * sizeof(void *));
		if (f->n)
			memcpy(f->node->items, f->items,
			       f->n * sizeof(void *));
	} else {
		rc = map_finish(c, f);
	}
	if (f->anchor)
		c->anchors[f->anchor - 1].open = false;
	free(f->items);
	free(f->merge);
	if (rc < 0)
		return rc;
	return attach(c, f->node, false);
}

/* Size of the tree with every alias expanded, from the children's sizes
 * (computed when they were finished), saturating above the limit. */
static unsigned long long
expanded_size(const struct ynode *n)
{
	unsigned long long total = 1;
	for (size_t i = 0; i < n->n; i++) {
		if (n->kind == YN_SEQ)
			total += n->items[i]->weight;
		else
			total += n->keys[i]->weight + n->vals[i]->weight;
		if (total > YAML_MAX_EXPANDED)
			return YAML_MAX_EXPANDED + 1;
	}
	return total;
}

static void
parser_error(const yaml_parser_t *p, struct yerror *err)
{
	const yaml_mark_t *m =
		p->problem ? &p->problem_mark : &p->context_mark;
	if (p->context)
		set_error(err, (int)m->line + 1, (int)m->column + 1,
			  "%s %s", p->problem ? p->problem : "error",
			  p->context);
	else
		set_error(err, (int)m->line + 1, (int)m->column + 1, "%s",
			  p->problem ? p->problem : "cannot parse YAML");
	if (p->error == YAML_READER_ERROR) {
		err->line = 0;
		err->col = 0;
		snprintf(err->msg, sizeof err->msg,
			 "%s at byte %zu (the file is not valid UTF-8 text)",
			 p->problem ? p->problem : "unreadable input",
			 p->problem_offset);
	}
}

struct ydoc *
ydoc_parse(const char *data, size_t len, struct yerror *err)
{
	struct composer c = {0};
	yaml_parser_t parser;
	yaml_event_t ev;
	bool done = false, failed = false;
	int documents = 0;

	memset(err, 0, sizeof *err);
	c.doc = xcalloc(1, sizeof *c.doc);
	c.err = err;
	if (!yaml_parser_initialize(&parser)) {
		set_error(err, 0, 0, "cannot initialise the YAML parser");
		free(c.doc);
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)data,
				     len);
	while (!done && !failed) {
		if (!yaml_parser_parse(&parser, &ev)) {
			parser_error(&parser, err);
			failed = true;
			break;
		}
		const yaml_mark_t *m = &ev.start_mark;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++documents > 1) {
				set_error(err, (int)m->line + 1,
					  (int)m->column + 1,
					  "expected a single document in the "
					  "stream, but found another document");
				failed = true;
			}
			break;
		case YAML_ALIAS_EVENT: {
			const char *name = (const char *)ev.data.alias.anchor;
			size_t i = anchor_find(&c, name);
			if (i == 0) {
				set_error(err, (int)m->line + 1,
					  (int)m->column + 1,
					  "found undefined alias '%s'", name);
				failed = true;
			} else if (c.anchors[i - 1].open) {
				set_error(err, (int)m->line + 1,
					  (int)m->column + 1,
					  "alias '%s' refers to a node that "
					  "contains it",
					  name);
				failed = true;
			} else {
				failed = attach(&c, c.anchors[i - 1].node,
						false) < 0;
			}
			break;
		}
		case YAML_SCALAR_EVENT: {
			bool is_merge;
			struct ynode *n = scalar_node(&c, &ev, &is_merge);
			const char *anchor =
				(const char *)ev.data.scalar.anchor;
			if (n == NULL ||
			    (anchor &&
			     anchor_add(&c, anchor, n, m, false, NULL) < 0))
				failed = true;
			else
				failed = attach(&c, n, is_merge) < 0;
			break;
		}
		case YAML_SEQUENCE_START_EVENT:
			failed = collection_start(&c, &ev, YN_SEQ) < 0;
			break;
		case YAML_MAPPING_START_EVENT:
			failed = collection_start(&c, &ev, YN_MAP) < 0;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT: {
			struct ynode *n = c.stack[c.depth - 1].node;
			failed = collection_end(&c) < 0;
			if (!failed) {
				n->weight = expanded_size(n);
				if (n->weight > YAML_MAX_EXPANDED) {
					set_error(err, n->line, n->col,
						  "document expands to more "
						  "than %llu nodes through "
						  "aliases",
						  YAML_MAX_EXPANDED);
					failed = true;
				}
			}
			break;
		}
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	for (size_t i = 0; i < c.depth; i++) {
		free(c.stack[i].items);
		free(c.stack[i].merge);
	}
	free(c.stack);
	for (size_t i = 0; i < c.nanchors; i++)
		free(c.anchors[i].name);
	free(c.anchors);
	if (failed) {
		ydoc_free(c.doc);
		return NULL;
	}
	return c.doc;
}

/* ---- access ---- */

/* Index of string key KEY in MAP, or -1. */
static long
ymap_index(const struct ynode *map, const char *key)
{
	if (map == NULL || map->kind != YN_MAP)
		return -1;
	size_t len = strlen(key);
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->keys[i];
		if (k->kind == YN_STR && k->len == len &&
		    memcmp(k->str, key, len) == 0)
			return (long)i;
	}
	return -1;
}

struct ynode *
ymap_key(const struct ynode *map, const char *key)
{
	long i = ymap_index(map, key);
	return i < 0 ? NULL : map->keys[i];
}

struct ynode *
ymap_get(const struct ynode *map, const char *key)
{
	long i = ymap_index(map, key);
	return i < 0 ? NULL : map->vals[i];
}

bool
ynode_is_str(const struct ynode *n, const char *s)
{
	return n && n->kind == YN_STR && n->len == strlen(s) &&
	       memcmp(n->str, s, n->len) == 0;
}

bool
ynode_is_scalar(const struct ynode *n)
{
	return n->kind != YN_SEQ && n->kind != YN_MAP;
}

const char *
ynode_type_name(const struct ynode *n)
{
	if (n == NULL)
		return "None";
	switch (n->kind) {
	case YN_NULL:
		return "None";
	case YN_BOOL:
		return "bool";
	case YN_INT:
		return "int";
	case YN_FLOAT:
		return "float";
	case YN_STR:
		return "str";
	case YN_TIMESTAMP:
		return "datetime";
	case YN_BINARY:
		return "bytes";
	case YN_SEQ:
		return "list";
	case YN_MAP:
		return "dict";
	}
	return "?";
}

bool
ynode_truthy(const struct ynode *n)
{
	if (n == NULL)
		return false;
	switch (n->kind) {
	case YN_NULL:
		return false;
	case YN_BOOL:
		return n->v.b;
	case YN_INT:
		return n->v.i != 0 || n->big;
	case YN_FLOAT:
		return n->v.f != 0;
	case YN_STR:
	case YN_BINARY:
		return n->len > 0;
	case YN_SEQ:
	case YN_MAP:
		return n->n > 0;
	case YN_TIMESTAMP:
		return true;
	}
	return true;
}
