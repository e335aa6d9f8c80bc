#!/usr/bin/env python3
"""kinds.py OUTDIR KINDS [MAXLEN]: the kernel-messages result of OUTDIR's
results.yaml lists these kinds, in order (KINDS as in expected.tsv:
"warning*3,oops", "-" for none, "none" for no kernel-messages result at
all); no message ends in "\\r" or "\\n" (LAVA drops its end's "\\r"),
none is longer than MAXLEN characters."""
import sys

import yaml

out, want = sys.argv[1], sys.argv[2]
maxlen = int(sys.argv[3]) if len(sys.argv) > 3 else None
rows = []
with open(out + "/results.yaml", encoding="utf-8") as f:
    for line in f:
        rows.append(yaml.safe_load(line[2:]))
km = [r for r in rows if r.get("case") == "kernel-messages"]
fails = []
if want == "none":
    if km:
        fails.append("a kernel-messages result: %r" % km[0])
else:
    kinds = []
    for k in ([] if want == "-" else want.split(",")):
        name, _, n = k.partition("*")
        kinds += [name] * int(n or 1)
    if len(km) != 1:
        fails.append("%d kernel-messages results" % len(km))
    else:
        got = km[0].get("extra", {}).get("extra", [])
        if [e.get("kind") for e in got] != kinds:
            fails.append("kinds %r, want %r" % ([e.get("kind") for e in got],
                                                kinds))
        for i, e in enumerate(got):
            m = e.get("message", "")
            if m.endswith("\r") or m.endswith("\n"):
                fails.append("message %d ends in a line end: %r" %
                             (i, m[-80:]))
            if maxlen is not None and len(m) > maxlen:
                fails.append("message %d is %d long" % (i, len(m)))
for m in fails:
    print("# " + m)
sys.exit(1 if fails else 0)
