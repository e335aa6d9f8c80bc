/* secrets.c: the job's secrets and their masking in every output. */
#include "secrets.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

void
secrets_add(struct secrets *s, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], value) == 0)
			return;
	/* The list is a strv (util.h) under the name the writers read. */
	struct strv list = {s->v, s->n};
	strv_add(&list, value);
	s->v = list.v;
	s->n = list.n;
}

void
secrets_add_job(struct secrets *s, const struct ynode *job, struct buf *warn)
{
	const struct ynode *sec = ymap_get(job, "secrets");
	for (size_t i = 0; sec && sec->kind == YN_MAP && i < sec->n; i++) {
		const struct ynode *v = sec->vals[i];
		/* Not only strings: an invalid job is still reported, and
		 * its report must not show `PIN: 1234` either. */
		if (!ynode_is_scalar(v) || v->kind == YN_NULL ||
		    v->kind == YN_BOOL || v->str == NULL || v->len == 0)
			continue;
		/* The bytes up to a NUL: masking a prefix hides more, not
		 * less. */
		char *val = xstrndup(v->str, v->len);
		secrets_add(s, val);
		size_t len = strlen(val);
		free(val);
		if (warn && len < SECRETS_SHORT) {
			const char *k = sec->keys[i]->str;
			buf_printf(warn,
			           "secrets.%s is %zu character%s long: every "
			           "occurrence of it in every output is "
			           "written " SECRETS_MASK "\n",
			           k ? k : "?", len, len == 1 ? "" : "s");
		}
	}
}

void
secrets_free(struct secrets *s)
{
	struct strv list = {s->v, s->n};
	strv_free(&list);
	s->v = NULL;
	s->n = 0;
}

/* The end of the longest secret starting at STR + I, or 0. */
static size_t
match_end(const struct secrets *s, const char *str, size_t len, size_t i)
{
	size_t end = 0;
	for (size_t k = 0; k < s->n; k++) {
		const char *m = s->v[k];
		size_t ml = strlen(m);
		if (ml <= len - i && str[i] == m[0] &&
		    memcmp(str + i, m, ml) == 0 && i + ml > end)
			end = i + ml;
	}
	return end;
}

static bool
any_in(const struct secrets *s, const char *str, size_t len)
{
	for (size_t k = 0; s && k < s->n; k++)
		if (memmem(str, len, s->v[k], strlen(s->v[k])))
			return true;
	return false;
}

char *
secrets_mask(const struct secrets *s, const char *str, size_t *len)
{
	size_t n = *len;
	if (s == NULL || n == 0 || !any_in(s, str, n))
		return NULL;
	/* One pass over the positions, every secret tried at each: the
	 * result does not depend on the order of the list, and secrets that
	 * overlap ("abcd", "cdef" in "abcdef") leave none of their bytes. */
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < n;) {
		size_t end = match_end(s, str, n, i);
		if (end == 0) {
			size_t run = i + 1;
			while (run < n && match_end(s, str, n, run) == 0)
				run++;
			buf_add(&b, str + i, run - i);
			i = run;
			continue;
		}
		for (size_t j = i + 1; j < end; j++) {
			size_t e = match_end(s, str, n, j);
			if (e > end)
				end = e;
		}
		buf_adds(&b, SECRETS_MASK);
		i = end;
	}
	*len = b.len;
	return buf_steal(&b);
}

void
secrets_star(const struct secrets *s, char *buf, size_t len)
{
	if (s == NULL || len == 0 || !any_in(s, buf, len))
		return;
	/* Found in the bytes as they were, a step of one byte: secrets
	 * that overlap, themselves or one another, all go. */
	char *orig = xmalloc(len);
	memcpy(orig, buf, len);
	for (size_t k = 0; k < s->n; k++) {
		const char *m = s->v[k];
		size_t ml = strlen(m);
		const char *p = orig, *hit;
		while ((hit = memmem(p, len - (size_t)(p - orig), m, ml))) {
			memset(buf + (hit - orig), '*', ml);
			p = hit + 1;
		}
	}
	free(orig);
}

size_t
secrets_tail(const struct secrets *s, const char *buf, size_t len)
{
	size_t keep = len;
	for (size_t k = 0; s && k < s->n; k++) {
		const char *m = s->v[k];
		size_t ml = strlen(m);
		/* The earliest start of a proper prefix of M at the end. */
		for (size_t i = len >= ml ? len - ml + 1 : 0; i < keep; i++)
			if (memcmp(buf + i, m, len - i) == 0) {
				keep = i;
				break;
			}
	}
	return keep;
}

/* ---- the masked stream ---- */

struct mstream {
	const struct secrets *s;
	FILE *out;
	struct buf hold; /* bytes that may begin a secret */
};

static void
mstream_put(struct mstream *ms, const char *data, size_t len)
{
	size_t n = len;
	char *masked = secrets_mask(ms->s, data, &n);
	fwrite(masked ? masked : data, 1, n, ms->out);
	free(masked);
}

static ssize_t
mstream_write(void *cookie, const char *data, size_t len)
{
	struct mstream *ms = cookie;
	if (len == 0)
		return 0;
	buf_add(&ms->hold, data, len);
	const char *all = ms->hold.data;
	size_t n = ms->hold.len;
	/* Written now: up to a tail that could begin a secret, and never
	 * part of an occurrence that tail would cut (the cut moves back
	 * to its start, then is checked again). */
	size_t keep = secrets_tail(ms->s, all, n);
	for (bool moved = keep < n; moved;) {
		moved = false;
		for (size_t i = 0; i < keep && !moved; i++)
			if (match_end(ms->s, all, n, i) > keep) {
				keep = i;
				moved = true;
			}
	}
	mstream_put(ms, all, keep);
	fflush(ms->out);
	memmove(ms->hold.data, all + keep, n - keep);
	ms->hold.len = n - keep;
	return (ssize_t)len;
}

static int
mstream_close(void *cookie)
{
	struct mstream *ms = cookie;
	if (ms->hold.len)
		mstream_put(ms, ms->hold.data, ms->hold.len);
	fflush(ms->out);
	buf_free(&ms->hold);
	free(ms);
	return 0;
}

FILE *
secrets_stream(const struct secrets *s, FILE *out)
{
	struct mstream *ms = xcalloc(1, sizeof *ms);
	ms->s = s;
	ms->out = out;
	buf_init(&ms->hold);
	cookie_io_functions_t io = {.write = mstream_write,
	                            .close = mstream_close};
	FILE *f = fopencookie(ms, "w", io);
	if (f == NULL) {
		/* Only memory can lack: as the x* allocators do. */
		fputs("tether: out of memory\n", stderr);
		abort();
	}
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}
