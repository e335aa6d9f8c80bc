/* test-overlay.c: overlays for inline, git (a real repository made here
 * with the git program) and file:// url definitions, unpacked with
 * libarchive and compared byte for byte: the layout, run.sh,
 * install.sh, environment, lava-test-runner.conf, uuid and
 * testdef_metadata (the oracle's sample where it has one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>

#include "mux.h"
#include "overlay.h"
#include "util.h"

/* An unpacked overlay: names (directories end in '/') and contents. */
struct unpacked {
	char **names, **data;
	unsigned *modes;
	size_t n;
};

static void
unpack(const char *tgz, struct unpacked *u)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	memset(u, 0, sizeof *u);
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_filename(a, tgz, 10240), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		struct buf b;
		char chunk[4096];
		la_ssize_t r;
		buf_init(&b);
		while ((r = archive_read_data(a, chunk, sizeof chunk)) > 0)
			buf_add(&b, chunk, (size_t)r);
		u->names = xreallocarray(u->names, u->n + 1, sizeof *u->names);
		u->data = xreallocarray(u->data, u->n + 1, sizeof *u->data);
		u->modes = xreallocarray(u->modes, u->n + 1, sizeof *u->modes);
		const char *name = archive_entry_pathname(e);
		bool dir = archive_entry_filetype(e) == AE_IFDIR &&
		           name[strlen(name) - 1] != '/';
		u->names[u->n] = xasprintf("%s%s", name, dir ? "/" : "");
		assert_string_equal(archive_entry_uname(e), "root");
		u->modes[u->n] = archive_entry_perm(e);
		u->data[u->n++] = b.data ? buf_steal(&b) : xstrdup("");
		buf_free(&b);
	}
	archive_read_free(a);
}

static void
unpacked_free(struct unpacked *u)
{
	for (size_t i = 0; i < u->n; i++) {
		free(u->names[i]);
		free(u->data[i]);
	}
	free(u->names);
	free(u->data);
	free(u->modes);
}

static const char *
member(const struct unpacked *u, const char *name)
{
	for (size_t i = 0; i < u->n; i++)
		if (strcmp(u->names[i], name) == 0)
			return u->data[i];
	return NULL;
}

static void
assert_member(const struct unpacked *u, const char *name, const char *want)
{
	const char *got = member(u, name);
	if (got == NULL)
		fail_msg("no %s in the overlay", name);
	assert_string_equal(got, want);
}

static char *
share_dir(void)
{
	const char *top = getenv("TOP");
	return xasprintf("%s/share/lava-test-shell", top ? top : ".");
}

#define TMPDIR_PREFIX "/tmp/test-overlay-"
#include "tmpdir.h"

static void
sh(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *cmd = xvasprintf(fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("failed: %s", cmd);
	free(cmd);
}

static char *
sh_out(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char line[256] = "";
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof line, p));
	pclose(p);
	line[strcspn(line, "\n")] = '\0';
	return xstrdup(line);
}

/* Builds the overlay of JOB (YAML text) into tmpdir/overlay.tgz, with
 * EXTRA's mux, deadline, stop hook and caps when not NULL. */
static int
build_with(const char *job, const char *device, struct unpacked *u,
           struct overlay_layout *l, struct diags *d,
           const struct overlay_spec *extra)
{
	struct yerror err;
	struct ydoc *doc = ydoc_parse(job, strlen(job), &err);
	struct device dev;
	char *share = share_dir();
	char *out = xasprintf("%s/overlay.tgz", tmpdir);
	assert_non_null(doc);
	if (device && device_load(&dev, device, strlen(device), d) != 0) {
		diags_print(d, "device", stderr);
		fail();
	}
	struct overlay_spec spec = {
	    .job = ydoc_root(doc),
	    .job_id = "1",
	    .dev = device ? &dev : NULL,
	    .share_dir = share,
	    .dispatcher_ip = "127.0.0.1",
	};
	if (extra) {
		spec.mux = extra->mux;
		spec.deadline_ns = extra->deadline_ns;
		spec.stop = extra->stop;
		spec.stop_arg = extra->stop_arg;
		spec.max_download_bytes = extra->max_download_bytes;
		spec.max_archive_bytes = extra->max_archive_bytes;
		spec.max_archive_entries = extra->max_archive_entries;
	}
	int rc = overlay_build(&spec, out, l, d);
	if (rc == 0)
		unpack(out, u);
	unlink(out);
	if (device)
		device_free(&dev);
	free(out);
	free(share);
	ydoc_free(doc);
	return rc;
}

static int
build(const char *job, const char *device, struct unpacked *u,
      struct overlay_layout *l, struct diags *d)
{
	return build_with(job, device, u, l, d, NULL);
}

/* The oracle's sim-basic job. */
static const char sim_basic[] =
    "actions:\n"
    "- deploy: {to: overlay}\n"
    "- test:\n"
    "    definitions:\n"
    "    - from: inline\n"
    "      name: smoke-inline\n"
    "      path: inline/smoke-inline.yaml\n"
    "      repository:\n"
    "        metadata:\n"
    "          format: Lava-Test Test Definition 1.0\n"
    "          name: smoke-inline\n"
    "          description: \"inline smoke tests on the simulated DUT\"\n"
    "        run:\n"
    "          steps:\n"
    "          - lava-test-case always-pass --shell true\n"
    "          - lava-test-case uname --shell uname -a\n"
    "          - lava-test-case always-fail --shell false\n"
    "          - lava-test-case measured --result pass --measurement 42.5 "
    "--units ms\n"
    "          - lava-test-set start subset1\n"
    "          - lava-test-case in-subset --result skip\n"
    "          - lava-test-set stop\n"
    "          - echo \"done with smoke-inline\"\n";

