/* schema.c: validating a YAML tree against a declarative schema, with
 * voluptuous' semantics (see schema.h). */
#include "schema.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Bounds the work on documents that alias one subtree many times. */
#define SCHEMA_MAX_STEPS 100000000ULL

const struct schema schema_object = {.kind = SC_OBJECT};
const struct schema schema_str = {.kind = SC_STR};
const struct schema schema_int = {.kind = SC_INT};
const struct schema schema_bool = {.kind = SC_BOOL};
const struct schema schema_dict = {.kind = SC_DICT};
const struct schema schema_none = {.kind = SC_NONE};

static const struct ynode null_node = {.kind = YN_NULL, .str = "", .weight = 1};

void
schema_ctx_init(struct schema_ctx *ctx, struct diags *diags,
		enum err_class cls, bool strict)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->diags = diags;
	ctx->cls = cls;
	ctx->strict = strict;
}

void
schema_ctx_free(struct schema_ctx *ctx)
{
	free(ctx->path);
	ctx->path = NULL;
	ctx->depth = ctx->path_cap = 0;
}

static void
path_push(struct schema_ctx *ctx, struct schema_path_elem e)
{
	if (ctx->depth == ctx->path_cap) {
		ctx->path_cap = ctx->path_cap ? ctx->path_cap * 2 : 16;
		ctx->path = xreallocarray(ctx->path, (size_t)ctx->path_cap,
					  sizeof *ctx->path);
	}
	ctx->path[ctx->depth++] = e;
}

void
schema_path_push_key(struct schema_ctx *ctx, const char *key)
{
	path_push(ctx, (struct schema_path_elem){.key = key});
}

void
schema_path_push_node(struct schema_ctx *ctx, const struct ynode *key)
{
	if (key->kind == YN_STR)
		path_push(ctx, (struct schema_path_elem){.key = key->str});
	else
		path_push(ctx, (struct schema_path_elem){.node = key});
}

void
schema_path_push_index(struct schema_ctx *ctx, size_t index)
{
	path_push(ctx, (struct schema_path_elem){.index = index});
}

void
schema_path_pop(struct schema_ctx *ctx)
{
	ctx->depth--;
}

/* How a key that is no string reads in a path: as Python prints it. */
static void
add_key_text(struct buf *b, const struct ynode *k)
{
	switch (k->kind) {
	case YN_NULL:
		buf_adds(b, "None");
		break;
	case YN_BOOL:
		buf_adds(b, k->v.b ? "True" : "False");
		break;
	case YN_SEQ:
		buf_adds(b, "[...]");
		break;
	case YN_MAP:
		buf_adds(b, "{...}");
		break;
	default:
		buf_adds(b, k->str);
		break;
	}
}

static bool
plain_key(const char *k)
{
	if (*k == '\0')
		return false;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
		      (*k >= '0' && *k <= '9') || *k == '_' || *k == '-'))
			return false;
	return true;
}

char *
schema_path_string(const struct schema_ctx *ctx)
{
	struct buf b;
	buf_init(&b);
	for (int i = 0; i < ctx->depth; i++) {
		const struct schema_path_elem *e = &ctx->path[i];
		if (e->key == NULL && e->node == NULL) {
			buf_printf(&b, "[%zu]", e->index);
			continue;
		}
		if (e->key && !plain_key(e->key)) {
			/* A key a job made up ('..', 'a/b', a newline) shows
			 * quoted, so the path stays one readable line. */
			buf_adds(&b, "[");
			py_repr_str(&b, e->key);
			buf_adds(&b, "]");
			continue;
		}
		if (i > 0)
			buf_addc(&b, '.');
		if (e->key)
			buf_adds(&b, e->key);
		else
			add_key_text(&b, e->node);
	}
	return buf_steal(&b);
}

static void
vschema_error(struct schema_ctx *ctx, const struct ynode *at, const char *fmt,
	      va_list ap)
{
	char *path = schema_path_string(ctx);
	char *msg = xvasprintf(fmt, ap);
	diags_add(ctx->diags, ctx->cls, at ? at->line : 0, at ? at->col : 0,
		  path, "%s", msg);
	ctx->diags->v[ctx->diags->n - 1].depth = ctx->depth;
	free(msg);
	free(path);
}

