#!/usr/bin/env python3
"""check.py OUTDIR [ASSERTION]...: what `tether run` left in OUTDIR.

Always checked: every line of log.yaml and results.yaml is one YAML flow
map ("- {...}"), log records carry dt, lvl and msg (and ns for
feedback), result.yaml is complete (case job, definition lava, result,
and error_msg/error_type when failing), and both logs end with that job
record.

Assertions, fields separated by '|', the last field taking the rest of
the string, '|' included (REGEX: Python re.search):
  rc|N                       the exit status, from $RC
  job|pass                   result.yaml passes
  job|fail|TYPE|REGEX        fails, error_type matches TYPE (whole), and
                             error_msg REGEX
  row|DEF|CASE|RESULT        results.yaml has that row
  norow|DEF|CASE             ... has no row for DEF, CASE
  rows|DEF|CASE|N            ... has exactly N rows for DEF, CASE
  key|DEF|CASE|KEY|REGEX     that row's KEY (as a string) matches REGEX
  nokey|DEF|CASE|KEY         that row has no KEY
  log|REGEX                  a log record's msg (a string) matches
  nolog|REGEX                none does
  logn|N|REGEX               exactly N records match
  order|REGEX1|REGEX2        a match of REGEX1 comes before one of REGEX2
  feedback|NS|START|END      a feedback record of namespace NS comes
                             between the first record matching START and
                             the next one matching END
  target|REGEX|START|END     a target record matching REGEX comes there
  file|NAME|REGEX            OUTDIR/NAME (or an absolute path) matches
  nofile|NAME|REGEX          it exists and does not match
  exists|PATH / absent|PATH  a file on the host
Failures are printed as "# ..." lines, with the results and the end of
the job log, and the exit status is 1.
"""
import os
import re
import sys

import yaml

out = sys.argv[1]
fails = []


def fail(msg):
    fails.append(msg)


def flow_lines(path):
    recs = []
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        fail("%s: %s" % (path, e))
        return recs
    if text and not text.endswith("\n"):
        fail("%s: does not end with a newline" % path)
    for i, line in enumerate(text.splitlines(), 1):
        if not line.startswith("- {"):
            fail("%s:%d: not a '- {...}' line: %r" % (path, i, line[:120]))
            continue
        try:
            r = yaml.safe_load(line[2:])
        except yaml.YAMLError as e:
            fail("%s:%d: not YAML: %s: %r" % (path, i, e, line[:120]))
            continue
        if not isinstance(r, dict):
            fail("%s:%d: not a map: %r" % (path, i, line[:120]))
            continue
        recs.append(r)
    return recs


log = flow_lines(os.path.join(out, "log.yaml"))
rows = flow_lines(os.path.join(out, "results.yaml"))
for i, r in enumerate(log):
    if not {"dt", "lvl", "msg"} <= set(r):
        fail("log record %d lacks dt, lvl or msg: %r" % (i + 1, r))
    elif r["lvl"] == "feedback" and "ns" not in r:
        fail("feedback record %d without ns: %r" % (i + 1, r))
try:
    with open(os.path.join(out, "result.yaml"), encoding="utf-8") as f:
        job = yaml.safe_load(f)
except (OSError, yaml.YAMLError) as e:
    job = None
    fail("result.yaml: %s" % e)
if job is not None:
    if not isinstance(job, dict) or job.get("case") != "job" or \
            job.get("definition") != "lava" or \
            job.get("result") not in ("pass", "fail"):
        fail("result.yaml incomplete: %r" % (job,))
        job = None
    elif job["result"] == "fail" and not (job.get("error_msg") and
                                          job.get("error_type")):
        fail("result.yaml: a failure without error_msg/error_type: %r" % job)
if job is not None:
    if not log or log[-1].get("lvl") != "results" or log[-1].get("msg") != job:
        fail("log.yaml does not end with the job record: %r" %
             (log[-1] if log else None))
    if not rows or rows[-1] != job:
        fail("results.yaml does not end with the job record: %r" %
             (rows[-1] if rows else None))

msgs = [r.get("msg") if isinstance(r.get("msg"), str) else None for r in log]


def find(regex, start=0, end=None):
    rx = re.compile(regex)
    for i in range(start, len(log) if end is None else end):
        if msgs[i] is not None and rx.search(msgs[i]):
            return i
    return -1


def window(start, end):
    a = find(start)
    if a < 0:
        fail("no log record matches %r" % start)
        return None
    b = find(end, a + 1)
    if b < 0:
        fail("no log record matches %r after %r" % (end, start))
        return None
    return a, b


def select(d, c):
    return [r for r in rows if str(r.get("definition")) == d and
            str(r.get("case")) == c]


