/* test-schema-boot.c: the schema of each boot method says what LAVA's
 * (lava_common/schemas/boot, release 2026.07, lxc from 2026.02) says of
 * a boot block, in non-strict and strict mode.  Every verdict in the
 * tables was checked against LAVA's Python schemas under voluptuous. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lava-schema.h"
#include "schema-corpus.h"
#include "util.h"

struct boot_case {
	const char *method; /* looked up with lava_schema_boot() */
	const char *text;   /* the boot block */
	int errors[2];      /* errors without and with --strict */
	const char *path;   /* where one of the errors is (or below), or NULL */
	const char *msg;    /* part of that error's message, or NULL */
};

static const struct boot_case cases[] = {
	/* required keys, the method's name, unknown keys */
	{"u-boot", "method: u-boot\ncommands: nfs\n", {0, 0}, NULL, NULL},
	{"u-boot", "method: u-boot\ncommands: [a, b]\n", {0, 0}, NULL, NULL},
	{"u-boot", "method: u-boot\n", {1, 1}, "commands",
	 "required key not provided"},
	{"u-boot", "commands: nfs\n", {1, 1}, "method",
	 "required key not provided"},
	{"u-boot", "method: u-boot\ncommands: [a, 1]\n", {1, 1}, "commands[1]",
	 "string"},
	{"u-boot", "method: u-boot\ncommands: nfs\nfoo: 1\n", {0, 1}, "foo",
	 "extra keys not allowed"},
	{"u-boot", "method: u-boot\ncommands: nfs\n7: x\n", {0, 1}, "7",
	 "extra keys not allowed"},
	{"u_boot", "method: u_boot\ncommands: nfs\n", {1, 1}, "method",
	 "'method' should be 'u-boot'"},
	{"u-boot", "method: u-boot\ncommands: nfs\nreset: yes\n", {0, 0},
	 NULL, NULL},
	{"u-boot", "method: u-boot\ncommands: nfs\nuse_bootscript: 'yes'\n",
	 {1, 1}, "use_bootscript", "boolean"},
	/* keys of every action and of every boot method */
	{"u-boot",
	 "method: u-boot\ncommands: nfs\nnamespace: target\nrole: [a]\n"
	 "timeout: {minutes: 5}\nfailure_retry: 2\nprotocols: {x: 1}\n"
	 "parameters: {shutdown-message: 'reboot: Restarting system'}\n"
	 "soft_reboot: [reboot]\nignore_kernel_messages: true\n",
	 {0, 0}, NULL, NULL},
	{"u-boot", "method: u-boot\ncommands: nfs\ntimeout: {minutes: 0}\n",
	 {1, 1}, "timeout", NULL},
	{"u-boot", "method: u-boot\ncommands: nfs\nnamespace: common\n",
	 {1, 1}, "namespace", "reserved namespace names"},
	{"u-boot", "method: u-boot\ncommands: nfs\nparameters: {hostID: x}\n",
	 {0, 1}, "parameters.hostID", "extra keys not allowed"},
	{"u-boot", "method: u-boot\ncommands: nfs\nsoft_reboot: [1]\n", {1, 1},
	 "soft_reboot", NULL},
	/* auto_login: no password, or a password and its prompt */
	{"u-boot",
	 "method: u-boot\ncommands: nfs\n"
	 "auto_login: {login_prompt: 'login:', username: root}\n",
	 {0, 0}, NULL, NULL},
	{"u-boot",
	 "method: u-boot\ncommands: nfs\n"
	 "auto_login: {login_prompt: 'login:', username: root,\n"
	 "  password_prompt: 'Password:', password: secret,\n"
	 "  login_commands: [su]}\n",
	 {0, 0}, NULL, NULL},
	/* a password prompt without a password: only the first form fits,
	 * as long as unknown keys are allowed */
	{"u-boot",
	 "method: u-boot\ncommands: nfs\n"
	 "auto_login: {login_prompt: 'login:', username: root,\n"
	 "  password_prompt: 'Password:'}\n",
	 {0, 1}, "auto_login", NULL},
	{"u-boot",
	 "method: u-boot\ncommands: nfs\n"
	 "auto_login: {login_prompt: 'login:', password: x}\n",
	 {1, 2}, "auto_login.username", "required key not provided"},
	{"u-boot",
	 "method: u-boot\ncommands: nfs\n"
	 "auto_login: {login_prompt: '', username: root}\n",
	 {1, 1}, "auto_login.login_prompt", NULL},
	/* login commands must not be empty, unless with a password */
	{"u-boot",
	 "method: u-boot\ncommands: nfs\n"
	 "auto_login: {login_prompt: 'login:', username: root,\n"
	 "  login_commands: ['']}\n",
	 {1, 1}, "auto_login", NULL},
	{"u-boot",
	 "method: u-boot\ncommands: nfs\n"
	 "auto_login: {login_prompt: 'login:', username: root,\n"
	 "  password_prompt: 'Password:', password: x, login_commands: ['']}\n",
	 {0, 0}, NULL, NULL},
	{"u-boot", "method: u-boot\ncommands: nfs\nauto_login: root\n", {1, 1},
	 "auto_login", NULL},
	/* prompts: a non-empty str or a list of them */
	{"u-boot", "method: u-boot\ncommands: nfs\nprompts: 'root@'\n", {0, 0},
	 NULL, NULL},
	{"u-boot", "method: u-boot\ncommands: nfs\nprompts: ['a#', 'b$']\n",
	 {0, 0}, NULL, NULL},
	{"u-boot", "method: u-boot\ncommands: nfs\nprompts: []\n", {0, 0}, NULL,
	 NULL},
	{"u-boot", "method: u-boot\ncommands: nfs\nprompts: ''\n", {1, 1},
	 "prompts", NULL},
	{"u-boot", "method: u-boot\ncommands: nfs\nprompts: ['a', '']\n",
	 {1, 1}, "prompts[1]", "empty"},
	{"u-boot", "method: u-boot\ncommands: nfs\nprompts: 3\n", {1, 1},
	 "prompts", NULL},
	{"u-boot", "method: u-boot\ncommands: nfs\nprompts:\n", {1, 1},
	 "prompts", NULL},
	/* jlink's prompts are a list of any strs */
	{"jlink", "method: jlink\nprompts: ['']\n", {0, 0}, NULL, NULL},
	{"jlink", "method: jlink\nprompts: 'a'\n", {1, 1}, "prompts", "list"},
	/* transfer_overlay: download and unpack, or zmodem and unpack */
	{"u-boot",
	 "method: u-boot\ncommands: nfs\n"
	 "transfer_overlay: {download_command: wget, unpack_command: tar}\n",
	 {0, 0}, NULL, NULL},
	{"u-boot",
	 "method: u-boot\ncommands: nfs\n"
	 "transfer_overlay: {download_command: wget, unpack_command: tar,\n"
	 "  transfer_method: nfs}\n",
	 {0, 0}, NULL, NULL},
	{"u-boot",
	 "method: u-boot\ncommands: nfs\n"
	 "transfer_overlay: {transfer_method: zmodem, unpack_command: tar}\n",
	 {0, 0}, NULL, NULL},
	{"u-boot",
	 "method: u-boot\ncommands: nfs\n"
	 "transfer_overlay: {transfer_method: xmodem, unpack_command: tar}\n",
	 {1, 1}, "transfer_overlay", NULL},
	{"u-boot",
	 "method: u-boot\ncommands: nfs\n"
	 "transfer_overlay: {unpack_command: tar}\n",
	 {1, 1}, "transfer_overlay", NULL},
	{"u-boot",
	 "method: u-boot\ncommands: nfs\n"
	 "transfer_overlay: {transfer_method: zmodem, unpack_command: tar,\n"
	 "  download_command: wget, x: 1}\n",
	 {0, 1}, "transfer_overlay.x", "extra keys not allowed"},
	/* new_connection wants a connection */
	{"new_connection", "method: new_connection\nconnection: uart1\n",
	 {0, 0}, NULL, NULL},
	{"new_connection", "method: new_connection\n", {1, 1}, "connection",
	 "required key not provided"},
	{"new_connection", "method: new_connection\nconnection: 1\n", {1, 1},
	 "connection", "string"},
	{"new-connection", "method: new-connection\nconnection: uart1\n",
	 {1, 1}, "method", "'method' should be 'new_connection'"},
	/* schroot: over ssh, and the schroot's name */
	{"schroot", "method: schroot\nconnection: ssh\nschroot: unstable\n",
	 {0, 0}, NULL, NULL},
	{"schroot", "method: schroot\nconnection: serial\nschroot: unstable\n",
	 {1, 1}, "connection", "'ssh'"},
	{"schroot", "method: schroot\nconnection: ssh\n", {1, 1}, "schroot",
	 "required key not provided"},
	{"schroot", "method: schroot\nschroot: unstable\n", {1, 1},
	 "connection", "required key not provided"},
	/* qemu: a serial connection only, tmpfs media only */
	{"qemu", "method: qemu\n", {0, 0}, NULL, NULL},
	{"qemu", "method: qemu\nmedia: tmpfs\nconnection: serial\n", {0, 0},
	 NULL, NULL},
	{"qemu", "method: qemu\nconnection: ssh\n", {1, 1}, "connection",
	 "'serial'"},
	{"qemu", "method: qemu\nmedia: img\n", {1, 1}, "media", "'tmpfs'"},
	{"qemu", "method: qemu\ndocker: {image: 'qemu:9', binary: q}\n",
	 {0, 0}, NULL, NULL},
	{"qemu", "method: qemu\ndocker: {image: 'Qemu'}\n", {1, 1},
	 "docker.image", "Invalid docker image name"},
	{"qemu-nfs", "method: qemu-nfs\nconnection: serial\n", {0, 0}, NULL,
	 NULL},
	{"qemu-nfs", "method: qemu-nfs\nmedia: tmpfs\n", {0, 1}, "media",
	 "extra keys not allowed"},
	{"qemu-iso", "method: qemu-iso\nmedia: img\n", {0, 0}, NULL, NULL},
	{"qemu-iso", "method: qemu-iso\n", {1, 1}, "media",
	 "required key not provided"},
	/* minimal */
	{"minimal", "method: minimal\n", {0, 0}, NULL, NULL},
	{"minimal", "method: minimal\nreset: false\npre_os_command: true\n",
	 {0, 0}, NULL, NULL},
	{"minimal", "method: minimal\nreset: 'no'\n", {1, 1}, "reset", NULL},
	{"minimal", "method: minimal\ncommands: [a]\n", {0, 1}, "commands",
	 "extra keys not allowed"},
	/* ssh: parameters of its own */
	{"ssh", "method: ssh\nparameters: {hostID: h, host_key: k}\n", {0, 0},
	 NULL, NULL},
	{"ssh", "method: ssh\nparameters: {shutdown-message: x}\n", {0, 1},
	 "parameters.shutdown-message", "extra keys not allowed"},
	/* grub and grub-efi share their keys */
	{"grub-efi", "method: grub-efi\ncommands: ramdisk\nboot_finished: x\n",
	 {0, 0}, NULL, NULL},
	{"grub", "method: grub\nboot_finished: [1]\n", {2, 2}, "commands",
	 "required key not provided"},
	{"grub_efi", "method: grub-efi\ncommands: ramdisk\n", {0, 0}, NULL,
	 NULL},
	/* fvp: its docker image is under "name" */
	{"fvp",
	 "method: fvp\nconsole_string: 'terminal_0: Listening'\nimage: /fvp\n"
	 "arguments: [-a]\ndocker: {name: 'fvp:11.1', local: true}\n",
	 {0, 0}, NULL, NULL},
	{"fvp",
	 "method: fvp\nconsole_string: c\nimage: /fvp\narguments: []\n"
	 "docker: {image: 'fvp:11.1'}\n",
	 {1, 2}, "docker.name", "required key not provided"},
	/* uuu: a str, or a list of {str: str} */
	{"uuu", "method: uuu\ncommands: [{uuu: -b sd}, {bcu: reset usb}]\n",
	 {0, 0}, NULL, NULL},
	{"uuu", "method: uuu\ncommands: [{uuu: 1}]\n", {1, 1},
	 "commands[0].uuu", NULL},
	{"uuu", "method: uuu\ncommands: [{1: a}]\n", {0, 1}, "commands[0].1",
	 "extra keys not allowed"},
	/* recovery: two commands */
	{"recovery", "method: recovery\ncommands: exit\n", {0, 0}, NULL, NULL},
	{"recovery", "method: recovery\ncommands: reboot\n", {1, 1}, "commands",
	 NULL},
	/* others */
	{"lxc", "method: lxc\nprompts: ['root@(.*):/#']\n", {0, 0}, NULL, NULL},
	{"lxc", "method: lxc\n", {1, 1}, "prompts",
	 "required key not provided"},
	{"avh", "method: avh\nprompts: [a]\nbootargs: {normal: x}\n", {0, 0},
	 NULL, NULL},
	{"qdl", "method: qdl\nfirehose_program: f\n", {1, 1}, "rawprogram",
	 "required key not provided"},
	{"gdb", "method: gdb\ncommands: [a]\n", {1, 1}, "commands", "string"},
	{"docker", "method: docker\ncommand: sh\ndownloads-namespace: d\n",
	 {0, 0}, NULL, NULL},
	{"kexec", "method: kexec\nboot_message: x\noptions: [a]\n", {0, 0},
	 NULL, NULL},
	{"uefi-menu", "method: uefi-menu\ncommands: fastboot\n", {0, 0}, NULL,
	 NULL},
	{"bootloader", "method: bootloader\nbootloader: u-boot\ncommands: x\n",
	 {1, 1}, "commands", "list"},
	{"cmsis-dap", "method: cmsis-dap\ntimeout: {minutes: 1}\n", {0, 0},
	 NULL, NULL},
	/* "__init__" reaches the boot package itself: no "method" key */
	{"__init__", "method: __init__\n", {0, 1}, "method",
	 "extra keys not allowed"},
};

