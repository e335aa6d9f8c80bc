/* template.c: a Jinja2 subset for LAVA device dictionaries and templates.
 *
 * Three stages.  The lexer turns a source into tokens, applying LAVA's
 * whitespace rules there (trim_blocks, the '-' markers, the dropped final
 * newline).  The parser builds a tree of statements and expressions once
 * per template; templates stay cached in the environment.  The renderer
 * walks the tree; values live in an arena freed after each render, and
 * every string it builds, every step and every nesting level is counted
 * against the limits, so any input ends, and ends with an error it can
 * name rather than a crash.
 *
 * Inheritance follows Jinja2: the most derived template's top-level code
 * runs first (output suppressed once it has extended), then its parent's,
 * all sharing one context; blocks resolve to the most derived override,
 * super() to the next one up.  Top-level sets are visible to parents;
 * sets in blocks and loops stay local. */
#include "template.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ------------------------------------------------------------------ */
/* Arena: values and trees are freed all at once. */

struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct arena {
	struct chunk *head;
	size_t total;
};

static void *
arena_alloc(struct arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	struct chunk *c = a->head;
	if (c == NULL || c->size - c->used < n) {
		size_t size = n > 32768 ? n : 32768;
		c = xmalloc(sizeof *c + size);
		c->size = size;
		c->used = 0;
		if (a->head != NULL && n > 32768) {
			/* A one-off big block: keep filling the current one. */
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
		a->total += size;
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

static void *
arena_zalloc(struct arena *a, size_t n)
{
	void *p = arena_alloc(a, n);
	memset(p, 0, n);
	return p;
}

static char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static void
arena_free(struct arena *a)
{
	struct chunk *c = a->head;
	while (c) {
		struct chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->total = 0;
}

/* ------------------------------------------------------------------ */
/* Values */

enum tkind {
	TV_UNDEF,
	TV_NONE,
	TV_BOOL,
	TV_INT,
	TV_FLOAT,
	TV_STR,
	TV_LIST,
	TV_TUPLE,
	TV_DICT,
};

struct tval {
	enum tkind kind;
	bool b;
	long long i;
	double f;
	const char *s; /* TV_STR; TV_UNDEF: why it is undefined, or NULL */
	size_t len;
	struct tval **items; /* list and tuple items; dict keys */
	struct tval **vals;  /* dict values */
	size_t n, cap;
};

static struct tval v_none = {.kind = TV_NONE};
static struct tval v_true = {.kind = TV_BOOL, .b = true};
static struct tval v_false = {.kind = TV_BOOL, .b = false};
static struct tval v_empty = {.kind = TV_STR, .s = "", .len = 0};

static struct tval *
val_new(struct arena *a, enum tkind kind)
{
	struct tval *v = arena_zalloc(a, sizeof *v);
	v->kind = kind;
	return v;
}

static struct tval *
val_str(struct arena *a, const char *s, size_t len)
{
	struct tval *v = val_new(a, TV_STR);
	v->s = arena_strndup(a, s, len);
	v->len = len;
	return v;
}

static struct tval *
val_int(struct arena *a, long long i)
{
	struct tval *v = val_new(a, TV_INT);
	v->i = i;
	return v;
}

static struct tval *
val_float(struct arena *a, double f)
{
	struct tval *v = val_new(a, TV_FLOAT);
	v->f = f;
	return v;
}

static struct tval *
val_bool(bool b)
{
	return b ? &v_true : &v_false;
}

static void
val_push(struct arena *a, struct tval *v, struct tval *item, struct tval *val)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 4;
		struct tval **items = arena_alloc(a, cap * sizeof *items);
		if (v->n)
			memcpy(items, v->items, v->n * sizeof *items);
		v->items = items;
		if (v->kind == TV_DICT) {
			struct tval **vals = arena_alloc(a, cap * sizeof *vals);
			if (v->n)
				memcpy(vals, v->vals, v->n * sizeof *vals);
			v->vals = vals;
		}
		v->cap = cap;
	}
	v->items[v->n] = item;
	if (v->kind == TV_DICT)
		v->vals[v->n] = val;
	v->n++;
}

static const char *
val_type(const struct tval *v)
{
	switch (v->kind) {
	case TV_UNDEF:
		return "Undefined";
	case TV_NONE:
		return "NoneType";
	case TV_BOOL:
		return "bool";
	case TV_INT:
		return "int";
	case TV_FLOAT:
		return "float";
	case TV_STR:
		return "str";
	case TV_LIST:
		return "list";
	case TV_TUPLE:
		return "tuple";
	case TV_DICT:
		return "dict";
	}
	return "object";
}

static bool
val_truth(const struct tval *v)
{
	switch (v->kind) {
	case TV_UNDEF:
	case TV_NONE:
		return false;
	case TV_BOOL:
		return v->b;
	case TV_INT:
		return v->i != 0;
	case TV_FLOAT:
		return v->f != 0;
	case TV_STR:
		return v->len != 0;
	default:
		return v->n != 0;
	}
}

static bool
val_is_num(const struct tval *v)
{
	return v->kind == TV_BOOL || v->kind == TV_INT || v->kind == TV_FLOAT;
}

static double
val_num(const struct tval *v)
{
	if (v->kind == TV_FLOAT)
		return v->f;
	if (v->kind == TV_BOOL)
		return v->b;
	return (double)v->i;
}

static long long
val_ll(const struct tval *v)
{
	return v->kind == TV_BOOL ? v->b : v->i;
}

static bool val_eq(const struct tval *a, const struct tval *b, int depth);

static ssize_t
dict_find(const struct tval *d, const struct tval *key)
{
	for (size_t i = 0; i < d->n; i++)
		if (val_eq(d->items[i], key, 0))
			return (ssize_t)i;
	return -1;
}

static ssize_t
dict_find_str(const struct tval *d, const char *s, size_t len)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct tval *k = d->items[i];
		if (k->kind == TV_STR && k->len == len &&
		    memcmp(k->s, s, len) == 0)
			return (ssize_t)i;
	}
	return -1;
}

static bool
val_eq(const struct tval *a, const struct tval *b, int depth)
{
	if (depth > 200)
		return a == b;
	if (val_is_num(a) && val_is_num(b)) {
		if (a->kind == TV_FLOAT || b->kind == TV_FLOAT)
			return val_num(a) == val_num(b);
		return val_ll(a) == val_ll(b);
	}
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case TV_UNDEF:
	case TV_NONE:
		return true;
	case TV_STR:
		return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
	case TV_LIST:
	case TV_TUPLE:
		if (a->n != b->n)
			return false;
		for (size_t i = 0; i < a->n; i++)
			if (!val_eq(a->items[i], b->items[i], depth + 1))
				return false;
		return true;
	case TV_DICT:
		if (a->n != b->n)
			return false;
		for (size_t i = 0; i < a->n; i++) {
			ssize_t j = dict_find(b, a->items[i]);
			if (j < 0 || !val_eq(a->vals[i], b->vals[j], depth + 1))
				return false;
		}
		return true;
	default:
		return false;
	}
}

/* ------------------------------------------------------------------ */
/* Python's str() and repr() */

/* Python's repr() of a float: the shortest digits that read back. */
static void
fmt_float(char *out, size_t size, double f)
{
	if (isnan(f)) {
		snprintf(out, size, "nan");
		return;
	}
	if (isinf(f)) {
		snprintf(out, size, f < 0 ? "-inf" : "inf");
		return;
	}
	char tmp[64];
	int prec;
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*e", prec - 1, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	/* tmp is [-]d.ddde[+-]XX: split digits and exponent. */
	char digits[32];
	size_t nd = 0;
	const char *p = tmp;
	bool neg = false;
	if (*p == '-') {
		neg = true;
		p++;
	}
	for (; *p && *p != 'e'; p++)
		if (*p != '.')
			digits[nd++] = *p;
	int exp = atoi(p + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	char *o = out;
	size_t left = size;
#define PUT(...)                                                               \
	do {                                                                   \
		int k_ = snprintf(o, left, __VA_ARGS__);                       \
		if (k_ > 0 && (size_t)k_ < left) {                             \
			o += k_;                                               \
			left -= (size_t)k_;                                    \
		}                                                              \
	} while (0)
	if (neg)
		PUT("-");
	if (exp < -4 || exp >= 16) {
		PUT("%c", digits[0]);
		if (nd > 1)
			PUT(".%s", digits + 1);
		PUT("e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
	} else if (exp < 0) {
		PUT("0.");
		for (int i = -1; i > exp; i--)
			PUT("0");
		PUT("%s", digits);
	} else {
		for (int i = 0; i <= exp; i++)
			PUT("%c", (size_t)i < nd ? digits[i] : '0');
		PUT(".");
		if ((size_t)exp + 1 < nd)
			PUT("%s", digits + exp + 1);
		else
			PUT("0");
	}
#undef PUT
}

struct render;
static bool radd(struct render *r, struct buf *b, const void *s, size_t n);

static void
repr_str(struct render *r, struct buf *b, const char *s, size_t len)
{
	char q = '\'';
	if (memchr(s, '\'', len) && !memchr(s, '"', len))
		q = '"';
	radd(r, b, &q, 1);
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		const char *e = NULL;
		size_t elen = 2;
		if (c == '\\')
			e = "\\\\";
		else if (c == (unsigned char)q)
			e = q == '\'' ? "\\'" : "\\\"";
		else if (c == '\n')
			e = "\\n";
		else if (c == '\r')
			e = "\\r";
		else if (c == '\t')
			e = "\\t";
		else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof esc, "\\x%02x", c);
			e = esc;
			elen = 4;
		} else if (c == 0xc2 && i + 1 < len &&
		           (((unsigned char)s[i + 1] >= 0x80 &&
		             (unsigned char)s[i + 1] <= 0xa0) ||
		            (unsigned char)s[i + 1] == 0xad)) {
			/* C1 controls, NBSP and SHY are not printable. */
			snprintf(esc, sizeof esc, "\\x%02x",
			         (unsigned char)s[i + 1]);
			radd(r, b, s + start, i - start);
			radd(r, b, esc, 4);
			i++;
			start = i + 1;
			continue;
		}
		if (e) {
			radd(r, b, s + start, i - start);
			radd(r, b, e, elen);
			start = i + 1;
		}
	}
	radd(r, b, s + start, len - start);
	radd(r, b, &q, 1);
}

static void val_write(struct render *r, struct buf *b, const struct tval *v,
                      bool repr, int depth);

static void
val_write(struct render *r, struct buf *b, const struct tval *v, bool repr,
          int depth)
{
	char tmp[64];
	switch (v->kind) {
	case TV_UNDEF:
		if (repr)
			radd(r, b, "Undefined", 9);
		return;
	case TV_NONE:
		radd(r, b, "None", 4);
		return;
	case TV_BOOL:
		if (v->b)
			radd(r, b, "True", 4);
		else
			radd(r, b, "False", 5);
		return;
	case TV_INT:
		snprintf(tmp, sizeof tmp, "%lld", v->i);
		radd(r, b, tmp, strlen(tmp));
		return;
	case TV_FLOAT:
		fmt_float(tmp, sizeof tmp, v->f);
		radd(r, b, tmp, strlen(tmp));
		return;
	case TV_STR:
		if (repr)
			repr_str(r, b, v->s, v->len);
		else
			radd(r, b, v->s, v->len);
		return;
	case TV_LIST:
	case TV_TUPLE:
	case TV_DICT:
		break;
	}
	bool dict = v->kind == TV_DICT, tuple = v->kind == TV_TUPLE;
	radd(r, b, dict ? "{" : tuple ? "(" : "[", 1);
	if (depth > 100) {
		radd(r, b, "...", 3);
	} else {
		for (size_t i = 0; i < v->n; i++) {
			if (i)
				radd(r, b, ", ", 2);
			val_write(r, b, v->items[i], true, depth + 1);
			if (dict) {
				radd(r, b, ": ", 2);
				val_write(r, b, v->vals[i], true, depth + 1);
			}
		}
	}
	if (tuple && v->n == 1)
		radd(r, b, ",", 1);
	radd(r, b, dict ? "}" : tuple ? ")" : "]", 1);
}

/* ------------------------------------------------------------------ */
/* Templates, the environment */

enum tok {
	T_EOF,
	T_DATA,
	T_VAR_BEGIN,
	T_VAR_END,
	T_BLOCK_BEGIN,
	T_BLOCK_END,
	T_NAME,
	T_STRING,
	T_INT,
	T_FLOAT,
	T_OP,
};

struct token {
	enum tok type;
	int line;
	const char *s; /* data, name, operator or decoded string */
	size_t len;
	long long i;
	double f;
};

enum ekind {
	E_CONST,
	E_NAME,
	E_LIST,
	E_TUPLE,
	E_DICT,
	E_GETATTR,
	E_GETITEM,
	E_CALL,
	E_FILTER,
	E_TEST,
	E_NOT,
	E_NEG,
	E_POS,
	E_BINOP,
	E_AND,
	E_OR,
	E_COND,
	E_SLOT, /* the captured body of a filter block or set block */
};

enum binop {
	OP_ADD,
	OP_SUB,
	OP_MUL,
	OP_DIV,
	OP_FLOORDIV,
	OP_MOD,
	OP_CONCAT,
	OP_EQ,
	OP_NE,
	OP_LT,
	OP_GT,
	OP_LE,
	OP_GE,
	OP_IN,
	OP_NOTIN,
};

struct expr {
	enum ekind kind;
	int line;
	int op;           /* binop, filter or test index */
	bool neg;         /* a negated test */
	const char *name; /* name, attribute, filter or test name */
	size_t nlen;
	struct tval *val;       /* E_CONST */
	struct expr *a, *b, *c; /* operands; a: subject of a call/filter */
	struct expr **args;     /* items; dict: key, value, key, value... */
	size_t nargs;
	const char **kwnames;
	struct expr **kwargs;
	size_t nkw;
};

enum nkind {
	N_DATA,
	N_OUTPUT,
	N_IF,
	N_FOR,
	N_SET,
	N_SETBLOCK,
	N_BLOCK,
	N_EXTENDS,
	N_INCLUDE,
	N_FILTER,
};

struct node {
	enum nkind kind;
	int line;
	const char *s; /* data; set, block and loop variable names */
	size_t len;
	const char *s2; /* second loop variable */
	struct expr *e; /* value, condition, iterable, template name, filter */
	struct expr *cond;
	struct node *body, *orelse;
	bool ignore_missing, without_context;
	struct node *next;
};

struct blockdef {
	const char *name;
	struct node *node;
};

struct tmpl {
	char *name;
	char *path; /* for messages */
	struct node *body;
	struct blockdef *blocks;
	size_t nblocks;
	struct tmpl *next;
};

struct memsrc {
	char *name;
	char *src;
	size_t len;
	struct memsrc *next;
};

struct tmpl_env {
	struct arena a; /* templates and variables */
	char **dirs;
	size_t ndirs;
	struct memsrc *mem;
	struct tmpl *tmpls;
	struct tval *vars; /* a dict: name -> value */
	struct tmpl_limits lim;
};

struct tmpl_env *
tmpl_env_new(void)
{
	struct tmpl_env *env = xcalloc(1, sizeof *env);
	env->vars = val_new(&env->a, TV_DICT);
	env->lim.max_output = 16 << 20;
	env->lim.max_memory = 256 << 20;
	env->lim.max_steps = 50000000;
	env->lim.max_depth = 100;
	return env;
}

void
tmpl_env_free(struct tmpl_env *env)
{
	if (env == NULL)
		return;
	for (size_t i = 0; i < env->ndirs; i++)
		free(env->dirs[i]);
	free(env->dirs);
	struct memsrc *m = env->mem;
	while (m) {
		struct memsrc *next = m->next;
		free(m->name);
		free(m->src);
		free(m);
		m = next;
	}
	arena_free(&env->a);
	free(env);
}

void
tmpl_env_add_dir(struct tmpl_env *env, const char *dir)
{
	env->dirs = xreallocarray(env->dirs, env->ndirs + 1, sizeof *env->dirs);
	env->dirs[env->ndirs++] = xstrdup(dir);
}

