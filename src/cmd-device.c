/* cmd-device.c: "tether device render" prints a device dictionary rendered
 * through its device-type templates, as LAVA's server would render it;
 * "tether device check" loads a device configuration and reports what is
 * wrong with it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "device.h"
#include "template.h"
#include "util.h"
#include "yaml.h"

static void
device_usage(FILE *f)
{
	fprintf(f,
	        "usage: tether device render [-t TEMPLATE_DIR]... "
	        "[--context JOB.yaml]\n"
	        "                            [-D key=value]... DICT.jinja2\n"
	        "       tether device check [-t TEMPLATE_DIR]... "
	        "[--context JOB.yaml]\n"
	        "                           [-D key=value]... "
	        "DEVICE.yaml|DICT.jinja2\n"
	        "\n"
	        "render: print the device configuration a dictionary renders "
	        "to.  Templates\n"
	        "are searched in the -t directories, then in the dictionary's "
	        "own.  The job's\n"
	        "context: map and -D values (strings) are template "
	        "variables.\n"
	        "check: report errors in a rendered device configuration or a "
	        "dictionary.\n");
}

static int
load_context(struct tmpl_env *env, const char *path)
{
	size_t len;
	char *data = file_read(path, &len);
	if (data == NULL) {
		fprintf(stderr, "tether: %s: %s\n", path, strerror(errno));
		return -1;
	}
	struct yerror yerr;
	struct ydoc *doc = ydoc_parse(data, len, &yerr);
	free(data);
	if (doc == NULL) {
		fprintf(stderr, "%s:%d:%d: error: %s\n", path, yerr.line,
		        yerr.col, yerr.msg);
		return -1;
	}
	const struct ynode *ctx = ymap_get(ydoc_root(doc), "context");
	int rc = 0;
	if (ctx && ctx->kind == YN_MAP) {
		device_set_context(env, ctx);
	} else if (ctx && ctx->kind != YN_NULL) {
		fprintf(stderr, "%s:%d:%d: error: context: should be a map\n",
		        path, ctx->line, ctx->col);
		rc = -1;
	}
	ydoc_free(doc);
	return rc;
}

/* Parses the options shared by render and check into ENV; returns the
 * index of the one file argument, or -1 (message printed, status in
 * *STATUS). */
static int
parse_options(int argc, char **argv, struct tmpl_env *env, int *status)
{
	int i;
	*status = 2;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			device_usage(stdout);
			*status = 0;
			return -1;
		}
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		bool is_t = strncmp(a, "-t", 2) == 0 ||
		            strncmp(a, "--templates", 11) == 0;
		bool is_d = strncmp(a, "-D", 2) == 0;
		bool is_c = strncmp(a, "--context", 9) == 0;
		if (!is_t && !is_d && !is_c) {
			fprintf(stderr, "tether device: unknown option '%s'\n",
			        a);
			device_usage(stderr);
			return -1;
		}
		size_t optlen = is_t && a[1] == '-' ? 11 : is_c ? 9 : 2;
		if (a[optlen] == '=' && optlen > 2)
			val = a + optlen + 1;
		else if (a[optlen] != '\0' && optlen == 2)
			val = a + 2;
		else if (a[optlen] == '\0' && i + 1 < argc)
			val = argv[++i];
		if (val == NULL ||
		    (a[optlen] != '\0' && a[optlen] != '=' && optlen > 2)) {
			fprintf(stderr,
			        "tether device: option '%s' needs a "
			        "value\n",
			        a);
			return -1;
		}
		if (is_t) {
			tmpl_env_add_dir(env, val);
		} else if (is_c) {
			if (load_context(env, val) < 0) {
				*status = 1;
				return -1;
			}
		} else {
			const char *eq = strchr(val, '=');
			if (eq == NULL || eq == val) {
				fprintf(stderr,
				        "tether device: -D needs "
				        "key=value, got '%s'\n",
				        val);
				return -1;
			}
			char *key = xstrndup(val, (size_t)(eq - val));
			tmpl_env_set_var(
			    env, key,
			    tval_new_str(env, eq + 1, strlen(eq + 1)));
			free(key);
		}
	}
	if (i != argc - 1) {
		fprintf(stderr, "tether device: expected one file\n");
		device_usage(stderr);
		return -1;
	}
	return i;
}

/* The dictionary's own directory comes last in the search path. */
static void
add_own_dir(struct tmpl_env *env, const char *file)
{
	const char *slash = strrchr(file, '/');
	if (slash == NULL) {
		tmpl_env_add_dir(env, ".");
		return;
	}
	char *dir = xstrndup(file, slash == file ? 1 : (size_t)(slash - file));
	tmpl_env_add_dir(env, dir);
	free(dir);
}

static int
device_render(int argc, char **argv)
{
	struct tmpl_env *env = tmpl_env_new();
	int status;
	int i = parse_options(argc, argv, env, &status);
	if (i < 0) {
		tmpl_env_free(env);
		return status;
	}
	add_own_dir(env, argv[i]);
	struct buf out;
	buf_init(&out);
	struct tmpl_error err;
	int rc = tmpl_render_file(env, argv[i], &out, &err);
	if (rc < 0) {
		tmpl_error_print(&err, stderr);
	} else if (out.len && fwrite(out.data, 1, out.len, stdout) != out.len) {
		perror("tether: stdout");
		rc = -1;
	}
	buf_free(&out);
	tmpl_env_free(env);
	if (fflush(stdout) != 0)
		rc = -1;
	return rc < 0 ? 1 : 0;
}

static int
device_check(int argc, char **argv)
{
	struct tmpl_env *env = tmpl_env_new();
	int status;
	int i = parse_options(argc, argv, env, &status);
	if (i < 0) {
		tmpl_env_free(env);
		return status;
	}
	add_own_dir(env, argv[i]);
	int rc = device_check_file(env, argv[i], stdout, stderr);
	tmpl_env_free(env);
	return rc;
}

int
cmd_device(int argc, char **argv)
{
	if (argc < 2) {
		device_usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		device_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "render") == 0)
		return device_render(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return device_check(argc - 1, argv + 1);
	fprintf(stderr, "tether device: unknown command '%s'\n", argv[1]);
	device_usage(stderr);
	return 2;
}
