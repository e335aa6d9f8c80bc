/* render-inproc.c: renders the corpus dictionaries inside one process, as
 * bench/render times Jinja2 inside one interpreter: with a fresh
 * environment per dictionary (every template parsed again) and with one
 * environment whose parsed templates are reused.  Prints microseconds.
 *   usage: render-inproc ROUNDS TEMPLATE_DIR DICT... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "template.h"

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
render_all(int n, char **dicts, const char *tdir, int shared)
{
	struct tmpl_env *env = NULL;
	for (int i = 0; i < n; i++) {
		if (env == NULL || !shared) {
			tmpl_env_free(env);
			env = tmpl_env_new();
			tmpl_env_add_dir(env, tdir);
		}
		struct buf out;
		struct tmpl_error err;
		buf_init(&out);
		if (tmpl_render_file(env, dicts[i], &out, &err) < 0) {
			tmpl_error_print(&err, stderr);
			return -1;
		}
		buf_free(&out);
	}
	tmpl_env_free(env);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: render-inproc ROUNDS TEMPLATE_DIR "
		                "DICT...\n");
		return 2;
	}
	int rounds = atoi(argv[1]);
	for (int shared = 0; shared <= 1; shared++) {
		double best = -1;
		for (int r = 0; r < rounds; r++) {
			double t0 = now();
			if (render_all(argc - 3, argv + 3, argv[2], shared) < 0)
				return 1;
			double t = now() - t0;
			if (best < 0 || t < best)
				best = t;
		}
		printf("%s %.0f\n", shared ? "shared" : "fresh", best);
	}
	return 0;
}
