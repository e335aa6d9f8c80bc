/* validate.c: a job checked as LAVA checks it.  First LAVA's job schema
 * (lava_common/schemas: the top level, then each action block against the
 * schema of its boot method, deploy target or test form), then the rules
 * the dispatcher adds when it builds the pipeline, then, with a device,
 * whether that device offers what the job asks for. */
#include "validate.h"

#include <stdlib.h>
#include <string.h>

#include "lava-schema.h"
#include "schema.h"
#include "shlex.h"
#include "util.h"

static const char *const action_types[] = {"deploy", "boot", "test",
					   "command", NULL};

static bool
is_action_type(const char *s)
{
	for (size_t i = 0; action_types[i]; i++)
		if (strcmp(s, action_types[i]) == 0)
			return true;
	return false;
}

/* Enters actions[i].TYPE in the error path. */
static void
path_enter_action(struct schema_ctx *ctx, size_t i, const char *type)
{
	schema_path_push_key(ctx, "actions");
	schema_path_push_index(ctx, i);
	if (type)
		schema_path_push_key(ctx, type);
}

static void
path_leave_action(struct schema_ctx *ctx, const char *type)
{
	schema_path_pop(ctx);
	schema_path_pop(ctx);
	if (type)
		schema_path_pop(ctx);
}

/* The schema of one action block, as lava_common.schemas.validate picks
 * it; NULL with an error added when there is none. */
static const struct schema *
action_schema(struct schema_ctx *ctx, const char *type,
	      const struct ynode *body)
{
	const char *key = NULL, *what = NULL;
	const struct schema *s = NULL;
	if (strcmp(type, "command") == 0)
		return lava_schema_command();
	if (strcmp(type, "boot") == 0 || strcmp(type, "deploy") == 0) {
		key = type[0] == 'b' ? "method" : "to";
		what = type[0] == 'b' ? "boot method" : "deploy target";
		const struct ynode *v = ymap_get(body, key);
		if (v == NULL) {
			schema_error(ctx, body, "'%s' is required in a %s action",
				     key, type);
			return NULL;
		}
		if (v->kind != YN_STR) {
			schema_path_push_key(ctx, key);
			schema_error(ctx, v, "expected a string, got %s",
				     ynode_type_name(v));
			schema_path_pop(ctx);
			return NULL;
		}
		s = type[0] == 'b' ? lava_schema_boot(v->str)
				   : lava_schema_deploy(v->str);
		if (s == NULL) {
			schema_path_push_key(ctx, key);
			schema_error(ctx, v, "unknown %s '%s'", what, v->str);
			schema_path_pop(ctx);
		}
		return s;
	}
	if (strcmp(type, "test") == 0) {
		const char *form = ymap_key(body, "definitions")
					   ? (ymap_key(body, "docker")
						      ? "docker"
						      : "definition")
				   : ymap_key(body, "interactive") ? "interactive"
				   : ymap_key(body, "monitors")    ? "monitor"
				   : ymap_key(body, "services")    ? "service"
								   : NULL;
		if (form == NULL) {
			schema_error(ctx, body,
				     "invalid action: a test needs "
				     "'definitions', 'interactive', "
				     "'monitors' or 'services'");
			return NULL;
		}
		return lava_schema_test(form);
	}
	return NULL;
}

