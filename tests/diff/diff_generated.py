#!/usr/bin/env python3
"""Self-contained differential test: generated rules and data, yara vs `vigil yara`.

Each round draws a fresh rule set (split over namespaces, one holding a global
rule) and a folder of data files from a seeded generator (gen.py), then runs
both tools with several option sets and compares every output line. A seed
reproduces a round exactly: rerun with --seed N --rounds 1 --keep DIR to get
the files. Exit: 0 identical, 1 any difference, 77 when yara is missing.
"""

import argparse
import os
import random
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402
import yaradiff  # noqa: E402

# Option sets each round is scanned with; -p 2 also checks threaded output.
OPTION_SETS = [
    ["-s"],
    ["-s", "-g", "-m", "-e"],
    ["-s", "-L", "-p", "2"],
    ["-n", "-g", "-e"],
    ["-c"],
]


def write_round(rng, root, nrules, nfiles, one_file=False):
    """Writes rules and data for one round under root; returns (rule args, data dir,
    data file paths as the tools will print them)."""
    rule_files, rules = gen.gen_rule_files(rng, nrules, 3)
    rule_args = []
    if one_file:
        # Same rules, one default namespace (g0 then guards all of them).
        path = os.path.join(root, "all.yar")
        with open(path, "w") as f:
            f.write("".join(text for _, text in rule_files))
        rule_files = []
        rule_args.append(path)
    for ns, text in rule_files:
        path = os.path.join(root, "%s.yar" % ns)
        with open(path, "w") as f:
            f.write(text)
        rule_args.append("%s:%s" % (ns, path))
    data_dir = os.path.join(root, "data")
    os.mkdir(data_dir)
    paths = []
    for i in range(nfiles):
        path = os.path.join(data_dir, "f%03d.bin" % i)
        with open(path, "wb") as f:
            f.write(gen.gen_data_file(rng, rules, big=(i % 20 == 19)))
        paths.append(path)
    return rule_args, data_dir, paths


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    yaradiff.add_common_args(p)
    p.add_argument("--seed", type=int, default=1, help="seed of the first round (default 1)")
    p.add_argument("--rounds", type=int, default=4, help="rounds, seeds seed..seed+N-1")
    p.add_argument("--rules", type=int, default=300, help="rules per round (default 300)")
    p.add_argument("--files", type=int, default=40, help="data files per round (default 40)")
    p.add_argument("--keep", help="write rounds under this folder and keep them")
    p.add_argument("--one-file", action="store_true",
                   help="all rules in one file and namespace instead of NS:FILE arguments")
    p.add_argument("--options", action="append",
                   help="an option set to scan with instead of the built-in ones "
                        "(repeatable), e.g. --options='-s -f'")
    args = p.parse_args()
    option_sets = [o.split() for o in args.options] if args.options else OPTION_SETS

    yara = yaradiff.find_yara(args.yara)
    if not yara:
        print("diff.generated: reference yara (%s) not found, skipping" % args.yara)
        return yaradiff.SKIP
    test_cmd = yaradiff.vigil_command(args)

    stats = yaradiff.Stats()
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="vigil-diff-") as tmp:
        base = args.keep or tmp
        for seed in range(args.seed, args.seed + args.rounds):
            root = os.path.join(base, "seed%d" % seed)
            if os.path.isdir(root):
                shutil.rmtree(root)  # a --keep folder from an earlier run
            os.makedirs(root)
            rng = random.Random(seed)
            rule_args, data_dir, paths = write_round(rng, root, args.rules, args.files,
                                                       args.one_file)
            # Rules yara refuses would make both tools fail alike and the
            # round compare nothing: that is a generator bug, reported as such.
            rc, _, err = yaradiff.run_tool([yara, "-w"] + rule_args + ["/dev/null"], args.timeout)
            if rc != 0:
                stats.failures += 1
                print("seed %d: yara rejects the generated rules (generator bug):\n%s" %
                      (seed, err.strip()))
                continue
            for opts in option_sets:
                label = "seed %d, %s" % (seed, " ".join(opts))
                tail = opts + rule_args + [data_dir]
                yaradiff.compare_run(label, [yara] + tail, test_cmd + tail, args, stats,
                                     files=paths)
    print("diff.generated: %d rounds, %.1f s; %s" %
          (args.rounds, time.monotonic() - t0, stats.summary()))
    if not stats.ok():
        print("diff.generated: FAILED (reproduce one round with --seed N --rounds 1 --keep DIR)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
