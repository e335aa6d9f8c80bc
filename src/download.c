/* download.c: fetching URLs in the job's mux: libcurl's multi interface
 * with its sockets and timer handed to the mux (CURLMOPT_SOCKETFUNCTION,
 * CURLMOPT_TIMERFUNCTION), so every connection is read while an image, a
 * test definition's archive or a HEAD check of validation is on its way,
 * and each ends at its deadline or on a cancel.  Names are resolved by
 * libcurl's threaded resolver (Debian's build: "AsynchDNS"), so a DNS
 * server that does not answer does not block the loop either.  The bytes
 * are pulled by libarchive's raw format when the image is compressed (gz,
 * xz, zstd, bz2 undone as they stream), hashed (md5, sha256, sha512, as
 * LAVA) and written; libcurl is paused while the buffer is full
 * (back-pressure, not memory).  file:// is read directly, as LAVA's
 * file-download does: libcurl's file protocol cannot be paused.  Caps
 * (max_bytes, max_written) end a download that grows past them.
 *
 * libcurl is loaded on the first download (dlopen), not linked: with its
 * TLS, LDAP and Kerberos libraries it would triple the start-up time of
 * every tether command, most of which never download anything. */
#include <archive.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compression.h"
#include "download.h"
#include "filepolicy.h"
#include "mux.h"
#include "util.h"

static struct {
	void *lib;
	CURLcode (*global_init)(long);
	CURL *(*init)(void);
	CURLcode (*setopt)(CURL *, CURLoption, ...);
	CURLcode (*getinfo)(CURL *, CURLINFO, ...);
	void (*cleanup)(CURL *);
	const char *(*strerror)(CURLcode);
	CURLcode (*pause)(CURL *, int);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
	CURLMcode (*multi_add)(CURLM *, CURL *);
	CURLMcode (*multi_remove)(CURLM *, CURL *);
	CURLMcode (*multi_socket_action)(CURLM *, curl_socket_t, int, int *);
	CURLMsg *(*multi_info_read)(CURLM *, int *);
	CURLMcode (*multi_cleanup)(CURLM *);
} curl;

static int
curl_load(char *err, size_t errlen)
{
	if (curl.lib)
		return 0;
	void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		snprintf(err, errlen, "cannot load libcurl: %s", dlerror());
		return -1;
	}
	/* POSIX lets a data pointer hold a function's address. */
	*(void **)&curl.global_init = dlsym(lib, "curl_global_init");
	*(void **)&curl.init = dlsym(lib, "curl_easy_init");
	*(void **)&curl.setopt = dlsym(lib, "curl_easy_setopt");
	*(void **)&curl.getinfo = dlsym(lib, "curl_easy_getinfo");
	*(void **)&curl.cleanup = dlsym(lib, "curl_easy_cleanup");
	*(void **)&curl.strerror = dlsym(lib, "curl_easy_strerror");
	*(void **)&curl.pause = dlsym(lib, "curl_easy_pause");
	*(void **)&curl.multi_init = dlsym(lib, "curl_multi_init");
	*(void **)&curl.multi_setopt = dlsym(lib, "curl_multi_setopt");
	*(void **)&curl.multi_add = dlsym(lib, "curl_multi_add_handle");
	*(void **)&curl.multi_remove = dlsym(lib, "curl_multi_remove_handle");
	*(void **)&curl.multi_socket_action =
		dlsym(lib, "curl_multi_socket_action");
	*(void **)&curl.multi_info_read = dlsym(lib, "curl_multi_info_read");
	*(void **)&curl.multi_cleanup = dlsym(lib, "curl_multi_cleanup");
	if (!curl.global_init || !curl.init || !curl.setopt || !curl.getinfo ||
	    !curl.cleanup || !curl.strerror || !curl.pause ||
	    !curl.multi_init || !curl.multi_setopt || !curl.multi_add ||
	    !curl.multi_remove || !curl.multi_socket_action ||
	    !curl.multi_info_read || !curl.multi_cleanup) {
		snprintf(err, errlen, "libcurl lacks the easy or multi interface");
		dlclose(lib);
		return -1;
	}
	curl.global_init(CURL_GLOBAL_DEFAULT);
	curl.lib = lib;
	return 0;
}

