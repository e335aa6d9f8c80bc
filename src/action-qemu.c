/* action-qemu.c: QEMU devices.
 *
 * deploy to: tmpfs ("deployimages"): the namespace's overlay (as deploy
 * to: overlay builds it), then each of images: downloaded in the job's
 * mux (download.c: connections keep being read), its compression undone
 * while it streams, its checksums compared; an image with overlays: {lava:
 * true} and format: cpio.newc gets the overlay appended as a cpio.newc
 * archive of its own (the kernel unpacks concatenated archives; LAVA
 * unpacks and repacks the whole ramdisk, the result in the guest is the
 * same), compressed as the ramdisk file is.
 *
 * boot method: qemu ("boot-image-retry"): the command line from the
 * device's actions.boot.methods.qemu.parameters (command, options, extra:
 * LAVA's qemu device type rendered with the job's context: arch, machine,
 * cpu, memory, extra_options), then each image's image_arg with {label}
 * replaced by its file.  QEMU runs on the namespace connection's pty:
 * with -nographic its first serial port is that pty; other ports are
 * whatever chardevs the options give (-serial telnet:HOST:PORT,server,
 * nowait), which the device's commands.connections reach for
 * new_connection.  KVM is not used here (software emulation, TCG), and
 * the log says so. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "action-boot.h"
#include "action-deploy.h"
#include "action-qemu.h"
#include "compression.h"
#include "download.h"
#include "job.h"
#include "shlex.h"

#define MB (1024.0 * 1024.0)
/* Downloads this large print progress lines on the person's view. */
#define PROGRESS_MIN_BYTES (4LL << 20)
/* QEMU refusing its command line exits within this time. */
#define QEMU_START_NS (500ULL * 1000 * 1000)

/* ---- where a namespace's images go ---- */

static const char *
image_compression(const struct ynode *img)
{
	const struct ynode *c = ymap_get(img, "compression");
	return c && c->kind == YN_STR ? c->str : NULL;
}

static const char *
image_url(const struct ynode *img)
{
	const struct ynode *u = ymap_get(img, "url");
	return u && u->kind == YN_STR ? u->str : NULL;
}

/* LAVA's name for the file: the URL's last part, without the
 * compression's suffix when it is undone. */
static char *
image_fname(const struct ynode *img)
{
	const char *url = image_url(img);
	const char *base = url ? strrchr(url, '/') : NULL;
	base = base ? base + 1 : url ? url : "image";
	char *f = xstrdup(*base ? base : "image");
	char *q = strpbrk(f, "?#");
	if (q)
		*q = '\0';
	const char *comp = image_compression(img);
	if (comp) {
		size_t n = strlen(f), m = strlen(comp);
		if (n > m + 1 && f[n - m - 1] == '.' &&
		    strcmp(f + n - m, comp) == 0)
			f[n - m - 1] = '\0';
	}
	return f;
}

static char *
image_dir(struct job *j, const char *ns, const char *label)
{
	return xasprintf("%s/deployimages-%s/%s", j->workdir, ns, label);
}

static char *
image_path(struct job *j, const char *ns, const char *label,
           const struct ynode *img)
{
	char *dir = image_dir(j, ns, label);
	char *f = image_fname(img);
	char *p = xasprintf("%s/%s", dir, f);
	free(dir);
	free(f);
	return p;
}

/* The images: of the last deploy to: tmpfs in namespace NS. */
static const struct ynode *
ns_images(struct job *j, const char *ns)
{
	const struct ynode *actions = ymap_get(j->root, "actions");
	const struct ynode *found = NULL;
	for (size_t i = 0; actions && actions->kind == YN_SEQ && i < actions->n;
	     i++) {
		const struct ynode *item = actions->items[i];
		const struct ynode *d = ymap_get(item, "deploy");
		if (d == NULL || !ynode_is_str(ymap_get(d, "to"), "tmpfs"))
			continue;
		if (strcmp(job_block_ns(d), ns) != 0)
			continue;
		const struct ynode *imgs = ymap_get(d, "images");
		if (imgs && imgs->kind == YN_MAP)
			found = imgs;
	}
	return found;
}