/* Validates TEXT against METHOD's schema; the errors go to *D. */
static int
check(const char *method, const char *text, bool strict, struct diags *d)
{
	struct yerror err;
	struct ydoc *doc = ydoc_parse(text, strlen(text), &err);
	if (doc == NULL)
		fail_msg("'%s' does not parse: %s", text, err.msg);
	const struct schema *s = lava_schema_boot(method);
	if (s == NULL)
		fail_msg("no schema for '%s'", method);
	struct schema_ctx ctx;
	schema_ctx_init(&ctx, d, ERR_JOB, strict);
	int n = schema_validate(&ctx, s, ydoc_root(doc));
	schema_ctx_free(&ctx);
	ydoc_free(doc);
	return n;
}

/* Whether PATH is TOP or a path below it. */
static bool
under(const char *path, const char *top)
{
	size_t len = strlen(top);
	return strncmp(path, top, len) == 0 &&
	       (path[len] == '\0' || path[len] == '.' || path[len] == '[');
}

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct boot_case *c = &cases[i];
		for (int strict = 0; strict < 2; strict++) {
			struct diags d;
			diags_init(&d);
			int n = check(c->method, c->text, strict, &d);
			if (n != c->errors[strict] || (int)d.n != n) {
				for (size_t j = 0; j < d.n; j++)
					print_error("  %s: %s\n", d.v[j].path,
						    d.v[j].msg);
				fail_msg("case %zu (%s, %s): %d errors, "
					 "want %d",
					 i, c->method,
					 strict ? "strict" : "non-strict", n,
					 c->errors[strict]);
			}
			bool found = n == 0 || c->path == NULL;
			for (size_t j = 0; j < d.n && !found; j++)
				found = under(d.v[j].path, c->path) &&
					(c->msg == NULL ||
					 strstr(d.v[j].msg, c->msg) != NULL);
			if (!found) {
				for (size_t j = 0; j < d.n; j++)
					print_error("  %s: %s\n", d.v[j].path,
						    d.v[j].msg);
				fail_msg("case %zu (%s, %s): no error at '%s' "
					 "saying '%s'",
					 i, c->method,
					 strict ? "strict" : "non-strict",
					 c->path, c->msg ? c->msg : "");
			}
			diags_free(&d);
		}
	}
}