/* ---- digests: libcrypto's EVP, loaded with libcurl (which needs it) ---- */

static struct {
	void *lib;
	void *(*ctx_new)(void);
	void (*ctx_free)(void *);
	const void *(*byname)(const char *);
	int (*init)(void *, const void *, void *);
	int (*update)(void *, const void *, size_t);
	int (*final)(void *, unsigned char *, unsigned int *);
} evp;

static int
evp_load(char *err, size_t errlen)
{
	if (evp.lib)
		return 0;
	void *lib = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		snprintf(err, errlen, "cannot load libcrypto: %s", dlerror());
		return -1;
	}
	*(void **)&evp.ctx_new = dlsym(lib, "EVP_MD_CTX_new");
	*(void **)&evp.ctx_free = dlsym(lib, "EVP_MD_CTX_free");
	*(void **)&evp.byname = dlsym(lib, "EVP_get_digestbyname");
	*(void **)&evp.init = dlsym(lib, "EVP_DigestInit_ex");
	*(void **)&evp.update = dlsym(lib, "EVP_DigestUpdate");
	*(void **)&evp.final = dlsym(lib, "EVP_DigestFinal_ex");
	if (!evp.ctx_new || !evp.ctx_free || !evp.byname || !evp.init ||
	    !evp.update || !evp.final) {
		snprintf(err, errlen, "libcrypto lacks the EVP digests");
		dlclose(lib);
		return -1;
	}
	evp.lib = lib;
	return 0;
}

enum { DG_MD5, DG_SHA256, DG_SHA512, DG_N };
static const char *const dg_names[DG_N] = {"md5", "sha256", "sha512"};

/* ---- one transfer ---- */

/* How much libcurl may hand over before it is paused. */
#define DL_BUF_MAX (1u << 20)
#define DL_CHUNK (64u * 1024)
#define DL_MAX_SOCKETS 8

struct dl {
	const struct download_req *req;
	struct download_res *res;
	void *dg[DG_N];

	/* file:// */
	int in_fd;
	char *chunk;
	uint64_t since_poll;

	/* http(s):// */
	CURLM *multi;
	CURL *easy;
	uint64_t timer;
	bool timer_set;
	int socks[DL_MAX_SOCKETS]; /* in the mux */
	int nsocks;
	bool finished; /* the transfer is over (curl_result says how) */
	CURLcode curl_result;
	bool paused;
	char *pending; /* bytes received, not taken yet */
	size_t npending;
	char *given;   /* what the last dl_next() returned */
	char cerr[CURL_ERROR_SIZE];

	bool failed; /* res->status and res->err say why */
};

static int
dl_fail(struct dl *d, enum download_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
dl_fail(struct dl *d, enum download_status st, const char *fmt, ...)
{
	if (d->failed)
		return -1;
	d->failed = true;
	d->res->status = st;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->res->err, sizeof d->res->err, fmt, ap);
	va_end(ap);
	return -1;
}

/* -1 when BYTES are more than the download may have. */
static int
dl_over_cap(struct dl *d, uint64_t bytes)
{
	uint64_t cap = d->req->max_bytes;
	if (cap == 0 || bytes <= cap)
		return 0;
	return dl_fail(d, DOWNLOAD_TOO_BIG,
	               "'%s' is larger than max_download_bytes (%llu bytes)",
	               d->req->url, (unsigned long long)cap);
}

/* Hashes and counts bytes as they arrive; -1 past max_bytes. */
static int
dl_account(struct dl *d, const char *data, size_t len)
{
	if (dl_over_cap(d, d->res->bytes + len) < 0)
		return -1;
	for (int i = 0; i < DG_N; i++)
		evp.update(d->dg[i], data, len);
	d->res->bytes += len;
	if (d->req->progress)
		d->req->progress(d->req->arg, d->res->bytes, d->res->size);
	return 0;
}

