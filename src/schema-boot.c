/* schema-boot.c: the schema of a boot: block, one per boot method
 * (lava_common/schemas/boot), as data for schema.c.
 *
 * Every method takes the keys of any action, the few keys common to all
 * boot methods, then keys of its own; a key of the same name in a later
 * key set overrides the value of an earlier one. */
#include "lava-schema.h"

#include <stdlib.h>

/* ---- values several methods share ---- */

/* A str of one character or more. */
static const struct schema nonempty_str = {
	.kind = SC_ALL,
	.alts = ALTS(S_STR, LENGTH_MIN(1)),
};

/* One str or a list of them. */
static const struct schema str_or_list = {
	.kind = SC_ANY,
	.alts = ALTS(S_STR, LIST(S_STR)),
};

/* prompts: a non-empty str, or a list of non-empty strs. */
static const struct schema prompts = {
	.kind = SC_ANY,
	.alts = ALTS(&nonempty_str, LIST(&nonempty_str)),
};

/* auto_login: a login prompt and a user name, and either no password at
 * all or both the password and its prompt. */
static const struct schema auto_login = {
	.kind = SC_ANY,
	.alts = ALTS(MAP(KEYS(REQ("login_prompt", &nonempty_str),
			      REQ("username", S_STR),
			      OPT("login_commands", LIST(&nonempty_str)))),
		     MAP(KEYS(REQ("login_prompt", &nonempty_str),
			      REQ("username", S_STR),
			      REQ("password_prompt", S_STR),
			      REQ("password", S_STR),
			      OPT("login_commands", LIST(S_STR))))),
};

/* transfer_overlay: commands to download and unpack the overlay, or an
 * unpack command for an overlay sent over zmodem. */
static const struct schema transfer_overlay = {
	.kind = SC_ANY,
	.alts = ALTS(MAP(KEYS(REQ("download_command", S_STR),
			      REQ("unpack_command", S_STR),
			      OPT("transfer_method", S_STR))),
		     MAP(KEYS(REQ("transfer_method", ANY(EQ("zmodem"))),
			      REQ("unpack_command", S_STR)))),
};

/* docker: as in every action, with the qemu binary to run. */
static const struct schema qemu_docker = {
	.kind = SC_MAP,
	.keysets = (const struct schema_key *const[]){
		lava_schema_docker_keys, KEYS(OPT("binary", S_STR)), NULL},
};

/* docker for fvp: the image goes under "name" instead of "image". */
static const struct schema fvp_docker = {
	.kind = SC_MAP,
	.keysets = (const struct schema_key *const[]){
		lava_schema_docker_name_keys, NULL},
};

static const struct schema docker = {
	.kind = SC_MAP,
	.keysets = (const struct schema_key *const[]){lava_schema_docker_keys,
						      NULL},
};

/* ---- keys ---- */

/* Keys every boot method takes, besides those of any action. */
static const struct schema_key boot_keys[] = {
	OPT("parameters", MAP(KEYS(OPT("bootloader-final-message", S_STR),
				   OPT("kernel-start-message", S_STR),
				   OPT("shutdown-message", S_STR)))),
	OPT("soft_reboot", &str_or_list),
	OPT("ignore_kernel_messages", S_BOOL),
	{0},
};

/* grub and grub-efi. */
static const struct schema_key grub_keys[] = {
	REQ("commands", &str_or_list),
	OPT("auto_login", &auto_login),
	OPT("boot_finished", &str_or_list),
	OPT("reset", S_BOOL),
	OPT("expect_shell", S_BOOL),
	OPT("prompts", &prompts),
	OPT("use_bootscript", S_BOOL),
	OPT("transfer_overlay", &transfer_overlay),
	{0},
};

/* ssh: its parameters are of another kind. */
static const struct schema_key ssh_parameters_keys[] = {
	OPT("parameters", MAP(KEYS(OPT("hostID", S_STR),
				   OPT("host_key", S_STR)))),
	{0},
};

/* "method: NAME", and no other name. */
#define METHOD(name)                                                         \
	REQ("method", MSG("'method' should be '" name "'", EQ(name)))