void
schema_error(struct schema_ctx *ctx, const struct ynode *at, const char *fmt,
	     ...)
{
	va_list ap;
	va_start(ap, fmt);
	vschema_error(ctx, at, fmt, ap);
	va_end(ap);
}

/* ---- regular expressions ---- */

/* Schemas use a handful of constant patterns: cache them by address. */
struct re_cache_entry {
	const char *pattern;
	pcre2_code *code;
};
static struct re_cache_entry re_cache[64];
static size_t re_cache_n;

static pcre2_code *
re_compile_cached(const char *pattern)
{
	for (size_t i = 0; i < re_cache_n; i++)
		if (re_cache[i].pattern == pattern ||
		    strcmp(re_cache[i].pattern, pattern) == 0)
			return re_cache[i].code;
	int errcode;
	PCRE2_SIZE erroff;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern,
					 PCRE2_ZERO_TERMINATED,
					 PCRE2_UTF | PCRE2_UCP |
						 PCRE2_MATCH_INVALID_UTF,
					 &errcode, &erroff, NULL);
	if (code && re_cache_n < sizeof re_cache / sizeof re_cache[0]) {
		re_cache[re_cache_n].pattern = pattern;
		re_cache[re_cache_n].code = code;
		re_cache_n++;
	}
	return code;
}

int
py_re_match(const char *pattern, const char *text, size_t len)
{
	pcre2_code *code = re_compile_cached(pattern);
	if (code == NULL)
		return -1;
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
	int rc = pcre2_match(code, (PCRE2_SPTR)text, len, 0, PCRE2_ANCHORED,
			     md, NULL);
	pcre2_match_data_free(md);
	/* The cache keeps at most 64 patterns; others are freed here. */
	bool cached = false;
	for (size_t i = 0; i < re_cache_n; i++)
		cached |= re_cache[i].code == code;
	if (!cached)
		pcre2_code_free(code);
	return rc >= 0;
}

/* ---- validation ---- */

static int validate(struct schema_ctx *ctx, const struct schema *s,
		    const struct ynode *n, enum schema_extra extra);

/* How a schema reads in "expected one of ..." messages. */
static void
describe(const struct schema *s, struct buf *b)
{
	switch (s->kind) {
	case SC_OBJECT:
		buf_adds(b, "anything");
		break;
	case SC_STR:
		buf_adds(b, "a string");
		break;
	case SC_INT:
		buf_adds(b, "an integer");
		break;
	case SC_BOOL:
		buf_adds(b, "a boolean");
		break;
	case SC_DICT:
	case SC_MAP:
		buf_adds(b, "a dictionary");
		break;
	case SC_SEQ:
		buf_adds(b, "a list");
		break;
	case SC_EQ:
		buf_printf(b, "'%s'", s->str);
		break;
	case SC_NONE:
		buf_adds(b, "null");
		break;
	case SC_RANGE:
		if (s->has_min && s->has_max)
			buf_printf(b, "a number from %lld to %lld", s->min,
				   s->max);
		else if (s->has_min)
			buf_printf(b, "a number of at least %lld", s->min);
		else
			buf_adds(b, "a number");
		break;
	case SC_ALL:
		describe(s->alts[0], b);
		break;
	case SC_ANY:
		for (size_t i = 0; s->alts[i]; i++) {
			if (i)
				buf_adds(b, ", ");
			describe(s->alts[i], b);
		}
		break;
	default:
		buf_adds(b, "a valid value");
		break;
	}
}

static bool
is_number(const struct ynode *n)
{
	return n->kind == YN_INT || n->kind == YN_BOOL || n->kind == YN_FLOAT;
}

