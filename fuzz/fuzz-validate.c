/* fuzz-validate.c: libFuzzer target for the YAML layer and the job
 * validator.  The first byte picks strict mode and whether a fixed device
 * configuration is given; the rest is the job. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "diag.h"
#include "validate.h"
#include "yaml.h"

static const char device_yaml[] =
	"commands:\n"
	"  connections:\n"
	"    uart0: {connect: telnet localhost 7000, tags: [primary, telnet]}\n"
	"    uart1: {connect: telnet localhost 7001, tags: [telnet]}\n"
	"actions:\n"
	"  deploy: {methods: {tmpfs: null}}\n"
	"  boot: {connections: {serial: null}, methods: {minimal: null, qemu: "
	"null}}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ydoc *device;
	struct yerror err;
	if (size == 0)
		return 0;
	if (device == NULL)
		device = ydoc_parse(device_yaml, strlen(device_yaml), &err);
	struct validate_opts opts = {
		.strict = data[0] & 1,
		.device = (data[0] & 2) ? ydoc_root(device) : NULL,
	};
	struct ydoc *doc = ydoc_parse((const char *)data + 1, size - 1, &err);
	if (doc == NULL)
		return 0;
	const struct ynode *root = ydoc_root(doc);
	if (root && root->kind == YN_MAP) {
		struct diags d;
		diags_init(&d);
		job_validate(root, &opts, &d);
		diags_sort(&d);
		diags_free(&d);
	}
	ydoc_free(doc);
	return 0;
}
