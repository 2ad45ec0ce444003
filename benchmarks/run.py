"""Compile-time benchmarks: `python benchmarks/run.py [--sizes 100,1000,5000] [--envs 3]
[--work /dev/shm/gitops-dsl-bench]`.

For each size: generate the platform, then time `gitops-dsl compile` as a whole process - cold
(empty output folder), no-op (nothing changed: the input record proves it; and with --no-cache,
the whole compile writing nothing), after changing one service and after changing one
environment (a label on its Applications) - with its peak RSS; `gitops-
dsl diff` of that change against the committed base (before compiling it: a compile in memory;
after: the output folder read with git); and the floor: a plain script writing the same documents
(already in memory) with PyYAML's C dumper. A cold compile, the floor and a one-service change
run back to back, `--repeat` times: each time is the best of its runs, and the two ratios that
matter (cold / floor, one service / cold) are medians of ratios of runs made within seconds of
each other. Prints a markdown table. Run it on tmpfs: the root disk here makes small-file writes
noisy after large deletes.
"""
from __future__ import annotations

import argparse
import os
import pickle
import platform as host
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def timed(cmd: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and stdout of one process (output goes to files, not pipes,
    so a talkative process cannot block on a full pipe while we wait for it)."""
    import tempfile
    with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out_file, stderr=err_file, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read(), err_file.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out}\n{err}")
    return elapsed, usage.ru_maxrss / 1024, out


def best(n: int, fn):
    runs = [fn() for _ in range(n)]
    return min(runs, key=lambda r: r[0])


def change_one_service(project: Path) -> None:
    team = project / "platforms" / "_team_0000.py"
    text = team.read_text()
    # its CPU request: a value no environment overrides, so every environment shows the change
    text, count = re.subn(r'cpu="(\d+)m"', lambda m: f'cpu="{int(m.group(1)) + 1}m"', text, count=1)
    assert count == 1
    team.write_text(text)


def change_one_environment(project: Path) -> None:
    """A label added to (or changed on) the first environment: every Application of that
    environment changes, the other environments' files do not."""
    estate = project / "platforms" / "estate.py"
    text = estate.read_text()
    found = re.search(r'labels=\{"bench": "(\d+)"\}, ', text)
    if found:
        text = text.replace(found.group(0), f'labels={{"bench": "{int(found.group(1)) + 1}"}}, ', 1)
    else:
        text, count = re.subn(r'Environment\("([a-z]+)", ', r'Environment("\1", labels={"bench": "1"}, ',
                              text, count=1)
        assert count == 1
    estate.write_text(text)


def dump_documents(project: Path, pickle_path: Path) -> int:
    code = ("import pickle, sys; from gitops_dsl.api import compile as c; "
            "r = c('platforms', root='.'); "
            "docs = {p: d.data for p, d in r.tree.items() if d.format == 'yaml'}; "
            f"open({str(pickle_path)!r}, 'wb').write(pickle.dumps(docs)); print(len(docs))")
    return int(subprocess.run([sys.executable, "-c", code], cwd=project, check=True,
                              capture_output=True, text=True).stdout)


def bench(size: int, envs: int, work: Path, repeat: int) -> dict:
    project = work / f"estate-{size}"
    shutil.rmtree(project, ignore_errors=True)
    subprocess.run([sys.executable, str(HERE / "generate.py"), "--services", str(size), "--envs",
                    str(envs), "--zones", "2", "--out", str(project)], check=True)
    cli = [sys.executable, "-m", "gitops_dsl", "compile"]
    build = project / "build"
    timed(cli, project)  # warm the bytecode caches of the platform modules
    pickle_path = work / f"docs-{size}.pickle"
    docs = dump_documents(project, pickle_path)

    def cold():
        shutil.rmtree(build, ignore_errors=True)
        return timed(cli, project)

    def floor():
        target = work / f"floor-{size}"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        seconds = float(subprocess.run([sys.executable, str(HERE / "floor.py"), str(pickle_path),
                                        str(target)], check=True, capture_output=True,
                                       text=True).stdout)
        shutil.rmtree(target, ignore_errors=True)
        return seconds

    def one():
        timed(cli, project)   # the first compile after a cold one keeps its record
        change_one_service(project)
        run = timed(cli, project)
        assert "Applications reused" in run[2], run[2]   # the other services' are reused
        return run

    # a cold compile, the floor and a one-service change back to back, `repeat` times: each
    # figure is the best of its runs, each ratio the median of the ratios of runs made within
    # seconds of each other (this VM's speed drifts by 20 % and more over minutes)
    def one_env():
        timed(cli, project)
        change_one_environment(project)
        return timed(cli, project)

    colds, floors, ones, envs_changed = [], [], [], []
    for _ in range(repeat):
        colds.append(cold())
        floors.append(floor())
        ones.append(one())
        envs_changed.append(one_env())
    cold_s, cold_rss, out = min(colds, key=lambda r: r[0])
    files = int(re.search(r"compiled (\d+) files", out).group(1))
    one_s, one_rss, out = min(ones, key=lambda r: r[0])
    rewritten = int(re.search(r"(\d+) written", out).group(1))
    cold_floor = statistics.median(c[0] / f for c, f in zip(colds, floors))
    one_cold = statistics.median(o[0] / c[0] for o, c in zip(ones, colds))
    env_s = min(e[0] for e in envs_changed)
    env_cold = statistics.median(e[0] / c[0] for e, c in zip(envs_changed, colds))
    timed(cli, project)   # the last change compiled, its record kept
    noop_s, noop_rss, out = best(repeat, lambda: timed(cli, project))
    assert " 0 written, 0 removed" in out and "(no input changed)" in out, out
    full_noop_s, _, out = best(repeat, lambda: timed([*cli, "--no-cache"], project))
    assert " 0 written, 0 removed" in out, out
    timed(cli, project)   # --no-cache dropped the record: a compile keeps it again
    # the platform and its output committed, as in a repository: the base of a pull request.
    # Packed as a clone is (and packed now: committing 44,000 new files otherwise starts git's
    # automatic gc in the background, which took a core from the first diffs timed)
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", "-c", "gc.auto=0"]
    shutil.rmtree(project / ".git", ignore_errors=True)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "base"],
                 ["gc", "-q"], ["checkout", "-q", "-b", "change"]):
        subprocess.run([*git, *args], cwd=project, check=True)
    change_one_service(project)
    diff = [sys.executable, "-m", "gitops_dsl", "diff"]
    diff_compiling_s, _, out = best(repeat, lambda: timed(diff, project))
    assert "svc-00000" in out, out
    timed(cli, project)
    subprocess.run(["git", "status", "--short"], cwd=project, check=True, capture_output=True)
    diff_s, _, out = best(repeat, lambda: timed(diff, project))
    assert "svc-00000" in out, out
    return dict(size=size, files=files, docs=docs, cold=cold_s, noop=noop_s, full_noop=full_noop_s,
                one=one_s, rewritten=rewritten, diff=diff_s, diff_compiling=diff_compiling_s,
                floor=min(floors), cold_floor=cold_floor, one_cold=one_cold, env=env_s,
                env_cold=env_cold,
                rss=max(cold_rss, noop_rss, one_rss))