static void
dl_check_done(struct dl *d)
{
	int left;
	CURLMsg *m;
	while ((m = curl.multi_info_read(d->multi, &left)) != NULL) {
		if (m->msg == CURLMSG_DONE) {
			d->finished = true;
			d->curl_result = m->data.result;
		}
	}
}

static void
dl_on_fd(int fd, short events, void *arg)
{
	struct dl *d = arg;
	int what = 0, running;
	if (events & (POLLIN | POLLHUP))
		what |= CURL_CSELECT_IN;
	if (events & POLLOUT)
		what |= CURL_CSELECT_OUT;
	if (events & (POLLERR | POLLNVAL))
		what |= CURL_CSELECT_ERR;
	curl.multi_socket_action(d->multi, fd, what, &running);
	dl_check_done(d);
}

static void
dl_on_timer(void *arg)
{
	struct dl *d = arg;
	int running;
	d->timer_set = false;
	curl.multi_socket_action(d->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	dl_check_done(d);
}

static int
dl_sock_index(struct dl *d, int fd)
{
	for (int i = 0; i < d->nsocks; i++)
		if (d->socks[i] == fd)
			return i;
	return -1;
}

/* libcurl says which of its sockets to watch, and for what. */
static int
dl_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp,
             void *socketp)
{
	struct dl *d = userp;
	(void)easy;
	(void)socketp;
	int i = dl_sock_index(d, s);
	if (what == CURL_POLL_REMOVE) {
		if (i >= 0) {
			mux_remove_fd(d->req->mux, s);
			d->socks[i] = d->socks[--d->nsocks];
		}
		return 0;
	}
	short ev = 0;
	if (what & CURL_POLL_IN)
		ev |= POLLIN;
	if (what & CURL_POLL_OUT)
		ev |= POLLOUT;
	if (i >= 0) {
		mux_set_events(d->req->mux, s, ev);
	} else if (d->nsocks < DL_MAX_SOCKETS) {
		d->socks[d->nsocks++] = s;
		mux_add_fd(d->req->mux, s, ev, dl_on_fd, d);
	} else {
		return -1;
	}
	return 0;
}

/* libcurl's one timer, as a mux timer. */
static int
dl_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct dl *d = userp;
	(void)multi;
	if (d->timer_set) {
		mux_cancel_timer(d->req->mux, d->timer);
		d->timer_set = false;
	}
	if (timeout_ms >= 0) {
		d->timer = mux_add_timer(d->req->mux,
		                         mux_now() + (uint64_t)timeout_ms * 1000000ULL,
		                         dl_on_timer, d);
		d->timer_set = true;
	}
	return 0;
}

