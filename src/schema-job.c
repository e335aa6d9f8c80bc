/* schema-job.c: the top level of LAVA's job schema and the pieces every
 * action block shares; the checks the schema runs once the shape is
 * right (timeouts within the job timeout, MultiNode roles, namespaces). */
#include "lava-schema.h"

#include <stdlib.h>
#include <string.h>

#include "timeout.h"
#include "util.h"

/* Variables a job's context: may set (they reach the device template). */
static const char *const context_variables[] = {
	/* qemu */
	"arch", "boot_console", "boot_root", "cpu", "extra_options",
	"guestfs_driveid", "guestfs_interface", "guestfs_size", "machine",
	"memory", "model", "monitor", "netdevice", "no_kvm", "no_network",
	"serial", "vga",
	/* u-boot */
	"booti_dtb_addr", "booti_kernel_addr", "booti_ramdisk_addr",
	"bootm_dtb_addr", "bootm_kernel_addr", "bootm_ramdisk_addr",
	"bootz_dtb_addr", "bootz_kernel_addr", "bootz_ramdisk_addr",
	/* the rest */
	"deploy_character_delay", "boot_character_delay", "boot_retry",
	"bootloader_prompt", "console_device", "custom_kernel_args",
	"extra_kernel_args", "extra_nfsroot_args", "failure_retry",
	"kernel_loglevel", "kernel_start_message", "lava_test_results_dir",
	"menu_interrupt_prompt", "mustang_menu_list", "test_character_delay",
	"tftp_mac_address", "uboot_extra_error_message", "uboot_needs_interrupt",
	"uboot_altbank", NULL};

#define TIMEOUT_UNIT(u) MAP(KEYS(REQ(u, RANGE_MIN(1)), OPT("skip", S_BOOL)))
const struct schema lava_schema_timeout = {
	.kind = SC_ANY,
	.alts = ALTS(TIMEOUT_UNIT("days"), TIMEOUT_UNIT("hours"),
		     TIMEOUT_UNIT("minutes"), TIMEOUT_UNIT("seconds")),
};
#define TIMEOUT (&lava_schema_timeout)

const struct schema_key lava_schema_action_keys[] = {
	OPT("namespace",
	    ALL(S_STR, NOT_IN("'common' and 'docker-test-shell' are reserved "
			      "namespace names",
			      "common", "docker-test-shell"))),
	OPT("connection-namespace", S_STR),
	OPT("protocols", S_OBJECT),
	OPT("role", LIST(S_STR)),
	OPT("timeout", TIMEOUT),
	OPT("timeouts", MAP(KEYS(ANY_STR_KEY(TIMEOUT)))),
	OPT("repeat", RANGE_MIN(1)),
	OPT("failure_retry", RANGE_MIN(1)),
	OPT("failure_retry_interval", RANGE_MIN(1)),
	{0},
};

const struct schema lava_schema_docker_image = {
	.kind = SC_ALL,
	.msg = "Invalid docker image name",
	.alts = ALTS(MATCH("^[a-z0-9]+[a-z0-9._/:-]*[a-z0-9]+"
			   "(:[a-zA-Z0-9_]+[a-zA-Z0-9._-]*)?$")),
};

#define DOCKER_KEYS(image_key)                                               \
	REQ(image_key, &lava_schema_docker_image), OPT("local", S_BOOL),      \
		OPT("container_name", S_STR), OPT("network_from", S_STR),     \
		OPT("login", MAP(KEYS(REQ("registry", S_STR),                  \
				      REQ("user", S_STR),                      \
				      REQ("password", S_STR)))),               \
	{                                                                      \
		0                                                              \
	}

const struct schema_key lava_schema_docker_keys[] = {DOCKER_KEYS("image")};
const struct schema_key lava_schema_docker_name_keys[] = {
	DOCKER_KEYS("name")};

/* A context map: only the known variables, whatever the strictness. */
#define CONTEXT                                                              \
	MAP_CLOSED(KEYS(IN_KEY(context_variables,                              \
			       ANY(S_INT, S_STR, LIST(S_INT, S_STR)))))

