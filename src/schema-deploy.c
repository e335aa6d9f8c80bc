/* schema-deploy.c: the schema of a deploy block, one per target (the
 * "to:" key), as LAVA's lava_common/schemas/deploy/ define them, plus
 * "lxc" from release 2026.02. */
#include "lava-schema.h"

#include <stdlib.h>
#include <string.h>

/* ---- resources: url(extra) ---- */

/* Every downloadable file: where it is, how it is packed, its digests. */
static const struct schema_key url_keys[] = {
	REQ("url", S_STR),
	OPT("headers", S_DICT),
	OPT("compression", ANY(EQ("bz2"), EQ("gz"), EQ("xz"), EQ("zip"),
			       EQ("zstd"), S_NONE)),
	OPT("archive", EQ("tar")),
	OPT("md5sum", S_STR),
	OPT("sha256sum", S_STR),
	OPT("sha512sum", S_STR),
	OPT("use_cache", S_BOOL),
	{0},
};

#define OVERLAY_BACKEND ANY(EQ("auto"), EQ("e2fsprogs"), EQ("guestfs"))

/* A file or tarball to put into an image, at PATH. */
static const struct schema_key overlay_file_keys[] = {
	REQ("format", ANY(EQ("file"), EQ("tar"))),
	REQ("path", S_STR),
	{0},
};

/* A filesystem image that files are written into before it is used. */
static const struct schema_key url_image_keys[] = {
	REQ("format", ANY(EQ("cpio.newc"), EQ("ext4"), EQ("tar"))),
	OPT("partition", S_INT),
	OPT("sparse", S_BOOL),
	OPT("overlay_backend", OVERLAY_BACKEND),
	REQ("overlays", MAP(KEYS(OPT("lava", S_BOOL),
				 ANY_STR_KEY(MAP(url_keys, overlay_file_keys))))),
	{0},
};

/* url(extra): a plain resource, or an image with overlays; EXTRA is one
 * or more key arrays that the target adds to both. */
#define URL_OF(...)                                                          \
	{                                                                      \
		.kind = SC_ANY,                                                \
		.alts = ALTS(MAP(url_keys, __VA_ARGS__),                       \
			     MAP(url_keys, __VA_ARGS__, url_image_keys)),      \
	}

static const struct schema_key no_keys[] = {{0}};
static const struct schema url = URL_OF(no_keys);

static const struct schema_key kernel_keys[] = {
	OPT("type", ANY(EQ("image"), EQ("uimage"), EQ("zimage"))),
	{0},
};
static const struct schema url_kernel = URL_OF(kernel_keys);

static const struct schema_key image_arg_keys[] = {
	OPT("image_arg", S_STR),
	{0},
};
static const struct schema url_image_arg = URL_OF(image_arg_keys);

static const struct schema_key root_partition_keys[] = {
	OPT("root_partition", RANGE_MIN(0)),
	{0},
};
static const struct schema url_root_partition = URL_OF(root_partition_keys);

/* ---- pieces several targets share ---- */

/* Keys of every deploy block, beyond the action keys. */
static const struct schema_key deploy_keys[] = {
	OPT("os", S_STR),
	OPT("authorize", EQ("ssh")),
	OPT("overlay_backend", OVERLAY_BACKEND),
	{0},
};

/* An "images" map that must hold at least one image (a str key). */
static int
images_not_empty(struct schema_ctx *ctx, const struct ynode *n)
{
	for (size_t i = 0; n->kind == YN_MAP && i < n->n; i++)
		if (n->keys[i]->kind == YN_STR)
			return 0;
	schema_error(ctx, n, "'images' is empty");
	return 1;
}
#define IMAGES(u)                                                            \
	ALL(MAP(KEYS(ANY_STR_KEY(u))), CHECK(images_not_empty))

/* A deploy block for target TO: the action keys, the deploy keys and
 * the target's own key array(s). */
#define DEPLOY(...)                                                          \
	.kind = SC_MAP,                                                        \
	.keysets = (const struct schema_key *const[])                          \
	{                                                                      \
		lava_schema_action_keys, deploy_keys, __VA_ARGS__, NULL        \
	}