/* Each module of lava_common/schemas/boot, as its method is written. */
static const char *const methods[] = {
	"avh", "barebox", "bootloader", "cmsis-dap", "depthcharge", "dfu",
	"docker", "fastboot", "fvp", "gdb", "grub", "grub-efi", "ipxe",
	"jlink", "kexec", "lxc", "minimal", "monitor", "musca",
	"new_connection", "nodebooter", "openocd", "pyocd", "qdl", "qemu",
	"qemu-iso", "qemu-nfs", "recovery", "schroot", "ssh", "u-boot", "uefi",
	"uefi-menu", "uuu",
};

static void
test_every_method(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		const struct schema *s = lava_schema_boot(methods[i]);
		if (s == NULL)
			fail_msg("no schema for '%s'", methods[i]);
		/* Found under its own name, it wants that name. */
		char text[128];
		snprintf(text, sizeof text, "method: %s\n", methods[i]);
		struct diags d;
		diags_init(&d);
		check(methods[i], text, false, &d);
		for (size_t j = 0; j < d.n; j++)
			if (strcmp(d.v[j].path, "method") == 0)
				fail_msg("'%s': %s", methods[i], d.v[j].msg);
		diags_free(&d);
		/* '-' and '_' are one to LAVA's lookup. */
		char alias[64];
		snprintf(alias, sizeof alias, "%s", methods[i]);
		for (char *p = alias; *p; p++)
			*p = *p == '-' ? '_' : *p == '_' ? '-' : *p;
		assert_ptr_equal(lava_schema_boot(alias), s);
	}
}

