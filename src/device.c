/* device.c: the device configuration model and its checks.
 *
 * A rendered device configuration is loaded into struct device, checked
 * against LAVA's device schema (lava_common/schemas/device.py) and the
 * rules the dispatcher applies to connections later, at job time, so a
 * lab finds a broken device before a job does: commands.connect or
 * commands.connections with exactly one primary, tags tether knows,
 * power commands as strings or lists, the deploy and boot methods and
 * connections, constants, timeouts and character delays. */
#include "device.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* Tags with a meaning: primary and secondary say which connection, the
 * others how to close it (lava_dispatcher/connection.py RECOGNIZED_TAGS). */
static const char *const known_tags[] = {"primary", "secondary", "telnet",
                                         "ssh", "shell"};

static const char *const power_keys[POWER_N] = {
    "hard_reset", "soft_reboot",       "power_off",
    "power_on",   "pre_power_command", "pre_os_command",
};

static void cfg_error(struct diags *d, const struct ynode *n, const char *path,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
cfg_error(struct diags *d, const struct ynode *n, const char *path,
          const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	diags_add(d, ERR_CONFIGURATION, n ? n->line : 0, n ? n->col : 0, path,
	          "%s", msg);
}

static const char *
kind_name(const struct ynode *n)
{
	return n ? ynode_type_name(n) : "nothing";
}

/* The value at KEY of MAP, which must be a map; reports a missing
 * required key against MAP. */
static const struct ynode *
need(struct diags *d, const struct ynode *map, const char *path,
     const char *key, bool required)
{
	const struct ynode *v = ymap_get(map, key);
	if (v == NULL && required && !ymap_key(map, key)) {
		char p[256];
		snprintf(p, sizeof p, "%s%s%s", path, path[0] ? "." : "", key);
		cfg_error(d, map, p, "required key not provided");
	}
	return v;
}

static bool
expect_kind(struct diags *d, const struct ynode *n, const char *path,
            enum ynode_kind kind, const char *what)
{
	if (n && n->kind == kind)
		return true;
	cfg_error(d, n, path, "expected %s, got %s", what, kind_name(n));
	return false;
}

/* A map, or null where LAVA's schema says Any(None, dict). */
static bool
map_or_null(struct diags *d, const struct ynode *map, const char *path,
            const char *key, const struct ynode **out)
{
	char p[256];
	snprintf(p, sizeof p, "%s.%s", path, key);
	const struct ynode *v = ymap_get(map, key);
	*out = NULL;
	if (v == NULL) {
		if (!ymap_key(map, key)) {
			cfg_error(d, map, p, "required key not provided");
			return false;
		}
		return true;
	}
	if (v->kind == YN_NULL)
		return true;
	if (!expect_kind(d, v, p, YN_MAP, "a dictionary or null"))
		return false;
	*out = v;
	return true;
}

static void
check_str_or_list(struct diags *d, const struct ynode *n, const char *path)
{
	if (n->kind == YN_STR)
		return;
	if (n->kind != YN_SEQ) {
		cfg_error(d, n, path,
		          "expected a string or a list of strings, "
		          "got %s",
		          kind_name(n));
		return;
	}
	for (size_t i = 0; i < n->n; i++)
		if (n->items[i]->kind != YN_STR) {
			char p[300];
			snprintf(p, sizeof p, "%s[%zu]", path, i);
			cfg_error(d, n->items[i], p, "expected str, got %s",
			          kind_name(n->items[i]));
		}
}

static void
check_str_list(struct diags *d, const struct ynode *n, const char *path)
{
	if (!expect_kind(d, n, path, YN_SEQ, "a list of strings"))
		return;
	for (size_t i = 0; i < n->n; i++)
		if (n->items[i]->kind != YN_STR) {
			char p[300];
			snprintf(p, sizeof p, "%s[%zu]", path, i);
			cfg_error(d, n->items[i], p, "expected str, got %s",
			          kind_name(n->items[i]));
		}
}

static bool
known_tag(const char *tag)
{
	for (size_t i = 0; i < sizeof known_tags / sizeof known_tags[0]; i++)
		if (strcmp(tag, known_tags[i]) == 0)
			return true;
	return false;
}

static void
load_connections(struct device *dev, const struct ynode *conns, struct diags *d)
{
	if (!expect_kind(d, conns, "commands.connections", YN_MAP,
	                 "a dictionary of connections"))
		return;
	dev->conns = xcalloc(conns->n ? conns->n : 1, sizeof *dev->conns);
	for (size_t i = 0; i < conns->n; i++) {
		const struct ynode *k = conns->keys[i], *v = conns->vals[i];
		char path[256];
		snprintf(path, sizeof path, "commands.connections.%s",
		         k->kind == YN_STR ? k->str : "?");
		if (k->kind != YN_STR) {
			cfg_error(d, k, "commands.connections",
			          "a connection name should be a string, "
			          "not %s",
			          kind_name(k));
			continue;
		}
		if (!expect_kind(d, v, path, YN_MAP, "a dictionary"))
			continue;
		struct device_conn *c = &dev->conns[dev->nconns++];
		c->name = k->str;
		c->node = v;
		const struct ynode *cmd = ymap_get(v, "connect");
		char p[300];
		snprintf(p, sizeof p, "%s.connect", path);
		if (cmd == NULL)
			/* LAVA's wording (connections/serial.py). */
			cfg_error(d, v, p,
			          "Misconfigured connection commands: "
			          "required key not provided");
		else if (expect_kind(d, cmd, p, YN_STR, "str"))
			c->connect = cmd->str;
		const struct ynode *tags = ymap_get(v, "tags");
		snprintf(p, sizeof p, "%s.tags", path);
		if (tags == NULL && !ymap_key(v, "tags"))
			continue;
		if (!expect_kind(d, tags, p, YN_SEQ, "a list of tags"))
			continue;
		c->tags = xcalloc(tags->n ? tags->n : 1, sizeof *c->tags);
		for (size_t t = 0; t < tags->n; t++) {
			const struct ynode *tag = tags->items[t];
			char tp[340];
			snprintf(tp, sizeof tp, "%s[%zu]", p, t);
			if (!expect_kind(d, tag, tp, YN_STR, "str"))
				continue;
			if (!known_tag(tag->str)) {
				cfg_error(d, tag, tp,
				          "unknown tag '%s' (known: primary, "
				          "secondary, telnet, ssh, shell)",
				          tag->str);
				continue;
			}
			c->tags[c->ntags++] = tag->str;
			if (strcmp(tag->str, "primary") == 0)
				c->primary = true;
		}
	}
	/* Exactly one primary: it is the console the job boots on. */
	const struct device_conn *first = NULL;
	for (size_t i = 0; i < dev->nconns; i++) {
		const struct device_conn *c = &dev->conns[i];
		if (!c->primary)
			continue;
		if (first == NULL) {
			first = c;
			continue;
		}
		char p[256];
		snprintf(p, sizeof p, "commands.connections.%s.tags", c->name);
		cfg_error(d, ymap_get(c->node, "tags"), p,
		          "connections '%s' and '%s' are both tagged primary; "
		          "exactly one may be",
		          first->name, c->name);
	}
	/* A QEMU device boots on QEMU's own standard I/O (boot method:
	 * qemu); its connections are the further serial ports. */
	const struct ynode *boot_methods = ymap_get(
		ymap_get(ymap_get(dev->root, "actions"), "boot"), "methods");
	if (first == NULL && dev->nconns && !ymap_get(boot_methods, "qemu"))
		cfg_error(d, conns, "commands.connections",
		          "no connection is tagged primary (Unable to "
		          "identify primary connection command)");
	dev->primary = first;
}

static void
load_commands(struct device *dev, const struct ynode *cmds, struct diags *d)
{
	if (!expect_kind(d, cmds, "commands", YN_MAP, "a dictionary"))
		return;
	const struct ynode *connect = ymap_get(cmds, "connect");
	if (connect &&
	    expect_kind(d, connect, "commands.connect", YN_STR, "str"))
		dev->connect = connect->str;
	const struct ynode *conns = ymap_get(cmds, "connections");
	if (conns)
		load_connections(dev, conns, d);
	if (connect && conns)
		cfg_error(d, conns, "commands.connections",
		          "commands.connect and commands.connections may not "
		          "be mixed (LAVA would silently use connect)");
	const struct ynode *must = ymap_get(cmds, "must_use_connection");
	if (must && expect_kind(d, must, "commands.must_use_connection",
	                        YN_BOOL, "bool"))
		dev->must_use_connection = must->v.b;
	if (dev->must_use_connection && connect && !conns)
		cfg_error(d, connect, "commands.connect",
		          "Unable to connect to shell - missing connections "
		          "block (this device type sets must_use_connection)");
	for (int i = 0; i < POWER_N; i++) {
		const struct ynode *v = ymap_get(cmds, power_keys[i]);
		char p[64];
		snprintf(p, sizeof p, "commands.%s", power_keys[i]);
		if (v) {
			check_str_or_list(d, v, p);
			dev->power[i] = v;
		}
	}
	const struct ynode *users = ymap_get(cmds, "users");
	if (users &&
	    expect_kind(d, users, "commands.users", YN_MAP, "a dictionary")) {
		for (size_t i = 0; i < users->n; i++) {
			const struct ynode *u = users->vals[i];
			char p[256];
			snprintf(p, sizeof p, "commands.users.%s",
			         users->keys[i]->kind == YN_STR
			             ? users->keys[i]->str
			             : "?");
			if (!expect_kind(d, u, p, YN_MAP, "a dictionary"))
				continue;
			const struct ynode *v = need(d, u, p, "do", true);
			char q[300];
			snprintf(q, sizeof q, "%s.do", p);
			if (v)
				check_str_or_list(d, v, q);
			if ((v = ymap_get(u, "undo")) != NULL) {
				snprintf(q, sizeof q, "%s.undo", p);
				check_str_or_list(d, v, q);
			}
		}
	}
}

static void
check_timeout(struct diags *d, const struct ynode *t, const char *path)
{
	static const char *const units[] = {"days", "hours", "minutes",
	                                    "seconds"};
	if (!expect_kind(d, t, path, YN_MAP, "a timeout such as {minutes: 5}"))
		return;
	int count = 0;
	for (size_t i = 0; i < 4; i++) {
		const struct ynode *v = ymap_get(t, units[i]);
		if (v == NULL)
			continue;
		count++;
		char p[320];
		snprintf(p, sizeof p, "%s.%s", path, units[i]);
		if (v->kind != YN_INT || v->v.i < 1)
			cfg_error(d, v, p,
			          "expected an integer of at least 1, got %s",
			          v->kind == YN_INT ? v->str : kind_name(v));
	}
	if (count != 1)
		cfg_error(d, t, path,
		          "a timeout has exactly one of days, hours, minutes "
		          "or seconds");
	const struct ynode *skip = ymap_get(t, "skip");
	if (skip) {
		char p[320];
		snprintf(p, sizeof p, "%s.skip", path);
		expect_kind(d, skip, p, YN_BOOL, "bool");
	}
}

static void
load_timeouts(struct device *dev, const struct ynode *t, struct diags *d)
{
	if (!expect_kind(d, t, "timeouts", YN_MAP, "a dictionary"))
		return;
	static const char *const kinds[] = {"actions", "connections"};
	for (int k = 0; k < 2; k++) {
		char path[64];
		snprintf(path, sizeof path, "timeouts.%s", kinds[k]);
		const struct ynode *m = need(d, t, "timeouts", kinds[k], true);
		if (m == NULL ||
		    !expect_kind(d, m, path, YN_MAP, "a dictionary"))
			continue;
		if (k == 0)
			dev->timeouts_actions = m;
		else
			dev->timeouts_connections = m;
		for (size_t i = 0; i < m->n; i++) {
			char p[300];
			snprintf(p, sizeof p, "%s.%s", path,
			         m->keys[i]->kind == YN_STR ? m->keys[i]->str
			                                    : "?");
			check_timeout(d, m->vals[i], p);
		}
	}
}

static void
load_delays(struct device *dev, const struct ynode *cd, struct diags *d)
{
	static const char *const keys[] = {"deploy", "boot", "test"};
	long long *slots[] = {&dev->delay_deploy, &dev->delay_boot,
	                      &dev->delay_test};
	if (!expect_kind(d, cd, "character_delays", YN_MAP, "a dictionary"))
		return;
	for (int i = 0; i < 3; i++) {
		const struct ynode *v = ymap_get(cd, keys[i]);
		char p[64];
		snprintf(p, sizeof p, "character_delays.%s", keys[i]);
		if (v && expect_kind(d, v, p, YN_INT, "int (milliseconds)")) {
			if (v->v.i < 0)
				cfg_error(d, v, p,
				          "a delay cannot be "
				          "negative");
			else
				*slots[i] = v->v.i;
		}
	}
}

static void
load_ssh(struct device *dev, const struct ynode *ssh, struct diags *d)
{
	if (ssh == NULL || ssh->kind == YN_NULL)
		return;
	const char *base = "actions.deploy.methods.ssh";
	if (!expect_kind(d, ssh, base, YN_MAP, "a dictionary"))
		return;
	static const char *const strs[] = {"host", "user", "identity_file"};
	const char **slots[] = {&dev->ssh.host, &dev->ssh.user,
	                        &dev->ssh.identity_file};
	for (int i = 0; i < 3; i++) {
		const struct ynode *v = ymap_get(ssh, strs[i]);
		char p[128];
		snprintf(p, sizeof p, "%s.%s", base, strs[i]);
		if (v && expect_kind(d, v, p, YN_STR, "str"))
			*slots[i] = v->str;
	}
	const struct ynode *port = ymap_get(ssh, "port");
	dev->ssh.port = 22;
	if (port && expect_kind(d, port, "actions.deploy.methods.ssh.port",
	                        YN_INT, "int"))
		dev->ssh.port = port->v.i;
	const struct ynode *opts = ymap_get(ssh, "options");
	if (opts) {
		check_str_list(d, opts, "actions.deploy.methods.ssh.options");
		dev->ssh.options = opts;
	}
}

static void
load_actions(struct device *dev, const struct ynode *actions, struct diags *d)
{
	if (!expect_kind(d, actions, "actions", YN_MAP, "a dictionary"))
		return;
	const struct ynode *deploy =
	    need(d, actions, "actions", "deploy", true);
	const struct ynode *v;
	if (deploy &&
	    expect_kind(d, deploy, "actions.deploy", YN_MAP, "a dictionary")) {
		map_or_null(d, deploy, "actions.deploy", "methods",
		            &dev->deploy_methods);
		if (ymap_key(deploy, "connections"))
			map_or_null(d, deploy, "actions.deploy", "connections",
			            &v);
		if ((v = ymap_get(deploy, "parameters")) != NULL)
			expect_kind(d, v, "actions.deploy.parameters", YN_MAP,
			            "a dictionary");
		load_ssh(dev, ymap_get(dev->deploy_methods, "ssh"), d);
	}
	const struct ynode *boot = need(d, actions, "actions", "boot", true);
	if (boot &&
	    expect_kind(d, boot, "actions.boot", YN_MAP, "a dictionary")) {
		map_or_null(d, boot, "actions.boot", "connections",
		            &dev->boot_connections);
		map_or_null(d, boot, "actions.boot", "methods",
		            &dev->boot_methods);
	}
	const struct ynode *test = ymap_get(actions, "test");
	if (test &&
	    expect_kind(d, test, "actions.test", YN_MAP, "a dictionary")) {
		const struct ynode *m =
		    need(d, test, "actions.test", "methods", true);
		if (m)
			expect_kind(d, m, "actions.test.methods", YN_MAP,
			            "a dictionary");
	}
}

/* A primary remote connection device (actions.deploy.methods.ssh.host
 * set: lava-connections "Devices supporting Primary Remote Connections")
 * is only reached over the network and powered by its owner: remote
 * deploy methods only, no serial connection command, no power commands
 * (the last as lava_common/schemas/device.py extra_checks says it).
 * LAVA's own ssh code wants the key `serial` in actions.boot.connections
 * (ssh.jinja2 has it), so that key is left alone: a serial connection is
 * a command that opens one. */
static void
check_primary_remote(struct device *dev, struct diags *d)
{
	const struct ynode *m = dev->deploy_methods;
	for (size_t i = 0; m && m->kind == YN_MAP && i < m->n; i++) {
		const struct ynode *k = m->keys[i];
		if (k->kind != YN_STR || strcmp(k->str, "ssh") == 0 ||
		    strcmp(k->str, "schroot") == 0)
			continue;
		char p[256];
		snprintf(p, sizeof p, "actions.deploy.methods.%s", k->str);
		cfg_error(d, k, p,
		          "A primary remote connection device "
		          "(actions.deploy.methods.ssh.host) has only remote "
		          "deploy methods (ssh, schroot), not '%s'.",
		          k->str);
	}
	const struct ynode *cmds = ymap_get(dev->root, "commands");
	static const char *const serial[] = {"connect", "connections"};
	for (int i = 0; i < 2; i++) {
		const struct ynode *v = ymap_get(cmds, serial[i]);
		char p[64];
		snprintf(p, sizeof p, "commands.%s", serial[i]);
		if (v)
			cfg_error(d, v, p,
			          "A primary remote connection device "
			          "(actions.deploy.methods.ssh.host) has no "
			          "serial connection.");
	}
	static const enum device_power power[] = {POWER_OFF, POWER_ON,
	                                          POWER_HARD_RESET};
	for (int i = 0; i < 3; i++) {
		if (dev->power[power[i]] == NULL)
			continue;
		char p[64];
		snprintf(p, sizeof p, "commands.%s", power_keys[power[i]]);
		cfg_error(d, dev->power[power[i]], p,
		          "When primary connection is used, power control "
		          "commands (power_off, power_on, hard_reset) should "
		          "not be specified.");
	}
}

int
device_load(struct device *dev, const char *data, size_t len, struct diags *d)
{
	memset(dev, 0, sizeof *dev);
	dev->delay_deploy = dev->delay_boot = dev->delay_test = -1;
	struct yerror yerr;
	dev->doc = ydoc_parse(data, len, &yerr);
	if (dev->doc == NULL) {
		diags_add(d, ERR_CONFIGURATION, yerr.line, yerr.col, "", "%s",
		          yerr.msg);
		return -1;
	}
	size_t before = diags_errors(d);
	const struct ynode *root = ydoc_root(dev->doc);
	dev->root = root;
	if (root == NULL || root->kind != YN_MAP) {
		cfg_error(d, root, "",
		          "a device configuration is a mapping, not %s",
		          kind_name(root));
		return (int)(diags_errors(d) - before);
	}
	const struct ynode *v;
	if ((v = ymap_get(root, "hostname")) && v->kind == YN_STR)
		dev->hostname = v->str;
	if ((v = ymap_get(root, "devicetype")) && v->kind == YN_STR)
		dev->devicetype = v->str;
	if ((v = ymap_get(root, "character_delays")) != NULL)
		load_delays(dev, v, d);
	if ((v = ymap_get(root, "commands")) != NULL)
		load_commands(dev, v, d);
	if ((dev->constants = need(d, root, "", "constants", true)) != NULL &&
	    !expect_kind(d, dev->constants, "constants", YN_MAP,
	                 "a dictionary"))
		dev->constants = NULL;
	if ((v = need(d, root, "", "parameters", true)) != NULL)
		expect_kind(d, v, "parameters", YN_MAP, "a dictionary");
	if ((v = need(d, root, "", "actions", true)) != NULL)
		load_actions(dev, v, d);
	if ((v = need(d, root, "", "timeouts", true)) != NULL)
		load_timeouts(dev, v, d);
	if ((v = ymap_get(root, "available_architectures")) != NULL)
		check_str_list(d, v, "available_architectures");
	static const char *const listdicts[] = {"device_info", "static_info",
	                                        "storage_info"};
	for (int i = 0; i < 3; i++)
		if ((v = ymap_get(root, listdicts[i])) != NULL &&
		    expect_kind(d, v, listdicts[i], YN_SEQ,
		                "a list of dictionaries"))
			for (size_t k = 0; k < v->n; k++)
				if (v->items[k]->kind != YN_MAP) {
					char p[64];
					snprintf(p, sizeof p, "%s[%zu]",
					         listdicts[i], k);
					cfg_error(d, v->items[k], p,
					          "expected a dictionary, "
					          "got %s",
					          kind_name(v->items[k]));
				}
	if (dev->ssh.host && dev->ssh.host[0])
		check_primary_remote(dev, d);
	return (int)(diags_errors(d) - before);
}

void
device_free(struct device *dev)
{
	for (size_t i = 0; i < dev->nconns; i++)
		free(dev->conns[i].tags);
	free(dev->conns);
	ydoc_free(dev->doc);
	memset(dev, 0, sizeof *dev);
}

const struct ynode *
device_constant(const struct device *dev, const char *key, const char *prefix)
{
	if (dev->constants == NULL)
		return NULL;
	if (prefix)
		return ymap_get(ymap_get(dev->constants, prefix), key);
	return ymap_get(dev->constants, key);
}

static bool
is_dictionary(const char *file)
{
	size_t n = strlen(file);
	return n > 7 && strcmp(file + n - 7, ".jinja2") == 0;
}

int
device_load_file(struct device *dev, struct tmpl_env *env, const char *file,
                 struct diags *d, FILE *err)
{
	char *data;
	size_t len;
	memset(dev, 0, sizeof *dev);
	if (is_dictionary(file)) {
		struct buf b;
		struct tmpl_error terr;
		buf_init(&b);
		if (tmpl_render_file(env, file, &b, &terr) < 0) {
			tmpl_error_print(&terr, err);
			buf_free(&b);
			return -1;
		}
		len = b.len;
		data = buf_steal(&b);
	} else if ((data = file_read(file, &len)) == NULL) {
		fprintf(err, "tether: %s: %s\n", file, strerror(errno));
		return -1;
	}
	int rc = device_load(dev, data, len, d);
	free(data);
	return rc < 0 ? (int)diags_errors(d) : rc;
}

int
device_check_file(struct tmpl_env *env, const char *file, FILE *out, FILE *err)
{
	struct diags d;
	diags_init(&d);
	char *data;
	size_t len;
	char *label = NULL;
	int rc = 0;
	if (is_dictionary(file)) {
		struct buf b;
		struct tmpl_error terr;
		if (access(file, R_OK) < 0) {
			fprintf(err, "tether: %s: %s\n", file, strerror(errno));
			return 2;
		}
		buf_init(&b);
		if (tmpl_render_file(env, file, &b, &terr) < 0) {
			tmpl_error_print(&terr, out);
			buf_free(&b);
			return 1;
		}
		len = b.len;
		data = buf_steal(&b);
		/* LAVA silently prefers connection_command; say so. */
		int cc = tmpl_file_set_line(env, file, "connection_command");
		int cl = tmpl_file_set_line(env, file, "connection_list");
		if (cc && cl) {
			struct diags dd;
			diags_init(&dd);
			diags_add(&dd, ERR_CONFIGURATION, cc > cl ? cc : cl, 1,
			          cc > cl ? "connection_command"
			                  : "connection_list",
			          "connection_command (line %d) and "
			          "connection_list (line %d) may not be mixed "
			          "in a device dictionary; LAVA would silently "
			          "use connection_command",
			          cc, cl);
			diags_print(&dd, file, out);
			diags_free(&dd);
			rc = 1;
		}
		label = xasprintf("%s (rendered)", file);
	} else {
		data = file_read(file, &len);
		if (data == NULL) {
			fprintf(err, "tether: %s: %s\n", file, strerror(errno));
			return 2;
		}
	}
	struct device dev;
	int n = device_load(&dev, data, len, &d);
	diags_sort(&d);
	diags_print(&d, label ? label : file, out);
	if (n != 0)
		rc = 1;
	if (rc == 0)
		fprintf(out, "%s: ok\n", file);
	device_free(&dev);
	diags_free(&d);
	free(label);
	free(data);
	return rc;
}

/* A YAML node as a template value (job context entries). */
static struct tval *
value_from_ynode(struct tmpl_env *env, const struct ynode *n, int depth)
{
	if (n == NULL || depth > 64)
		return tval_new_none(env);
	switch (n->kind) {
	case YN_NULL:
		return tval_new_none(env);
	case YN_BOOL:
		return tval_new_bool(env, n->v.b);
	case YN_INT:
		if (!n->big)
			return tval_new_int(env, n->v.i);
		return tval_new_str(env, n->str, n->len);
	case YN_FLOAT:
		return tval_new_float(env, n->v.f);
	case YN_SEQ: {
		struct tval *l = tval_new_list(env);
		for (size_t i = 0; i < n->n; i++)
			tval_list_append(
			    env, l,
			    value_from_ynode(env, n->items[i], depth + 1));
		return l;
	}
	case YN_MAP: {
		struct tval *d = tval_new_dict(env);
		for (size_t i = 0; i < n->n; i++)
			tval_dict_set(
			    env, d,
			    value_from_ynode(env, n->keys[i], depth + 1),
			    value_from_ynode(env, n->vals[i], depth + 1));
		return d;
	}
	default:
		return tval_new_str(env, n->str ? n->str : "", n->len);
	}
}

void
device_set_context(struct tmpl_env *env, const struct ynode *ctx)
{
	if (ctx == NULL || ctx->kind != YN_MAP)
		return;
	for (size_t i = 0; i < ctx->n; i++) {
		const struct ynode *k = ctx->keys[i];
		if (k->kind == YN_STR)
			tmpl_env_set_var(env, k->str,
			                 value_from_ynode(env, ctx->vals[i], 0));
	}
}