void
tmpl_env_add_string(struct tmpl_env *env, const char *name, const char *src,
                    size_t len)
{
	struct memsrc *m = xcalloc(1, sizeof *m);
	m->name = xstrdup(name);
	m->src = xstrndup(src, len);
	m->len = len;
	m->next = env->mem;
	env->mem = m;
}

void
tmpl_env_get_limits(const struct tmpl_env *env, struct tmpl_limits *lim)
{
	*lim = env->lim;
}

void
tmpl_env_set_limits(struct tmpl_env *env, const struct tmpl_limits *lim)
{
	env->lim = *lim;
}

struct tval *
tval_new_str(struct tmpl_env *env, const char *s, size_t len)
{
	return val_str(&env->a, s, len);
}

struct tval *
tval_new_int(struct tmpl_env *env, long long i)
{
	return val_int(&env->a, i);
}

struct tval *
tval_new_float(struct tmpl_env *env, double f)
{
	return val_float(&env->a, f);
}

struct tval *
tval_new_bool(struct tmpl_env *env, bool b)
{
	(void)env;
	return val_bool(b);
}

struct tval *
tval_new_none(struct tmpl_env *env)
{
	(void)env;
	return &v_none;
}

struct tval *
tval_new_list(struct tmpl_env *env)
{
	return val_new(&env->a, TV_LIST);
}

void
tval_list_append(struct tmpl_env *env, struct tval *list, struct tval *item)
{
	val_push(&env->a, list, item, NULL);
}

struct tval *
tval_new_dict(struct tmpl_env *env)
{
	return val_new(&env->a, TV_DICT);
}

void
tval_dict_set(struct tmpl_env *env, struct tval *dict, struct tval *key,
              struct tval *val)
{
	ssize_t i = dict_find(dict, key);
	if (i >= 0)
		dict->vals[i] = val;
	else
		val_push(&env->a, dict, key, val);
}

void
tmpl_env_set_var(struct tmpl_env *env, const char *name, struct tval *v)
{
	tval_dict_set(env, env->vars, val_str(&env->a, name, strlen(name)), v);
}

/* ------------------------------------------------------------------ */
/* Lexer */

struct lexer {
	struct arena *a;
	const char *src;
	size_t len, pos;
	int line;
	struct token *toks;
	size_t n, cap;
	struct tmpl_error *err;
	const char *path;
};

static int
lex_fail(struct lexer *lx, int line, const char *fmt, ...)
{
	va_list ap;
	snprintf(lx->err->file, sizeof lx->err->file, "%s", lx->path);
	lx->err->line = line;
	va_start(ap, fmt);
	vsnprintf(lx->err->msg, sizeof lx->err->msg, fmt, ap);
	va_end(ap);
	return -1;
}

static struct token *
lex_push(struct lexer *lx, enum tok type, const char *s, size_t len)
{
	if (lx->n == lx->cap) {
		lx->cap = lx->cap ? lx->cap * 2 : 256;
		lx->toks = xreallocarray(lx->toks, lx->cap, sizeof *lx->toks);
	}
	struct token *t = &lx->toks[lx->n++];
	memset(t, 0, sizeof *t);
	t->type = type;
	t->line = lx->line;
	t->s = s;
	t->len = len;
	return t;
}

