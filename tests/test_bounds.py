"""Untrusted inputs get a bound and a clear error, never a hang, a traceback or a write:
special files (FIFOs, devices) where a file is read, paths deeper or longer than any the tool
writes, nesting deeper than a parser follows, settings the file system cannot hold; and the
receiving side refuses what a zone must never receive, whoever signed it."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from gitops_dsl.zones.bundle import build, verify
from gitops_dsl.render.closure import BundleError
from tests.helpers import make_project, run_cli, snapshot
from tests.zones.test_bundle import keys

BOUND = 30   # seconds: every command here ends well within it, or it hangs


def timed_cli(*args: str, cwd: Path) -> tuple[int, str]:
    start = time.monotonic()
    import subprocess
    import sys
    from tests.helpers import REPO
    try:
        run = subprocess.run([sys.executable, "-m", "gitops_dsl", *args], cwd=cwd, text=True,
                             capture_output=True, timeout=BOUND,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    except subprocess.TimeoutExpired:
        pytest.fail(f"gitops-dsl {' '.join(args)} did not end within {BOUND} s")
    assert time.monotonic() - start < BOUND
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, run.stderr
    return run.returncode, run.stdout + run.stderr


def test_a_fifo_as_the_versions_file(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    os.mkfifo(project / "platforms" / "versions.yaml")
    code, out = timed_cli("compile", cwd=project)
    assert code == 1 and "versions.yaml is a FIFO (named pipe), not a file" in out
    assert not (project / "build").exists()


def test_a_fifo_in_an_imported_tree(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    os.mkfifo(tree / "apps.yaml")
    code, out = timed_cli("import", str(tree), cwd=tmp_path)
    assert code == 1 and "FIFO" in out


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_a_trusted_key_that_never_ends(tmp_path: Path, special: str) -> None:
    project = make_project(tmp_path / "p")
    key = special
    if special == "fifo":
        os.mkfifo(tmp_path / "key.pub")
        key = str(tmp_path / "key.pub")
    with (project / "pyproject.toml").open("a") as settings:
        settings.write(f'trusted_keys = ["{key}"]\n')
    bundle = tmp_path / "b.tar.gz"
    bundle.write_bytes(build({"gitops/a.yaml": b"a: 1\n"}, "internet", commit="abc1234", mtime=0,
                             leaks=[]))
    code, out = timed_cli("verify", str(bundle), cwd=project)
    assert code == 1 and "trusted key" in out and ("device" in out or "FIFO" in out)


def test_a_manifest_line_1200_segments_deep(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    assert run_cli("compile", cwd=project).returncode == 0
    manifest = project / "build" / ".gitops-dsl-manifest"
    deep = "/".join(["a"] * 1200)
    manifest.write_text(manifest.read_text() + f"{'0' * 64}  {'1' * 32}  5  {deep}\n")
    for args in (["compile"], ["compile", "--check"], ["diff", "--against", "build"]):
        timed_cli(*args, cwd=project)


@pytest.mark.parametrize("setting, message", [
    ("x = " + "[" * 5000 + "]" * 5000, "nested deeper"),
    ('platforms = "plat\\u0000forms"', "NUL"),
    ('out = "' + "a" * 5000 + '"', "longer than a path can be"),
    ('chart_cache = "' + "a/" * 2100 + '"', "longer than a path can be"),
    ('trusted_keys = ["' + "k" * 300 + '.pub"]', "longer than a path can be"),
])
def test_settings_the_file_system_cannot_hold(tmp_path: Path, setting: str, message: str) -> None:
    project = make_project(tmp_path / "p")
    (project / "pyproject.toml").write_text(f"[tool.gitops-dsl]\n{setting}\n")
    code, out = timed_cli("compile", cwd=project)
    assert code != 0 and message in out
    assert not (project / "build").exists()


def test_the_secret_rules_are_never_switched_off_without_a_reason(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    for code in ("GD501", "GD504"):
        (project / "pyproject.toml").write_text(f'[tool.gitops-dsl.severity]\n{code} = "off"\n')
        exit_code, out = timed_cli("compile", cwd=project)
        assert exit_code != 0 and f'{code} = "off"' in out and "allow" in out
    (project / "pyproject.toml").write_text(
        '[tool.gitops-dsl.allow]\nGD501 = "the fixture\'s values are not secrets"\n')
    assert timed_cli("compile", cwd=project)[0] == 0


SECRET = (b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n"
          b"  password: hunter2\n")


@pytest.mark.parametrize("content, refused", [
    (SECRET, True),
    (b"---\n" + SECRET.replace(b"stringData", b"data").replace(b"hunter2", b"aHVudGVyMg=="), True),
    (b'{"apiVersion": "v1", "kind": "Secret", "data": {"p": "eA=="}}', True),
    (b"apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nspec:\n  encryptedData:\n"
     b"    password: AgB3\n", False),
    (b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: empty\n", False),   # nothing in it
    (b"kind: Secret\n" + b"[" * 5000, True),                                  # cannot be read
])
def test_a_signed_bundle_carrying_a_plaintext_secret_is_refused(tmp_path: Path, content: bytes,
                                                                 refused: bool) -> None:
    private, public = keys(tmp_path)
    files = {"gitops/a.yaml": b"a: 1\n", "configs/stg/db/secret.yaml": content}
    signed = build(files, "internet", commit="abc1234", mtime=0, leaks=[],
                   private_key_pem=private.read_bytes())
    if not refused:
        verify(signed, public_key_pem=public.read_bytes())
        return
    with pytest.raises(BundleError, match="Secret"):
        verify(signed, public_key_pem=public.read_bytes())


def test_unpack_of_a_bundle_with_a_plaintext_secret_writes_nothing(tmp_path: Path) -> None:
    private, public = keys(tmp_path)
    bundle = tmp_path / "b.tar.gz"
    bundle.write_bytes(build({"gitops/a.yaml": b"a: 1\n", "configs/s.yaml": SECRET}, "internet",
                             commit="abc1234", mtime=0, leaks=[],
                             private_key_pem=private.read_bytes()))
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "README.md").write_text("theirs\n")
    before = snapshot(checkout)
    code, out = timed_cli("unpack", str(bundle), "--into", str(checkout), "--pubkey",
                          str(public), cwd=tmp_path)
    assert code == 1 and "plaintext Kubernetes Secret" in out
    assert snapshot(checkout) == before


def test_a_bundle_member_name_longer_than_a_file_name_can_be(tmp_path: Path) -> None:
    long_name = "gitops/" + "n" * 300 + ".yaml"
    bundle = build({long_name: b"a: 1\n"}, "internet", commit="abc1234", mtime=0, leaks=[])
    with pytest.raises(BundleError):
        verify(bundle, allow_unsigned=True)


def test_two_trusted_keys_and_a_bundle_signed_by_neither(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "c").mkdir()
    first, second, third = keys(tmp_path / "a"), keys(tmp_path / "b"), keys(tmp_path / "c")
    signed = build({"gitops/a.yaml": b"a: 1\n"}, "internet", commit="abc1234", mtime=0, leaks=[],
                   private_key_pem=third[0].read_bytes())
    with pytest.raises(BundleError, match="matches none of the trusted keys"):
        verify(signed, trusted_keys=[first[1].read_bytes(), second[1].read_bytes()])
    verify(signed, trusted_keys=[first[1].read_bytes(), third[1].read_bytes()])   # the control


@pytest.mark.parametrize("url, allowed", [
    ("https://ghcr.io/acme/x", True), ("https://api.ghcr.io/x", True),
    ("https://evilghcr.io/x", False), ("https://ghcr.io.evil.example/x", False),
    ("https://user@evilghcr.io/x", False), ("https://GHCR.IO/x", True),
])
def test_an_allowed_host_is_the_host_or_its_subdomains_never_a_look_alike(url: str,
                                                                          allowed: bool) -> None:
    bundle = build({"gitops/a.yaml": f"endpoint: {url}\n".encode()}, "internet",
                   commit="abc1234", mtime=0, leaks=[])
    if allowed:
        verify(bundle, allow_unsigned=True, policy={"allowed_hosts": ["ghcr.io"]})
        return
    with pytest.raises(BundleError, match="is not an allowed host"):
        verify(bundle, allow_unsigned=True, policy={"allowed_hosts": ["ghcr.io"]})