static const struct schema_key role_device_keys[] = {
	REQ("device_type", S_STR),
	REQ("count", RANGE_MIN(0)),
	OPT("device", S_STR),
	OPT("worker", S_STR),
	OPT("context", CONTEXT),
	OPT("tags", LIST(S_STR)),
	OPT("environment", S_DICT),
	OPT("essential", S_BOOL),
	OPT("timeout", TIMEOUT),
	{0},
};

static const struct schema_key role_connection_keys[] = {
	REQ("connection", S_STR),
	REQ("count", RANGE_MIN(0)),
	REQ("expect_role", S_STR),
	REQ("host_role", S_STR),
	OPT("essential", S_BOOL),
	OPT("request", S_STR),
	OPT("tags", LIST(S_STR)),
	OPT("timeout", TIMEOUT),
	OPT("context", CONTEXT),
	{0},
};

static const struct schema_key callback_keys[] = {
	REQ("url", S_STR),
	OPT("method", ANY(EQ("GET"), EQ("POST"))),
	OPT("token", S_STR),
	OPT("header", S_STR),
	OPT("dataset", ANY(EQ("minimal"), EQ("logs"), EQ("results"), EQ("all"))),
	OPT("content-type", ANY(EQ("json"), EQ("urlencoded"))),
	{0},
};

#define STATUS_ANY                                                           \
	ANY(EQ("finished"), EQ("running"), EQ("complete"), EQ("canceled"),    \
	    EQ("incomplete"))

static const struct schema_key criteria_all[] = {
	REQ("status", EQ("all")),
	{0},
};
static const struct schema_key criteria_status[] = {
	REQ("status", STATUS_ANY),
	OPT("dependency_query", S_STR),
	{0},
};
static const struct schema_key criteria_change[] = {
	REQ("status", ANY(EQ("complete"), EQ("incomplete"))),
	OPT("type", ANY(EQ("regression"), EQ("progression"))),
	{0},
};
static const struct schema_key recipient_to[] = {
	REQ("method", ANY(EQ("email"), EQ("irc"))),
	OPT("user", S_STR),
	OPT("email", S_STR),
	OPT("handle", S_STR),
	OPT("server", S_STR),
	{0},
};
static const struct schema_key compare_query_user[] = {
	REQ("username", S_STR),
	REQ("name", S_STR),
	{0},
};
static const struct schema_key compare_query_entity[] = {
	REQ("entity", S_STR),
	OPT("conditions", MAP(KEYS(ANY_STR_KEY(S_STR)))),
	{0},
};
static const struct schema_key compare_keys[] = {
	OPT("blacklist", LIST(S_STR)),
	OPT("query", ANY(MAP(compare_query_user), MAP(compare_query_entity))),
	{0},
};
static const struct schema_key notify_keys[] = {
	REQ("criteria", ANY(MAP(criteria_all), MAP(criteria_status),
			    MAP(criteria_change))),
	OPT("verbosity", ANY(EQ("verbose"), EQ("quiet"), EQ("status-only"))),
	OPT("recipients", LIST(MAP(KEYS(REQ("to", MAP(recipient_to)))))),
	EXCL("callback", "callback", MAP(callback_keys)),
	EXCL("callbacks", "callback", LIST(MAP(callback_keys))),
	OPT("compare", MAP(compare_keys)),
	{0},
};

/* lava-lxc (release 2026.02 and earlier; the LXC jobs use it). */
static const struct schema_key lxc_keys[] = {
	REQ("name", S_STR),
	REQ("distribution", S_STR),
	REQ("release", S_STR),
	OPT("arch", S_STR),
	OPT("mirror", S_STR),
	OPT("persist", S_BOOL),
	OPT("security_mirror", S_STR),
	OPT("template", S_STR),
	OPT("timeout", TIMEOUT),
	OPT("verbose", S_BOOL),
	{0},
};

static const char *const action_types[] = {"boot", "command", "deploy",
					   "test", NULL};

static int check_job(struct schema_ctx *ctx, const struct ynode *job);

