/* fetch.c: a test definition's repository brought onto the worker
 * (fetch.h): git as a program of the mux, a url archive downloaded in
 * the mux and unpacked with only what stays inside its tree. */
#include "fetch.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "download.h"
#include "filepolicy.h"
#include "mux.h"
#include "proc.h"

bool
fetch_stopped(struct fetch *f)
{
	if (f->stopped)
		return true;
	if (f->stop && f->stop(f->stop_arg))
		f->stopped = FETCH_CANCELED;
	else if (f->deadline_ns && mux_now() >= f->deadline_ns)
		f->stopped = FETCH_TIMEOUT;
	return f->stopped != 0;
}

void
fetch_waiting(struct fetch *f, char *what)
{
	free(f->waiting);
	f->waiting = what;
}

bool
fetch_poll(struct fetch *f)
{
	mux_wait(f->mux, NULL, NULL, mux_now() + 1);
	return !fetch_stopped(f);
}

/* The kind of a file mode, for messages. */
const char *
mode_kind(mode_t m)
{
	if (S_ISFIFO(m))
		return "a fifo";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISLNK(m))
		return "a symlink";
	return "not a regular file";
}

/* Opens PATH for reading if it is a regular file, never waiting on a
 * FIFO (O_NONBLOCK, then fstat) and, unless FOLLOW, never following a
 * symlink in its last component.  -1 with *WHY saying why ("not a
 * regular file (a fifo)", strerror). */
int
open_regular(const char *path, bool follow, struct stat *st, const char **why)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	                        (follow ? 0 : O_NOFOLLOW));
	if (fd < 0) {
		*why = errno == ELOOP && !follow
		           ? "not a regular file (a symlink)"
		           : strerror(errno);
		return -1;
	}
	if (fstat(fd, st) < 0) {
		*why = strerror(errno);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		static char msg[64];
		snprintf(msg, sizeof msg, "not a regular file (%s)",
		         mode_kind(st->st_mode));
		*why = msg;
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, 0);
	return fd;
}

/* git's output is only looked at for a commit id: a server talking
 * forever must not fill the memory. */
#define PROG_OUT_MAX (1u << 20)

struct prog {
	struct fetch *f;
	struct buf *out;
};

static void
prog_output(void *arg, const char *data, size_t len)
{
	struct prog *p = arg;
	if (p->out->len < PROG_OUT_MAX)
		buf_add(p->out, data, len);
}

static bool
prog_stop(void *arg)
{
	struct prog *p = arg;
	return fetch_stopped(p->f);
}

/* The child's environment: the caller's, with no prompt for a password
 * on a terminal. */
static char **
prog_env(void)
{
	extern char **environ;
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = xreallocarray(NULL, n + 2, sizeof *env);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "GIT_TERMINAL_PROMPT=", 20) != 0)
			env[k++] = environ[i];
	env[k++] = "GIT_TERMINAL_PROMPT=0";
	env[k] = NULL;
	return env;
}

/* Runs ARGV (the git program: no shell) in the job's mux (proc.h); its
 * output (stdout and stderr) goes to OUT.  Returns the exit status, or
 * -1: it could not start, or the build must end (f->stopped: the group
 * was killed and the child reaped). */
static int
run_prog(struct fetch *f, char *const argv[], struct buf *out)
{
	if (fetch_stopped(f))
		return -1;
	char **env = prog_env();
	struct prog p = {f, out};
	struct proc_req req = {
	    .argv = argv,
	    .envp = env,
	    .mux = f->mux,
	    .deadline_ns = f->deadline_ns,
	    .stop = prog_stop,
	    .output = prog_output,
	    .arg = &p,
	};
	int status;
	enum proc_end end = proc_run(&req, &status);
	free(env);
	if (end != PROC_EXITED) {
		fetch_stopped(f);
		return -1;
	}
	return status;
}

