/* test-download.c: download_run(), the images of a deploy to: tmpfs: from
 * file:// and from http:// served by tether's own HTTP server in the same
 * mux (the transfer and the server share one loop, as a download and the
 * device's connections do in a job), with each compression undone while
 * it streams, the digests, and the failures: a 404, a truncated
 * compressed image, data that is not what compression: says; the caps
 * (max_download_bytes, max_image_bytes), HEAD checks, a server that never
 * answers (deadline, stop) and a file:// that is a FIFO. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "download.h"
#include "httpd.h"
#include "mux.h"
#include "util.h"

#define DATA_SIZE ((1u << 20) + (256u << 10))

struct fx {
	char dir[64];
	char *data;
	size_t len;
	struct mux *mux;
	struct httpd *httpd;
	uint64_t calls;
};

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/test-download.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	/* Compressible but not trivial: text with a counter. */
	f->len = DATA_SIZE;
	f->data = xmalloc(f->len);
	size_t off = 0;
	for (unsigned i = 0; off < f->len; i++) {
		char line[64];
		int n = snprintf(line, sizeof line, "line %u of the image %x\n",
		                 i, i * 2654435761u);
		size_t take =
		    (size_t)n < f->len - off ? (size_t)n : f->len - off;
		memcpy(f->data + off, line, take);
		off += take;
	}
	f->mux = mux_new();
	char err[256];
	f->httpd = httpd_start(f->mux, "127.0.0.1:0", err, sizeof err);
	assert_non_null(f->httpd);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	httpd_stop(f->httpd);
	mux_free(f->mux);
	char *cmd = xasprintf("rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f->data);
	free(f);
	return 0;
}

/* Writes LEN bytes of DATA to DIR/NAME through libarchive's FILTER (raw
 * format: the bytes themselves, compressed). */
static void
write_file(struct fx *f, const char *name, int filter, size_t cut)
{
	char *path = xasprintf("%s/%s", f->dir, name);
	if (filter == ARCHIVE_FILTER_NONE) {
		FILE *o = fopen(path, "wb");
		assert_non_null(o);
		assert_int_equal(fwrite(f->data, 1, f->len, o), f->len);
		fclose(o);
	} else {
		struct archive *a = archive_write_new();
		archive_write_set_format_raw(a);
		assert_int_equal(archive_write_add_filter(a, filter),
		                 ARCHIVE_OK);
		archive_write_set_bytes_in_last_block(a, 1);
		assert_int_equal(archive_write_open_filename(a, path),
		                 ARCHIVE_OK);
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, "data");
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_size(e, (la_int64_t)f->len);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, f->data, f->len),
		                 (la_ssize_t)f->len);
		archive_entry_free(e);
		assert_int_equal(archive_write_close(a), ARCHIVE_OK);
		archive_write_free(a);
	}
	if (cut) {
		struct stat st;
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(truncate(path, st.st_size - (off_t)cut), 0);
	}
	free(path);
}

static void
on_progress(void *arg, uint64_t done, int64_t total)
{
	struct fx *f = arg;
	(void)done;
	(void)total;
	f->calls++;
}

static int
fetch(struct fx *f, const char *url, const char *comp, struct download_res *res)
{
	char *out = xasprintf("%s/out", f->dir);
	struct download_req req = {
	    .url = url,
	    .path = out,
	    .compression = comp,
	    .mux = f->mux,
	    .deadline_ns = mux_now() + 30ULL * 1000000000ULL,
	    .progress = on_progress,
	    .arg = f,
	};
	int rc = download_run(&req, res);
	free(out);
	return rc;
}

static void
assert_out_is_data(struct fx *f)
{
	char *out = xasprintf("%s/out", f->dir);
	FILE *in = fopen(out, "rb");
	assert_non_null(in);
	char *got = xmalloc(f->len + 1);
	size_t n = fread(got, 1, f->len + 1, in);
	fclose(in);
	assert_int_equal(n, f->len);
	assert_memory_equal(got, f->data, f->len);
	free(got);
	free(out);
}

/* The server hands out only what is published (a file gone is 404). */
static char *
url_of(struct fx *f, bool http, const char *name)
{
	if (http) {
		char *file = xasprintf("%s/%s", f->dir, name);
		const char *path = httpd_publish(f->httpd, file, name);
		assert_non_null(path);
		free(file);
		return xasprintf("http://%s%s", httpd_address(f->httpd), path);
	}
	return xasprintf("file://%s/%s", f->dir, name);
}

