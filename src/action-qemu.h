/* action-qemu.h: deploy to: tmpfs ("deployimages": the images downloaded,
 * the overlay appended to a cpio.newc ramdisk) and boot method: qemu
 * ("boot-image-retry": QEMU started on the connection's pty, its serial
 * console the namespace's connection). */
#ifndef TETHER_ACTION_QEMU_H
#define TETHER_ACTION_QEMU_H

#include <stddef.h>

struct job;
struct action;

int deploy_tmpfs(struct job *j, struct action *top);
int boot_qemu(struct job *j, struct action *top);

/* The compression of the file at PATH, from its first bytes: an
 * ARCHIVE_FILTER_* code (NONE, GZIP, XZ, ZSTD, BZIP2), -1 if unreadable. */
int ramdisk_filter(const char *path);
/* Appends the entries of the tar.gz TGZ to IMAGE as a cpio.newc archive
 * compressed with FILTER (ARCHIVE_FILTER_*), after zeros up to a 512-byte
 * boundary, where the kernel looks for a next archive.  Returns 0, or -1
 * with ERR set. */
int ramdisk_append(const char *image, const char *tgz, int filter, char *err,
                   size_t errlen);

#endif
