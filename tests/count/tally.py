"""Sums a LEAFLETS_COUNT file (tests/count/sitecustomize.py): layouts and PDFs in all, by test file and the top tests."""

import collections
import sys

counts: collections.Counter = collections.Counter()
by_file: collections.Counter = collections.Counter()
by_test: collections.Counter = collections.Counter()
for line in open(sys.argv[1], encoding="utf-8"):
    kind, test = line.rstrip("\n").split("\t")
    counts[kind] += 1
    if kind == "pdf":
        by_file[test.split("::")[0]] += 1
        by_test[test] += 1
print(f"layouts {counts['layout']}, PDFs {counts['pdf']}")
for name, n in by_file.most_common():
    print(f"{n:6} {name}")
print("top tests:")
for name, n in by_test.most_common(int(sys.argv[2]) if len(sys.argv) > 2 else 30):
    print(f"{n:6} {name}")
