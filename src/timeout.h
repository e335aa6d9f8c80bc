/* timeout.h: LAVA timeout values ({minutes: 5}, ...) in seconds. */
#ifndef TETHER_TIMEOUT_H
#define TETHER_TIMEOUT_H

#include "yaml.h"

/* LAVA's default action timeout: what a zero duration becomes. */
#define TIMEOUT_DEFAULT_SECONDS 30

/* Sums the days, hours, minutes and seconds of a timeout map, as LAVA's
 * Timeout.parse does (a total of 0 becomes the 30 s default).  Returns
 * -1 when N is no map or a unit is no number. */
int timeout_parse(const struct ynode *n, long long *seconds);

#endif
