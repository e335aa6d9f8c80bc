/* test-schema-deploy.c: the schemas of deploy targets, test forms and the
 * command action say what LAVA's (lava_common/schemas/deploy, test and
 * command.py, release 2026.07; deploy "lxc" from 2026.02) say of a block,
 * in non-strict and strict mode.  Every verdict in the tables was checked
 * against LAVA's Python schemas under voluptuous. */
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

enum block_kind { DEPLOY, TEST, COMMAND };

struct block_case {
	enum block_kind kind;
	const char *name; /* deploy target or test form, for the lookup */
	const char *text; /* the block */
	int errors[2];    /* errors without and with --strict */
	const char *path; /* where one of the errors is (or below), or NULL */
	const char *msg;  /* part of that error's message, or NULL */
};

#define URL_X "{url: http://x/a}"
#define INLINE_TESTDEF                                                       \
	"{metadata: {format: Lava-Test Test Definition 1.0, name: smoke}, "    \
	"run: {steps: [lava-test-case a --shell true]}}"

static const struct block_case cases[] = {
	/* url(): a plain resource */
	{DEPLOY, "tftp", "to: tftp\nkernel: " URL_X "\n", {0, 0}, NULL, NULL},
	{DEPLOY, "tftp",
	 "to: tftp\nkernel: {url: x, headers: {A: b}, compression: xz,\n"
	 "  archive: tar, md5sum: a, sha256sum: b, sha512sum: c,\n"
	 "  use_cache: false, type: zimage}\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "tftp", "to: tftp\nkernel: {url: x, compression: null}\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "tftp", "to: tftp\nkernel: {url: x, compression: lz4}\n",
	 {1, 1}, "kernel.compression", "'zstd', null"},
	{DEPLOY, "tftp", "to: tftp\nkernel: {url: x, archive: zip}\n", {1, 1},
	 "kernel.archive", "'tar'"},
	{DEPLOY, "tftp", "to: tftp\nkernel: {compression: gz}\n", {1, 1},
	 "kernel.url", "required key not provided"},
	{DEPLOY, "tftp", "to: tftp\nkernel: {url: 3}\n", {1, 1}, "kernel.url",
	 "string"},
	{DEPLOY, "tftp", "to: tftp\nkernel: http://x/a\n", {1, 1}, "kernel",
	 NULL},
	{DEPLOY, "tftp", "to: tftp\nkernel: {url: x, type: bzimage}\n", {1, 1},
	 "kernel.type", NULL},
	/* the extra keys of one resource are not those of another */
	{DEPLOY, "tftp", "to: tftp\ndtb: {url: x, type: zimage}\n", {0, 1},
	 "dtb.type", "extra keys not allowed"},
	{DEPLOY, "tftp", "to: tftp\nkernel: {url: x, use_cache: 1}\n", {1, 1},
	 "kernel.use_cache", "boolean"},
	/* url(): an image with overlays; a format alone is an unknown key */
	{DEPLOY, "tftp", "to: tftp\nramdisk: {url: x, format: cpio.newc}\n",
	 {0, 1}, "ramdisk.format", "extra keys not allowed"},
	{DEPLOY, "tftp",
	 "to: tftp\nramdisk: {url: x, format: cpio.newc, overlays: {}}\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "tftp",
	 "to: tftp\nnfsrootfs:\n  url: x\n  format: tar\n  partition: 1\n"
	 "  sparse: false\n  overlay_backend: guestfs\n  prefix: rootfs/\n"
	 "  overlays:\n    lava: true\n"
	 "    modules: {url: y, format: tar, path: /, compression: xz}\n"
	 "    conf: {url: z, format: file, path: /etc/a.conf}\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "tftp",
	 "to: tftp\nramdisk: {url: x, format: squashfs, overlays: {}}\n",
	 {0, 1}, "ramdisk", NULL},
	{DEPLOY, "tftp",
	 "to: tftp\nramdisk: {url: x, format: tar, overlays: {lava: yes,\n"
	 "  m: {url: y, format: ext4, path: /}}}\n",
	 {0, 1}, "ramdisk.overlays.m.format", "'file', 'tar'"},
	{DEPLOY, "tftp",
	 "to: tftp\nramdisk: {url: x, format: tar, overlays: {\n"
	 "  m: {url: y, format: tar}}}\n",
	 {0, 1}, "ramdisk.overlays.m.path", "required key not provided"},
	{DEPLOY, "tftp",
	 "to: tftp\nramdisk: {url: x, format: tar, overlays: {lava: 1}}\n",
	 {0, 1}, "ramdisk.overlays.lava", "boolean"},
	{DEPLOY, "tftp",
	 "to: tftp\nramdisk: {url: x, format: tar, overlay_backend: e2fs,\n"
	 "  overlays: {}}\n",
	 {0, 1}, "ramdisk.overlay_backend", NULL},
	/* tftp: the rest of its keys */
	{DEPLOY, "tftp",
	 "to: tftp\nos: oe\nauthorize: ssh\noverlay_backend: auto\n"
	 "namespace: target\nrole: [a]\ntimeout: {minutes: 5}\n"
	 "dtb: " URL_X "\ndtbo: [" URL_X ", " URL_X "]\nmodules: " URL_X "\n"
	 "preseed: " URL_X "\ntee: " URL_X "\n"
	 "ramdisk: {url: x, install_modules: false, install_overlay: true,\n"
	 "  header: u-boot}\n"
	 "extra_files: {a: " URL_X ", 7: " URL_X "}\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "tftp", "to: tftp\nauthorize: lxc\n", {1, 1}, "authorize",
	 "'ssh'"},
	{DEPLOY, "tftp", "to: tftp\nnamespace: common\n", {1, 1}, "namespace",
	 "reserved namespace names"},
	{DEPLOY, "tftp", "to: tftp\ndtbo: " URL_X "\n", {1, 1}, "dtbo", "list"},
	{DEPLOY, "tftp", "to: tftp\nextra_files: {a: {}}\n", {1, 1},
	 "extra_files.a.url", "required key not provided"},
	{DEPLOY, "tftp", "to: tftp\nramdisk: {url: x, header: uboot}\n", {1, 1},
	 "ramdisk.header", NULL},
	{DEPLOY, "tftp", "to: tftp\nfoo: 1\n", {0, 1}, "foo",
	 "extra keys not allowed"},
	{DEPLOY, "tftp", "kernel: " URL_X "\n", {1, 1}, "to",
	 "required key not provided"},
	{DEPLOY, "tftp", "to: tmpfs\n", {1, 1}, "to", "'tftp'"},
	/* tftp: nfsrootfs and persistent_nfs exclude each other */
	{DEPLOY, "tftp", "to: tftp\nnfsrootfs: {url: x, install_modules: no}\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "tftp",
	 "to: tftp\npersistent_nfs: {address: '1.2.3.4:/srv',\n"
	 "  install_overlay: false}\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "tftp",
	 "to: tftp\nnfsrootfs: " URL_X "\npersistent_nfs: {address: a}\n",
	 {1, 1}, "persistent_nfs", "may not be used together"},
	{DEPLOY, "tftp", "to: tftp\npersistent_nfs: {install_overlay: true}\n",
	 {1, 1}, "persistent_nfs.address", "required key not provided"},
	{DEPLOY, "tftp", "to: tftp\npersistent_nfs: {address: a, prefix: b}\n",
	 {0, 1}, "persistent_nfs.prefix", "extra keys not allowed"},
	{DEPLOY, "tftp", "to: tftp\nnfsrootfs: {url: x, header: u-boot}\n",
	 {0, 1}, "nfsrootfs.header", "extra keys not allowed"},
	/* images maps: at least one image, each a resource */
	{DEPLOY, "download", "to: download\nimages: {rootfs: " URL_X "}\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "download", "to: download\nimages: {}\n", {1, 1}, "images",
	 "'images' is empty"},
	{DEPLOY, "download", "to: download\nimages: {3: " URL_X "}\n", {1, 1},
	 "images", NULL},
	{DEPLOY, "download",
	 "to: download\nimages: {3: " URL_X ", a: " URL_X "}\n", {0, 1},
	 "images.3", "extra keys not allowed"},
	{DEPLOY, "download", "to: download\nimages: {rootfs: {}}\n", {1, 1},
	 "images.rootfs.url", "required key not provided"},
	{DEPLOY, "download", "to: download\nimages: [" URL_X "]\n", {1, 1},
	 "images", "dictionary"},
	{DEPLOY, "download", "to: download\n", {1, 1}, "images",
	 "required key not provided"},
	{DEPLOY, "tmpfs",
	 "to: tmpfs\nimages: {rootfs: {url: x, image_arg: '-drive {rootfs}',\n"
	 "  format: ext4, overlays: {lava: true}}}\ntype: monitor\n"
	 "uefi: " URL_X "\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "tmpfs", "to: tmpfs\nimages: {r: {url: x, image_arg: 1}}\n",
	 {1, 1}, "images.r.image_arg", "string"},
	{DEPLOY, "tmpfs", "to: tmpfs\nimages: {r: " URL_X "}\ntype: qemu\n",
	 {1, 1}, "type", "'monitor'"},
	{DEPLOY, "fastboot",
	 "to: fastboot\nimages: {boot: {url: x, reboot: hard-reset,\n"
	 "  apply-overlay: true, root_partition: 0, sparse: false}}\n"
	 "docker: {image: 'linaro/noble:latest', local: true}\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "fastboot",
	 "to: fastboot\nimages: {boot: {url: x, root_partition: -1}}\n", {1, 1},
	 "images.boot.root_partition", "at least 0"},
	{DEPLOY, "fastboot",
	 "to: fastboot\nimages: {boot: " URL_X "}\ndocker: {image: Ubuntu}\n",
	 {1, 1}, "docker.image", "Invalid docker image name"},
	{DEPLOY, "fastboot", "to: fastboot\nimages: {boot: " URL_X "}\n"
			     "docker: {local: true}\n",
	 {1, 1}, "docker.image", "required key not provided"},
	{DEPLOY, "flasher", "to: flasher\nimages: {}\nuniquify: true\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "flasher", "to: flasher\nimages: {a: {url: x, download: 1}}\n",
	 {1, 1}, "images.a.download", "boolean"},
	{DEPLOY, "mps",
	 "to: mps\nimages: {recovery_image: " URL_X ",\n"
	 "  test_binary_1: {url: x, rename: a.bin}, test_binary: " URL_X "}\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "mps", "to: mps\nimages: {}\n", {1, 1}, "images", "empty"},
	{DEPLOY, "mps", "to: mps\nimages: {test_binary_: " URL_X "}\n", {0, 1},
	 "images.test_binary_", "extra keys not allowed"},
	{DEPLOY, "mps", "to: mps\nimages: {recovery_image: {url: x, rename: y}}\n",
	 {0, 1}, "images.recovery_image.rename", "extra keys not allowed"},
	{DEPLOY, "musca", "to: musca\nimages: {test_binary: " URL_X "}\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "musca", "to: musca\nimages: {binary: " URL_X "}\n", {1, 2},
	 "images.test_binary", "'images' has no 'test_binary' entry"},
	{DEPLOY, "uuu",
	 "to: uuu\nimages: {boot: " URL_X ", rootfs: {url: y,\n"
	 "  apply-overlay: true, root_partition: 2}}\nuniquify: false\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "uuu", "to: uuu\nimages: {rootfs: " URL_X "}\n", {1, 1},
	 "images.boot", "required key not provided"},
	{DEPLOY, "uuu", "to: uuu\nimages: {boot: {url: x, root_partition: 1}}\n",
	 {0, 1}, "images.boot.root_partition", "extra keys not allowed"},
	{DEPLOY, "iso-installer",
	 "to: iso-installer\nimages: {iso: {url: x, image_arg: '-cdrom {iso}'},"
	 "\n  preseed: " URL_X "}\niso: {installation_size: 8G, kernel: a,\n"
	 "  initrd: b}\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "iso-installer",
	 "to: iso-installer\nimages: {iso: " URL_X "}\n"
	 "iso: {kernel: a}\n",
	 {2, 2}, "iso.installation_size", "required key not provided"},
	{DEPLOY, "avh",
	 "to: avh\nimages: {kernel: {url: x, format: ext4, type: image,\n"
	 "  root_partition: 1}}\noptions: {model: rpi4b, project_name: p}\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "avh", "to: avh\nfw_package: {url: x, storage_file: y}\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "avh", "to: avh\nimages: {kernel: {url: x, format: tar}}\n",
	 {1, 1}, "images.kernel.format", NULL},
	{DEPLOY, "avh", "to: avh\n", {1, 1}, NULL, "required key not provided"},
	{DEPLOY, "avh", "to: avh\nimages: {k: {url: x, storage_file: y}}\n",
	 {0, 1}, NULL, "extra keys not allowed"},
	{DEPLOY, "nbd",
	 "to: nbd\nkernel: {url: x, type: zimage}\nnbdroot: " URL_X "\n"
	 "initrd: " URL_X "\ndtb: " URL_X "\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "nbd", "to: nbd\nnbdroot: " URL_X "\ninitrd: " URL_X "\n",
	 {1, 1}, "kernel", "needs a kernel to deploy"},
	/* nfs: a root filesystem, or images */
	{DEPLOY, "nfs", "to: nfs\nnfsrootfs: " URL_X "\nmodules: " URL_X "\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "nfs", "to: nfs\nimages: {a: {url: x, image_arg: y}}\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "nfs", "to: nfs\nimages: {}\n", {0, 1}, NULL, NULL},
	{DEPLOY, "nfs", "to: nfs\nnfsrootfs: {}\n", {1, 1}, "nfsrootfs.url",
	 "required key not provided"},
	/* usb, sata, sd: image or images, not both */
	{DEPLOY, "usb",
	 "to: usb\ndevice: sda\nimage: {url: x, root_partition: 1}\n"
	 "download: {tool: a, options: b, prompt: c}\n"
	 "writer: {tool: a, options: b, prompt: c}\n"
	 "tool: {prompts: [a]}\nuniquify: true\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "sata",
	 "to: sata\ndevice: sda\nimages: {image: " URL_X ", boot: " URL_X "}\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "sd", "to: sd\ndevice: mmcblk0\n", {0, 0}, NULL, NULL},
	{DEPLOY, "usb", "to: sd\ndevice: sda\n", {0, 0}, NULL, NULL},
	{DEPLOY, "usb", "to: nvme\ndevice: sda\n", {1, 1}, "to", NULL},
	{DEPLOY, "usb",
	 "to: usb\ndevice: sda\nimage: " URL_X "\nimages: {image: " URL_X "}\n",
	 {1, 1}, NULL, "may not be used together"},
	{DEPLOY, "usb", "to: usb\ndevice: sda\nimages: {boot: " URL_X "}\n",
	 {1, 1}, "images.image", "required key not provided"},
	{DEPLOY, "usb", "to: usb\nimage: " URL_X "\n", {1, 1}, "device",
	 "required key not provided"},
	{DEPLOY, "usb", "to: usb\ndevice: a\nwriter: {tool: a, options: b}\n",
	 {1, 1}, "writer.prompt", "required key not provided"},
	{DEPLOY, "usb",
	 "to: usb\ndevice: a\nimage: {url: x, root_partition: a}\n", {1, 1},
	 "image.root_partition", "integer"},
	/* the other targets */
	{DEPLOY, "docker", "to: docker\nimage: debian:bookworm\n", {0, 0}, NULL,
	 NULL},
	{DEPLOY, "docker",
	 "to: docker\nimage: {name: 'registry.io/a/b:1.0', local: true,\n"
	 "  login: {registry: r, user: u, password: p}}\nrepeat: 2\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "docker", "to: docker\nimage: {image: debian}\n", {1, 2},
	 "image.name", "required key not provided"},
	{DEPLOY, "docker", "to: docker\nimage: Debian\n", {1, 1}, "image",
	 NULL},
	{DEPLOY, "docker", "to: docker\nimage: debian\nrepeat: 0\n", {1, 1},
	 "repeat", "at least 1"},
	{DEPLOY, "downloads",
	 "to: downloads\nimages: {a: " URL_X "}\nuniquify: false\n"
	 "postprocess: {docker: {image: debian, steps: [a, b],\n"
	 "  devices: [c]}}\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "downloads",
	 "to: downloads\nimages: {a: " URL_X "}\n"
	 "postprocess: {docker: {image: debian}}\n",
	 {1, 1}, "postprocess.docker.steps", "required key not provided"},
	{DEPLOY, "fvp",
	 "to: fvp\nimages: {a: " URL_X "}\nramdisk: {install_overlay: true,\n"
	 "  compression: gz, header: u-boot}\nuniquify: true\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "fvp", "to: fvp\nimages: {a: " URL_X "}\nramdisk: {url: x}\n",
	 {0, 1}, "ramdisk.url", "extra keys not allowed"},
	{DEPLOY, "lxc", "to: lxc\npackages: [a, b]\nos: debian\n", {0, 0}, NULL,
	 NULL},
	{DEPLOY, "lxc", "to: lxc\npackages: a\n", {1, 1}, "packages", "list"},
	{DEPLOY, "overlay", "to: overlay\n", {0, 0}, NULL, NULL},
	{DEPLOY, "overlay", "to: overlay\nimages: {}\n", {0, 1}, "images",
	 "extra keys not allowed"},
	{DEPLOY, "qdl",
	 "to: qdl\nqcomflash: {a: " URL_X ", apply-overlay: true}\n"
	 "uniquify: true\nrootfs_image: a\n",
	 {0, 0}, NULL, NULL},
	/* qcomflash: any other non-empty value fits too */
	{DEPLOY, "qdl", "to: qdl\nqcomflash: a\n", {0, 0}, NULL, NULL},
	{DEPLOY, "qdl", "to: qdl\nqcomflash: {apply-overlay: 1}\n", {0, 0},
	 NULL, NULL},
	{DEPLOY, "qdl", "to: qdl\nqcomflash: 1\n", {1, 1}, "qcomflash", NULL},
	{DEPLOY, "recovery", "to: recovery\nimages: {a: " URL_X "}\n", {0, 0},
	 NULL, NULL},
	{DEPLOY, "ssh",
	 "to: ssh\nfirmware: " URL_X "\nkernel: " URL_X "\nrootfs: " URL_X
	 "\nmodules: " URL_X "\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "ssh", "to: ssh\ndtb: " URL_X "\n", {0, 1}, "dtb",
	 "extra keys not allowed"},
	{DEPLOY, "u-boot-ums", "to: u-boot-ums\nimage: {url: x, root_partition: 0}\n",
	 {0, 0}, NULL, NULL},
	{DEPLOY, "u_boot_ums", "to: u_boot_ums\nimage: " URL_X "\n", {1, 1},
	 "to", "'u-boot-ums'"},
	{DEPLOY, "usbg-ms", "to: usbg-ms\nimage: " URL_X "\n", {0, 0}, NULL,
	 NULL},
	{DEPLOY, "vemsd", "to: vemsd\nrecovery_image: " URL_X "\n", {0, 0}, NULL,
	 NULL},
	{DEPLOY, "vemsd", "to: vemsd\n", {1, 1}, "recovery_image",
	 "required key not provided"},
	/* LAVA reads "__init__" as the deploy package itself */
	{DEPLOY, "__init__", "os: debian\n", {0, 0}, NULL, NULL},
	{DEPLOY, "__init__", "to: __init__\n", {0, 1}, "to",
	 "extra keys not allowed"},

	/* test definitions: from git, from a url, inline */
	{TEST, "definition",
	 "definitions:\n"
	 "- {from: git, repository: 'https://g/t.git', path: a.yaml,\n"
	 "   name: smoke-tests_1.0, branch: main, history: false,\n"
	 "   revision: abc, parameters: {A: 1}, params: {}, recursive: true,\n"
	 "   skip_install: [deps, git-repos], lava-signal: kmsg,\n"
	 "   expected: [a]}\n"
	 "- {from: url, repository: 'https://h/t.tar.xz', path: b.yaml,\n"
	 "   name: b, compression: xz, strip-components: 1, headers: {}}\n"
	 "- {from: inline, path: inline/c.yaml, name: c,\n"
	 "   repository: " INLINE_TESTDEF "}\n"
	 "timeout: {minutes: 10}\n",
	 {0, 0}, NULL, NULL},
	{TEST, "definition",
	 "definitions:\n- {from: git, repository: r, path: p, name: 'a b'}\n",
	 {1, 1}, "definitions[0].name", "does not match"},
	{TEST, "definition",
	 "definitions:\n- {from: git, repository: r, path: p, name: aé}\n",
	 {1, 1}, "definitions[0].name", "does not match"},
	{TEST, "definition",
	 "definitions:\n- {from: git, repository: r, name: a}\n", {1, 1},
	 "definitions[0].path", "required key not provided"},
	{TEST, "definition",
	 "definitions:\n- {from: svn, repository: r, path: p, name: a}\n",
	 {1, 1}, "definitions[0]", NULL},
	{TEST, "definition",
	 "definitions:\n- {from: git, repository: r, path: p, name: a,\n"
	 "   compression: xz}\n",
	 {0, 1}, "definitions[0]", NULL},
	{TEST, "definition",
	 "definitions:\n- {from: url, repository: r, path: p, name: a,\n"
	 "   strip-components: one}\n",
	 {1, 1}, "definitions[0]", NULL},
	{TEST, "definition",
	 "definitions:\n- {from: git, repository: r, path: p, name: a,\n"
	 "   skip_install: [everything]}\n",
	 {1, 1}, "definitions[0].skip_install[0]", NULL},
	{TEST, "definition",
	 "definitions:\n- {from: inline, path: p, name: a, repository: r}\n",
	 {1, 1}, "definitions[0]", NULL},
	{TEST, "definition",
	 "definitions:\n- from: inline\n  path: p\n  name: a\n  repository:\n"
	 "    metadata: {format: Lava-Test Test Definition 1.0, name: a,\n"
	 "      description: d, environment: [lava-test-shell], os: [debian],\n"
	 "      devices: [x], maintainer: [m], scope: [functional]}\n"
	 "    install:\n      deps: [curl]\n      deps-debian: [wget]\n"
	 "      git-repos: ['https://g/a.git', {url: 'https://g/b.git',\n"
	 "        branch: main, destination: b}]\n"
	 "      keys: [k]\n      steps: [s]\n      sources: [s]\n"
	 "    parameters: {A: 1}\n    params: {}\n"
	 "    parse: {fixupdict: {PASS: pass, FAIL: fail, SKIP: skip}}\n"
	 "    run: {steps: [a]}\n    expected: [a]\n",
	 {0, 0}, NULL, NULL},
	{TEST, "definition",
	 "definitions:\n- {from: inline, path: p, name: a, repository:\n"
	 "   {run: {steps: [a]}}}\n",
	 {1, 1}, "definitions[0].repository.metadata",
	 "required key not provided"},
	{TEST, "definition",
	 "definitions:\n- {from: inline, path: p, name: a, repository:\n"
	 "   {metadata: {format: Lava-Test Test Definition 2.0, name: a}}}\n",
	 {1, 1}, "definitions[0].repository.metadata.format", NULL},
	{TEST, "definition",
	 "definitions:\n- {from: inline, path: p, name: a, repository:\n"
	 "   {metadata: {format: Lava-Test Test Definition 1.0, name: a},\n"
	 "    install: {deps-: [a]}}}\n",
	 {0, 1}, "definitions[0].repository.install.deps-",
	 "extra keys not allowed"},
	{TEST, "definition",
	 "definitions:\n- {from: inline, path: p, name: a, repository:\n"
	 "   {metadata: {format: Lava-Test Test Definition 1.0, name: a},\n"
	 "    parse: {fixupdict: {a: ok}}}}\n",
	 {1, 1}, "definitions[0].repository.parse.fixupdict.a", NULL},
	{TEST, "definition",
	 "definitions:\n- {from: inline, path: p, name: a, repository:\n"
	 "   {metadata: {format: Lava-Test Test Definition 1.0, name: a},\n"
	 "    run: {}}}\n",
	 {1, 1}, "definitions[0].repository.run.steps",
	 "required key not provided"},
	{TEST, "definition", "definitions: {a: 1}\n", {1, 1}, "definitions",
	 "list"},
	{TEST, "definition", "definitions: []\ndocker: {image: debian}\n",
	 {0, 1}, "docker", "extra keys not allowed"},
	{TEST, "docker",
	 "definitions: []\ndocker: {image: debian, container_name: c}\n"
	 "downloads-namespace: dl\ndisconnect_connection: true\n",
	 {0, 0}, NULL, NULL},
	{TEST, "docker", "definitions: []\ndocker: {image: 'Debian'}\n", {1, 1},
	 "docker.image", "Invalid docker image name"},
	{TEST, "docker", "definitions: []\n", {1, 1}, "docker",
	 "required key not provided"},

	/* interactive tests */
	{TEST, "interactive",
	 "interactive:\n- name: uboot-tests\n  prompts: ['=> ', '# ']\n"
	 "  echo: discard\n  expected: [a]\n  script:\n"
	 "  - command: help\n    name: help\n    delay: 1\n"
	 "    wait_for_prompt: false\n"
	 "    successes: [{message: 'bootm'}]\n"
	 "    failures: [{message: 'Unknown', exception: JobError,\n"
	 "                error: 'bad command'}]\n"
	 "  - {command: null, lava-send: a, lava-sync: b, lava-wait: c,\n"
	 "     lava-wait-all: d}\n",
	 {0, 0}, NULL, NULL},
	{TEST, "interactive",
	 "interactive:\n- {name: a, prompts: [''], script: []}\n", {1, 1},
	 "interactive[0].prompts[0]", NULL},
	{TEST, "interactive", "interactive:\n- {name: a, prompts: ['#']}\n",
	 {1, 1}, "interactive[0].script", "required key not provided"},
	{TEST, "interactive",
	 "interactive:\n- name: a\n  prompts: ['#']\n  script:\n"
	 "  - {command: ls, failures: [{message: x, exception: Error}]}\n",
	 {1, 1}, "interactive[0].script[0].failures[0].exception", NULL},
	{TEST, "interactive",
	 "interactive:\n- name: a\n  prompts: ['#']\n  script:\n"
	 "  - {command: 3}\n",
	 {1, 1}, "interactive[0].script[0].command", NULL},
	{TEST, "interactive",
	 "interactive:\n- name: a\n  prompts: ['#']\n  echo: keep\n"
	 "  script: [{command: ls, name: 'l s'}]\n",
	 {2, 2}, "interactive[0].echo", "'discard'"},
	{TEST, "interactive",
	 "interactive:\n- name: a\n  prompts: ['#']\n  script:\n"
	 "  - {command: ls, successes: [{message: ''}]}\n",
	 {1, 1}, "interactive[0].script[0].successes[0].message", "empty"},
	{TEST, "interactive",
	 "interactive:\n- name: a\n  prompts: ['#']\n  script:\n"
	 "  - {command: ls, timeout: {minutes: 1}}\n",
	 {0, 1}, "interactive[0].script[0].timeout", "extra keys not allowed"},

	/* monitors */
	{TEST, "monitor",
	 "monitors:\n- name: tests\n  start: BOOTING\n  end: Done\n"
	 "  pattern: '(?P<result>PASS|FAIL)'\n"
	 "  fixupdict: {PASS: pass, FAIL: fail}\n  expected: [a]\n",
	 {0, 0}, NULL, NULL},
	{TEST, "monitor",
	 "monitors:\n- {name: tests, start: a, end: b}\n", {1, 1},
	 "monitors[0].pattern", "required key not provided"},
	{TEST, "monitor",
	 "monitors:\n- {name: t, start: a, end: b, pattern: c,\n"
	 "   fixupdict: {PASS: passed}}\n",
	 {1, 1}, "monitors[0].fixupdict.PASS", NULL},

	/* services */
	{TEST, "service",
	 "services:\n- {from: git, repository: r, path: p, name: svc,\n"
	 "   service: s, branch: main, history: true, revision: a,\n"
	 "   recursive: false}\n"
	 "- {from: url, repository: r, path: p, name: svc2,\n"
	 "   compression: gz, headers: {A: b}}\n",
	 {0, 0}, NULL, NULL},
	{TEST, "service", "services:\n- {from: inline, repository: r, path: p,\n"
			  "   name: a}\n",
	 {1, 1}, "services[0]", NULL},
	{TEST, "service",
	 "services:\n- {from: url, repository: r, path: p, name: a,\n"
	 "   branch: main}\n",
	 {0, 1}, "services[0]", NULL},

	/* command */
	{COMMAND, NULL, "name: reboot_board\ntimeout: {seconds: 30}\n", {0, 0},
	 NULL, NULL},
	{COMMAND, NULL, "timeout: {seconds: 30}\n", {1, 1}, "name",
	 "required key not provided"},
	{COMMAND, NULL, "name: [a]\n", {1, 1}, "name", "string"},
	{COMMAND, NULL, "name: a\ncommands: [b]\n", {0, 1}, "commands",
	 "extra keys not allowed"},
	{COMMAND, NULL, "name: a\nfailure_retry: 0\n", {1, 1}, "failure_retry",
	 "at least 1"},
};

static const struct schema *
lookup(enum block_kind kind, const char *name)
{
	switch (kind) {
	case DEPLOY:
		return lava_schema_deploy(name);
	case TEST:
		return lava_schema_test(name);
	case COMMAND:
		return lava_schema_command();
	}
	return NULL;
}

/* Validates TEXT against S; fills D, returns the number of errors. */
static int
validate_text(const struct schema *s, const char *text, bool strict,
	      struct diags *d)
{
	struct yerror err;
	struct ydoc *doc = ydoc_parse(text, strlen(text), &err);
	if (doc == NULL)
		fail_msg("cannot parse %s: %s", text, err.msg);
	struct schema_ctx ctx;
	diags_init(d);
	schema_ctx_init(&ctx, d, ERR_JOB, strict);
	int n = schema_validate(&ctx, s, ydoc_root(doc));
	schema_ctx_free(&ctx);
	ydoc_free(doc);
	return n;
}

/* Whether PATH is WANT or a path below it (any path if WANT is NULL). */
static bool
at_or_below(const char *path, const char *want)
{
	if (want == NULL)
		return true;
	size_t len = strlen(want);
	return strncmp(path, want, len) == 0 &&
	       (path[len] == '\0' || path[len] == '.' || path[len] == '[');
}

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct block_case *c = &cases[i];
		const struct schema *s = lookup(c->kind, c->name);
		if (s == NULL)
			fail_msg("case %zu: no schema for '%s'", i, c->name);
		for (int strict = 0; strict < 2; strict++) {
			struct diags d;
			int n = validate_text(s, c->text, strict, &d);
			bool found = n == 0 || (c->path == NULL && c->msg == NULL);
			for (size_t j = 0; j < d.n && !found; j++)
				found = at_or_below(d.v[j].path, c->path) &&
					(c->msg == NULL ||
					 strstr(d.v[j].msg, c->msg));
			if (n != c->errors[strict] || !found) {
				for (size_t j = 0; j < d.n; j++)
					print_error("  %s: %s\n", d.v[j].path,
						    d.v[j].msg);
				fail_msg("case %zu (%s), %s: %d errors, want "
					 "%d at %s (%s)\n%s",
					 i, c->name ? c->name : "command",
					 strict ? "strict" : "non-strict", n,
					 c->errors[strict],
					 c->path ? c->path : "-",
					 c->msg ? c->msg : "-", c->text);
			}
			diags_free(&d);
		}
	}
}

