/* actions.c: the table of top-level actions and end-of-job hooks
 * (actions.h). */
#include "actions.h"

#include <stddef.h>
#include <string.h>

#include "action-boot.h"
#include "action-command.h"
#include "action-deploy.h"
#include "action-qemu.h"
#include "action-ssh.h"
#include "action-test.h"
#include "yaml.h"

static const struct action_kind kinds[] = {
    {"deploy", "to", "overlay", "lava-overlay", deploy_overlay},
    {"deploy", "to", "tmpfs", "deployimages", deploy_tmpfs},
    {"deploy", "to", "ssh", "scp-overlay", deploy_ssh},
    {"boot", "method", "minimal", "minimal-boot", boot_minimal},
    {"boot", "method", "new_connection", "secondary-shell-action",
     boot_new_connection},
    {"boot", "method", "qemu", "boot-image-retry", boot_qemu},
    {"boot", "method", "ssh", "login-ssh", boot_ssh},
    {"test", "definitions", NULL, "lava-test-retry", test_shell},
    {"command", NULL, NULL, "user-command", command_run},
};

const struct action_kind *
action_kind_of(const char *block, const struct ynode *params)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		const struct action_kind *k = &kinds[i];
		if (strcmp(k->block, block) != 0)
			continue;
		if (k->field == NULL)
			return k;
		const struct ynode *v = ymap_get(params, k->field);
		if (k->value == NULL ? v != NULL : ynode_is_str(v, k->value))
			return k;
	}
	return NULL;
}

const struct job_hook job_hooks[] = {
    {ssh_finalize, NULL},
    {NULL, command_undo_all},
};
const unsigned njob_hooks = sizeof job_hooks / sizeof job_hooks[0];
