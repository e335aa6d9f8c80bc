#!/usr/bin/env python3
"""results.py: what a job said, from lava-run's job log or tether's
results.yaml / log.yaml, for the end-to-end tests that compare the two.

  results.py cases FILE    "definition<TAB>case<TAB>result" of every test
                           case (definition other than lava) and of the
                           job record, sorted
  results.py actions FILE  "case<TAB>level<TAB>result" of the lava records
                           of actions, in the order logged

FILE holds one record a line: {"dt", "lvl", "msg"} (a job log: only the
"results" ones count), or "- {...}" result maps (results.yaml)."""
import sys

import yaml


def records(path):
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.strip()
        if '"lvl": "' in line and '"lvl": "results"' not in line:
            continue
        if line.startswith("- "):
            line = line[2:]
        if not line.startswith("{"):
            continue
        try:
            r = yaml.load(line, Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            continue
        if isinstance(r, dict) and "msg" in r and "lvl" in r:
            r = r["msg"]
        if isinstance(r, dict) and "definition" in r:
            yield r


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("cases", "actions"):
        sys.exit(__doc__)
    what, path = sys.argv[1], sys.argv[2]
    if what == "cases":
        rows = ["%s\t%s\t%s" % (r["definition"], r.get("case"), r.get("result"))
                for r in records(path)
                if r["definition"] != "lava" or r.get("case") == "job"]
        for row in sorted(rows):
            print(row)
    else:
        for r in records(path):
            if r["definition"] == "lava" and "level" in r:
                print("%s\t%s\t%s" % (r["case"], r["level"], r["result"]))


main()