int
fetch_git(struct fetch *f, const char *url, const char *dest,
          const struct fetch_git_opts *o, char **commit)
{
	char *argv[13];
	int n = 0, rc;
	struct buf out;
	if (o->revision && *o->revision == '-') {
		/* It would be read as an option of git checkout. */
		diags_add(f->d, ERR_JOB, 0, 0, "", "Invalid revision '%s'",
		          o->revision);
		return -1;
	}
	char *local = git_local_path(url);
	char why[512];
	if (local &&
	    !file_policy_allows(f->files, local, why, sizeof why)) {
		diags_add(f->d, ERR_JOB, 0, 0, "",
		          "Unable to fetch git repository '%s': %s", url, why);
		free(local);
		return -1;
	}
	free(local);
	buf_init(&out);
	fetch_waiting(f, xasprintf("git clone of '%s'", url));
	argv[n++] = "git";
	argv[n++] = "clone";
	if (o->recursive)
		argv[n++] = "--recurse-submodules";
	if (o->branch) {
		argv[n++] = "-b";
		argv[n++] = (char *)o->branch;
	}
	if (o->shallow)
		argv[n++] = "--depth=1";
	/* A repository named "--upload-pack=..." stays a repository. */
	argv[n++] = "--";
	argv[n++] = (char *)url;
	argv[n++] = (char *)dest;
	argv[n] = NULL;
	rc = run_prog(f, argv, &out);
	if (rc == 0 && o->revision) {
		char *co[] = {
		    "git", "-C", (char *)dest, "checkout", (char *)o->revision,
		    NULL};
		rc = run_prog(f, co, &out);
	}
	if (rc == 0) {
		char *log[] = {"git", "-C",          (char *)dest, "log",
		               "-1",  "--pretty=%H", NULL};
		buf_reset(&out);
		rc = run_prog(f, log, &out);
		while (out.len && (out.data[out.len - 1] == '\n'))
			out.data[--out.len] = '\0';
		if (rc == 0 && commit)
			*commit = xstrdup(out.data ? out.data : "");
	}
	if (rc == 0 && !o->history) {
		char *git = xasprintf("%s/.git", dest);
		rm_rf(git);
		free(git);
	}
	buf_free(&out);
	if (rc != 0 && f->stopped)
		return -1;
	if (rc != 0) {
		diags_add(f->d, ERR_INFRASTRUCTURE, 0, 0, "",
		          "Unable to fetch git repository '%s'", url);
		return -1;
	}
	return 0;
}

/* The path of archive entry NAME without its first STRIP components:
 * NULL when nothing is left. */
static const char *
strip_path(const char *name, long long strip)
{
	const char *p = name;
	for (long long i = 0; i < strip && p; i++) {
		p = strchr(p, '/');
		p = p ? p + 1 : NULL;
	}
	return p == NULL || *p == '\0' ? NULL : p;
}

/* Whether symlink PATH (relative to the tree) pointing to TARGET leaves
 * the tree, read as the path names say.  What is read later is checked
 * again with every link resolved (write_test): this names the entry. */
static bool
link_escapes(const char *path, const char *target)
{
	if (*target == '/' || *target == '\0')
		return true;
	/* The link's directory: how deep it is (no ".." in it: refused
	 * before). */
	long depth = 0;
	const char *last = strrchr(path, '/');
	for (const char *c = path; last && c < last;) {
		size_t n = strcspn(c, "/");
		if (n && !(n == 1 && *c == '.'))
			depth++;
		c += n + 1;
	}
	for (const char *c = target; *c;) {
		size_t n = strcspn(c, "/");
		if (n == 2 && strncmp(c, "..", 2) == 0) {
			if (--depth < 0)
				return true;
		} else if (n && !(n == 1 && *c == '.')) {
			depth++;
		}
		c += n;
		c += *c == '/';
	}
	return false;
}

/* Unpacking one archive, bounded. */
struct unpack {
	struct fetch *f;
	const char *url; /* the archive's, for messages */
	long long strip;
	int home, dest; /* directories: the process's and the tree's */
	uint64_t bytes, entries, since_poll;
};


static int unpack_fail(struct unpack *u, const char *entry, const char *fmt,
                       ...) __attribute__((format(printf, 3, 4)));

/* "Unable to unpack URL: 'ENTRY' <why>", a JobError: the archive is the
 * job's. */
static int
unpack_fail(struct unpack *u, const char *entry, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *why = xvasprintf(fmt, ap);
	va_end(ap);
	if (entry)
		diags_add(u->f->d, ERR_JOB, 0, 0, "",
		          "Unable to unpack %s: '%s' %s", u->url,
		          entry, why);
	else
		diags_add(u->f->d, ERR_JOB, 0, 0, "",
		          "Unable to unpack %s: %s", u->url, why);
	free(why);
	return -1;
}

/* The bytes of an entry so far, against max_archive_bytes. */
static int
unpack_count(struct unpack *u, uint64_t more)
{
	if (u->bytes + more <= u->f->max_archive)
		return 0;
	return unpack_fail(u, NULL,
	                   "more than %llu bytes unpacked "
	                   "(max_archive_bytes)",
	                   (unsigned long long)u->f->max_archive);
}

/* Whether entry E may be unpacked, and its name in the tree: only
 * regular files, directories and links that stay inside.  Returns 1 to
 * write it, 0 to skip it (a directory strip-components removes), -1 on
 * refusal. */