/* Python's str.isspace() over ASCII: what rstrip() and \s remove. */
static bool
py_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static int
count_lines(const char *s, size_t n)
{
	int k = 0;
	for (size_t i = 0; i < n; i++)
		k += s[i] == '\n';
	return k;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
put_utf8(struct buf *b, unsigned long cp)
{
	char u[4];
	if (cp < 0x80) {
		buf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		buf_add(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		buf_add(b, u, 3);
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		buf_add(b, u, 4);
	}
}

/* A string literal, decoded as Python's unicode-escape codec does (which
 * is what Jinja2 applies): unknown escapes such as \. stay as they are. */
static int
lex_string(struct lexer *lx)
{
	char q = lx->src[lx->pos];
	int line = lx->line;
	size_t i = lx->pos + 1;
	struct buf b;
	buf_init(&b);
	for (;;) {
		if (i >= lx->len) {
			buf_free(&b);
			return lex_fail(lx, line, "unterminated string");
		}
		char c = lx->src[i];
		if (c == q)
			break;
		if (c == '\n')
			lx->line++;
		if (c != '\\' || i + 1 >= lx->len) {
			buf_addc(&b, c);
			i++;
			continue;
		}
		char e = lx->src[i + 1];
		i += 2;
		int nhex = 0;
		switch (e) {
		case '\\':
		case '\'':
		case '"':
			buf_addc(&b, e);
			break;
		case 'a':
			buf_addc(&b, '\a');
			break;
		case 'b':
			buf_addc(&b, '\b');
			break;
		case 'f':
			buf_addc(&b, '\f');
			break;
		case 'n':
			buf_addc(&b, '\n');
			break;
		case 'r':
			buf_addc(&b, '\r');
			break;
		case 't':
			buf_addc(&b, '\t');
			break;
		case 'v':
			buf_addc(&b, '\v');
			break;
		case '\n':
			lx->line++;
			break;
		case 'x':
			nhex = 2;
			break;
		case 'u':
			nhex = 4;
			break;
		case 'U':
			nhex = 8;
			break;
		default:
			if (e >= '0' && e <= '7') {
				unsigned long cp = (unsigned long)(e - '0');
				for (int k = 0;
				     k < 2 && i < lx->len &&
				     lx->src[i] >= '0' && lx->src[i] <= '7';
				     k++)
					cp =
					    cp * 8 +
					    (unsigned long)(lx->src[i++] - '0');
				put_utf8(&b, cp);
			} else {
				buf_addc(&b, '\\');
				i--; /* the next character is read as is */
			}
		}
		if (nhex) {
			unsigned long cp = 0;
			for (int k = 0; k < nhex; k++) {
				int h = i < lx->len ? hexval(lx->src[i]) : -1;
				if (h < 0) {
					buf_free(&b);
					return lex_fail(lx, lx->line,
					                "truncated \\%c escape "
					                "in string",
					                e);
				}
				cp = cp * 16 + (unsigned long)h;
				i++;
			}
			if (cp > 0x10ffff) {
				buf_free(&b);
				return lex_fail(lx, lx->line,
				                "illegal Unicode character in "
				                "string");
			}
			put_utf8(&b, cp);
		}
	}
	struct token *t = lex_push(lx, T_STRING, NULL, 0);
	t->line = line;
	t->s = arena_strndup(lx->a, b.data ? b.data : "", b.len);
	t->len = b.len;
	buf_free(&b);
	lx->pos = i + 1;
	return 0;
}

static int
lex_number(struct lexer *lx)
{
	const char *s = lx->src;
	size_t i = lx->pos;
	struct buf tmp; /* the literal without its underscores */
	bool isfloat = false;
	buf_init(&tmp);
#define DIGITS()                                                               \
	while (i < lx->len && ((s[i] >= '0' && s[i] <= '9') ||                 \
	                       (s[i] == '_' && i + 1 < lx->len &&              \
	                        s[i + 1] >= '0' && s[i + 1] <= '9'))) {        \
		if (s[i] != '_')                                               \
			buf_addc(&tmp, s[i]);                                  \
		i++;                                                           \
	}
	DIGITS();
	if (i + 1 < lx->len && s[i] == '.' && s[i + 1] >= '0' &&
	    s[i + 1] <= '9') {
		isfloat = true;
		buf_addc(&tmp, s[i++]);
		DIGITS();
	}
	if (i < lx->len && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1;
		if (j < lx->len && (s[j] == '+' || s[j] == '-'))
			j++;
		if (j < lx->len && s[j] >= '0' && s[j] <= '9') {
			isfloat = true;
			while (i < j)
				buf_addc(&tmp, s[i++]);
			DIGITS();
		}
	}
#undef DIGITS
	struct token *t =
	    lex_push(lx, isfloat ? T_FLOAT : T_INT, s + lx->pos, i - lx->pos);
	int rc = 0;
	if (isfloat) {
		t->f = strtod(tmp.data, NULL);
	} else {
		errno = 0;
		t->i = strtoll(tmp.data, NULL, 10);
		if (errno == ERANGE)
			rc = lex_fail(lx, lx->line, "integer too large");
	}
	buf_free(&tmp);
	lx->pos = i;
	return rc;
}

static const char *const ops2[] = {"//", "**", "==", "!=", "<=", ">="};
static const char ops1[] = "+-*/%~<>=()[]{},.:|";

/* The inside of a {{ }} or {% %} tag up to its end marker.  Returns 1 when
 * the end marker has a '-' (strip the whitespace that follows). */
static int
lex_tag(struct lexer *lx, char kind, int line)
{
	int depth = 0;
	char stack[256];
	const char *s = lx->src;
	for (;;) {
		while (lx->pos < lx->len &&
		       py_space((unsigned char)s[lx->pos])) {
			if (s[lx->pos] == '\n')
				lx->line++;
			lx->pos++;
		}
		if (lx->pos >= lx->len)
			return lex_fail(lx, line, "unclosed '%s' tag",
			                kind == '{' ? "{{" : "{%");
		const char *p = s + lx->pos;
		size_t left = lx->len - lx->pos;
		if (depth == 0) {
			char c = kind == '{' ? '}' : '%';
			int sign = 0;
			if (left >= 3 && (p[0] == '-' || p[0] == '+') &&
			    p[1] == c && p[2] == '}')
				sign = p[0];
			else if (!(left >= 2 && p[0] == c && p[1] == '}'))
				goto token;
			lex_push(lx, kind == '{' ? T_VAR_END : T_BLOCK_END,
			         NULL, 0);
			lx->pos += sign ? 3 : 2;
			if (sign == '-')
				return 1;
			/* trim_blocks: a block tag eats the newline after. */
			if (kind == '%' && sign == 0 && lx->pos < lx->len &&
			    s[lx->pos] == '\n') {
				lx->pos++;
				lx->line++;
			}
			return 0;
		}
	token:
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    *p == '_') {
			size_t n = 1;
			while (n < left &&
			       ((p[n] >= 'a' && p[n] <= 'z') ||
			        (p[n] >= 'A' && p[n] <= 'Z') ||
			        (p[n] >= '0' && p[n] <= '9') || p[n] == '_'))
				n++;
			lex_push(lx, T_NAME, p, n);
			lx->pos += n;
			continue;
		}
		if (*p >= '0' && *p <= '9') {
			if (lex_number(lx) < 0)
				return -1;
			continue;
		}
		if (*p == '\'' || *p == '"') {
			if (lex_string(lx) < 0)
				return -1;
			continue;
		}
		size_t oplen = 0;
		for (size_t k = 0; k < sizeof ops2 / sizeof ops2[0]; k++)
			if (left >= 2 && p[0] == ops2[k][0] &&
			    p[1] == ops2[k][1])
				oplen = 2;
		if (!oplen && strchr(ops1, *p) && *p)
			oplen = 1;
		if (!oplen)
			return lex_fail(lx, lx->line,
			                "unexpected character "
			                "'%c' in tag",
			                *p);
		if (oplen == 1 && strchr("([{", *p)) {
			if (depth < (int)sizeof stack)
				stack[depth] = *p == '('   ? ')'
				               : *p == '[' ? ']'
				                           : '}';
			depth++;
		} else if (oplen == 1 && strchr(")]}", *p)) {
			if (depth == 0)
				return lex_fail(lx, lx->line, "unexpected '%c'",
				                *p);
			depth--;
			if (depth < (int)sizeof stack && stack[depth] != *p)
				return lex_fail(lx, lx->line,
				                "unexpected '%c', expected "
				                "'%c'",
				                *p, stack[depth]);
		}
		lex_push(lx, T_OP, p, oplen);
		lx->pos += oplen;
	}
}

static int
lex(struct lexer *lx)
{
	const char *s = lx->src;
	bool lstrip = false;
	while (lx->pos <= lx->len) {
		size_t q = lx->pos;
		while (q + 1 < lx->len &&
		       !(s[q] == '{' && (s[q + 1] == '{' || s[q + 1] == '%' ||
		                         s[q + 1] == '#')))
			q++;
		if (q + 1 >= lx->len)
			q = lx->len;
		size_t ds = lx->pos, de = q;
		if (lstrip)
			while (ds < de && py_space((unsigned char)s[ds]))
				ds++;
		if (q < lx->len && q + 2 < lx->len && s[q + 2] == '-')
			while (de > ds && py_space((unsigned char)s[de - 1]))
				de--;
		lx->line += count_lines(s + lx->pos, ds - lx->pos);
		if (de > ds)
			lex_push(lx, T_DATA, s + ds, de - ds);
		lx->line += count_lines(s + ds, q - ds);
		if (q >= lx->len)
			break;
		char kind = s[q + 1];
		int line = lx->line;
		lx->pos = q + 2;
		if (lx->pos < lx->len &&
		    (s[lx->pos] == '-' || s[lx->pos] == '+'))
			lx->pos++;
		if (kind == '#') {
			size_t e = lx->pos;
			while (e + 1 < lx->len &&
			       !(s[e] == '#' && s[e + 1] == '}'))
				e++;
			if (e + 1 >= lx->len)
				return lex_fail(lx, line, "unclosed comment");
			lx->line += count_lines(s + lx->pos, e - lx->pos);
			char sign = e > lx->pos ? s[e - 1] : 0;
			lx->pos = e + 2;
			lstrip = sign == '-';
			if (sign != '-' && sign != '+' && lx->pos < lx->len &&
			    s[lx->pos] == '\n') {
				lx->pos++;
				lx->line++;
			}
			continue;
		}
		struct token *t = lex_push(
		    lx, kind == '{' ? T_VAR_BEGIN : T_BLOCK_BEGIN, NULL, 0);
		t->line = line;
		int rc = lex_tag(lx, kind, line);
		if (rc < 0)
			return -1;
		lstrip = rc == 1;
	}
	lex_push(lx, T_EOF, NULL, 0);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Parser */

enum filter_id {
	F_DEFAULT,
	F_JOIN,
	F_REPLACE,
	F_INDENT,
	F_STRING,
	F_LOWER,
	F_UPPER,
	F_CAPITALIZE,
	F_TRIM,
	F_INT,
	F_FLOAT,
	F_LENGTH,
	F_FIRST,
	F_LAST,
	F_LIST,
	F_SHLEX_QUOTE,
	F_YAML_QUOTE,
	F_QEMU_GFI,
};

static const struct filterdef {
	const char *name;
	enum filter_id id;
	const char *params[3]; /* after the value */
	int nreq;              /* required parameters */
} filters[] = {
    {"default", F_DEFAULT, {"default_value", "boolean"}, 0},
    {"d", F_DEFAULT, {"default_value", "boolean"}, 0},
    {"join", F_JOIN, {"d", "attribute"}, 0},
    {"replace", F_REPLACE, {"old", "new", "count"}, 2},
    {"indent", F_INDENT, {"width", "first", "blank"}, 0},
    {"string", F_STRING, {NULL}, 0},
    {"lower", F_LOWER, {NULL}, 0},
    {"upper", F_UPPER, {NULL}, 0},
    {"capitalize", F_CAPITALIZE, {NULL}, 0},
    {"trim", F_TRIM, {"chars"}, 0},
    {"int", F_INT, {"default", "base"}, 0},
    {"float", F_FLOAT, {"default"}, 0},
    {"length", F_LENGTH, {NULL}, 0},
    {"count", F_LENGTH, {NULL}, 0},
    {"first", F_FIRST, {NULL}, 0},
    {"last", F_LAST, {NULL}, 0},
    {"list", F_LIST, {NULL}, 0},
    {"shlex_quote", F_SHLEX_QUOTE, {NULL}, 0},
    {"yaml_quote", F_YAML_QUOTE, {NULL}, 0},
    {"qemu_guest_fs_interface", F_QEMU_GFI, {"guestfs_interface"}, 1},
};

enum test_id {
	X_DEFINED,
	X_UNDEFINED,
	X_NONE,
	X_STRING,
	X_ITERABLE,
	X_SAMEAS,
	X_NUMBER,
	X_INTEGER,
	X_FLOAT,
	X_BOOLEAN,
	X_TRUE,
	X_FALSE,
	X_MAPPING,
	X_SEQUENCE,
	X_EQ,
	X_NE,
	X_LT,
	X_GT,
	X_LE,
	X_GE,
	X_IN,
	X_EVEN,
	X_ODD,
	X_DIVISIBLEBY,
};

static const struct testdef {
	const char *name;
	enum test_id id;
	int nargs;
} tests[] = {
    {"defined", X_DEFINED, 0},
    {"undefined", X_UNDEFINED, 0},
    {"none", X_NONE, 0},
    {"string", X_STRING, 0},
    {"iterable", X_ITERABLE, 0},
    {"sameas", X_SAMEAS, 1},
    {"number", X_NUMBER, 0},
    {"integer", X_INTEGER, 0},
    {"float", X_FLOAT, 0},
    {"boolean", X_BOOLEAN, 0},
    {"true", X_TRUE, 0},
    {"false", X_FALSE, 0},
    {"mapping", X_MAPPING, 0},
    {"sequence", X_SEQUENCE, 0},
    {"eq", X_EQ, 1},
    {"equalto", X_EQ, 1},
    {"==", X_EQ, 1},
    {"ne", X_NE, 1},
    {"!=", X_NE, 1},
    {"lt", X_LT, 1},
    {"lessthan", X_LT, 1},
    {"<", X_LT, 1},
    {"gt", X_GT, 1},
    {"greaterthan", X_GT, 1},
    {">", X_GT, 1},
    {"le", X_LE, 1},
    {"<=", X_LE, 1},
    {"ge", X_GE, 1},
    {">=", X_GE, 1},
    {"in", X_IN, 1},
    {"even", X_EVEN, 0},
    {"odd", X_ODD, 0},
    {"divisibleby", X_DIVISIBLEBY, 1},
};

struct parser {
	struct arena *a;
	struct token *toks;
	size_t pos;
	struct tmpl *t;
	struct tmpl_error *err;
	bool failed;
	int depth, max_depth;
};

static int
parse_fail(struct parser *p, int line, const char *fmt, ...)
{
	if (p->failed)
		return -1;
	p->failed = true;
	va_list ap;
	snprintf(p->err->file, sizeof p->err->file, "%s", p->t->path);
	p->err->line = line;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof p->err->msg, fmt, ap);
	va_end(ap);
	return -1;
}

static struct token *
cur(struct parser *p)
{
	return &p->toks[p->pos];
}

static void
advance(struct parser *p)
{
	if (p->toks[p->pos].type != T_EOF)
		p->pos++;
}

static bool
is_op(const struct token *t, const char *op)
{
	return t->type == T_OP && t->len == strlen(op) &&
	       memcmp(t->s, op, t->len) == 0;
}

static bool
is_name(const struct token *t, const char *name)
{
	return t->type == T_NAME && t->len == strlen(name) &&
	       memcmp(t->s, name, t->len) == 0;
}

static bool
skip_op(struct parser *p, const char *op)
{
	if (!is_op(cur(p), op))
		return false;
	advance(p);
	return true;
}

static bool
skip_name(struct parser *p, const char *name)
{
	if (!is_name(cur(p), name))
		return false;
	advance(p);
	return true;
}

static const char *
tok_desc(const struct token *t, char *buf, size_t size)
{
	switch (t->type) {
	case T_EOF:
		return "end of template";
	case T_DATA:
		return "template data";
	case T_VAR_BEGIN:
		return "'{{'";
	case T_VAR_END:
		return "end of print statement";
	case T_BLOCK_BEGIN:
		return "'{%'";
	case T_BLOCK_END:
		return "end of statement block";
	case T_STRING:
		return "string";
	case T_INT:
	case T_FLOAT:
		return "number";
	default:
		snprintf(buf, size, "'%.*s'", (int)(t->len > 40 ? 40 : t->len),
		         t->s);
		return buf;
	}
}

static int
unexpected(struct parser *p)
{
	char b[64];
	return parse_fail(p, cur(p)->line, "unexpected %s",
	                  tok_desc(cur(p), b, sizeof b));
}

static int
expect_op(struct parser *p, const char *op)
{
	if (skip_op(p, op))
		return 0;
	char b[64];
	return parse_fail(p, cur(p)->line, "expected '%s', got %s", op,
	                  tok_desc(cur(p), b, sizeof b));
}

static struct expr *
expr_new(struct parser *p, enum ekind kind, int line)
{
	struct expr *e = arena_zalloc(p->a, sizeof *e);
	e->kind = kind;
	e->line = line;
	return e;
}

static struct expr *parse_expression(struct parser *p, bool condexpr);
static struct expr *parse_primary(struct parser *p);
static struct expr *parse_postfix(struct parser *p, struct expr *e);

/* Grows an expression array kept in the arena (copy on growth). */
static void
args_push(struct parser *p, struct expr ***v, size_t *n, struct expr *e)
{
	if ((*n & (*n - 1)) == 0) {
		size_t cap = *n ? *n * 2 : 1;
		struct expr **nv = arena_alloc(p->a, cap * sizeof *nv);
		if (*n)
			memcpy(nv, *v, *n * sizeof *nv);
		*v = nv;
	}
	(*v)[(*n)++] = e;
}

/* '(' already read: positional and keyword arguments up to ')'. */
static int
parse_call_args(struct parser *p, struct expr *call)
{
	size_t kcap = 0;
	while (!is_op(cur(p), ")")) {
		if (call->nargs + call->nkw > 0 && expect_op(p, ",") < 0)
			return -1;
		if (is_op(cur(p), ")"))
			break;
		struct token *t = cur(p);
		if (t->type == T_NAME && is_op(&p->toks[p->pos + 1], "=")) {
			advance(p);
			advance(p);
			struct expr *v = parse_expression(p, true);
			if (v == NULL)
				return -1;
			if (call->nkw == kcap) {
				kcap = kcap ? kcap * 2 : 2;
				const char **names =
				    arena_alloc(p->a, kcap * sizeof *names);
				struct expr **vals =
				    arena_alloc(p->a, kcap * sizeof *vals);
				if (call->nkw) {
					memcpy(names, call->kwnames,
					       call->nkw * sizeof *names);
					memcpy(vals, call->kwargs,
					       call->nkw * sizeof *vals);
				}
				call->kwnames = names;
				call->kwargs = vals;
			}
			call->kwnames[call->nkw] =
			    arena_strndup(p->a, t->s, t->len);
			call->kwargs[call->nkw++] = v;
			continue;
		}
		if (call->nkw)
			return parse_fail(p, t->line,
			                  "positional argument after keyword "
			                  "argument");
		struct expr *v = parse_expression(p, true);
		if (v == NULL)
			return -1;
		args_push(p, &call->args, &call->nargs, v);
	}
	advance(p);
	return 0;
}

static struct expr *
parse_filter(struct parser *p, struct expr *subject, bool first_pipe_read)
{
	while (first_pipe_read || skip_op(p, "|")) {
		first_pipe_read = false;
		struct token *t = cur(p);
		if (t->type != T_NAME) {
			unexpected(p);
			return NULL;
		}
		advance(p);
		const struct filterdef *fd = NULL;
		for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
			if (strlen(filters[i].name) == t->len &&
			    memcmp(filters[i].name, t->s, t->len) == 0)
				fd = &filters[i];
		if (fd == NULL) {
			parse_fail(p, t->line, "no filter named '%.*s'",
			           (int)t->len, t->s);
			return NULL;
		}
		struct expr *f = expr_new(p, E_FILTER, t->line);
		f->a = subject;
		f->op = (int)(fd - filters);
		f->name = fd->name;
		if (skip_op(p, "(") && parse_call_args(p, f) < 0)
			return NULL;
		subject = f;
	}
	return subject;
}

static struct expr *
parse_test(struct parser *p, struct expr *subject)
{
	int line = cur(p)->line;
	bool neg = skip_name(p, "not");
	struct token *t = cur(p);
	if (t->type != T_NAME &&
	    !(t->type == T_OP && strchr("=!<>", t->s[0]))) {
		unexpected(p);
		return NULL;
	}
	advance(p);
	const struct testdef *td = NULL;
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
		if (strlen(tests[i].name) == t->len &&
		    memcmp(tests[i].name, t->s, t->len) == 0)
			td = &tests[i];
	if (td == NULL) {
		parse_fail(p, t->line, "no test named '%.*s'", (int)t->len,
		           t->s);
		return NULL;
	}
	struct expr *x = expr_new(p, E_TEST, line);
	x->a = subject;
	x->op = (int)(td - tests);
	x->name = td->name;
	x->neg = neg;
	struct token *n = cur(p);
	if (skip_op(p, "(")) {
		if (parse_call_args(p, x) < 0)
			return NULL;
	} else if ((n->type == T_NAME || n->type == T_STRING ||
	            n->type == T_INT || n->type == T_FLOAT || is_op(n, "[") ||
	            is_op(n, "{")) &&
	           !is_name(n, "else") && !is_name(n, "or") &&
	           !is_name(n, "and")) {
		if (is_name(n, "is")) {
			parse_fail(p, n->line,
			           "you cannot chain multiple tests with is");
			return NULL;
		}
		struct expr *arg = parse_primary(p);
		if (arg == NULL || (arg = parse_postfix(p, arg)) == NULL)
			return NULL;
		args_push(p, &x->args, &x->nargs, arg);
	}
	if ((size_t)td->nargs != x->nargs || x->nkw) {
		parse_fail(p, line, "test '%s' takes %d argument%s", td->name,
		           td->nargs, td->nargs == 1 ? "" : "s");
		return NULL;
	}
	return x;
}

static struct expr *
parse_postfix(struct parser *p, struct expr *e)
{
	for (;;) {
		struct token *t = cur(p);
		if (skip_op(p, ".")) {
			struct token *n = cur(p);
			if (n->type == T_NAME) {
				struct expr *g =
				    expr_new(p, E_GETATTR, t->line);
				g->a = e;
				g->name = arena_strndup(p->a, n->s, n->len);
				g->nlen = n->len;
				e = g;
			} else if (n->type == T_INT) {
				struct expr *g =
				    expr_new(p, E_GETITEM, t->line);
				g->a = e;
				g->b = expr_new(p, E_CONST, t->line);
				g->b->val = val_int(p->a, n->i);
				e = g;
			} else {
				unexpected(p);
				return NULL;
			}
			advance(p);
		} else if (skip_op(p, "[")) {
			struct expr *g = expr_new(p, E_GETITEM, t->line);
			g->a = e;
			if ((g->b = parse_expression(p, true)) == NULL ||
			    expect_op(p, "]") < 0)
				return NULL;
			e = g;
		} else if (skip_op(p, "(")) {
			struct expr *c = expr_new(p, E_CALL, t->line);
			c->a = e;
			if (parse_call_args(p, c) < 0)
				return NULL;
			e = c;
		} else {
			return e;
		}
	}
}

static struct expr *
parse_filter_expr(struct parser *p, struct expr *e)
{
	for (;;) {
		struct token *t = cur(p);
		if (is_op(t, "|")) {
			e = parse_filter(p, e, false);
		} else if (is_name(t, "is")) {
			advance(p);
			e = parse_test(p, e);
		} else if (skip_op(p, "(")) {
			struct expr *c = expr_new(p, E_CALL, t->line);
			c->a = e;
			if (parse_call_args(p, c) < 0)
				return NULL;
			e = c;
		} else {
			return e;
		}
		if (e == NULL)
			return NULL;
	}
}

static struct expr *
parse_primary(struct parser *p)
{
	struct token *t = cur(p);
	struct expr *e;
	if (++p->depth > p->max_depth) {
		parse_fail(p, t->line, "expression nested too deeply");
		return NULL;
	}
	switch (t->type) {
	case T_NAME:
		advance(p);
		e = expr_new(p, E_CONST, t->line);
		if (is_name(t, "true") || is_name(t, "True"))
			e->val = &v_true;
		else if (is_name(t, "false") || is_name(t, "False"))
			e->val = &v_false;
		else if (is_name(t, "none") || is_name(t, "None"))
			e->val = &v_none;
		else {
			e->kind = E_NAME;
			e->name = arena_strndup(p->a, t->s, t->len);
			e->nlen = t->len;
		}
		break;
	case T_STRING: {
		/* Adjacent literals concatenate, as in Python. */
		struct buf b;
		buf_init(&b);
		while (cur(p)->type == T_STRING) {
			buf_add(&b, cur(p)->s, cur(p)->len);
			advance(p);
		}
		e = expr_new(p, E_CONST, t->line);
		e->val = val_str(p->a, b.data, b.len);
		buf_free(&b);
		break;
	}
	case T_INT:
		advance(p);
		e = expr_new(p, E_CONST, t->line);
		e->val = val_int(p->a, t->i);
		break;
	case T_FLOAT:
		advance(p);
		e = expr_new(p, E_CONST, t->line);
		e->val = val_float(p->a, t->f);
		break;
	case T_OP:
		if (skip_op(p, "(")) {
			if (skip_op(p, ")")) {
				e = expr_new(p, E_TUPLE, t->line);
				break;
			}
			e = parse_expression(p, true);
			if (e && is_op(cur(p), ",")) {
				struct expr *tu = expr_new(p, E_TUPLE, t->line);
				args_push(p, &tu->args, &tu->nargs, e);
				while (skip_op(p, ",") && !is_op(cur(p), ")")) {
					if ((e = parse_expression(p, true)) ==
					    NULL)
						break;
					args_push(p, &tu->args, &tu->nargs, e);
				}
				e = e ? tu : NULL;
			}
			if (e == NULL || expect_op(p, ")") < 0)
				e = NULL;
			break;
		}
		if (skip_op(p, "[") || skip_op(p, "{")) {
			bool dict = t->s[0] == '{';
			const char *close = dict ? "}" : "]";
			e = expr_new(p, dict ? E_DICT : E_LIST, t->line);
			while (!is_op(cur(p), close)) {
				if (e->nargs && expect_op(p, ",") < 0)
					return NULL;
				if (is_op(cur(p), close))
					break;
				struct expr *item = parse_expression(p, true);
				if (item == NULL)
					return NULL;
				args_push(p, &e->args, &e->nargs, item);
				if (dict) {
					if (expect_op(p, ":") < 0 ||
					    (item = parse_expression(
					         p, true)) == NULL)
						return NULL;
					args_push(p, &e->args, &e->nargs, item);
				}
			}
			advance(p);
			break;
		}
		/* fall through */
	default:
		unexpected(p);
		e = NULL;
	}
	p->depth--;
	return e;
}

static struct expr *
parse_unary(struct parser *p, bool with_filter)
{
	struct token *t = cur(p);
	struct expr *e;
	if (++p->depth > p->max_depth) {
		parse_fail(p, t->line, "expression nested too deeply");
		return NULL;
	}
	if (is_op(t, "-") || is_op(t, "+")) {
		advance(p);
		e = expr_new(p, t->s[0] == '-' ? E_NEG : E_POS, t->line);
		if ((e->a = parse_unary(p, false)) == NULL)
			e = NULL;
	} else {
		e = parse_primary(p);
	}
	if (e)
		e = parse_postfix(p, e);
	if (e && with_filter)
		e = parse_filter_expr(p, e);
	p->depth--;
	return e;
}

static struct expr *
binop(struct parser *p, int op, int line, struct expr *a, struct expr *b)
{
	if (a == NULL || b == NULL)
		return NULL;
	struct expr *e = expr_new(p, E_BINOP, line);
	e->op = op;
	e->a = a;
	e->b = b;
	return e;
}

static struct expr *
parse_math2(struct parser *p)
{
	struct expr *e = parse_unary(p, true);
	for (;;) {
		struct token *t = cur(p);
		int op = is_op(t, "*")    ? OP_MUL
		         : is_op(t, "/")  ? OP_DIV
		         : is_op(t, "//") ? OP_FLOORDIV
		         : is_op(t, "%")  ? OP_MOD
		                          : -1;
		if (op < 0 || e == NULL)
			return e;
		advance(p);
		e = binop(p, op, t->line, e, parse_unary(p, true));
	}
}

static struct expr *
parse_concat(struct parser *p)
{
	struct expr *e = parse_math2(p);
	while (e && is_op(cur(p), "~")) {
		int line = cur(p)->line;
		advance(p);
		e = binop(p, OP_CONCAT, line, e, parse_math2(p));
	}
	return e;
}

static struct expr *
parse_math1(struct parser *p)
{
	struct expr *e = parse_concat(p);
	for (;;) {
		struct token *t = cur(p);
		int op = is_op(t, "+") ? OP_ADD : is_op(t, "-") ? OP_SUB : -1;
		if (op < 0 || e == NULL)
			return e;
		advance(p);
		e = binop(p, op, t->line, e, parse_concat(p));
	}
}

static struct expr *
parse_compare(struct parser *p)
{
	struct expr *e = parse_math1(p);
	for (;;) {
		struct token *t = cur(p);
		int op = is_op(t, "==")     ? OP_EQ
		         : is_op(t, "!=")   ? OP_NE
		         : is_op(t, "<")    ? OP_LT
		         : is_op(t, ">")    ? OP_GT
		         : is_op(t, "<=")   ? OP_LE
		         : is_op(t, ">=")   ? OP_GE
		         : is_name(t, "in") ? OP_IN
		                            : -1;
		if (op < 0 && is_name(t, "not") &&
		    is_name(&p->toks[p->pos + 1], "in")) {
			op = OP_NOTIN;
			advance(p);
		}
		if (op < 0 || e == NULL)
			return e;
		advance(p);
		e = binop(p, op, t->line, e, parse_math1(p));
	}
}

static struct expr *
parse_not(struct parser *p)
{
	struct token *t = cur(p);
	if (is_name(t, "not")) {
		if (++p->depth > p->max_depth) {
			parse_fail(p, t->line, "expression nested too deeply");
			return NULL;
		}
		advance(p);
		struct expr *e = expr_new(p, E_NOT, t->line);
		e->a = parse_not(p);
		p->depth--;
		return e->a ? e : NULL;
	}
	return parse_compare(p);
}

static struct expr *
parse_andor(struct parser *p, bool is_or)
{
	struct expr *e = is_or ? parse_andor(p, false) : parse_not(p);
	while (e && is_name(cur(p), is_or ? "or" : "and")) {
		struct expr *x =
		    expr_new(p, is_or ? E_OR : E_AND, cur(p)->line);
		advance(p);
		x->a = e;
		x->b = is_or ? parse_andor(p, false) : parse_not(p);
		e = x->b ? x : NULL;
	}
	return e;
}

static struct expr *
parse_expression(struct parser *p, bool condexpr)
{
	if (++p->depth > p->max_depth) {
		parse_fail(p, cur(p)->line, "expression nested too deeply");
		return NULL;
	}
	struct expr *e = parse_andor(p, true);
	while (condexpr && e && is_name(cur(p), "if")) {
		struct expr *c = expr_new(p, E_COND, cur(p)->line);
		advance(p);
		c->a = e;
		if ((c->b = parse_andor(p, true)) == NULL)
			return NULL;
		if (skip_name(p, "else") &&
		    (c->c = parse_expression(p, true)) == NULL)
			return NULL;
		e = c;
	}
	p->depth--;
	return e;
}

/* ---- statements ---- */

static struct node *
node_new(struct parser *p, enum nkind kind, int line)
{
	struct node *n = arena_zalloc(p->a, sizeof *n);
	n->kind = kind;
	n->line = line;
	return n;
}

static int
expect_block_end(struct parser *p)
{
	if (cur(p)->type == T_BLOCK_END) {
		advance(p);
		return 0;
	}
	char b[64];
	return parse_fail(p, cur(p)->line,
	                  "expected end of statement block, got %s",
	                  tok_desc(cur(p), b, sizeof b));
}

static int parse_body(struct parser *p, const char *const *ends,
                      const char *tag, int line, struct node **out);

static const char *const end_if[] = {"elif", "else", "endif", NULL};
static const char *const end_for[] = {"else", "endfor", NULL};
static const char *const end_endfor[] = {"endfor", NULL};
static const char *const end_endif[] = {"endif", NULL};
static const char *const end_block[] = {"endblock", NULL};
static const char *const end_filter[] = {"endfilter", NULL};
static const char *const end_set[] = {"endset", NULL};

static struct node *
parse_if(struct parser *p, int line)
{
	struct node *n = node_new(p, N_IF, line);
	/* An elif chain recurses here once per branch. */
	if (++p->depth > p->max_depth) {
		parse_fail(p, line, "statements nested too deeply");
		return NULL;
	}
	if ((n->e = parse_expression(p, true)) == NULL ||
	    expect_block_end(p) < 0 ||
	    parse_body(p, end_if, "if", line, &n->body) < 0)
		return NULL;
	struct token *t = cur(p);
	advance(p);
	if (is_name(t, "elif")) {
		n->orelse = parse_if(p, t->line);
		p->depth--;
		return n->orelse ? n : NULL;
	}
	if (is_name(t, "else")) {
		if (expect_block_end(p) < 0 ||
		    parse_body(p, end_endif, "if", line, &n->orelse) < 0)
			return NULL;
		advance(p);
	}
	p->depth--;
	return expect_block_end(p) < 0 ? NULL : n;
}

static struct node *
parse_for(struct parser *p, int line)
{
	struct node *n = node_new(p, N_FOR, line);
	bool paren = skip_op(p, "(");
	for (int k = 0; k < 2; k++) {
		struct token *t = cur(p);
		if (t->type != T_NAME) {
			unexpected(p);
			return NULL;
		}
		advance(p);
		const char *name = arena_strndup(p->a, t->s, t->len);
		if (k == 0)
			n->s = name;
		else
			n->s2 = name;
		if (!skip_op(p, ","))
			break;
	}
	if (paren && expect_op(p, ")") < 0)
		return NULL;
	if (!skip_name(p, "in")) {
		expect_op(p, "in");
		return NULL;
	}
	if ((n->e = parse_expression(p, false)) == NULL)
		return NULL;
	if (skip_name(p, "if") && (n->cond = parse_expression(p, true)) == NULL)
		return NULL;
	skip_name(p, "recursive");
	if (expect_block_end(p) < 0 ||
	    parse_body(p, end_for, "for", line, &n->body) < 0)
		return NULL;
	if (skip_name(p, "else")) {
		if (expect_block_end(p) < 0 ||
		    parse_body(p, end_endfor, "for", line, &n->orelse) < 0)
			return NULL;
	}
	advance(p);
	return expect_block_end(p) < 0 ? NULL : n;
}

/* A node of KIND named by the next token, which must be a name. */
static struct node *
parse_named_node(struct parser *p, enum nkind kind, int line)
{
	struct token *t = cur(p);
	if (t->type != T_NAME) {
		unexpected(p);
		return NULL;
	}
	advance(p);
	struct node *n = node_new(p, kind, line);
	n->s = arena_strndup(p->a, t->s, t->len);
	n->len = t->len;
	return n;
}

static struct node *
parse_set(struct parser *p, int line)
{
	struct node *n = parse_named_node(p, N_SET, line);
	if (n == NULL)
		return NULL;
	if (skip_op(p, "=")) {
		if ((n->e = parse_expression(p, true)) == NULL ||
		    expect_block_end(p) < 0)
			return NULL;
		return n;
	}
	/* {% set x | filter %}...{% endset %} */
	n->kind = N_SETBLOCK;
	if (is_op(cur(p), "|")) {
		struct expr *slot = expr_new(p, E_SLOT, line);
		if ((n->e = parse_filter(p, slot, false)) == NULL)
			return NULL;
	}
	if (expect_block_end(p) < 0 ||
	    parse_body(p, end_set, "set", line, &n->body) < 0)
		return NULL;
	advance(p);
	return expect_block_end(p) < 0 ? NULL : n;
}

static struct node *
parse_block(struct parser *p, int line)
{
	struct node *n = parse_named_node(p, N_BLOCK, line);
	if (n == NULL)
		return NULL;
	for (size_t i = 0; i < p->t->nblocks; i++)
		if (strcmp(p->t->blocks[i].name, n->s) == 0) {
			parse_fail(p, line, "block '%s' defined twice", n->s);
			return NULL;
		}
	while (skip_name(p, "scoped") || skip_name(p, "required"))
		;
	if (expect_block_end(p) < 0 ||
	    parse_body(p, end_block, "block", line, &n->body) < 0)
		return NULL;
	advance(p);
	struct token *e = cur(p);
	if (e->type == T_NAME) {
		if (e->len != n->len || memcmp(e->s, n->s, n->len) != 0) {
			parse_fail(p, e->line,
			           "mismatching name of block: '%s' closed "
			           "by 'endblock %.*s'",
			           n->s, (int)e->len, e->s);
			return NULL;
		}
		advance(p);
	}
	if (expect_block_end(p) < 0)
		return NULL;
	size_t k = p->t->nblocks;
	if ((k & (k - 1)) == 0) {
		struct blockdef *nb =
		    arena_alloc(p->a, (k ? 2 * k : 1) * sizeof *nb);
		if (k)
			memcpy(nb, p->t->blocks, k * sizeof *nb);
		p->t->blocks = nb;
	}
	p->t->blocks[k].name = n->s;
	p->t->blocks[k].node = n;
	p->t->nblocks++;
	return n;
}

static struct node *
parse_include(struct parser *p, int line)
{
	struct node *n = node_new(p, N_INCLUDE, line);
	if ((n->e = parse_expression(p, true)) == NULL)
		return NULL;
	if (is_name(cur(p), "ignore") &&
	    is_name(&p->toks[p->pos + 1], "missing")) {
		advance(p);
		advance(p);
		n->ignore_missing = true;
	}
	if (skip_name(p, "without")) {
		n->without_context = true;
		if (!skip_name(p, "context"))
			return unexpected(p), NULL;
	} else if (skip_name(p, "with")) {
		if (!skip_name(p, "context"))
			return unexpected(p), NULL;
	}
	return expect_block_end(p) < 0 ? NULL : n;
}

static struct node *
parse_statement(struct parser *p)
{
	struct token *t = cur(p);
	int line = p->toks[p->pos - 1].line;
	if (t->type != T_NAME) {
		unexpected(p);
		return NULL;
	}
	advance(p);
	struct node *n;
	if (is_name(t, "if"))
		return parse_if(p, line);
	if (is_name(t, "for"))
		return parse_for(p, line);
	if (is_name(t, "set"))
		return parse_set(p, line);
	if (is_name(t, "block"))
		return parse_block(p, line);
	if (is_name(t, "include"))
		return parse_include(p, line);
	if (is_name(t, "extends")) {
		n = node_new(p, N_EXTENDS, line);
		if ((n->e = parse_expression(p, true)) == NULL ||
		    expect_block_end(p) < 0)
			return NULL;
		return n;
	}
	if (is_name(t, "filter")) {
		n = node_new(p, N_FILTER, line);
		struct expr *slot = expr_new(p, E_SLOT, line);
		if ((n->e = parse_filter(p, slot, true)) == NULL ||
		    expect_block_end(p) < 0 ||
		    parse_body(p, end_filter, "filter", line, &n->body) < 0)
			return NULL;
		advance(p);
		return expect_block_end(p) < 0 ? NULL : n;
	}
	parse_fail(p, t->line, "unknown tag '%.*s'",
	           (int)(t->len > 40 ? 40 : t->len), t->s);
	return NULL;
}

/* Statements up to one of ENDS (left as the current token, the name after
 * '{%'), or to the end of the template when ENDS is NULL. */
static int
parse_body(struct parser *p, const char *const *ends, const char *tag, int line,
           struct node **out)
{
	struct node **tail = out;
	*out = NULL;
	if (++p->depth > p->max_depth)
		return parse_fail(p, cur(p)->line,
		                  "statements nested too deeply");
	for (;;) {
		struct token *t = cur(p);
		struct node *n = NULL;
		switch (t->type) {
		case T_EOF:
			if (ends) {
				char want[128] = "";
				for (size_t i = 0; ends[i]; i++)
					snprintf(want + strlen(want),
					         sizeof want - strlen(want),
					         "%s'%s'", i ? " or " : "",
					         ends[i]);
				return parse_fail(p, line,
				                  "unclosed '%s' block: "
				                  "end of template while "
				                  "looking for %s",
				                  tag, want);
			}
			p->depth--;
			return 0;
		case T_DATA:
			n = node_new(p, N_DATA, t->line);
			n->s = t->s;
			n->len = t->len;
			advance(p);
			break;
		case T_VAR_BEGIN:
			advance(p);
			n = node_new(p, N_OUTPUT, t->line);
			if ((n->e = parse_expression(p, true)) == NULL)
				return -1;
			if (cur(p)->type != T_VAR_END) {
				char b[64];
				return parse_fail(
				    p, cur(p)->line,
				    "expected end of print statement, got %s",
				    tok_desc(cur(p), b, sizeof b));
			}
			advance(p);
			break;
		case T_BLOCK_BEGIN:
			advance(p);
			for (size_t i = 0; ends && ends[i]; i++)
				if (is_name(cur(p), ends[i])) {
					p->depth--;
					return 0;
				}
			if (cur(p)->type == T_NAME && cur(p)->len > 3 &&
			    (memcmp(cur(p)->s, "end", 3) == 0 ||
			     is_name(cur(p), "elif") ||
			     is_name(cur(p), "else"))) {
				t = cur(p);
				if (ends)
					return parse_fail(
					    p, t->line,
					    "unexpected '%.*s' inside "
					    "'%s' block opened at line %d",
					    (int)t->len, t->s, tag, line);
				return parse_fail(p, t->line,
				                  "unexpected '%.*s'",
				                  (int)t->len, t->s);
			}
			if ((n = parse_statement(p)) == NULL)
				return -1;
			break;
		default:
			return unexpected(p);
		}
		*tail = n;
		tail = &n->next;
	}
}

/* Normalises newlines and drops one final newline, as Jinja2 does. */
static char *
normalise_source(struct arena *a, const char *src, size_t len, size_t *outlen)
{
	char *s = arena_alloc(a, len + 1);
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (src[i] == '\r') {
			s[n++] = '\n';
			if (i + 1 < len && src[i + 1] == '\n')
				i++;
		} else {
			s[n++] = src[i];
		}
	}
	if (n && s[n - 1] == '\n')
		n--;
	s[n] = '\0';
	*outlen = n;
	return s;
}