/* The schema of a boot method: the action keys, the boot keys, then the
 * method's own key sets. */
#define BOOT_SCHEMA(...)                                                     \
	{                                                                    \
		.kind = SC_MAP,                                              \
		.keysets = (const struct schema_key *const[]){               \
			lava_schema_action_keys, boot_keys, __VA_ARGS__,     \
			NULL},                                               \
	}

/* ---- one schema per method ---- */

static const struct schema boot_avh = BOOT_SCHEMA(KEYS(
	METHOD("avh"),
	OPT("bootargs",
	    MAP(KEYS(OPT("normal", S_STR), OPT("restore", S_STR)))),
	OPT("docker", &docker), REQ("prompts", &prompts),
	OPT("auto_login", &auto_login)));

static const struct schema boot_barebox = BOOT_SCHEMA(KEYS(
	METHOD("barebox"), REQ("commands", &str_or_list),
	OPT("prompts", &prompts), OPT("auto_login", &auto_login),
	OPT("transfer_overlay", &transfer_overlay)));

static const struct schema boot_bootloader = BOOT_SCHEMA(KEYS(
	METHOD("bootloader"), REQ("bootloader", S_STR),
	OPT("commands", LIST(S_STR)), OPT("use_bootscript", S_BOOL),
	OPT("prompts", &prompts), OPT("reset_connection", S_BOOL),
	OPT("reset_device", S_BOOL), OPT("reset", S_BOOL)));

static const struct schema boot_cmsis_dap =
	BOOT_SCHEMA(KEYS(METHOD("cmsis-dap")));

static const struct schema boot_depthcharge = BOOT_SCHEMA(KEYS(
	METHOD("depthcharge"), REQ("commands", &str_or_list),
	OPT("extra_kernel_args", S_STR), OPT("auto_login", &auto_login),
	OPT("prompts", &prompts), OPT("use_bootscript", S_BOOL),
	OPT("transfer_overlay", &transfer_overlay)));

static const struct schema boot_dfu = BOOT_SCHEMA(KEYS(METHOD("dfu")));

static const struct schema boot_docker = BOOT_SCHEMA(
	KEYS(METHOD("docker"), REQ("command", S_STR), OPT("prompts", &prompts),
	     OPT("downloads-namespace", S_STR)));

static const struct schema boot_fastboot = BOOT_SCHEMA(KEYS(
	METHOD("fastboot"), OPT("commands", LIST(S_STR)),
	OPT("use_bootscript", S_BOOL), OPT("prompts", &prompts),
	OPT("auto_login", &auto_login),
	OPT("transfer_overlay", &transfer_overlay), OPT("docker", &docker)));

static const struct schema boot_fvp = BOOT_SCHEMA(KEYS(
	METHOD("fvp"), OPT("use_telnet", S_BOOL),
	REQ("console_string", S_STR), OPT("feedbacks", LIST(S_STR)),
	REQ("image", S_STR), OPT("license_variable", S_STR),
	OPT("environment", LIST(S_STR)), OPT("ubl_license", S_STR),
	OPT("version_string", S_STR), REQ("arguments", LIST(S_STR)),
	OPT("prompts", &prompts), REQ("docker", &fvp_docker),
	OPT("transfer_overlay", &transfer_overlay),
	OPT("auto_login", &auto_login), OPT("erpc_app", S_STR),
	OPT("commands", LIST(S_STR))));

static const struct schema boot_gdb = BOOT_SCHEMA(KEYS(
	METHOD("gdb"), REQ("commands", S_STR), OPT("container", S_STR)));

static const struct schema boot_grub =
	BOOT_SCHEMA(KEYS(METHOD("grub")), grub_keys);

static const struct schema boot_grub_efi =
	BOOT_SCHEMA(KEYS(METHOD("grub-efi")), grub_keys);

static const struct schema boot_ipxe = BOOT_SCHEMA(KEYS(
	METHOD("ipxe"), REQ("commands", &str_or_list),
	OPT("prompts", &prompts), OPT("transfer_overlay", &transfer_overlay),
	OPT("auto_login", &auto_login), OPT("use_bootscript", S_BOOL)));