/* ---- one download ---- */

struct progress {
	struct job *j;
	const char *label;
	bool size_logged; /* "total size" said (file://: before) */
	int last_pct;     /* the last 5 % step logged */
	uint64_t last_mb; /* unknown size: the last MB logged */
	uint64_t start_ns, shown_ns;
	bool shown;
};

static void
on_progress(void *arg, uint64_t done, int64_t total)
{
	struct progress *p = arg;
	if (!p->size_logged) {
		p->size_logged = true;
		if (total > 0)
			job_logf(p->j, "debug", "total size: %lld (%lldMB)",
			         (long long)total, (long long)(total >> 20));
		else
			job_logf(p->j, "debug", "total size: unknown");
	}
	if (total > 0) {
		int pct = (int)(done * 100 / (uint64_t)total);
		if (pct / 5 > p->last_pct / 5 || (p->last_pct < 0)) {
			p->last_pct = pct;
			job_logf(p->j, "debug", "progress %3d%% (%dMB)", pct,
			         (int)(done / (1024 * 1024)));
		}
	} else if (done / (5 << 20) > p->last_mb) {
		p->last_mb = done / (5 << 20);
		job_logf(p->j, "debug", "progress %dMB",
		         (int)(done / (1024 * 1024)));
	}
	/* The person's view, for a large download: a line when it starts,
	 * then one a second, and one at the end (download_image). */
	uint64_t now = mux_now();
	bool large = total >= PROGRESS_MIN_BYTES ||
	             (total <= 0 && done >= (uint64_t)PROGRESS_MIN_BYTES);
	if (p->j->progress == NULL || !large)
		return;
	if (!p->shown) {
		p->shown = true;
		p->shown_ns = now;
		if (total > 0)
			fprintf(p->j->progress,
			        "        %s: downloading %.1f MB\n", p->label,
			        (double)total / MB);
		else
			fprintf(p->j->progress,
			        "        %s: downloading (size unknown)\n",
			        p->label);
	} else if (now - p->shown_ns >= NS_PER_S) {
		p->shown_ns = now;
		double secs = (double)(now - p->start_ns) / 1e9;
		if (total > 0)
			fprintf(
			    p->j->progress,
			    "        %s: %3d%% (%.1f of %.1f MB, %.1f MB/s)\n",
			    p->label, (int)(done * 100 / (uint64_t)total),
			    (double)done / MB, (double)total / MB,
			    secs > 0 ? (double)done / MB / secs : 0.0);
		else
			fprintf(p->j->progress, "        %s: %.1f MB\n",
			        p->label, (double)done / MB);
	} else {
		return;
	}
	fflush(p->j->progress);
}

static bool
download_stop(void *arg)
{
	struct progress *p = arg;
	return job_canceled(p->j);
}

static int
check_sum(struct action *a, const struct ynode *img, const char *algo,
          const char *actual, const char *url)
{
	const struct ynode *want = ymap_get(img, algo);
	if (want == NULL || want->kind != YN_STR)
		return 0;
	if (strcasecmp(want->str, actual) == 0)
		return 0;
	struct job *j = a->job;
	job_logf(j, "error", "%s sum for '%s' does not match", algo, url);
	job_logf(j, "info", "actual  : %s", actual);
	job_logf(j, "info", "expected: %s", want->str);
	return job_fail(j, ERR_JOB, "%s for '%s' does not match.", algo, url);
}

