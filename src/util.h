/* util.h: allocation that aborts on failure, and a growable byte buffer. */
#ifndef TETHER_UTIL_H
#define TETHER_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

/* A growable list of strings, owned, NULL after the last (an argv). */
struct strv {
	char **v;
	size_t n;
};

void strv_add(struct strv *s, const char *str);
void strv_free(struct strv *s);

/* A NUL-terminated growable string. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);
/* Hands the string over to the caller; the buffer is left empty. */
char *buf_steal(struct buf *b);

/* Writes all of DATA, retrying on EINTR and short writes; -1 on error. */
int write_all(int fd, const void *data, size_t len);

/* Appends Python's repr() of the str S: quoted and escaped as Python
 * chooses ('it', "it's", '\n'), as LAVA's messages print strings. */
void py_repr_str(struct buf *b, const char *s);

/* Reads a whole file; NULL with errno set on failure.  A directory fails
 * with EISDIR. */
char *file_read(const char *path, size_t *len);

/* PROG's full path as execvp would find it (a name with a '/' as is,
 * else searched in $PATH), when it can be run; NULL otherwise.  The
 * caller frees it. */
char *path_lookup(const char *prog);

/* Why S (LEN bytes) cannot name a file or directory tether makes from a
 * job's words (a namespace, an image label, a URL's file name): empty,
 * "." or "..", a '/', a control character; NULL when it can.  One path
 * component, never a way out of the job's directory. */
const char *path_name_problem(const char *s, size_t len);

/* Creates PATH to write at its end, as every file of the output
 * directory is: whatever held the name (an earlier run's file, a link
 * planted there, a FIFO) is removed first and the file made anew
 * (O_EXCL, O_NOFOLLOW), so no name in the directory leads a write
 * anywhere else.  A descriptor, or -1 with errno. */
int file_create_new(const char *path);

/* rm -rf PATH: links removed, never followed. */
void rm_rf(const char *path);

/* Whether PATH (relative to a tree) is absolute or has a ".." component:
 * a name that may leave the tree. */
bool path_escapes(const char *path);

/* mkdir -p: PATH and its missing parents (0755); -1 with errno. */
int mkdir_p(const char *path);

#endif
