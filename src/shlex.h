/* shlex.h: command lines split as LAVA splits them (Python's shlex.split,
 * POSIX mode), so that what a job supplies becomes arguments of a program
 * run with execv, never shell code. */
#ifndef TETHER_SHLEX_H
#define TETHER_SHLEX_H

#include <stddef.h>

#include "util.h"

/* Appends the words of S to A: whitespace separates them, '...' keeps
 * everything, "..." keeps everything but \" and \\, a backslash outside
 * quotes takes the next character as is; adjacent parts join ("a"'b' is
 * ab, '' is an empty word).  Returns 0, or -1 with shlex's own reason in
 * ERR ("No closing quotation", "No escaped character") and A unchanged. */
int shlex_split(const char *s, struct strv *a, char *err, size_t errlen);

#endif
