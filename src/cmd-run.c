/* cmd-run.c: tether run --device DEVICE --output-dir DIR
 *                       [--dispatcher DISPATCHER.yaml] [--job-id N]
 *                       [-t TEMPLATE_DIR]... [-D key=value]... JOB.yaml
 *
 * What lava-run does with a job and a device: validate, run the
 * pipeline, and leave log.yaml, results.yaml, result.yaml and a raw log
 * per connection in DIR.  A person watching gets a progress line per
 * top-level action and the results table.  SIGINT and SIGTERM cancel:
 * the connections are closed, the logs complete, result.yaml says so. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "httpd.h"
#include "job.h"
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

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
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
};

static int
load_dispatcher(const char *file, struct dispatcher_cfg *cfg, FILE *err)
{
	memset(cfg, 0, sizeof *cfg);
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
	return 0;
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

int
cmd_run(int argc, char **argv)
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
	const char *device_file = NULL, *outdir = NULL, *disp_file = NULL;
	const char *job_id = "1";
	const char **defines = NULL; /* -D, applied after the job's context */
	size_t ndefines = 0;
	struct tmpl_env *env = tmpl_env_new();
	int opt, status = 2;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "t:D:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			device_file = optarg;
			break;
		case 'o':
			outdir = optarg;
			break;
		case 'p':
			disp_file = optarg;
			break;
		case 'j':
			job_id = optarg;
			if (strspn(job_id, "0123456789") != strlen(job_id) ||
			    !*job_id) {
				fprintf(stderr,
				        "tether run: --job-id needs a number\n");
				tmpl_env_free(env);
				return 2;
			}
			break;
		case 't':
			tmpl_env_add_dir(env, optarg);
			break;
		case 'D':
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				fprintf(stderr,
				        "tether run: -D needs key=value, got "
				        "'%s'\n",
				        optarg);
				free(defines);
				tmpl_env_free(env);
				return 2;
			}
			defines = xreallocarray(defines, ndefines + 1,
			                        sizeof *defines);
			defines[ndefines++] = optarg;
			break;
		case 'h':
			usage(stdout);
			tmpl_env_free(env);
			return 0;
		default:
			usage(stderr);
			tmpl_env_free(env);
			return 2;
		}
	}
	if (optind != argc - 1 || device_file == NULL || outdir == NULL) {
		usage(stderr);
		tmpl_env_free(env);
		return 2;
	}
	const char *job_file = argv[optind];
	if (mkdir_p(outdir) < 0) {
		fprintf(stderr, "tether run: %s: %s\n", outdir, strerror(errno));
		tmpl_env_free(env);
		return 2;
	}

	struct job j = {0};
	j.job_file = job_file;
	j.job_id = job_id;
	j.outdir = outdir;
	j.cancel = &run_signal;
	j.progress = stdout;
	char *logpath = xasprintf("%s/log.yaml", outdir);
	if (joblog_open(&j.log, logpath) < 0 ||
	    results_open(&j.results, outdir, &j.log) < 0) {
		fprintf(stderr, "tether run: %s: %s\n", logpath,
		        strerror(errno));
		free(logpath);
		tmpl_env_free(env);
		return 2;
	}
	free(logpath);
	j.mux = mux_new();
	struct dispatcher_cfg cfg;
	struct device dev;
	memset(&dev, 0, sizeof dev);
	char *share = find_share_dir();
	char *data = NULL;
	struct diags d;
	diags_init(&d);

	printf("tether run: job %s, %s on %s\n", job_id, job_file,
	       device_file);
	fflush(stdout);

	/* The worker's settings. */
	if (load_dispatcher(disp_file, &cfg, stderr) < 0) {
		status = early_failure(&j, ERR_CONFIGURATION,
		                       "Invalid dispatcher configuration");
		goto out;
	}
	/* The job first: its context: renders a device dictionary. */
	size_t len;
	data = file_read(job_file, &len);
	if (data == NULL) {
		char *msg = xasprintf("%s: %s", job_file, strerror(errno));
		fprintf(stderr, "tether run: %s\n", msg);
		status = early_failure(&j, ERR_JOB, msg);
		free(msg);
		goto out;
	}
	struct yerror yerr;
	j.doc = ydoc_parse(data, len, &yerr);
	if (j.doc == NULL) {
		char *msg = xasprintf("%s:%d:%d: %s", job_file, yerr.line,
		                      yerr.col, yerr.msg);
		fprintf(stderr, "%s:%d:%d: JobError: %s\n", job_file,
		        yerr.line, yerr.col, yerr.msg);
		status = early_failure(&j, ERR_JOB, msg);
		free(msg);
		goto out;
	}
	j.root = ydoc_root(j.doc);
	device_set_context(env, ymap_get(j.root, "context"));
	for (size_t i = 0; i < ndefines; i++)
		add_define(env, defines[i]);
	/* The device. */
	int drc = device_load_file(&dev, env, device_file, &d, stderr);
	diags_sort(&d);
	diags_print(&d, device_file, stderr);
	if (drc != 0) {
		char *msg =
			d.n ? xasprintf("%s:%d: %s%s%s", device_file,
			                d.v[0].line, d.v[0].path,
			                *d.v[0].path ? ": " : "", d.v[0].msg)
			    : xasprintf("%s: unable to load the device",
			                device_file);
		status = early_failure(&j, ERR_CONFIGURATION, msg);
		free(msg);
		goto out;
	}
	j.dev = &dev;
	diags_free(&d);
	diags_init(&d);
	struct validate_opts vo = {.strict = false, .device = dev.root};
	if (job_validate(j.root, &vo, &d) > 0) {
		diags_sort(&d);
		diags_print(&d, job_file, stderr);
		const struct diag *e = NULL;
		for (size_t i = 0; i < d.n && e == NULL; i++)
			if (!d.v[i].warning)
				e = &d.v[i];
		char *msg = xasprintf("%s:%d: %s%s%s", job_file,
		                      e ? e->line : 0,
		                      e && *e->path ? e->path : "",
		                      e && *e->path ? ": " : "",
		                      e ? e->msg : "invalid job");
		status = early_failure(&j, e ? e->cls : ERR_JOB, msg);
		free(msg);
		goto out;
	}

	j.share_dir = share;
	j.dispatcher_ip = cfg.ip ? cfg.ip : "127.0.0.1";
	/* tether serves the overlay itself, where the worker's settings
	 * say its HTTP server is; loopback and any port otherwise. */
	j.http_listen = cfg.http_ip ? cfg.http_ip : "127.0.0.1:0";
	const char *tmp = getenv("TMPDIR");
	j.workdir = xasprintf("%s/tether-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp",
	                      job_id);
	if (mkdtemp(j.workdir) == NULL) {
		char *msg = xasprintf("scratch directory %s: %s", j.workdir,
		                      strerror(errno));
		free(j.workdir);
		j.workdir = NULL;
		status = early_failure(&j, ERR_INFRASTRUCTURE, msg);
		free(msg);
		goto out;
	}

	struct sigaction sa = {.sa_handler = run_on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	status = job_run(&j);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
out:
	printf("\n");
	results_print_table(&j.results, stdout);
	printf("\njob %s: %s%s%s\n", job_id, j.failed ? "FAIL" : "PASS",
	       j.failed && j.err_msg ? ": " : "",
	       j.failed && j.err_msg ? j.err_msg : "");
	printf("logs: %s/log.yaml, results: %s/results.yaml, %s/result.yaml\n",
	       outdir, outdir, outdir);
	fflush(stdout);
	if (j.httpd)
		httpd_stop(j.httpd);
	for (size_t i = 0; i < j.nconns; i++) {
		conn_close(j.conns[i]);
		free(j.conns[i]);
	}
	free(j.conns);
	for (size_t i = 0; i < j.nopened; i++)
		free(j.opened[i]);
	free(j.opened);
	for (size_t i = 0; i < j.nns; i++) {
		struct job_ns *ns = &j.ns[i];
		free(ns->name);
		for (size_t k = 0; k < ns->nprompts; k++)
			free(ns->prompts[k]);
		free(ns->prompts);
		free(ns->overlay_tgz);
		free(ns->overlay_url);
		if (ns->has_layout)
			overlay_layout_free(&ns->layout);
	}
	free(j.ns);
	if (j.workdir) {
		nftw(j.workdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		free(j.workdir);
	}
	free(j.err_msg);
	results_close(&j.results);
	joblog_close(&j.log);
	mux_free(j.mux);
	ydoc_free(j.doc);
	ydoc_free(cfg.doc);
	free(data);
	free(share);
	diags_free(&d);
	device_free(&dev);
	tmpl_env_free(env);
	free(defines);
	return status;
}