/* ---- the targets, alphabetically ---- */

static const struct schema_key avh_image_keys[] = {
	OPT("format", EQ("ext4")),
	OPT("root_partition", RANGE_MIN(0)),
	OPT("type", EQ("image")),
	{0},
};
static const struct schema_key avh_package_keys[] = {
	OPT("storage_file", S_STR),
	{0},
};
static const struct schema url_avh = URL_OF(avh_image_keys);
static const struct schema url_avh_package =
	URL_OF(avh_image_keys, avh_package_keys);
static const struct schema_key avh_keys[] = {
	REQ("to", EQ("avh")),
	OPT("options", MAP(KEYS(OPT("model", S_STR), OPT("api_endpoint", S_STR),
				OPT("project_name", S_STR)))),
	{0},
};
static const struct schema deploy_avh = {
	.kind = SC_ANY,
	.alts = ALTS(SCHEMA(DEPLOY(avh_keys,
				   KEYS(REQ("images", IMAGES(&url_avh))))),
		     SCHEMA(DEPLOY(avh_keys, KEYS(REQ("fw_package",
						      &url_avh_package))))),
};

static const struct schema deploy_docker = {DEPLOY(KEYS(
	REQ("to", EQ("docker")),
	REQ("image", ANY(&lava_schema_docker_image, MAP(lava_schema_docker_name_keys))),
	OPT("repeat", RANGE_MIN(1))))};

static const struct schema deploy_download = {DEPLOY(KEYS(
	REQ("to", EQ("download")), REQ("images", IMAGES(&url))))};

static const struct schema deploy_downloads = {DEPLOY(KEYS(
	REQ("to", EQ("downloads")), REQ("images", IMAGES(&url)),
	OPT("uniquify", S_BOOL),
	OPT("postprocess",
	    MAP(KEYS(REQ("docker",
			 MAP(lava_schema_docker_keys,
			     KEYS(REQ("steps", LIST(S_STR)),
				  OPT("devices", LIST(S_STR))))))))))};

static const struct schema_key fastboot_image_keys[] = {
	OPT("apply-overlay", S_BOOL),
	OPT("root_partition", RANGE_MIN(0)),
	OPT("sparse", S_BOOL),
	OPT("reboot", ANY(EQ("hard-reset"), EQ("fastboot-reboot"),
			  EQ("fastboot-reboot-bootloader"),
			  EQ("fastboot-reboot-fastboot"))),
	{0},
};
static const struct schema url_fastboot = URL_OF(fastboot_image_keys);
static const struct schema deploy_fastboot = {DEPLOY(KEYS(
	REQ("to", EQ("fastboot")), REQ("images", IMAGES(&url_fastboot)),
	OPT("docker", MAP(lava_schema_docker_keys))))};

static const struct schema url_flasher =
	URL_OF(KEYS(OPT("download", S_BOOL)));
static const struct schema deploy_flasher = {DEPLOY(KEYS(
	REQ("to", EQ("flasher")),
	REQ("images", MAP(KEYS(ANY_STR_KEY(&url_flasher)))),
	OPT("uniquify", S_BOOL)))};

static const struct schema deploy_fvp = {DEPLOY(KEYS(
	REQ("to", EQ("fvp")),
	OPT("ramdisk", MAP(KEYS(OPT("install_overlay", S_BOOL),
				OPT("compression", S_STR),
				OPT("header", EQ("u-boot"))))),
	OPT("uniquify", S_BOOL), REQ("images", IMAGES(&url))))};

static const struct schema deploy_iso_installer = {DEPLOY(KEYS(
	REQ("to", EQ("iso-installer")),
	REQ("images", MAP(KEYS(REQ("iso", &url_image_arg),
			       REQ("preseed", &url)))),
	REQ("iso", MAP(KEYS(REQ("installation_size", S_STR),
			    OPT("kernel", S_STR), OPT("initrd", S_STR))))))};