/* Python's len() of a str: code points. */
static size_t
utf8_length(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

static int
validate_range(struct schema_ctx *ctx, const struct schema *s,
	       const struct ynode *n)
{
	if (!is_number(n)) {
		struct buf b;
		buf_init(&b);
		describe(s, &b);
		schema_error(ctx, n, "expected %s, got %s", b.data,
			     ynode_type_name(n));
		buf_free(&b);
		return 1;
	}
	if (n->kind == YN_FLOAT && isnan(n->v.f)) {
		schema_error(ctx, n, "expected a number, got nan");
		return 1;
	}
	/* Out-of-range big ints sit at LLONG_MIN/MAX: comparisons hold. */
	long double v = n->kind == YN_BOOL    ? n->v.b
			: n->kind == YN_INT ? (long double)n->v.i
					    : n->v.f;
	if (s->has_min && v < (long double)s->min) {
		schema_error(ctx, n, "value must be at least %lld", s->min);
		return 1;
	}
	if (s->has_max && v > (long double)s->max) {
		schema_error(ctx, n, "value must be at most %lld", s->max);
		return 1;
	}
	return 0;
}

static int
validate_length(struct schema_ctx *ctx, const struct schema *s,
		const struct ynode *n)
{
	size_t len;
	if (n->kind == YN_STR)
		len = utf8_length(n->str, n->len);
	else if (n->kind == YN_SEQ || n->kind == YN_MAP)
		len = n->n;
	else if (n->kind == YN_BINARY)
		len = n->len;
	else {
		schema_error(ctx, n, "expected a value with a length, got %s",
			     ynode_type_name(n));
		return 1;
	}
	if (s->has_min && (long long)len < s->min) {
		if (s->min == 1)
			schema_error(ctx, n, "must not be empty");
		else
			schema_error(ctx, n,
				     "length of value must be at least %lld",
				     s->min);
		return 1;
	}
	if (s->has_max && (long long)len > s->max) {
		schema_error(ctx, n, "length of value must be at most %lld",
			     s->max);
		return 1;
	}
	return 0;
}

static int
validate_seq(struct schema_ctx *ctx, const struct schema *s,
	     const struct ynode *n, enum schema_extra extra)
{
	if (n->kind != YN_SEQ) {
		schema_error(ctx, n, "expected a list, got %s",
			     ynode_type_name(n));
		return 1;
	}
	int errors = 0;
	for (size_t i = 0; i < n->n; i++) {
		schema_path_push_index(ctx, i);
		if (s->alts[1] == NULL) {
			errors += validate(ctx, s->alts[0], n->items[i], extra);
		} else {
			/* One of several item schemas: as Any. */
			struct schema any = {.kind = SC_ANY, .alts = s->alts};
			errors += validate(ctx, &any, n->items[i], extra);
		}
		schema_path_pop(ctx);
	}
	return errors;
}

static int
validate_any(struct schema_ctx *ctx, const struct schema *s,
	     const struct ynode *n, enum schema_extra extra)
{
	struct diags *outer = ctx->diags;
	struct diags best, trial;
	int best_depth = -1;
	bool all_shallow = true;
	diags_init(&best);
	for (size_t i = 0; s->alts[i]; i++) {
		diags_init(&trial);
		ctx->diags = &trial;
		int errors = validate(ctx, s->alts[i], n, extra);
		ctx->diags = outer;
		if (errors == 0) {
			diags_free(&trial);
			diags_free(&best);
			return 0;
		}
		int depth = trial.v[0].depth;
		if (depth > ctx->depth)
			all_shallow = false;
		/* voluptuous keeps the error that got deepest; among those,
		 * the alternative with the fewest errors reads best. */
		if (depth > best_depth ||
		    (depth == best_depth && trial.n < best.n)) {
			diags_free(&best);
			best = trial;
			best_depth = depth;
		} else {
			diags_free(&trial);
		}
	}
	int count = (int)best.n;
	if (all_shallow) {
		/* No alternative got further than the value itself: say what
		 * the value may be. */
		struct buf b;
		buf_init(&b);
		describe(s, &b);
		if (s->alts[1])
			schema_error(ctx, n, "expected one of: %s", b.data);
		else
			schema_error(ctx, n, "%s", best.v[0].msg);
		buf_free(&b);
		diags_free(&best);
		return 1;
	}
	diags_move(ctx->diags, &best);
	return count;
}

/* The value schema a literal key NAME takes (the last definition, as in
 * {**a, **b}), and whether it is required (its first definition). */
static const struct schema_key *
map_literal_key(const struct schema *s, const char *name, size_t len,
		bool *required)
{
	const struct schema_key *found = NULL;
	for (size_t i = 0; s->keysets[i]; i++)
		for (const struct schema_key *k = s->keysets[i]; k->kind; k++) {
			if (k->kind != KEY_REQUIRED && k->kind != KEY_OPTIONAL)
				continue;
			if (strncmp(k->name, name, len) != 0 ||
			    k->name[len] != '\0')
				continue;
			if (found == NULL && required)
				*required = k->kind == KEY_REQUIRED;
			found = k;
		}
	return found;
}

/* The first literal key of S with the name of SK. */
static const struct schema_key *
first_definition(const struct schema *s, const struct schema_key *sk)
{
	for (size_t i = 0; s->keysets[i]; i++)
		for (const struct schema_key *k = s->keysets[i]; k->kind; k++)
			if ((k->kind == KEY_REQUIRED ||
			     k->kind == KEY_OPTIONAL) &&
			    strcmp(k->name, sk->name) == 0)
				return k;
	return NULL;
}

/* Whether data key K fits a wildcard schema key. */
static bool
wildcard_key_fits(const struct schema_key *sk, const struct ynode *k)
{
	switch (sk->kind) {
	case KEY_STR:
		return k->kind == YN_STR;
	case KEY_EXTRA:
		return true;
	case KEY_MATCH:
		return k->kind == YN_STR &&
		       py_re_match(sk->name, k->str, k->len) == 1;
	case KEY_IN:
		if (k->kind != YN_STR)
			return false;
		for (size_t i = 0; sk->names[i]; i++)
			if (ynode_is_str(k, sk->names[i]))
				return true;
		return false;
	default:
		return false;
	}
}

/* voluptuous tries wildcard keys by kind: patterns, then validators,
 * then types, then Extra. */
static int
wildcard_rank(enum key_kind kind)
{
	switch (kind) {
	case KEY_MATCH:
		return 0;
	case KEY_IN:
		return 1;
	case KEY_STR:
		return 2;
	case KEY_EXTRA:
		return 3;
	default:
		return -1;
	}
}

static const struct schema_key *
map_wildcard_key(const struct schema *s, const struct ynode *k)
{
	for (int rank = 0; rank <= 3; rank++)
		for (size_t i = 0; s->keysets[i]; i++)
			for (const struct schema_key *sk = s->keysets[i];
			     sk->kind; sk++)
				if (wildcard_rank(sk->kind) == rank &&
				    wildcard_key_fits(sk, k))
					return sk;
	return NULL;
}

static int
validate_map(struct schema_ctx *ctx, const struct schema *s,
	     const struct ynode *n, enum schema_extra extra)
{
	if (s->extra != EXTRA_INHERIT)
		extra = s->extra;
	if (n->kind != YN_MAP) {
		schema_error(ctx, n, "expected a dictionary, got %s",
			     ynode_type_name(n));
		return 1;
	}
	int errors = 0;
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *k = n->keys[i], *v = n->vals[i];
		const struct schema_key *sk = NULL;
		if (k->kind == YN_STR)
			sk = map_literal_key(s, k->str, k->len, NULL);
		if (sk == NULL)
			sk = map_wildcard_key(s, k);
		schema_path_push_node(ctx, k);
		if (sk)
			errors += validate(ctx, sk->value, v, extra);
		else if (extra == EXTRA_PREVENT) {
			schema_error(ctx, k, "extra keys not allowed");
			errors++;
		}
		schema_path_pop(ctx);
	}
	/* Required keys missing from the data, each named once however
	 * many key sets define it. */
	for (size_t i = 0; s->keysets[i]; i++)
		for (const struct schema_key *sk = s->keysets[i]; sk->kind;
		     sk++) {
			bool required = false;
			if (sk->kind != KEY_REQUIRED || ymap_key(n, sk->name))
				continue;
			/* Only at its first definition, which says whether
			 * it is required at all. */
			if (map_literal_key(s, sk->name, strlen(sk->name),
					    &required) == NULL ||
			    !required || first_definition(s, sk) != sk)
				continue;
			schema_path_push_key(ctx, sk->name);
			schema_error(ctx, n, "%s",
				     sk->msg ? sk->msg
					     : "required key not provided");
			schema_path_pop(ctx);
			errors++;
		}
	/* Exclusive groups: at most one key of each. */
	for (size_t i = 0; s->keysets[i]; i++)
		for (const struct schema_key *sk = s->keysets[i]; sk->kind;
		     sk++) {
			if (!sk->exclusive || !ymap_key(n, sk->name))
				continue;
			for (const struct schema_key *o = sk + 1; o->kind;
			     o++) {
				if (o->exclusive &&
				    strcmp(o->exclusive, sk->exclusive) == 0 &&
				    ymap_key(n, o->name)) {
					const struct ynode *at =
						ymap_key(n, o->name);
					schema_path_push_key(ctx, o->name);
					schema_error(ctx, at,
						     "'%s' and '%s' may not be "
						     "used together",
						     sk->name, o->name);
					schema_path_pop(ctx);
					errors++;
				}
			}
		}
	return errors;
}

