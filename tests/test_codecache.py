"""Platform modules are compiled through the output folder's code cache: its code is used when
this user's gitops-dsl wrote it (its tag is keyed with the user's secret, see `bound`) for the very
source now read, and never when the cache was made anywhere else - committed to git, unpacked
from a tarball, copied from another machine - nor when it was changed after it was written.

Each attack plants a cache whose entry for the platform's source is code that leaves a mark: the
attacker is gitops-dsl on another machine (another secret), or someone who computes the tag from
what is public. The control test shows that such an entry does run when it is authentic, so the
attack tests would see it run."""
from __future__ import annotations

import hashlib
import hmac
import marshal
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from gitops_dsl import api, bound, codecache
from gitops_dsl.cache import CompileCache
from gitops_dsl.files import MANIFEST
from gitops_dsl.recorder import CACHE_DIR
from tests.helpers import MINIMAL, make_project, owned_tree, run_cli

TOOL = "the tool key of these tests"


@pytest.fixture(autouse=True)
def own_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine's user: a secret of their own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "victim-cache"))
    bound._key_cache.clear()


def as_attacker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Run what follows as gitops-dsl on another machine, then come back."""
    class Switch:
        def __enter__(self) -> None:
            monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "attacker-cache"))
            bound._key_cache.clear()

        def __exit__(self, *exc: object) -> None:
            monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "victim-cache"))
            bound._key_cache.clear()
    return Switch()


def compiled(project: Path, code: codecache.CodeCache | None = None) -> api.Result:
    cache = CompileCache(project / "build", None, record=False)
    cache.code = code
    result = api.compile(project / "platforms", root=project, cache=cache)
    assert result.ok, result.diagnostics
    return result


def cache_folder(project: Path) -> Path:
    return project / "build" / CACHE_DIR


def plant(project: Path, mark: Path, home: Path | None = None) -> None:
    """A cache, tagged with the running user's secret, whose code for platforms/demo.py leaves
    `mark` and then runs the platform, when the project is at `home` (where the attacker expects
    it to be delivered; where it is now by default)."""
    source = (project / "platforms" / "demo.py").read_bytes()
    source_path = str((home or project).resolve() / "platforms" / "demo.py")
    evil = compile(f"open({str(mark)!r}, 'w').write('ran')\n".encode() + source, source_path,
                   "exec", dont_inherit=True)
    cache = codecache.CodeCache(cache_folder(project), TOOL, {})
    cache.used[codecache._key(source, source_path)] = marshal.dumps(evil)
    cache.compiled = 1
    cache.save()


def test_an_authentic_cache_entry_runs_in_place_of_compiling(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    plant(project, tmp_path / "ran")
    cache = codecache.open_cache(cache_folder(project), TOOL)
    assert len(cache.entries) == 1
    compiled(project, cache)
    assert (tmp_path / "ran").exists()
    assert cache.compiled == 0


def test_a_cache_for_another_tool_is_not_used(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    plant(project, tmp_path / "ran")
    cache = codecache.open_cache(cache_folder(project), "another gitops-dsl")
    assert cache.entries == {}
    compiled(project, cache)
    assert not (tmp_path / "ran").exists() and cache.compiled == 1


def test_a_cache_tagged_from_public_data_is_never_run(tmp_path: Path) -> None:
    """The tag of the earlier scheme - an HMAC keyed by the file's stat fields and the tool key,
    which anyone who can write the folder can compute - is no tag at all."""
    project = make_project(tmp_path / "p")
    plant(project, tmp_path / "ran")
    path = cache_folder(project) / codecache.CODE
    info = os.stat(path)
    data = path.read_bytes()
    identity = f"{info.st_dev}:{info.st_ino}:{info.st_ctime_ns}:{info.st_size}:{TOOL}".encode()
    (cache_folder(project) / codecache.TAG).write_text(
        hmac.new(identity, data, hashlib.sha256).hexdigest())
    assert codecache.open_cache(cache_folder(project), TOOL).entries == {}
    compiled(project, codecache.open_cache(cache_folder(project), TOOL))
    assert not (tmp_path / "ran").exists()


def test_a_cache_from_another_machine_is_never_run(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path / "p")
    copy = tmp_path / "copy"
    with as_attacker(tmp_path, monkeypatch):
        plant(project, tmp_path / "ran", home=copy)
    shutil.copytree(project, copy, copy_function=shutil.copy2)   # times and modes kept
    shutil.rmtree(project)
    cache = codecache.open_cache(cache_folder(copy), TOOL)
    assert cache.entries == {}
    compiled(copy, cache)
    assert not (tmp_path / "ran").exists()


def test_an_unpacked_cache_is_never_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path / "p")
    with as_attacker(tmp_path, monkeypatch):
        plant(project, tmp_path / "ran")
    with tarfile.open(tmp_path / "tree.tar", "w") as tar:
        tar.add(project, arcname="p")
    shutil.rmtree(project)
    with tarfile.open(tmp_path / "tree.tar") as tar:
        tar.extractall(tmp_path, filter="tar")
    assert (cache_folder(project) / codecache.CODE).exists()
    compiled(project, codecache.open_cache(cache_folder(project), TOOL))
    assert not (tmp_path / "ran").exists()


def test_a_committed_cache_is_never_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path / "p")
    clone = tmp_path / "clone"
    with as_attacker(tmp_path, monkeypatch):
        plant(project, tmp_path / "ran", home=clone)

    def git(*args: str, cwd: Path = project) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                       cwd=cwd, check=True, capture_output=True)
    git("init", "-q")
    git("add", "-f", ".")
    git("commit", "-qm", "a tree that carries a cache")
    git("clone", "-q", str(project), str(clone), cwd=tmp_path)
    assert (cache_folder(clone) / codecache.TAG).exists()
    compiled(clone, codecache.open_cache(cache_folder(clone), TOOL))
    assert not (tmp_path / "ran").exists()


def test_a_cache_changed_after_it_was_tagged_is_never_run(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    plant(project, tmp_path / "ran")
    path = cache_folder(project) / codecache.CODE
    data = path.read_bytes()
    with open(path, "r+b") as handle:   # another entry's bytes in place of the authentic ones
        handle.write(data.replace(b"ran", b"RAN"))
    compiled(project, codecache.open_cache(cache_folder(project), TOOL))
    assert not (tmp_path / "ran").exists() and not (tmp_path / "RAN").exists()


def test_without_a_secret_nothing_is_kept_or_read(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    bound._key_cache.clear()
    project = make_project(tmp_path / "p")
    plant(project, tmp_path / "ran")
    assert not (cache_folder(project) / codecache.CODE).exists()
    compiled(project, codecache.open_cache(cache_folder(project), TOOL))
    assert not (tmp_path / "ran").exists()


def test_the_secret_is_the_users_alone(tmp_path: Path) -> None:
    assert bound.tag(b"x", "salt") is not None
    key = bound.key_path()
    assert key.stat().st_mode & 0o777 == 0o600
    key.chmod(0o644)   # readable by others: it keys nothing
    bound._key_cache.clear()
    assert bound.tag(b"x", "salt") is None


def test_garbage_with_an_authentic_tag_compiles_from_source(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    folder = cache_folder(project)
    folder.mkdir(parents=True)
    source_path = str(project.resolve() / "platforms" / "demo.py")
    key = codecache._key((project / "platforms" / "demo.py").read_bytes(), source_path)
    for data in (b"\x00garbage", marshal.dumps({b"key": b"not code"}), marshal.dumps([1, 2]),
                 marshal.dumps({b"key": 1}),
                 # the module's own key, with bytes that are not code, or code of nothing
                 marshal.dumps({key: b"\x00not marshal"}), marshal.dumps({key: marshal.dumps(1)})):
        (folder / codecache.CODE).write_bytes(data)
        (folder / codecache.TAG).write_text(bound.tag(data, TOOL) or "")
        cache = codecache.open_cache(folder, TOOL)
        assert all(type(v) is bytes for v in cache.entries.values())
        compiled(project, cache)
        assert cache.compiled == 1


def test_code_is_reused_for_the_same_source_and_compiled_again_for_a_new_one(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    first = codecache.open_cache(cache_folder(project), TOOL)
    before = compiled(project, first)
    assert first.compiled == 1
    first.save()
    again = codecache.open_cache(cache_folder(project), TOOL)
    assert compiled(project, again).tree == before.tree
    assert again.compiled == 0
    platform = project / "platforms" / "demo.py"
    platform.write_text(platform.read_text().replace('"replicaCount": 3', '"replicaCount": 4'))
    changed = codecache.open_cache(cache_folder(project), TOOL)
    result = compiled(project, changed)
    assert changed.compiled == 1
    assert result.tree != before.tree and result.tree == compiled(project).tree


def test_the_cli_keeps_code_for_the_next_compile_and_writes_what_a_full_compile_does(
        tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", MINIMAL)
    helper = project / "platforms" / "_sizes.py"
    helper.write_text("PROD_REPLICAS = 3\n")
    platform = project / "platforms" / "demo.py"
    platform.write_text("from _sizes import PROD_REPLICAS\n" + platform.read_text().replace(
        '"replicaCount": 3', '"replicaCount": PROD_REPLICAS'))
    assert run_cli("compile", cwd=project).returncode == 0
    code = cache_folder(project) / codecache.CODE
    written = code.stat()
    helper.write_text("PROD_REPLICAS = 5\n")
    assert run_cli("compile", cwd=project).returncode == 0
    assert code.stat().st_ino != written.st_ino   # one module compiled again: the cache rewritten
    reused = owned_tree(project / "build")
    assert b"replicaCount: 5" in b"".join(reused.values())
    assert run_cli("compile", "--no-cache", cwd=project).returncode == 0
    assert owned_tree(project / "build") == reused


def test_the_parsed_manifest_is_read_back_only_when_this_user_kept_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A compile keeps its manifest as parsed (marshal, tagged like the code); the next compile
    reads it back instead of parsing. A kept parse that another machine tagged is ignored and the
    manifest is parsed: the control shows that a forged parse is believed when it is authentic,
    so the planted one would show it too."""
    from gitops_dsl.emit import manifest
    project = make_project(tmp_path / "p")
    assert run_cli("compile", cwd=project,
                   env={"XDG_CACHE_HOME": str(tmp_path / "victim-cache")}).returncode == 0
    build = project / "build"
    kept = cache_folder(project) / "manifest.bin"
    assert kept.is_file()
    text = (build / MANIFEST).read_text()
    manifest._PARSED.clear()
    assert manifest.read_manifest(build) == manifest.parse_manifest(text)
    forged = {"../outside/file.yaml": ("0" * 64, "key", 1)}
    parse = marshal.dumps((hashlib.sha256(text.encode()).hexdigest(), forged))
    bound.write(kept, parse, manifest._PARSE_SALT)
    manifest._PARSED.clear()
    assert manifest.read_manifest(build) == forged          # authentic: believed
    with as_attacker(tmp_path, monkeypatch):
        bound.write(kept, parse, manifest._PARSE_SALT)
    manifest._PARSED.clear()
    assert manifest.read_manifest(build) == manifest.parse_manifest(text)
    bound.write(kept, parse, manifest._PARSE_SALT)
    (build / MANIFEST).write_text(text + "\n")     # another manifest: parsed again
    manifest._PARSED.clear()
    assert manifest.read_manifest(build) == manifest.parse_manifest(text)