static struct tmpl *
tmpl_parse(struct tmpl_env *env, const char *name, const char *path,
           const char *src, size_t len, struct tmpl_error *err)
{
	struct tmpl *t = arena_zalloc(&env->a, sizeof *t);
	t->name = arena_strndup(&env->a, name, strlen(name));
	t->path = arena_strndup(&env->a, path, strlen(path));
	struct lexer lx = {
	    .a = &env->a, .err = err, .path = t->path, .line = 1};
	lx.src = normalise_source(&env->a, src, len, &lx.len);
	if (lex(&lx) < 0) {
		free(lx.toks);
		return NULL;
	}
	struct parser p = {.a = &env->a,
	                   .toks = lx.toks,
	                   .t = t,
	                   .err = err,
	                   .max_depth = env->lim.max_depth > 0
	                                    ? env->lim.max_depth * 10
	                                    : 1000};
	int rc = parse_body(&p, NULL, NULL, 0, &t->body);
	free(lx.toks);
	if (rc < 0)
		return NULL;
	t->next = env->tmpls;
	env->tmpls = t;
	return t;
}

/* Finds NAME: an in-memory source, else the first directory holding it.
 * 0 on success, 1 when not found, -1 on a parse error. */
static int
tmpl_load(struct tmpl_env *env, const char *name, struct tmpl **out,
          struct tmpl_error *err)
{
	for (struct tmpl *t = env->tmpls; t; t = t->next)
		if (strcmp(t->name, name) == 0) {
			*out = t;
			return 0;
		}
	for (struct memsrc *m = env->mem; m; m = m->next)
		if (strcmp(m->name, name) == 0) {
			*out = tmpl_parse(env, name, name, m->src, m->len, err);
			return *out ? 0 : -1;
		}
	/* As Jinja2's FileSystemLoader: no way out of the search path. */
	if (name[0] == '/' || strcmp(name, "..") == 0 ||
	    strncmp(name, "../", 3) == 0 || strstr(name, "/../") ||
	    (strlen(name) >= 3 && strcmp(name + strlen(name) - 3, "/..") == 0))
		return 1;
	for (size_t i = 0; i < env->ndirs; i++) {
		char *path = xasprintf("%s/%s", env->dirs[i], name);
		size_t len;
		char *src = file_read(path, &len);
		if (src == NULL) {
			free(path);
			continue;
		}
		*out = tmpl_parse(env, name, path, src, len, err);
		free(src);
		free(path);
		return *out ? 0 : -1;
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* Renderer */

/* A scope is a dict from names to values, chained to its parent. */
struct scope {
	struct scope *parent;
	struct tval *vars; /* TV_DICT */
};

struct bstack {
	const char *name;
	struct node **nodes;
	struct tmpl **tmpls;
	size_t n, cap;
};

/* What templates of one inheritance chain share (Jinja2's context). */
struct ctx {
	struct scope *vars;
	struct bstack *bs;
	size_t nbs, capbs;
};

struct frame {
	struct ctx *ctx;
	struct scope *scope;
	struct tmpl *t;
	struct frame *root; /* the template's top-level frame; NULL in blocks */
	struct tmpl *parent; /* root frames: the template it extends */
	const char *block;   /* block frames: which block, which override */
	size_t bidx;
};

#define MAX_ACTIVE 64

struct render {
	struct tmpl_env *env;
	struct arena a;
	struct tmpl_error *err;
	bool failed;
	unsigned long steps;
	int depth;  /* blocks */
	int edepth; /* expressions */
	struct tmpl *active[MAX_ACTIVE];
	int nactive;
	struct tval *slot;
	struct scope globals;
};

static int
rfail(struct render *r, const struct tmpl *t, int line, const char *fmt, ...)
{
	if (r->failed)
		return -1;
	r->failed = true;
	va_list ap;
	snprintf(r->err->file, sizeof r->err->file, "%s", t ? t->path : "");
	r->err->line = line;
	va_start(ap, fmt);
	vsnprintf(r->err->msg, sizeof r->err->msg, fmt, ap);
	va_end(ap);
	return -1;
}

static bool
radd(struct render *r, struct buf *b, const void *s, size_t n)
{
	if (r->failed)
		return false;
	if (b->len + n > r->env->lim.max_output) {
		rfail(r, NULL, 0, "output larger than %zu bytes",
		      r->env->lim.max_output);
		return false;
	}
	buf_add(b, s, n);
	return true;
}

/* Counts one step and checks the memory budget. */
static int
tick(struct render *r, const struct tmpl *t, int line)
{
	if (r->failed)
		return -1;
	if (++r->steps > r->env->lim.max_steps)
		return rfail(r, t, line, "template takes more than %lu steps",
		             r->env->lim.max_steps);
	if (r->a.total > r->env->lim.max_memory)
		return rfail(r, t, line, "template uses more than %zu bytes",
		             r->env->lim.max_memory);
	return 0;
}

static struct scope *
scope_new(struct render *r, struct scope *parent)
{
	struct scope *s = arena_alloc(&r->a, sizeof *s);
	s->parent = parent;
	s->vars = val_new(&r->a, TV_DICT);
	return s;
}

static void
scope_set(struct render *r, struct scope *s, const char *name, size_t len,
          struct tval *v)
{
	ssize_t i = dict_find_str(s->vars, name, len);
	if (i >= 0) {
		s->vars->vals[i] = v;
		return;
	}
	struct tval *k = val_new(&r->a, TV_STR);
	k->s = name;
	k->len = len;
	val_push(&r->a, s->vars, k, v);
}

static struct tval *
scope_get(struct scope *s, const char *name, size_t len)
{
	for (; s; s = s->parent) {
		ssize_t i = dict_find_str(s->vars, name, len);
		if (i >= 0)
			return s->vars->vals[i];
	}
	return NULL;
}

static struct tval *
undef(struct render *r, const char *fmt, ...)
{
	struct tval *v = val_new(&r->a, TV_UNDEF);
	va_list ap;
	va_start(ap, fmt);
	char msg[256];
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	v->s = arena_strndup(&r->a, msg, strlen(msg));
	v->len = strlen(msg);
	return v;
}

static struct tval *
undef_error(struct render *r, struct frame *f, int line, const struct tval *v)
{
	rfail(r, f->t, line, "%s", v->s ? v->s : "undefined value");
	return NULL;
}

/* str() of V as a string value. */
static struct tval *
to_str(struct render *r, const struct tval *v)
{
	if (v->kind == TV_STR)
		return (struct tval *)v;
	if (v->kind == TV_UNDEF)
		return &v_empty;
	struct buf b;
	buf_init(&b);
	val_write(r, &b, v, false, 0);
	struct tval *s = r->failed ? &v_empty : val_str(&r->a, b.data, b.len);
	buf_free(&b);
	return s;
}

/* Items of an iterable, as Python's iter() gives them.  NULL if V cannot
 * be iterated. */
static struct tval **
iter_items(struct render *r, const struct tval *v, size_t *n)
{
	static struct tval *none[1];
	switch (v->kind) {
	case TV_UNDEF:
		*n = 0;
		return none;
	case TV_LIST:
	case TV_TUPLE:
	case TV_DICT:
		*n = v->n;
		return v->n ? v->items : none;
	case TV_STR: {
		/* One string per code point. */
		struct tval **items =
		    arena_alloc(&r->a, (v->len + 1) * sizeof *items);
		size_t k = 0;
		for (size_t i = 0; i < v->len;) {
			size_t l = 1;
			while (i + l < v->len &&
			       ((unsigned char)v->s[i + l] & 0xc0) == 0x80)
				l++;
			items[k++] = val_str(&r->a, v->s + i, l);
			i += l;
		}
		*n = k;
		return items;
	}
	default:
		return NULL;
	}
}

static struct tval *eval(struct render *r, struct frame *f, struct expr *e);
static int exec_list(struct render *r, struct frame *f, struct node *n,
                     struct buf *out);
static int render_block(struct render *r, struct ctx *ctx, const char *name,
                        size_t idx, struct tmpl *from, int line,
                        struct buf *out);

static size_t
utf8_len(const char *s, size_t len)
{
	size_t k = 0;
	for (size_t i = 0; i < len; i++)
		k += ((unsigned char)s[i] & 0xc0) != 0x80;
	return k;
}

static int
compare(struct render *r, struct frame *f, int line, const struct tval *a,
        const struct tval *b, int depth)
{
	if (val_is_num(a) && val_is_num(b)) {
		double x = val_num(a), y = val_num(b);
		if (a->kind != TV_FLOAT && b->kind != TV_FLOAT) {
			long long i = val_ll(a), j = val_ll(b);
			return i < j ? -1 : i > j;
		}
		return x < y ? -1 : x > y;
	}
	if (a->kind == TV_STR && b->kind == TV_STR) {
		size_t n = a->len < b->len ? a->len : b->len;
		int c = memcmp(a->s, b->s, n);
		if (c)
			return c < 0 ? -1 : 1;
		return a->len < b->len ? -1 : a->len > b->len;
	}
	if (a->kind == b->kind && (a->kind == TV_LIST || a->kind == TV_TUPLE) &&
	    depth < 100) {
		for (size_t i = 0; i < a->n && i < b->n; i++) {
			if (val_eq(a->items[i], b->items[i], 0))
				continue;
			return compare(r, f, line, a->items[i], b->items[i],
			               depth + 1);
		}
		return a->n < b->n ? -1 : a->n > b->n;
	}
	if (a->kind == TV_UNDEF || b->kind == TV_UNDEF) {
		undef_error(r, f, line, a->kind == TV_UNDEF ? a : b);
		return 0;
	}
	rfail(r, f->t, line,
	      "'<' not supported between instances of '%s' and '%s'",
	      val_type(a), val_type(b));
	return 0;
}

static bool
contains(struct render *r, struct frame *f, int line, const struct tval *needle,
         const struct tval *hay)
{
	switch (hay->kind) {
	case TV_UNDEF:
		return false;
	case TV_STR:
		if (needle->kind != TV_STR) {
			rfail(r, f->t, line,
			      "'in <string>' requires string as left operand, "
			      "not %s",
			      val_type(needle));
			return false;
		}
		return needle->len == 0 ||
		       memmem(hay->s, hay->len, needle->s, needle->len);
	case TV_LIST:
	case TV_TUPLE:
	case TV_DICT:
		for (size_t i = 0; i < hay->n; i++)
			if (val_eq(needle, hay->items[i], 0))
				return true;
		return false;
	default:
		rfail(r, f->t, line, "argument of type '%s' is not iterable",
		      val_type(hay));
		return false;
	}
}

static struct tval *
concat(struct render *r, const struct tval *a, const struct tval *b)
{
	if (a->len + b->len > r->env->lim.max_output) {
		rfail(r, NULL, 0, "string longer than %zu bytes",
		      r->env->lim.max_output);
		return NULL;
	}
	struct tval *v = val_new(&r->a, TV_STR);
	char *s = arena_alloc(&r->a, a->len + b->len + 1);
	memcpy(s, a->s, a->len);
	memcpy(s + a->len, b->s, b->len);
	s[a->len + b->len] = '\0';
	v->s = s;
	v->len = a->len + b->len;
	return v;
}

static struct tval *
arith(struct render *r, struct frame *f, int line, int op, struct tval *a,
      struct tval *b)
{
	static const char *const names[] = {"+", "-", "*", "/", "//", "%"};
	if (a->kind == TV_UNDEF)
		return undef_error(r, f, line, a);
	if (b->kind == TV_UNDEF)
		return undef_error(r, f, line, b);
	if (op == OP_ADD && a->kind == TV_STR && b->kind == TV_STR)
		return concat(r, a, b);
	if (op == OP_ADD && a->kind == b->kind &&
	    (a->kind == TV_LIST || a->kind == TV_TUPLE)) {
		if (a->n + b->n > r->env->lim.max_output / sizeof(void *)) {
			rfail(r, f->t, line, "list too long");
			return NULL;
		}
		struct tval *v = val_new(&r->a, a->kind);
		v->n = v->cap = a->n + b->n;
		v->items = arena_alloc(&r->a, (v->n + 1) * sizeof *v->items);
		if (a->n)
			memcpy(v->items, a->items, a->n * sizeof *v->items);
		if (b->n)
			memcpy(v->items + a->n, b->items,
			       b->n * sizeof *v->items);
		return v;
	}
	if (!val_is_num(a) || !val_is_num(b)) {
		rfail(r, f->t, line,
		      "unsupported operand type(s) for %s: '%s' and '%s'",
		      names[op], val_type(a), val_type(b));
		return NULL;
	}
	bool fl = a->kind == TV_FLOAT || b->kind == TV_FLOAT || op == OP_DIV;
	if (fl) {
		double x = val_num(a), y = val_num(b);
		if ((op == OP_DIV || op == OP_FLOORDIV || op == OP_MOD) &&
		    y == 0) {
			rfail(r, f->t, line, "division by zero");
			return NULL;
		}
		switch (op) {
		case OP_ADD:
			return val_float(&r->a, x + y);
		case OP_SUB:
			return val_float(&r->a, x - y);
		case OP_MUL:
			return val_float(&r->a, x * y);
		case OP_DIV:
			return val_float(&r->a, x / y);
		case OP_FLOORDIV:
			return val_float(&r->a, floor(x / y));
		default: {
			double m = fmod(x, y);
			if (m != 0 && ((m < 0) != (y < 0)))
				m += y;
			return val_float(&r->a, m);
		}
		}
	}
	long long x = val_ll(a), y = val_ll(b), z = 0;
	bool ovf = false;
	switch (op) {
	case OP_ADD:
		ovf = __builtin_add_overflow(x, y, &z);
		break;
	case OP_SUB:
		ovf = __builtin_sub_overflow(x, y, &z);
		break;
	case OP_MUL:
		ovf = __builtin_mul_overflow(x, y, &z);
		break;
	default:
		if (y == 0) {
			rfail(r, f->t, line, "division by zero");
			return NULL;
		}
		if (x == LLONG_MIN && y == -1) {
			ovf = true;
			break;
		}
		z = x / y;
		if ((x % y != 0) && ((x < 0) != (y < 0)))
			z--; /* Python floors */
		if (op == OP_MOD)
			z = x - z * y;
	}
	if (ovf) {
		rfail(r, f->t, line, "integer overflow");
		return NULL;
	}
	return val_int(&r->a, z);
}

static struct tval *
getitem(struct render *r, struct frame *f, int line, struct tval *obj,
        struct tval *key)
{
	switch (obj->kind) {
	case TV_UNDEF:
		return undef_error(r, f, line, obj);
	case TV_DICT: {
		ssize_t i = dict_find(obj, key);
		if (i >= 0)
			return obj->vals[i];
		break;
	}
	case TV_LIST:
	case TV_TUPLE:
	case TV_STR: {
		if (key->kind != TV_INT && key->kind != TV_BOOL)
			break;
		long long i = val_ll(key);
		size_t n = obj->kind == TV_STR ? obj->len : obj->n;
		if (obj->kind == TV_STR) {
			size_t k;
			struct tval **items = iter_items(r, obj, &k);
			n = k;
			if (i < 0)
				i += (long long)n;
			if (i >= 0 && (size_t)i < n)
				return items[i];
			break;
		}
		if (i < 0)
			i += (long long)n;
		if (i >= 0 && (size_t)i < n)
			return obj->items[i];
		break;
	}
	default:
		break;
	}
	struct buf b;
	buf_init(&b);
	val_write(r, &b, key, true, 0);
	struct tval *u = undef(r, "'%s object' has no attribute %.100s",
	                       val_type(obj), b.data ? b.data : "");
	buf_free(&b);
	return u;
}

/* Binds a call's arguments to up to 4 named parameters. */
static int
bind_args(struct render *r, struct frame *f, struct expr *call,
          const char *what, const char *const *params, int nparams, int nreq,
          struct tval **out)
{
	for (int i = 0; i < nparams; i++)
		out[i] = NULL;
	if (call->nargs > (size_t)nparams)
		return rfail(r, f->t, call->line,
		             "%s takes at most %d argument%s (%zu given)", what,
		             nparams, nparams == 1 ? "" : "s", call->nargs);
	for (size_t i = 0; i < call->nargs; i++)
		if ((out[i] = eval(r, f, call->args[i])) == NULL)
			return -1;
	for (size_t k = 0; k < call->nkw; k++) {
		int i;
		for (i = 0; i < nparams; i++)
			if (strcmp(params[i], call->kwnames[k]) == 0)
				break;
		if (i == nparams)
			return rfail(r, f->t, call->line,
			             "%s got an unexpected keyword argument "
			             "'%s'",
			             what, call->kwnames[k]);
		if (out[i])
			return rfail(r, f->t, call->line,
			             "%s got multiple values for argument "
			             "'%s'",
			             what, params[i]);
		if ((out[i] = eval(r, f, call->kwargs[k])) == NULL)
			return -1;
	}
	for (int i = 0; i < nreq; i++)
		if (out[i] == NULL)
			return rfail(r, f->t, call->line,
			             "%s missing required argument '%s'", what,
			             params[i]);
	return 0;
}

/* ---- filters ---- */

/* Python's str.splitlines(), for the ASCII line breaks and NEL, LS, PS. */
static size_t
splitlines(struct render *r, const char *s, size_t len, const char ***lines,
           size_t **lens)
{
	size_t cap = 8, n = 0;
	*lines = arena_alloc(&r->a, cap * sizeof **lines);
	*lens = arena_alloc(&r->a, cap * sizeof **lens);
	size_t start = 0, i = 0;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		size_t brk = 0;
		if (c == '\r')
			brk = i + 1 < len && s[i + 1] == '\n' ? 2 : 1;
		else if (c == '\n' || c == '\v' || c == '\f' ||
		         (c >= 0x1c && c <= 0x1e))
			brk = 1;
		else if (c == 0xc2 && i + 1 < len &&
		         (unsigned char)s[i + 1] == 0x85)
			brk = 2;
		else if (c == 0xe2 && i + 2 < len &&
		         (unsigned char)s[i + 1] == 0x80 &&
		         ((unsigned char)s[i + 2] == 0xa8 ||
		          (unsigned char)s[i + 2] == 0xa9))
			brk = 3;
		if (!brk) {
			i++;
			continue;
		}
		if (n == cap) {
			const char **nl =
			    arena_alloc(&r->a, 2 * cap * sizeof *nl);
			size_t *nn = arena_alloc(&r->a, 2 * cap * sizeof *nn);
			memcpy(nl, *lines, n * sizeof *nl);
			memcpy(nn, *lens, n * sizeof *nn);
			*lines = nl;
			*lens = nn;
			cap *= 2;
		}
		(*lines)[n] = s + start;
		(*lens)[n++] = i - start;
		i += brk;
		start = i;
	}
	if (start < len) {
		if (n == cap) {
			const char **nl =
			    arena_alloc(&r->a, 2 * cap * sizeof *nl);
			size_t *nn = arena_alloc(&r->a, 2 * cap * sizeof *nn);
			memcpy(nl, *lines, n * sizeof *nl);
			memcpy(nn, *lens, n * sizeof *nn);
			*lines = nl;
			*lens = nn;
		}
		(*lines)[n] = s + start;
		(*lens)[n++] = len - start;
	}
	return n;
}

static struct tval *
buf_val(struct render *r, struct buf *b)
{
	struct tval *v =
	    r->failed ? NULL : val_str(&r->a, b->data ? b->data : "", b->len);
	buf_free(b);
	return v;
}

static struct tval *
do_indent(struct render *r, struct frame *f, int line, struct tval *v,
          struct tval **a)
{
	struct tval *s = to_str(r, v);
	struct buf ind, b;
	buf_init(&ind);
	buf_init(&b);
	if (a[0] && a[0]->kind == TV_STR) {
		radd(r, &ind, a[0]->s, a[0]->len);
	} else {
		long long w = 4;
		if (a[0]) {
			if (a[0]->kind != TV_INT && a[0]->kind != TV_BOOL) {
				buf_free(&ind);
				rfail(r, f->t, line,
				      "indent width must be an int or a str, "
				      "not %s",
				      val_type(a[0]));
				return NULL;
			}
			w = val_ll(a[0]);
		}
		for (long long i = 0; i < w && !r->failed; i++)
			radd(r, &ind, " ", 1);
	}
	bool first = a[1] && val_truth(a[1]);
	bool blank = a[2] && val_truth(a[2]);
	/* Jinja2 appends a newline first so that a final one survives. */
	struct tval nl = {.kind = TV_STR, .s = "\n", .len = 1};
	struct tval *sn = concat(r, s, &nl);
	if (sn == NULL) {
		buf_free(&ind);
		return NULL;
	}
	const char **lines;
	size_t *lens;
	size_t n = splitlines(r, sn->s, sn->len, &lines, &lens);
	if (first)
		radd(r, &b, ind.data, ind.len);
	for (size_t i = 0; i < n && !r->failed; i++) {
		if (i) {
			radd(r, &b, "\n", 1);
			if (blank || lens[i])
				radd(r, &b, ind.data, ind.len);
		}
		radd(r, &b, lines[i], lens[i]);
	}
	buf_free(&ind);
	return buf_val(r, &b);
}

static struct tval *
do_replace(struct render *r, struct tval *v, struct tval **a)
{
	struct tval *s = to_str(r, v), *old = to_str(r, a[0]),
	            *new = to_str(r, a[1]);
	long long count = a[2] ? val_ll(a[2]) : -1;
	if (a[2] && a[2]->kind != TV_INT && a[2]->kind != TV_BOOL)
		count = -1;
	struct buf b;
	buf_init(&b);
	size_t i = 0;
	if (old->len == 0) {
		/* Python inserts NEW before every character and at the end. */
		size_t k;
		struct tval **chars = iter_items(r, s, &k);
		for (size_t j = 0; j <= k && !r->failed; j++) {
			if (count < 0 || (long long)j < count)
				radd(r, &b, new->s, new->len);
			if (j < k)
				radd(r, &b, chars[j]->s, chars[j]->len);
		}
		return buf_val(r, &b);
	}
	while (i < s->len && count != 0 && !r->failed) {
		const char *hit =
		    memmem(s->s + i, s->len - i, old->s, old->len);
		if (hit == NULL)
			break;
		radd(r, &b, s->s + i, (size_t)(hit - (s->s + i)));
		radd(r, &b, new->s, new->len);
		i = (size_t)(hit - s->s) + old->len;
		if (count > 0)
			count--;
	}
	radd(r, &b, s->s + i, s->len - i);
	return buf_val(r, &b);
}

/* Python's int(str, base) and float(str), for the int and float filters. */
static bool
parse_pyint(const char *s, size_t len, int base, long long *out)
{
	size_t i = 0;
	while (i < len && py_space((unsigned char)s[i]))
		i++;
	while (len > i && py_space((unsigned char)s[len - 1]))
		len--;
	bool neg = false;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if (i >= len || base < 2 || base > 36)
		return false;
	long long v = 0;
	bool prev_digit = false;
	for (; i < len; i++) {
		if (s[i] == '_' && prev_digit && i + 1 < len &&
		    s[i + 1] != '_') {
			prev_digit = false;
			continue;
		}
		int d = hexval(s[i]);
		if (d < 0 && s[i] >= 'g' && s[i] <= 'z')
			d = s[i] - 'a' + 10;
		if (d < 0 && s[i] >= 'G' && s[i] <= 'Z')
			d = s[i] - 'A' + 10;
		if (d < 0 || d >= base)
			return false;
		if (__builtin_mul_overflow(v, base, &v) ||
		    __builtin_add_overflow(v, d, &v))
			return false;
		prev_digit = true;
	}
	if (!prev_digit)
		return false;
	*out = neg ? -v : v;
	return true;
}

static bool
parse_pyfloat(const char *s, size_t len, double *out)
{
	char tmp[128];
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '_')
			continue;
		if (n >= sizeof tmp - 1 || s[i] == '\0')
			return false;
		tmp[n++] = s[i];
	}
	tmp[n] = '\0';
	char *end;
	size_t st = 0;
	while (st < n && py_space((unsigned char)tmp[st]))
		st++;
	if (st == n)
		return false;
	/* strtod takes hex floats; Python does not. */
	if (strchr(tmp, 'x') || strchr(tmp, 'X'))
		return false;
	double d = strtod(tmp + st, &end);
	while (*end && py_space((unsigned char)*end))
		end++;
	if (end == tmp + st || *end)
		return false;
	*out = d;
	return true;
}

