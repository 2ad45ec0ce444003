"""Zones fail closed: a bundle that is unsigned, old, foreign or hostile never lands."""
from __future__ import annotations

import gzip
import io
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from gitops_dsl.zones.bundle import Provenance, build, verify
from gitops_dsl.render.closure import BundleError
from tests.helpers import MINIMAL, REPO, make_project, run_cli, snapshot
from tests.zones.test_bundle import keys

APP = b"---\napiVersion: argoproj.io/v1alpha1\nkind: Application\n"
FILES = {"gitops/build/gitops/argo-apps/edge/roots/prod.yaml": APP,
         "gitops/build/gitops/values/api/values.yaml": b"---\nreplicaCount: 1\n"}


def signed(tmp_path, files=FILES, zone="edge", sequence=5, commit="a" * 40, dirty=False):
    if (tmp_path / "sign.pem").exists():
        private, public = tmp_path / "sign.pem", tmp_path / "sign.pub"
    else:
        private, public = keys(tmp_path)
    data = build(files, zone, mtime=0, leaks=[], private_key_pem=private.read_bytes(),
                 provenance=Provenance(commit, sequence, 1700000000, dirty))
    return data, public


def write(tmp_path, name, data) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_zone_name_from_the_manifest_cannot_leave_the_target(tmp_path):
    data, public = signed(tmp_path, zone="x/../../victim.txt")
    victim = tmp_path / "victim.txt"
    victim.write_text("mine\n")
    into = tmp_path / "a" / "b" / "target"
    into.mkdir(parents=True)
    run = run_cli("unpack", str(write(tmp_path, "evil.tar.gz", data)), "--into", str(into),
                  "--pubkey", str(public), cwd=tmp_path)
    assert run.returncode == 1 and "which is not a zone name" in run.stderr
    assert victim.read_text() == "mine\n" and list(into.iterdir()) == []


def test_unsigned_or_untrusted_is_refused_unless_said_loudly(tmp_path):
    unsigned = write(tmp_path, "u.tar.gz", build(FILES, "edge", commit="b" * 40, mtime=0, leaks=[]))
    run = run_cli("verify", str(unsigned), cwd=tmp_path)
    assert run.returncode == 1 and "not signed" in run.stderr
    loud = run_cli("verify", str(unsigned), "--allow-unsigned", cwd=tmp_path)
    assert loud.returncode == 0 and "WARNING: --allow-unsigned" in loud.stderr and "UNSIGNED" in loud.stdout
    data, public = signed(tmp_path)
    bundle = write(tmp_path, "s.tar.gz", data)
    no_key = run_cli("verify", str(bundle), cwd=tmp_path)
    assert no_key.returncode == 1 and "no trusted key" in no_key.stderr
    # the receiving repository's settings name the keys it trusts
    receiving = tmp_path / "receiving"
    (receiving / "keys").mkdir(parents=True)
    (receiving / "keys/inner.pub").write_bytes(public.read_bytes())
    (receiving / "pyproject.toml").write_text('[tool.gitops-dsl]\ntrusted_keys = ["keys/inner.pub"]\n')
    ok = run_cli("verify", str(bundle), cwd=receiving)
    assert ok.returncode == 0 and "signature verified" in ok.stdout
    # a re-hashed bundle: a file changed and the MANIFEST rewritten, the signature kept
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    evil = {**FILES, "gitops/build/gitops/values/api/values.yaml": b"---\nreplicaCount: 99\n"}
    manifest = build(evil, "edge", commit="a" * 40, mtime=0, leaks=[])
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(manifest))) as tar:
        new_manifest = tar.extractfile("MANIFEST").read()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for info, content in members:
            content = new_manifest if info.name == "MANIFEST" else evil.get(info.name, content)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    rehashed = write(tmp_path, "r.tar.gz", gzip.compress(raw.getvalue()))
    bad = run_cli("verify", str(rehashed), cwd=receiving)
    assert bad.returncode == 1 and "signature does not match" in bad.stderr