#define NAME200 ALL(S_STR, LENGTH(1, 200))

const struct schema lava_schema_job = {
	.kind = SC_ALL,
	.alts = ALTS(
	MAP(KEYS(
		REQ("job_name", NAME200), OPT("device_type", NAME200),
		OPT("device", NAME200), OPT("worker", NAME200),
		REQ("timeouts",
		    MAP(KEYS(REQ("job", TIMEOUT), OPT("action", TIMEOUT),
			     OPT("actions", MAP(KEYS(ANY_STR_KEY(TIMEOUT)))),
			     OPT("connection", TIMEOUT),
			     OPT("connections",
				 MAP(KEYS(ANY_STR_KEY(TIMEOUT)))),
			     OPT("queue", TIMEOUT)))),
		REQ("visibility",
		    ANY(EQ("public"), EQ("personal"),
			MAP(KEYS(OPT("group", LIST(S_STR)))))),
		OPT("context", CONTEXT),
		OPT("metadata", MAP(KEYS(ANY_STR_KEY(S_OBJECT)))),
		OPT("priority",
		    ANY(EQ("high"), EQ("medium"), EQ("low"), RANGE(0, 100))),
		OPT("tags", LIST(S_STR)),
		OPT("secrets", MAP(KEYS(ANY_STR_KEY(S_STR)))),
		OPT("environment", S_DICT),
		OPT("protocols",
		    MAP(KEYS(
			    OPT("lava-multinode",
				MAP(KEYS(REQ("roles",
					     MAP(KEYS(ANY_STR_KEY(
						     ANY(MAP(role_device_keys),
							 MAP(role_connection_keys)))))),
					 OPT("timeout", TIMEOUT)))),
			    OPT("lava-xnbd",
				MAP(KEYS(REQ("port", ANY(EQ("auto"), S_INT)),
					 OPT("timeout", TIMEOUT)))),
			    OPT("lava-lxc",
				ANY(MAP(lxc_keys),
				    MAP(KEYS(ANY_STR_KEY(MAP(lxc_keys))))))))),
		OPT("notify", MAP(notify_keys)), OPT("reboot_to_fastboot", S_BOOL),
		REQ("actions", LIST(MAP(KEYS(IN_KEY(action_types, S_DICT))))))),
	CHECK(check_job)),
};

/* ---- checks on a well-shaped job ---- */


/* The type and body of an action list item: {type: body}. */
static const struct ynode *
action_body(const struct ynode *item, const char **type)
{
	if (item->kind != YN_MAP || item->n == 0 ||
	    item->keys[0]->kind != YN_STR)
		return NULL;
	*type = item->keys[0]->str;
	return item->vals[0];
}

static int
check_timeout_within(struct schema_ctx *ctx, const struct ynode *t,
		     long long job_seconds, const char *prefix)
{
	long long s;
	if (t == NULL || timeout_parse(t, &s) < 0 || s <= job_seconds)
		return 0;
	schema_error(ctx, t, "%s timeout is larger than job timeout", prefix);
	return 1;
}

static int
check_timeout_map(struct schema_ctx *ctx, const struct ynode *map,
		  const char *key, long long job_seconds)
{
	const struct ynode *m = ymap_get(map, key);
	int errors = 0;
	if (m == NULL || m->kind != YN_MAP)
		return 0;
	schema_path_push_key(ctx, key);
	for (size_t i = 0; i < m->n; i++) {
		if (m->keys[i]->kind != YN_STR)
			continue;
		schema_path_push_key(ctx, m->keys[i]->str);
		errors += check_timeout_within(ctx, m->vals[i], job_seconds,
					       "Global");
		schema_path_pop(ctx);
	}
	schema_path_pop(ctx);
	return errors;
}