static void
test_unknown_methods(void **state)
{
	(void)state;
	static const char *const unknown[] = {
		"", "vm", "U-Boot", "u-boot ", "uboot", "grub.efi", "boot",
		"__pycache__", "zz", "a", "qemu-", "u-boot.py", "schemas",
	};
	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
		if (lava_schema_boot(unknown[i]) != NULL)
			fail_msg("'%s' has a schema", unknown[i]);
	assert_null(lava_schema_boot(NULL));
}

/* The boot blocks of the corpus LAVA rejects, as "JOB:ACTION-INDEX"
 * with the modes: "N" non-strict, "S" strict. */
static const struct {
	const char *where;
	const char *modes;
} corpus_rejects[] = {
	{"dispatcher/bbb-ssh-guest.yaml:1", "NS"},
	{"dispatcher/cubietruck-removable-with-writer.yaml:4", "S"},
	{"dispatcher/cubietruck-removable.yaml:4", "S"},
	{"dispatcher/hikey-grub.yaml:1", "S"},
	{"dispatcher/hikey960-oe.yaml:1", "S"},
	{"dispatcher/kvm-multinode-client.yaml:1", "NS"},
	{"dispatcher/kvm-multinode-server.yaml:1", "NS"},
	{"dispatcher/mustang-secondary-media.yaml:4", "S"},
	{"dispatcher/primary-ssh.yaml:1", "S"},
	{"dispatcher/qemu-debian-installer.yaml:1", "S"},
	{"dispatcher/ssh-boot.yaml:1", "S"},
	{"dispatcher/ssh-deploy.yaml:1", "S"},
	{"dispatcher/ssh-deploy.yaml:2", "S"},
	{"dispatcher/x15-recovery.yaml:5", "S"},
	{"lxc/hikey-grub-lxc.yaml:3", "S"},
	{"lxc/panda-lxc-aep.yaml:2", "S"},
	{"lxc/panda-lxc-aep.yaml:3", "S"},
	{"scheduler/kvm-multinode-client.yaml:1", "NS"},
	{"scheduler/kvm-multinode-server.yaml:1", "NS"},
	{"scheduler/mustang-ssh-multinode.yaml:2", "S"},
	{"scheduler/mustang-ssh-multinode.yaml:3", "S"},
};