def bench_preflight(size: int, envs: int, work: Path) -> dict:
    """`gitops-dsl preflight` on a generated estate: cold (no rendered manifests cached; the
    platform's modules from the compile's code cache, and without it) and again (rendered
    manifests cached by input key)."""
    project = work / f"estate-{size}"
    if not (project / "build").is_dir():
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--services", str(size), "--envs",
                        str(envs), "--zones", "2", "--out", str(project)], check=True)
        timed([sys.executable, "-m", "gitops_dsl", "compile"], project)
    cli = [sys.executable, "-m", "gitops_dsl", "preflight"]
    compile_cli = [sys.executable, "-m", "gitops_dsl", "compile"]

    def cold_compile():
        shutil.rmtree(project / "build")
        return timed(compile_cli, project)

    def cold_preflight(code_cache: bool = True):
        shutil.rmtree(project / ".gitops-dsl" / "rendered", ignore_errors=True)
        if not code_cache:   # the platform's modules compiled from source, as before any compile
            for name in ("code.bin", "code.bin.tag"):
                (project / "build" / ".gitops-dsl-cache" / name).unlink(missing_ok=True)
        return timed(cli, project)
    # the targets are ratios to a cold compile: both timed back to back, best of three
    compile_s = best(3, cold_compile)[0]
    cold_s, cold_rss, out = best(3, cold_preflight)
    bare_s = best(3, lambda: cold_preflight(code_cache=False))[0]
    warm_s, warm_rss, _ = best(3, lambda: timed(cli, project))
    summary = out.strip().splitlines()[-1]
    return dict(size=size, compile=compile_s, cold=cold_s, bare=bare_s, warm=warm_s,
                rss=max(cold_rss, warm_rss), summary=summary)