static const struct schema boot_jlink = BOOT_SCHEMA(
	KEYS(METHOD("jlink"), OPT("prompts", LIST(S_STR)),
	     OPT("commands", LIST(S_STR)), OPT("coretype", S_STR)));

static const struct schema boot_kexec = BOOT_SCHEMA(KEYS(
	METHOD("kexec"), REQ("boot_message", S_STR), OPT("prompts", &prompts),
	OPT("auto_login", &auto_login), OPT("deploy", S_BOOL),
	OPT("command", S_STR), OPT("kernel", S_STR), OPT("dtb", S_STR),
	OPT("initrd", S_STR), OPT("options", LIST(S_STR)),
	OPT("kernel-config", S_STR),
	OPT("transfer_overlay", &transfer_overlay), OPT("on_panic", S_BOOL)));

/* From release 2026.02: LXC support went in 2026.04. */
static const struct schema boot_lxc =
	BOOT_SCHEMA(KEYS(METHOD("lxc"), REQ("prompts", &prompts)));

static const struct schema boot_minimal = BOOT_SCHEMA(KEYS(
	METHOD("minimal"), OPT("prompts", &prompts),
	OPT("auto_login", &auto_login), OPT("pre_power_command", S_BOOL),
	OPT("pre_os_command", S_BOOL), OPT("reset", S_BOOL),
	OPT("transfer_overlay", &transfer_overlay)));

static const struct schema boot_monitor =
	BOOT_SCHEMA(KEYS(METHOD("monitor")));

static const struct schema boot_musca =
	BOOT_SCHEMA(KEYS(METHOD("musca"), OPT("prompts", &prompts)));

static const struct schema boot_new_connection = BOOT_SCHEMA(KEYS(
	METHOD("new_connection"), REQ("connection", S_STR),
	OPT("prompts", &prompts), OPT("auto_login", &auto_login),
	OPT("transfer_overlay", &transfer_overlay)));

static const struct schema boot_nodebooter = BOOT_SCHEMA(
	KEYS(METHOD("nodebooter"), REQ("command", S_STR),
	     OPT("prompts", &prompts), OPT("downloads-namespace", S_STR)));

static const struct schema boot_openocd =
	BOOT_SCHEMA(KEYS(METHOD("openocd")));

static const struct schema boot_pyocd = BOOT_SCHEMA(KEYS(METHOD("pyocd")));

static const struct schema boot_qdl = BOOT_SCHEMA(KEYS(
	METHOD("qdl"), REQ("firehose_program", S_STR),
	REQ("rawprogram", S_STR), OPT("patch", S_STR), OPT("path", S_STR),
	OPT("storage", S_STR), OPT("debug", S_BOOL), OPT("docker", &docker)));

static const struct schema boot_qemu = BOOT_SCHEMA(KEYS(
	METHOD("qemu"), OPT("connection", EQ("serial")),
	OPT("media", EQ("tmpfs")), OPT("prompts", &prompts),
	OPT("transfer_overlay", &transfer_overlay),
	OPT("auto_login", &auto_login), OPT("docker", &qemu_docker)));

static const struct schema boot_qemu_iso = BOOT_SCHEMA(
	KEYS(METHOD("qemu-iso"), REQ("media", EQ("img")),
	     OPT("prompts", &prompts), OPT("auto_login", &auto_login)));

static const struct schema boot_qemu_nfs = BOOT_SCHEMA(KEYS(
	METHOD("qemu-nfs"), OPT("connection", EQ("serial")),
	OPT("prompts", &prompts), OPT("transfer_overlay", &transfer_overlay),
	OPT("auto_login", &auto_login)));

static const struct schema boot_recovery = BOOT_SCHEMA(KEYS(
	METHOD("recovery"), REQ("commands", ANY(EQ("recovery"), EQ("exit")))));

static const struct schema boot_schroot = BOOT_SCHEMA(
	KEYS(METHOD("schroot"), OPT("prompts", &prompts),
	     REQ("connection", EQ("ssh")), REQ("schroot", S_STR)));

static const struct schema boot_ssh = BOOT_SCHEMA(
	KEYS(METHOD("ssh"), OPT("prompts", &prompts)), ssh_parameters_keys);

