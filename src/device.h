/* device.h: the device configuration (what lava-run takes with --device),
 * read from rendered YAML or from a device dictionary (rendered first). */
#ifndef TETHER_DEVICE_H
#define TETHER_DEVICE_H

#include <stdbool.h>
#include <stdio.h>

#include "diag.h"
#include "template.h"
#include "yaml.h"

/* One entry of commands.connections. */
struct device_conn {
	const char *name;
	const char *connect; /* NULL when missing */
	const char **tags;
	size_t ntags;
	bool primary;
	const struct ynode *node;
};

enum device_power {
	POWER_HARD_RESET,
	POWER_SOFT_REBOOT,
	POWER_OFF,
	POWER_ON,
	POWER_PRE_POWER,
	POWER_PRE_OS,
	POWER_N,
};

struct device {
	struct ydoc *doc;
	const struct ynode *root;
	const char *hostname, *devicetype;
	const char *connect; /* legacy commands.connect, or NULL */
	struct device_conn *conns;
	size_t nconns;
	const struct device_conn *primary; /* the connection tagged primary */
	bool must_use_connection;
	/* Each a string or a list of strings, or NULL. */
	const struct ynode *power[POWER_N];
	const struct ynode *constants;
	const struct ynode *deploy_methods, *boot_connections, *boot_methods;
	const struct ynode *timeouts_actions, *timeouts_connections;
	/* character_delays, in milliseconds; -1 when not set */
	long long delay_deploy, delay_boot, delay_test;
	/* actions.deploy.methods.ssh */
	struct {
		const char *host, *user, *identity_file;
		long long port;
		const struct ynode *options;
	} ssh;
};

/* Parses and checks a rendered device configuration.  Every problem is
 * added to D as a ConfigurationError with its key path.  Returns the
 * number of errors, or -1 when DATA is no YAML (also in D). */
int device_load(struct device *dev, const char *data, size_t len,
                struct diags *d);
void device_free(struct device *dev);

/* get_constant(): constants[prefix][key] or constants[key]; NULL if
 * missing. */
const struct ynode *device_constant(const struct device *dev, const char *key,
                                    const char *prefix);

/* Loads FILE: rendered YAML as is, a device dictionary (.jinja2)
 * rendered through ENV first.  Problems with the configuration go to D;
 * returns their number, or -1 when FILE cannot be read or rendered (said
 * on ERR).  DEV is to be freed in every case. */
int device_load_file(struct device *dev, struct tmpl_env *env,
                     const char *file, struct diags *d, FILE *err);

/* Sets each key of CTX (a job's context: map) as a template variable,
 * as lava-server renders a dictionary with the job's context. */
void device_set_context(struct tmpl_env *env, const struct ynode *ctx);

/* "tether device check": loads FILE (rendered YAML, or a dictionary when
 * it ends in .jinja2, rendered through ENV first), prints its errors to
 * OUT, other failures to ERR, and returns the exit status. */
int device_check_file(struct tmpl_env *env, const char *file, FILE *out,
                      FILE *err);

#endif
