/* cmd-run.c: tether run --device DEVICE --output-dir DIR
 *                       [--dispatcher DISPATCHER.yaml] [--job-id N]
 *                       [-t TEMPLATE_DIR]... [-D key=value]... JOB.yaml
 *
 * What lava-run does with a job and a device: validate, run the
 * pipeline, and leave log.yaml, results.yaml, result.yaml and a raw log
 * per connection in DIR.  A person watching gets a progress line per
 * top-level action and the results table.  SIGINT and SIGTERM cancel:
 * the connections are closed, the logs complete, result.yaml says so. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "filepolicy.h"
#include "httpd.h"
#include "job.h"
#include "secrets.h"
#include "template.h"
#include "validate.h"

static volatile sig_atomic_t run_signal;

static void
run_on_signal(int sig)
{
	run_signal = sig;
}

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: tether run --device DEVICE --output-dir DIR "
	        "[--dispatcher DISPATCHER.yaml]\n"
	        "                  [--job-id N] [-t TEMPLATE_DIR]... "
	        "[-D key=value]... JOB.yaml\n"
	        "  DEVICE: rendered device configuration, or a device "
	        "dictionary (.jinja2)\n"
	        "  rendered through the -t directories and -D variables.\n"
	        "  DIR receives log.yaml, results.yaml, result.yaml and a "
	        "raw log per connection.\n"
	        "  Exit status: 0 when the job passes, 1 when it fails, 2 "
	        "on bad usage.\n");
}

/* Where the device-side helpers are: $TETHER_SHARE_DIR, next to the
 * program (a build tree, or an installed prefix). */
static char *
find_share_dir(void)
{
	const char *env = getenv("TETHER_SHARE_DIR");
	if (env && *env)
		return xstrdup(env);
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		/* build/tether, build/san/tether, <prefix>/bin/tether */
		const char *tries[] = {"%s/../share/lava-test-shell",
		                       "%s/../../share/lava-test-shell",
		                       "%s/../share/tether/lava-test-shell"};
		for (size_t i = 0; i < 3; i++) {
			char *p = xasprintf(tries[i], exe);
			if (access(p, R_OK) == 0)
				return p;
			free(p);
		}
	}
	return xstrdup("/usr/share/tether/lava-test-shell");
}

/* The worker settings lava-run takes with --dispatcher. */
struct dispatcher_cfg {
	struct ydoc *doc;
	const char *ip;      /* dispatcher_ip */
	const char *http_ip; /* dispatcher_http_ip: host[:port] */
	struct job_limits limits;
	/* allowed_file_dirs: none unless the lab lists some. */
	struct file_policy files;
};

/* The caps a worker may set (docs/run.md), in bytes or entries. */
static const struct {
	const char *key;
	size_t off;
} limit_keys[] = {
	{"max_download_bytes", offsetof(struct job_limits, max_download_bytes)},
	{"max_archive_bytes", offsetof(struct job_limits, max_archive_bytes)},
	{"max_archive_entries",
	 offsetof(struct job_limits, max_archive_entries)},
	{"max_image_bytes", offsetof(struct job_limits, max_image_bytes)},
};

/* allowed_file_dirs: absolute directories that exist (a lab's typo
 * is said now, not as a job's refusal later). */
static int
load_file_dirs(const char *file, const struct ynode *dirs,
               struct file_policy *p, FILE *err)
{
	if (dirs == NULL || dirs->kind == YN_NULL)
		return 0;
	if (dirs->kind != YN_SEQ) {
		fprintf(err,
		        "%s:%d:%d: ConfigurationError: allowed_file_dirs: "
		        "should be a list of directories\n",
		        file, dirs->line, dirs->col);
		return -1;
	}
	for (size_t i = 0; i < dirs->n; i++) {
		const struct ynode *d = dirs->items[i];
		struct stat st;
		const char *why =
		    d->kind != YN_STR    ? "should be a string"
		    : d->str[0] != '/'   ? "should be an absolute path"
		    : stat(d->str, &st) < 0 ? strerror(errno)
		    : !S_ISDIR(st.st_mode) ? "is not a directory"
		                           : NULL;
		if (why == NULL && file_policy_add(p, d->str) < 0)
			why = strerror(errno);
		if (why) {
			fprintf(err,
			        "%s:%d:%d: ConfigurationError: "
			        "allowed_file_dirs[%zu]: %s\n",
			        file, d->line, d->col, i, why);
			return -1;
		}
	}
	return 0;
}