/* Every deploy target LAVA has a schema module for, as written in jobs. */
static const char *const deploy_targets[] = {
	"avh",      "docker",  "download",  "downloads", "fastboot",
	"flasher",  "fvp",     "iso-installer", "lxc",   "mps",
	"musca",    "nbd",     "nfs",       "overlay",   "qdl",
	"recovery", "sata",    "sd",        "ssh",       "tftp",
	"tmpfs",    "u-boot-ums", "usb",    "usbg-ms",   "uuu",
	"vemsd",
};

/* Each target's schema takes its own name under "to:" (and nothing
 * else shares a schema but usb, sata and sd). */
static void
test_every_target(void **state)
{
	(void)state;
	size_t n = sizeof deploy_targets / sizeof deploy_targets[0];
	for (size_t i = 0; i < n; i++) {
		const char *to = deploy_targets[i];
		const struct schema *s = lava_schema_deploy(to);
		if (s == NULL)
			fail_msg("no schema for deploy target '%s'", to);
		/* '-' and '_' name the same module */
		char alias[32];
		snprintf(alias, sizeof alias, "%s", to);
		for (char *p = alias; *p; p++)
			if (*p == '-')
				*p = '_';
		assert_ptr_equal(lava_schema_deploy(alias), s);
		/* "to" must be the target's own name */
		char *text;
		if (asprintf(&text, "to: %s\n", to) < 0)
			fail();
		struct diags d;
		validate_text(s, text, true, &d);
		for (size_t j = 0; j < d.n; j++)
			if (strcmp(d.v[j].path, "to") == 0)
				fail_msg("%s: to: %s", to, d.v[j].msg);
		diags_free(&d);
		free(text);
		for (size_t j = 0; j < n; j++) {
			const char *other = deploy_targets[j];
			if (lava_schema_deploy(other) == s)
				continue;
			if (asprintf(&text, "to: %s\n", other) < 0)
				fail();
			validate_text(s, text, false, &d);
			bool rejected = false;
			for (size_t k = 0; k < d.n; k++)
				rejected |= strcmp(d.v[k].path, "to") == 0;
			if (!rejected)
				fail_msg("deploy %s takes 'to: %s'", to, other);
			diags_free(&d);
			free(text);
		}
	}
	for (size_t i = 0; i < 5; i++) {
		static const char *const forms[] = {
			"definition", "docker", "interactive", "monitor",
			"service"};
		assert_non_null(lava_schema_test(forms[i]));
	}
	assert_non_null(lava_schema_command());
}

