"""One-way promotion bundles: reproducible, signed, verified before anything is written."""
from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gitops_dsl.zones.bundle import build, verify
from gitops_dsl.render.closure import BundleError
from tests.helpers import MINIMAL, REPO, make_project, run_cli, snapshot


def keys(tmp_path: Path) -> tuple[Path, Path]:
    key = Ed25519PrivateKey.generate()
    private = tmp_path / "sign.pem"
    public = tmp_path / "sign.pub"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


def example_repository(folder: Path) -> Path:
    """The example platform in a git repository of its own, committed (a bundle says which
    commit it holds, so it refuses a dirty tree)."""
    import shutil
    import subprocess
    repo = folder / "example"
    for part in ("platforms", "charts"):
        shutil.copytree(REPO / part, repo / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", repo / "pyproject.toml")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "HOME": str(repo), "PATH": "/usr/bin:/bin"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "example"]):
        subprocess.run(["git", *args], cwd=repo, check=True, env=env, capture_output=True)
    return repo


@pytest.fixture(scope="module")
def example_bundle(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bundle")
    private, public = keys(folder)
    repo = example_repository(folder)
    outs = []
    for name in ("a.tar.gz", "b.tar.gz"):
        run = run_cli("bundle", "--zone", "internet", "--out", str(folder / name), "--sign-key",
                      str(private), cwd=repo, env={"SOURCE_DATE_EPOCH": "1700000000"})
        assert run.returncode == 0, run.stderr
        outs.append(folder / name)
    return outs, public, folder


def test_two_bundles_of_one_commit_are_byte_identical_and_verify(example_bundle):
    (a, b), public, _ = example_bundle
    assert a.read_bytes() == b.read_bytes()
    run = run_cli("verify", str(a), "--zone", "internet", "--pubkey", str(public), cwd=REPO)
    assert run.returncode == 0, run.stderr
    assert "ok - zone internet" in run.stdout and "signature verified" in run.stdout


def test_the_internet_bundle_holds_only_its_zone_and_nothing_denied(example_bundle):
    (a, _), public, _ = example_bundle
    checked = verify(a.read_bytes(), public_key_pem=public.read_bytes())
    names = sorted(checked.files)
    assert all("/internal/" not in n and "/stg" not in n and "/dev" not in n for n in names)
    # members are laid out as the zone's repository: where its Applications read them
    assert "gitops/build/gitops/argo-apps/internet/roots/prod.yaml" in names
    assert "gitops/build/gitops/bootstrap/internet/argocd-cm-patch.yaml" in names
    assert "gitops/build/gitops/values/plate-api/values-prod.yaml" in names
    assert "gitops/build/configs/prod/plate-api/secrets.yaml" in names
    assert "gitops/build/gitops/charts/service/Chart.yaml" in names
    # the chart folder openbao-secrets-prod reads travels too: the bundle is closed
    assert "gitops/charts/secrets-store/Chart.yaml" in names
    blob = b"".join(checked.files.values())
    for denied in (b"acme.internal", b"harbor.acme.internal", b"git.acme.internal"):
        assert denied not in blob
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(a.read_bytes()))) as tar:
        members = tar.getmembers()
    assert [m.name for m in members[:2]] == ["MANIFEST", "MANIFEST.sig"]
    assert all(m.uid == 0 and m.gid == 0 and m.uname == "" and m.mtime == 1700000000 for m in members)


def test_unpack_replaces_only_the_zones_files(example_bundle, tmp_path):
    (a, _), public, _ = example_bundle
    into = tmp_path / "outer"
    into.mkdir(parents=True)
    (into / "NOTES.md").write_text("foreign\n")
    run = run_cli("unpack", str(a), "--into", str(into), "--pubkey", str(public), cwd=REPO)
    assert run.returncode == 0, run.stderr
    assert (into / "NOTES.md").read_text() == "foreign\n"
    assert (into / "build/gitops/argo-apps/internet/roots/prod.yaml").is_file()
    assert (into / "charts/secrets-store/Chart.yaml").is_file()
    assert (into / ".gitops-dsl-manifest-internet").is_file()
    again = run_cli("unpack", str(a), "--into", str(into), "--pubkey", str(public), cwd=REPO)
    assert "0 written" in again.stdout and "warning" not in again.stderr
    # a hand-written Application where the zone's root applies every file: left, and named
    legacy = into / "build/gitops/argo-apps/internet/apps/prod/legacy.yaml"
    legacy.write_text("apiVersion: argoproj.io/v1alpha1\nkind: Application\n")
    third = run_cli("unpack", str(a), "--into", str(into), "--pubkey", str(public), cwd=REPO)
    assert third.returncode == 0 and legacy.is_file()
    assert f"{legacy}: warning: not written by gitops-dsl, in a folder Argo CD applies whole" \
        in third.stderr, third.stderr


FILES = {"gitops/a.yaml": b"---\na: 1\n", "configs/b.yaml": b"---\nb: 2\n"}


