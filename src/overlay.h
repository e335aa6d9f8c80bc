/* overlay.h: the LAVA test-shell overlay of one namespace (spec §4.1), as
 * the gzip'd tar a deploy puts on the device.
 *
 *   lava-<id>/bin/lava-*            share/lava-test-shell, "#!<sh cmd>"
 *   lava-<id>/environment, secrets  export lines, key=value lines
 *   lava-<id>/tests/, results/      empty
 *   lava-<id>/<stage>/lava-test-runner.conf
 *   lava-<id>/<stage>/tests/<idx>_<name>/  the definition's files, plus
 *       testdef.yaml, uuid, testdef_metadata, install.sh, run.sh
 *
 * <stage> counts the test blocks with definitions in the namespace,
 * <idx> the definitions across them.  Definitions come from: inline,
 * git (the git program) and url (an archive over http(s) or file://, as
 * LAVA's url repositories are, unpacked with strip-components).
 *
 * git and the downloads run in the job's mux (every connection is read
 * meanwhile) and end at the deploy's deadline or on a cancel.  What a
 * repository or an archive brings is untrusted: only regular files,
 * directories and links inside the tree are unpacked, the definition
 * file must be a regular file inside it, and the sizes are capped. */
#ifndef TETHER_OVERLAY_H
#define TETHER_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "diag.h"
#include "fetch.h"
#include "util.h"
#include "yaml.h"

struct mux;

struct overlay_spec {
	const struct ynode *job; /* the job's root map */
	const char *ns;          /* namespace; NULL: "common" */
	const char *job_id;
	/* NULL: the device's posix.lava_test_results_dir ("%s" or "%d"
	 * takes the job id), else "/lava-<id>" */
	const char *results_dir;
	const struct device *dev; /* may be NULL */
	const char *share_dir;    /* where the helpers are */
	/* The helpers' "#!": NULL takes the device's posix.lava_test_sh_cmd,
	 * else /bin/sh (LAVA's deployment data may name another). */
	const char *sh_cmd;
	/* Level of the deploy's test-definition action: a definition's uuid
	 * is <job id>_<level>.<4 idx + 1>.  NULL: "1.4" (deploy to:
	 * overlay). */
	const char *testdef_level;
	/* environment: LAVA_DISPATCHER_IP, LAVA_DISPATCHER_PREFIX,
	 * HTTP_CACHE; NULL leaves the line out ("" for the prefix) */
	const char *dispatcher_ip, *dispatcher_prefix, *http_cache;
	/* install.sh: deps-<distro> too; NULL: none */
	const char *distro;
	/* authorize: ssh: this public key file becomes
	 * root/.ssh/authorized_keys (mode 600) in the overlay.  A private
	 * key is refused, never copied.  NULL: none. */
	const char *authorized_key;
	/* Where git and the downloads wait: the job's mux (NULL: one of
	 * the build's own).  They end at DEADLINE_NS (absolute, monotonic;
	 * 0: none) or once STOP(STOP_ARG) is true (a cancel). */
	struct mux *mux;
	uint64_t deadline_ns;
	bool (*stop)(void *arg);
	void *stop_arg;
	/* The caps of a url definition (the dispatcher's keys; 0: the
	 * default below). */
	uint64_t max_download_bytes, max_archive_bytes, max_archive_entries;
	/* The worker's files it may read: file:// URLs, git repositories
	 * given as paths (NULL: any). */
	const struct file_policy *files;
};

/* The caps' defaults. */
#define OVERLAY_MAX_DOWNLOAD_BYTES (1ULL << 30) /* 1 GiB, compressed */
#define OVERLAY_MAX_ARCHIVE_BYTES (4ULL << 30)  /* 4 GiB, unpacked */
#define OVERLAY_MAX_ARCHIVE_ENTRIES 100000ULL
/* A test definition file is read into memory: 1 MiB at most. */
#define OVERLAY_MAX_TESTDEF_BYTES (1U << 20)

/* One test definition as the test action needs it later. */
struct overlay_test {
	unsigned stage, idx;
	char *name;        /* "smoke" */
	char *testrun;     /* "0_smoke": TESTRUN_ID, the result suite */
	char *runner_path; /* on the device: <results>/<stage>/tests/0_smoke */
	char *uuid;        /* "<job id>_1.4.1" */
	char *from, *path;
	char *repository; /* NULL for inline */
	char *revision;   /* NULL when not given */
	char *commit_id;  /* git: after overlay_build; else NULL */
	/* After overlay_build: the definition file as read (its parse
	 * patterns, fixupdict and expected cases are the test action's) */
	char *testdef_text;
	size_t testdef_len;
	const struct ynode *def;   /* the job's definition entry */
	const struct ynode *block; /* its test action's parameters */
};

struct overlay_layout {
	char *results_dir; /* "/lava-12" */
	unsigned nstages;
	struct overlay_test *tests;
	size_t ntests;
};

/* Lists stages and definitions of the namespace without fetching
 * anything.  Errors (a definition without from/name/path, a name that
 * repeats or is "lava") go to D as JobError; returns their number. */
int overlay_layout(const struct overlay_spec *spec, struct overlay_layout *l,
                   struct diags *d);
void overlay_layout_free(struct overlay_layout *l);

/* Builds the overlay into OUT_TGZ.  With L not NULL the layout is also
 * returned (with commit ids).  Returns 0, or -1 with the reason in D
 * (InfrastructureError "Unable to fetch git repository 'URL'", JobError
 * "Unable to open test definition 'PATH': ...", ...), or OVERLAY_TIMEOUT
 * (the deadline passed: the caller's action times out; D says what was
 * running) or OVERLAY_CANCELED (stop() was true).  Nothing is left
 * running either way: git's process group is killed and reaped. */
#define OVERLAY_TIMEOUT FETCH_TIMEOUT
#define OVERLAY_CANCELED FETCH_CANCELED
int overlay_build(const struct overlay_spec *spec, const char *out_tgz,
                  struct overlay_layout *l, struct diags *d);

/* Shell quoting as Python's shlex.quote. */
void overlay_shell_quote(struct buf *b, const char *s);

#endif
