#!/usr/bin/env python3
"""archives.py DIR TAG: the hostile test definition archives of
hostile-fetch.sh, written into DIR, made with tarfile (no mknod needed
for a device node):

  fifo.tar.gz      the definition is a FIFO
  chr.tar.gz       the definition is a character device (1, 5: /dev/zero)
  symlink.tar.gz   def.yaml -> /etc/passwd
  dotdot.tar.gz    an entry ../../TAG-escape
  abs.tar.gz       an entry /tmp/TAG-abs
  hardlink.tar.gz  a hard link to /etc/passwd
  bomb.tar.gz      def.yaml and 10 MB of zeros (a few kB compressed)
"""
import io
import os
import sys
import tarfile

out, tag = sys.argv[1], sys.argv[2]
DEF = b"metadata: {name: h, format: Lava-Test Test Definition 1.0}\nrun: {steps: [true]}\n"


def reg(name, data):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mode = 0o644
    return ti, io.BytesIO(data)


def special(name, kind, **kw):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mode = 0o644
    for k, v in kw.items():
        setattr(ti, k, v)
    return ti, None


def write(name, members):
    with tarfile.open(os.path.join(out, name), "w:gz") as t:
        t.addfile(*reg("ok.yaml", DEF))
        for ti, data in members:
            t.addfile(ti, data)


write("fifo.tar.gz", [special("def.yaml", tarfile.FIFOTYPE)])
write("chr.tar.gz", [special("def.yaml", tarfile.CHRTYPE, devmajor=1, devminor=5)])
write("symlink.tar.gz", [special("def.yaml", tarfile.SYMTYPE, linkname="/etc/passwd")])
write("dotdot.tar.gz", [reg("../../%s-escape" % tag, b"escaped\n")])
write("abs.tar.gz", [reg("/tmp/%s-abs" % tag, b"escaped\n")])
write("hardlink.tar.gz", [special("def.yaml", tarfile.LNKTYPE, linkname="/etc/passwd")])
with tarfile.open(os.path.join(out, "bomb.tar.gz"), "w:gz") as t:
    t.addfile(*reg("def.yaml", DEF))
    ti = tarfile.TarInfo("zeros")
    ti.size = 10 * 1024 * 1024
    t.addfile(ti, io.BytesIO(bytes(ti.size)))
