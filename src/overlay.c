/* overlay.c: builds the LAVA test-shell overlay (spec §4.1) in a
 * temporary directory, because git clones into one anyway, then packs it
 * into a gzip'd tar with libarchive.  git and the downloads wait in the
 * mux, bounded by the deadline and a cancel; what they bring is treated
 * as hostile (overlay.h). */
#include "overlay.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "download.h"
#include "fetch.h"
#include "filepolicy.h"
#include "mux.h"
#include "proc.h"
#include "results.h"

/* The text of a scalar node, "" for anything else. */
static const char *
node_str(const struct ynode *n)
{
	if (n == NULL || n->str == NULL || n->kind == YN_SEQ ||
	    n->kind == YN_MAP || n->kind == YN_NULL)
		return "";
	return n->str;
}

static const char *
map_str(const struct ynode *map, const char *key)
{
	const struct ynode *n = ymap_get(map, key);
	return n != NULL && n->kind == YN_STR ? n->str : NULL;
}

static void py_str(struct buf *b, const struct ynode *n);

/* Python's repr() of an item of a list or dict. */
static void
py_repr(struct buf *b, const struct ynode *n)
{
	if (n == NULL || n->kind == YN_NULL)
		buf_adds(b, "None");
	else if (n->kind == YN_STR)
		py_repr_str(b, n->str);
	else
		py_str(b, n);
}

/* Python's str() of a value, as run.sh's "NAME='value'" lines take it
 * (None is "" there). */
static void
py_str(struct buf *b, const struct ynode *n)
{
	if (n == NULL || n->kind == YN_NULL)
		return;
	if (n->kind == YN_SEQ || n->kind == YN_MAP) {
		bool seq = n->kind == YN_SEQ;
		buf_addc(b, seq ? '[' : '{');
		for (size_t i = 0; i < n->n; i++) {
			if (i)
				buf_adds(b, ", ");
			if (!seq) {
				py_repr(b, n->keys[i]);
				buf_adds(b, ": ");
			}
			py_repr(b, seq ? n->items[i] : n->vals[i]);
		}
		buf_addc(b, seq ? ']' : '}');
	} else if (n->kind == YN_BOOL)
		buf_adds(b, n->v.b ? "True" : "False");
	else if (n->kind == YN_INT && !n->big)
		buf_printf(b, "%lld", n->v.i); /* 0x10, 017: as Python reads */
	else
		buf_adds(b, node_str(n));
}

void
overlay_shell_quote(struct buf *b, const char *s)
{
	static const char safe[] = "@%+=:,./-_";
	bool plain = *s != '\0';
	for (const char *p = s; *p && plain; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && strchr(safe, *p) == NULL)
			plain = false;
	if (plain) {
		buf_adds(b, s);
		return;
	}
	buf_addc(b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			buf_adds(b, "'\"'\"'");
		else
			buf_addc(b, *p);
	}
	buf_addc(b, '\'');
}

static const char *
ns_of(const struct overlay_spec *spec)
{
	return spec->ns ? spec->ns : "common";
}

/* The results dir: posix.lava_test_results_dir % job id. */
static char *
results_dir(const struct overlay_spec *spec)
{
	const char *fmt = NULL;
	if (spec->results_dir)
		return xstrdup(spec->results_dir);
	if (spec->dev) {
		const struct ynode *n = device_constant(
		    spec->dev, "lava_test_results_dir", "posix");
		if (n && n->kind == YN_STR)
			fmt = n->str;
	}
	if (fmt == NULL)
		fmt = "/lava-%s";
	struct buf b;
	buf_init(&b);
	for (const char *p = fmt; *p; p++) {
		if (p[0] == '%' && (p[1] == 's' || p[1] == 'd')) {
			buf_adds(&b, spec->job_id);
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			buf_addc(&b, '%');
			p++;
		} else {
			buf_addc(&b, *p);
		}
	}
	return buf_steal(&b);
}

static const char *
sh_cmd(const struct overlay_spec *spec)
{
	const char *s = spec->sh_cmd;
	if (s == NULL && spec->dev) {
		const struct ynode *n =
		    device_constant(spec->dev, "lava_test_sh_cmd", "posix");
		if (n && n->kind == YN_STR)
			s = n->str;
	}
	return s ? s : "/bin/sh";
}

void
overlay_layout_free(struct overlay_layout *l)
{
	for (size_t i = 0; i < l->ntests; i++) {
		struct overlay_test *t = &l->tests[i];
		free(t->name);
		free(t->testrun);
		free(t->runner_path);
		free(t->uuid);
		free(t->from);
		free(t->path);
		free(t->repository);
		free(t->revision);
		free(t->commit_id);
		free(t->testdef_text);
	}
	free(l->tests);
	free(l->results_dir);
	memset(l, 0, sizeof *l);
}

/* skip_install: a list of "keys", "sources", "deps", "steps",
 * "git-repos", "all". */
static void
check_skip_install(const struct ynode *skip, struct diags *d)
{
	static const char *const known[] = {"keys",  "sources",   "deps",
	                                    "steps", "git-repos", "all"};
	size_t n = skip == NULL ? 0 : skip->kind == YN_SEQ ? skip->n : 1;
	for (size_t i = 0; i < n; i++) {
		const struct ynode *v =
		    skip->kind == YN_SEQ ? skip->items[i] : skip;
		bool ok = false;
		for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
			ok |= ynode_is_str(v, known[k]);
		if (!ok) {
			diags_add(d, ERR_JOB, v->line, v->col, "",
			          "Unrecognised skip_install value");
			return;
		}
	}
}

/* What LAVA's repository actions check before fetching anything. */
static void
check_definition(const struct overlay_layout *l, const struct ynode *def,
                 const char *from, const char *name, const char *path,
                 struct diags *d)
{
	const struct ynode *repo = ymap_get(def, "repository");
	int line = def->line, col = def->col;
	if (strcmp(name, "lava") == 0)
		diags_add(d, ERR_TEST, line, col, "",
		          "The \"lava\" test definition name is reserved.");
	for (size_t j = 0; j < l->ntests; j++)
		if (strcmp(l->tests[j].name, name) == 0)
			diags_add(d, ERR_JOB, line, col, "",
			          "Test definition names need to be unique.");
	if (path_escapes(path))
		diags_add(d, ERR_JOB, line, col, "",
		          "Test definition path '%s' leaves the test's "
		          "directory",
		          path);
	check_skip_install(ymap_get(def, "skip_install"), d);
	if (strcmp(from, "inline") == 0) {
		if (repo == NULL || repo->kind != YN_MAP)
			diags_add(d, ERR_JOB, line, col, "",
			          "Invalid inline definition in %s", name);
	} else if (strcmp(from, "git") == 0 || strcmp(from, "url") == 0) {
		if (repo == NULL || repo->kind != YN_STR)
			diags_add(d, ERR_JOB, line, col, "",
			          "Missing repository for %s", name);
	} else {
		diags_add(d, ERR_JOB, line, col, "",
		          "No repository type '%s' available on the "
		          "dispatcher.",
		          from);
	}
}

