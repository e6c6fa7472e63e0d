#!/usr/bin/env python3
"""Checks every conformance case against the real yara (Debian's 4.2.3).

The case tables are only worth something if yara agrees with them, so this
runs /usr/bin/yara on each case exactly as a user would (rule files, -d,
-s, -e) and fails naming the case and the difference. Exit 77 (ctest
SKIP_RETURN_CODE) when yara is absent, so machines without it skip.

usage: check_with_yara.py [--yara PATH] [--fill] [--show NAME] [CASES_DIR]
  --fill       replace `--- strings` bodies that are a single `?` with
               yara's output (authoring aid; review the diff afterwards)
  --show NAME  print yara's raw output for case NAME (area/name or name)
"""

import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import casefile  # noqa: E402

EXPECTED_VERSION = "4.2.3"


def run_yara(yara, case):
    """Returns (returncode, stdout lines, stderr text, data path)."""
    tmp = tempfile.mkdtemp(prefix="vigil-conf-")
    try:
        for name, text in case.includes:
            p = os.path.join(tmp, name)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w", encoding="utf-8") as f:
                f.write(text)
        args = [yara, "-s", "-e", "-w"]
        for d in case.defines:
            args += ["-d", d]
        for i, (ns, text) in enumerate(case.rules):
            p = os.path.join(tmp, "rules.yar" if i == 0 else "rules%d.yar" % i)
            with open(p, "w", encoding="utf-8") as f:
                f.write(text)
            args.append("%s:%s" % (ns, p) if ns else p)
        data = os.path.join(tmp, "data")
        with open(data, "wb") as f:
            f.write(case.data)
        args.append(data)
        r = subprocess.run(args, capture_output=True, timeout=120)
        out = r.stdout.decode("latin-1").split("\n")
        return r.returncode, [l for l in out if l], r.stderr.decode("latin-1"), data
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def split_output(lines, data):
    """yara -s -e output -> ([ns:rule, ...], [match line, ...])."""
    rules, strings = [], []
    suffix = " " + data
    for l in lines:
        if l.startswith("0x") and not l.endswith(suffix):
            strings.append(l)
        elif l.endswith(suffix):
            rules.append(l[: -len(suffix)])
        else:
            strings.append(l)
    return rules, strings


def same_rule(expected, got):
    return expected == got if ":" in expected else got.split(":", 1)[-1] == expected


def check(yara, case):
    """Returns a list of difference descriptions (empty: agrees)."""
    try:
        rc, out, err, data = run_yara(yara, case)
    except subprocess.TimeoutExpired:
        return ["yara took longer than 120 s"]
    if case.error is not None:
        diffs = []
        if rc == 0:
            diffs.append("expected a compile error, yara compiled and scanned: %r" % out)
        for s in case.error:
            if s not in err:
                diffs.append("error message lacks %r; yara said: %s" % (s, err.strip()))
        return diffs
    if rc != 0:
        return ["yara failed (rc %d): %s" % (rc, err.strip())]
    rules, strings = split_output(out, data)
    diffs = []
    if len(rules) != len(case.expect) or not all(
            same_rule(e, g) for e, g in zip(case.expect, rules)):
        diffs.append("rules: expected %s, yara %s" % (case.expect or ["none"], rules or ["none"]))
    if case.strings is not None and case.strings != ["?"] and case.strings != strings:
        diffs.append("strings differ:\n" + unified(case.strings, strings))
    return diffs


def unified(exp, got):
    lines = []
    n = max(len(exp), len(got))
    for i in range(n):
        e = exp[i] if i < len(exp) else "<none>"
        g = got[i] if i < len(got) else "<none>"
        if e != g:
            lines.append("      line %d: expected %s\n              yara     %s" % (i + 1, e, g))
        if len(lines) >= 10:
            lines.append("      ...")
            break
    return "\n".join(lines)


def fill(yara, folder, cases):
    """Writes yara's match lines into `--- strings` sections whose body is `?`."""
    by_file = {}
    for c in cases:
        if c.strings == ["?"]:
            by_file.setdefault(c.area, []).append(c)
    for area, todo in by_file.items():
        path = os.path.join(folder, area + ".txt")
        with open(path, encoding="utf-8") as f:
            text = f.read().split("\n")
        names = {c.name: c for c in todo}
        out, cur = [], None
        for line in text:
            if line.startswith("=== "):
                cur = names.get(line[4:].strip())
            if cur is not None and line.strip() == "?":
                rc, lines, err, data = run_yara(yara, cur)
                _, strings = split_output(lines, data)
                out.extend(strings)
                print("filled %s/%s with %d lines" % (area, cur.name, len(strings)))
                continue
            out.append(line)
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--yara", default="/usr/bin/yara")
    ap.add_argument("--fill", action="store_true")
    ap.add_argument("--show")
    ap.add_argument("folder", nargs="?",
                    default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases"))
    a = ap.parse_args()
    if not os.access(a.yara, os.X_OK):
        print("SKIP: %s not found; conformance tables not checked against yara" % a.yara)
        return 77
    ver = subprocess.run([a.yara, "-v"], capture_output=True, text=True).stdout.strip()
    if ver != EXPECTED_VERSION:
        print("note: yara is %s, the tables were verified with %s" % (ver, EXPECTED_VERSION))
    try:
        cases = casefile.load_dir(a.folder)
    except casefile.CaseError as e:
        print("case file error: %s" % e)
        return 1
    if a.show:
        for c in cases:
            if a.show in (c.name, c.label):
                rc, out, err, _ = run_yara(a.yara, c)
                print("rc=%d\n%s\n%s" % (rc, "\n".join(out), err))
        return 0
    if a.fill:
        fill(a.yara, a.folder, cases)
        cases = casefile.load_dir(a.folder)
    failed = 0
    per_area = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        results = list(ex.map(lambda c: (c, check(a.yara, c)), cases))
    for c, diffs in results:
        ok, bad = per_area.get(c.area, (0, 0))
        if diffs:
            failed += 1
            per_area[c.area] = (ok, bad + 1)
            print("FAIL %s (line %d)" % (c.label, c.line))
            for d in diffs:
                print("   " + d)
        else:
            per_area[c.area] = (ok + 1, bad)
    for area in sorted(per_area):
        ok, bad = per_area[area]
        print("%-24s %4d agree %4d disagree" % (area, ok, bad))
    print("total: %d cases, %d agree with yara, %d disagree" % (len(cases), len(cases) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
