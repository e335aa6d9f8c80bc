/* json.h: a small strict JSON reader and a writer that prints as Python's
 * json.dumps does by default (", " and ": ", non-ASCII as \uXXXX), so
 * that what the coordinator answers is byte for byte what LAVA's answers.
 * Objects keep their keys in order; strings are UTF-8 with a length (they
 * may hold NUL); numbers keep the text they were read as. */
#ifndef TETHER_JSON_H
#define TETHER_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* Nesting deeper than this is refused: a reader that recursed on
 * whatever it was given could be made to overflow its stack. */
#define JSON_MAX_DEPTH 64
/* So is an object of more members: keys are found by a linear search
 * (objects here are small), which must not be made quadratic. */
#define JSON_MAX_MEMBERS 1024

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json {
	enum json_type type;
	char *s; /* STRING: the bytes, NUL-terminated; NUMBER: its text */
	size_t len;
	size_t n, cap;   /* ARRAY items, OBJECT members */
	struct json **v; /* ARRAY items, OBJECT values */
	struct json **k; /* OBJECT keys (STRING nodes) */
};

/* Reads TEXT (LEN bytes) as one JSON value, whitespace around it
 * allowed.  0 with *OUT set, or -1 with ERR saying what is wrong and
 * where (byte offset).  Strict: UTF-8 only, no NaN or Infinity, no lone
 * surrogate escapes, no trailing commas, depth at most JSON_MAX_DEPTH,
 * objects of at most JSON_MAX_MEMBERS members.
 * A repeated key keeps its first place and takes the last value, as a
 * Python dict does. */
int json_parse(const char *text, size_t len, struct json **out, char *err,
               size_t errlen);
void json_free(struct json *j);
struct json *json_copy(const struct json *j);

struct json *json_new(enum json_type type);
struct json *json_new_string(const char *s, size_t len);
/* Sets KEY in OBJ to VAL (owned from now on), in place if present. */
void json_set(struct json *obj, const char *key, size_t klen, struct json *val);
/* The value of KEY in OBJ; NULL when OBJ is no object or lacks KEY. */
const struct json *json_get(const struct json *obj, const char *key);
struct json *json_get_mut(struct json *obj, const char *key, size_t klen);
/* Python's truth value: false, null, 0, "", [] and {} are false. */
bool json_truthy(const struct json *j);
/* Roughly the memory J holds, to bound what a peer may store. */
size_t json_cost(const struct json *j);

/* Appends J as Python's json.dumps(J) prints it. */
void json_write(struct buf *b, const struct json *j);
/* Appends S (LEN bytes, UTF-8) as a JSON string literal, the same way. */
void json_write_string(struct buf *b, const char *s, size_t len);

#endif