static int
validate_actions_schema(struct schema_ctx *ctx, const struct ynode *actions)
{
	int errors = 0;
	for (size_t i = 0; i < actions->n; i++) {
		const struct ynode *item = actions->items[i];
		if (item->kind != YN_MAP)
			continue; /* the job schema said so */
		if (item->n == 0) {
			path_enter_action(ctx, i, NULL);
			schema_error(ctx, item, "an action needs a type: one "
						"of deploy, boot, test, command");
			path_leave_action(ctx, NULL);
			errors++;
			continue;
		}
		const struct ynode *k = item->keys[0], *body = item->vals[0];
		if (k->kind != YN_STR || !is_action_type(k->str)) {
			if (k->kind == YN_STR && !ctx->strict) {
				/* The strict schema has said it already. */
				path_enter_action(ctx, i, NULL);
				schema_error(ctx, k, "Unknown action name '%s'",
					     k->str);
				path_leave_action(ctx, NULL);
				errors++;
			}
			continue;
		}
		if (body->kind != YN_MAP)
			continue; /* the job schema said so */
		path_enter_action(ctx, i, k->str);
		const struct schema *s = action_schema(ctx, k->str, body);
		if (s)
			errors += schema_validate(ctx, s, body);
		else
			errors++;
		path_leave_action(ctx, k->str);
	}
	return errors;
}

/* ---- the dispatcher's rules ---- */

static const struct ynode *
action_at(const struct ynode *actions, size_t i, const char **type)
{
	const struct ynode *item = actions->items[i];
	if (item->kind != YN_MAP || item->n == 0 ||
	    item->keys[0]->kind != YN_STR ||
	    !is_action_type(item->keys[0]->str) ||
	    item->vals[0]->kind != YN_MAP)
		return NULL;
	*type = item->keys[0]->str;
	return item->vals[0];
}

static const char *
action_namespace(const struct ynode *body)
{
	const struct ynode *ns = ymap_get(body, "namespace");
	return ns && ns->kind == YN_STR ? ns->str : "common";
}


/* The boot methods whose pipeline logs in when the block has prompts
 * (LAVA's AutoLoginAction); docker, jlink and the like never do. */
static const char *const login_methods[] = {
	"avh",      "barebox",   "depthcharge", "fastboot", "fvp",
	"grub",     "grub-efi",  "ipxe",        "kexec",    "minimal",
	"musca",    "new_connection", "nodebooter", "qemu", "qemu-iso",
	"qemu-nfs", "schroot",   "ssh",         "u-boot",   "uefi",
	"uefi-menu", NULL,
};

/* AutoLoginAction.validate: a boot block that has prompts gets a login
 * step, which checks prompts and auto_login with these messages. */
static int
check_auto_login(struct schema_ctx *ctx, const struct ynode *boot)
{
	int errors = 0;
	const struct ynode *params = ymap_get(boot, "auto_login");
	const struct ynode *method = ymap_get(boot, "method");
	bool logs_in = false;
	for (size_t i = 0; login_methods[i] && !logs_in; i++)
		logs_in = ynode_is_str(method, login_methods[i]);
	if (!logs_in || !ymap_key(boot, "prompts"))
		return 0;
	if (ynode_truthy(params)) {
		schema_path_push_key(ctx, "auto_login");
		if (params->kind != YN_MAP) {
			schema_error(ctx, params,
				     "'auto_login' should be a dictionary");
			schema_path_pop(ctx);
			return 1;
		}
		const struct ynode *lp = ymap_get(params, "login_prompt");
		if (!ymap_key(params, "login_prompt")) {
			schema_error(ctx, params,
				     "'login_prompt' is mandatory for "
				     "auto_login");
			errors++;
		} else if (!ynode_truthy(lp)) {
			schema_error(ctx, lp,
				     "Value for 'login_prompt' cannot be empty");
			errors++;
		}
		if (!ymap_key(params, "username")) {
			schema_error(ctx, params,
				     "'username' is mandatory for auto_login");
			errors++;
		}
		if (ymap_key(params, "password_prompt") &&
		    !ymap_key(params, "password")) {
			schema_error(ctx, params,
				     "'password' is mandatory if "
				     "'password_prompt' is used in auto_login");
			errors++;
		}
		if (ymap_key(params, "login_commands")) {
			const struct ynode *lc = ymap_get(params, "login_commands");
			if (lc->kind != YN_SEQ) {
				schema_error(ctx, lc,
					     "'login_commands' must be a list");
				errors++;
			}
			if (!ynode_truthy(lc)) {
				schema_error(ctx, lc,
					     "'login_commands' must not be "
					     "empty");
				errors++;
			}
		}
		schema_path_pop(ctx);
	}
	const struct ynode *prompts = ymap_get(boot, "prompts");
	schema_path_push_key(ctx, "prompts");
	if (prompts->kind == YN_NULL) {
		schema_error(ctx, prompts,
			     "'prompts' is mandatory for AutoLoginAction");
		errors++;
	}
	if (prompts->kind != YN_SEQ && prompts->kind != YN_STR) {
		schema_error(ctx, prompts, "'prompts' should be a list or a str");
		errors++;
	}
	if (!ynode_truthy(prompts)) {
		schema_error(ctx, prompts, "Value for 'prompts' cannot be empty");
		errors++;
	}
	if (prompts->kind == YN_SEQ)
		for (size_t i = 0; i < prompts->n; i++)
			if (!ynode_truthy(prompts->items[i])) {
				schema_path_push_index(ctx, i);
				schema_error(ctx, prompts->items[i],
					     "Items of 'prompts' can't be "
					     "empty");
				schema_path_pop(ctx);
				errors++;
			}
	schema_path_pop(ctx);
	return errors;
}

