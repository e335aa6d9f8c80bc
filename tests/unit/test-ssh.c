/* test-ssh.c: the pieces of issue 6 that need no sshd: secrets masked in
 * the job log as lava-run masks them ("[MASKED]", in plain records and
 * in result maps, however often and wherever they occur), authorize: ssh
 * (the public key as root/.ssh/authorized_keys, mode 600, in the overlay;
 * a private key refused and copied nowhere), and the rules of a primary
 * remote connection device (each a ConfigurationError naming its key). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>

#include "device.h"
#include "joblog.h"
#include "overlay.h"
#include "util.h"

static char *
log_of(void (*write)(struct joblog *), size_t *len)
{
	char path[] = "/tmp/test-ssh-log-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	struct joblog log;
	joblog_attach(&log, fd);
	write(&log);
	joblog_close(&log);
	close(fd);
	char *text = file_read(path, len);
	unlink(path);
	assert_non_null(text);
	return text;
}

static void
write_masked(struct joblog *log)
{
	joblog_mask_add(log, "s3cr3t");
	joblog_mask_add(log, "");       /* ignored, as lava-run does */
	joblog_mask_add(log, "s3cr3t"); /* once is enough */
	joblog_mask_add(log, "/keys/id_ed25519");
	const char *m = "token s3cr3t and s3cr3ts3cr3t, key /keys/id_ed25519";
	joblog_record(log, "target", m, strlen(m), NULL);
	const char *f = "{\"case\": \"s3cr3t\", \"result\": \"pass\"}";
	joblog_record_flow(log, "results", f, strlen(f));
	joblog_record(log, "info", "nothing here", 12, "ns");
}

static void
test_mask(void **state)
{
	(void)state;
	size_t len;
	char *text = log_of(write_masked, &len);
	assert_null(strstr(text, "s3cr3t"));
	assert_null(strstr(text, "id_ed25519"));
	assert_non_null(strstr(text, "\"msg\": \"token [MASKED] and "
	                             "[MASKED][MASKED], key [MASKED]\"}"));
	assert_non_null(strstr(text,
	                       "\"msg\": {\"case\": \"[MASKED]\", \"result\": "
	                       "\"pass\"}}"));
	assert_non_null(strstr(text, "\"msg\": \"nothing here\", \"ns\": "
	                             "\"ns\"}"));
	free(text);
}

#define TMPDIR_PREFIX "/tmp/test-ssh-"
#include "tmpdir.h"

static void
put(const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static const char job[] = "actions:\n"
                          "- deploy: {to: overlay, authorize: ssh}\n";
static const char pubkey[] =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHcEy0bXBmPMzz1a+jIIOfb7L5bBw8oD"
    "aS8mUeZ2O9lQ tether-test\n";
static const char privkey[] =
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "-----END OPENSSH PRIVATE KEY-----\n";

/* Builds the overlay with KEY (a file name in tmpdir) authorized; 0 or
 * -1, the members' names, modes and data in OUT ("name mode\ndata"). */
static int
build(const char *key, struct diags *d, struct buf *out)
{
	struct yerror err;
	struct ydoc *doc = ydoc_parse(job, strlen(job), &err);
	assert_non_null(doc);
	const char *top = getenv("TOP");
	char *share = xasprintf("%s/share/lava-test-shell", top ? top : ".");
	char *tgz = xasprintf("%s/overlay.tgz", tmpdir);
	char *kp = xasprintf("%s/%s", tmpdir, key);
	struct overlay_spec spec = {
	    .job = ydoc_root(doc),
	    .job_id = "1",
	    .share_dir = share,
	    .authorized_key = kp,
	};
	int rc = overlay_build(&spec, tgz, NULL, d);
	if (rc == 0) {
		struct archive *a = archive_read_new();
		struct archive_entry *e;
		archive_read_support_filter_gzip(a);
		archive_read_support_format_tar(a);
		assert_int_equal(archive_read_open_filename(a, tgz, 10240),
		                 ARCHIVE_OK);
		while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
			char chunk[4096];
			la_ssize_t r;
			buf_printf(out, "%s %o\n", archive_entry_pathname(e),
			           (unsigned)archive_entry_perm(e));
			while ((r = archive_read_data(a, chunk, sizeof chunk)) >
			       0)
				buf_add(out, chunk, (size_t)r);
		}
		archive_read_free(a);
		buf_addc(out, '\0');
	}
	unlink(tgz);
	free(kp);
	free(tgz);
	free(share);
	ydoc_free(doc);
	return rc;
}