static const struct {
	const char *comp, *file;
	int filter;
} kinds[] = {
    {NULL, "img", ARCHIVE_FILTER_NONE},
    {"gz", "img.gz", ARCHIVE_FILTER_GZIP},
    {"xz", "img.xz", ARCHIVE_FILTER_XZ},
    {"zstd", "img.zst", ARCHIVE_FILTER_ZSTD},
    {"bz2", "img.bz2", ARCHIVE_FILTER_BZIP2},
};

static void
each_compression(void **state, bool http)
{
	struct fx *f = *state;
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		write_file(f, kinds[i].file, kinds[i].filter, 0);
		char *url = url_of(f, http, kinds[i].file);
		struct download_res res;
		f->calls = 0;
		int rc = fetch(f, url, kinds[i].comp, &res);
		if (rc != 0)
			fail_msg("%s: %s", url, res.err);
		assert_int_equal(res.status, DOWNLOAD_OK);
		assert_int_equal(res.written, f->len);
		struct stat st;
		char *p = xasprintf("%s/%s", f->dir, kinds[i].file);
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(res.bytes, (uint64_t)st.st_size);
		assert_int_equal(res.size, st.st_size);
		assert_true(f->calls > 0);
		assert_out_is_data(f);
		free(p);
		free(url);
	}
}

static void
test_file_compressions(void **state)
{
	each_compression(state, false);
}

static void
test_http_compressions(void **state)
{
	each_compression(state, true);
}

