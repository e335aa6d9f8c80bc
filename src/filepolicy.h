/* filepolicy.h: which of the worker's own files a job may have tether
 * read: a `file://` URL (an image, a url test definition) or a git
 * repository given as a path.  tether runs as root on a worker, and a
 * job is anyone's: by default it may read none of them; the lab admin
 * lists the directories it may read from in the dispatcher configuration
 * (`allowed_file_dirs`, docs/run.md).  Paths are resolved (links
 * followed) before they are compared, so a link inside an allowed
 * directory cannot lead out of it. */
#ifndef TETHER_FILEPOLICY_H
#define TETHER_FILEPOLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct file_policy {
	struct strv dirs; /* resolved, absolute, without a trailing '/' */
};

/* Adds DIR (resolved now).  -1 with errno when it cannot be resolved. */
int file_policy_add(struct file_policy *p, const char *dir);
void file_policy_free(struct file_policy *p);

/* Whether PATH may be read: it resolves to a file under one of P's
 * directories.  A path that does not resolve (it is not there) may be
 * tried: opening it fails as it would anyway.  P NULL: no restriction
 * (a library caller of its own, not a job).  On refusal, ERR says why,
 * naming the allowed directories. */
bool file_policy_allows(const struct file_policy *p, const char *path,
                        char *err, size_t errlen);

/* The local path a git repository names, or NULL when it is remote
 * (scheme://host, or host:path as scp writes it).  "file://X" gives X.
 * The caller frees it. */
char *git_local_path(const char *repository);

#endif