static void
test_inline_sample(void **state)
{
	(void)state;
	struct unpacked u;
	struct overlay_layout l;
	struct diags d;
	diags_init(&d);
	assert_int_equal(build(sim_basic, NULL, &u, &l, &d), 0);

	/* The oracle's file list, less lava/lava.pub (ssh keys: not
	 * the overlay's). */
	static const char *const want[] = {
	    "lava-1/",
	    "lava-1/0/",
	    "lava-1/0/lava-test-runner.conf",
	    "lava-1/0/tests/",
	    "lava-1/0/tests/0_smoke-inline/",
	    "lava-1/0/tests/0_smoke-inline/inline/",
	    "lava-1/0/tests/0_smoke-inline/inline/smoke-inline.yaml",
	    "lava-1/0/tests/0_smoke-inline/run.sh",
	    "lava-1/0/tests/0_smoke-inline/testdef.yaml",
	    "lava-1/0/tests/0_smoke-inline/testdef_metadata",
	    "lava-1/0/tests/0_smoke-inline/uuid",
	    "lava-1/bin/",
	    "lava-1/bin/lava-add-keys",
	    "lava-1/bin/lava-add-sources",
	    "lava-1/bin/lava-background-process-start",
	    "lava-1/bin/lava-background-process-stop",
	    "lava-1/bin/lava-common-functions",
	    "lava-1/bin/lava-echo-ipv4",
	    "lava-1/bin/lava-install-packages",
	    "lava-1/bin/lava-installed-packages",
	    "lava-1/bin/lava-os-build",
	    "lava-1/bin/lava-probe-channel",
	    "lava-1/bin/lava-probe-ip",
	    "lava-1/bin/lava-target-ip",
	    "lava-1/bin/lava-target-mac",
	    "lava-1/bin/lava-target-storage",
	    "lava-1/bin/lava-test-case",
	    "lava-1/bin/lava-test-event",
	    "lava-1/bin/lava-test-feedback",
	    "lava-1/bin/lava-test-raise",
	    "lava-1/bin/lava-test-reference",
	    "lava-1/bin/lava-test-runner",
	    "lava-1/bin/lava-test-set",
	    "lava-1/bin/lava-test-shell",
	    "lava-1/environment",
	    "lava-1/results/",
	    "lava-1/tests/",
	};
	size_t nwant = sizeof want / sizeof want[0];
	for (size_t i = 0; i < nwant && i < u.n; i++)
		assert_string_equal(u.names[i], want[i]);
	assert_int_equal(u.n, nwant);
	for (size_t i = 0; i < u.n; i++)
		assert_int_equal(u.modes[i],
		                 strstr(u.names[i], "/bin/lava-") ||
		                         u.names[i][strlen(u.names[i]) - 1] ==
		                             '/'
		                     ? 0755
		                     : 0644);

	assert_member(&u, "lava-1/0/lava-test-runner.conf",
	              "/lava-1/0/tests/0_smoke-inline\n");
	assert_member(&u, "lava-1/0/tests/0_smoke-inline/uuid", "1_1.4.1");
	assert_member(&u, "lava-1/0/tests/0_smoke-inline/testdef_metadata",
	              "branch_vcs: inline\n"
	              "devices: ''\n"
	              "environment: ''\n"
	              "os: ''\n"
	              "project_name: smoke-inline\n");
	/* The oracle's, with LAVA's later `UUID="$(cat uuid)"` (spec). */
	assert_member(&u, "lava-1/0/tests/0_smoke-inline/run.sh",
	              "###default parameters from test definition###\n"
	              "######\n"
	              "###test parameters from job submission###\n"
	              "######\n"
	              "set -e\n"
	              "set -x\n"
	              "export TESTRUN_ID=0_smoke-inline\n"
	              "cd /lava-1/0/tests/0_smoke-inline\n"
	              "UUID=\"$(cat uuid)\"\n"
	              "set +x\n"
	              "echo \"<LAVA_SIGNAL_STARTRUN $TESTRUN_ID $UUID>\"\n"
	              "set -x\n"
	              "lava-test-case always-pass --shell true\n"
	              "lava-test-case uname --shell uname -a\n"
	              "lava-test-case always-fail --shell false\n"
	              "lava-test-case measured --result pass --measurement "
	              "42.5 --units ms\n"
	              "lava-test-set start subset1\n"
	              "lava-test-case in-subset --result skip\n"
	              "lava-test-set stop\n"
	              "echo \"done with smoke-inline\"\n"
	              "set +x\n"
	              "echo \"<LAVA_SIGNAL_ENDRUN $TESTRUN_ID $UUID>\"\n");
	/* yaml.safe_dump of the definition: the sample's 475 bytes. */
	const char *def = member(
	    &u, "lava-1/0/tests/0_smoke-inline/inline/smoke-inline.yaml");
	assert_non_null(def);
	assert_int_equal(strlen(def), 475);
	assert_string_equal(
	    def, member(&u, "lava-1/0/tests/0_smoke-inline/testdef.yaml"));
	assert_true(
	    strncmp(def, "metadata:\n  description: inline smoke", 36) == 0);
	assert_member(&u, "lava-1/environment",
	              "export LAVA_JOB_ID=1\n"
	              "export LAVA_DISPATCHER_IP=127.0.0.1\n"
	              "export LAVA_DISPATCHER_PREFIX=''\n");
	/* The helpers: "#!/bin/sh" and the body of ours. */
	const char *runner = member(&u, "lava-1/bin/lava-test-runner");
	assert_non_null(runner);
	assert_true(strncmp(runner, "#!/bin/sh\n# lava-test-runner:", 29) == 0);
	assert_member(&u, "lava-1/bin/lava-target-ip",
	              "#!/bin/sh\n"
	              "TARGET_DEVICE_IP=''\n"
	              "# lava-target-ip: prints the device's IP address "
	              "(interfaces.target.ip).\n"
	              "# The overlay builder writes TARGET_DEVICE_IP='...' "
	              "above this line.\n"
	              "printf '%s\\n' \"${TARGET_DEVICE_IP:-}\"\n");

	assert_int_equal(l.ntests, 1);
	assert_int_equal(l.nstages, 1);
	assert_string_equal(l.results_dir, "/lava-1");
	assert_string_equal(l.tests[0].testrun, "0_smoke-inline");
	assert_string_equal(l.tests[0].runner_path,
	                    "/lava-1/0/tests/0_smoke-inline");
	assert_null(l.tests[0].repository);
	assert_int_equal(l.tests[0].testdef_len, 475);
	assert_string_equal(l.tests[0].testdef_text, def);
	overlay_layout_free(&l);
	unpacked_free(&u);
	diags_free(&d);
}

/* Stages, indexes, params, install, kmsg, the environment from the job
 * and the device, secrets, $N escaping, a device's own shell and
 * results dir. */
