/* device.h: the device configuration (what lava-run takes with --device),
 * read from rendered YAML or from a device dictionary. */
#ifndef TETHER_DEVICE_H
#define TETHER_DEVICE_H

#include <stdio.h>

#include "template.h"

/* "tether device check": loads FILE (rendered YAML, or a dictionary when
 * it ends in .jinja2, rendered through ENV first), prints its errors to
 * ERR and returns the exit status. */
int device_check_file(struct tmpl_env *env, const char *file, FILE *out,
		      FILE *err);

#endif