/* download-retry > file-download or http-download. */
static int
download_image(struct action *parent, const char *label,
               const struct ynode *img, const char *path)
{
	struct job *j = parent->job;
	const char *url = image_url(img);
	const char *comp = image_compression(img);
	bool local = strncmp(url, "file://", 7) == 0;
	struct action a;
	action_begin(&a, j, parent, local ? "file-download" : "http-download",
	             NULL, NULL, 0);
	job_logf(j, "info", "downloading %s", url);
	job_logf(j, "debug", "saving as %s", path);
	struct progress p = {.j = j,
	                     .label = label,
	                     .last_pct = -1,
	                     .start_ns = mux_now(),
	                     .shown_ns = mux_now()};
	struct download_req req = {
	    .url = url,
	    .path = path,
	    .compression = comp,
	    .mux = j->mux,
	    .deadline_ns = a.deadline_ns,
	    .stop = download_stop,
	    .progress = on_progress,
	    .arg = &p,
	    .max_written = j->limits.max_image_bytes,
	    .files = j->files,
	};
	if (local) {
		struct stat st;
		p.size_logged = true;
		if (stat(url + 7, &st) == 0)
			job_logf(j, "debug", "total size: %lld (%lldMB)",
			         (long long)st.st_size,
			         (long long)(st.st_size >> 20));
	}
	if (comp)
		job_logf(j, "info", "Using %s to decompress %s",
		         compression_by_name(comp)->tool, comp);
	else
		job_logf(j, "debug", "No compression specified");
	struct download_res res;
	uint64_t t0 = mux_now();
	int rc = download_run(&req, &res);
	double secs = (double)(mux_now() - t0) / 1e9;
	if (p.shown && j->progress) {
		fprintf(j->progress, "        %s: %.1f MB in %.2f s%s\n", label,
		        (double)res.bytes / MB, secs, rc < 0 ? ", failed" : "");
		fflush(j->progress);
	}
	if (rc < 0) {
		if (job_canceled(j))
			return action_end(&a, -1);
		switch (res.status) {
		case DOWNLOAD_HTTP:
		case DOWNLOAD_DECOMPRESS:
		case DOWNLOAD_TOO_BIG:
		case DOWNLOAD_FORBIDDEN:
			/* LAVA: a missing resource is found at validation, a
			 * bad compression by the decompressor: JobErrors. */
			rc = job_fail(j, ERR_JOB, "%s", res.err);
			break;
		case DOWNLOAD_TIMEOUT:
			rc = action_timed_out(&a);
			break;
		default:
			rc = job_fail(j, ERR_INFRASTRUCTURE, "%s", res.err);
			break;
		}
		return action_end(&a, rc);
	}
	job_logf(j, "info", "%dMB downloaded in %0.2fs (%0.2fMB/s)",
	         (int)(res.bytes >> 20), secs,
	         secs > 0 ? (double)res.bytes / MB / secs : 0.0);
	a.extra = rval_map();
	rval_put(a.extra, "label", rval_str(label));
	rval_put(a.extra, "md5sum", rval_str(res.md5));
	rval_put(a.extra, "sha256sum", rval_str(res.sha256));
	rval_put(a.extra, "sha512sum", rval_str(res.sha512));
	char size[32];
	snprintf(size, sizeof size, "%llu", (unsigned long long)res.bytes);
	rval_put(a.extra, "size", rval_str(size));
	if (check_sum(&a, img, "md5sum", res.md5, url) < 0 ||
	    check_sum(&a, img, "sha256sum", res.sha256, url) < 0 ||
	    check_sum(&a, img, "sha512sum", res.sha512, url) < 0)
		return action_end(&a, -1);
	return action_end(&a, 0);
}

/* ---- the overlay appended to a cpio.newc ramdisk ---- */

int
ramdisk_filter(const char *path)
{
	unsigned char m[6] = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, m, sizeof m);
	close(fd);
	const struct compression *c =
	    compression_by_magic(m, n > 0 ? (size_t)n : 0);
	if (c)
		return c->filter;
	return ARCHIVE_FILTER_NONE;
}

