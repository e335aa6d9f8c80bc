/* fuzz-template.c: libFuzzer target for the template engine.
 *
 * The input is split on the first NUL byte: before it the template
 * rendered, after it a second template the first may extend or include
 * as 'p'.  Limits are small so every input ends quickly; any error is
 * fine, a crash or a sanitizer report is not. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *src = (const char *)data;
	const char *nul = memchr(src, '\0', size);
	size_t len = nul ? (size_t)(nul - src) : size;
	struct tmpl_env *env = tmpl_env_new();
	struct tmpl_limits lim = {
	    .max_output = 1 << 16,
	    .max_memory = 8 << 20,
	    .max_steps = 100000,
	    .max_depth = 32,
	};
	tmpl_env_set_limits(env, &lim);
	tmpl_env_add_string(env, "t", src, len);
	if (nul)
		tmpl_env_add_string(env, "p", nul + 1, size - len - 1);
	struct tval *l = tval_new_list(env);
	tval_list_append(env, l, tval_new_str(env, "a", 1));
	tval_list_append(env, l, tval_new_int(env, 2));
	tmpl_env_set_var(env, "l", l);
	struct tval *d = tval_new_dict(env);
	tval_dict_set(env, d, tval_new_str(env, "k", 1), l);
	tmpl_env_set_var(env, "d", d);
	struct buf out;
	buf_init(&out);
	struct tmpl_error err;
	tmpl_render(env, "t", &out, &err);
	buf_free(&out);
	tmpl_env_free(env);
	return 0;
}
