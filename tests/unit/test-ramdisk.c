/* test-ramdisk.c: the overlay appended to a cpio.newc ramdisk
 * (ramdisk_append): for each compression the ramdisk may have, the file
 * keeps its first archive byte for byte, then zeros up to a 512-byte
 * boundary, then a cpio.newc archive compressed the same way that holds
 * every entry of the overlay's tar.gz with its contents. */
#include <archive.h>
#include <archive_entry.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "action-qemu.h"
#include "util.h"

struct fx {
	char dir[64];
};

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/test-ramdisk.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char *cmd = xasprintf("rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f);
	return 0;
}

static void
add_entry(struct archive *a, const char *name, const char *data)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	if (data) {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0755);
		archive_entry_set_size(e, (la_int64_t)strlen(data));
	} else {
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, 0755);
		archive_entry_set_size(e, 0);
	}
	archive_entry_set_mtime(e, 1700000000, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK)
		fail_msg("%s: %s", name, archive_error_string(a));
	if (data)
		assert_int_equal(archive_write_data(a, data, strlen(data)),
		                 (la_ssize_t)strlen(data));
	archive_entry_free(e);
}

/* An archive at PATH: FORMAT (cpio newc or tar) through FILTER. */
static void
write_archive(const char *path, bool cpio, int filter, bool overlay)
{
	struct archive *a = archive_write_new();
	if (cpio)
		archive_write_set_format_cpio_newc(a);
	else
		archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_add_filter(a, filter), ARCHIVE_OK);
	archive_write_set_bytes_in_last_block(a, 1);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	if (overlay) {
		add_entry(a, "lava-7", NULL);
		add_entry(a, "lava-7/bin", NULL);
		add_entry(a, "lava-7/bin/lava-test-runner",
		          "#!/bin/sh\necho run\n");
		add_entry(a, "lava-7/environment", "export A=1\n");
	} else {
		add_entry(a, "init", "#!/bin/sh\nexec /bin/sh\n");
		add_entry(a, "etc", NULL);
		add_entry(a, "etc/inittab", "::sysinit:/etc/init.d/rcS\n");
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *in = fopen(path, "rb");
	assert_non_null(in);
	struct buf b;
	buf_init(&b);
	char tmp[65536];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, in)) > 0)
		buf_add(&b, tmp, n);
	fclose(in);
	*len = b.len;
	return buf_steal(&b);
}

/* Reads the cpio archive in DATA (compressed with FILTER) and checks it
 * holds the overlay's entries. */
static void
check_appended(const char *data, size_t len, int filter)
{
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_cpio(a);
	assert_int_equal(archive_read_open_memory(a, data, len), ARCHIVE_OK);
	struct archive_entry *e;
	int files = 0, dirs = 0;
	bool runner = false;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		if (archive_entry_filetype(e) == AE_IFDIR) {
			dirs++;
			continue;
		}
		files++;
		char buf[256];
		la_ssize_t n = archive_read_data(a, buf, sizeof buf - 1);
		assert_true(n >= 0);
		buf[n] = '\0';
		if (strcmp(archive_entry_pathname(e),
		           "lava-7/bin/lava-test-runner") == 0) {
			runner = true;
			assert_string_equal(buf, "#!/bin/sh\necho run\n");
			assert_int_equal(archive_entry_perm(e), 0755);
		}
	}
	assert_int_equal(archive_format(a) & ARCHIVE_FORMAT_BASE_MASK,
	                 ARCHIVE_FORMAT_CPIO);
	assert_int_equal(archive_format(a), ARCHIVE_FORMAT_CPIO_SVR4_NOCRC);
	assert_int_equal(archive_filter_code(a, 0), filter);
	assert_int_equal(files, 2);
	assert_int_equal(dirs, 2);
	assert_true(runner);
	archive_read_free(a);
}

static void
test_append(void **state)
{
	struct fx *f = *state;
	const int filters[] = {ARCHIVE_FILTER_NONE, ARCHIVE_FILTER_GZIP,
	                       ARCHIVE_FILTER_XZ, ARCHIVE_FILTER_ZSTD,
	                       ARCHIVE_FILTER_BZIP2};
	char *tgz = xasprintf("%s/overlay.tar.gz", f->dir);
	write_archive(tgz, false, ARCHIVE_FILTER_GZIP, true);
	for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
		char *img = xasprintf("%s/ramdisk-%zu.cpio", f->dir, i);
		write_archive(img, true, filters[i], false);
		size_t olen;
		char *orig = slurp(img, &olen);
		assert_int_equal(ramdisk_filter(img), filters[i]);
		char err[512] = "";
		if (ramdisk_append(img, tgz, ramdisk_filter(img), err,
		                   sizeof err) < 0)
			fail_msg("%s", err);
		size_t len;
		char *all = slurp(img, &len);
		/* The ramdisk as it was, zeros, then the overlay's archive. */
		assert_true(len > olen);
		assert_memory_equal(all, orig, olen);
		size_t at = (olen + 511) / 512 * 512;
		for (size_t k = olen; k < at; k++)
			assert_int_equal(all[k], 0);
		check_appended(all + at, len - at, filters[i]);
		free(all);
		free(orig);
		free(img);
	}
	free(tgz);
}

static void
test_append_errors(void **state)
{
	struct fx *f = *state;
	char err[512] = "";
	char *img = xasprintf("%s/ramdisk.cpio", f->dir);
	write_archive(img, true, ARCHIVE_FILTER_NONE, false);
	char *tgz = xasprintf("%s/missing.tar.gz", f->dir);
	assert_int_equal(
	    ramdisk_append(img, tgz, ARCHIVE_FILTER_NONE, err, sizeof err), -1);
	assert_non_null(strstr(err, "missing.tar.gz"));
	char *none = xasprintf("%s/none.cpio", f->dir);
	assert_int_equal(
	    ramdisk_append(none, tgz, ARCHIVE_FILTER_NONE, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "none.cpio"));
	assert_int_equal(ramdisk_filter(none), -1);
	free(none);
	free(tgz);
	free(img);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_append, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_append_errors, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
