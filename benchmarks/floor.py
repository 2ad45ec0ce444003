"""The floor: write already-rendered documents (dicts in memory) with PyYAML's C dumper to files.
`python benchmarks/floor.py DOCS.pickle OUT` prints the seconds the writing took."""
from __future__ import annotations

import os
import pickle
import sys
import time

import yaml


def main() -> None:
    docs = pickle.loads(open(sys.argv[1], "rb").read())
    out = sys.argv[2]
    start = time.perf_counter()
    for path, data in docs.items():
        target = os.path.join(out, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as handle:
            yaml.dump(data, handle, Dumper=yaml.CSafeDumper, default_flow_style=False, sort_keys=False)
    print(f"{time.perf_counter() - start:.3f}")


if __name__ == "__main__":
    main()