int
overlay_layout(const struct overlay_spec *spec, struct overlay_layout *l,
               struct diags *d)
{
	size_t errors = diags_errors(d);
	const struct ynode *actions = ymap_get(spec->job, "actions");
	const char *level = spec->testdef_level ? spec->testdef_level : "1.4";
	memset(l, 0, sizeof *l);
	l->results_dir = results_dir(spec);
	for (size_t a = 0; actions && actions->kind == YN_SEQ && a < actions->n;
	     a++) {
		const struct ynode *test = ymap_get(actions->items[a], "test");
		const struct ynode *defs = ymap_get(test, "definitions");
		const char *ns = map_str(test, "namespace");
		if (defs == NULL || defs->kind != YN_SEQ || defs->n == 0 ||
		    strcmp(ns ? ns : "common", ns_of(spec)) != 0)
			continue;
		for (size_t i = 0; i < defs->n; i++) {
			const struct ynode *def = defs->items[i];
			const char *from = map_str(def, "from");
			const char *name = map_str(def, "name");
			const char *path = map_str(def, "path");
			if (from == NULL || name == NULL || path == NULL) {
				diags_add(d, ERR_JOB, def->line, def->col, "",
				          "test definition needs from, name "
				          "and path");
				continue;
			}
			check_definition(l, def, from, name, path, d);
			l->tests = xreallocarray(l->tests, l->ntests + 1,
			                         sizeof *l->tests);
			struct overlay_test *t = &l->tests[l->ntests++];
			memset(t, 0, sizeof *t);
			t->stage = l->nstages;
			t->idx = (unsigned)(l->ntests - 1);
			t->def = def;
			t->block = test;
			t->name = xstrdup(name);
			t->from = xstrdup(from);
			t->path = xstrdup(path);
			t->testrun = xasprintf("%u_%s", t->idx, name);
			t->runner_path =
			    xasprintf("%s/%u/tests/%s", l->results_dir,
			              t->stage, t->testrun);
			t->uuid = xasprintf("%s_%s.%u", spec->job_id, level,
			                    4 * t->idx + 1);
			const struct ynode *repo = ymap_get(def, "repository");
			if (strcmp(from, "inline") != 0 && repo &&
			    repo->kind == YN_STR)
				t->repository = xstrdup(repo->str);
			const struct ynode *rev = ymap_get(def, "revision");
			if (rev && ynode_is_scalar(rev) && rev->str)
				t->revision = xstrdup(rev->str);
		}
		l->nstages++;
	}
	return (int)(diags_errors(d) - errors);
}

/* Files in the build directory. */

/* A file or directory of the overlay kept in memory: everything tether
 * writes itself.  Only what git and url definitions bring is on disk (in
 * tmp), and the two are merged when the tar is written: creating and
 * removing a tree of small files costs more than the rest of a job. */
struct vfile {
	char *path; /* in the tar: "lava-1/bin/lava-test-case" */
	char *data; /* NULL: a directory */
	size_t len;
	mode_t mode;
};

struct build {
	const struct overlay_spec *spec;
	struct overlay_layout *l;
	struct diags *d;
	char *tmp;  /* the temporary directory, the tar's root */
	char *root; /* tmp + results dir */
	const char *top; /* the results dir in the tar: "lava-1" */
	struct vfile *vf;
	size_t nvf;
	struct fetch f; /* git and the downloads: in the job's mux */
	uint64_t packed; /* bytes packed since the mux last ran */
};

/* Whether the build must end now: a cancel, or the deadline passed. */
static bool
build_stopped(struct build *bd)
{
	return fetch_stopped(&bd->f);
}

static struct vfile *
vfile_find(struct build *bd, const char *path)
{
	for (size_t i = 0; i < bd->nvf; i++)
		if (strcmp(bd->vf[i].path, path) == 0)
			return &bd->vf[i];
	return NULL;
}

/* Adds (or replaces) PATH: a file with DATA, or a directory when DATA
 * is NULL. */
static void
vfile_put(struct build *bd, const char *path, const char *data, size_t len,
          mode_t mode)
{
	struct vfile *v = vfile_find(bd, path);
	if (v == NULL) {
		bd->vf = xreallocarray(bd->vf, bd->nvf + 1, sizeof *bd->vf);
		v = &bd->vf[bd->nvf++];
		v->path = xstrdup(path);
	} else {
		free(v->data);
	}
	v->data = data ? xstrndup(data, len) : NULL;
	v->len = data ? len : 0;
	v->mode = mode;
}

static void
vfiles_free(struct build *bd)
{
	for (size_t i = 0; i < bd->nvf; i++) {
		free(bd->vf[i].path);
		free(bd->vf[i].data);
	}
	free(bd->vf);
	bd->vf = NULL;
	bd->nvf = 0;
}

static int
fail_io(struct build *bd, const char *what)
{
	diags_add(bd->d, ERR_INFRASTRUCTURE, 0, 0, "",
	          "Unable to write the overlay (%s): %s", what,
	          strerror(errno));
	return -1;
}

/* REL, under the results dir, gets B's bytes. */
static int
put(struct build *bd, const char *rel, const struct buf *b, mode_t mode)
{
	char *path = xasprintf("%s/%s", bd->top, rel);
	vfile_put(bd, path, b->data ? b->data : "", b->len, mode);
	free(path);
	return 0;
}

/* bin/: each helper with its "#!" line set to the device's shell and
 * the variables the README lists right after it. */