/* A test definition name seen, for uniqueness. */
struct seen_name {
	const char *ns, *name;
	const struct ynode *roles; /* the block's role list, or NULL */
	size_t block;              /* which test action */
};

/* Whether two blocks run in the same job: MultiNode sub-jobs are split
 * by role. */
static bool
roles_overlap(const struct ynode *a, const struct ynode *b)
{
	if (a == NULL || b == NULL || a->kind != YN_SEQ || b->kind != YN_SEQ)
		return true;
	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n; j++)
			if (ynode_key_equal(a->items[i], b->items[j]))
				return true;
	return false;
}

/* Test definitions: the name pattern the dispatcher uses (no dots, unlike
 * the schema), unique, and not "lava".  lava-run wants names unique in a
 * whole namespace; tether names results by level and name, so a name
 * reused in another test block of the namespace runs fine here: that is
 * a warning about LAVA, not an error. */
static int
check_test_definitions(struct schema_ctx *ctx, const struct ynode *test,
		       size_t block, struct seen_name **seen, size_t *nseen)
{
	const struct ynode *defs = ymap_get(test, "definitions");
	const char *ns = action_namespace(test);
	const struct ynode *roles = ymap_get(test, "role");
	int errors = 0;
	if (defs == NULL || defs->kind != YN_SEQ)
		return 0;
	schema_path_push_key(ctx, "definitions");
	for (size_t i = 0; i < defs->n; i++) {
		const struct ynode *name = ymap_get(defs->items[i], "name");
		if (name == NULL || name->kind != YN_STR)
			continue; /* the schema says so */
		schema_path_push_index(ctx, i);
		schema_path_push_key(ctx, "name");
		if (py_re_match("^[\\w\\d\\_\\-]+$", name->str, name->len) !=
		    1) {
			schema_error(ctx, name,
				     "Invalid characters found in test "
				     "definition name: %s",
				     name->str);
			errors++;
		}
		if (strcmp(name->str, "lava") == 0) {
			enum err_class cls = ctx->cls;
			ctx->cls = ERR_TEST;
			schema_error(ctx, name,
				     "The \"lava\" test definition name is "
				     "reserved.");
			ctx->cls = cls;
			errors++;
		}
		const struct seen_name *dup = NULL;
		for (size_t j = 0; j < *nseen && !dup; j++)
			if (strcmp((*seen)[j].ns, ns) == 0 &&
			    strcmp((*seen)[j].name, name->str) == 0 &&
			    roles_overlap((*seen)[j].roles, roles))
				dup = &(*seen)[j];
		if (dup && dup->block == block) {
			schema_error(ctx, name,
				     "Test definition names need to be unique.");
			errors++;
		} else if (dup) {
			schema_error(ctx, name,
				     "Test definition names need to be unique "
				     "in a namespace for lava-run: '%s' is "
				     "also used by actions[%zu] in namespace "
				     "'%s'",
				     name->str, dup->block, ns);
			ctx->diags->v[ctx->diags->n - 1].warning = true;
		} else {
			*seen = xreallocarray(*seen, *nseen + 1, sizeof **seen);
			(*seen)[(*nseen)++] =
				(struct seen_name){ns, name->str, roles, block};
		}
		schema_path_pop(ctx);
		schema_path_pop(ctx);
	}
	schema_path_pop(ctx);
	return errors;
}