def compare_kapitan(size: int, envs: int, work: Path, repeat: int, kapitan: str) -> dict:
    """Kapitan on the same estate (benchmarks/kapitan_estate.py: layered classes, a kadet component),
    checked data-equal with gitops-dsl's documents, both timed as whole processes, cold."""
    sys.path.insert(0, str(HERE))
    import kapitan_estate as kapitan_project
    project = work / f"estate-{size}"
    if not (project / "build").is_dir():
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--services", str(size), "--envs",
                        str(envs), "--zones", "2", "--out", str(project)], check=True)
    cli = [sys.executable, "-m", "gitops_dsl", "compile"]
    timed(cli, project)

    def ours():
        shutil.rmtree(project / "build")
        return timed(cli, project)
    ours_s, _, _ = best(repeat, ours)
    folder = work / f"kapitan-{size}"
    shutil.rmtree(folder, ignore_errors=True)
    expected = kapitan_project.write_project(project / "build", folder)
    variants = {"defaults": []}
    probe = Path(kapitan).parent / "python"
    for module, flag in (("reclass_rs", ["--inventory-backend", "reclass-rs"]),
                         ("ryml", ["--yaml-use-rapidyaml"])):
        if probe.exists() and subprocess.run([str(probe), "-c", f"import {module}"],
                                             capture_output=True).returncode == 0:
            variants.setdefault("tuned", []).extend(flag)
    figures = {}
    for name, flags in variants.items():
        def theirs(flags=flags):
            shutil.rmtree(folder / "compiled", ignore_errors=True)
            return timed([kapitan, "compile", *flags], folder)
        figures[name] = best(min(repeat, 2), theirs)[0]
        problems = kapitan_project.differences(folder / "compiled", expected)
        if problems:
            raise SystemExit(f"Kapitan's output differs from gitops-dsl's ({name}): {problems[:5]}")
    return dict(size=size, ours=ours_s, docs=len(expected), kapitan=figures, variants=variants)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--envs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/dev/shm/gitops-dsl-bench"))
    parser.add_argument("--preflight", type=int, metavar="SIZE",
                        help="Time `gitops-dsl preflight` on the SIZE x ENVS estate instead.")
    parser.add_argument("--compare-kapitan", action="store_true",
                        help="Time Kapitan writing the same documents instead (skipped with a "
                             "message when Kapitan is not installed).")
    parser.add_argument("--kapitan", metavar="PATH", default=shutil.which("kapitan"),
                        help="The kapitan executable [default: kapitan on PATH].")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    os.environ["PYTHONPATH"] = str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")
    # measure what an installed gitops-dsl does: with its bytecode cached (pip compiles it)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    if args.preflight:
        r = bench_preflight(args.preflight, args.envs, args.work)
        print(f"machine: {host.machine()}, {os.cpu_count()} cores, Python {host.python_version()}")
        print(f"preflight {r['size']} x {args.envs}: cold {r['cold']:.2f} s "
              f"({r['cold'] / r['compile']:.2f} x a cold compile of {r['compile']:.2f} s; without "
              f"the code cache {r['bare']:.2f} s, {r['bare'] / r['compile']:.2f} x), "
              f"rendered manifests cached {r['warm']:.2f} s ({r['warm'] / r['compile']:.2f} x), "
              f"peak RSS {r['rss']:.0f} MB ({r['summary']})")
        return
    if args.compare_kapitan:
        if not args.kapitan or not Path(args.kapitan).exists():
            print("Kapitan comparison skipped: kapitan is not installed (pip install kapitan, or "
                  "--kapitan PATH)")
            return
        version = subprocess.run([args.kapitan, "--version"], capture_output=True,
                                 text=True).stdout.strip()
        print(f"machine: {host.machine()}, {os.cpu_count()} cores, Python {host.python_version()}, "
              f"Kapitan {version}, work folder {args.work}")
        print("| services x envs | documents compared (data-equal) | gitops-dsl cold compile | "
              "Kapitan | Kapitan / gitops-dsl |")
        print("| --- | --- | --- | --- | --- |")
        for s in args.sizes.split(","):
            r = compare_kapitan(int(s), args.envs, args.work, args.repeat, args.kapitan)
            for name, seconds in r["kapitan"].items():
                flags = " ".join(r["variants"][name]) or "defaults"
                print(f"| {r['size']} x {args.envs} | {r['docs']} | {r['ours']:.2f} s | "
                      f"{seconds:.2f} s ({flags}) | {seconds / r['ours']:.1f} |")
        return
    rows = [bench(int(s), args.envs, args.work, args.repeat) for s in args.sizes.split(",")]
    print(f"machine: {host.machine()}, {os.cpu_count()} cores, Python {host.python_version()}, "
          f"work folder {args.work}")
    print("| services x envs | files | cold compile | floor | cold / floor | no-op | no-op, "
          "--no-cache | one service changed (files rewritten) | one environment changed | "
          "diff, compiled | diff, not compiled | peak RSS |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        cold = r["cold"]
        print(f"| {r['size']} x {args.envs} | {r['files']} | {cold:.2f} s | {r['floor']:.2f} s | "
              f"{r['cold_floor']:.2f} | {r['noop']:.2f} s | {r['full_noop']:.2f} s | "
              f"{r['one']:.2f} s ({r['rewritten']}; {r['one_cold']:.2f} x cold) | "
              f"{r['env']:.2f} s ({r['env_cold']:.2f} x cold) | "
              f"{r['diff']:.2f} s ({r['diff'] / cold:.2f} x cold) | "
              f"{r['diff_compiling']:.2f} s ({r['diff_compiling'] / cold:.2f} x cold) | "
              f"{r['rss']:.0f} MB |")
    if len(rows) > 1:
        base = next((r for r in rows if r["size"] == 1000), rows[0])
        for r in rows:
            if r["size"] > base["size"]:
                print(f"{r['size']} / {base['size']} services: cold compile x{r['cold'] / base['cold']:.2f}")


if __name__ == "__main__":
    main()