static int
check_timeouts(struct schema_ctx *ctx, const struct ynode *job)
{
	const struct ynode *timeouts = ymap_get(job, "timeouts");
	long long job_seconds;
	int errors = 0;
	if (timeout_parse(ymap_get(timeouts, "job"), &job_seconds) < 0)
		return 0;
	schema_path_push_key(ctx, "timeouts");
	static const char *const globals[] = {"action", "connection"};
	for (size_t i = 0; i < 2; i++) {
		schema_path_push_key(ctx, globals[i]);
		errors += check_timeout_within(
			ctx, ymap_get(timeouts, globals[i]), job_seconds,
			"Global");
		schema_path_pop(ctx);
	}
	errors += check_timeout_map(ctx, timeouts, "actions", job_seconds);
	errors += check_timeout_map(ctx, timeouts, "connections", job_seconds);
	schema_path_pop(ctx);

	const struct ynode *actions = ymap_get(job, "actions");
	for (size_t i = 0; actions && i < actions->n; i++) {
		const char *type;
		const struct ynode *body = action_body(actions->items[i], &type);
		if (body == NULL)
			continue;
		schema_path_push_key(ctx, "actions");
		schema_path_push_index(ctx, i);
		schema_path_push_key(ctx, type);
		schema_path_push_key(ctx, "timeout");
		errors += check_timeout_within(ctx, ymap_get(body, "timeout"),
					       job_seconds, "Action");
		for (int k = 0; k < 4; k++)
			schema_path_pop(ctx);
	}
	return errors;
}

static int
check_multinode(struct schema_ctx *ctx, const struct ynode *job)
{
	bool multinode =
		ynode_truthy(ymap_get(ymap_get(job, "protocols"), "lava-multinode"));
	static const char *const extras[] = {"device_type", "environment",
					     "context", "tags"};
	int errors = 0;
	for (size_t i = 0; i < 4; i++) {
		const struct ynode *v = ymap_get(job, extras[i]);
		if (ynode_truthy(v) && multinode) {
			schema_path_push_key(ctx, extras[i]);
			schema_error(ctx, ymap_key(job, extras[i]),
				     "\"%s\" should not be used with multinode",
				     extras[i]);
			schema_path_pop(ctx);
			errors++;
		}
		if (i == 0 && !ynode_truthy(v) && !multinode) {
			schema_error(ctx, job,
				     "\"device_type\" or multinode should be "
				     "defined");
			errors++;
		}
	}
	if (!multinode)
		return errors;
	const struct ynode *actions = ymap_get(job, "actions");
	for (size_t i = 0; actions && i < actions->n; i++) {
		const char *type;
		const struct ynode *body = action_body(actions->items[i], &type);
		if (body == NULL || ymap_key(body, "role"))
			continue;
		schema_path_push_key(ctx, "actions");
		schema_path_push_index(ctx, i);
		schema_path_push_key(ctx, type);
		schema_error(ctx, body,
			     "Every action of a multinode job should have "
			     "roles");
		for (int k = 0; k < 3; k++)
			schema_path_pop(ctx);
		errors++;
	}
	return errors;
}

static int
check_namespaces(struct schema_ctx *ctx, const struct ynode *job)
{
	const struct ynode *actions = ymap_get(job, "actions");
	size_t with = 0, total = actions ? actions->n : 0;
	const struct ynode *first_without = NULL;
	size_t first_without_index = 0;
	for (size_t i = 0; i < total; i++) {
		const char *type;
		const struct ynode *body = action_body(actions->items[i], &type);
		const struct ynode *ns = ymap_get(body, "namespace");
		if (ns && ns->kind != YN_NULL)
			with++;
		else if (first_without == NULL) {
			first_without = actions->items[i];
			first_without_index = i;
		}
	}
	if (with == 0 || with == total)
		return 0;
	schema_path_push_key(ctx, "actions");
	schema_path_push_index(ctx, first_without_index);
	schema_error(ctx, first_without,
		     "When using namespaces, every action should have a "
		     "namespace");
	schema_path_pop(ctx);
	schema_path_pop(ctx);
	return 1;
}

static int
check_job(struct schema_ctx *ctx, const struct ynode *job)
{
	return check_timeouts(ctx, job) + check_multinode(ctx, job) +
	       check_namespaces(ctx, job);
}
