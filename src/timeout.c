/* timeout.c: timeout maps into seconds. */
#include "timeout.h"

#include <math.h>

int
timeout_parse(const struct ynode *n, long long *seconds)
{
	static const struct {
		const char *unit;
		double seconds;
	} units[] = {{"days", 86400}, {"hours", 3600}, {"minutes", 60},
		     {"seconds", 1}};
	if (n == NULL || n->kind != YN_MAP)
		return -1;
	double total = 0;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		const struct ynode *v = ymap_get(n, units[i].unit);
		if (v == NULL)
			continue;
		double x;
		if (v->kind == YN_INT)
			x = (double)v->v.i;
		else if (v->kind == YN_BOOL)
			x = v->v.b;
		else if (v->kind == YN_FLOAT && isfinite(v->v.f))
			x = v->v.f;
		else
			return -1;
		total += x * units[i].seconds;
	}
	/* Python's timedelta refuses more than 999999999 days. */
	if (!isfinite(total) || fabs(total) > 86400.0 * 999999999)
		return -1;
	*seconds = (long long)total;
	if (*seconds == 0)
		*seconds = TIMEOUT_DEFAULT_SECONDS;
	return 0;
}