static int
unpack_check(struct unpack *u, struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e);
	if (name == NULL)
		return unpack_fail(u, NULL, "an entry has no name");
	if (++u->entries > u->f->max_entries)
		return unpack_fail(u, NULL,
		                   "more than %llu entries "
		                   "(max_archive_entries)",
		                   (unsigned long long)u->f->max_entries);
	if (path_escapes(name))
		return unpack_fail(u, name, "leaves the archive's directory");
	const char *p = strip_path(name, u->strip);
	if (p == NULL)
		return 0;
	const char *hard = archive_entry_hardlink(e);
	if (hard) {
		const char *hp =
		    path_escapes(hard) ? NULL : strip_path(hard, u->strip);
		if (hp == NULL)
			return unpack_fail(
			    u, name,
			    "is a hard link to '%s', outside the "
			    "archive's directory",
			    hard);
		char *keep = xstrdup(hp);
		archive_entry_set_hardlink(e, keep);
		free(keep);
	} else {
		mode_t type = archive_entry_filetype(e);
		if (type == AE_IFLNK) {
			const char *to = archive_entry_symlink(e);
			if (to == NULL || link_escapes(p, to))
				return unpack_fail(
				    u, name,
				    "is a symlink to '%s', outside the "
				    "archive's directory",
				    to ? to : "");
		} else if (type != AE_IFREG && type != AE_IFDIR) {
			return unpack_fail(u, name,
			                   "is %s (only regular files, "
			                   "directories and links are allowed)",
			                   mode_kind(type));
		}
	}
	/* A sparse file says its whole size here. */
	if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0 &&
	    unpack_count(u, (uint64_t)archive_entry_size(e)) < 0)
		return -1;
	char *keep = xstrdup(p);
	archive_entry_set_pathname(e, keep);
	free(keep);
	/* tether must still read what it packs and remove what it
	 * unpacked: a directory of mode 0 would stay in $TMPDIR. */
	mode_t perm = archive_entry_perm(e);
	if (archive_entry_filetype(e) == AE_IFDIR)
		archive_entry_set_perm(e, perm | 0700);
	else if (archive_entry_filetype(e) == AE_IFREG)
		archive_entry_set_perm(e, perm | 0400);
	return 1;
}

/* Runs the mux (in the process's own directory) every megabyte; -1 once
 * the build must end. */
static int
unpack_poll(struct unpack *u, size_t len)
{
	u->since_poll += len;
	if (u->since_poll < FETCH_POLL_BYTES)
		return 0;
	u->since_poll = 0;
	int ok = fchdir(u->home) == 0 && fetch_poll(u->f);
	if (fchdir(u->dest) < 0 || !ok)
		return -1;
	return 0;
}

/* One entry: header, data, end, in the tree's directory (names are
 * relative, so libarchive's NOABSOLUTEPATHS and NODOTDOT hold). */
static int
unpack_entry(struct unpack *u, struct archive *a, struct archive *w,
             struct archive_entry *e)
{
	if (archive_write_header(w, e) != ARCHIVE_OK)
		return -1;
	uint64_t high = 0;
	const void *blk;
	size_t len;
	la_int64_t off;
	int r;
	while ((r = archive_read_data_block(a, &blk, &len, &off)) ==
	       ARCHIVE_OK) {
		uint64_t end = (uint64_t)(off < 0 ? 0 : off) + len;
		if (end > high)
			high = end;
		if (unpack_count(u, high) < 0 || unpack_poll(u, len) < 0)
			return -1;
		if (archive_write_data_block(w, blk, len, off) != ARCHIVE_OK)
			return -1;
	}
	u->bytes += high;
	if (r != ARCHIVE_EOF || archive_write_finish_entry(w) != ARCHIVE_OK)
		return -1;
	return 0;
}