/* ---- what becomes a path or an argument on the worker ---- */

static int
check_name(struct schema_ctx *ctx, const struct ynode *n, const char *what)
{
	if (n == NULL || n->kind != YN_STR)
		return 0;
	const char *why = path_name_problem(n->str, n->len);
	if (why == NULL)
		return 0;
	schema_error(ctx, n,
		     "%s %s: it names a directory of the job on the worker",
		     what, why);
	return 1;
}

/* The file name a download takes from URL: its path's last part. */
static int
check_url_name(struct schema_ctx *ctx, const struct ynode *url)
{
	if (url == NULL || url->kind != YN_STR)
		return 0;
	const char *p = url->str;
	const char *scheme = strstr(p, "://");
	if (scheme)
		p = scheme + 3;
	size_t plen = strcspn(p, "?#");
	const char *slash = memrchr(p, '/', plen);
	const char *base = slash ? slash + 1 : p;
	size_t blen = (size_t)(p + plen - base);
	if (blen == 0 && slash == NULL)
		return 0; /* no path: LAVA's name "image" is used */
	char *name = xstrndup(base, blen);
	const char *why = blen == 0 ? NULL : path_name_problem(name, blen);
	if (why)
		schema_error(ctx, url,
			     "the URL's file name '%s' %s: it names a file "
			     "of the job on the worker",
			     name, why);
	free(name);
	return why != NULL;
}

/* An argument line LAVA splits into a program's arguments (shlex). */
static int
check_split(struct schema_ctx *ctx, const struct ynode *n)
{
	if (n == NULL || n->kind != YN_STR)
		return 0;
	struct strv a = {0};
	char err[64];
	if (shlex_split(n->str, &a, err, sizeof err) == 0) {
		strv_free(&a);
		return 0;
	}
	schema_error(ctx, n,
		     "cannot be split into arguments as LAVA splits a "
		     "command line: %s",
		     err);
	return 1;
}

/* A test definition's path: inside the test's directory. */
static int
check_def_path(struct schema_ctx *ctx, const struct ynode *path)
{
	if (path == NULL || path->kind != YN_STR)
		return 0;
	bool escapes = path_escapes(path->str);
	if (escapes)
		schema_error(ctx, path,
			     "Test definition path '%s' leaves the test's "
			     "directory",
			     path->str);
	return escapes;
}

/* A word git takes as an argument: never an option of its own. */
static int
check_git_word(struct schema_ctx *ctx, const struct ynode *n,
	       const char *what)
{
	if (n == NULL || n->kind != YN_STR || n->str[0] != '-')
		return 0;
	schema_error(ctx, n, "%s '%s' starts with '-': git would take it as "
			     "an option",
		     what, n->str);
	return 1;
}

/* A git repository: a URL or a path, no remote helper ("ext::cmd" runs
 * a command on the worker). */