# How many fields each assertion has: the last one takes the rest, '|'
# included.
NFIELDS = {"rc": 2, "job": 4, "row": 4, "norow": 3, "rows": 4, "key": 5,
           "nokey": 4, "log": 2, "nolog": 2, "logn": 3, "order": 3,
           "feedback": 4, "target": 4, "file": 3, "nofile": 3, "exists": 2,
           "absent": 2}
for a in sys.argv[2:]:
    k = a.split("|", 1)[0]
    f = a.split("|", NFIELDS.get(k, 1) - 1)
    f += [""] * (NFIELDS.get(k, 1) - len(f))
    if k == "rc":
        if os.environ.get("RC") != f[1]:
            fail("exit status %s, want %s" % (os.environ.get("RC"), f[1]))
    elif k == "job":
        if job is None:
            continue
        if job["result"] != f[1]:
            fail("job %s, want %s (%r)" % (job["result"], f[1], job))
        elif f[1] == "fail":
            if not re.fullmatch(f[2], str(job.get("error_type"))):
                fail("error_type %r, want %r" % (job.get("error_type"), f[2]))
            if not re.search(f[3], str(job.get("error_msg"))):
                fail("error_msg %r does not match %r" %
                     (job.get("error_msg"), f[3]))
    elif k == "row":
        if not [r for r in select(f[1], f[2]) if r.get("result") == f[3]]:
            fail("no row %s %s %s" % (f[1], f[2], f[3]))
    elif k == "norow":
        if select(f[1], f[2]):
            fail("unwanted row %r" % select(f[1], f[2]))
    elif k == "rows":
        if len(select(f[1], f[2])) != int(f[3]):
            fail("%d rows %s %s, want %s" % (len(select(f[1], f[2])), f[1],
                                              f[2], f[3]))
    elif k == "key":
        s = select(f[1], f[2])
        if not s or f[3] not in s[0] or \
                not re.search(f[4], str(s[0][f[3]])):
            fail("row %s %s: %s is %r, want %r" % (
                f[1], f[2], f[3], s[0].get(f[3]) if s else None, f[4]))
    elif k == "nokey":
        s = select(f[1], f[2])
        if not s or f[3] in s[0]:
            fail("row %s %s: has %s: %r" % (f[1], f[2], f[3], s))
    elif k == "log":
        if find(f[1]) < 0:
            fail("no log record matches %r" % f[1])
    elif k == "nolog":
        if find(f[1]) >= 0:
            fail("a log record matches %r: %r" % (f[1], msgs[find(f[1])]))
    elif k == "logn":
        rx = re.compile(f[2])
        n = len([m for m in msgs if m is not None and rx.search(m)])
        if n != int(f[1]):
            fail("%d log records match %r, want %s" % (n, f[2], f[1]))
    elif k == "order":
        a1 = find(f[1])
        a2 = find(f[2], a1 + 1) if a1 >= 0 else -1
        if a1 < 0 or a2 < 0:
            fail("no %r followed by %r in the log" % (f[1], f[2]))
    elif k == "feedback":
        w = window(f[2], f[3])
        if w and not [r for r in log[w[0]:w[1]] if r.get("lvl") == "feedback"
                      and r.get("ns") == f[1]]:
            fail("no feedback from namespace %s between %r and %r" % tuple(f[1:4]))
    elif k == "target":
        w = window(f[2], f[3])
        rx = re.compile(f[1])
        if w and not [r for r in log[w[0]:w[1]] if r.get("lvl") == "target"
                      and isinstance(r.get("msg"), str) and rx.search(r["msg"])]:
            fail("no target record %r between %r and %r" % tuple(f[1:4]))
    elif k in ("file", "nofile"):
        p = f[1] if f[1].startswith("/") else os.path.join(out, f[1])
        try:
            with open(p, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
        except OSError as e:
            fail("%s: %s" % (p, e))
            continue
        if (re.search(f[2], text) is None) == (k == "file"):
            fail("%s %s %r" % (p, "lacks" if k == "file" else "has", f[2]))
    elif k == "exists":
        if not os.path.exists(f[1]):
            fail("no %s" % f[1])
    elif k == "absent":
        if os.path.exists(f[1]):
            fail("%s exists" % f[1])
    else:
        fail("unknown assertion %r" % a)

if fails:
    for m in fails:
        print("# " + m)
    print("# results:")
    for r in rows:
        print("#   %s %s %s" % (r.get("definition"), r.get("case"),
                                r.get("result")))
    print("# result.yaml: %r" % (job,))
    print("# log.yaml (last 25 records):")
    for r in log[-25:]:
        print("#   %s %s%s" % (r.get("lvl"), str(r.get("msg"))[:200],
                               " [%s]" % r["ns"] if "ns" in r else ""))
    sys.exit(1)