def test_an_older_bundle_is_refused_unless_a_reason_is_given(tmp_path):
    into = tmp_path / "target"
    into.mkdir()
    newer, public = signed(tmp_path, sequence=7, commit="c" * 40)
    older, _ = signed(tmp_path, sequence=6, commit="d" * 40)
    first = run_cli("unpack", str(write(tmp_path, "n.tar.gz", newer)), "--into", str(into),
                    "--pubkey", str(public), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "source commit cccccccccccc (#7) replaces nothing" in first.stdout
    before = snapshot(into)
    refused = run_cli("unpack", str(write(tmp_path, "o.tar.gz", older)), "--into", str(into),
                      "--pubkey", str(public), cwd=tmp_path)
    assert refused.returncode == 1
    assert "dddddddddddd (#6) after cccccccccccc (#7" in refused.stderr
    assert snapshot(into) == before
    allowed = run_cli("unpack", str(tmp_path / "o.tar.gz"), "--into", str(into), "--pubkey",
                      str(public), "--allow-downgrade", "revert of a bad release", cwd=tmp_path)
    assert allowed.returncode == 0, allowed.stderr
    assert "DOWNGRADE: revert of a bad release" in allowed.stdout
    record = (into / ".gitops-dsl-unpacked-edge").read_text()
    assert "c" * 40 + " 7 " in record and "d" * 40 + " 6 " in record
    assert "downgrade: revert of a bad release" in record


def test_a_dirty_tree_is_not_bundled_silently(tmp_path):
    project = make_project(tmp_path / "p")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "x"]):
        subprocess.run(["git", *args], cwd=project, check=True, capture_output=True, env={**env, "PATH": "/usr/bin:/bin", "HOME": str(project)})
    (project / "platforms/demo.py").write_text((project / "platforms/demo.py").read_text() + "\n# wip\n")
    refused = run_cli("bundle", "--zone", "internet", "--out", str(tmp_path / "b.tar.gz"), cwd=project)
    assert refused.returncode == 1 and "uncommitted changes" in refused.stderr
    assert not (tmp_path / "b.tar.gz").exists()
    made = run_cli("bundle", "--zone", "internet", "--out", str(tmp_path / "b.tar.gz"), "--allow-dirty",
                   cwd=project)
    assert made.returncode == 0, made.stderr
    checked = verify((tmp_path / "b.tar.gz").read_bytes(), allow_unsigned=True)
    assert checked.provenance.dirty and checked.provenance.sequence == 1


def test_a_bundle_cannot_write_into_another_zone(tmp_path):
    planted = {**FILES, "gitops/build/gitops/argo-apps/internal/apps/stg/app/x.yaml": APP,
               "gitops/build/gitops/bootstrap/internal/zone.yaml": APP,
               "gitops/.gitops-dsl-manifest-internal": b"x  y  1  gitops/NOTES.md\n"}
    data, public = signed(tmp_path, files=planted)
    with pytest.raises(BundleError) as caught:
        verify(data, public_key_pem=public.read_bytes())
    message = str(caught.value)
    assert "argo-apps/internal/apps/stg/app/x.yaml: belongs to zone 'internal'" in message
    assert "bootstrap/internal/zone.yaml: belongs to zone 'internal'" in message
    assert ".gitops-dsl-manifest-internal: a gitops-dsl bookkeeping file" in message


def test_a_file_and_a_folder_of_one_name_are_refused(tmp_path):
    data, public = signed(tmp_path, files={**FILES, "gitops/zz": b"a\n", "gitops/zz/y": b"b\n"})
    with pytest.raises(BundleError, match="gitops/zz: both a file and a folder"):
        verify(data, public_key_pem=public.read_bytes())


BOMB = r'''
import gzip, io, resource, sys, tarfile, zlib
sys.path.insert(0, sys.argv[1])
from gitops_dsl.zones.bundle import verify
from gitops_dsl.render.closure import BundleError

def bomb(members, size):
    """A gzip'ed tar of `members` files of `size` zero bytes, made in a stream (small in memory)."""
    out = io.BytesIO()
    gz = gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0)
    zero = bytes(1 << 20)
    for i in range(members):
        info = tarfile.TarInfo(f"gitops/f{i}")
        info.size = size
        gz.write(info.tobuf(tarfile.PAX_FORMAT))
        for _ in range(size >> 20):
            gz.write(zero)
    gz.write(bytes(1024))
    gz.close()
    return out.getvalue()

data = bomb(int(sys.argv[2]), int(sys.argv[3]))
try:
    verify(data, allow_unsigned=True)
    print("accepted")
except BundleError as exc:
    print("refused:", str(exc).splitlines()[0])
print("compressed", len(data), "rss_mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
'''