static void
test_authorize(void **state)
{
	(void)state;
	put("id.pub", pubkey);
	struct diags d;
	diags_init(&d);
	struct buf out;
	buf_init(&out);
	assert_int_equal(build("id.pub", &d, &out), 0);
	assert_non_null(strstr(out.data, "root/ 700\n"));
	assert_non_null(strstr(out.data, "root/.ssh/ 700\n"));
	char *want = xasprintf("root/.ssh/authorized_keys 600\n%s", pubkey);
	assert_non_null(strstr(out.data, want));
	free(want);
	/* The overlay is still LAVA's. */
	assert_non_null(strstr(out.data, "lava-1/bin/lava-test-runner 755\n"));
	buf_free(&out);
	diags_free(&d);
}

static void
test_authorize_private(void **state)
{
	(void)state;
	put("id", privkey);
	struct diags d;
	diags_init(&d);
	struct buf out;
	buf_init(&out);
	assert_int_equal(build("id", &d, &out), -1);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].cls, ERR_CONFIGURATION);
	assert_non_null(strstr(d.v[0].msg, "is a private key; it is not "
	                                   "copied"));
	assert_null(strstr(d.v[0].msg, tmpdir));
	buf_free(&out);
	diags_free(&d);
}

static const char bad_primary[] =
    "constants: {}\n"
    "parameters: {}\n"
    "commands:\n"
    "  connections:\n"
    "    uart0: {connect: telnet localhost 7000, tags: [primary]}\n"
    "  power_off: pdu off 1\n"
    "actions:\n"
    "  deploy:\n"
    "    methods:\n"
    "      ssh: {host: board.lab, port: 22}\n"
    "      schroot: [sid]\n"
    "      tftp:\n"
    "  boot:\n"
    "    connections: {serial: , ssh: }\n"
    "    methods: {ssh: }\n"
    "timeouts: {actions: {}, connections: {}}\n";

static void
test_primary_rules(void **state)
{
	(void)state;
	struct device dev;
	struct diags d;
	diags_init(&d);
	assert_int_equal(
	    device_load(&dev, bad_primary, strlen(bad_primary), &d), 3);
	const char *want[] = {"actions.deploy.methods.tftp",
	                      "commands.connections", "commands.power_off"};
	for (size_t i = 0; i < 3; i++) {
		bool found = false;
		for (size_t k = 0; k < d.n; k++)
			if (strcmp(d.v[k].path, want[i]) == 0 &&
			    d.v[k].cls == ERR_CONFIGURATION)
				found = true;
		if (!found)
			fail_msg("no ConfigurationError at %s", want[i]);
	}
	device_free(&dev);
	diags_free(&d);

	/* The same device without a host is a secondary one: no rule. */
	char *secondary = xstrdup(bad_primary);
	char *h = strstr(secondary, "host: board.lab");
	memcpy(h, "host: ''       ", 15);
	diags_init(&d);
	assert_int_equal(device_load(&dev, secondary, strlen(secondary), &d),
	                 0);
	device_free(&dev);
	diags_free(&d);
	free(secondary);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mask),
	    cmocka_unit_test_setup_teardown(test_authorize, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_authorize_private, setup,
	                                    teardown),
	    cmocka_unit_test(test_primary_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