static size_t
dl_write_cb(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct dl *d = userp;
	size_t len = size * nmemb;
	if (d->npending >= DL_BUF_MAX) {
		d->paused = true;
		return CURL_WRITEFUNC_PAUSE;
	}
	if (d->res->size < 0) {
		curl_off_t cl = -1;
		curl.getinfo(d->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
		d->res->size = cl;
		/* A size announced over the cap is refused before it is
		 * downloaded. */
		if (cl > 0)
			dl_over_cap(d, (uint64_t)cl);
	}
	/* Over the cap: a short count ends the transfer. */
	if (d->failed || dl_account(d, ptr, len) < 0)
		return 0;
	d->pending = xrealloc(d->pending, d->npending + len);
	memcpy(d->pending + d->npending, ptr, len);
	d->npending += len;
	return len;
}

static bool
dl_ready(void *arg)
{
	struct dl *d = arg;
	if (d->npending || d->finished || d->failed)
		return true;
	return d->req->stop && d->req->stop(d->req->arg);
}

/* Lets the mux run once without waiting: the connections are read while
 * a local file is copied. */
static void
dl_poll_mux(struct dl *d)
{
	mux_wait(d->req->mux, NULL, NULL, mux_now() + 1);
}

static int
dl_check_stop(struct dl *d)
{
	if (d->req->stop && d->req->stop(d->req->arg))
		return dl_fail(d, DOWNLOAD_CANCELED, "canceled");
	if (d->req->deadline_ns && mux_now() >= d->req->deadline_ns)
		return dl_fail(d, DOWNLOAD_TIMEOUT,
		               d->req->head ? "Unable to get '%s': timed out"
		                            : "Download of '%s' timed out",
		               d->req->url);
	return 0;
}

/* The next bytes of the download in *DATA (valid until the next call):
 * returns their number, 0 at the end, -1 on failure. */
static ssize_t
dl_next(struct dl *d, const void **data)
{
	if (d->failed)
		return -1;
	if (d->in_fd >= 0) {
		if (++d->since_poll % 16 == 0) {
			dl_poll_mux(d);
			if (dl_check_stop(d) < 0)
				return -1;
		}
		ssize_t n;
		do
			n = read(d->in_fd, d->chunk, DL_CHUNK);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return dl_fail(d, DOWNLOAD_TRANSFER,
			               "Unable to download '%s': %s",
			               d->req->url, strerror(errno));
		if (dl_account(d, d->chunk, (size_t)n) < 0)
			return -1;
		*data = d->chunk;
		return n;
	}
	free(d->given);
	d->given = NULL;
	while (d->npending == 0 && !d->finished) {
		if (d->paused) {
			d->paused = false;
			curl.pause(d->easy, CURLPAUSE_CONT);
			continue;
		}
		mux_wait(d->req->mux, dl_ready, d, d->req->deadline_ns);
		if (d->npending || d->finished || d->failed)
			break;
		if (dl_check_stop(d) < 0)
			return -1;
	}
	if (d->failed)
		return -1;
	if (d->npending) {
		d->given = d->pending;
		ssize_t n = (ssize_t)d->npending;
		d->pending = NULL;
		d->npending = 0;
		*data = d->given;
		return n;
	}
	if (d->curl_result != CURLE_OK) {
		long status = 0;
		curl.getinfo(d->easy, CURLINFO_RESPONSE_CODE, &status);
		if (d->curl_result == CURLE_HTTP_RETURNED_ERROR && status) {
			d->res->http = status;
			return dl_fail(d, DOWNLOAD_HTTP,
			               "Resource unavailable at '%s' (%ld)",
			               d->req->url, status);
		}
		/* LAVA's words: "Unable to get" for its HEAD check. */
		return dl_fail(d, DOWNLOAD_TRANSFER, "Unable to %s '%s': %s",
		               d->req->head ? "get" : "download", d->req->url,
		               d->cerr[0] ? d->cerr
		                          : curl.strerror(d->curl_result));
	}
	return 0;
}

static ssize_t
dl_archive_read(struct archive *a, void *arg, const void **buf)
{
	(void)a;
	return dl_next(arg, buf);
}

static int
dl_write_all(struct dl *d, int fd, const void *buf, size_t len)
{
	const char *p = buf;
	uint64_t cap = d->req->max_written;
	if (cap && d->res->written + len > cap)
		return dl_fail(d, DOWNLOAD_TOO_BIG,
		               "'%s' is larger than max_image_bytes once "
		               "decompressed (%llu bytes)",
		               d->req->url, (unsigned long long)cap);
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return dl_fail(d, DOWNLOAD_WRITE, "%s: %s", d->req->path,
			               strerror(errno));
		p += n;
		len -= (size_t)n;
		d->res->written += (uint64_t)n;
	}
	return 0;
}

static int
filter_code(const char *compression)
{
	const struct compression *c = compression_by_name(compression);
	return c ? c->filter : -1;
}