static int
load_dispatcher(const char *file, struct dispatcher_cfg *cfg, FILE *err)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->limits = (struct job_limits){
		.max_download_bytes = OVERLAY_MAX_DOWNLOAD_BYTES,
		.max_archive_bytes = OVERLAY_MAX_ARCHIVE_BYTES,
		.max_archive_entries = OVERLAY_MAX_ARCHIVE_ENTRIES,
		.max_image_bytes = JOB_MAX_IMAGE_BYTES,
	};
	if (file == NULL)
		return 0;
	size_t len;
	char *data = file_read(file, &len);
	if (data == NULL) {
		fprintf(err, "%s: ConfigurationError: %s\n", file,
		        strerror(errno));
		return -1;
	}
	struct yerror yerr;
	cfg->doc = ydoc_parse(data, len, &yerr);
	free(data);
	if (cfg->doc == NULL) {
		fprintf(err, "%s:%d:%d: ConfigurationError: %s\n", file,
		        yerr.line, yerr.col, yerr.msg);
		return -1;
	}
	const struct ynode *root = ydoc_root(cfg->doc);
	if (root && root->kind != YN_MAP) {
		fprintf(err, "%s:%d:%d: ConfigurationError: should be a map\n",
		        file, root->line, root->col);
		return -1;
	}
	const char *keys[] = {"dispatcher_ip", "dispatcher_http_ip"};
	const char **out[] = {&cfg->ip, &cfg->http_ip};
	for (size_t i = 0; i < 2; i++) {
		const struct ynode *v = ymap_get(root, keys[i]);
		if (v == NULL || v->kind == YN_NULL)
			continue;
		if (v->kind != YN_STR) {
			fprintf(err,
			        "%s:%d:%d: ConfigurationError: %s: should be "
			        "a string\n",
			        file, v->line, v->col, keys[i]);
			return -1;
		}
		*out[i] = v->str;
	}
	for (size_t i = 0; i < sizeof limit_keys / sizeof limit_keys[0]; i++) {
		const struct ynode *v = ymap_get(root, limit_keys[i].key);
		if (v == NULL || v->kind == YN_NULL)
			continue;
		if (v->kind != YN_INT || v->big || v->v.i <= 0) {
			fprintf(err,
			        "%s:%d:%d: ConfigurationError: %s: should be "
			        "a positive whole number\n",
			        file, v->line, v->col, limit_keys[i].key);
			return -1;
		}
		*(uint64_t *)((char *)&cfg->limits + limit_keys[i].off) =
			(uint64_t)v->v.i;
	}
	return load_file_dirs(file, ymap_get(root, "allowed_file_dirs"),
	                      &cfg->files, err);
}

/* -D key=value: a template variable, as for tether device render. */
static void
add_define(struct tmpl_env *env, const char *val)
{
	const char *eq = strchr(val, '='); /* checked with the options */
	char *key = xstrndup(val, (size_t)(eq - val));
	tmpl_env_set_var(env, key, tval_new_str(env, eq + 1, strlen(eq + 1)));
	free(key);
}

/* A job that could not start still leaves its result behind. */
static int
early_failure(struct job *j, enum err_class cls, const char *msg)
{
	job_fail(j, cls, "%s", msg);
	results_add(&j->results, result_plain("lava", "validate", "fail"));
	results_finish(&j->results,
	               result_job(false, msg, result_error_type(cls)));
	return 1;
}

/* One tether run: its options, the job, and what the job runs with. */
struct run {
	const char *device_file, *outdir, *disp_file, *job_id, *job_file;
	const char **defines; /* -D, applied after the job's context */
	size_t ndefines;
	struct tmpl_env *env;
	struct job j;
	struct dispatcher_cfg cfg;
	struct device dev;
	char *data;  /* the job file's text */
	char *share; /* the device-side helpers */
	FILE *out, *err; /* the person's view, secrets masked */
};

/* The command line into R: -1 to go on, or the exit status. */
static int
run_parse_args(struct run *r, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"device", required_argument, NULL, 'd'},
		{"output-dir", required_argument, NULL, 'o'},
		{"dispatcher", required_argument, NULL, 'p'},
		{"job-id", required_argument, NULL, 'j'},
		{"templates", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "t:D:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			r->device_file = optarg;
			break;
		case 'o':
			r->outdir = optarg;
			break;
		case 'p':
			r->disp_file = optarg;
			break;
		case 'j':
			r->job_id = optarg;
			if (strspn(optarg, "0123456789") != strlen(optarg) ||
			    !*optarg) {
				fprintf(stderr,
				        "tether run: --job-id needs a number\n");
				return 2;
			}
			break;
		case 't':
			tmpl_env_add_dir(r->env, optarg);
			break;
		case 'D':
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				fprintf(stderr,
				        "tether run: -D needs key=value, got "
				        "'%s'\n",
				        optarg);
				return 2;
			}
			r->defines = xreallocarray(r->defines, r->ndefines + 1,
			                           sizeof *r->defines);
			r->defines[r->ndefines++] = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || r->device_file == NULL || r->outdir == NULL) {
		usage(stderr);
		return 2;
	}
	r->job_file = argv[optind];
	return -1;
}

