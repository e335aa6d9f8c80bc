/* lava-schema.h: LAVA's job schema (lava_common/schemas), as data for
 * schema.c.  schema-job.c holds the top level and the pieces every action
 * shares; schema-boot.c, schema-deploy.c and schema-test.c one schema per
 * boot method, deploy target and test form. */
#ifndef TETHER_LAVA_SCHEMA_H
#define TETHER_LAVA_SCHEMA_H

#include "schema.h"

/* {days|hours|minutes|seconds: int >= 1, skip?: bool} */
extern const struct schema lava_schema_timeout;
/* Keys every action block may have: namespace, connection-namespace,
 * protocols, role, timeout, timeouts, repeat, failure_retry,
 * failure_retry_interval. */
extern const struct schema_key lava_schema_action_keys[];
/* A docker image name, as LAVA's docker() checks it. */
extern const struct schema lava_schema_docker_image;
/* docker(): image (docker image name), local, container_name,
 * network_from, login; and docker("name"), the same with the image under
 * "name". */
extern const struct schema_key lava_schema_docker_keys[];
extern const struct schema_key lava_schema_docker_name_keys[];

/* The whole job (top-level keys, without the per-action sub-schemas). */
extern const struct schema lava_schema_job;

/* The schema of one action block, or NULL when LAVA has none ("unknown
 * action type").  METHOD is the boot method or deploy target as written
 * (e.g. "u-boot"); FORM a test form: "definition", "docker",
 * "interactive", "monitor" or "service". */
const struct schema *lava_schema_boot(const char *method);
const struct schema *lava_schema_deploy(const char *to);
const struct schema *lava_schema_test(const char *form);
const struct schema *lava_schema_command(void);

#endif