static void
test_unknown(void **state)
{
	(void)state;
	static const char *const unknown[] = {
		"", "TFTP", "tftp ", "tftp.x", "u-boot", "qemu", "lava",
		"deploy", "__pycache__", "schema", "isoinstaller",
		"a-very-long-target-name-that-does-not-exist-anywhere",
	};
	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
		if (lava_schema_deploy(unknown[i]) != NULL)
			fail_msg("a schema for deploy target '%s'", unknown[i]);
	assert_null(lava_schema_deploy(NULL));
	static const char *const forms[] = {"", "definitions", "test",
					    "monitors", "Docker"};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
		if (lava_schema_test(forms[i]) != NULL)
			fail_msg("a schema for test form '%s'", forms[i]);
	assert_null(lava_schema_test(NULL));
}

/* Blocks of the corpus jobs LAVA rejects: "job:index" of the action, and
 * in which modes (N non-strict, S strict).  Found by running LAVA's
 * schemas on every deploy, test and command block. */
static const struct {
	const char *where;
	const char *modes;
} corpus_rejects[] = {
	{"dispatcher/bbb-ssh-guest.yaml:0", "NS"},
	{"dispatcher/bbb-ssh-guest.yaml:2", "NS"},
	{"dispatcher/kvm-multinode-client.yaml:0", "NS"},
	{"dispatcher/kvm-multinode-client.yaml:2", "NS"},
	{"dispatcher/kvm-multinode-server.yaml:0", "NS"},
	{"dispatcher/kvm-multinode-server.yaml:2", "NS"},
	{"dispatcher/kvm-qcow2.yaml:0", "S"},
	{"dispatcher/ssh-deploy.yaml:3", "S"},
	{"dispatcher/up2-tests-from-tar.yaml:2", "S"},
	{"scheduler/kvm-multinode-client.yaml:0", "NS"},
	{"scheduler/kvm-multinode-client.yaml:2", "NS"},
	{"scheduler/kvm-multinode-server.yaml:0", "NS"},
	{"scheduler/kvm-multinode-server.yaml:2", "NS"},
	{"scheduler/mustang-ssh-multinode.yaml:1", "S"},
	{"scheduler/qemu-ssh-guest-1.yaml:0", "NS"},
	{"scheduler/qemu-ssh-guest-1.yaml:1", "NS"},
	{"scheduler/qemu-ssh-guest-2.yaml:0", "NS"},
	{"scheduler/qemu-ssh-guest-2.yaml:1", "NS"},
	{"scheduler/qemu-ssh-guest.yaml:0", "S"},
	{"scheduler/qemu-ssh-guest.yaml:1", "S"},
	{"scheduler/qemu-ssh-parent.yaml:0", "NS"},
	{"scheduler/qemu-ssh-parent.yaml:1", "NS"},
	{"lxc/hikey-grub-lxc.yaml:2", "S"},
	{"lxc/hikey-grub-lxc.yaml:4", "S"},
	{"lxc/panda-lxc-aep.yaml:4", "S"},
	{"lxc/panda-lxc-aep.yaml:5", "S"},
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

/* The schema LAVA picks for action TYPE with body B, or NULL if none. */
static const struct schema *
action_schema(const char *type, const struct ynode *b, const char **name)
{
	*name = type;
	if (strcmp(type, "command") == 0)
		return lava_schema_command();
	if (strcmp(type, "deploy") == 0) {
		const struct ynode *to = ymap_get(b, "to");
		assert_non_null(to);
		*name = to->str;
		return lava_schema_deploy(to->str);
	}
	if (strcmp(type, "test") != 0)
		return NULL;
	if (ymap_key(b, "definitions"))
		*name = ymap_key(b, "docker") ? "docker" : "definition";
	else if (ymap_key(b, "interactive"))
		*name = "interactive";
	else if (ymap_key(b, "monitors"))
		*name = "monitor";
	else if (ymap_key(b, "services"))
		*name = "service";
	else
		fail_msg("a test block of no known form");
	return lava_schema_test(*name);
}

struct corpus_count {
	int blocks, rejects;
};

static void
check_block(const char *job, size_t i, const char *type,
	    const struct ynode *b, void *arg)
{
	struct corpus_count *count = arg;
	const char *name;
	if (strcmp(type, "boot") == 0)
		return;
	const struct schema *s = action_schema(type, b, &name);
	if (s == NULL)
		fail_msg("%s: %s %zu: no schema for '%s'", job, type, i, name);
	char *what = xasprintf("%s: %s %zu (%s)", job, type, i, name);
	count->rejects += corpus_check_block(s, b, corpus_modes(job, i), what);
	free(what);
	count->blocks++;
}

/* Every deploy, test and command block of the corpus jobs in
 * verdicts.tsv: valid unless LAVA rejects it (corpus_rejects). */
static void
test_corpus(void **state)
{
	(void)state;
	struct corpus_count count = {0, 0};
	corpus_each_block(check_block, &count);
	/* 192 deploy, 146 test and 7 command blocks in 168 jobs; 42
	 * verdicts of invalid among them. */
	assert_int_equal(count.blocks, 345);
	assert_int_equal(count.rejects, 42);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_every_target),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests_name("schema-deploy", tests, NULL, NULL);
}