/* The output directory, log.yaml and results.yaml: 0, or 2 (nothing
 * can be reported anywhere else). */
static int
run_open_outputs(struct run *r)
{
	struct job *j = &r->j;
	if (mkdir_p(r->outdir) < 0) {
		fprintf(stderr, "tether run: %s: %s\n", r->outdir,
		        strerror(errno));
		return 2;
	}
	j->job_file = r->job_file;
	j->job_id = r->job_id;
	j->outdir = r->outdir;
	j->cancel = &run_signal;
	/* The output files are made anew (file_create_new): a link planted
	 * in DIR is replaced, never written through. */
	char *logpath = xasprintf("%s/log.yaml", r->outdir);
	char *respath = xasprintf("%s/results.yaml", r->outdir);
	const char *bad = NULL;
	if (joblog_open(&j->log, logpath) < 0)
		bad = logpath;
	else if (results_open(&j->results, r->outdir, &j->log) < 0)
		bad = respath;
	if (bad) {
		fprintf(stderr, "tether run: %s: InfrastructureError: %s\n",
		        bad, strerror(errno));
		if (bad == respath)
			results_close(&j->results);
		joblog_close(&j->log);
	}
	free(logpath);
	free(respath);
	if (bad)
		return 2;
	/* What a person reads hides the job's secrets too. */
	r->out = secrets_stream(&j->log.secrets, stdout);
	r->err = secrets_stream(&j->log.secrets, stderr);
	j->progress = r->out;
	j->mux = mux_new();
	return 0;
}

/* The worker's settings, the job (its secrets from then on masked), the
 * device rendered with the job's context, and the job checked against
 * the device.  0, or the job's failure (recorded). */
static int
run_load(struct run *r)
{
	struct job *j = &r->j;
	if (load_dispatcher(r->disp_file, &r->cfg, stderr) < 0)
		return early_failure(j, ERR_CONFIGURATION,
		                     "Invalid dispatcher configuration");
	/* The job first: its context: renders a device dictionary. */
	size_t len;
	r->data = file_read(r->job_file, &len);
	if (r->data == NULL) {
		char *msg = xasprintf("%s: %s", r->job_file, strerror(errno));
		fprintf(stderr, "tether run: %s\n", msg);
		int rc = early_failure(j, ERR_JOB, msg);
		free(msg);
		return rc;
	}
	struct yerror yerr;
	j->doc = ydoc_parse(r->data, len, &yerr);
	if (j->doc == NULL) {
		char *msg = xasprintf("%s:%d:%d: %s", r->job_file, yerr.line,
		                      yerr.col, yerr.msg);
		fprintf(stderr, "%s:%d:%d: JobError: %s\n", r->job_file,
		        yerr.line, yerr.col, yerr.msg);
		int rc = early_failure(j, ERR_JOB, msg);
		free(msg);
		return rc;
	}
	j->root = ydoc_root(j->doc);
	/* The job's secrets, masked in every output from here on. */
	struct buf warn;
	buf_init(&warn);
	secrets_add_job(&j->log.secrets, j->root, &warn);
	for (char *l = warn.data, *nl; l && (nl = strchr(l, '\n')); l = nl + 1)
		joblog_record(&j->log, "warning", l, (size_t)(nl - l), NULL);
	buf_free(&warn);
	device_set_context(r->env, ymap_get(j->root, "context"));
	for (size_t i = 0; i < r->ndefines; i++)
		add_define(r->env, r->defines[i]);
	/* The device. */
	struct diags d;
	diags_init(&d);
	int rc = 0;
	int drc = device_load_file(&r->dev, r->env, r->device_file, &d, r->err);
	diags_sort(&d);
	diags_print(&d, r->device_file, r->err);
	if (drc != 0) {
		char *msg =
		    d.n ? xasprintf("%s:%d: %s%s%s", r->device_file,
		                    d.v[0].line, d.v[0].path,
		                    *d.v[0].path ? ": " : "", d.v[0].msg)
		        : xasprintf("%s: unable to load the device",
		                    r->device_file);
		rc = early_failure(j, ERR_CONFIGURATION, msg);
		free(msg);
		diags_free(&d);
		return rc;
	}
	j->dev = &r->dev;
	diags_free(&d);
	diags_init(&d);
	struct validate_opts vo = {.strict = false, .device = r->dev.root};
	if (job_validate(j->root, &vo, &d) > 0) {
		diags_sort(&d);
		diags_print(&d, r->job_file, r->err);
		const struct diag *e = NULL;
		for (size_t i = 0; i < d.n && e == NULL; i++)
			if (!d.v[i].warning)
				e = &d.v[i];
		char *msg = xasprintf("%s:%d: %s%s%s", r->job_file,
		                      e ? e->line : 0,
		                      e && *e->path ? e->path : "",
		                      e && *e->path ? ": " : "",
		                      e ? e->msg : "invalid job");
		rc = early_failure(j, e ? e->cls : ERR_JOB, msg);
		free(msg);
	}
	diags_free(&d);
	return rc;
}