/* The compressed stream through libarchive's raw format, into OUT. */
static int
dl_decompress(struct dl *d, int out)
{
	const char *comp = d->req->compression;
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	int rc = -1;
	struct archive_entry *e;
	if (archive_read_open(a, d, NULL, dl_archive_read, NULL) !=
	        ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		if (!d->failed)
			dl_fail(d, DOWNLOAD_DECOMPRESS,
			        "Unable to decompress '%s' (%s): %s",
			        d->req->url, comp,
			        archive_error_string(a) ? archive_error_string(a)
			                                : "no data");
		goto out;
	}
	if (archive_filter_code(a, 0) != filter_code(comp)) {
		dl_fail(d, DOWNLOAD_DECOMPRESS,
		        "'%s' is not %s data (it looks like %s): make sure "
		        "the 'compression' is corresponding to the image file "
		        "type",
		        d->req->url, comp, archive_filter_name(a, 0));
		goto out;
	}
	char *buf = xmalloc(DL_CHUNK);
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, DL_CHUNK);
		if (n == 0) {
			rc = 0;
			break;
		}
		if (n < 0) {
			if (!d->failed)
				dl_fail(d, DOWNLOAD_DECOMPRESS,
				        "Unable to decompress '%s' (%s): %s "
				        "(a truncated or corrupt image)",
				        d->req->url, comp,
				        archive_error_string(a)
				                ? archive_error_string(a)
				                : "error");
			break;
		}
		if (dl_write_all(d, out, buf, (size_t)n) < 0)
			break;
	}
	free(buf);
out:
	archive_read_free(a);
	return d->failed ? -1 : rc;
}

static int
dl_copy(struct dl *d, int out)
{
	for (;;) {
		const void *p;
		ssize_t n = dl_next(d, &p);
		if (n <= 0)
			return n < 0 ? -1 : 0;
		if (dl_write_all(d, out, p, (size_t)n) < 0)
			return -1;
	}
}