static int
check_git_repository(struct schema_ctx *ctx, const struct ynode *repo)
{
	if (repo == NULL || repo->kind != YN_STR)
		return 0;
	if (check_git_word(ctx, repo, "the repository"))
		return 1;
	const char *helper = strstr(repo->str, "::");
	if (helper && memchr(repo->str, '/', (size_t)(helper - repo->str)) ==
			      NULL) {
		schema_error(ctx, repo,
			     "the repository '%s' names a git remote helper "
			     "('%.*s::'): only URLs and paths are fetched",
			     repo->str, (int)(helper - repo->str), repo->str);
		return 1;
	}
	return 0;
}

/* A url definition's repository: http, https or file. */
static int
check_url_scheme(struct schema_ctx *ctx, const struct ynode *repo)
{
	if (repo == NULL || repo->kind != YN_STR)
		return 0;
	if (strncmp(repo->str, "http://", 7) == 0 ||
	    strncmp(repo->str, "https://", 8) == 0 ||
	    strncmp(repo->str, "file://", 7) == 0)
		return 0;
	schema_error(ctx, repo,
		     "Unsupported url '%s' (http, https or file)", repo->str);
	return 1;
}

static int
check_test_inputs(struct schema_ctx *ctx, const struct ynode *body)
{
	const struct ynode *defs = ymap_get(body, "definitions");
	int errors = 0;
	if (defs == NULL || defs->kind != YN_SEQ)
		return 0;
	schema_path_push_key(ctx, "definitions");
	for (size_t i = 0; i < defs->n; i++) {
		const struct ynode *def = defs->items[i];
		const struct ynode *from = ymap_get(def, "from");
		const struct ynode *repo = ymap_get(def, "repository");
		schema_path_push_index(ctx, i);
		schema_path_push_key(ctx, "path");
		errors += check_def_path(ctx, ymap_get(def, "path"));
		schema_path_pop(ctx);
		schema_path_push_key(ctx, "repository");
		if (ynode_is_str(from, "git"))
			errors += check_git_repository(ctx, repo);
		else if (ynode_is_str(from, "url"))
			errors += check_url_scheme(ctx, repo);
		schema_path_pop(ctx);
		if (ynode_is_str(from, "git")) {
			schema_path_push_key(ctx, "revision");
			errors += check_git_word(ctx, ymap_get(def, "revision"),
						 "the revision");
			schema_path_pop(ctx);
			schema_path_push_key(ctx, "branch");
			errors += check_git_word(ctx, ymap_get(def, "branch"),
						 "the branch");
			schema_path_pop(ctx);
		}
		schema_path_pop(ctx);
	}
	schema_path_pop(ctx);
	return errors;
}

/* What a job names that becomes a path or a program's argument on the
 * worker: refused here with its key, before anything runs. */
static int
check_worker_inputs(struct schema_ctx *ctx, const struct ynode *body,
		    const char *type)
{
	int errors = 0;
	enum err_class cls = ctx->cls;
	ctx->cls = ERR_JOB;
	schema_path_push_key(ctx, "namespace");
	errors += check_name(ctx, ymap_get(body, "namespace"), "the namespace");
	schema_path_pop(ctx);
	if (strcmp(type, "test") == 0)
		errors += check_test_inputs(ctx, body);
	const struct ynode *imgs = ymap_get(body, "images");
	if (strcmp(type, "deploy") == 0 && imgs && imgs->kind == YN_MAP) {
		schema_path_push_key(ctx, "images");
		for (size_t i = 0; i < imgs->n; i++) {
			const struct ynode *label = imgs->keys[i];
			if (label->kind != YN_STR)
				continue;
			schema_path_push_key(ctx, label->str);
			errors += check_name(ctx, label, "the image label");
			schema_path_push_key(ctx, "url");
			errors += check_url_name(ctx, ymap_get(imgs->vals[i], "url"));
			schema_path_pop(ctx);
			schema_path_push_key(ctx, "image_arg");
			errors += check_split(ctx, ymap_get(imgs->vals[i], "image_arg"));
			schema_path_pop(ctx);
			schema_path_pop(ctx);
		}
		schema_path_pop(ctx);
	}
	ctx->cls = cls;
	return errors;
}