static const char *
filter_label(int f)
{
	const struct compression *c = compression_by_filter(f);
	return c ? c->name : "none";
}

/* Zeros up to a multiple of 512 bytes: the next archive starts where the
 * kernel looks for one (it skips zeros between archives). */
static int
pad_file(int fd)
{
	off_t end = lseek(fd, 0, SEEK_END);
	if (end < 0)
		return -1;
	static const char zeros[512];
	size_t pad = (size_t)((512 - end % 512) % 512);
	return pad && write(fd, zeros, pad) != (ssize_t)pad ? -1 : 0;
}

int
ramdisk_append(const char *image, const char *tgz, int filter, char *err,
               size_t errlen)
{
	int fd = open(image, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0 || pad_file(fd) < 0) {
		snprintf(err, errlen, "%s: %s", image, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct archive *in = archive_read_new();
	archive_read_support_filter_all(in);
	archive_read_support_format_tar(in);
	struct archive *out = archive_write_new();
	archive_write_set_format_cpio_newc(out);
	archive_write_add_filter(out, compression_by_filter(filter)
	                                  ? filter
	                                  : ARCHIVE_FILTER_NONE);
	if (filter == ARCHIVE_FILTER_XZ)
		/* The kernel's xz decoder wants CRC32 checks. */
		archive_write_set_filter_option(out, "xz", "compression-level",
		                                "6");
	archive_write_set_bytes_in_last_block(out, 1);
	int rc = -1;
	if (archive_read_open_filename(in, tgz, 65536) != ARCHIVE_OK) {
		snprintf(err, errlen, "%s: %s", tgz, archive_error_string(in));
		goto out;
	}
	if (archive_write_open_fd(out, fd) != ARCHIVE_OK) {
		snprintf(err, errlen, "%s: %s", image,
		         archive_error_string(out));
		goto out;
	}
	struct archive_entry *e;
	char buf[65536];
	int r;
	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		if (archive_write_header(out, e) != ARCHIVE_OK) {
			snprintf(err, errlen, "%s: %s", image,
			         archive_error_string(out));
			goto out;
		}
		la_ssize_t n;
		while ((n = archive_read_data(in, buf, sizeof buf)) > 0)
			if (archive_write_data(out, buf, (size_t)n) != n) {
				snprintf(err, errlen, "%s: %s", image,
				         archive_error_string(out));
				goto out;
			}
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", tgz,
			         archive_error_string(in));
			goto out;
		}
	}
	if (r != ARCHIVE_EOF) {
		snprintf(err, errlen, "%s: %s", tgz, archive_error_string(in));
		goto out;
	}
	if (archive_write_close(out) != ARCHIVE_OK) {
		snprintf(err, errlen, "%s: %s", image,
		         archive_error_string(out));
		goto out;
	}
	rc = 0;
out:
	archive_read_free(in);
	archive_write_free(out);
	if (close(fd) < 0 && rc == 0) {
		snprintf(err, errlen, "%s: %s", image, strerror(errno));
		rc = -1;
	}
	return rc;
}