static const char stages_job[] =
    "environment: {FOO: bar baz, N: 0x10, ON: true, L: [a, \"it's\"]}\n"
    "secrets: {TOKEN: s3cret}\n"
    "tags: [t1]\n"
    "actions:\n"
    "- test:\n"
    "    definitions:\n"
    "    - from: inline\n"
    "      name: first\n"
    "      path: first.yaml\n"
    "      lava-signal: kmsg\n"
    "      parameters: {JOBP: 'x y'}\n"
    "      params: {FLAG: true}\n"
    "      skip_install: [sources]\n"
    "      repository:\n"
    "        metadata: {format: Lava-Test Test Definition 1.0, name: "
    "first, os: [debian]}\n"
    "        params: {A: 017, B: null}\n"
    "        parameters: {C: c, D: [a, 1, null, \"it's\", {k: true}]}\n"
    "        install:\n"
    "          keys: [k1]\n"
    "          sources: [s1]\n"
    "          deps: [curl, git]\n"
    "          steps: [make]\n"
    "        run:\n"
    "          steps:\n"
    "          - lava-test-case sum --shell awk '{print $1}' $2x $3\n"
    "          - echo $1\n"
    "- test:\n"
    "    namespace: other\n"
    "    definitions:\n"
    "    - {from: inline, name: elsewhere, path: e.yaml, repository: "
    "{metadata: {name: e}}}\n"
    "- test:\n"
    "    definitions:\n"
    "    - from: inline\n"
    "      name: second\n"
    "      path: s.yaml\n"
    "      repository: {metadata: {name: second}, run: {steps: [true]}}\n";

static const char stages_device[] =
    "hostname: board1\n"
    "devicetype: bbb\n"
    "constants:\n"
    "  posix:\n"
    "    lava_test_results_dir: /var/lava-%s\n"
    "    lava_test_sh_cmd: /bin/bash\n"
    "parameters:\n"
    "  interfaces: {target: {ip: 10.0.0.2, mac: '00:11'}}\n"
    "environment: {DEV: 1}\n"
    "storage_info: [{SATA: /dev/sda}]\n"
    "character_delays: {test: 30}\n"
    "commands: {connect: telnet localhost 7000}\n"
    "actions: {deploy: {methods: {overlay: }}, boot: {connections: {serial: }, "
    "methods: {minimal: }}}\n"
    "timeouts: {actions: {}, connections: {}}\n";

static void
test_stages(void **state)
{
	(void)state;
	struct unpacked u;
	struct overlay_layout l;
	struct diags d;
	diags_init(&d);
	int rc = build(stages_job, stages_device, &u, &l, &d);
	if (rc != 0)
		diags_print(&d, "job", stderr);
	assert_int_equal(rc, 0);
	assert_int_equal(l.nstages, 2);
	assert_int_equal(l.ntests, 2);
	assert_string_equal(l.tests[1].testrun, "1_second");
	assert_int_equal(l.tests[1].stage, 1);
	assert_string_equal(l.tests[1].uuid, "1_1.4.5");
	/* No entry for /var: unpacking at / must not change its mode. */
	assert_null(member(&u, "var/"));
	assert_non_null(member(&u, "var/lava-1/"));
	assert_member(&u, "var/lava-1/0/lava-test-runner.conf",
	              "/var/lava-1/0/tests/0_first\n");
	assert_member(&u, "var/lava-1/1/lava-test-runner.conf",
	              "/var/lava-1/1/tests/1_second\n");
	assert_member(&u, "var/lava-1/1/tests/1_second/uuid", "1_1.4.5");
	assert_null(member(&u, "var/lava-1/1/tests/1_second/install.sh"));
	assert_null(member(&u, "var/lava-1/secrets/"));
	assert_member(&u, "var/lava-1/secrets", "TOKEN=s3cret\n");
	assert_member(&u, "var/lava-1/environment",
	              "export DEV=1\n"
	              "export LAVA_STORAGE_INFO_0_SATA=/dev/sda\n"
	              "export FOO='bar baz'\n"
	              "export N=16\n"
	              "export ON=1\n"
	              "export L_0=a\n"
	              "export L_1='it'\"'\"'s'\n"
	              "export LAVA_JOB_ID=1\n"
	              "export LAVA_DISPATCHER_IP=127.0.0.1\n"
	              "export LAVA_JOB_TAGS_0=t1\n"
	              "export LAVA_DISPATCHER_PREFIX=''\n"
	              "export LAVA_DEVICE_HOSTNAME=board1\n"
	              "export LAVA_DEVICE_TYPE=bbb\n");
	const char *pre = "###default parameters from test definition###\n"
	                  "A='15'\n"
	                  "B=''\n"
	                  "C='c'\n"
	                  "D='['a', 1, None, \"it's\", {'k': True}]'\n"
	                  "######\n"
	                  "###test parameters from job submission###\n"
	                  "JOBP='x y'\n"
	                  "FLAG='True'\n"
	                  "######\n";
	char *want = xasprintf("%s"
	                       "lava-add-keys k1\n"
	                       "lava-install-packages curl git \n"
	                       "cd /var/lava-1/0/tests/0_first\n"
	                       "pwd\n"
	                       "make\n",
	                       pre);
	assert_member(&u, "var/lava-1/0/tests/0_first/install.sh", want);
	free(want);
	want = xasprintf(
	    "%s"
	    "set -e\n"
	    "set -x\n"
	    "export TESTRUN_ID=0_first\n"
	    "cd /var/lava-1/0/tests/0_first\n"
	    "UUID=\"$(cat uuid)\"\n"
	    "set +x\n"
	    "export CHARACTER_DELAY=0.03\n"
	    "sleep 0.03\n"
	    "# USE_KMSG\n"
	    "export KMSG=true\n"
	    "echo \"<0><LAVA_SIGNAL_STARTRUN $TESTRUN_ID $UUID>\" > /dev/kmsg\n"
	    "set -x\n"
	    "lava-test-case sum --shell awk '{print \\$1}' $2x \\$3\n"
	    "echo $1\n"
	    "set +x\n"
	    "sleep 0.03\n"
	    "unset KMSG\n"
	    "echo \"<0><LAVA_SIGNAL_ENDRUN $TESTRUN_ID $UUID>\" > /dev/kmsg\n",
	    pre);
	assert_member(&u, "var/lava-1/0/tests/0_first/run.sh", want);
	free(want);
	assert_member(&u, "var/lava-1/0/tests/0_first/testdef_metadata",
	              "branch_vcs: inline\n"
	              "devices: ''\n"
	              "environment: ''\n"
	              "os:\n"
	              "- debian\n"
	              "project_name: first\n");
	assert_member(&u, "var/lava-1/bin/lava-target-mac",
	              "#!/bin/bash\n"
	              "TARGET_DEVICE_MAC='00:11'\n"
	              "# lava-target-mac: prints the device's MAC address "
	              "(interfaces.target.mac).\n"
	              "# The overlay builder writes TARGET_DEVICE_MAC='...' "
	              "above this line.\n"
	              "printf '%s\\n' \"${TARGET_DEVICE_MAC:-}\"\n");
	const char *st = member(&u, "var/lava-1/bin/lava-target-storage");
	assert_non_null(st);
	assert_true(strncmp(st,
	                    "#!/bin/bash\nLAVA_STORAGE=\"\n\\tSATA\\t/dev/sda\n"
	                    "\"\n# lava-target-storage",
	                    62) == 0);
	/* The other namespace's definition is not in this overlay. */
	for (size_t i = 0; i < u.n; i++)
		assert_null(strstr(u.names[i], "elsewhere"));
	overlay_layout_free(&l);
	unpacked_free(&u);
	diags_free(&d);
}