static void
test_digests(void **state)
{
	struct fx *f = *state;
	char *path = xasprintf("%s/abc", f->dir);
	FILE *o = fopen(path, "wb");
	fputs("abc", o);
	fclose(o);
	char *url = url_of(f, true, "abc");
	struct download_res res;
	assert_int_equal(fetch(f, url, NULL, &res), 0);
	assert_string_equal(res.md5, "900150983cd24fb0d6963f7d28e17f72");
	assert_string_equal(
	    res.sha256,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(strlen(res.sha512), 128);
	assert_memory_equal(res.sha512, "ddaf35a193617aba", 16);
	free(url);
	free(path);
}

static void
test_http_404(void **state)
{
	struct fx *f = *state;
	char *url = url_of(f, true, "missing.img");
	struct download_res res;
	assert_int_equal(fetch(f, url, NULL, &res), -1);
	assert_int_equal(res.status, DOWNLOAD_HTTP);
	assert_int_equal(res.http, 404);
	assert_non_null(strstr(res.err, url));
	assert_non_null(strstr(res.err, "404"));
	free(url);
}

static void
test_file_missing(void **state)
{
	struct fx *f = *state;
	char *url = url_of(f, false, "missing.img");
	struct download_res res;
	assert_int_equal(fetch(f, url, "gz", &res), -1);
	assert_int_equal(res.status, DOWNLOAD_TRANSFER);
	assert_non_null(strstr(res.err, "missing.img"));
	free(url);
}

static void
test_truncated(void **state)
{
	struct fx *f = *state;
	for (size_t i = 1; i < sizeof kinds / sizeof kinds[0]; i++) {
		write_file(f, kinds[i].file, kinds[i].filter, 4096);
		for (int http = 0; http < 2; http++) {
			char *url = url_of(f, http, kinds[i].file);
			struct download_res res;
			assert_int_equal(fetch(f, url, kinds[i].comp, &res),
			                 -1);
			if (res.status != DOWNLOAD_DECOMPRESS)
				fail_msg("%s: %d %s", url, res.status, res.err);
			assert_non_null(strstr(res.err, url));
			free(url);
		}
	}
}

static void
test_not_compressed(void **state)
{
	struct fx *f = *state;
	write_file(f, "plain", ARCHIVE_FILTER_NONE, 0);
	char *url = url_of(f, false, "plain");
	struct download_res res;
	assert_int_equal(fetch(f, url, "xz", &res), -1);
	assert_int_equal(res.status, DOWNLOAD_DECOMPRESS);
	assert_non_null(strstr(res.err, "is not xz data"));
	free(url);
}

static void
test_caps(void **state)
{
	struct fx *f = *state;
	write_file(f, "img.gz", ARCHIVE_FILTER_GZIP, 0);
	write_file(f, "img", ARCHIVE_FILTER_NONE, 0);
	char *out = xasprintf("%s/out", f->dir);
	for (int http = 0; http < 2; http++) {
		/* The compressed bytes, refused from the size announced. */
		char *url = url_of(f, http, "img");
		struct download_req req = {
		    .url = url,
		    .path = out,
		    .mux = f->mux,
		    .deadline_ns = mux_now() + 30ULL * 1000000000ULL,
		    .max_bytes = 4096,
		};
		struct download_res res;
		assert_int_equal(download_run(&req, &res), -1);
		assert_int_equal(res.status, DOWNLOAD_TOO_BIG);
		assert_non_null(strstr(res.err, "max_download_bytes (4096"));
		assert_true(res.bytes <= 4096);
		free(url);
		/* Decompressed: a small gzip over the image cap. */
		url = url_of(f, http, "img.gz");
		req.url = url;
		req.compression = "gz";
		req.max_bytes = 0;
		req.max_written = 100000;
		assert_int_equal(download_run(&req, &res), -1);
		assert_int_equal(res.status, DOWNLOAD_TOO_BIG);
		assert_non_null(strstr(res.err, "max_image_bytes"));
		assert_true(res.written <= 100000);
		/* At the size exactly, it passes. */
		req.max_written = f->len;
		assert_int_equal(download_run(&req, &res), 0);
		free(url);
	}
	free(out);
}

static void
test_head(void **state)
{
	struct fx *f = *state;
	write_file(f, "img", ARCHIVE_FILTER_NONE, 0);
	char *url = url_of(f, true, "img");
	struct download_req req = {
	    .url = url,
	    .mux = f->mux,
	    .deadline_ns = mux_now() + 30ULL * 1000000000ULL,
	    .head = true,
	};
	struct download_res res;
	assert_int_equal(download_run(&req, &res), 0);
	assert_int_equal(res.http, 200);
	assert_int_equal(res.bytes, 0);
	free(url);
	url = url_of(f, true, "missing");
	req.url = url;
	assert_int_equal(download_run(&req, &res), -1);
	assert_int_equal(res.status, DOWNLOAD_HTTP);
	assert_int_equal(res.http, 404);
	free(url);
}

/* A cancel as tether run gets one: a signal (SIGALRM here) that
 * interrupts the wait and sets a flag. */
static volatile sig_atomic_t alarmed;

static void
on_alarm(int sig)
{
	alarmed = sig;
}

static bool
stop_on_signal(void *arg)
{
	(void)arg;
	return alarmed != 0;
}

/* A server that accepts (the kernel's backlog does) and never answers:
 * the transfer ends at the deadline or on stop, and the mux's other
 * descriptors are served meanwhile (the server is in the same mux). */
static void
test_hung(void **state)
{
	struct fx *f = *state;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof sa;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(s, 4), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &len), 0);
	char *url = xasprintf("http://127.0.0.1:%d/img", ntohs(sa.sin_port));
	char *out = xasprintf("%s/out", f->dir);
	for (int head = 0; head < 2; head++) {
		for (int stop = 0; stop < 2; stop++) {
			uint64_t t0 = mux_now();
			alarmed = 0;
			struct sigaction sa_alrm = {.sa_handler = on_alarm};
			sigaction(SIGALRM, &sa_alrm, NULL);
			struct itimerval it = {.it_value = {0, 300000}};
			if (stop)
				setitimer(ITIMER_REAL, &it, NULL);
			struct download_req req = {
			    .url = url,
			    .path = out,
			    .mux = f->mux,
			    .deadline_ns =
			        t0 + (stop ? 30000000000ULL : 300000000ULL),
			    .stop = stop ? stop_on_signal : NULL,
			    .head = head,
			};
			struct download_res res;
			assert_int_equal(download_run(&req, &res), -1);
			assert_int_equal(res.status, stop ? DOWNLOAD_CANCELED
			                                  : DOWNLOAD_TIMEOUT);
			double secs = (double)(mux_now() - t0) / 1e9;
			if (secs > 1.0)
				fail_msg("ended after %.2f s", secs);
		}
	}
	free(out);
	free(url);
	close(s);
}

static void
test_fifo(void **state)
{
	struct fx *f = *state;
	char *fifo = xasprintf("%s/fifo", f->dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	char *url = xasprintf("file://%s", fifo);
	struct download_res res;
	assert_int_equal(fetch(f, url, NULL, &res), -1);
	assert_int_equal(res.status, DOWNLOAD_TRANSFER);
	assert_non_null(strstr(res.err, "is not a regular file"));
	assert_int_equal(fetch(f, "file:///dev/zero", NULL, &res), -1);
	assert_non_null(strstr(res.err, "is not a regular file"));
	free(url);
	free(fifo);
}

int
main(int argc, char **argv)
{
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_file_compressions, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_http_compressions, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_digests, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_http_404, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_missing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_caps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_head, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hung, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fifo, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_compressed, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
