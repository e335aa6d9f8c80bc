/* fuzz-shlex.c: a job's command-line words (image_arg, the context's
 * options) split on any bytes: no crash, words without NUL, a NULL
 * after the last; splitting again the words shell-quoted gives them
 * back (what split keeps is exactly what it read). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shlex.h"
#include "util.h"

/* S quoted for shlex: '...' with each ' as '"'"'. */
static void
quote(struct buf *b, const char *s)
{
	buf_addc(b, '\'');
	for (; *s; s++)
		if (*s == '\'')
			buf_adds(b, "'\"'\"'");
		else
			buf_addc(b, *s);
	buf_addc(b, '\'');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *s = xstrndup((const char *)data, len);
	struct strv a = {0};
	char err[64];
	if (shlex_split(s, &a, err, sizeof err) == 0) {
		if (a.n && a.v[a.n] != NULL)
			abort();
		struct buf q;
		buf_init(&q);
		for (size_t i = 0; i < a.n; i++) {
			buf_addc(&q, ' ');
			quote(&q, a.v[i]);
		}
		struct strv back = {0};
		if (shlex_split(q.data ? q.data : "", &back, err, sizeof err) <
		        0 ||
		    back.n != a.n)
			abort();
		for (size_t i = 0; i < a.n; i++)
			if (strcmp(a.v[i], back.v[i]) != 0)
				abort();
		strv_free(&back);
		buf_free(&q);
	} else if (a.n != 0 || err[0] == '\0') {
		abort();
	}
	strv_free(&a);
	free(s);
	return 0;
}