def tampered(members) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return gzip.compress(raw.getvalue())


def member(name, data=b"", kind=tarfile.REGTYPE, link=""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, data if kind == tarfile.REGTYPE else None


def good_members():
    bundle = build(FILES, "edge", commit="abc1234", mtime=0, leaks=[])
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(bundle))) as tar:
        return [(m, tar.extractfile(m).read()) for m in tar.getmembers()]


@pytest.mark.parametrize("case, message", [
    ("absolute", "absolute paths are not allowed"),
    ("dotdot", "not a plain relative path"),
    ("symlink", "links are not allowed"),
    ("hardlink", "links are not allowed"),
    ("device", "device files are not allowed"),
    ("duplicate", "appears twice"),
    ("modified", "does not match its MANIFEST entry"),
    ("extra", "not listed in MANIFEST"),
    ("missing", "listed in MANIFEST but missing"),
    ("oversize", "larger than any generated file"),
])
def test_malicious_or_damaged_archives_are_rejected(case, message, monkeypatch):
    import gitops_dsl.zones.bundle as bundle_module
    members = good_members()
    if case == "absolute":
        members.append(member("/etc/passwd", b"x"))
    elif case == "dotdot":
        members.append(member("gitops/../../x", b"x"))
    elif case == "symlink":
        members.append(member("gitops/link", kind=tarfile.SYMTYPE, link="/etc/passwd"))
    elif case == "hardlink":
        members.append(member("gitops/hard", kind=tarfile.LNKTYPE, link="gitops/a.yaml"))
    elif case == "device":
        members.append(member("gitops/dev", kind=tarfile.CHRTYPE))
    elif case == "duplicate":
        members.append(member("gitops/a.yaml", b"---\na: 1\n"))
    elif case == "modified":
        members = [member(m.name, b"---\na: 2\n") if m.name == "gitops/a.yaml" else (m, d)
                   for m, d in members]
    elif case == "extra":
        members.append(member("gitops/extra.yaml", b"---\n"))
    elif case == "missing":
        members = [(m, d) for m, d in members if m.name != "configs/b.yaml"]
    elif case == "oversize":
        monkeypatch.setattr(bundle_module, "MAX_MEMBER", 4)
    with pytest.raises(BundleError, match=message):
        verify(tampered(members), allow_unsigned=True)


def test_bad_signature_and_wrong_zone(tmp_path):
    private, public = keys(tmp_path)
    other_private, other_public = keys(tmp_path / "o") if (tmp_path / "o").mkdir() is None else None
    signed = build(FILES, "edge", commit="abc1234", mtime=0, leaks=[], private_key_pem=private.read_bytes())
    verify(signed, public_key_pem=public.read_bytes())
    with pytest.raises(BundleError, match="signature does not match"):
        verify(signed, public_key_pem=other_public.read_bytes())
    with pytest.raises(BundleError, match="not signed"):
        verify(build(FILES, "edge", commit="abc1234", mtime=0, leaks=[]), public_key_pem=public.read_bytes())
    with pytest.raises(BundleError, match="for zone 'edge', not 'internet'"):
        verify(signed, zone="internet")


def test_unpack_of_a_bad_bundle_writes_nothing(tmp_path):
    members = good_members()
    members.append(member("gitops/../../escape", b"x"))
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(tampered(members))
    into = tmp_path / "into"
    into.mkdir()
    run = run_cli("unpack", str(bad), "--into", str(into), cwd=tmp_path)
    assert run.returncode == 1 and "nothing written" in run.stderr
    assert list(into.iterdir()) == [] and not (tmp_path / "escape").exists()


LEAKY = MINIMAL.replace('image=Image("ghcr.io/acme/api", "1.0.0")',
                        'image=Image("harbor.acme.internal/plate/api", "1.0.0")').replace(
    'zone="internet")', 'zone=Zone("internet", deny_registries=["harbor.acme.internal"]))')


def test_a_leak_fails_compile_and_a_forced_bundle_fails_verify(tmp_path):
    project = make_project(tmp_path / "p", LEAKY)
    compiled = run_cli("compile", cwd=project)
    assert compiled.returncode == 1 and "error[GD601]" in compiled.stderr
    refused = run_cli("bundle", "--zone", "internet", "--out", "x.tar.gz", cwd=project)
    assert refused.returncode == 1 and not (project / "x.tar.gz").exists()
    assert "error[GD601]" in refused.stderr  # the compile itself refuses
    forced = run_cli("bundle", "--zone", "internet", "--out", "x.tar.gz", "--force", cwd=project)
    assert forced.returncode == 0, forced.stderr
    assert b"harbor.acme.internal" not in gzip.decompress((project / "x.tar.gz").read_bytes()).split(
        b"files:")[0]  # the MANIFEST names files and lines, not the internal names
    verified = run_cli("verify", "x.tar.gz", cwd=project)
    assert verified.returncode == 1 and "leak scan not clean" in verified.stderr
    assert "gitops/values/api/values.yaml:" in verified.stderr