/* Release 2026.02: LXC support was removed in 2026.04. */
static const struct schema deploy_lxc = {DEPLOY(KEYS(
	REQ("to", EQ("lxc")), OPT("packages", LIST(S_STR))))};

static const struct schema url_mps_binary = URL_OF(KEYS(OPT("rename", S_STR)));
static const struct schema deploy_mps = {DEPLOY(KEYS(
	REQ("to", EQ("mps")),
	REQ("images",
	    ALL(MAP(KEYS(OPT("recovery_image", &url),
			 MATCH_KEY("test_binary(_\\w+)?$", &url_mps_binary))),
		LENGTH_MIN(1)))))};

static const struct schema deploy_musca = {DEPLOY(KEYS(
	REQ("to", EQ("musca")),
	REQ("images", MAP(KEYS(REQ_MSG("test_binary", &url,
				       "'images' has no 'test_binary' "
				       "entry"))))))};

static const struct schema deploy_nbd = {DEPLOY(KEYS(
	REQ("to", EQ("nbd")),
	REQ_MSG("kernel", &url_kernel, "needs a kernel to deploy"),
	REQ("nbdroot", &url), REQ("initrd", &url), OPT("dtb", &url)))};

/* Either an NFS root filesystem (and modules) or a set of images. */
static const struct schema deploy_nfs = {
	.kind = SC_ANY,
	.alts = ALTS(SCHEMA(DEPLOY(KEYS(REQ("to", EQ("nfs")),
					OPT("nfsrootfs", &url),
					OPT("modules", &url)))),
		     SCHEMA(DEPLOY(KEYS(REQ("to", EQ("nfs")),
					REQ("images",
					    IMAGES(&url_image_arg)))))),
};

static const struct schema deploy_overlay = {DEPLOY(KEYS(REQ("to", EQ("overlay"))))};

/* The map form is tried first; any other non-empty value is let
 * through, as in LAVA. */
static const struct schema deploy_qdl = {DEPLOY(KEYS(
	REQ("to", EQ("qdl")),
	REQ("qcomflash", ANY(MAP(KEYS(ANY_STR_KEY(&url),
				      OPT("apply-overlay", S_BOOL))),
			     LENGTH_MIN(1))),
	OPT("uniquify", S_BOOL), OPT("rootfs_image", S_STR)))};

static const struct schema deploy_recovery = {DEPLOY(KEYS(
	REQ("to", EQ("recovery")), REQ("images", IMAGES(&url))))};

static const struct schema deploy_ssh = {DEPLOY(KEYS(
	REQ("to", EQ("ssh")), OPT("firmware", &url), OPT("kernel", &url),
	OPT("rootfs", &url), OPT("modules", &url)))};

static const struct schema url_ramdisk = URL_OF(KEYS(
	OPT("install_modules", S_BOOL), OPT("install_overlay", S_BOOL),
	OPT("header", EQ("u-boot"))));
static const struct schema url_nfsrootfs = URL_OF(KEYS(
	OPT("install_modules", S_BOOL), OPT("install_overlay", S_BOOL),
	OPT("prefix", S_STR)));
static const struct schema deploy_tftp = {DEPLOY(KEYS(
	REQ("to", EQ("tftp")), OPT("kernel", &url_kernel), OPT("dtb", &url),
	OPT("dtbo", LIST(&url)), OPT("modules", &url), OPT("preseed", &url),
	OPT("ramdisk", &url_ramdisk),
	EXCL("nfsrootfs", "nfs", &url_nfsrootfs),
	EXCL("persistent_nfs", "nfs",
	     MAP(KEYS(REQ("address", S_STR), OPT("install_overlay", S_BOOL)))),
	OPT("tee", &url), OPT("extra_files", MAP(KEYS(ANY_KEY(&url))))))};

static const struct schema deploy_tmpfs = {DEPLOY(KEYS(
	REQ("to", EQ("tmpfs")), REQ("images", IMAGES(&url_image_arg)),
	OPT("type", EQ("monitor")), OPT("uefi", &url)))};