static const char testdef_v1[] =
    "metadata: {format: Lava-Test Test Definition 1.0, name: git-def}\n"
    "run: {steps: [echo v1]}\n";

/* A repository with three commits on master (tagged v1 at the first)
 * and a branch "feature". */
static char *
make_repo(char **first)
{
	char *repo = xasprintf("%s/repo", tmpdir);
	sh("set -e; git init -q -b master '%s'; cd '%s';"
	   " git config user.email t@example.com; git config user.name t;"
	   " mkdir -p defs; printf '%%s' '%s' > defs/t.yaml;"
	   " git add defs; git commit -q -m one; git tag v1;"
	   " sed -i 's/v1/v2/' defs/t.yaml; git commit -q -am two;"
	   " git checkout -q -b feature; sed -i 's/v2/feature/' defs/t.yaml;"
	   " git commit -q -am feature; git checkout -q master;"
	   " sed -i 's/v2/v3/' defs/t.yaml; git commit -q -am three",
	   repo, repo, testdef_v1);
	char *cmd = xasprintf("git -C '%s' rev-parse v1", repo);
	*first = sh_out(cmd);
	free(cmd);
	return repo;
}

static void
test_git(void **state)
{
	(void)state;
	char *first;
	char *repo = make_repo(&first);
	char *job = xasprintf(
	    "actions:\n"
	    "- test:\n"
	    "    definitions:\n"
	    "    - {from: git, name: head, path: defs/t.yaml, repository: %s}\n"
	    "    - {from: git, name: br, path: defs/t.yaml, repository: %s,"
	    " branch: feature, history: false}\n"
	    "    - {from: git, name: rev, path: defs/t.yaml, repository: %s,"
	    " revision: %s}\n"
	    "    - {from: git, name: tag, path: defs/t.yaml, repository: %s,"
	    " revision: v1}\n",
	    repo, repo, repo, first, repo);
	struct unpacked u;
	struct overlay_layout l;
	struct diags d;
	diags_init(&d);
	int rc = build(job, NULL, &u, &l, &d);
	if (rc != 0)
		diags_print(&d, "job", stderr);
	assert_int_equal(rc, 0);
	char *cmd = xasprintf("git -C '%s' rev-parse master", repo);
	char *head = sh_out(cmd);
	free(cmd);
	cmd = xasprintf("git -C '%s' rev-parse feature", repo);
	char *feature = sh_out(cmd);
	free(cmd);

	static const char *const steps[] = {"v3", "feature", "v1", "v1"};
	const char *commits[] = {head, feature, first, first};
	for (size_t i = 0; i < 4; i++) {
		struct overlay_test *t = &l.tests[i];
		char *p =
		    xasprintf("lava-1/0/tests/%s/defs/t.yaml", t->testrun);
		const char *text = member(&u, p);
		free(p);
		assert_non_null(text);
		char *want = xasprintf("run: {steps: [echo %s]}", steps[i]);
		assert_non_null(strstr(text, want));
		free(want);
		assert_string_equal(t->commit_id, commits[i]);
		p = xasprintf("lava-1/0/tests/%s/testdef_metadata", t->testrun);
		want = xasprintf("branch_vcs: git\n"
		                 "commit_id: %s\n"
		                 "devices: ''\n"
		                 "environment: ''\n"
		                 "os: ''\n"
		                 "project_name: git-def\n",
		                 commits[i]);
		assert_member(&u, p, want);
		free(want);
		free(p);
		p = xasprintf("lava-1/0/tests/%s/.git/", t->testrun);
		/* history: false drops .git */
		if (i == 1)
			assert_null(member(&u, p));
		else
			assert_non_null(member(&u, p));
		free(p);
	}
	assert_string_equal(l.tests[2].revision, first);
	assert_member(&u, "lava-1/0/lava-test-runner.conf",
	              "/lava-1/0/tests/0_head\n/lava-1/0/tests/1_br\n"
	              "/lava-1/0/tests/2_rev\n/lava-1/0/tests/3_tag\n");
	assert_member(&u, "lava-1/0/tests/3_tag/uuid", "1_1.4.13");
	free(head);
	free(feature);
	overlay_layout_free(&l);
	unpacked_free(&u);
	diags_free(&d);
	free(job);
	free(repo);
	free(first);
}

/* install: git-repos cloned into the test's directory: a url string (to
 * its last component, ".git" dropped), a map whose url is a parameter,
 * with a branch and a destination; then a destination outside. */
static void
test_git_repos(void **state)
{
	(void)state;
	char *first;
	char *repo = make_repo(&first);
	sh("ln -s repo '%s/other.git'", tmpdir);
	char *job = xasprintf(
	    "actions:\n"
	    "- test:\n"
	    "    definitions:\n"
	    "    - from: inline\n"
	    "      name: g\n"
	    "      path: g.yaml\n"
	    "      parameters: {URL: '%s/other.git'}\n"
	    "      repository:\n"
	    "        metadata: {name: g}\n"
	    "        params: {URL: nowhere}\n"
	    "        install:\n"
	    "          git-repos:\n"
	    "          - %s\n"
	    "          - {url: URL, branch: feature, destination: feat}\n"
	    "          - URL\n",
	    tmpdir, repo);
	struct unpacked u;
	struct overlay_layout l;
	struct diags d;
	diags_init(&d);
	/* The last one names a parameter only in a map: a url string
	 * "URL" that does not exist. */
	assert_int_equal(build(job, NULL, &u, &l, &d), -1);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].cls, ERR_INFRASTRUCTURE);
	assert_string_equal(d.v[0].msg, "Unable to fetch git repository 'URL'");
	diags_free(&d);
	*strstr(job, "          - URL\n") = '\0';
	diags_init(&d);
	int rc = build(job, NULL, &u, &l, &d);
	if (rc != 0)
		diags_print(&d, "job", stderr);
	assert_int_equal(rc, 0);
	const char *t = member(&u, "lava-1/0/tests/0_g/repo/defs/t.yaml");
	assert_non_null(t);
	assert_non_null(strstr(t, "echo v3"));
	t = member(&u, "lava-1/0/tests/0_g/feat/defs/t.yaml");
	assert_non_null(t);
	assert_non_null(strstr(t, "echo feature"));
	/* install.sh itself has no git-repos line. */
	char *want = xasprintf("###default parameters from test definition###\n"
	                       "URL='nowhere'\n"
	                       "######\n"
	                       "###test parameters from job submission###\n"
	                       "URL='%s/other.git'\n"
	                       "######\n",
	                       tmpdir);
	assert_member(&u, "lava-1/0/tests/0_g/install.sh", want);
	free(want);
	overlay_layout_free(&l);
	unpacked_free(&u);
	diags_free(&d);
	free(job);

	job = xasprintf("actions:\n"
	                "- test:\n"
	                "    definitions:\n"
	                "    - {from: inline, name: g, path: g.yaml,"
	                " repository: {metadata: {name: g}, install:"
	                " {git-repos: [{url: %s, destination: ../up}]}}}\n",
	                repo);
	diags_init(&d);
	assert_int_equal(build(job, NULL, &u, &l, &d), -1);
	assert_int_equal(d.v[0].cls, ERR_JOB);
	assert_string_equal(d.v[0].msg,
	                    "Destination path is unacceptable ../up");
	diags_free(&d);
	free(job);
	free(repo);
	free(first);
}

