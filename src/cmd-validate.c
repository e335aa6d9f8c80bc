/* cmd-validate.c: tether validate [--strict] [--device DEVICE.yaml] JOB...
 *
 * Prints "FILE: ok" or one line per error, and exits 0 when every job is
 * valid, 1 when one is not, 2 on usage or I/O errors. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "device.h"
#include "diag.h"
#include "template.h"
#include "util.h"
#include "validate.h"
#include "yaml.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: tether validate [--strict] [--device DEVICE] "
		   "[-t TEMPLATE_DIR]... JOB.yaml...\n"
		   "  --strict   no key beyond those LAVA's schema lists\n"
		   "  --device   also check that this device offers the "
		   "methods and\n"
		   "             connections the job uses: a rendered device "
		   "configuration,\n"
		   "             or a device dictionary (.jinja2) rendered "
		   "with the\n"
		   "             device-type templates of -t\n");
}

/* Reads and parses FILE.  Returns NULL after printing why; *io tells an
 * I/O error (exit 2) from a bad document (exit 1). */
static struct ydoc *
load(const char *file, enum err_class cls, bool *io)
{
	size_t len;
	struct yerror err;
	*io = false;
	char *data = file_read(file, &len);
	if (data == NULL) {
		fprintf(stderr, "%s: cannot read: %s\n", file, strerror(errno));
		*io = true;
		return NULL;
	}
	struct ydoc *doc = ydoc_parse(data, len, &err);
	free(data);
	if (doc == NULL) {
		if (err.line > 0)
			printf("%s:%d:%d: %s: invalid YAML: %s\n", file,
			       err.line, err.col, err_class_name(cls), err.msg);
		else
			printf("%s: %s: invalid YAML: %s\n", file,
			       err_class_name(cls), err.msg);
		return NULL;
	}
	return doc;
}

static int
validate_file(const char *file, const struct validate_opts *opts)
{
	bool io;
	struct ydoc *doc = load(file, ERR_JOB, &io);
	if (doc == NULL)
		return io ? 2 : 1;
	const struct ynode *root = ydoc_root(doc);
	int rc = 0;
	if (root == NULL || root->kind != YN_MAP) {
		if (root)
			printf("%s:%d:%d: JobError: a job definition is a "
			       "mapping, not a %s\n",
			       file, root->line, root->col,
			       root->kind == YN_SEQ ? "list" : "scalar");
		else
			printf("%s: JobError: the file holds no job "
			       "definition\n",
			       file);
		rc = 1;
	} else {
		struct diags d;
		diags_init(&d);
		int errors = job_validate(root, opts, &d);
		diags_sort(&d);
		diags_print(&d, file, stdout);
		if (errors)
			rc = 1;
		else
			printf("%s: ok\n", file);
		diags_free(&d);
	}
	ydoc_free(doc);
	return rc;
}

int
cmd_validate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"strict", no_argument, NULL, 's'},
		{"device", required_argument, NULL, 'd'},
		{"templates", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct validate_opts opts = {0};
	const char *device_file = NULL;
	int c;
	optind = 1;
	struct tmpl_env *env = tmpl_env_new();
	while ((c = getopt_long(argc, argv, "sd:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			opts.strict = true;
			break;
		case 'd':
			device_file = optarg;
			break;
		case 't':
			tmpl_env_add_dir(env, optarg);
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
	if (optind >= argc) {
		usage(stderr);
		tmpl_env_free(env);
		return 2;
	}
	struct device device;
	memset(&device, 0, sizeof device);
	if (device_file) {
		struct diags d;
		diags_init(&d);
		int bad = device_load_file(&device, env, device_file, &d, stdout);
		diags_sort(&d);
		diags_print(&d, device_file, stdout);
		diags_free(&d);
		if (bad != 0 || device.root == NULL) {
			device_free(&device);
			tmpl_env_free(env);
			return 2;
		}
		opts.device = device.root;
	}
	int rc = 0;
	for (int i = optind; i < argc; i++) {
		int r = validate_file(argv[i], &opts);
		if (r > rc)
			rc = r;
	}
	device_free(&device);
	tmpl_env_free(env);
	fflush(stdout);
	return rc;
}