static const struct schema deploy_u_boot_ums = {DEPLOY(KEYS(
	REQ("to", EQ("u-boot-ums")), REQ("image", &url_root_partition)))};

/* usb, sata and sd: one image, or several with "image" among them. */
static const struct schema url_usb_image =
	URL_OF(KEYS(OPT("root_partition", S_INT)));
#define USB_TOOL                                                             \
	MAP(KEYS(REQ("tool", S_STR), REQ("options", S_STR),                    \
		 REQ("prompt", S_STR)))
static const struct schema deploy_usb = {DEPLOY(KEYS(
	REQ("to", ANY(EQ("sata"), EQ("sd"), EQ("usb"))),
	EXCL("images", "image",
	     MAP(KEYS(REQ("image", &url), ANY_STR_KEY(&url)))),
	EXCL("image", "image", &url_usb_image), REQ("device", S_STR),
	OPT("download", USB_TOOL), OPT("writer", USB_TOOL),
	OPT("tool", MAP(KEYS(REQ("prompts", LIST(S_STR))))),
	OPT("uniquify", S_BOOL)))};

static const struct schema deploy_usbg_ms = {DEPLOY(KEYS(
	REQ("to", EQ("usbg-ms")), REQ("image", &url)))};

static const struct schema url_uuu = URL_OF(KEYS(
	OPT("apply-overlay", S_BOOL), OPT("root_partition", RANGE_MIN(0))));
static const struct schema deploy_uuu = {DEPLOY(KEYS(
	REQ("to", EQ("uuu")),
	REQ("images", ALL(MAP(KEYS(REQ("boot", &url), ANY_STR_KEY(&url_uuu))),
			  LENGTH_MIN(1))),
	OPT("uniquify", S_BOOL)))};

static const struct schema deploy_vemsd = {DEPLOY(KEYS(
	REQ("to", EQ("vemsd")), REQ("recovery_image", &url)))};

/* LAVA imports the schema module named by the target: "__init__" names
 * the package itself, whose schema is the deploy keys alone (no "to"). */
static const struct schema deploy_package = {DEPLOY(no_keys)};

/* ---- lookup ---- */

struct named_schema {
	const char *name;
	const struct schema *schema;
};

/* By module name ('-' in a target reads as '_'), in strcmp() order. */
static const struct named_schema deploy_targets[] = {
	{"__init__", &deploy_package},
	{"avh", &deploy_avh},
	{"docker", &deploy_docker},
	{"download", &deploy_download},
	{"downloads", &deploy_downloads},
	{"fastboot", &deploy_fastboot},
	{"flasher", &deploy_flasher},
	{"fvp", &deploy_fvp},
	{"iso_installer", &deploy_iso_installer},
	{"lxc", &deploy_lxc},
	{"mps", &deploy_mps},
	{"musca", &deploy_musca},
	{"nbd", &deploy_nbd},
	{"nfs", &deploy_nfs},
	{"overlay", &deploy_overlay},
	{"qdl", &deploy_qdl},
	{"recovery", &deploy_recovery},
	{"sata", &deploy_usb},
	{"sd", &deploy_usb},
	{"ssh", &deploy_ssh},
	{"tftp", &deploy_tftp},
	{"tmpfs", &deploy_tmpfs},
	{"u_boot_ums", &deploy_u_boot_ums},
	{"usb", &deploy_usb},
	{"usbg_ms", &deploy_usbg_ms},
	{"uuu", &deploy_uuu},
	{"vemsd", &deploy_vemsd},
};

static int
named_schema_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct named_schema *)elem)->name);
}

const struct schema *
lava_schema_deploy(const char *to)
{
	char name[32];
	size_t len;
	if (to == NULL || (len = strlen(to)) >= sizeof name)
		return NULL;
	for (size_t i = 0; i <= len; i++)
		name[i] = to[i] == '-' ? '_' : to[i];
	const struct named_schema *found =
		bsearch(name, deploy_targets,
			sizeof deploy_targets / sizeof deploy_targets[0],
			sizeof deploy_targets[0], named_schema_cmp);
	return found ? found->schema : NULL;
}
