/* diag.c: collected errors with class, position and key path. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *
err_class_name(enum err_class cls)
{
	switch (cls) {
	case ERR_JOB:
		return "JobError";
	case ERR_INFRASTRUCTURE:
		return "InfrastructureError";
	case ERR_TEST:
		return "TestError";
	case ERR_CONFIGURATION:
		return "ConfigurationError";
	case ERR_BUG:
		return "LAVABug";
	case ERR_TIMEOUT:
		return "LAVATimeoutError";
	case ERR_CANCELED:
		return "JobCanceled";
	}
	return "LAVABug";
}

void
diags_init(struct diags *d)
{
	memset(d, 0, sizeof *d);
}

void
diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].path);
		free(d->v[i].msg);
	}
	free(d->v);
	diags_init(d);
}

static void
diags_push(struct diags *d, struct diag *g)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->v = xreallocarray(d->v, d->cap, sizeof *d->v);
	}
	g->seq = d->n;
	d->v[d->n++] = *g;
}

void
diags_add(struct diags *d, enum err_class cls, int line, int col,
	  const char *path, const char *fmt, ...)
{
	va_list ap;
	struct diag g = {.cls = cls, .line = line, .col = col};
	g.path = xstrdup(path ? path : "");
	va_start(ap, fmt);
	g.msg = xvasprintf(fmt, ap);
	va_end(ap);
	diags_push(d, &g);
}

size_t
diags_errors(const struct diags *d)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++)
		n += !d->v[i].warning;
	return n;
}

void
diags_move(struct diags *to, struct diags *from)
{
	for (size_t i = 0; i < from->n; i++)
		diags_push(to, &from->v[i]);
	free(from->v);
	diags_init(from);
}

static int
diag_cmp(const void *a, const void *b)
{
	const struct diag *x = a, *y = b;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
diags_sort(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		d->v[i].seq = i;
	if (d->n > 1)
		qsort(d->v, d->n, sizeof *d->v, diag_cmp);
}

void
diags_print(const struct diags *d, const char *file, FILE *out)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];
		if (g->line > 0)
			fprintf(out, "%s:%d:%d: ", file, g->line, g->col);
		else
			fprintf(out, "%s: ", file);
		fprintf(out, "%s%s: ", g->warning ? "warning: " : "",
			err_class_name(g->cls));
		if (g->path[0])
			fprintf(out, "%s: ", g->path);
		fprintf(out, "%s\n", g->msg);
	}
}
