/* util.h: allocation that aborts on failure, and a growable byte buffer. */
#ifndef TETHER_UTIL_H
#define TETHER_UTIL_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

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

/* Reads a whole file; NULL with errno set on failure.  A directory fails
 * with EISDIR. */
char *file_read(const char *path, size_t *len);

/* mkdir -p: PATH and its missing parents (0755); -1 with errno. */
int mkdir_p(const char *path);

#endif