static void
test_git_missing(void **state)
{
	(void)state;
	char *job = xasprintf("actions:\n"
	                      "- test:\n"
	                      "    definitions:\n"
	                      "    - {from: git, name: gone, path: t.yaml,"
	                      " repository: %s/no-such-repo.git}\n",
	                      tmpdir);
	struct unpacked u;
	struct overlay_layout l;
	struct diags d;
	diags_init(&d);
	assert_int_equal(build(job, NULL, &u, &l, &d), -1);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].cls, ERR_INFRASTRUCTURE);
	char *want = xasprintf("Unable to fetch git repository "
	                       "'%s/no-such-repo.git'",
	                       tmpdir);
	assert_string_equal(d.v[0].msg, want);
	free(want);
	/* Nothing half-written is left. */
	char *out = xasprintf("%s/overlay.tgz", tmpdir);
	assert_int_equal(access(out, F_OK), -1);
	free(out);
	diags_free(&d);
	free(job);
}

static void
test_url(void **state)
{
	(void)state;
	sh("set -e; cd '%s'; mkdir -p top/defs; printf '%%s' '%s' >"
	   " top/defs/t.yaml; echo data > top/defs/extra; tar -czf defs.tgz"
	   " top",
	   tmpdir, testdef_v1);
	char *job = xasprintf("actions:\n"
	                      "- test:\n"
	                      "    definitions:\n"
	                      "    - {from: url, name: u, path: defs/t.yaml,"
	                      " repository: 'file://%s/defs.tgz',"
	                      " strip-components: 1}\n",
	                      tmpdir);
	struct unpacked u;
	struct overlay_layout l;
	struct diags d;
	diags_init(&d);
	int rc = build(job, NULL, &u, &l, &d);
	if (rc != 0)
		diags_print(&d, "job", stderr);
	assert_int_equal(rc, 0);
	assert_member(&u, "lava-1/0/tests/0_u/defs/t.yaml", testdef_v1);
	assert_member(&u, "lava-1/0/tests/0_u/defs/extra", "data\n");
	assert_member(&u, "lava-1/0/tests/0_u/testdef_metadata",
	              "branch_vcs: url\n"
	              "devices: ''\n"
	              "environment: ''\n"
	              "os: ''\n"
	              "project_name: git-def\n");
	assert_member(&u, "lava-1/0/tests/0_u/testdef.yaml",
	              "metadata:\n"
	              "  format: Lava-Test Test Definition 1.0\n"
	              "  name: git-def\n"
	              "run:\n"
	              "  steps:\n"
	              "  - echo v1\n");
	overlay_layout_free(&l);
	unpacked_free(&u);
	diags_free(&d);
	free(job);

	/* A definition missing from the archive, a scheme not yet there. */
	job = xasprintf("actions:\n"
	                "- test:\n"
	                "    definitions:\n"
	                "    - {from: url, name: u, path: nope.yaml,"
	                " repository: 'file://%s/defs.tgz'}\n",
	                tmpdir);
	diags_init(&d);
	assert_int_equal(build(job, NULL, &u, &l, &d), -1);
	assert_int_equal(d.v[0].cls, ERR_JOB);
	assert_string_equal(d.v[0].msg, "Unable to open test definition "
	                                "'nope.yaml': No such file or "
	                                "directory");
	diags_free(&d);
	free(job);
	diags_init(&d);
	assert_int_equal(build("actions:\n- test:\n    definitions:\n"
	                       "    - {from: url, name: u, path: t.yaml,"
	                       " repository: 'http://127.0.0.1:1/t.tgz'}\n",
	                       NULL, &u, &l, &d),
	                 -1);
	/* Nothing listens on port 1: the download fails, the lab's
	 * problem, and the message names the url. */
	assert_int_equal(d.v[0].cls, ERR_INFRASTRUCTURE);
	assert_non_null(strstr(d.v[0].msg, "Unable to fetch url "
	                                   "'http://127.0.0.1:1/t.tgz' for u"));
	diags_free(&d);
	diags_init(&d);
	assert_int_equal(build("actions:\n- test:\n    definitions:\n"
	                       "    - {from: url, name: u, path: t.yaml,"
	                       " repository: 'ftp://x/t.tgz'}\n",
	                       NULL, &u, &l, &d),
	                 -1);
	assert_int_equal(d.v[0].cls, ERR_JOB);
	assert_string_equal(d.v[0].msg, "Unsupported url for u: ftp://x/t.tgz "
	                                "(http, https or file)");
	diags_free(&d);

	/* A definition that is a symlink out of the archive: refused as it
	 * is unpacked, by name. */
	sh("set -e; cd '%s'; mkdir -p s; printf 'metadata: {name: x}\\n' >"
	   " outside.yaml; ln -s '%s/outside.yaml' s/t.yaml; tar -czf s.tgz s",
	   tmpdir, tmpdir);
	job = xasprintf("actions:\n"
	                "- test:\n"
	                "    definitions:\n"
	                "    - {from: url, name: u, path: s/t.yaml,"
	                " repository: 'file://%s/s.tgz'}\n",
	                tmpdir);
	diags_init(&d);
	assert_int_equal(build(job, NULL, &u, &l, &d), -1);
	assert_int_equal(d.v[0].cls, ERR_JOB);
	char *want = xasprintf("Unable to unpack file://%s/s.tgz: 's/t.yaml' "
	                       "is a symlink to '%s/outside.yaml', outside "
	                       "the archive's directory",
	                       tmpdir, tmpdir);
	assert_string_equal(d.v[0].msg, want);
	free(want);
	diags_free(&d);
	free(job);
}