static struct tval *
do_int(struct render *r, struct tval *v, struct tval **a)
{
	struct tval *def = a[0] ? a[0] : val_int(&r->a, 0);
	int base = a[1] ? (int)val_ll(a[1]) : 10;
	long long i;
	double d;
	switch (v->kind) {
	case TV_INT:
		return v;
	case TV_BOOL:
		return val_int(&r->a, v->b);
	case TV_FLOAT:
		d = v->f;
		break;
	case TV_STR:
		if (parse_pyint(v->s, v->len, base, &i))
			return val_int(&r->a, i);
		if (!parse_pyfloat(v->s, v->len, &d))
			return def;
		break;
	default:
		return def;
	}
	if (isnan(d) || d >= 9.2e18 || d <= -9.2e18)
		return def;
	return val_int(&r->a, (long long)d);
}

/* shlex.quote(): leave words of safe characters alone. */
static struct tval *
do_shlex_quote(struct render *r, struct frame *f, int line, struct tval *v)
{
	if (!val_truth(v))
		return val_str(&r->a, "''", 2);
	if (v->kind != TV_STR) {
		rfail(r, f->t, line, "shlex_quote: expected string, got %s",
		      val_type(v));
		return NULL;
	}
	bool safe = true;
	for (size_t i = 0; i < v->len && safe; i++) {
		unsigned char c = (unsigned char)v->s[i];
		safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		       (c >= '0' && c <= '9') || strchr("_@%+=:,./-", c);
	}
	if (safe)
		return v;
	struct buf b;
	buf_init(&b);
	radd(r, &b, "'", 1);
	for (size_t i = 0; i < v->len; i++) {
		if (v->s[i] == '\'')
			radd(r, &b, "'\"'\"'", 5);
		else
			radd(r, &b, v->s + i, 1);
	}
	radd(r, &b, "'", 1);
	return buf_val(r, &b);
}