/* append-overlays: the namespace's overlay into the ramdisk. */
static int
append_overlays(struct action *parent, const char *label,
                const struct ynode *img, const char *path)
{
	struct job *j = parent->job;
	struct action a;
	action_begin(&a, j, parent, "append-overlays", NULL, NULL, 0);
	const struct ynode *fmt = ymap_get(img, "format");
	const struct ynode *ovs = ymap_get(img, "overlays");
	if (!ynode_is_str(fmt, "cpio.newc")) {
		int rc = job_fail(j, ERR_JOB,
		                  "tether appends overlays to cpio.newc images "
		                  "only, not '%s' (images.%s.format)",
		                  fmt && fmt->kind == YN_STR ? fmt->str : "?",
		                  label);
		return action_end(&a, rc);
	}
	job_logf(j, "info", "Modifying '%s'", path);
	struct job_ns *ns = job_ns_get(j, a.ns);
	job_logf(j, "debug", "Overlays:");
	for (size_t i = 0; ovs && ovs->kind == YN_MAP && i < ovs->n; i++) {
		const char *name = ovs->keys[i]->str;
		if (strcmp(name, "lava") != 0) {
			int rc = job_fail(j, ERR_JOB,
			                  "tether does not append overlay "
			                  "'%s.%s' yet (only lava)",
			                  label, name);
			return action_end(&a, rc);
		}
		if (!ynode_truthy(ovs->vals[i]))
			continue;
		if (ns->overlay_tgz == NULL) {
			job_logf(j, "warning", "- %s.lava: <MISSING> to '/'",
			         label);
			continue;
		}
		int filter = ramdisk_filter(path);
		job_logf(j, "debug",
		         "- %s.lava: '%s' appended to '%s' as a cpio.newc "
		         "archive (compression: %s, as the ramdisk)",
		         label, ns->overlay_tgz, path, filter_label(filter));
		char err[512];
		if (ramdisk_append(path, ns->overlay_tgz, filter, err,
		                   sizeof err) < 0) {
			int rc =
			    job_fail(j, ERR_INFRASTRUCTURE,
			             "Unable to append the overlay to %s: %s",
			             label, err);
			return action_end(&a, rc);
		}
	}
	return action_end(&a, 0);
}

/* True when a test block of the job runs in namespace NS: the deploy then
 * builds the overlay, as LAVA's test_needs_overlay. */
static bool
ns_has_tests(struct job *j, const char *ns)
{
	const struct ynode *actions = ymap_get(j->root, "actions");
	for (size_t i = 0; actions && actions->kind == YN_SEQ && i < actions->n;
	     i++) {
		const struct ynode *t = ymap_get(actions->items[i], "test");
		if (t && strcmp(job_block_ns(t), ns) == 0)
			return true;
	}
	return false;
}