@pytest.mark.slow   # half a gigabyte decompressed, bounded: the slow tier
@pytest.mark.parametrize("members, size, message", [
    (1, 8 << 30, "larger than any generated file"),         # 8 GiB declared in one member
    (8, 63 << 20, "larger than a bundle can be"),           # 504 MiB in members under the size limit
])
def test_a_compression_bomb_is_refused_with_bounded_memory(tmp_path, members, size, message):
    script = tmp_path / "bomb.py"
    script.write_text(BOMB)
    if members == 1:
        # a header that declares 8 GiB, then nothing: refused before a byte of it is read
        info = tarfile.TarInfo("gitops/huge")
        info.size = size
        data = gzip.compress(info.tobuf(tarfile.PAX_FORMAT) + bytes(1 << 20))
        with pytest.raises(BundleError, match=message):
            verify(data, allow_unsigned=True)
        return
    run = subprocess.run([sys.executable, str(script), str(REPO), str(members), str(size)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "refused: the archive holds more than" in run.stdout, run.stdout
    rss = int(run.stdout.split("rss_mb")[1])
    compressed = int(run.stdout.split("compressed")[1].split()[0])
    assert compressed < 8 << 20               # a few MiB on the wire ...
    assert rss < 256 + 64 + 150, rss          # ... bounded by the total limit, not by what it inflates to


def test_the_receiving_policy_reads_documents_not_lines(tmp_path):
    values = (b"---\nsidecarImage: evil.example.io/miner:1\nimage:\n  repository: EVIL.EXAMPLE.IO/miner\n"
              b"tests:\n  image: grafana/k6:0.54.0\nmain:\n  image:\n    registry: ghcr.io\n"
              b"    repository: acme/api\n")
    files = {"gitops/build/gitops/values/api/values.yaml": values}
    data, public = signed(tmp_path, files=files)
    with pytest.raises(BundleError) as caught:
        verify(data, public_key_pem=public.read_bytes(),
               policy={"allowed_registries": ["ghcr.io/acme", "docker.io/grafana"]})
    message = str(caught.value)
    assert "image evil.example.io/miner is not from an allowed registry" in message
    assert "'EVIL.EXAMPLE.IO/miner' is not a valid image reference" in message
    assert "grafana" not in message and "ghcr.io/acme/api" not in message


def test_unpack_puts_everything_back_when_a_write_fails(tmp_path, monkeypatch):
    import os

    from gitops_dsl.emit.writer import plan
    from gitops_dsl.zones.unpack import UnpackError, apply_all_or_nothing
    into = tmp_path / "target"
    (into / "gitops").mkdir(parents=True)
    (into / "README.md").write_text("foreign\n")
    files = {f"gitops/f{i}.yaml": f"---\nn: {i}\n".encode() for i in range(6)}
    first = plan(into, files, trust_mtimes=False, manifest=".gitops-dsl-manifest-edge")
    apply_all_or_nothing(into, files, first, manifest_name=".gitops-dsl-manifest-edge")
    before = snapshot(into)
    changed = {f"gitops/f{i}.yaml": f"---\nn: {i * 10}\n".encode() for i in range(6)}
    changed["gitops/new/deep/file.yaml"] = b"---\nnew: 1\n"
    calls = {"n": 0}
    real_replace = os.replace

    def failing(src, dst):
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)
    monkeypatch.setattr(os, "replace", failing)
    second = plan(into, changed, trust_mtimes=False, manifest=".gitops-dsl-manifest-edge")
    with pytest.raises(UnpackError, match="the disk is full"):
        apply_all_or_nothing(into, changed, second, manifest_name=".gitops-dsl-manifest-edge")
    monkeypatch.setattr(os, "replace", real_replace)
    after = snapshot(into)
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    assert not (into / "gitops/new").exists()


LEAKY_DEFAULT = MINIMAL.replace(
    'image=Image("ghcr.io/acme/api", "1.0.0")', 'image=Image("harbor.acme.internal/plate/api", "1.0.0")').replace(
    'per_env={"prod": Overlay(values={"replicaCount": 3})}',
    'per_env={"prod": Overlay(values={"replicaCount": 3}, image=Image("ghcr.io/acme/api", "1.0.0"))}').replace(
    'zone="internet")', 'zone=Zone("internet", deny_registries=["harbor.acme.internal"]))')


def test_compile_and_bundle_agree_on_a_shared_internal_default(tmp_path):
    """The service layer (values.yaml) names the internal registry; prod overrides it, but the
    file still travels to the internet zone: compile says so at the service's line."""
    project = make_project(tmp_path / "p", LEAKY_DEFAULT)
    compiled = run_cli("compile", cwd=project)
    assert compiled.returncode == 1 and "error[GD601] api-prod" in compiled.stderr
    line = next(i for i, text in enumerate((project / "platforms/demo.py").read_text().splitlines(), 1)
                if 'Service("api"' in text)
    assert f"demo.py:{line}:" in compiled.stderr


def test_a_zone_layer_keeps_the_internal_registry_inside(tmp_path):
    source = LEAKY_DEFAULT.replace(
        ', image=Image("ghcr.io/acme/api", "1.0.0"))}', ')},\n'
        '                per_zone={"internet": ZoneOverlay(image=Image("ghcr.io/acme/api", "1.0.0"))}')
    project = make_project(tmp_path / "p", source)
    compiled = run_cli("compile", cwd=project)
    assert compiled.returncode == 0, compiled.stderr
    build = project / "build/gitops"
    assert "harbor.acme.internal" in (build / "values/api/values.yaml").read_text()
    assert "ghcr.io/acme/api" in (build / "values/api/values-zone-internet.yaml").read_text()
    app = (build / "argo-apps/internet/apps/prod/app/api.yaml").read_text()
    assert "values-zone-internet.yaml" in app and "values/api/values.yaml" not in app
    bundle = run_cli("bundle", "--zone", "internet", "--out", str(tmp_path / "b.tar.gz"), cwd=project)
    assert bundle.returncode == 0, bundle.stderr
    members = verify((tmp_path / "b.tar.gz").read_bytes(), allow_unsigned=True).files
    assert not any(name.endswith("values/api/values.yaml") for name in members)
    assert all(b"harbor.acme.internal" not in data for data in members.values())
    bad = run_cli("compile", cwd=make_project(tmp_path / "q", source.replace(
        'per_zone={"internet"', 'per_zone={"internt"')))
    assert bad.returncode == 1 and "per_zone names unknown zone 'internt'" in bad.stderr


def test_the_receiving_side_reviews_without_platform_files(tmp_path):
    old, public = signed(tmp_path, sequence=1, commit="e" * 40, files={
        "gitops/build/gitops/argo-apps/edge/apps/prod/app/api.yaml": (REPO / "build/gitops/argo-apps/"
            "internet/apps/prod/app/plate-web.yaml").read_bytes()})
    into = tmp_path / "receiving"
    into.mkdir()
    assert run_cli("unpack", str(write(tmp_path, "1.tar.gz", old)), "--into", str(into),
                   "--pubkey", str(public), cwd=tmp_path).returncode == 0
    snapshot_old = tmp_path / "old"
    import shutil
    shutil.copytree(into / "build", snapshot_old)
    text = (into / "build/gitops/argo-apps/edge/apps/prod/app/api.yaml").read_text()
    new, _ = signed(tmp_path, sequence=2, commit="f" * 40, files={
        "gitops/build/gitops/argo-apps/edge/apps/prod/app/api.yaml": text.replace(
            "selfHeal: true", "selfHeal: false").encode()})
    assert run_cli("unpack", str(write(tmp_path, "2.tar.gz", new)), "--into", str(into),
                   "--pubkey", str(public), cwd=tmp_path).returncode == 0
    run = run_cli("diff", "--tree", str(into / "build"), "--against-tree", str(snapshot_old), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "zone edge, environment prod" in run.stdout and "sync.automated.selfHeal: true -> false" in run.stdout
    md = run_cli("diff", "--tree", str(into / "build"), "--against-tree", str(snapshot_old),
                 "--format", "markdown", cwd=tmp_path)
    assert md.stdout.startswith("### gitops-dsl diff")