/* Decodes one UTF-8 sequence; invalid bytes come out as themselves. */
static unsigned long
utf8_next(const char *s, size_t len, size_t *i)
{
	unsigned char c = (unsigned char)s[*i];
	int n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
	if (n == 0 || *i + (size_t)n >= len) {
		(*i)++;
		return c;
	}
	unsigned long cp = c & (0x3f >> n);
	for (int k = 1; k <= n; k++) {
		unsigned char d = (unsigned char)s[*i + (size_t)k];
		if ((d & 0xc0) != 0x80) {
			(*i)++;
			return c;
		}
		cp = (cp << 6) | (d & 0x3f);
	}
	*i += (size_t)n + 1;
	return cp;
}

/* yaml_quote: PyYAML's one-line double-quoted scalar. */
static void
yaml_quote_str(struct render *r, struct buf *b, const char *s, size_t len)
{
	radd(r, b, "\"", 1);
	for (size_t i = 0; i < len && !r->failed;) {
		unsigned long cp = utf8_next(s, len, &i);
		const char *e = NULL;
		char tmp[24];
		switch (cp) {
		case 0:
			e = "\\0";
			break;
		case 7:
			e = "\\a";
			break;
		case 8:
			e = "\\b";
			break;
		case 9:
			e = "\\t";
			break;
		case 10:
			e = "\\n";
			break;
		case 11:
			e = "\\v";
			break;
		case 12:
			e = "\\f";
			break;
		case 13:
			e = "\\r";
			break;
		case 27:
			e = "\\e";
			break;
		case '"':
			e = "\\\"";
			break;
		case '\\':
			e = "\\\\";
			break;
		case 0x85:
			e = "\\N";
			break;
		case 0xa0:
			e = "\\_";
			break;
		case 0x2028:
			e = "\\L";
			break;
		case 0x2029:
			e = "\\P";
			break;
		default:
			if (cp >= 0x20 && cp <= 0x7e) {
				tmp[0] = (char)cp;
				tmp[1] = '\0';
			} else if (cp <= 0xff) {
				snprintf(tmp, sizeof tmp, "\\x%02lX", cp);
			} else if (cp <= 0xffff) {
				snprintf(tmp, sizeof tmp, "\\u%04lX", cp);
			} else {
				snprintf(tmp, sizeof tmp, "\\U%08lX", cp);
			}
			e = tmp;
		}
		radd(r, b, e, strlen(e));
	}
	radd(r, b, "\"", 1);
}

static int
yaml_quote_val(struct render *r, struct frame *f, int line, struct buf *b,
               const struct tval *v, int depth)
{
	char tmp[64];
	if (depth > 100)
		return rfail(r, f->t, line,
		             "yaml_quote: value nested too deeply");
	switch (v->kind) {
	case TV_STR:
		yaml_quote_str(r, b, v->s, v->len);
		return 0;
	case TV_INT:
		snprintf(tmp, sizeof tmp, "!!int \"%lld\"", v->i);
		break;
	case TV_BOOL:
		snprintf(tmp, sizeof tmp, "!!bool \"%s\"",
		         v->b ? "true" : "false");
		break;
	case TV_NONE:
		snprintf(tmp, sizeof tmp, "!!null \"null\"");
		break;
	case TV_FLOAT: {
		char fl[48];
		if (isnan(v->f))
			snprintf(fl, sizeof fl, ".nan");
		else if (isinf(v->f))
			snprintf(fl, sizeof fl, v->f > 0 ? ".inf" : "-.inf");
		else
			fmt_float(fl, sizeof fl, v->f);
		snprintf(tmp, sizeof tmp, "!!float \"%s\"", fl);
		break;
	}
	case TV_LIST:
	case TV_TUPLE:
	case TV_DICT:
		radd(r, b, v->kind == TV_DICT ? "{" : "[", 1);
		for (size_t i = 0; i < v->n && !r->failed; i++) {
			if (i)
				radd(r, b, ", ", 2);
			yaml_quote_val(r, f, line, b, v->items[i], depth + 1);
			if (v->kind == TV_DICT) {
				radd(r, b, ": ", 2);
				yaml_quote_val(r, f, line, b, v->vals[i],
				               depth + 1);
			}
		}
		radd(r, b, v->kind == TV_DICT ? "}" : "]", 1);
		return r->failed ? -1 : 0;
	default:
		return rfail(r, f->t, line, "yaml_quote: cannot represent %s",
		             v->s ? v->s : val_type(v));
	}
	radd(r, b, tmp, strlen(tmp));
	return 0;
}

static struct tval *
apply_filter(struct render *r, struct frame *f, struct expr *e, struct tval *v)
{
	const struct filterdef *fd = &filters[e->op];
	int np = 0;
	while (np < 3 && fd->params[np])
		np++;
	char what[64];
	snprintf(what, sizeof what, "filter '%s'", fd->name);
	struct tval *a[3];
	if (bind_args(r, f, e, what, fd->params, np, fd->nreq, a) < 0)
		return NULL;
	struct buf b;
	struct tval *s;
	size_t n;
	struct tval **items;
	switch (fd->id) {
	case F_DEFAULT:
		if (v->kind == TV_UNDEF ||
		    (a[1] && val_truth(a[1]) && !val_truth(v)))
			return a[0] ? a[0] : &v_empty;
		return v;
	case F_JOIN: {
		if ((items = iter_items(r, v, &n)) == NULL) {
			rfail(r, f->t, e->line, "'%s' object is not iterable",
			      val_type(v));
			return NULL;
		}
		struct tval *sep = a[0] ? to_str(r, a[0]) : &v_empty;
		buf_init(&b);
		for (size_t i = 0; i < n && !r->failed; i++) {
			struct tval *it = items[i];
			if (a[1] &&
			    (it = getitem(r, f, e->line, it, a[1])) == NULL)
				break;
			if (i)
				radd(r, &b, sep->s, sep->len);
			if (it->kind == TV_STR)
				radd(r, &b, it->s, it->len);
			else
				val_write(r, &b, it, false, 0);
		}
		return buf_val(r, &b);
	}
	case F_REPLACE:
		return do_replace(r, v, a);
	case F_INDENT:
		return do_indent(r, f, e->line, v, a);
	case F_STRING:
		return to_str(r, v);
	case F_LOWER:
	case F_UPPER:
	case F_CAPITALIZE: {
		s = to_str(r, v);
		struct tval *o = val_str(&r->a, s->s, s->len);
		char *p = (char *)o->s;
		for (size_t i = 0; i < o->len; i++) {
			bool up = fd->id == F_UPPER ||
			          (fd->id == F_CAPITALIZE && i == 0);
			if (up && p[i] >= 'a' && p[i] <= 'z')
				p[i] = (char)(p[i] - 'a' + 'A');
			else if (!up && p[i] >= 'A' && p[i] <= 'Z')
				p[i] = (char)(p[i] - 'A' + 'a');
		}
		return o;
	}
	case F_TRIM: {
		s = to_str(r, v);
		struct tval *chars = a[0] && a[0]->kind == TV_STR ? a[0] : NULL;
		size_t st = 0, en = s->len;
#define TRIMC(c)                                                               \
	(chars ? memchr(chars->s, (c), chars->len) != NULL                     \
	       : py_space((unsigned char)(c)))
		while (st < en && TRIMC(s->s[st]))
			st++;
		while (en > st && TRIMC(s->s[en - 1]))
			en--;
#undef TRIMC
		return val_str(&r->a, s->s + st, en - st);
	}
	case F_INT:
		return do_int(r, v, a);
	case F_FLOAT: {
		double d;
		if (val_is_num(v))
			return val_float(&r->a, val_num(v));
		if (v->kind == TV_STR && parse_pyfloat(v->s, v->len, &d))
			return val_float(&r->a, d);
		return a[0] ? a[0] : val_float(&r->a, 0);
	}
	case F_LENGTH:
		if (v->kind == TV_STR)
			return val_int(&r->a,
			               (long long)utf8_len(v->s, v->len));
		if (v->kind == TV_UNDEF)
			return val_int(&r->a, 0);
		if (v->kind == TV_LIST || v->kind == TV_TUPLE ||
		    v->kind == TV_DICT)
			return val_int(&r->a, (long long)v->n);
		rfail(r, f->t, e->line, "object of type '%s' has no len()",
		      val_type(v));
		return NULL;
	case F_FIRST:
	case F_LAST:
	case F_LIST: {
		if ((items = iter_items(r, v, &n)) == NULL) {
			rfail(r, f->t, e->line, "'%s' object is not iterable",
			      val_type(v));
			return NULL;
		}
		if (fd->id == F_LIST) {
			struct tval *l = val_new(&r->a, TV_LIST);
			for (size_t i = 0; i < n; i++)
				val_push(&r->a, l, items[i], NULL);
			return l;
		}
		if (n == 0)
			return undef(r, "No %s item, sequence was empty.",
			             fd->id == F_FIRST ? "first" : "last");
		return items[fd->id == F_FIRST ? 0 : n - 1];
	}
	case F_SHLEX_QUOTE:
		return do_shlex_quote(r, f, e->line, v);
	case F_YAML_QUOTE:
		buf_init(&b);
		if (yaml_quote_val(r, f, e->line, &b, v, 0) < 0) {
			buf_free(&b);
			return NULL;
		}
		return buf_val(r, &b);
	case F_QEMU_GFI: {
		static const char *const x86[] = {"amd64", "x86_64", "i386"};
		if (val_truth(a[0]))
			return a[0];
		for (size_t i = 0; i < 3; i++)
			if (v->kind == TV_STR && v->len == strlen(x86[i]) &&
			    memcmp(v->s, x86[i], v->len) == 0)
				return val_str(&r->a, "ide", 3);
		return val_str(&r->a, "virtio", 6);
	}
	}
	return NULL;
}

