/* yaml.h: a YAML document as a small tree of typed nodes with positions.
 *
 * Built on libyaml (the parser under PyYAML's CSafeLoader, which LAVA
 * uses) and typed the way PyYAML's safe_load types YAML 1.1: "yes" and
 * "on" are booleans, "017" is octal, "~" is null, "2024-01-02" a
 * timestamp.  Aliases share the anchored node; "<<" merge keys are
 * flattened; a duplicate key keeps its first position and its last value,
 * as a Python dict does.  All nodes live in the document's arena. */
#ifndef TETHER_YAML_H
#define TETHER_YAML_H

#include <stdbool.h>
#include <stddef.h>

enum ynode_kind {
	YN_NULL,
	YN_BOOL,
	YN_INT,
	YN_FLOAT,
	YN_STR,
	YN_TIMESTAMP, /* a date or datetime: a kind of its own, not a str */
	YN_BINARY,    /* !!binary: bytes, not a str */
	YN_SEQ,
	YN_MAP,
};

struct ynode {
	enum ynode_kind kind;
	int line, col; /* 1-based, where the node starts */
	const char *str; /* scalars: the text (YN_STR: the value); NUL-ended */
	size_t len;      /* length of str */
	union {
		bool b;
		long long i;
		double f;
	} v;
	bool big; /* YN_INT beyond long long: v.i is saturated, str exact */
	size_t n; /* items of a sequence, pairs of a mapping */
	unsigned long long weight; /* nodes below, aliases expanded */
	struct ynode **items; /* YN_SEQ */
	struct ynode **keys;  /* YN_MAP, in first-seen order */
	struct ynode **vals;  /* YN_MAP, parallel to keys */
};

struct yerror {
	int line, col; /* 0 when the error has no position */
	char msg[512];
};

struct ydoc;

/* Parses one document.  Returns NULL and fills *err on error.  An empty
 * stream gives a document whose root is NULL (Python's None). */
struct ydoc *ydoc_parse(const char *data, size_t len, struct yerror *err);
struct ynode *ydoc_root(const struct ydoc *doc);
void ydoc_free(struct ydoc *doc);

/* The value of string key KEY in MAP, or NULL (also when MAP is no map). */
struct ynode *ymap_get(const struct ynode *map, const char *key);
/* The key node of string key KEY in MAP, or NULL. */
struct ynode *ymap_key(const struct ynode *map, const char *key);
bool ynode_is_str(const struct ynode *n, const char *s);
/* "str", "int", "dict", ...: Python's name for the node's type. */
const char *ynode_type_name(const struct ynode *n);
bool ynode_is_scalar(const struct ynode *n);

/* Python's truth value of the node (None, 0, "", [] and {} are false);
 * a missing node (NULL) is false. */
bool ynode_truthy(const struct ynode *n);

/* Keys are compared as Python compares dict keys (1 == 1.0 == True). */
bool ynode_key_equal(const struct ynode *a, const struct ynode *b);

#endif