static const struct schema boot_u_boot = BOOT_SCHEMA(KEYS(
	METHOD("u-boot"), REQ("commands", &str_or_list),
	OPT("prompts", &prompts), OPT("auto_login", &auto_login),
	OPT("reset", S_BOOL), OPT("use_bootscript", S_BOOL),
	OPT("transfer_overlay", &transfer_overlay)));

static const struct schema boot_uefi = BOOT_SCHEMA(KEYS(
	METHOD("uefi"), REQ("commands", &str_or_list),
	OPT("shell_menu", S_STR), OPT("prompts", &prompts),
	OPT("auto_login", &auto_login)));

static const struct schema boot_uefi_menu = BOOT_SCHEMA(KEYS(
	METHOD("uefi-menu"), OPT("commands", S_STR),
	OPT("line_separator", S_STR), OPT("prompts", &prompts),
	OPT("auto_login", &auto_login)));

static const struct schema boot_uuu = BOOT_SCHEMA(KEYS(
	METHOD("uuu"),
	REQ("commands", ANY(S_STR, LIST(MAP(KEYS(ANY_STR_KEY(S_STR)))))),
	OPT("docker", &docker), OPT("skip_uuu_if_bootloader_valid", S_BOOL)));

/* "__init__": LAVA imports the method's module by name, and the boot
 * package's own __init__ answers that name with the keys every method
 * shares and no "method" key at all. */
static const struct schema boot_package = BOOT_SCHEMA(KEYS({0}));

/* ---- lookup ---- */

struct boot_method {
	const char *name;
	const struct schema *schema;
};

/* Sorted by name, '-' taken as '_'. */
static const struct boot_method boot_methods[] = {
	{"__init__", &boot_package},
	{"avh", &boot_avh},
	{"barebox", &boot_barebox},
	{"bootloader", &boot_bootloader},
	{"cmsis-dap", &boot_cmsis_dap},
	{"depthcharge", &boot_depthcharge},
	{"dfu", &boot_dfu},
	{"docker", &boot_docker},
	{"fastboot", &boot_fastboot},
	{"fvp", &boot_fvp},
	{"gdb", &boot_gdb},
	{"grub", &boot_grub},
	{"grub-efi", &boot_grub_efi},
	{"ipxe", &boot_ipxe},
	{"jlink", &boot_jlink},
	{"kexec", &boot_kexec},
	{"lxc", &boot_lxc},
	{"minimal", &boot_minimal},
	{"monitor", &boot_monitor},
	{"musca", &boot_musca},
	{"new_connection", &boot_new_connection},
	{"nodebooter", &boot_nodebooter},
	{"openocd", &boot_openocd},
	{"pyocd", &boot_pyocd},
	{"qdl", &boot_qdl},
	{"qemu", &boot_qemu},
	{"qemu-iso", &boot_qemu_iso},
	{"qemu-nfs", &boot_qemu_nfs},
	{"recovery", &boot_recovery},
	{"schroot", &boot_schroot},
	{"ssh", &boot_ssh},
	{"u-boot", &boot_u_boot},
	{"uefi", &boot_uefi},
	{"uefi-menu", &boot_uefi_menu},
	{"uuu", &boot_uuu},
};

/* LAVA finds a method's module with every '-' of the name made '_', so
 * "u_boot" finds the u-boot schema (which then wants "method: u-boot"). */
static int
method_cmp(const void *key, const void *elem)
{
	const unsigned char *a = key;
	const unsigned char *b =
		(const unsigned char *)((const struct boot_method *)elem)->name;
	for (;; a++, b++) {
		unsigned char ca = *a == '-' ? '_' : *a;
		unsigned char cb = *b == '-' ? '_' : *b;
		if (ca != cb || ca == '\0')
			return (int)ca - (int)cb;
	}
}

const struct schema *
lava_schema_boot(const char *method)
{
	if (method == NULL)
		return NULL;
	const struct boot_method *m =
		bsearch(method, boot_methods,
			sizeof boot_methods / sizeof boot_methods[0],
			sizeof boot_methods[0], method_cmp);
	return m ? m->schema : NULL;
}