def test_receiving_policy(tmp_path):
    bundle = build({"gitops/values/x/values.yaml": b"---\nimage:\n  repository: docker.io/evil/x\n"},
                   "edge", commit="abc1234", mtime=0, leaks=[])
    with pytest.raises(BundleError, match=r"gitops/values/x/values.yaml: image docker.io/evil/x is not "
                                          "from an allowed registry"):
        verify(bundle, policy={"allowed_registries": ["ghcr.io/acme"]}, allow_unsigned=True)
    assert snapshot(tmp_path) == {}


@pytest.mark.parametrize(("image", "allowed"), [("evilghcr.io/acme/x", "ghcr.io"),
                                               ("ghcr.io.evil.example/acme/x", "ghcr.io"),
                                               ("ghcr.io/acmeevil/x", "ghcr.io/acme")])
def test_an_allowed_registry_is_matched_by_whole_names_not_by_text(image, allowed):
    bundle = build({"gitops/values/x/values.yaml": f"---\nimage:\n  repository: {image}\n".encode()},
                   "edge", commit="abc1234", mtime=0, leaks=[])
    with pytest.raises(BundleError, match="is not from an allowed registry"):
        verify(bundle, policy={"allowed_registries": [allowed]}, allow_unsigned=True)


def test_what_bundle_refuses_in_a_chart_folder_compile_reports_first_at_the_users_line(tmp_path):
    repo = example_repository(tmp_path)
    values = repo / "charts/secrets-store/values.yaml"
    values.write_text(values.read_text() + "fallbackServer: https://vault.acme.internal\n")
    line = len(values.read_text().splitlines())
    checked = run_cli("compile", "--check", cwd=repo)
    assert checked.returncode == 1
    assert ("error[GD601] openbao-secrets-prod: a host the zone denies, in "
            f"charts/secrets-store/values.yaml:{line} (chart folder charts/secrets-store), must not "
            "reach zone internet") in checked.stderr
    platform_line = next(i for i, text in enumerate(
        (repo / "platforms/plate.py").read_text().splitlines(), 1) if 'GitPath("charts/secrets-store")' in text)
    assert f"platforms/plate.py:{platform_line}:" in checked.stderr     # the GitPath's own line
    refused = run_cli("bundle", "--zone", "internet", "--out", "x.tar.gz", cwd=repo)
    assert refused.returncode == 1 and "error[GD601]" in refused.stderr
    assert "vault.acme.internal" not in checked.stderr + refused.stderr   # never printed


def test_unpack_names_a_file_added_to_a_folder_an_application_reads_as_its_source(tmp_path):
    """A directory source applies every manifest file of its folder (reposerver findManifests),
    so a file added to the zone checkout's copy of it is deployed: unpack names it, as it names
    one in a chart folder, although the bundle carries no Chart.yaml there."""
    import subprocess
    repo = example_repository(tmp_path)
    plate = repo / "platforms/plate.py"
    marker = "    # ------------------------------------------------------------ infrastructure\n"
    plate.write_text(plate.read_text().replace(marker, marker + (
        '    Service("extras", project=tools, wave=infrastructure, namespace="extras",\n'
        '            chart=GitPath("k8s/extras", tool="directory")),\n'), 1))
    (repo / "k8s/extras").mkdir(parents=True)
    (repo / "k8s/extras/cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "HOME": str(repo), "PATH": "/usr/bin:/bin"}
    assert run_cli("compile", cwd=repo).returncode == 0
    for args in (["add", "-A"], ["commit", "-q", "-m", "extras"]):
        subprocess.run(["git", *args], cwd=repo, check=True, env=env, capture_output=True)
    private, public = keys(tmp_path)
    run = run_cli("bundle", "--zone", "internet", "--out", str(tmp_path / "z.tar.gz"),
                  "--sign-key", str(private), cwd=repo)
    assert run.returncode == 0, run.stderr
    into = tmp_path / "zone"
    into.mkdir()
    unpack = ["unpack", str(tmp_path / "z.tar.gz"), "--into", str(into), "--pubkey", str(public)]
    first = run_cli(*unpack, cwd=repo)
    assert first.returncode == 0, first.stderr
    assert (into / "k8s/extras/cm.yaml").is_file() and "warning" not in first.stderr
    added = into / "k8s/extras/debug.yaml"
    added.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: debug\n")
    again = run_cli(*unpack, cwd=repo)
    assert again.returncode == 0 and added.is_file()
    assert f"{added}: warning: not written by gitops-dsl, in a folder an Application reads as " \
        "its source" in again.stderr, again.stderr
    # a rule of the zone's repository that matches what the bundle writes: said, not passed over
    import subprocess as run_git
    run_git.run(["git", "init", "-q"], cwd=into, check=True)
    (into / ".gitignore").write_text("cm.yaml\n")
    third = run_cli(*unpack, cwd=repo)
    assert third.returncode == 0
    assert f"{into / 'k8s/extras/cm.yaml'}: warning: git ignores this generated file" in third.stderr