static int
validate_dispatcher_rules(struct schema_ctx *ctx, const struct ynode *actions)
{
	int errors = 0;
	struct seen_name *seen = NULL;
	size_t nseen = 0;
	for (size_t i = 0; i < actions->n; i++) {
		const char *type;
		const struct ynode *body = action_at(actions, i, &type);
		if (body == NULL)
			continue;
		path_enter_action(ctx, i, type);
		if (ymap_key(body, "failure_retry") && ymap_key(body, "repeat")) {
			schema_path_push_key(ctx, "repeat");
			schema_error(ctx, ymap_key(body, "repeat"),
				     "Unable to use repeat and failure_retry, "
				     "use a repeat block");
			schema_path_pop(ctx);
			errors++;
		}
		errors += check_worker_inputs(ctx, body, type);
		if (strcmp(type, "boot") == 0)
			errors += check_auto_login(ctx, body);
		if (strcmp(type, "test") == 0)
			errors += check_test_definitions(ctx, body, i, &seen,
							 &nseen);
		path_leave_action(ctx, type);
	}
	free(seen);
	return errors;
}

/* ---- what the device offers ---- */

/* The boot methods a device must list for a job's method: LAVA's boot
 * strategies accept some methods through another's entry. */
static bool
device_offers_boot(const struct ynode *methods, const char *method)
{
	if (ymap_key(methods, method))
		return true;
	if (strcmp(method, "qemu-nfs") == 0 || strcmp(method, "qemu-iso") == 0)
		return ymap_key(methods, "qemu") != NULL;
	if (strcmp(method, "new_connection") == 0 ||
	    strcmp(method, "minimal") == 0 || strcmp(method, "ssh") == 0 ||
	    strcmp(method, "lxc") == 0)
		/* Strategies that need no device entry (ssh is checked
		 * through the deploy methods, lxc needs the LXC protocol). */
		return strcmp(method, "ssh") != 0 ||
		       ymap_key(methods, "ssh") != NULL;
	return false;
}

static bool
has_tag(const struct ynode *conn, const char *tag)
{
	const struct ynode *tags = ymap_get(conn, "tags");
	if (tags == NULL || tags->kind != YN_SEQ)
		return false;
	for (size_t i = 0; i < tags->n; i++)
		if (ynode_is_str(tags->items[i], tag))
			return true;
	return false;
}

static int
check_new_connection(struct schema_ctx *ctx, const struct ynode *device,
		     const struct ynode *boot)
{
	const struct ynode *name = ymap_get(boot, "connection");
	if (name == NULL || name->kind != YN_STR)
		return 0; /* the schema says so */
	const struct ynode *conns =
		ymap_get(ymap_get(device, "commands"), "connections");
	schema_path_push_key(ctx, "connection");
	int errors = 0;
	enum err_class cls = ctx->cls;
	ctx->cls = ERR_JOB;
	if (conns == NULL || conns->kind != YN_MAP) {
		schema_error(ctx, name,
			     "Unable to connect to shell - missing "
			     "connections block.");
		errors++;
	} else if (ymap_get(conns, name->str) == NULL) {
		struct buf known;
		buf_init(&known);
		for (size_t i = 0; i < conns->n; i++)
			if (conns->keys[i]->kind == YN_STR)
				buf_printf(&known, "%s'%s'", i ? ", " : "",
					   conns->keys[i]->str);
		schema_error(ctx, name,
			     "the device has no connection '%s' (it has: %s)",
			     name->str, known.len ? known.data : "none");
		buf_free(&known);
		errors++;
	} else if (has_tag(ymap_get(conns, name->str), "primary")) {
		schema_error(ctx, name,
			     "connection '%s' is the primary connection: "
			     "new_connection needs a secondary one",
			     name->str);
		errors++;
	}
	ctx->cls = cls;
	schema_path_pop(ctx);
	return errors;
}

