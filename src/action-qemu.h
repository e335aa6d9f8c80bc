/* action-qemu.h: deploy to: tmpfs ("deployimages": the images downloaded,
 * the overlay appended to a cpio.newc ramdisk) and boot method: qemu
 * ("boot-image-retry": QEMU started on the connection's pty, its serial
 * console the namespace's connection). */
#ifndef TETHER_ACTION_QEMU_H
#define TETHER_ACTION_QEMU_H

struct job;
struct action;

int deploy_tmpfs(struct job *j, struct action *top);
int boot_qemu(struct job *j, struct action *top);

#endif