/* ---- hostile repositories and archives ---- */

/* One entry of a test archive: its type (AE_IF*), name, and the link
 * target or the data (SIZE zeros when DATA is NULL). */
struct hentry {
	unsigned type;
	const char *name, *target, *data;
	size_t size;
	bool hard;
};

/* Writes ENTRIES as tmpdir/NAME, a tar.gz, as a hostile server would. */
static char *
write_tgz(const char *name, const struct hentry *ents, size_t n)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	struct archive *a = archive_write_new();
	archive_write_add_filter_gzip(a);
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	static char zeros[65536];
	for (size_t i = 0; i < n; i++) {
		const struct hentry *h = &ents[i];
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, h->name);
		archive_entry_set_filetype(e, h->type);
		archive_entry_set_perm(e, 0644);
		size_t size = h->data ? strlen(h->data) : h->size;
		if (h->type == AE_IFCHR)
			archive_entry_set_rdev(e, makedev(1, 5));
		if (h->hard)
			archive_entry_set_hardlink(e, h->target);
		else if (h->type == AE_IFLNK)
			archive_entry_set_symlink(e, h->target);
		if (h->type == AE_IFREG && !h->hard)
			archive_entry_set_size(e, (la_int64_t)size);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (h->type == AE_IFREG && !h->hard && h->data)
			archive_write_data(a, h->data, size);
		for (size_t done = 0; h->type == AE_IFREG && !h->hard &&
		                      !h->data && done < size;) {
			size_t k = size - done < sizeof zeros ? size - done
			                                      : sizeof zeros;
			archive_write_data(a, zeros, k);
			done += k;
		}
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return path;
}

static const char small_def[] = "metadata: {name: x}\nrun: {steps: [true]}\n";

/* Builds a url definition of archive FILE (path PATH in it) with EXTRA;
 * returns the build's result, the first message in *MSG. */
static int
build_url(const char *file, const char *path, const struct overlay_spec *extra,
          char **msg)
{
	char *job = xasprintf("actions:\n"
	                      "- test:\n"
	                      "    definitions:\n"
	                      "    - {from: url, name: u, path: '%s',"
	                      " repository: 'file://%s'}\n",
	                      path, file);
	struct unpacked u;
	struct overlay_layout l;
	struct diags d;
	diags_init(&d);
	int rc = build_with(job, NULL, &u, &l, &d, extra);
	*msg = xstrdup(d.n ? d.v[0].msg : "");
	if (rc == 0) {
		overlay_layout_free(&l);
		unpacked_free(&u);
	} else {
		assert_true(d.n == 0 || d.v[0].cls == ERR_JOB);
	}
	diags_free(&d);
	free(job);
	return rc;
}