static void
helper_vars(struct build *bd, const char *name, struct buf *b)
{
	const struct device *dev = bd->spec->dev;
	const struct ynode *root = dev ? dev->root : NULL;
	if (strcmp(name, "lava-target-ip") == 0 ||
	    strcmp(name, "lava-target-mac") == 0) {
		bool ip = strcmp(name, "lava-target-ip") == 0;
		const struct ynode *t = ymap_get(
		    ymap_get(ymap_get(root, "parameters"), "interfaces"),
		    "target");
		buf_printf(b, "%s='%s'\n",
		           ip ? "TARGET_DEVICE_IP" : "TARGET_DEVICE_MAC",
		           node_str(ymap_get(t, ip ? "ip" : "mac")));
	} else if (strcmp(name, "lava-probe-ip") == 0 ||
	           strcmp(name, "lava-probe-channel") == 0) {
		bool ip = strcmp(name, "lava-probe-ip") == 0;
		const char *v = "";
		const struct ynode *si = ymap_get(root, "static_info");
		for (size_t i = 0; si && si->kind == YN_SEQ && i < si->n; i++)
			if (ymap_get(si->items[i], "probe_ip") &&
			    ymap_get(si->items[i], "probe_channel"))
				v = node_str(ymap_get(si->items[i],
				                      ip ? "probe_ip"
				                         : "probe_channel"));
		buf_printf(b, "%s='%s'\n",
		           ip ? "PROBE_DEVICE_IP" : "PROBE_DEVICE_CHANNEL", v);
	} else if (strcmp(name, "lava-target-storage") == 0) {
		const struct ynode *si = ymap_get(root, "storage_info");
		buf_adds(b, "LAVA_STORAGE=\"\n");
		for (size_t i = 0; si && si->kind == YN_SEQ && i < si->n; i++) {
			const struct ynode *m = si->items[i];
			for (size_t k = 0; m && m->kind == YN_MAP && k < m->n;
			     k++)
				buf_printf(b, "\\t%s\\t%s\n",
				           node_str(m->keys[k]),
				           node_str(m->vals[k]));
		}
		buf_adds(b, "\"\n");
	}
}