static struct tval *
apply_test(struct render *r, struct frame *f, struct expr *e, struct tval *v)
{
	struct tval *arg = NULL;
	if (e->nargs && (arg = eval(r, f, e->args[0])) == NULL)
		return NULL;
	bool res = false;
	int c;
	switch (tests[e->op].id) {
	case X_DEFINED:
		res = v->kind != TV_UNDEF;
		break;
	case X_UNDEFINED:
		res = v->kind == TV_UNDEF;
		break;
	case X_NONE:
		res = v->kind == TV_NONE;
		break;
	case X_STRING:
		res = v->kind == TV_STR;
		break;
	case X_ITERABLE:
		res = v->kind == TV_STR || v->kind == TV_LIST ||
		      v->kind == TV_TUPLE || v->kind == TV_DICT ||
		      v->kind == TV_UNDEF;
		break;
	case X_SAMEAS:
		/* Python's "is": singletons and small ints by value. */
		if (v->kind != arg->kind)
			res = false;
		else if (v->kind == TV_NONE)
			res = true;
		else if (v->kind == TV_BOOL)
			res = v->b == arg->b;
		else if (v->kind == TV_INT)
			res = v->i == arg->i && v->i >= -5 && v->i <= 256;
		else
			res = v == arg;
		break;
	case X_NUMBER:
		res = val_is_num(v);
		break;
	case X_INTEGER:
		res = v->kind == TV_INT;
		break;
	case X_FLOAT:
		res = v->kind == TV_FLOAT;
		break;
	case X_BOOLEAN:
		res = v->kind == TV_BOOL;
		break;
	case X_TRUE:
		res = v->kind == TV_BOOL && v->b;
		break;
	case X_FALSE:
		res = v->kind == TV_BOOL && !v->b;
		break;
	case X_MAPPING:
		res = v->kind == TV_DICT;
		break;
	case X_SEQUENCE:
		res = v->kind == TV_STR || v->kind == TV_LIST ||
		      v->kind == TV_TUPLE || v->kind == TV_DICT;
		break;
	case X_EQ:
		res = val_eq(v, arg, 0);
		break;
	case X_NE:
		res = !val_eq(v, arg, 0);
		break;
	case X_LT:
	case X_GT:
	case X_LE:
	case X_GE:
		c = compare(r, f, e->line, v, arg, 0);
		res = tests[e->op].id == X_LT   ? c < 0
		      : tests[e->op].id == X_GT ? c > 0
		      : tests[e->op].id == X_LE ? c <= 0
		                                : c >= 0;
		break;
	case X_IN:
		res = contains(r, f, e->line, v, arg);
		break;
	case X_EVEN:
	case X_ODD:
	case X_DIVISIBLEBY:
		if (v->kind != TV_INT && v->kind != TV_BOOL) {
			rfail(r, f->t, e->line,
			      "test '%s' needs an int, got %s",
			      tests[e->op].name, val_type(v));
			return NULL;
		}
		if (tests[e->op].id == X_DIVISIBLEBY) {
			if ((arg->kind != TV_INT && arg->kind != TV_BOOL) ||
			    val_ll(arg) == 0) {
				rfail(r, f->t, e->line,
				      "divisibleby needs a non-zero int");
				return NULL;
			}
			long long d = val_ll(arg);
			res = d == -1 || val_ll(v) % d == 0;
		} else {
			res =
			    (val_ll(v) % 2 == 0) == (tests[e->op].id == X_EVEN);
		}
		break;
	}
	if (r->failed)
		return NULL;
	return val_bool(res != e->neg);
}

/* ---- expressions ---- */