static void
test_hostile_archives(void **state)
{
	(void)state;
	static const struct {
		struct hentry e;
		const char *why;
	} cases[] = {
	    {{AE_IFIFO, "d/def.yaml", NULL, NULL, 0, false},
	     "'d/def.yaml' is a fifo (only regular files, directories and "
	     "links are allowed)"},
	    {{AE_IFCHR, "d/def.yaml", NULL, NULL, 0, false},
	     "'d/def.yaml' is a character device (only regular files, "
	     "directories and links are allowed)"},
	    {{AE_IFBLK, "d/blk", NULL, NULL, 0, false},
	     "'d/blk' is a block device (only regular files, directories "
	     "and links are allowed)"},
	    {{AE_IFLNK, "d/def.yaml", "/etc/passwd", NULL, 0, false},
	     "'d/def.yaml' is a symlink to '/etc/passwd', outside the "
	     "archive's directory"},
	    {{AE_IFLNK, "d/up", "../../x", NULL, 0, false},
	     "'d/up' is a symlink to '../../x', outside the archive's "
	     "directory"},
	    {{AE_IFREG, "../../escape", NULL, "x\n", 0, false},
	     "'../../escape' leaves the archive's directory"},
	    {{AE_IFREG, "d/../../escape", NULL, "x\n", 0, false},
	     "'d/../../escape' leaves the archive's directory"},
	    {{AE_IFREG, "/tmp/x", NULL, "x\n", 0, false},
	     "'/tmp/x' leaves the archive's directory"},
	    {{AE_IFREG, "d/h", "/etc/passwd", NULL, 0, true},
	     "'d/h' is a hard link to '/etc/passwd', outside the archive's "
	     "directory"},
	    {{AE_IFREG, "d/h", "../etc/passwd", NULL, 0, true},
	     "'d/h' is a hard link to '../etc/passwd', outside the "
	     "archive's directory"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct hentry ents[] = {
		    {AE_IFDIR, "d", NULL, NULL, 0, false},
		    {AE_IFREG, "d/ok.yaml", NULL, small_def, 0, false},
		    cases[i].e,
		};
		char *file = write_tgz("h.tgz", ents, 3);
		char *msg;
		assert_int_equal(build_url(file, "d/def.yaml", NULL, &msg), -1);
		char *want = xasprintf("Unable to unpack file://%s: %s", file,
		                       cases[i].why);
		assert_string_equal(msg, want);
		free(want);
		free(msg);
		free(file);
	}
	/* Nothing was written outside. */
	char *esc = xasprintf("%s/escape", tmpdir);
	assert_int_equal(access(esc, F_OK), -1);
	free(esc);

	/* Links that stay inside, and a hard link to a file of the tree,
	 * are unpacked (strip-components applied to the target too). */
	struct hentry fine[] = {
	    {AE_IFDIR, "top/d", NULL, NULL, 0, false},
	    {AE_IFREG, "top/d/real.yaml", NULL, small_def, 0, false},
	    {AE_IFLNK, "top/d/def.yaml", "real.yaml", NULL, 0, false},
	    {AE_IFLNK, "top/d/up.yaml", "../d/real.yaml", NULL, 0, false},
	    {AE_IFREG, "top/d/hard.yaml", "top/d/real.yaml", NULL, 0, true},
	};
	char *file = write_tgz("fine.tgz", fine, 5);
	char *job =
	    xasprintf("actions:\n"
	              "- test:\n"
	              "    definitions:\n"
	              "    - {from: url, name: u, path: d/hard.yaml,"
	              " repository: 'file://%s', strip-components: 1}\n"
	              "    - {from: url, name: v, path: d/up.yaml,"
	              " repository: 'file://%s', strip-components: 1}\n",
	              file, file);
	struct unpacked u;
	struct overlay_layout l;
	struct diags d;
	diags_init(&d);
	int rc = build(job, NULL, &u, &l, &d);
	if (rc != 0)
		diags_print(&d, "job", stderr);
	assert_int_equal(rc, 0);
	assert_member(&u, "lava-1/0/tests/0_u/d/hard.yaml", small_def);
	assert_member(&u, "lava-1/0/tests/0_u/d/real.yaml", small_def);
	overlay_layout_free(&l);
	unpacked_free(&u);
	diags_free(&d);
	free(job);
	free(file);

	/* A file:// archive that is a FIFO or a device is not read. */
	char *fifo = xasprintf("%s/fifo.tgz", tmpdir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	char *msg;
	assert_int_equal(build_url(fifo, "t.yaml", NULL, &msg), -1);
	char *want = xasprintf("Unable to read file://%s: not a regular file "
	                       "(a fifo)",
	                       fifo);
	assert_string_equal(msg, want);
	free(want);
	free(msg);
	free(fifo);
	assert_int_equal(build_url("/dev/zero", "t.yaml", NULL, &msg), -1);
	assert_string_equal(msg, "Unable to read file:///dev/zero: not a "
	                         "regular file (a character device)");
	free(msg);
}

static void
test_archive_caps(void **state)
{
	(void)state;
	/* 2 MiB of zeros: a few kB compressed. */
	struct hentry big[] = {
	    {AE_IFREG, "t.yaml", NULL, small_def, 0, false},
	    {AE_IFREG, "zeros", NULL, NULL, 2u << 20, false},
	};
	char *file = write_tgz("big.tgz", big, 2);
	struct overlay_spec extra = {.max_archive_bytes = 1u << 20};
	char *msg;
	assert_int_equal(build_url(file, "t.yaml", &extra, &msg), -1);
	char *want = xasprintf("Unable to unpack file://%s: more than 1048576 "
	                       "bytes unpacked (max_archive_bytes)",
	                       file);
	assert_string_equal(msg, want);
	free(want);
	free(msg);
	/* Under the cap, the same archive is fine. */
	extra.max_archive_bytes = 3u << 20;
	assert_int_equal(build_url(file, "t.yaml", &extra, &msg), 0);
	free(msg);
	/* The compressed size. */
	extra.max_download_bytes = 100;
	assert_int_equal(build_url(file, "t.yaml", &extra, &msg), -1);
	want = xasprintf("Unable to fetch url 'file://%s' for u: 'file://%s' "
	                 "is larger than max_download_bytes (100 bytes)",
	                 file, file);
	assert_string_equal(msg, want);
	free(want);
	free(msg);
	free(file);

	struct hentry many[] = {
	    {AE_IFREG, "t.yaml", NULL, small_def, 0, false},
	    {AE_IFREG, "a", NULL, "a", 0, false},
	    {AE_IFREG, "b", NULL, "b", 0, false},
	    {AE_IFREG, "c", NULL, "c", 0, false},
	};
	file = write_tgz("many.tgz", many, 4);
	struct overlay_spec few = {.max_archive_entries = 3};
	assert_int_equal(build_url(file, "t.yaml", &few, &msg), -1);
	want = xasprintf("Unable to unpack file://%s: more than 3 entries "
	                 "(max_archive_entries)",
	                 file);
	assert_string_equal(msg, want);
	free(want);
	free(msg);
	free(file);
}

/* A repository whose definition is a symlink to the dispatcher's
 * /etc/passwd, or too large to be a definition. */
static void
test_git_hostile(void **state)
{
	(void)state;
	char *repo = xasprintf("%s/evil", tmpdir);
	sh("set -e; git init -q -b master '%s'; cd '%s';"
	   " git config user.email t@example.com; git config user.name t;"
	   " ln -s /etc/passwd def.yaml; mkdir d; ln -s "
	   "../../../../../../../../../../../../etc/passwd d/up.yaml;"
	   " head -c 2000000 /dev/zero | tr '\\\\0' '#' > big.yaml;"
	   " git add .; git commit -q -m evil",
	   repo, repo);
	static const struct {
		const char *path, *msg;
	} cases[] = {
	    {"def.yaml", "Test definition path 'def.yaml' leaves the test's "
	                 "directory"},
	    {"d/up.yaml", "Test definition path 'd/up.yaml' leaves the "
	                  "test's directory"},
	    {"big.yaml", "Unable to open test definition 'big.yaml': larger "
	                 "than 1048576 bytes"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *job = xasprintf("actions:\n"
		                      "- test:\n"
		                      "    definitions:\n"
		                      "    - {from: git, name: g, path: %s,"
		                      " repository: %s}\n",
		                      cases[i].path, repo);
		struct unpacked u;
		struct overlay_layout l;
		struct diags d;
		diags_init(&d);
		assert_int_equal(build(job, NULL, &u, &l, &d), -1);
		assert_int_equal(d.v[0].cls, ERR_JOB);
		assert_string_equal(d.v[0].msg, cases[i].msg);
		diags_free(&d);
		free(job);
	}
	/* A repository named as an option stays a repository. */
	struct unpacked u;
	struct overlay_layout l;
	struct diags d;
	diags_init(&d);
	char *job = xasprintf("actions:\n"
	                      "- test:\n"
	                      "    definitions:\n"
	                      "    - {from: git, name: g, path: t.yaml,"
	                      " repository: '--upload-pack=touch %s/pwned'}\n",
	                      tmpdir);
	assert_int_equal(build(job, NULL, &u, &l, &d), -1);
	assert_int_equal(d.v[0].cls, ERR_INFRASTRUCTURE);
	char *pwned = xasprintf("%s/pwned", tmpdir);
	assert_int_equal(access(pwned, F_OK), -1);
	free(pwned);
	diags_free(&d);
	free(job);
	free(repo);
}

/* A server that accepts connections (the kernel's backlog does) and never
 * answers. */
static int
hung_server(int *port)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof sa;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(s, 16), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return s;
}

/* Another connection of the job, read while git waits: a pipe written
 * by a timer. */
struct other_conn {
	struct mux *mux;
	int fds[2];
	int reads;
};

static void
other_read(int fd, short events, void *arg)
{
	struct other_conn *o = arg;
	char c;
	(void)events;
	if (read(fd, &c, 1) == 1)
		o->reads++;
}

static void
other_write(void *arg)
{
	struct other_conn *o = arg;
	assert_int_equal(write(o->fds[1], "x", 1), 1);
	mux_add_timer(o->mux, mux_now() + 100000000ULL, other_write, o);
}

static bool
stop_after(void *arg)
{
	return mux_now() >= *(uint64_t *)arg;
}

/* Whether a process whose command line holds PORT is still there (the
 * pattern's "[1]" keeps the shell running pgrep out). */
static bool
left_running(int port)
{
	char *cmd = xasprintf("pgrep -f -- '[1]27.0.0.1:%d' >/dev/null", port);
	int rc = system(cmd);
	free(cmd);
	return rc == 0;
}

/* git and a download against a server that never answers: the build
 * ends at the deadline, or on stop, with nothing left running, and the
 * job's other connections are read meanwhile. */
static void
test_hung_fetch(void **state)
{
	(void)state;
	int port;
	int srv = hung_server(&port);
	struct other_conn o = {.mux = mux_new()};
	assert_int_equal(pipe(o.fds), 0);
	mux_add_fd(o.mux, o.fds[0], POLLIN, other_read, &o);
	mux_add_timer(o.mux, mux_now() + 100000000ULL, other_write, &o);
	static const char *const urls[] = {"http://127.0.0.1:%d/x.git",
	                                   "http://127.0.0.1:%d/x.tgz"};
	for (int kind = 0; kind < 2; kind++) {
		char *url = xasprintf(urls[kind], port);
		char *job = xasprintf("actions:\n"
		                      "- test:\n"
		                      "    definitions:\n"
		                      "    - {from: %s, name: h, path: t.yaml,"
		                      " repository: '%s'}\n",
		                      kind ? "url" : "git", url);
		for (int stop = 0; stop < 2; stop++) {
			uint64_t t0 = mux_now();
			uint64_t stop_at = t0 + 400000000ULL;
			struct overlay_spec extra = {
			    .mux = o.mux,
			    .deadline_ns =
			        stop ? t0 + 30000000000ULL : t0 + 700000000ULL,
			    .stop = stop ? stop_after : NULL,
			    .stop_arg = &stop_at,
			};
			struct unpacked u;
			struct overlay_layout l;
			struct diags d;
			diags_init(&d);
			o.reads = 0;
			int rc = build_with(job, NULL, &u, &l, &d, &extra);
			double secs = (double)(mux_now() - t0) / 1e9;
			assert_int_equal(rc, stop ? OVERLAY_CANCELED
			                          : OVERLAY_TIMEOUT);
			if (secs > 1.5)
				fail_msg("%s took %.2f s", url, secs);
			assert_true(o.reads >= 2);
			if (!stop) {
				char *want = xasprintf(
				    "The deadline passed during the %s of '%s'",
				    kind ? "download" : "git clone", url);
				assert_string_equal(d.v[0].msg, want);
				free(want);
			}
			assert_false(left_running(port));
			diags_free(&d);
		}
		free(job);
		free(url);
	}
	close(srv);
	close(o.fds[0]);
	close(o.fds[1]);
	mux_free(o.mux);
}

static void
test_layout_errors(void **state)
{
	(void)state;
	static const char job[] =
	    "actions:\n"
	    "- test:\n"
	    "    definitions:\n"
	    "    - {from: inline, name: a, path: a.yaml, repository: {}}\n"
	    "    - {from: inline, name: a, path: a.yaml, repository: {}}\n"
	    "    - {from: inline, name: lava, path: a.yaml, repository: {}}\n"
	    "    - {from: svn, name: b, path: a.yaml, repository: x}\n"
	    "    - {from: inline, name: c, path: ../../x.yaml, repository: "
	    "{}}\n"
	    "    - {from: inline, name: d, path: x/../../y, repository: {}}\n"
	    "    - {from: inline, name: e, path: /etc/x, repository: {}}\n"
	    "    - {from: inline, name: f, path: x..y/a..b, repository: {},"
	    " skip_install: [deps, everything]}\n";
	struct yerror err;
	struct ydoc *doc = ydoc_parse(job, strlen(job), &err);
	struct overlay_spec spec = {.job = ydoc_root(doc), .job_id = "7"};
	struct overlay_layout l;
	struct diags d;
	diags_init(&d);
	assert_int_equal(overlay_layout(&spec, &l, &d), 7);
	assert_string_equal(d.v[0].msg,
	                    "Test definition names need to be unique.");
	assert_int_equal(d.v[1].cls, ERR_TEST);
	assert_string_equal(d.v[2].msg, "No repository type 'svn' available "
	                                "on the dispatcher.");
	assert_string_equal(d.v[3].msg, "Test definition path '../../x.yaml' "
	                                "leaves the test's directory");
	assert_string_equal(d.v[4].msg, "Test definition path 'x/../../y' "
	                                "leaves the test's directory");
	assert_string_equal(d.v[5].msg, "Test definition path '/etc/x' "
	                                "leaves the test's directory");
	assert_string_equal(d.v[6].msg, "Unrecognised skip_install value");
	assert_int_equal(l.ntests, 8);
	assert_string_equal(l.results_dir, "/lava-7");
	overlay_layout_free(&l);
	diags_free(&d);
	ydoc_free(doc);
}

static void
test_quote(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
	    {"", "''"},           {"abc-1.2/x:y,z@%+=_", "abc-1.2/x:y,z@%+=_"},
	    {"a b", "'a b'"},     {"it's", "'it'\"'\"'s'"},
	    {"$HOME", "'$HOME'"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf b;
		buf_init(&b);
		overlay_shell_quote(&b, cases[i][0]);
		assert_string_equal(b.data, cases[i][1]);
		buf_free(&b);
	}
}

/* For tests/e2e/overlay-run.sh: "build JOB RESULTS_DIR SH_CMD OUT"
 * builds the overlay of job file JOB (job id 1). */
static int
build_main(char **argv)
{
	size_t len;
	char *text = file_read(argv[2], &len);
	struct yerror err;
	struct ydoc *doc = text ? ydoc_parse(text, len, &err) : NULL;
	char *share = share_dir();
	struct diags d;
	int rc = 1;
	diags_init(&d);
	if (doc) {
		struct overlay_spec spec = {
		    .job = ydoc_root(doc),
		    .job_id = "1",
		    .results_dir = argv[3],
		    .sh_cmd = argv[4],
		    .share_dir = share,
		    .dispatcher_ip = "127.0.0.1",
		};
		rc = overlay_build(&spec, argv[5], NULL, &d) == 0 ? 0 : 1;
		diags_print(&d, argv[2], stderr);
	} else {
		fprintf(stderr, "%s: cannot read or parse\n", argv[2]);
	}
	diags_free(&d);
	ydoc_free(doc);
	free(text);
	free(share);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "build") == 0)
		return build_main(argv);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_inline_sample, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_stages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_git, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_git_repos, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_git_missing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_url, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_archives, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_archive_caps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_git_hostile, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hung_fetch, setup, teardown),
	    cmocka_unit_test(test_layout_errors),
	    cmocka_unit_test(test_quote),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
