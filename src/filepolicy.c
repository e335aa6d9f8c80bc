/* filepolicy.c: the worker's files a job may read (filepolicy.h). */
#include "filepolicy.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int
file_policy_add(struct file_policy *p, const char *dir)
{
	char *r = realpath(dir, NULL);
	if (r == NULL)
		return -1;
	size_t n = strlen(r);
	while (n > 1 && r[n - 1] == '/')
		r[--n] = '\0';
	strv_add(&p->dirs, r);
	free(r);
	return 0;
}

void
file_policy_free(struct file_policy *p)
{
	strv_free(&p->dirs);
}

static bool
under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 &&
	       (path[n] == '/' || path[n] == '\0');
}

bool
file_policy_allows(const struct file_policy *p, const char *path, char *err,
                   size_t errlen)
{
	if (p == NULL)
		return true;
	char *r = realpath(path, NULL);
	if (r == NULL && errno == ENOENT) {
		/* Not there: its directory decides, and the open fails. */
		char *copy = xstrdup(path);
		char *slash = strrchr(copy, '/');
		if (slash && slash != copy)
			*slash = '\0';
		r = realpath(slash ? copy : ".", NULL);
		free(copy);
		if (r == NULL)
			return true;
	}
	if (r == NULL) {
		snprintf(err, errlen, "'%s' cannot be resolved: %s", path,
		         strerror(errno));
		return false;
	}
	bool ok = false;
	for (size_t i = 0; i < p->dirs.n && !ok; i++)
		ok = under(r, p->dirs.v[i]);
	if (!ok) {
		struct buf b;
		buf_init(&b);
		for (size_t i = 0; i < p->dirs.n; i++)
			buf_printf(&b, "%s%s", i ? ", " : "", p->dirs.v[i]);
		snprintf(err, errlen,
		         "'%s' is not in a directory the worker lets jobs read "
		         "(allowed_file_dirs: %s)",
		         path, b.len ? b.data : "none");
		buf_free(&b);
	}
	free(r);
	return ok;
}

char *
git_local_path(const char *repository)
{
	if (strncmp(repository, "file://", 7) == 0)
		return xstrdup(repository + 7);
	if (strstr(repository, "://"))
		return NULL;
	/* git's rule: a ':' before any '/' makes it host:path (ssh). */
	const char *colon = strchr(repository, ':');
	const char *slash = strchr(repository, '/');
	if (colon && (slash == NULL || colon < slash))
		return NULL;
	return xstrdup(repository);
}
