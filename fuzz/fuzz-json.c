/* fuzz-json.c: the JSON reader on any bytes: no crash, a value or an
 * error saying why; what it reads, written out and read again, writes
 * out the same (the writer's text is always valid JSON). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct json *j;
	char err[96];
	if (json_parse((const char *)data, len, &j, err, sizeof err) < 0) {
		if (j != NULL || err[0] == '\0')
			abort();
		return 0;
	}
	struct buf a, b;
	buf_init(&a);
	buf_init(&b);
	json_write(&a, j);
	struct json *again;
	if (json_parse(a.data, a.len, &again, err, sizeof err) < 0)
		abort();
	json_write(&b, again);
	if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
		abort();
	struct json *c = json_copy(again);
	json_truthy(c);
	json_cost(c);
	json_free(c);
	json_free(again);
	json_free(j);
	buf_free(&a);
	buf_free(&b);
	return 0;
}
