/* diag.h: errors found in an input, each with its LAVA error class, its
 * place in the file and the key path, reported all together. */
#ifndef TETHER_DIAG_H
#define TETHER_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* LAVA's error classes (lava_common/exceptions.py). */
enum err_class {
	ERR_JOB,
	ERR_INFRASTRUCTURE,
	ERR_TEST,
	ERR_CONFIGURATION,
	ERR_BUG,
	ERR_TIMEOUT,
	ERR_CANCELED,
};

const char *err_class_name(enum err_class cls);

struct diag {
	enum err_class cls;
	int line, col; /* 0 when unknown */
	char *path;    /* "actions[2].boot.timeout", or "" */
	char *msg;
	size_t seq; /* order of discovery, to keep sorting stable */
	int depth;  /* path components, to rank schema alternatives */
	bool warning; /* reported, but the input stays valid */
};

struct diags {
	struct diag *v;
	size_t n, cap;
};

void diags_init(struct diags *d);
void diags_free(struct diags *d);
void diags_add(struct diags *d, enum err_class cls, int line, int col,
	       const char *path, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* How many are errors, not warnings. */
size_t diags_errors(const struct diags *d);
/* Moves every diagnostic of FROM to the end of TO. */
void diags_move(struct diags *to, struct diags *from);
/* Sorts by position (stable), so a file reads top to bottom. */
void diags_sort(struct diags *d);
/* One line each: FILE:LINE:COL: [warning: ]Class: path: message */
void diags_print(const struct diags *d, const char *file, FILE *out);

#endif
