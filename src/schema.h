/* schema.h: declarative schemas over the YAML tree, with the semantics of
 * the voluptuous library LAVA writes its job schema in (Required/Optional
 * keys, Any, All, Range, Match, Exclusive, strict vs. extra keys allowed).
 *
 * Schemas are static data built with the macros below, e.g.
 *
 *   static const struct schema *const timeout_days =
 *       MAP(KEYS(REQ("days", RANGE_MIN(1)), OPT("skip", S_BOOL)));
 *
 * Errors are collected, each with the node's position and key path. */
#ifndef TETHER_SCHEMA_H
#define TETHER_SCHEMA_H

#include <stdbool.h>

#include "diag.h"
#include "yaml.h"

enum schema_kind {
	SC_OBJECT,  /* anything */
	SC_STR,     /* isinstance(v, str) */
	SC_INT,     /* isinstance(v, int): ints and bools */
	SC_BOOL,    /* isinstance(v, bool) */
	SC_DICT,    /* isinstance(v, dict) */
	SC_EQ,      /* v == the string .str */
	SC_NONE,    /* v is None */
	SC_RANGE,   /* a number within [.min, .max] */
	SC_LENGTH,  /* len(v) within [.min, .max] */
	SC_MATCH,   /* re.match(.str, v) */
	SC_NOT_IN,  /* v not in .strs */
	SC_MAP,     /* a mapping with the keys of .keysets */
	SC_SEQ,     /* a list, each item matching one of .alts */
	SC_ANY,     /* one of .alts */
	SC_ALL,     /* each of .alts, in turn */
	SC_CHECK,   /* .check() */
};

enum key_kind {
	KEY_END = 0, /* ends a key array */
	KEY_REQUIRED,
	KEY_OPTIONAL,
	KEY_STR,    /* any key that is a str */
	KEY_IN,     /* a key among .names */
	KEY_MATCH,  /* a str key matching the regex .name */
	KEY_EXTRA,  /* any key at all (voluptuous' Extra) */
};

/* How unknown keys are treated (voluptuous' extra=). */
enum schema_extra {
	EXTRA_INHERIT = 0, /* as the enclosing schema: strict or not */
	EXTRA_PREVENT,
	EXTRA_ALLOW,
};

struct schema;
struct schema_ctx;

struct schema_key {
	enum key_kind kind;
	const char *name;
	const struct schema *value;
	const char *const *names; /* KEY_IN */
	const char *exclusive;    /* Exclusive group, or NULL */
	const char *msg;          /* KEY_REQUIRED: says what is missing */
};

struct schema {
	enum schema_kind kind;
	const struct schema *const *alts;         /* ANY, ALL, SEQ */
	const struct schema_key *const *keysets;  /* MAP, merged in order */
	const char *str;                          /* EQ, MATCH */
	const char *const *strs;                  /* NOT_IN */
	long long min, max;                       /* RANGE, LENGTH */
	bool has_min, has_max;
	const char *msg; /* replaces the message of any error below */
	enum schema_extra extra;
	/* SC_CHECK: adds errors through schema_error(); returns their count */
	int (*check)(struct schema_ctx *ctx, const struct ynode *n);
};

extern const struct schema schema_object, schema_str, schema_int,
	schema_bool, schema_dict, schema_none;

#define S_OBJECT (&schema_object)
#define S_STR (&schema_str)
#define S_INT (&schema_int)
#define S_BOOL (&schema_bool)
#define S_DICT (&schema_dict)
#define S_NONE (&schema_none)
#define SCHEMA(...) (&(const struct schema){__VA_ARGS__})
#define ALTS(...) ((const struct schema *const[]){__VA_ARGS__, NULL})
#define ANY(...) SCHEMA(.kind = SC_ANY, .alts = ALTS(__VA_ARGS__))
#define ALL(...) SCHEMA(.kind = SC_ALL, .alts = ALTS(__VA_ARGS__))
#define LIST(...) SCHEMA(.kind = SC_SEQ, .alts = ALTS(__VA_ARGS__))
#define EQ(s) SCHEMA(.kind = SC_EQ, .str = (s))
#define MSG(m, s) SCHEMA(.kind = SC_ALL, .alts = ALTS(s), .msg = (m))
#define RANGE_MIN(a) SCHEMA(.kind = SC_RANGE, .min = (a), .has_min = true)
#define RANGE(a, b)                                                          \
	SCHEMA(.kind = SC_RANGE, .min = (a), .max = (b), .has_min = true,      \
	       .has_max = true)
