/* validate.h: checking a LAVA job definition as LAVA would: its job
 * schema (strict or not), then the dispatcher's own rules, then, given a
 * device, whether the device can run it. */
#ifndef TETHER_VALIDATE_H
#define TETHER_VALIDATE_H

#include <stdbool.h>

#include "diag.h"
#include "yaml.h"

struct validate_opts {
	bool strict;                 /* no key beyond the schema's */
	const struct ynode *device;  /* rendered device configuration, or NULL */
};

/* Adds every error and warning found in JOB to D; returns how many
 * errors. */
int job_validate(const struct ynode *job, const struct validate_opts *opts,
		 struct diags *d);

#endif
