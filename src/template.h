/* template.h: a Jinja2 subset, enough for LAVA's device-type templates and
 * device dictionaries.
 *
 * The environment is LAVA's: trim_blocks on, lstrip_blocks off, no
 * autoescape, undefined variables print as nothing, and values print the
 * way Python's str() prints them, since the output is read back as YAML.
 * Templates are found by name in the search path (in-memory sources
 * first, then the directories in the order they were added), parsed once
 * and kept in the environment.  Rendering is bounded (output size, memory,
 * steps, nesting), so a hostile template ends with an error, not a hang. */
#ifndef TETHER_TEMPLATE_H
#define TETHER_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util.h"

struct tmpl_env;
struct tval;

/* Where and why rendering failed: printed as "FILE:LINE: error: MSG". */
struct tmpl_error {
	char file[512];
	int line; /* 0 when the error has no line */
	char msg[512];
};

struct tmpl_limits {
	size_t max_output;       /* bytes of any one string or output */
	size_t max_memory;       /* bytes of values made by one render */
	unsigned long max_steps; /* statements and expressions evaluated */
	int max_depth;           /* nested templates, blocks, expressions */
};

struct tmpl_env *tmpl_env_new(void);
void tmpl_env_free(struct tmpl_env *env);
void tmpl_env_add_dir(struct tmpl_env *env, const char *dir);
/* Makes SRC loadable as NAME, ahead of the directories. */
void tmpl_env_add_string(struct tmpl_env *env, const char *name,
                         const char *src, size_t len);
void tmpl_env_get_limits(const struct tmpl_env *env, struct tmpl_limits *lim);
void tmpl_env_set_limits(struct tmpl_env *env, const struct tmpl_limits *lim);

/* Values for template variables.  They live as long as ENV. */
struct tval *tval_new_str(struct tmpl_env *env, const char *s, size_t len);
struct tval *tval_new_int(struct tmpl_env *env, long long i);
struct tval *tval_new_float(struct tmpl_env *env, double f);
struct tval *tval_new_bool(struct tmpl_env *env, bool b);
struct tval *tval_new_none(struct tmpl_env *env);
struct tval *tval_new_list(struct tmpl_env *env);
void tval_list_append(struct tmpl_env *env, struct tval *list,
                      struct tval *item);
struct tval *tval_new_dict(struct tmpl_env *env);
void tval_dict_set(struct tmpl_env *env, struct tval *dict, struct tval *key,
                   struct tval *val);
/* A render variable (as a job context entry on LAVA's server). */
void tmpl_env_set_var(struct tmpl_env *env, const char *name, struct tval *v);

/* Renders the template NAME from the search path, or the file at PATH,
 * appending to OUT.  0 on success, -1 with ERR filled. */
int tmpl_render(struct tmpl_env *env, const char *name, struct buf *out,
                struct tmpl_error *err);
int tmpl_render_file(struct tmpl_env *env, const char *path, struct buf *out,
                     struct tmpl_error *err);

/* Where the template at PATH (rendered or loaded before) sets NAME at
 * its top level (also inside if and for): the line, or 0 if it does
 * not.  For checks on device dictionaries ("connection_command and
 * connection_list may not be mixed"). */
int tmpl_file_set_line(struct tmpl_env *env, const char *path,
                       const char *name);

/* Prints ERR as "FILE:LINE: error: MSG". */
void tmpl_error_print(const struct tmpl_error *err, FILE *f);

#endif
