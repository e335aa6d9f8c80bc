/* action-boot.h: the boot steps other boot methods share with
 * action-boot.c (boot method: ssh logs in over its own connection, then
 * goes through the same login, shell prompt and environment steps). */
#ifndef TETHER_ACTION_BOOT_H
#define TETHER_ACTION_BOOT_H

#include <stdbool.h>

#include "yaml.h"

struct job;
struct action;
struct conn;
struct job_ns;

/* boot method: minimal ("minimal-boot") and new_connection
 * ("secondary-shell-action"). */
int boot_minimal(struct job *j, struct action *top);
int boot_new_connection(struct job *j, struct action *top);

/* The namespace's prompts: PROMPTS (a string or a list), or none. */
void ns_set_prompts(struct job_ns *ns, const struct ynode *prompts);
/* auto-login-action (login-action inside); BOOTING: wait for the
 * kernel's start message first. */
int auto_login(struct action *parent, struct conn *c, struct job_ns *ns,
               bool booting);
/* expect-shell-connection: a newline, then the namespace's prompts. */
int expect_shell(struct action *parent, struct conn *c, struct job_ns *ns);
/* Sends CMD and waits for one of the namespace's prompts. */
int shell_run(struct action *a, struct conn *c, struct job_ns *ns,
              const char *cmd);
/* overlay-unpack (transfer_overlay): the device downloads the
 * namespace's overlay from tether's HTTP server and unpacks it. */
int overlay_unpack(struct action *parent, struct conn *c, struct job_ns *ns);
/* export-device-env. */
int export_env(struct action *parent);
/* What follows a boot's connection when the block has prompts or
 * auto_login: auto-login-action, expect-shell-connection, overlay-unpack
 * (transfer_overlay), export-device-env, on the namespace's connection. */
int boot_login(struct action *top, struct job_ns *ns, bool booting);

#endif