/* Unpacks the archive open on FD into DEST. */
static int
unpack_archive(struct fetch *f, const char *url, int fd, const char *dest,
               long long strip)
{
	struct unpack u = {.f = f, .url = url, .strip = strip};
	struct archive *a = archive_read_new();
	struct archive *w = archive_write_disk_new();
	struct archive_entry *e;
	int rc = 0, r = ARCHIVE_OK;
	archive_read_support_filter_all(a);
	/* The archives a url definition comes as (not format_all: see the
	 * Makefile on libarchive). */
	archive_read_support_format_tar(a);
	archive_read_support_format_cpio(a);
	archive_read_support_format_zip(a);
	archive_write_disk_set_options(
	    w, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
	           ARCHIVE_EXTRACT_SECURE_NODOTDOT |
	           ARCHIVE_EXTRACT_SECURE_SYMLINKS |
	           ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
	u.home = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	u.dest = -1;
	if (mkdir_p(dest) == 0)
		u.dest =
		    open(dest, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (u.home < 0 || u.dest < 0 ||
	    archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		diags_add(f->d, ERR_INFRASTRUCTURE, 0, 0, "",
		          "Unable to read %s: %s", url,
		          archive_error_string(a) ? archive_error_string(a)
		                                  : strerror(errno));
		rc = -1;
	}
	fetch_waiting(f, xasprintf("unpacking of '%s'", url));
	while (rc == 0 && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		int ok = unpack_check(&u, e);
		if (ok <= 0) {
			rc = ok;
			continue;
		}
		if (fchdir(u.dest) < 0) {
			rc = -1;
			break;
		}
		rc = unpack_entry(&u, a, w, e);
		if (fchdir(u.home) < 0)
			rc = -1;
		if (rc == 0 && (u.entries % 256) == 0 && !fetch_poll(f))
			rc = -1;
	}
	if (rc == 0 && r != ARCHIVE_EOF)
		rc = -1;
	/* Directories' modes and times are set at the close, by name. */
	if (u.home >= 0 && u.dest >= 0 && fchdir(u.dest) == 0) {
		if (archive_write_close(w) != ARCHIVE_OK && rc == 0)
			rc = -1;
		if (fchdir(u.home) < 0)
			rc = -1;
	}
	if (rc < 0 && diags_errors(f->d) == 0 && !f->stopped)
		diags_add(f->d, ERR_INFRASTRUCTURE, 0, 0, "",
		          "Unable to unpack %s: %s", url,
		          archive_error_string(a)   ? archive_error_string(a)
		          : archive_error_string(w) ? archive_error_string(w)
		                                    : "error");
	archive_read_free(a);
	archive_write_free(w);
	if (u.home >= 0)
		close(u.home);
	if (u.dest >= 0)
		close(u.dest);
	return rc;
}

int
fetch_url(struct fetch *f, const char *url, const char *name,
          long long strip, const char *dest)
{
	char *tmpfile = NULL;
	const char *file;
	if (strncmp(url, "file://", 7) == 0) {
		file = url + 7;
		char why[512];
		if (!file_policy_allows(f->files, file, why,
		                        sizeof why)) {
			diags_add(f->d, ERR_JOB, 0, 0, "",
			          "Unable to fetch url '%s' for %s: %s",
			          url, name, why);
			return -1;
		}
	} else if (strncmp(url, "http://", 7) == 0 ||
	           strncmp(url, "https://", 8) == 0) {
		const char *td = getenv("TMPDIR");
		tmpfile =
		    xasprintf("%s/tether-url-XXXXXX", td && *td ? td : "/tmp");
		int fd = mkstemp(tmpfile);
		if (fd < 0) {
			diags_add(f->d, ERR_INFRASTRUCTURE, 0, 0, "",
			          "Unable to fetch url '%s' for %s: %s",
			          url, name, strerror(errno));
			free(tmpfile);
			return -1;
		}
		close(fd);
		fetch_waiting(f, xasprintf("download of '%s'", url));
		struct download_req req = {
		    .url = url,
		    .path = tmpfile,
		    .mux = f->mux,
		    .deadline_ns = f->deadline_ns,
		    .stop = f->stop,
		    .arg = f->stop_arg,
		    .max_bytes = f->max_download,
		};
		struct download_res res;
		if (download_run(&req, &res) < 0) {
			if (res.status == DOWNLOAD_TIMEOUT ||
			    res.status == DOWNLOAD_CANCELED)
				f->stopped = res.status == DOWNLOAD_TIMEOUT
				                  ? FETCH_TIMEOUT
				                  : FETCH_CANCELED;
			else
				diags_add(f->d,
				          res.status == DOWNLOAD_TOO_BIG
				              ? ERR_JOB
				              : ERR_INFRASTRUCTURE,
				          0, 0, "",
				          "Unable to fetch url '%s' for %s: %s",
				          url, name, res.err);
			unlink(tmpfile);
			free(tmpfile);
			return -1;
		}
		file = tmpfile;
	} else {
		diags_add(f->d, ERR_JOB, 0, 0, "",
		          "Unsupported url for %s: %s (http, https or file)",
		          name, url);
		return -1;
	}
	/* A file:// that names a FIFO or a device must not hang the job
	 * or fill the memory. */
	struct stat st;
	const char *why = NULL;
	int fd = open_regular(file, true, &st, &why);
	int rc = -1;
	if (fd < 0)
		diags_add(f->d, ERR_JOB, 0, 0, "", "Unable to read %s: %s",
		          url, why);
	else if ((uint64_t)st.st_size > f->max_download)
		diags_add(f->d, ERR_JOB, 0, 0, "",
		          "Unable to fetch url '%s' for %s: '%s' is larger "
		          "than max_download_bytes (%llu bytes)",
		          url, name, url,
		          (unsigned long long)f->max_download);
	else
		rc = unpack_archive(f, url, fd, dest, strip);
	if (fd >= 0)
		close(fd);
	if (tmpfile) {
		unlink(tmpfile);
		free(tmpfile);
	}
	return rc;
}