static int
validate_device(struct schema_ctx *ctx, const struct ynode *actions,
		const struct ynode *device)
{
	int errors = 0;
	const struct ynode *dactions = ymap_get(device, "actions");
	const struct ynode *boot_methods =
		ymap_get(ymap_get(dactions, "boot"), "methods");
	const struct ynode *deploy_methods =
		ymap_get(ymap_get(dactions, "deploy"), "methods");
	for (size_t i = 0; i < actions->n; i++) {
		const char *type;
		const struct ynode *body = action_at(actions, i, &type);
		if (body == NULL)
			continue;
		path_enter_action(ctx, i, type);
		const struct ynode *m = NULL;
		if (strcmp(type, "boot") == 0) {
			m = ymap_get(body, "method");
			if (m && m->kind == YN_STR &&
			    !device_offers_boot(boot_methods, m->str)) {
				schema_path_push_key(ctx, "method");
				schema_error(ctx, m,
					     "None of the Base-boot strategies "
					     "accepted your deployment "
					     "parameters: boot method '%s' is "
					     "not in the device configuration "
					     "boot methods",
					     m->str);
				schema_path_pop(ctx);
				errors++;
			}
			if (ynode_is_str(m, "new_connection"))
				errors += check_new_connection(ctx, device,
							       body);
		} else if (strcmp(type, "deploy") == 0) {
			m = ymap_get(body, "to");
			/* to: tmpfs is LAVA's DeployImages, which needs the
			 * device's "image" method (a "tmpfs" one is taken
			 * too). */
			if (m && m->kind == YN_STR &&
			    !ymap_key(deploy_methods, m->str) &&
			    !(ynode_is_str(m, "tmpfs") &&
			      ymap_key(deploy_methods, "image"))) {
				schema_path_push_key(ctx, "to");
				schema_error(ctx, m,
					     "None of the Base-deploy strategies "
					     "accepted your deployment "
					     "parameters: deploy method '%s' is "
					     "not in the device configuration "
					     "deploy methods",
					     m->str);
				schema_path_pop(ctx);
				errors++;
			}
		}
		path_leave_action(ctx, type);
	}
	return errors;
}

/* A dispatcher message replaces a schema message about the same node:
 * LAVA's own words are the ones users know. */
static void
drop_superseded(struct diags *schema_errors, const struct diags *rules)
{
	size_t out = 0;
	for (size_t i = 0; i < schema_errors->n; i++) {
		struct diag *g = &schema_errors->v[i];
		bool superseded = false;
		for (size_t j = 0; j < rules->n && !superseded; j++)
			superseded = !rules->v[j].warning &&
				     rules->v[j].line == g->line &&
				     rules->v[j].col == g->col && g->line > 0;
		if (superseded) {
			free(g->path);
			free(g->msg);
		} else {
			schema_errors->v[out++] = *g;
		}
	}
	schema_errors->n = out;
}

int
job_validate(const struct ynode *job, const struct validate_opts *opts,
	     struct diags *d)
{
	struct diags schema_errors, rules;
	struct schema_ctx ctx;
	diags_init(&schema_errors);
	diags_init(&rules);

	schema_ctx_init(&ctx, &schema_errors, ERR_JOB, opts->strict);
	schema_validate(&ctx, &lava_schema_job, job);
	const struct ynode *actions = ymap_get(job, "actions");
	if (actions && actions->kind == YN_SEQ) {
		validate_actions_schema(&ctx, actions);
		ctx.diags = &rules;
		validate_dispatcher_rules(&ctx, actions);
		if (opts->device)
			validate_device(&ctx, actions, opts->device);
	}
	schema_ctx_free(&ctx);

	drop_superseded(&schema_errors, &rules);
	int n = (int)(diags_errors(&schema_errors) + diags_errors(&rules));
	diags_move(d, &schema_errors);
	diags_move(d, &rules);
	return n;
}