static int
validate(struct schema_ctx *ctx, const struct schema *s,
	 const struct ynode *n, enum schema_extra extra)
{
	if (n == NULL)
		n = &null_node;
	if (++ctx->steps > SCHEMA_MAX_STEPS) {
		if (ctx->steps == SCHEMA_MAX_STEPS + 1)
			schema_error(ctx, n,
				     "document too complex to validate");
		return 1;
	}
	switch (s->kind) {
	case SC_OBJECT:
		return 0;
	case SC_STR:
		if (n->kind == YN_STR)
			return 0;
		schema_error(ctx, n, "expected a string, got %s",
			     ynode_type_name(n));
		return 1;
	case SC_INT:
		if (n->kind == YN_INT || n->kind == YN_BOOL)
			return 0;
		schema_error(ctx, n, "expected an integer, got %s",
			     ynode_type_name(n));
		return 1;
	case SC_BOOL:
		if (n->kind == YN_BOOL)
			return 0;
		schema_error(ctx, n, "expected a boolean, got %s",
			     ynode_type_name(n));
		return 1;
	case SC_DICT:
		if (n->kind == YN_MAP)
			return 0;
		schema_error(ctx, n, "expected a dictionary, got %s",
			     ynode_type_name(n));
		return 1;
	case SC_NONE:
		if (n->kind == YN_NULL)
			return 0;
		schema_error(ctx, n, "expected null, got %s",
			     ynode_type_name(n));
		return 1;
	case SC_EQ:
		if (ynode_is_str(n, s->str))
			return 0;
		schema_error(ctx, n, "expected '%s'", s->str);
		return 1;
	case SC_RANGE:
		return validate_range(ctx, s, n);
	case SC_LENGTH:
		return validate_length(ctx, s, n);
	case SC_MATCH:
		if (n->kind == YN_STR && py_re_match(s->str, n->str, n->len) == 1)
			return 0;
		if (n->kind != YN_STR)
			schema_error(ctx, n, "expected a string, got %s",
				     ynode_type_name(n));
		else
			schema_error(ctx, n,
				     "'%s' does not match the pattern %s",
				     n->str, s->str);
		return 1;
	case SC_NOT_IN:
		for (size_t i = 0; s->strs[i]; i++)
			if (ynode_is_str(n, s->strs[i])) {
				schema_error(ctx, n, "%s",
					     s->msg ? s->msg
						    : "value is not allowed");
				return 1;
			}
		return 0;
	case SC_MAP:
		return validate_map(ctx, s, n, extra);
	case SC_SEQ:
		return validate_seq(ctx, s, n, extra);
	case SC_ANY:
		return validate_any(ctx, s, n, extra);
	case SC_ALL:
		for (size_t i = 0; s->alts[i]; i++) {
			size_t before = ctx->diags->n;
			int errors = validate(ctx, s->alts[i], n, extra);
			if (errors == 0)
				continue;
			if (s->msg) {
				/* Msg(): one error of its own instead. */
				while (ctx->diags->n > before) {
					struct diag *g =
						&ctx->diags->v[--ctx->diags->n];
					free(g->path);
					free(g->msg);
				}
				schema_error(ctx, n, "%s", s->msg);
				return 1;
			}
			return errors;
		}
		return 0;
	case SC_CHECK:
		return s->check(ctx, n);
	}
	return 0;
}

int
schema_validate(struct schema_ctx *ctx, const struct schema *s,
		const struct ynode *n)
{
	return validate(ctx, s, n, ctx->strict ? EXTRA_PREVENT : EXTRA_ALLOW);
}