/* The worker's side of the job: where the helpers are, the overlay
 * server's address, the caps, and a scratch directory of its own. */
static int
run_prepare(struct run *r)
{
	struct job *j = &r->j;
	r->share = find_share_dir();
	j->share_dir = r->share;
	j->dispatcher_ip = r->cfg.ip ? r->cfg.ip : "127.0.0.1";
	/* tether serves the overlay itself, where the worker's settings
	 * say its HTTP server is; loopback and any port otherwise. */
	j->http_listen = r->cfg.http_ip ? r->cfg.http_ip : "127.0.0.1:0";
	j->limits = r->cfg.limits;
	j->files = &r->cfg.files;
	const char *tmp = getenv("TMPDIR");
	j->workdir = xasprintf("%s/tether-%s-XXXXXX",
	                       tmp && *tmp ? tmp : "/tmp", r->job_id);
	if (mkdtemp(j->workdir) == NULL) {
		char *msg = xasprintf("scratch directory %s: %s", j->workdir,
		                      strerror(errno));
		free(j->workdir);
		j->workdir = NULL;
		int rc = early_failure(j, ERR_INFRASTRUCTURE, msg);
		free(msg);
		return rc;
	}
	return 0;
}

/* The job, with SIGINT and SIGTERM asking it to stop: they arrive only
 * while the mux waits (ppoll's mask), so every wait sees them and none
 * misses one that came just before it started.  Children get them back
 * (proc.h). */
static int
run_job(struct run *r)
{
	sigset_t saved;
	mux_catch_stop(r->j.mux, run_on_signal, &saved);
	int status = job_run(&r->j);
	mux_release_stop(&saved);
	return status;
}

/* The results table, the job's verdict and where the logs are. */
static void
run_report(struct run *r)
{
	struct job *j = &r->j;
	fputc('\n', r->out);
	fflush(r->out);
	/* Its strings are masked already (results.c): not masked twice. */
	results_print_table(&j->results, stdout);
	fflush(stdout);
	fprintf(r->out, "\njob %s: %s%s%s\n", r->job_id,
	        j->failed ? "FAIL" : "PASS", j->failed && j->err_msg ? ": " : "",
	        j->failed && j->err_msg ? j->err_msg : "");
	fprintf(r->out,
	        "logs: %s/log.yaml, results: %s/results.yaml, %s/result.yaml\n",
	        r->outdir, r->outdir, r->outdir);
}

int
cmd_run(int argc, char **argv)
{
	struct run r = {.job_id = "1", .env = tmpl_env_new()};
	int status = run_parse_args(&r, argc, argv);
	bool go = status < 0 && (status = run_open_outputs(&r)) == 0;
	if (go) {
		fprintf(r.out, "tether run: job %s, %s on %s\n", r.job_id,
		        r.job_file, r.device_file);
		fflush(r.out);
		status = run_load(&r);
		if (status == 0)
			status = run_prepare(&r);
		if (status == 0)
			status = run_job(&r);
		run_report(&r);
		fclose(r.out);
		fclose(r.err);
		r.j.progress = NULL;
		job_free(&r.j);
	}
	ydoc_free(r.cfg.doc);
	file_policy_free(&r.cfg.files);
	free(r.data);
	free(r.share);
	device_free(&r.dev);
	tmpl_env_free(r.env);
	free(r.defines);
	return status;
}