static struct tval *
capture(struct render *r, struct frame *f, struct node *body)
{
	struct buf b;
	buf_init(&b);
	if (exec_list(r, f, body, &b) < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_val(r, &b);
}

static struct tval *
capture_block(struct render *r, struct frame *f, const char *name, size_t idx,
              int line)
{
	struct buf b;
	buf_init(&b);
	if (render_block(r, f->ctx, name, idx, f->t, line, &b) < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_val(r, &b);
}

static struct tval *
call_method(struct render *r, struct frame *f, struct expr *e, struct tval *obj,
            const char *name)
{
	struct tval *a[2];
	static const char *const getp[] = {"key", "default"};
	static const char *const strp[] = {"prefix", "end"};
	char what[64];
	snprintf(what, sizeof what, "%s.%s()", val_type(obj), name);
	if (obj->kind == TV_UNDEF)
		return undef_error(r, f, e->line, obj);
	if (obj->kind == TV_DICT) {
		if (strcmp(name, "get") == 0) {
			if (bind_args(r, f, e, what, getp, 2, 1, a) < 0)
				return NULL;
			ssize_t i = dict_find(obj, a[0]);
			return i >= 0 ? obj->vals[i] : a[1] ? a[1] : &v_none;
		}
		bool items = strcmp(name, "items") == 0;
		bool keys = strcmp(name, "keys") == 0;
		bool values = strcmp(name, "values") == 0;
		if (items || keys || values) {
			if (bind_args(r, f, e, what, NULL, 0, 0, a) < 0)
				return NULL;
			struct tval *l = val_new(&r->a, TV_LIST);
			for (size_t i = 0; i < obj->n; i++) {
				struct tval *it =
				    keys ? obj->items[i] : obj->vals[i];
				if (items) {
					it = val_new(&r->a, TV_TUPLE);
					val_push(&r->a, it, obj->items[i],
					         NULL);
					val_push(&r->a, it, obj->vals[i], NULL);
				}
				val_push(&r->a, l, it, NULL);
			}
			return l;
		}
	}
	if (obj->kind == TV_STR) {
		bool sw = strcmp(name, "startswith") == 0;
		if (sw || strcmp(name, "endswith") == 0) {
			if (bind_args(r, f, e, what, strp, 1, 1, a) < 0)
				return NULL;
			if (a[0]->kind != TV_STR) {
				rfail(r, f->t, e->line, "%s needs a str", what);
				return NULL;
			}
			if (a[0]->len > obj->len)
				return &v_false;
			const char *at =
			    sw ? obj->s : obj->s + obj->len - a[0]->len;
			return val_bool(memcmp(at, a[0]->s, a[0]->len) == 0);
		}
		if (strcmp(name, "lower") == 0 || strcmp(name, "upper") == 0 ||
		    strcmp(name, "strip") == 0) {
			if (bind_args(r, f, e, what, NULL, 0, 0, a) < 0)
				return NULL;
			struct expr fe = {.kind = E_FILTER, .line = e->line};
			for (size_t i = 0;
			     i < sizeof filters / sizeof filters[0]; i++)
				if (strcmp(filters[i].name,
				           name[0] == 's' ? "trim" : name) == 0)
					fe.op = (int)i;
			return apply_filter(r, f, &fe, obj);
		}
	}
	rfail(r, f->t, e->line, "'%s' object has no method '%s'", val_type(obj),
	      name);
	return NULL;
}

static struct tval *
call(struct render *r, struct frame *f, struct expr *e)
{
	struct expr *c = e->a;
	if (c->kind == E_NAME && strcmp(c->name, "super") == 0) {
		if (e->nargs || e->nkw) {
			rfail(r, f->t, e->line, "super() takes no arguments");
			return NULL;
		}
		if (f->block == NULL) {
			rfail(r, f->t, e->line, "super() used outside a block");
			return NULL;
		}
		return capture_block(r, f, f->block, f->bidx + 1, e->line);
	}
	if (c->kind == E_GETATTR && c->a->kind == E_NAME &&
	    strcmp(c->a->name, "self") == 0 &&
	    scope_get(f->scope, "self", 4) == NULL) {
		if (e->nargs || e->nkw) {
			rfail(r, f->t, e->line, "self.%s() takes no arguments",
			      c->name);
			return NULL;
		}
		return capture_block(r, f, c->name, 0, e->line);
	}
	if (c->kind == E_GETATTR) {
		struct tval *obj = eval(r, f, c->a);
		return obj ? call_method(r, f, e, obj, c->name) : NULL;
	}
	if (c->kind == E_NAME && strcmp(c->name, "range") == 0 &&
	    scope_get(f->scope, "range", 5) == NULL) {
		static const char *const rp[] = {"start", "stop", "step"};
		struct tval *a[3];
		if (bind_args(r, f, e, "range()", rp, 3, 1, a) < 0)
			return NULL;
		for (int i = 0; i < 3; i++)
			if (a[i] && a[i]->kind != TV_INT &&
			    a[i]->kind != TV_BOOL) {
				rfail(r, f->t, e->line,
				      "range() needs ints, got %s",
				      val_type(a[i]));
				return NULL;
			}
		long long start = 0, stop = val_ll(a[0]), step = 1;
		if (a[1]) {
			start = stop;
			stop = val_ll(a[1]);
		}
		if (a[2] && (step = val_ll(a[2])) == 0) {
			rfail(r, f->t, e->line,
			      "range() step must not be zero");
			return NULL;
		}
		struct tval *l = val_new(&r->a, TV_LIST);
		for (long long i = start; step > 0 ? i < stop : i > stop;
		     i += step) {
			if (l->n >= 100000 || tick(r, f->t, e->line) < 0) {
				rfail(r, f->t, e->line, "range() too long");
				return NULL;
			}
			val_push(&r->a, l, val_int(&r->a, i), NULL);
			if ((step > 0 && i > LLONG_MAX - step) ||
			    (step < 0 && i < LLONG_MIN - step))
				break;
		}
		return l;
	}
	if (c->kind == E_NAME)
		rfail(r, f->t, e->line, "'%s' is undefined or not callable",
		      c->name);
	else
		rfail(r, f->t, e->line, "object is not callable");
	return NULL;
}

static struct tval *eval_expr(struct render *r, struct frame *f,
                              struct expr *e);

/* Left-deep chains (a or b or ..., x|f|f...) nest evaluation as deep as
 * they are long: bound it, as the parser bounds parentheses. */
static struct tval *
eval(struct render *r, struct frame *f, struct expr *e)
{
	if (tick(r, f->t, e->line) < 0)
		return NULL;
	if (++r->edepth > r->env->lim.max_depth * 10) {
		rfail(r, f->t, e->line, "expression nested too deeply");
		r->edepth--;
		return NULL;
	}
	struct tval *v = eval_expr(r, f, e);
	r->edepth--;
	return v;
}

static struct tval *
eval_expr(struct render *r, struct frame *f, struct expr *e)
{
	struct tval *a, *b, *v;
	switch (e->kind) {
	case E_CONST:
		return e->val;
	case E_SLOT:
		return r->slot ? r->slot : &v_empty;
	case E_NAME:
		v = scope_get(f->scope, e->name, e->nlen);
		return v ? v : undef(r, "'%s' is undefined", e->name);
	case E_LIST:
	case E_TUPLE:
		v = val_new(&r->a, e->kind == E_LIST ? TV_LIST : TV_TUPLE);
		for (size_t i = 0; i < e->nargs; i++) {
			if ((a = eval(r, f, e->args[i])) == NULL)
				return NULL;
			val_push(&r->a, v, a, NULL);
		}
		return v;
	case E_DICT:
		v = val_new(&r->a, TV_DICT);
		for (size_t i = 0; i + 1 < e->nargs; i += 2) {
			if ((a = eval(r, f, e->args[i])) == NULL ||
			    (b = eval(r, f, e->args[i + 1])) == NULL)
				return NULL;
			if (a->kind == TV_LIST || a->kind == TV_DICT) {
				rfail(r, f->t, e->line, "unhashable type: '%s'",
				      val_type(a));
				return NULL;
			}
			ssize_t k = dict_find(v, a);
			if (k >= 0)
				v->vals[k] = b;
			else
				val_push(&r->a, v, a, b);
		}
		return v;
	case E_GETATTR:
		if ((a = eval(r, f, e->a)) == NULL)
			return NULL;
		if (a->kind == TV_UNDEF)
			return undef_error(r, f, e->line, a);
		if (a->kind == TV_DICT) {
			ssize_t k = dict_find_str(a, e->name, e->nlen);
			if (k >= 0)
				return a->vals[k];
		}
		return undef(r, "'%s object' has no attribute '%s'",
		             val_type(a), e->name);
	case E_GETITEM:
		if ((a = eval(r, f, e->a)) == NULL ||
		    (b = eval(r, f, e->b)) == NULL)
			return NULL;
		return getitem(r, f, e->line, a, b);
	case E_CALL:
		return call(r, f, e);
	case E_FILTER:
		if ((a = eval(r, f, e->a)) == NULL)
			return NULL;
		return apply_filter(r, f, e, a);
	case E_TEST:
		if ((a = eval(r, f, e->a)) == NULL)
			return NULL;
		return apply_test(r, f, e, a);
	case E_NOT:
		if ((a = eval(r, f, e->a)) == NULL)
			return NULL;
		return val_bool(!val_truth(a));
	case E_NEG:
	case E_POS:
		if ((a = eval(r, f, e->a)) == NULL)
			return NULL;
		if (a->kind == TV_UNDEF)
			return undef_error(r, f, e->line, a);
		if (!val_is_num(a)) {
			rfail(r, f->t, e->line,
			      "bad operand type for unary %c: "
			      "'%s'",
			      e->kind == E_NEG ? '-' : '+', val_type(a));
			return NULL;
		}
		if (e->kind == E_POS)
			return a->kind == TV_BOOL ? val_int(&r->a, a->b) : a;
		if (a->kind == TV_FLOAT)
			return val_float(&r->a, -a->f);
		if (val_ll(a) == LLONG_MIN) {
			rfail(r, f->t, e->line, "integer overflow");
			return NULL;
		}
		return val_int(&r->a, -val_ll(a));
	case E_AND:
	case E_OR:
		if ((a = eval(r, f, e->a)) == NULL)
			return NULL;
		if (val_truth(a) == (e->kind == E_OR))
			return a;
		return eval(r, f, e->b);
	case E_COND:
		if ((a = eval(r, f, e->b)) == NULL)
			return NULL;
		if (val_truth(a))
			return eval(r, f, e->a);
		if (e->c)
			return eval(r, f, e->c);
		return undef(r, "the inline if-expression evaluated to false "
		                "and no else section was defined.");
	case E_BINOP:
		if ((a = eval(r, f, e->a)) == NULL ||
		    (b = eval(r, f, e->b)) == NULL)
			return NULL;
		switch (e->op) {
		case OP_CONCAT:
			return concat(r, to_str(r, a), to_str(r, b));
		case OP_EQ:
			return val_bool(val_eq(a, b, 0));
		case OP_NE:
			return val_bool(!val_eq(a, b, 0));
		case OP_LT:
		case OP_GT:
		case OP_LE:
		case OP_GE: {
			int c = compare(r, f, e->line, a, b, 0);
			if (r->failed)
				return NULL;
			return val_bool(e->op == OP_LT   ? c < 0
			                : e->op == OP_GT ? c > 0
			                : e->op == OP_LE ? c <= 0
			                                 : c >= 0);
		}
		case OP_IN:
		case OP_NOTIN: {
			bool in = contains(r, f, e->line, a, b);
			if (r->failed)
				return NULL;
			return val_bool(in == (e->op == OP_IN));
		}
		default:
			return arith(r, f, e->line, e->op, a, b);
		}
	}
	return NULL;
}

/* ---- statements ---- */

static void
ctx_add_blocks(struct render *r, struct ctx *ctx, struct tmpl *t)
{
	for (size_t i = 0; i < t->nblocks; i++) {
		struct bstack *bs = NULL;
		for (size_t k = 0; k < ctx->nbs; k++)
			if (strcmp(ctx->bs[k].name, t->blocks[i].name) == 0)
				bs = &ctx->bs[k];
		if (bs == NULL) {
			if (ctx->nbs == ctx->capbs) {
				size_t cap = ctx->capbs ? ctx->capbs * 2 : 16;
				struct bstack *nb =
				    arena_zalloc(&r->a, cap * sizeof *nb);
				if (ctx->nbs)
					memcpy(nb, ctx->bs,
					       ctx->nbs * sizeof *nb);
				ctx->bs = nb;
				ctx->capbs = cap;
			}
			bs = &ctx->bs[ctx->nbs++];
			bs->name = t->blocks[i].name;
		}
		if (bs->n == bs->cap) {
			size_t cap = bs->cap ? bs->cap * 2 : 4;
			struct node **nn = arena_alloc(&r->a, cap * sizeof *nn);
			struct tmpl **nt = arena_alloc(&r->a, cap * sizeof *nt);
			if (bs->n) {
				memcpy(nn, bs->nodes, bs->n * sizeof *nn);
				memcpy(nt, bs->tmpls, bs->n * sizeof *nt);
			}
			bs->nodes = nn;
			bs->tmpls = nt;
			bs->cap = cap;
		}
		bs->nodes[bs->n] = t->blocks[i].node;
		bs->tmpls[bs->n++] = t;
	}
}

static int
render_block(struct render *r, struct ctx *ctx, const char *name, size_t idx,
             struct tmpl *from, int line, struct buf *out)
{
	struct bstack *bs = NULL;
	for (size_t k = 0; k < ctx->nbs; k++)
		if (strcmp(ctx->bs[k].name, name) == 0)
			bs = &ctx->bs[k];
	if (bs == NULL || idx >= bs->n)
		return rfail(r, from, line,
		             idx ? "there is no parent block called '%s'"
		                 : "there is no block called '%s'",
		             name);
	if (++r->depth > r->env->lim.max_depth)
		return rfail(r, from, line,
		             "blocks nested more than %d deep (recursion "
		             "through self.%s()?)",
		             r->env->lim.max_depth, name);
	struct frame bf = {.ctx = ctx,
	                   .scope = scope_new(r, ctx->vars),
	                   .t = bs->tmpls[idx],
	                   .block = name,
	                   .bidx = idx};
	int rc = exec_list(r, &bf, bs->nodes[idx]->body, out);
	r->depth--;
	return rc;
}

static int
search_path_desc(struct tmpl_env *env, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < env->ndirs && n < size; i++) {
		int k = snprintf(buf + n, size - n, "%s%s", i ? ":" : "",
		                 env->dirs[i]);
		if (k < 0)
			break;
		n += (size_t)k;
	}
	if (env->ndirs == 0)
		snprintf(buf, size, "(empty)");
	return 0;
}

/* Loads the template a statement names; NULL (error set, or *missing
 * set when MISSING is given) if it cannot. */
static struct tmpl *
load_named(struct render *r, struct frame *f, int line, struct tval *name,
           bool *missing)
{
	if (name->kind == TV_UNDEF) {
		undef_error(r, f, line, name);
		return NULL;
	}
	struct tval *names = name;
	if (name->kind == TV_STR) {
		names = val_new(&r->a, TV_LIST);
		val_push(&r->a, names, name, NULL);
	} else if (name->kind != TV_LIST && name->kind != TV_TUPLE) {
		rfail(r, f->t, line, "template name must be a string, not %s",
		      val_type(name));
		return NULL;
	}
	for (size_t i = 0; i < names->n; i++) {
		struct tval *n = names->items[i];
		if (n->kind != TV_STR || memchr(n->s, '\0', n->len)) {
			rfail(r, f->t, line, "template name must be a string");
			return NULL;
		}
		struct tmpl *t;
		int rc = tmpl_load(r->env, n->s, &t, r->err);
		if (rc < 0) {
			r->failed = true;
			return NULL;
		}
		if (rc == 0)
			return t;
	}
	if (missing) {
		*missing = true;
		return NULL;
	}
	char path[400];
	search_path_desc(r->env, path, sizeof path);
	struct buf b;
	buf_init(&b);
	val_write(r, &b, name, name->kind != TV_STR, 0);
	rfail(r, f->t, line, "template '%.200s' not found in search path %s",
	      b.data ? b.data : "", path);
	buf_free(&b);
	return NULL;
}

static int
check_active(struct render *r, struct frame *f, int line, struct tmpl *t,
             const char *how)
{
	for (int i = 0; i < r->nactive; i++) {
		if (strcmp(r->active[i]->path, t->path) != 0)
			continue;
		/* Name the whole cycle, so the loop can be broken. */
		char chain[300] = "";
		size_t n = 0;
		for (int k = i; k < r->nactive && n < sizeof chain; k++) {
			int w = snprintf(chain + n, sizeof chain - n, "%s -> ",
			                 r->active[k]->name);
			if (w < 0)
				break;
			n += (size_t)w;
		}
		return rfail(r, f->t, line, "recursive %s: %s%s", how, chain,
		             t->name);
	}
	if (r->nactive >= MAX_ACTIVE || r->nactive >= r->env->lim.max_depth)
		return rfail(r, f->t, line, "templates nested too deeply");
	return 0;
}

static int run_template(struct render *r, struct ctx *ctx, struct tmpl *t,
                        struct buf *out);

static int
exec_for(struct render *r, struct frame *f, struct node *n, struct buf *out)
{
	struct tval *it = eval(r, f, n->e);
	if (it == NULL)
		return -1;
	size_t cnt;
	struct tval **items = iter_items(r, it, &cnt);
	if (items == NULL)
		return rfail(r, f->t, n->line, "'%s' object is not iterable",
		             val_type(it));
	struct scope **scopes = arena_alloc(&r->a, (cnt + 1) * sizeof *scopes);
	size_t kept = 0;
	for (size_t i = 0; i < cnt; i++) {
		struct scope *s = scope_new(r, f->scope);
		struct tval *item = items[i];
		if (n->s2) {
			size_t k;
			struct tval **parts = iter_items(r, item, &k);
			if (parts == NULL || k != 2 || item->kind == TV_DICT)
				return rfail(r, f->t, n->line,
				             "cannot unpack %s into two loop "
				             "variables",
				             val_type(item));
			scope_set(r, s, n->s, strlen(n->s), parts[0]);
			scope_set(r, s, n->s2, strlen(n->s2), parts[1]);
		} else {
			scope_set(r, s, n->s, strlen(n->s), item);
		}
		if (n->cond) {
			struct frame cf = *f;
			cf.scope = s;
			struct tval *c = eval(r, &cf, n->cond);
			if (c == NULL)
				return -1;
			if (!val_truth(c))
				continue;
		}
		scopes[kept++] = s;
	}
	for (size_t i = 0; i < kept; i++) {
		struct tval *loop = val_new(&r->a, TV_DICT);
		static const char *const keys[] = {
		    "index", "index0", "revindex", "revindex0",
		    "first", "last",   "length"};
		struct tval *vals[] = {
		    val_int(&r->a, (long long)i + 1),
		    val_int(&r->a, (long long)i),
		    val_int(&r->a, (long long)(kept - i)),
		    val_int(&r->a, (long long)(kept - i - 1)),
		    val_bool(i == 0),
		    val_bool(i + 1 == kept),
		    val_int(&r->a, (long long)kept),
		};
		for (size_t k = 0; k < 7; k++)
			val_push(&r->a, loop,
			         val_str(&r->a, keys[k], strlen(keys[k])),
			         vals[k]);
		scope_set(r, scopes[i], "loop", 4, loop);
		struct frame lf = *f;
		lf.scope = scopes[i];
		if (exec_list(r, &lf, n->body, out) < 0)
			return -1;
	}
	if (kept == 0)
		return exec_list(r, f, n->orelse, out);
	return 0;
}

static int
exec_node(struct render *r, struct frame *f, struct node *n, struct buf *out)
{
	if (tick(r, f->t, n->line) < 0)
		return -1;
	/* After extends, a template's own output is dropped. */
	bool quiet = f->root && f->root->parent;
	struct tval *v;
	switch (n->kind) {
	case N_DATA:
		if (!quiet)
			radd(r, out, n->s, n->len);
		break;
	case N_OUTPUT:
		if (quiet)
			break;
		if ((v = eval(r, f, n->e)) == NULL)
			return -1;
		if (v->kind == TV_STR)
			radd(r, out, v->s, v->len);
		else
			val_write(r, out, v, false, 0);
		break;
	case N_IF:
		if ((v = eval(r, f, n->e)) == NULL)
			return -1;
		return exec_list(r, f, val_truth(v) ? n->body : n->orelse, out);
	case N_FOR:
		return exec_for(r, f, n, out);
	case N_SET:
		if ((v = eval(r, f, n->e)) == NULL)
			return -1;
		scope_set(r, f->scope, n->s, n->len, v);
		break;
	case N_SETBLOCK:
	case N_FILTER: {
		if ((v = capture(r, f, n->body)) == NULL)
			return -1;
		if (n->e) {
			struct tval *saved = r->slot;
			r->slot = v;
			v = eval(r, f, n->e);
			r->slot = saved;
			if (v == NULL)
				return -1;
		}
		if (n->kind == N_SETBLOCK)
			scope_set(r, f->scope, n->s, n->len, v);
		else if (v->kind == TV_STR)
			radd(r, out, v->s, v->len);
		else
			val_write(r, out, v, false, 0);
		break;
	}
	case N_BLOCK:
		if (!quiet &&
		    render_block(r, f->ctx, n->s, 0, f->t, n->line, out) < 0)
			return -1;
		break;
	case N_EXTENDS: {
		if (f->root != f)
			return rfail(r, f->t, n->line,
			             "cannot use extends from a non top-level "
			             "scope");
		if (f->parent)
			return rfail(r, f->t, n->line,
			             "extended multiple times");
		if ((v = eval(r, f, n->e)) == NULL)
			return -1;
		struct tmpl *t = load_named(r, f, n->line, v, NULL);
		if (t == NULL || check_active(r, f, n->line, t, "extends") < 0)
			return -1;
		ctx_add_blocks(r, f->ctx, t);
		f->parent = t;
		break;
	}
	case N_INCLUDE: {
		if (quiet)
			break;
		if ((v = eval(r, f, n->e)) == NULL)
			return -1;
		bool missing = false;
		struct tmpl *t = load_named(
		    r, f, n->line, v, n->ignore_missing ? &missing : NULL);
		if (missing)
			break;
		if (t == NULL || check_active(r, f, n->line, t, "include") < 0)
			return -1;
		struct ctx *ctx = arena_zalloc(&r->a, sizeof *ctx);
		ctx->vars =
		    scope_new(r, n->without_context ? &r->globals : f->scope);
		ctx_add_blocks(r, ctx, t);
		return run_template(r, ctx, t, out);
	}
	}
	return r->failed ? -1 : 0;
}

static int
exec_list(struct render *r, struct frame *f, struct node *n, struct buf *out)
{
	for (; n; n = n->next)
		if (exec_node(r, f, n, out) < 0)
			return -1;
	return 0;
}

static int
run_template(struct render *r, struct ctx *ctx, struct tmpl *t, struct buf *out)
{
	r->active[r->nactive++] = t;
	struct frame rf = {.ctx = ctx, .scope = ctx->vars, .t = t};
	rf.root = &rf;
	int rc = exec_list(r, &rf, t->body, out);
	if (rc == 0 && rf.parent)
		rc = run_template(r, ctx, rf.parent, out);
	r->nactive--;
	return rc;
}

static int
render_tmpl(struct tmpl_env *env, struct tmpl *t, struct buf *out,
            struct tmpl_error *err)
{
	struct render r = {.env = env, .err = err};
	r.globals.vars = env->vars;
	struct ctx ctx = {.vars = scope_new(&r, &r.globals)};
	ctx_add_blocks(&r, &ctx, t);
	struct buf b;
	buf_init(&b);
	int rc = run_template(&r, &ctx, t, &b);
	if (rc == 0 && r.failed)
		rc = -1;
	if (rc == 0 && b.len)
		buf_add(out, b.data, b.len);
	buf_free(&b);
	arena_free(&r.a);
	return rc;
}

int
tmpl_render(struct tmpl_env *env, const char *name, struct buf *out,
            struct tmpl_error *err)
{
	struct tmpl *t;
	memset(err, 0, sizeof *err);
	int rc = tmpl_load(env, name, &t, err);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		char path[400];
		search_path_desc(env, path, sizeof path);
		snprintf(err->file, sizeof err->file, "%s", name);
		snprintf(err->msg, sizeof err->msg,
		         "template '%s' not found in search path %s", name,
		         path);
		return -1;
	}
	return render_tmpl(env, t, out, err);
}

int
tmpl_render_file(struct tmpl_env *env, const char *path, struct buf *out,
                 struct tmpl_error *err)
{
	memset(err, 0, sizeof *err);
	struct tmpl *t = NULL;
	for (struct tmpl *k = env->tmpls; k; k = k->next)
		if (strcmp(k->name, path) == 0)
			t = k;
	if (t == NULL) {
		size_t len;
		char *src = file_read(path, &len);
		if (src == NULL) {
			snprintf(err->file, sizeof err->file, "%s", path);
			snprintf(err->msg, sizeof err->msg, "%s",
			         strerror(errno));
			return -1;
		}
		t = tmpl_parse(env, path, path, src, len, err);
		free(src);
		if (t == NULL)
			return -1;
	}
	return render_tmpl(env, t, out, err);
}

void
tmpl_error_print(const struct tmpl_error *err, FILE *f)
{
	if (err->line > 0)
		fprintf(f, "%s:%d: error: %s\n", err->file, err->line,
		        err->msg);
	else
		fprintf(f, "%s: error: %s\n", err->file, err->msg);
}

static int
find_set(const struct node *n, const char *name)
{
	for (; n; n = n->next) {
		if ((n->kind == N_SET || n->kind == N_SETBLOCK) &&
		    strcmp(n->s, name) == 0)
			return n->line;
		if (n->kind == N_IF || n->kind == N_FOR) {
			int line = find_set(n->body, name);
			if (line == 0)
				line = find_set(n->orelse, name);
			if (line)
				return line;
		}
	}
	return 0;
}

int
tmpl_file_set_line(struct tmpl_env *env, const char *path, const char *name)
{
	for (struct tmpl *t = env->tmpls; t; t = t->next)
		if (strcmp(t->name, path) == 0)
			return find_set(t->body, name);
	return 0;
}