static int
name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
write_helpers(struct build *bd)
{
	struct dirent **ents;
	int n = bd->spec->share_dir
	            ? scandir(bd->spec->share_dir, &ents, NULL, name_cmp)
	            : (errno = ENOENT, -1);
	int rc = 0;
	if (n < 0) {
		diags_add(bd->d, ERR_BUG, 0, 0, "",
		          "No test shell helpers in %s: %s",
		          bd->spec->share_dir ? bd->spec->share_dir : "(none)",
		          strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		if (rc == 0 && strncmp(name, "lava-", 5) == 0) {
			char *src =
			    xasprintf("%s/%s", bd->spec->share_dir, name);
			size_t len;
			char *text = file_read(src, &len);
			free(src);
			if (text == NULL) {
				rc = fail_io(bd, name);
			} else {
				struct buf b;
				const char *body = text;
				buf_init(&b);
				/* lava-common-functions is sourced: no "#!"
				 * to replace, LAVA adds one all the same. */
				if (strncmp(text, "#!", 2) == 0) {
					const char *nl = strchr(text, '\n');
					body = nl ? nl + 1 : text + len;
				}
				buf_printf(&b, "#!%s\n", sh_cmd(bd->spec));
				helper_vars(bd, name, &b);
				buf_add(&b, body, len - (size_t)(body - text));
				char *rel = xasprintf("bin/%s", name);
				rc = put(bd, rel, &b, 0755);
				free(rel);
				buf_free(&b);
				free(text);
			}
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

/* environment: LAVA's _export_data, maps and lists flattened. */
static void
export_data(struct buf *b, const struct ynode *n, const char *prefix)
{
	if (n == NULL)
		return;
	if (n->kind == YN_MAP || n->kind == YN_SEQ) {
		const char *sep = *prefix ? "_" : "";
		for (size_t i = 0; i < n->n; i++) {
			char *p = n->kind == YN_MAP
			              ? xasprintf("%s%s%s", prefix, sep,
			                          node_str(n->keys[i]))
			              : xasprintf("%s%s%zu", prefix, sep, i);
			export_data(
			    b, n->kind == YN_MAP ? n->vals[i] : n->items[i], p);
			free(p);
		}
		return;
	}
	buf_printf(b, "export %s=", prefix);
	if (n->kind == YN_BOOL)
		buf_adds(b, n->v.b ? "1" : "0");
	else if (n->kind == YN_INT)
		py_str(b, n);
	else
		overlay_shell_quote(b, node_str(n));
	buf_addc(b, '\n');
}

static void
export_str(struct buf *b, const char *key, const char *value)
{
	buf_printf(b, "export %s=", key);
	overlay_shell_quote(b, value);
	buf_addc(b, '\n');
}

static int
write_environment(struct build *bd)
{
	const struct overlay_spec *spec = bd->spec;
	const struct ynode *dev = spec->dev ? spec->dev->root : NULL;
	static const char *const sources[][2] = {
	    {"environment", ""},
	    {"device_info", "LAVA_DEVICE_INFO"},
	    {"static_info", "LAVA_STATIC_INFO"},
	    {"storage_info", "LAVA_STORAGE_INFO"},
	};
	struct buf b;
	int rc;
	buf_init(&b);
	for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++)
		if (ynode_truthy(ymap_get(dev, sources[i][0])))
			export_data(&b, ymap_get(dev, sources[i][0]),
			            sources[i][1]);
	const struct ynode *env = ymap_get(
	    ymap_get(ymap_get(spec->job, "protocols"), "lava-multinode"),
	    "environment");
	if (env == NULL)
		env = ymap_get(spec->job, "environment");
	if (ynode_truthy(env))
		export_data(&b, env, "");
	export_str(&b, "LAVA_JOB_ID", spec->job_id);
	if (spec->dispatcher_ip)
		export_str(&b, "LAVA_DISPATCHER_IP", spec->dispatcher_ip);
	export_data(&b, ymap_get(spec->job, "tags"), "LAVA_JOB_TAGS");
	export_str(&b, "LAVA_DISPATCHER_PREFIX",
	           spec->dispatcher_prefix ? spec->dispatcher_prefix : "");
	if (spec->dev && spec->dev->hostname && *spec->dev->hostname)
		export_str(&b, "LAVA_DEVICE_HOSTNAME", spec->dev->hostname);
	if (spec->dev && spec->dev->devicetype && *spec->dev->devicetype)
		export_str(&b, "LAVA_DEVICE_TYPE", spec->dev->devicetype);
	if (spec->http_cache && *spec->http_cache)
		export_str(&b, "HTTP_CACHE", spec->http_cache);
	rc = put(bd, "environment", &b, 0644);

	/* secrets: key=value, unquoted, as LAVA writes them. */
	const struct ynode *sec = ymap_get(spec->job, "secrets");
	if (rc == 0 && sec && sec->kind == YN_MAP) {
		buf_reset(&b);
		for (size_t i = 0; i < sec->n; i++) {
			buf_printf(&b, "%s=", node_str(sec->keys[i]));
			py_str(&b, sec->vals[i]);
			buf_addc(&b, '\n');
		}
		rc = put(bd, "secrets", &b, 0644);
	}
	buf_free(&b);
	return rc;
}

/* from: git: shallow unless a revision is given or shallow: false; .git
 * removed with history: false. */
static int
git_definition(struct build *bd, struct overlay_test *t, const char *dest)
{
	const struct ynode *def = t->def;
	struct fetch_git_opts o = {
	    .branch = map_str(def, "branch"),
	    .revision = t->revision,
	    .shallow =
	        t->revision == NULL && (ymap_get(def, "shallow") == NULL ||
	                                ynode_truthy(ymap_get(def, "shallow"))),
	    .history = ymap_get(def, "history") == NULL ||
	               ynode_truthy(ymap_get(def, "history")),
	    .recursive = ynode_truthy(ymap_get(def, "recursive")),
	};
	return fetch_git(&bd->f, t->repository, dest, &o, &t->commit_id);
}

/* The parameters preamble of install.sh and run.sh. */
static void
params_lines(struct buf *b, const struct ynode *map)
{
	for (size_t i = 0; map && map->kind == YN_MAP && i < map->n; i++) {
		buf_printf(b, "%s='", node_str(map->keys[i]));
		py_str(b, map->vals[i]);
		buf_adds(b, "'\n");
	}
}

static int
params_preamble(struct build *bd, struct buf *b, const struct ynode *testdef,
                const struct ynode *def)
{
	static const char *const keys[] = {"params", "parameters"};
	const struct ynode *job[] = {ymap_get(def, "parameters"),
	                             ymap_get(def, "params")};
	buf_adds(b, "###default parameters from test definition###\n");
	for (int i = 0; i < 2; i++) {
		const struct ynode *m = ymap_get(testdef, keys[i]);
		if (m && m->kind != YN_MAP) {
			diags_add(bd->d, ERR_TEST, 0, 0, "",
			          "Test definition item '%s' should be a "
			          "dictionary",
			          keys[i]);
			return -1;
		}
		params_lines(b, m);
	}
	buf_adds(b, "######\n###test parameters from job submission###\n");
	for (int i = 0; i < 2; i++) {
		if (job[i] && job[i]->kind != YN_MAP) {
			diags_add(bd->d, ERR_TEST, 0, 0, "",
			          "Test definition item '%s' should be a "
			          "dictionary",
			          i == 0 ? "parameters" : "params");
			return -1;
		}
		params_lines(b, job[i]);
	}
	buf_adds(b, "######\n");
	return 0;
}

/* skip_install: a list of sections ("keys", "sources", "deps", "steps",
 * "git-repos"), or "all". */
static bool
skipped(const struct ynode *def, const char *section)
{
	const struct ynode *s = ymap_get(def, "skip_install");
	if (s == NULL)
		return false;
	if (ynode_is_str(s, "all") || ynode_is_str(s, section))
		return true;
	for (size_t i = 0; s->kind == YN_SEQ && i < s->n; i++)
		if (ynode_is_str(s->items[i], section) ||
		    ynode_is_str(s->items[i], "all"))
			return true;
	return false;
}

static void
each_line(struct buf *b, const char *prefix, const struct ynode *list)
{
	for (size_t i = 0; list && list->kind == YN_SEQ && i < list->n; i++)
		buf_printf(b, "%s%s\n", prefix, node_str(list->items[i]));
}

/* A git-repos url, branch or destination may name a parameter: the
 * definition's params, then the job's parameters, give its value. */
static const char *
lookup_param(const struct ynode *testdef, const struct ynode *def,
             const char *v)
{
	const struct ynode *n;
	if (v == NULL)
		return NULL;
	if ((n = ymap_get(ymap_get(def, "parameters"), v)) && n->str)
		return node_str(n);
	if ((n = ymap_get(ymap_get(testdef, "params"), v)) && n->str)
		return node_str(n);
	return v;
}

/* Where a git-repos url goes by default: its last component without
 * ".git" (LAVA drops every ".git" in the url before taking it). */
static char *
repo_dir_name(const char *url)
{
	struct buf b;
	buf_init(&b);
	for (const char *p = url; *p;) {
		if (strncmp(p, ".git", 4) == 0) {
			p += 4;
			continue;
		}
		buf_addc(&b, *p++);
	}
	char *all = buf_steal(&b);
	const char *slash = strrchr(all, '/');
	char *name = xstrdup(slash ? slash + 1 : all);
	free(all);
	return name;
}

/* install: git-repos are cloned here, into the test's directory. */
static int
install_git_repos(struct build *bd, struct overlay_test *t,
                  const struct ynode *testdef, const char *abs)
{
	const struct ynode *repos =
	    ymap_get(ymap_get(testdef, "install"), "git-repos");
	for (size_t i = 0; repos && repos->kind == YN_SEQ && i < repos->n;
	     i++) {
		const struct ynode *r = repos->items[i];
		struct fetch_git_opts o = {.history = true};
		const char *url;
		char *dest;
		if (r->kind == YN_STR) {
			url = r->str;
			dest = repo_dir_name(url);
		} else if (r->kind == YN_MAP) {
			url = lookup_param(testdef, t->def, map_str(r, "url"));
			o.branch =
			    lookup_param(testdef, t->def, map_str(r, "branch"));
			if (url == NULL || *url == '\0') {
				diags_add(bd->d, ERR_TEST, 0, 0, "",
				          "Invalid git-repos dictionary in "
				          "install definition.");
				return -1;
			}
			const char *d = map_str(r, "destination");
			dest = d ? xstrdup(lookup_param(testdef, t->def, d))
			         : repo_dir_name(url);
		} else {
			diags_add(bd->d, ERR_TEST, 0, 0, "",
			          "Unrecognised git-repos block.");
			return -1;
		}
		if (*dest == '\0' || strchr(dest, '/') ||
		    strcmp(dest, "..") == 0 || strcmp(dest, ".") == 0) {
			diags_add(bd->d, ERR_JOB, 0, 0, "",
			          "Destination path is unacceptable %s", dest);
			free(dest);
			return -1;
		}
		char *path = xasprintf("%s/%s", abs, dest);
		free(dest);
		struct stat st;
		int rc;
		if (r->kind == YN_MAP && lstat(path, &st) == 0) {
			diags_add(bd->d, ERR_TEST, 0, 0, "",
			          "Cannot mix string and url forms for the "
			          "same repository.");
			rc = -1;
		} else {
			rc = fetch_git(&bd->f, url, path, &o, NULL);
		}
		free(path);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int
write_install(struct build *bd, struct overlay_test *t,
              const struct ynode *testdef, const char *rel, const char *abs)
{
	const struct ynode *inst = ymap_get(testdef, "install");
	struct buf b;
	int rc;
	if (inst == NULL)
		return 0;
	buf_init(&b);
	rc = params_preamble(bd, &b, testdef, t->def);
	if (!skipped(t->def, "keys"))
		each_line(&b, "lava-add-keys ", ymap_get(inst, "keys"));
	if (!skipped(t->def, "sources"))
		each_line(&b, "lava-add-sources ", ymap_get(inst, "sources"));
	if (!skipped(t->def, "deps")) {
		const struct ynode *deps[2] = {ymap_get(inst, "deps"), NULL};
		if (bd->spec->distro) {
			char *k = xasprintf("deps-%s", bd->spec->distro);
			deps[1] = ymap_get(inst, k);
			free(k);
		}
		size_t n = 0;
		for (int i = 0; i < 2; i++)
			for (size_t j = 0; deps[i] && deps[i]->kind == YN_SEQ &&
			                   j < deps[i]->n;
			     j++) {
				if (n++ == 0)
					buf_adds(&b, "lava-install-packages ");
				buf_printf(&b, "%s ",
				           node_str(deps[i]->items[j]));
			}
		if (n)
			buf_addc(&b, '\n');
	}
	const struct ynode *steps = ymap_get(inst, "steps");
	if (!skipped(t->def, "steps") && steps && steps->kind == YN_SEQ &&
	    steps->n) {
		buf_printf(&b, "cd %s\npwd\n", t->runner_path);
		each_line(&b, "", steps);
	}
	if (rc == 0)
		rc = put(bd, rel, &b, 0644);
	if (rc == 0 && !skipped(t->def, "git-repos"))
		rc = install_git_repos(bd, t, testdef, abs);
	buf_free(&b);
	return rc;
}

/* "$1" in a --cmd/--shell step means the step's own argument, not
 * run.sh's: escaped as LAVA does (re.sub(r"\$(\d+)\b", r"\\$\1")). */
static void
escape_positional(struct buf *b, const char *s)
{
	for (const char *p = s; *p; p++) {
		if (*p == '$' && p[1] >= '0' && p[1] <= '9') {
			const char *q = p + 1;
			while (*q >= '0' && *q <= '9')
				q++;
			bool word = (*q >= 'a' && *q <= 'z') ||
			            (*q >= 'A' && *q <= 'Z') || *q == '_';
			if (!word)
				buf_addc(b, '\\');
		}
		buf_addc(b, *p);
	}
}

static int
write_run(struct build *bd, struct overlay_test *t, const struct ynode *testdef,
          const char *rel)
{
	const struct ynode *sig = ymap_get(t->def, "lava-signal");
	bool kmsg = ynode_is_str(sig, "kmsg");
	long long delay = bd->spec->dev ? bd->spec->dev->delay_test : -1;
	/* LAVA's test shell wants the device's test character delay before
	 * each signal; a docker test shell does not. */
	bool needs_delay = ymap_get(t->block, "docker") == NULL && delay > 0;
	char *secs = NULL;
	if (needs_delay) {
		/* As Python prints the float delay / 1000: 0.5, 1.0, 0.03 */
		secs = xasprintf("%lld.%03lld", delay / 1000, delay % 1000);
		size_t n = strlen(secs);
		while (secs[n - 1] == '0' && secs[n - 2] != '.')
			secs[--n] = '\0';
	}
	struct buf b;
	int rc;
	buf_init(&b);
	rc = params_preamble(bd, &b, testdef, t->def);
	buf_printf(&b, "set -e\nset -x\nexport TESTRUN_ID=%s\ncd %s\n",
	           t->testrun, t->runner_path);
	buf_adds(&b, "UUID=\"$(cat uuid)\"\nset +x\n");
	if (needs_delay)
		/* Python prints a float: 0.5, 1.0 */
		buf_printf(&b, "export CHARACTER_DELAY=%s\nsleep %s\n", secs,
		           secs);
	if (kmsg)
		buf_adds(&b, "# USE_KMSG\nexport KMSG=true\n"
		             "echo \"<0><LAVA_SIGNAL_STARTRUN $TESTRUN_ID "
		             "$UUID>\" > /dev/kmsg\n");
	else
		buf_adds(&b, "echo \"<LAVA_SIGNAL_STARTRUN $TESTRUN_ID "
		             "$UUID>\"\n");
	buf_adds(&b, "set -x\n");
	const struct ynode *steps = ymap_get(ymap_get(testdef, "run"), "steps");
	for (size_t i = 0; steps && steps->kind == YN_SEQ && i < steps->n;
	     i++) {
		const struct ynode *s = steps->items[i];
		if (s == NULL || s->kind == YN_NULL)
			continue;
		const char *cmd = node_str(s);
		if (strstr(cmd, "--cmd") || strstr(cmd, "--shell"))
			escape_positional(&b, cmd);
		else
			buf_adds(&b, cmd);
		buf_addc(&b, '\n');
	}
	buf_adds(&b, "set +x\n");
	if (needs_delay)
		buf_printf(&b, "sleep %s\n", secs);
	if (kmsg)
		buf_adds(&b, "unset KMSG\n"
		             "echo \"<0><LAVA_SIGNAL_ENDRUN $TESTRUN_ID "
		             "$UUID>\" > /dev/kmsg\n");
	else
		buf_adds(&b, "echo \"<LAVA_SIGNAL_ENDRUN $TESTRUN_ID "
		             "$UUID>\"\n");
	if (rc == 0)
		rc = put(bd, rel, &b, 0644);
	free(secs);
	buf_free(&b);
	return rc;
}

/* A YAML document as yaml.safe_dump writes it. */
static int
dump_yaml(struct build *bd, const char *rel, struct rval *v)
{
	struct buf b;
	int rc;
	buf_init(&b);
	rc = rval_block(&b, v);
	if (rc < 0)
		diags_add(bd->d, ERR_BUG, 0, 0, "", "Unable to dump %s", rel);
	else
		rc = put(bd, rel, &b, 0644);
	buf_free(&b);
	rval_free(v);
	return rc;
}

static struct rval *
metadata_value(const struct ynode *meta, const char *key)
{
	const struct ynode *n = ymap_get(meta, key);
	return n ? rval_node(n) : rval_str("");
}

/* Whether PATH, symlinks resolved, is inside DIR (or missing: the
 * reading fails later with its own message). */
static bool
inside(const char *path, const char *dir)
{
	char *rp = realpath(path, NULL), *rd = realpath(dir, NULL);
	bool ok = rp == NULL || (rd && strncmp(rp, rd, strlen(rd)) == 0 &&
	                         rp[strlen(rd)] == '/');
	free(rp);
	free(rd);
	return ok;
}

/* A definition file of a repository or archive: its path resolved
 * (inside the test's directory: checked before), then opened without
 * following a link nor waiting on a FIFO, a regular file of at most
 * OVERLAY_MAX_TESTDEF_BYTES.  NULL with *WHY otherwise. */
static char *
read_testdef(const char *path, size_t *len, const char **why)
{
	char *real = realpath(path, NULL);
	if (real == NULL) {
		*why = strerror(errno);
		return NULL;
	}
	struct stat st;
	int fd = open_regular(real, false, &st, why);
	free(real);
	if (fd < 0)
		return NULL;
	if (st.st_size > OVERLAY_MAX_TESTDEF_BYTES) {
		static char msg[64];
		snprintf(msg, sizeof msg, "larger than %u bytes",
		         OVERLAY_MAX_TESTDEF_BYTES);
		*why = msg;
		close(fd);
		return NULL;
	}
	/* One byte more than allowed tells a file that grew. */
	size_t cap = OVERLAY_MAX_TESTDEF_BYTES + 1, n = 0;
	char *text = xmalloc(cap + 1);
	ssize_t r;
	while (n < cap && (r = read(fd, text + n, cap - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*why = strerror(errno);
			free(text);
			close(fd);
			return NULL;
		}
		n += (size_t)r;
	}
	close(fd);
	if (n > OVERLAY_MAX_TESTDEF_BYTES) {
		*why = "larger than its size said";
		free(text);
		return NULL;
	}
	text[n] = '\0';
	*len = n;
	return text;
}

static int
write_test(struct build *bd, struct overlay_test *t)
{
	char *dir = xasprintf("%u/tests/%s", t->stage, t->testrun);
	char *abs = xasprintf("%s/%s", bd->root, dir);
	char *rel = NULL, *yfile = NULL, *text = NULL;
	const char *why = NULL;
	struct ydoc *doc = NULL;
	struct buf b;
	size_t len;
	int rc = 0;
	buf_init(&b);
	if (strcmp(t->from, "git") == 0) {
		char *parent = xasprintf("%s/%u/tests", bd->root, t->stage);
		rc = mkdir_p(parent) < 0 ? fail_io(bd, parent)
		                         : git_definition(bd, t, abs);
		free(parent);
	} else if (strcmp(t->from, "url") == 0) {
		const struct ynode *sc = ymap_get(t->def, "strip-components");
		rc = fetch_url(&bd->f, t->repository, t->name,
		               sc && sc->kind == YN_INT ? sc->v.i : 0, abs);
	} else {
		struct rval *v = rval_node(ymap_get(t->def, "repository"));
		rel = xasprintf("%s/%s", dir, t->path);
		rc = dump_yaml(bd, rel, v);
		free(rel);
	}
	if (rc < 0)
		goto out;

	yfile = xasprintf("%s/%s", abs, t->path);
	char *vpath = xasprintf("%s/%s/%s", bd->top, dir, t->path);
	const struct vfile *vdef = vfile_find(bd, vpath);
	free(vpath);
	if (vdef == NULL && !inside(yfile, abs)) {
		/* A symlink in a repository must not read the dispatcher's
		 * files into the overlay. */
		diags_add(bd->d, ERR_JOB, 0, 0, "",
		          "Test definition path '%s' leaves the test's "
		          "directory",
		          t->path);
		rc = -1;
		goto out;
	}
	if (vdef && vdef->data) {
		text = xstrndup(vdef->data, vdef->len);
		len = vdef->len;
	} else {
		text = read_testdef(yfile, &len, &why);
	}
	struct yerror yerr;
	if (text)
		doc = ydoc_parse(text, len, &yerr);
	if (text == NULL || doc == NULL || ydoc_root(doc) == NULL ||
	    ydoc_root(doc)->kind != YN_MAP) {
		diags_add(bd->d, ERR_JOB, 0, 0, "",
		          "Unable to open test definition '%s': %s", t->path,
		          text == NULL  ? why
		          : doc == NULL ? yerr.msg
		                        : "not a mapping");
		rc = -1;
		goto out;
	}
	const struct ynode *testdef = ydoc_root(doc);
	const struct ynode *meta = ymap_get(testdef, "metadata");
	t->testdef_text = xstrndup(text, len);
	t->testdef_len = len;

	rel = xasprintf("%s/testdef.yaml", dir);
	rc = dump_yaml(bd, rel, rval_node(testdef));
	free(rel);
	rel = xasprintf("%s/uuid", dir);
	buf_adds(&b, t->uuid);
	if (rc == 0)
		rc = put(bd, rel, &b, 0644);
	free(rel);

	struct rval *m = rval_map();
	rval_put(m, "os", metadata_value(meta, "os"));
	rval_put(m, "devices", metadata_value(meta, "devices"));
	rval_put(m, "environment", metadata_value(meta, "environment"));
	rval_put(m, "branch_vcs", rval_str(t->from));
	rval_put(m, "project_name", rval_node(ymap_get(meta, "name")));
	if (t->commit_id)
		rval_put(m, "commit_id", rval_str(t->commit_id));
	rel = xasprintf("%s/testdef_metadata", dir);
	if (rc == 0)
		rc = dump_yaml(bd, rel, m);
	else
		rval_free(m);
	free(rel);

	rel = xasprintf("%s/install.sh", dir);
	if (rc == 0)
		rc = write_install(bd, t, testdef, rel, abs);
	free(rel);
	rel = xasprintf("%s/run.sh", dir);
	if (rc == 0)
		rc = write_run(bd, t, testdef, rel);
	free(rel);
out:
	ydoc_free(doc);
	free(text);
	free(yfile);
	free(abs);
	free(dir);
	buf_free(&b);
	return rc;
}

/* Whether directory REL is above the results dir TOP ("var" for
 * "var/lava-1"): it gets no entry of its own, so that unpacking at / as
 * root ("tar -C / -xzf") leaves the modes of /var or /tmp alone. */
static bool
above(const char *rel, const char *top)
{
	size_t n = strlen(rel);
	return strncmp(top, rel, n) == 0 && top[n] == '/';
}

/* One entry of the tar, from disk or from memory. */
struct tar_entry {
	char *path;
	const struct vfile *v; /* NULL: on disk, under tmp */
	bool implied;          /* a directory only its files name */
	bool dir;
};

/* Path order with '/' first, so that a directory's entries follow it
 * before its siblings ("a", "a/b", "a-c"), as a walk sorted by name. */
static int
tar_entry_cmp(const void *pa, const void *pb)
{
	const unsigned char *a =
		(const unsigned char *)((const struct tar_entry *)pa)->path;
	const unsigned char *b =
		(const unsigned char *)((const struct tar_entry *)pb)->path;
	for (;; a++, b++) {
		unsigned ca = *a == '/' ? 1 : *a, cb = *b == '/' ? 1 : *b;
		if (ca != cb || ca == 0)
			return (int)ca - (int)cb;
	}
}

struct tar_list {
	struct tar_entry *e;
	size_t n;
};

static void
tar_add(struct tar_list *t, const char *path, const struct vfile *v,
        bool implied, bool dir)
{
	t->e = xreallocarray(t->e, t->n + 1, sizeof *t->e);
	t->e[t->n++] = (struct tar_entry){xstrdup(path), v, implied, dir};
}

/* Every file under the build directory (what git and url brought). */
static int
walk_disk(struct tar_list *t, const char *base, const char *rel)
{
	char *path = *rel ? xasprintf("%s/%s", base, rel) : xstrdup(base);
	struct dirent **ents;
	int n = scandir(path, &ents, NULL, name_cmp), rc = n < 0 ? -1 : 0;
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		if (rc == 0 && strcmp(name, ".") != 0 &&
		    strcmp(name, "..") != 0) {
			char *r = *rel ? xasprintf("%s/%s", rel, name)
			               : xstrdup(name);
			bool dir = ents[i]->d_type == DT_DIR;
			if (ents[i]->d_type == DT_UNKNOWN) {
				struct stat st;
				char *full = xasprintf("%s/%s", path, name);
				dir = lstat(full, &st) == 0 &&
				      S_ISDIR(st.st_mode);
				free(full);
			}
			tar_add(t, r, NULL, false, dir);
			if (dir)
				rc = walk_disk(t, base, r);
			free(r);
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	free(path);
	return rc;
}

static int
tar_write(struct archive *a, struct build *bd, const struct tar_entry *te,
          time_t now)
{
	struct archive_entry *e = archive_entry_new();
	const char *body = NULL;
	size_t len = 0;
	int rc = 0, fd = -1;
	uint64_t size = 0;
	if (te->v || te->implied) {
		archive_entry_set_filetype(e, te->dir ? AE_IFDIR : AE_IFREG);
		archive_entry_set_perm(e, te->implied ? 0755 : te->v->mode);
		archive_entry_set_size(e, te->dir ? 0 : (la_int64_t)te->v->len);
		archive_entry_set_mtime(e, now, 0);
		if (!te->dir) {
			body = te->v->data;
			len = te->v->len;
		}
	} else {
		char *full = xasprintf("%s/%s", bd->tmp, te->path);
		struct stat st;
		if (lstat(full, &st) < 0) {
			free(full);
			archive_entry_free(e);
			return -1;
		}
		if (S_ISREG(st.st_mode)) {
			/* Opened as what lstat saw: never through a link,
			 * never a FIFO. */
			const char *why;
			fd = open_regular(full, false, &st, &why);
			rc = fd < 0 ? -1 : 0;
			size = (uint64_t)st.st_size;
		} else if (!S_ISLNK(st.st_mode) && !S_ISDIR(st.st_mode)) {
			/* A FIFO or a device (no archive unpacks one): never
			 * read, never packed. */
			free(full);
			archive_entry_free(e);
			return 0;
		}
		archive_entry_copy_stat(e, &st);
		if (S_ISLNK(st.st_mode)) {
			/* The link itself, never what it points to. */
			char target[4096];
			ssize_t tl = readlink(full, target, sizeof target - 1);
			target[tl < 0 ? 0 : tl] = '\0';
			archive_entry_set_symlink(e, target);
		}
		free(full);
	}
	archive_entry_set_pathname(e, te->path);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_uname(e, "root");
	archive_entry_set_gname(e, "root");
	if (rc == 0 && archive_write_header(a, e) != ARCHIVE_OK)
		rc = -1;
	if (rc == 0 && body && len &&
	    archive_write_data(a, body, len) != (la_ssize_t)len)
		rc = -1;
	/* A file from disk streams: it may be large. */
	char *chunk = fd >= 0 ? xmalloc(65536) : NULL;
	while (rc == 0 && fd >= 0 && size > 0) {
		ssize_t n = read(fd, chunk, size < 65536 ? size : 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 ||
		    archive_write_data(a, chunk, (size_t)n) != (la_ssize_t)n)
			rc = -1;
		else
			size -= (uint64_t)n;
		bd->packed += n > 0 ? (uint64_t)n : 0;
		if (rc == 0 && bd->packed >= FETCH_POLL_BYTES) {
			bd->packed = 0;
			if (!fetch_poll(&bd->f))
				rc = -1;
		}
	}
	free(chunk);
	if (fd >= 0)
		close(fd);
	archive_entry_free(e);
	return rc;
}

/* The tar: what is in memory and what is on disk, names relative to the
 * build's root, sorted as a walk by name, owned by root as LAVA's are.
 * What memory holds wins over a file of the same name on disk (tether's
 * run.sh over a repository's). */
static int
pack_all(struct archive *a, struct build *bd, const char *top)
{
	struct tar_list t = {0};
	int rc = walk_disk(&t, bd->tmp, "");
	for (size_t i = 0; i < bd->nvf; i++)
		tar_add(&t, bd->vf[i].path, &bd->vf[i], false,
		        bd->vf[i].data == NULL);
	/* Each memory file's directories, when nothing else names them. */
	size_t nreal = t.n;
	for (size_t i = 0; i < nreal; i++) {
		char *p = xstrdup(t.e[i].path);
		for (char *s = strrchr(p, '/'); s; s = strrchr(p, '/')) {
			*s = '\0';
			tar_add(&t, p, NULL, true, true);
		}
		free(p);
	}
	qsort(t.e, t.n, sizeof *t.e, tar_entry_cmp);
	time_t now = time(NULL);
	for (size_t i = 0; i < t.n && rc == 0; i++) {
		/* Entries of the same path are next to each other: the one
		 * from memory wins, then disk, then an implied directory. */
		size_t best = i;
		while (i + 1 < t.n && strcmp(t.e[i + 1].path, t.e[best].path) == 0) {
			i++;
			int rb = t.e[best].v ? 0 : t.e[best].implied ? 2 : 1;
			int ri = t.e[i].v ? 0 : t.e[i].implied ? 2 : 1;
			if (ri < rb)
				best = i;
		}
		const struct tar_entry *te = &t.e[best];
		if (te->dir && above(te->path, top))
			continue;
		rc = tar_write(a, bd, te, now);
	}
	for (size_t i = 0; i < t.n; i++)
		free(t.e[i].path);
	free(t.e);
	return rc;
}

static int
pack(struct build *bd, const char *out_tgz)
{
	struct archive *a = archive_write_new();
	const char *top = bd->l->results_dir + strspn(bd->l->results_dir, "/");
	int rc = 0;
	archive_write_add_filter_gzip(a);
	archive_write_set_format_pax_restricted(a);
	if (archive_write_open_filename(a, out_tgz) != ARCHIVE_OK ||
	    pack_all(a, bd, top) < 0 ||
	    archive_write_close(a) != ARCHIVE_OK)
		rc = -1;
	if (rc < 0 && !bd->f.stopped)
		diags_add(bd->d, ERR_INFRASTRUCTURE, 0, 0, "",
		          "Unable to write the overlay %s: %s", out_tgz,
		          archive_error_string(a) ? archive_error_string(a)
		                                  : strerror(errno));
	archive_write_free(a);
	if (rc < 0)
		unlink(out_tgz);
	return rc;
}

/* authorize: ssh (LAVA's ssh-authorize): the public key as
 * /root/.ssh/authorized_keys, replacing the device's on unpacking. */
static int
write_authorized_key(struct build *bd)
{
	const char *src = bd->spec->authorized_key;
	size_t len;
	char *key = file_read(src, &len);
	if (key == NULL) {
		diags_add(bd->d, ERR_INFRASTRUCTURE, 0, 0, "",
		          "authorize: ssh: cannot read the public key of "
		          "actions.deploy.methods.ssh.identity_file: %s",
		          strerror(errno));
		return -1;
	}
	int rc = 0;
	if (memmem(key, len, "PRIVATE KEY", 11) != NULL) {
		diags_add(bd->d, ERR_CONFIGURATION, 0, 0, "",
		          "authorize: ssh: the public key of "
		          "actions.deploy.methods.ssh.identity_file is a "
		          "private key; it is not copied");
		rc = -1;
	}
	if (rc == 0) {
		vfile_put(bd, "root", NULL, 0, 0700);
		vfile_put(bd, "root/.ssh", NULL, 0, 0700);
		vfile_put(bd, "root/.ssh/authorized_keys", key, len, 0600);
	}
	free(key);
	return rc;
}

int
overlay_build(const struct overlay_spec *spec, const char *out_tgz,
              struct overlay_layout *lout, struct diags *d)
{
	struct overlay_layout l;
	struct build bd = {.spec = spec, .l = &l, .d = d};
	const char *tmpdir = getenv("TMPDIR");
	struct mux *own = NULL;
	int rc = 0;
	if (overlay_layout(spec, &l, d) != 0) {
		overlay_layout_free(&l);
		return -1;
	}
	bd.f = (struct fetch){
	    .mux = spec->mux ? spec->mux : (own = mux_new()),
	    .deadline_ns = spec->deadline_ns,
	    .stop = spec->stop,
	    .stop_arg = spec->stop_arg,
	    .max_download = spec->max_download_bytes
	                        ? spec->max_download_bytes
	                        : OVERLAY_MAX_DOWNLOAD_BYTES,
	    .max_archive = spec->max_archive_bytes
	                       ? spec->max_archive_bytes
	                       : OVERLAY_MAX_ARCHIVE_BYTES,
	    .max_entries = spec->max_archive_entries
	                       ? spec->max_archive_entries
	                       : OVERLAY_MAX_ARCHIVE_ENTRIES,
	    .files = spec->files,
	    .d = d,
	};
	bd.tmp = xasprintf("%s/tether-overlay-XXXXXX",
	                   tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (mkdtemp(bd.tmp) == NULL) {
		rc = fail_io(&bd, bd.tmp);
		goto out;
	}
	bd.root = xasprintf("%s%s%s", bd.tmp, *l.results_dir == '/' ? "" : "/",
	                    l.results_dir);
	bd.top = l.results_dir + strspn(l.results_dir, "/");
	static const char *const dirs[] = {"bin", "tests", "results"};
	for (size_t i = 0; i < 3; i++) {
		char *p = xasprintf("%s/%s", bd.top, dirs[i]);
		vfile_put(&bd, p, NULL, 0, 0755);
		free(p);
	}
	if (rc == 0)
		rc = write_helpers(&bd);
	if (rc == 0)
		rc = write_environment(&bd);
	if (rc == 0 && spec->authorized_key)
		rc = write_authorized_key(&bd);
	for (size_t i = 0; i < l.ntests && rc == 0; i++)
		rc = build_stopped(&bd) ? -1 : write_test(&bd, &l.tests[i]);
	for (unsigned s = 0; s < l.nstages && rc == 0; s++) {
		struct buf b;
		buf_init(&b);
		for (size_t i = 0; i < l.ntests; i++)
			if (l.tests[i].stage == s)
				buf_printf(&b, "%s\n", l.tests[i].runner_path);
		char *rel = xasprintf("%u/lava-test-runner.conf", s);
		rc = put(&bd, rel, &b, 0644);
		free(rel);
		buf_free(&b);
	}
	if (rc == 0)
		rc = pack(&bd, out_tgz);
	rm_rf(bd.tmp);
out:
	if (bd.f.stopped) {
		rc = bd.f.stopped;
		if (rc == OVERLAY_TIMEOUT)
			diags_add(d, ERR_JOB, 0, 0, "",
			          "The deadline passed during the %s",
			          bd.f.waiting ? bd.f.waiting : "overlay's build");
	}
	free(bd.f.waiting);
	mux_free(own);
	vfiles_free(&bd);
	free(bd.tmp);
	free(bd.root);
	if (lout && rc == 0)
		*lout = l;
	else
		overlay_layout_free(&l);
	return rc;
}