int
deploy_tmpfs(struct job *j, struct action *top)
{
	const struct ynode *imgs = ymap_get(top->params, "images");
	if (imgs == NULL || imgs->kind != YN_MAP)
		return job_fail(j, ERR_JOB, "deploy to tmpfs needs images");
	if (ns_has_tests(j, top->ns)) {
		struct action ov;
		action_begin(&ov, j, top, "lava-overlay", NULL, NULL, 0);
		int rc = deploy_overlay(j, &ov);
		action_end(&ov, rc);
		if (rc < 0)
			return -1;
	}
	action_step(top, "apply-overlay-guest", "Overlay already applied");
	action_step(top, "deploy-device-env", NULL);
	for (size_t i = 0; i < imgs->n; i++) {
		const char *label = imgs->keys[i]->str;
		const struct ynode *img = imgs->vals[i];
		struct action dr;
		action_begin(&dr, j, top, "download-retry", NULL, NULL, 0);
		int rc = 0;
		const char *comp = image_compression(img);
		if (image_url(img) == NULL) {
			rc =
			    job_fail(j, ERR_JOB, "images.%s has no url", label);
		} else if (comp && compression_by_name(comp) == NULL) {
			rc = job_fail(j, ERR_JOB,
			              "Unknown 'compression' format '%s' "
			              "(images.%s): tether undoes gz, xz, zstd "
			              "and bz2",
			              comp, label);
		}
		char *dir = image_dir(j, top->ns, label);
		char *path = image_path(j, top->ns, label, img);
		char *fname = image_fname(img);
		/* Validation refused these; a path out of the job's
		 * directory is refused here again, where it is made. */
		const char *why = NULL, *what = NULL;
		if ((why = path_name_problem(top->ns, strlen(top->ns))))
			what = top->ns;
		else if ((why = path_name_problem(label, strlen(label))))
			what = label;
		else if ((why = path_name_problem(fname, strlen(fname))))
			what = fname;
		if (rc == 0 && why)
			rc = job_fail(j, ERR_JOB,
			              "images.%s: '%s' %s: it would name a path "
			              "outside the job's directory",
			              label, what, why);
		free(fname);
		if (rc == 0 && mkdir_p(dir) < 0)
			rc = job_fail(j, ERR_INFRASTRUCTURE,
			              "Unable to create %s: %s", dir,
			              strerror(errno));
		if (rc == 0)
			rc = download_image(&dr, label, img, path);
		if (rc == 0 && ymap_get(img, "overlays"))
			rc = append_overlays(&dr, label, img, path);
		free(dir);
		free(path);
		action_end(&dr, rc);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ---- boot method: qemu ---- */

/* The value of a string or of each string of a list, appended. */
static void
add_words(struct buf *b, const struct ynode *n)
{
	if (n == NULL)
		return;
	if (n->kind == YN_STR) {
		if (n->len)
			buf_printf(b, " %s", n->str);
		return;
	}
	if (n->kind == YN_SEQ)
		for (size_t i = 0; i < n->n; i++)
			add_words(b, n->items[i]);
}

/* ARG with each {label} replaced by its image's file, in one pass: a
 * file name that holds "{label}" itself is not substituted again. */
static char *
substitute(struct job *j, const char *ns, const struct ynode *imgs,
           const char *arg)
{
	struct buf out;
	buf_init(&out);
	while (*arg) {
		size_t k = 0;
		for (; arg[0] == '{' && k < imgs->n; k++) {
			const char *label = imgs->keys[k]->str;
			size_t n = strlen(label);
			if (strncmp(arg + 1, label, n) == 0 && arg[n + 1] == '}')
				break;
		}
		if (arg[0] == '{' && k < imgs->n) {
			char *path = image_path(j, ns, imgs->keys[k]->str,
			                        imgs->vals[k]);
			buf_adds(&out, path);
			free(path);
			arg += strlen(imgs->keys[k]->str) + 2;
		} else {
			buf_addc(&out, *arg++);
		}
	}
	return buf_steal(&out);
}

/* Appends the words of N (a string or a list of strings, split as LAVA
 * splits a command line) to ARGV, each {label} substituted when IMGS is
 * not NULL.  -1 with the reason in ERR. */
static int
add_args(struct job *j, const char *ns, const struct ynode *imgs,
         struct strv *argv, const struct ynode *n, char *err, size_t errlen)
{
	if (n == NULL)
		return 0;
	if (n->kind == YN_SEQ) {
		for (size_t i = 0; i < n->n; i++)
			if (add_args(j, ns, imgs, argv, n->items[i], err,
			             errlen) < 0)
				return -1;
		return 0;
	}
	if (n->kind != YN_STR)
		return 0;
	struct strv words = {0};
	if (shlex_split(n->str, &words, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < words.n; i++) {
		char *w = imgs ? substitute(j, ns, imgs, words.v[i])
		               : xstrdup(words.v[i]);
		strv_add(argv, w);
		free(w);
	}
	strv_free(&words);
	return 0;
}

/* The Debian version of the installed package PKG, or NULL: read from
 * dpkg's status file (LAVA asks dpkg-query; no child process here). */
static char *
package_version(const char *pkg)
{
	size_t len;
	char *db = file_read("/var/lib/dpkg/status", &len);
	if (db == NULL)
		return NULL;
	char *version = NULL;
	char *want = xasprintf("Package: %s\n", pkg);
	for (char *para = db; para && *para && version == NULL;) {
		char *next = strstr(para, "\n\n");
		if (next)
			*next = '\0';
		if (strncmp(para, want, strlen(want)) == 0 &&
		    strstr(para, "\nStatus: install ok installed\n")) {
			char *v = strstr(para, "\nVersion: ");
			if (v) {
				v += 10;
				version = xstrndup(v, strcspn(v, "\n"));
			}
		}
		para = next ? next + 2 : NULL;
	}
	free(want);
	free(db);
	return version;
}

static bool
conn_gone(void *arg)
{
	struct conn *c = arg;
	return c->eof;
}

/* The last line QEMU printed before it exited (its error). */
static char *
last_line(struct conn *c)
{
	const char *data;
	size_t len;
	conn_pending(c, &data, &len, NULL);
	while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	size_t start = len;
	while (start && data[start - 1] != '\n' && data[start - 1] != '\r')
		start--;
	return xstrndup(data + start, len - start);
}

/* The host's architecture as Debian names it (LAVA asks dpkg). */
static const char *
host_arch(void)
{
	static struct utsname u;
	if (u.machine[0] == '\0' && uname(&u) < 0)
		return "unknown";
	if (strcmp(u.machine, "x86_64") == 0)
		return "amd64";
	if (strcmp(u.machine, "aarch64") == 0)
		return "arm64";
	return u.machine;
}

static const char *
qemu_arch_suffix(const char *arch)
{
	if (strcmp(arch, "amd64") == 0 || strcmp(arch, "x86_64") == 0)
		return "x86";
	if (strcmp(arch, "arm64") == 0 || strcmp(arch, "arm") == 0 ||
	    strcmp(arch, "armhf") == 0 || strcmp(arch, "aarch64") == 0)
		return "arm";
	return NULL;
}

static bool
in_list(const struct ynode *list, const char *s)
{
	for (size_t i = 0; list && list->kind == YN_SEQ && i < list->n; i++)
		if (ynode_is_str(list->items[i], s))
			return true;
	return false;
}

/* execute-qemu: QEMU started as the namespace's connection. */
static int
execute_qemu(struct action *parent, struct job_ns *ns)
{
	struct job *j = parent->job;
	struct action a;
	action_begin(&a, j, parent, "execute-qemu", NULL, NULL, 0);
	const struct ynode *ctx = ymap_get(j->root, "context");
	const struct ynode *arch = ymap_get(ctx, "arch");
	const struct ynode *method =
	    ymap_get(j->dev ? j->dev->boot_methods : NULL, "qemu");
	const struct ynode *params = ymap_get(method, "parameters");
	const struct ynode *command = ymap_get(params, "command");
	const struct ynode *imgs = ns_images(j, a.ns);
	int rc = 0;
	char *bin = NULL, *version = NULL, *line = NULL;
	struct strv argv = {0};
	char err[128];
	struct buf cmd;
	buf_init(&cmd);
	if (arch == NULL || arch->kind != YN_STR) {
		rc = job_fail(j, ERR_JOB, "Missing 'arch' in job context");
		goto out;
	}
	if (!in_list(ymap_get(j->dev ? j->dev->root : NULL,
	                      "available_architectures"),
	             arch->str)) {
		rc = job_fail(j, ERR_JOB,
		              "Non existing architecture specified in context "
		              "arch parameter '%s'. Please check the device "
		              "configuration for available options.",
		              arch->str);
		goto out;
	}
	if (command == NULL || command->kind != YN_STR || !command->len) {
		rc = job_fail(j, ERR_CONFIGURATION,
		              "No QEMU binary command found in the device's "
		              "actions.boot.methods.qemu.parameters.command");
		goto out;
	}
	bin = path_lookup(command->str);
	if (bin == NULL) {
		rc =
		    job_fail(j, ERR_INFRASTRUCTURE,
		             "Cannot find command '%s' in $PATH", command->str);
		goto out;
	}
	const char *sfx = qemu_arch_suffix(arch->str);
	if (sfx) {
		char *pkg = xasprintf("qemu-system-%s", sfx);
		version = package_version(pkg);
		if (version)
			job_logf(j, "info",
			         "%s, installed at version: %s, host "
			         "architecture: %s",
			         pkg, version, host_arch());
		free(pkg);
	}
	/* What runs is ARGV, split as LAVA splits the command line and
	 * never seen by a shell: the job's image_arg and the context's
	 * options (rendered into the device's) are QEMU's arguments, not
	 * code.  The log shows the line as LAVA's does. */
	strv_add(&argv, bin);
	buf_printf(&cmd, "%s", bin);
	static const char *const from_device[] = {"options", "extra"};
	for (size_t k = 0; k < 2; k++) {
		const struct ynode *o = ymap_get(params, from_device[k]);
		if (add_args(j, a.ns, NULL, &argv, o, err, sizeof err) < 0) {
			rc = job_fail(j, ERR_CONFIGURATION,
			              "actions.boot.methods.qemu.parameters.%s: "
			              "%s",
			              from_device[k], err);
			goto out;
		}
		add_words(&cmd, o);
	}
	for (size_t i = 0; imgs && i < imgs->n; i++) {
		const struct ynode *ia = ymap_get(imgs->vals[i], "image_arg");
		if (ia == NULL || ia->kind != YN_STR) {
			job_logf(j, "warning", "Missing image arg for %s",
			         imgs->keys[i]->str);
			continue;
		}
		if (add_args(j, a.ns, imgs, &argv, ia, err, sizeof err) < 0) {
			rc = job_fail(j, ERR_JOB, "images.%s.image_arg: %s",
			              imgs->keys[i]->str, err);
			goto out;
		}
		char *s = substitute(j, a.ns, imgs, ia->str);
		buf_printf(&cmd, " %s", s);
		free(s);
	}
	line = buf_steal(&cmd);
	buf_init(&cmd);
	job_logf(j, "info", "Boot command: %s", line);
	if (strstr(line, "-enable-kvm") || strstr(line, "accel=kvm"))
		job_logf(j, "warning",
		         "QEMU is asked to use KVM (-enable-kvm): stock guest "
		         "kernels do not boot on this host's KVM; the device "
		         "type's no_kvm drops it");
	else
		job_logf(j, "info",
		         "QEMU runs in software emulation (TCG, no KVM): "
		         "expect a slower boot");
	/* A retry's QEMU replaces the last attempt's. */
	job_conn_close(j, ns->conn);
	struct conn *c = job_conn_open_argv(j, &a, "qemu", line, argv.v, NULL,
	                                    0, a.ns);
	if (c == NULL) {
		rc = -1;
		goto out;
	}
	ns->conn = c;
	ns->conn_owned = true;
	job_logf(j, "debug", "started a shell command");
	/* A command line QEMU refuses ends it at once: said here, naming
	 * the option, rather than as a dropped connection later. */
	mux_wait(j->mux, conn_gone, c, mux_now() + QEMU_START_NS);
	if (c->eof) {
		char *why = last_line(c);
		rc = job_fail(j, ERR_INFRASTRUCTURE, "QEMU exited at once: %s",
		              *why ? why : "(no message)");
		free(why);
		goto out;
	}
	a.extra = rval_map();
	rval_put(a.extra, "host_arch", rval_str(host_arch()));
	rval_put(a.extra, "job_arch", rval_str(arch->str));
	rval_put(a.extra, "qemu_version",
	         rval_str(version ? version : "unknown"));
out:
	free(bin);
	free(version);
	free(line);
	strv_free(&argv);
	free(buf_steal(&cmd));
	return action_end(&a, rc);
}

int
boot_qemu(struct job *j, struct action *top)
{
	struct job_ns *ns = job_ns_get(j, top->ns);
	ns_set_prompts(ns, ymap_get(top->params, "prompts"));
	struct action bq;
	action_begin(&bq, j, top, "boot-qemu-image", NULL, NULL, 0);
	int rc = execute_qemu(&bq, ns);
	action_end(&bq, rc);
	if (rc < 0)
		return -1;
	return boot_login(top, ns, true);
}