#define LENGTH_MIN(a) SCHEMA(.kind = SC_LENGTH, .min = (a), .has_min = true)
#define LENGTH(a, b)                                                         \
	SCHEMA(.kind = SC_LENGTH, .min = (a), .max = (b), .has_min = true,     \
	       .has_max = true)
#define MATCH(re) SCHEMA(.kind = SC_MATCH, .str = (re))
#define NOT_IN(m, ...)                                                       \
	SCHEMA(.kind = SC_NOT_IN,                                              \
	       .strs = (const char *const[]){__VA_ARGS__, NULL}, .msg = (m))
#define CHECK(fn) SCHEMA(.kind = SC_CHECK, .check = (fn))
/* A mapping made of one or more key arrays, later ones overriding the
 * values of earlier keys of the same name ({**a, **b} in Python). */
#define MAP(...)                                                             \
	SCHEMA(.kind = SC_MAP,                                                 \
	       .keysets = (const struct schema_key *const[]){__VA_ARGS__, NULL})
/* The same, never allowing unknown keys (Schema({...}, extra=False)). */
#define MAP_CLOSED(...)                                                      \
	SCHEMA(.kind = SC_MAP, .extra = EXTRA_PREVENT,                         \
	       .keysets = (const struct schema_key *const[]){__VA_ARGS__, NULL})
#define KEYS(...) ((const struct schema_key[]){__VA_ARGS__, {0}})
#define REQ(n, v) {.kind = KEY_REQUIRED, .name = (n), .value = (v)}
#define REQ_MSG(n, v, m)                                                     \
	{.kind = KEY_REQUIRED, .name = (n), .value = (v), .msg = (m)}
#define OPT(n, v) {.kind = KEY_OPTIONAL, .name = (n), .value = (v)}
#define EXCL(n, g, v)                                                        \
	{.kind = KEY_OPTIONAL, .name = (n), .value = (v), .exclusive = (g)}
#define ANY_STR_KEY(v) {.kind = KEY_STR, .value = (v)}
#define ANY_KEY(v) {.kind = KEY_EXTRA, .value = (v)}
#define MATCH_KEY(re, v) {.kind = KEY_MATCH, .name = (re), .value = (v)}
#define IN_KEY(list, v) {.kind = KEY_IN, .names = (list), .value = (v)}

/* One step of a key path: a string key, a key of another type, or a
 * list index. */
struct schema_path_elem {
	const char *key;           /* must outlive the push */
	const struct ynode *node;  /* a non-string key */
	size_t index;
};

/* The state of one validation run. */
struct schema_ctx {
	struct diags *diags;
	enum err_class cls;
	bool strict;
	/* The path of the node being checked, as components; strings are
	 * only built when an error is reported. */
	struct schema_path_elem *path;
	int depth, path_cap;
	unsigned long long steps; /* nodes visited, bounded */
};

void schema_ctx_init(struct schema_ctx *ctx, struct diags *diags,
		     enum err_class cls, bool strict);
void schema_ctx_free(struct schema_ctx *ctx);
/* Path components: a key (the string must outlive the push), a data key
 * node, or a list index. */
void schema_path_push_key(struct schema_ctx *ctx, const char *key);
void schema_path_push_node(struct schema_ctx *ctx, const struct ynode *key);
void schema_path_push_index(struct schema_ctx *ctx, size_t index);
void schema_path_pop(struct schema_ctx *ctx);
/* The current path as "a.b[2].c"; the caller frees it. */
char *schema_path_string(const struct schema_ctx *ctx);

/* Validates N (NULL stands for a missing value: None) against S, with
 * EXTRA as the inherited treatment of unknown keys.  Returns the number of
 * errors added to ctx->diags. */
int schema_validate(struct schema_ctx *ctx, const struct schema *s,
		    const struct ynode *n);
/* Adds an error at the current path, placed at node AT. */
void schema_error(struct schema_ctx *ctx, const struct ynode *at,
		  const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Python's re.match(pattern, text): anchored at the start only.  -1 when
 * the pattern does not compile. */
int py_re_match(const char *pattern, const char *text, size_t len);

#endif