static const char *
corpus_modes(const char *job, size_t index)
{
	size_t len = strlen(job);
	for (size_t i = 0; i < sizeof corpus_rejects / sizeof corpus_rejects[0];
	     i++) {
		const char *w = corpus_rejects[i].where;
		if (strncmp(w, job, len) == 0 && w[len] == ':' &&
		    strtoul(w + len + 1, NULL, 10) == index)
			return corpus_rejects[i].modes;
	}
	return "";
}

struct corpus_count {
	int blocks, rejects;
};

static void
check_boot_block(const char *job, size_t i, const char *type,
		 const struct ynode *b, void *arg)
{
	struct corpus_count *count = arg;
	if (strcmp(type, "boot") != 0)
		return;
	const struct ynode *m = ymap_get(b, "method");
	assert_non_null(m);
	const struct schema *s = lava_schema_boot(m->str);
	if (s == NULL)
		fail_msg("%s: boot %zu: no schema for '%s'", job, i, m->str);
	char *what = xasprintf("%s: boot %zu (%s)", job, i, m->str);
	count->rejects += corpus_check_block(s, b, corpus_modes(job, i), what);
	free(what);
	count->blocks++;
}

/* Every boot block of the corpus jobs in verdicts.tsv: valid unless LAVA
 * rejects it (corpus_rejects). */
static void
test_corpus(void **state)
{
	(void)state;
	struct corpus_count count = {0, 0};
	corpus_each_block(check_boot_block, &count);
	/* 198 boot blocks in 168 jobs; 26 verdicts of invalid among them. */
	assert_int_equal(count.blocks, 198);
	assert_int_equal(count.rejects, 26);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_every_method),
		cmocka_unit_test(test_unknown_methods),
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests_name("schema-boot", tests, NULL, NULL);
}