static void
hex(char *out, const unsigned char *md, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

static int
dl_open_source(struct dl *d)
{
	const char *url = d->req->url;
	if (strncmp(url, "file://", 7) == 0) {
		const char *path = url + 7;
		char why[512];
		if (!file_policy_allows(d->req->files, path, why, sizeof why))
			return dl_fail(d, DOWNLOAD_FORBIDDEN, "%s", why);
		/* O_NONBLOCK: a FIFO must not hang the open; it is refused
		 * below, as a device is (/dev/zero never ends). */
		d->in_fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		struct stat st;
		if (d->in_fd < 0 || fstat(d->in_fd, &st) < 0)
			return dl_fail(d, DOWNLOAD_TRANSFER,
			               "Image file '%s' does not exist or is not "
			               "readable",
			               path);
		if (S_ISDIR(st.st_mode))
			return dl_fail(d, DOWNLOAD_TRANSFER,
			               "Download '%s' is a directory, not a file",
			               url);
		if (!S_ISREG(st.st_mode))
			return dl_fail(d, DOWNLOAD_TRANSFER,
			               "Download '%s' is not a regular file",
			               url);
		fcntl(d->in_fd, F_SETFL, 0);
		if (dl_over_cap(d, (uint64_t)st.st_size) < 0)
			return -1;
		d->res->size = st.st_size;
		d->chunk = xmalloc(DL_CHUNK);
		return 0;
	}
	if (strncmp(url, "http://", 7) != 0 &&
	    strncmp(url, "https://", 8) != 0)
		return dl_fail(d, DOWNLOAD_TRANSFER,
		               "Unsupported url protocol scheme: %s", url);
	d->multi = curl.multi_init();
	d->easy = curl.init();
	if (d->multi == NULL || d->easy == NULL)
		return dl_fail(d, DOWNLOAD_SETUP, "libcurl could not start");
	curl.multi_setopt(d->multi, CURLMOPT_SOCKETFUNCTION, dl_socket_cb);
	curl.multi_setopt(d->multi, CURLMOPT_SOCKETDATA, d);
	curl.multi_setopt(d->multi, CURLMOPT_TIMERFUNCTION, dl_timer_cb);
	curl.multi_setopt(d->multi, CURLMOPT_TIMERDATA, d);
	curl.setopt(d->easy, CURLOPT_URL, url);
	if (d->req->head)
		curl.setopt(d->easy, CURLOPT_NOBODY, 1L);
	/* A name still being resolved is left to its thread when the
	 * transfer is stopped: a cancel must not wait for the DNS. */
	curl.setopt(d->easy, CURLOPT_QUICK_EXIT, 1L);
	curl.setopt(d->easy, CURLOPT_WRITEFUNCTION, dl_write_cb);
	curl.setopt(d->easy, CURLOPT_WRITEDATA, d);
	curl.setopt(d->easy, CURLOPT_FAILONERROR, 1L);
	curl.setopt(d->easy, CURLOPT_FOLLOWLOCATION, 1L);
	curl.setopt(d->easy, CURLOPT_MAXREDIRS, 10L);
	curl.setopt(d->easy, CURLOPT_NOSIGNAL, 1L);
	curl.setopt(d->easy, CURLOPT_ERRORBUFFER, d->cerr);
	curl.setopt(d->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl.setopt(d->easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	/* Start-up bound; the transfer itself is bounded by the deadline. */
	curl.setopt(d->easy, CURLOPT_CONNECTTIMEOUT, 30L);
	if (curl.multi_add(d->multi, d->easy) != CURLM_OK)
		return dl_fail(d, DOWNLOAD_SETUP, "libcurl could not start");
	return 0;
}

static void
dl_close_source(struct dl *d)
{
	if (d->in_fd >= 0)
		close(d->in_fd);
	free(d->chunk);
	if (d->multi) {
		if (d->easy)
			curl.multi_remove(d->multi, d->easy);
		for (int i = 0; i < d->nsocks; i++)
			mux_remove_fd(d->req->mux, d->socks[i]);
		d->nsocks = 0;
		curl.multi_cleanup(d->multi);
	}
	if (d->easy)
		curl.cleanup(d->easy);
	if (d->timer_set)
		mux_cancel_timer(d->req->mux, d->timer);
	free(d->pending);
	free(d->given);
}

int
download_run(const struct download_req *req, struct download_res *res)
{
	memset(res, 0, sizeof *res);
	res->size = -1;
	struct dl d = {.req = req, .res = res, .in_fd = -1};
	if (curl_load(res->err, sizeof res->err) < 0 ||
	    evp_load(res->err, sizeof res->err) < 0) {
		res->status = DOWNLOAD_SETUP;
		return -1;
	}
	for (int i = 0; i < DG_N; i++) {
		d.dg[i] = evp.ctx_new();
		evp.init(d.dg[i], evp.byname(dg_names[i]), NULL);
	}
	int out = -1;
	if (dl_open_source(&d) == 0 && !req->head) {
		out = open(req->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		           0644);
		if (out < 0)
			dl_fail(&d, DOWNLOAD_WRITE, "Unable to create %s: %s",
			        req->path, strerror(errno));
	}
	if (!d.failed) {
		if (req->head && d.in_fd < 0)
			dl_copy(&d, -1); /* no body: only the status */
		else if (req->compression && !req->head)
			dl_decompress(&d, out);
		else if (!req->head)
			dl_copy(&d, out);
	}
	if (d.easy)
		curl.getinfo(d.easy, CURLINFO_RESPONSE_CODE, &res->http);
	if (out >= 0 && close(out) < 0)
		dl_fail(&d, DOWNLOAD_WRITE, "%s: %s", req->path,
		        strerror(errno));
	if (!d.failed && !req->head && res->size > 0 &&
	    (uint64_t)res->size != res->bytes)
		dl_fail(&d, DOWNLOAD_TRANSFER,
		        "Download finished (%llu bytes) but was not expected "
		        "size (%lld bytes), check your networking.",
		        (unsigned long long)res->bytes, (long long)res->size);
	char *outs[DG_N] = {res->md5, res->sha256, res->sha512};
	for (int i = 0; i < DG_N; i++) {
		unsigned char md[64];
		unsigned n = 0;
		evp.final(d.dg[i], md, &n);
		hex(outs[i], md, n);
		evp.ctx_free(d.dg[i]);
	}
	dl_close_source(&d);
	if (!d.failed)
		res->status = DOWNLOAD_OK;
	return d.failed ? -1 : 0;
}
