"""Run the project's mutants (mutation/mutants.py) against the test suite.

    python mutation/run.py                 # every mutant; exit 1 unless all are killed, each
                                           # of FOR_THE_PROPERTIES by the property tests alone
    python mutation/run.py --only diff     # the mutants whose name contains "diff"

Each mutant is applied to a copy of the repository; first the property tests (tests/properties)
run against it, then, if they let it live, the tests named as its killers, then the whole suite.
Not part of CI's default run: it takes 30 to 120 seconds per mutant on 2 cores."""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mutation.mutants import FOR_THE_PROPERTIES, MUTANTS, Mutant  # noqa: E402


def _copy(target: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO,
                           capture_output=True, text=True, check=True).stdout.split()
    for rel in files:
        source = REPO / rel
        if source.is_file() and not rel.startswith("build/"):
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / rel)
    shutil.copytree(REPO / "build", target / "build", symlinks=True)


def _pytest(copy: Path, *args: str, timeout: int) -> bool:
    """True when the tests fail (the mutant is killed)."""
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("CI", None)
    try:
        run = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                              *args], cwd=copy, env=env, capture_output=True, text=True,
                             timeout=timeout)
    except subprocess.TimeoutExpired:
        return True   # a mutant that hangs the suite is caught by it
    return run.returncode != 0


def judge(mutant: Mutant, work: Path) -> str:
    """'properties', 'suite' or 'SURVIVED'."""
    copy = work / "repo"
    if copy.exists():
        shutil.rmtree(copy)
    copy.mkdir(parents=True)
    _copy(copy)
    path = copy / "gitops_dsl" / mutant.file
    text = path.read_text()
    if text.count(mutant.old) != 1:
        raise SystemExit(f"mutant {mutant.name!r}: the text to replace occurs "
                         f"{text.count(mutant.old)} times in {mutant.file}")
    path.write_text(text.replace(mutant.old, mutant.new))
    if _pytest(copy, "tests/properties", timeout=1800):
        return "properties"
    if mutant.killers and _pytest(copy, *mutant.killers, timeout=1800):
        return "suite"
    if _pytest(copy, "tests", "--ignore=tests/properties", timeout=3600):
        return "suite"
    return "SURVIVED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="only mutants whose name contains this")
    args = parser.parse_args()
    chosen = [m for m in MUTANTS if not args.only or args.only in m.name]
    results = {}
    with tempfile.TemporaryDirectory(prefix="gitops-dsl-mutants-") as folder:
        for mutant in chosen:
            started = time.perf_counter()
            results[mutant.name] = verdict = judge(mutant, Path(folder))
            print(f"{verdict:<10} {time.perf_counter() - started:6.0f} s  {mutant.name}", flush=True)
    by_properties = sum(v == "properties" for v in results.values())
    survived = [n for n, v in results.items() if v == "SURVIVED"]
    missed = [n for n, v in results.items() if n in FOR_THE_PROPERTIES and v != "properties"]
    print(f"\n{len(results)} mutants: {len(results) - len(survived)} killed "
          f"({by_properties} by the property tests alone), {len(survived)} survived")
    for name in missed:
        print(f"not killed by the property tests alone, though it breaks one of their invariants: {name}")
    return 0 if not survived and not missed else 1


if __name__ == "__main__":
    sys.exit(main())
