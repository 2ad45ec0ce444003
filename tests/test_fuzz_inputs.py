"""Every file the tool reads but does not write itself - settings, the versions file, receiving
policies, ownership manifests, bundle MANIFESTs, the chart lock, unpack records, imported trees -
fuzzed: each reader answers with its own error type (a message for the user), never another
exception (a traceback). A few thousand examples in all."""
from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.helpers import scaled

FUZZ = settings(max_examples=scaled(300), deadline=None, suppress_health_check=list(HealthCheck))

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=12))
trees = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.one_of(st.text(max_size=8), st.sampled_from(
        ["apiVersion", "kind", "metadata", "spec", "name", "source", "sources", "helm", "values",
         "valueFiles", "syncPolicy", "retry", "limit", "destination", "namespace", "services",
         "image", "chart", "envs", "charts", "repository", "version", "digest", "allowed_registries",
         "allowed_hosts", "tool", "gitops-dsl", "severity", "allow", "out", "trusted_keys"])),
        inner, max_size=4)), max_leaves=15)
texts = st.one_of(st.text(max_size=300), trees.map(lambda t: yaml.safe_dump(t)),
                  st.binary(max_size=200).map(lambda b: b.decode("latin-1")))


@FUZZ
@given(text=texts)
def test_versions_file(text):
    from gitops_dsl.versions.file import parse
    parse(Path("versions.yaml"), text)


@FUZZ
@given(data=trees, files=st.dictionaries(st.text(max_size=20), st.binary(max_size=80), max_size=3))
def test_receiving_policy(data, files):
    from gitops_dsl.zones.policy import PolicyError, load_policy, policy_findings
    try:
        policy = load_policy(data)
    except PolicyError:
        return
    policy_findings({f"gitops/{k}.yaml": v for k, v in files.items()}, policy)


@FUZZ
@given(text=texts)
def test_ownership_manifest_and_plan(text):
    from gitops_dsl.emit.manifest import read_manifest
    from gitops_dsl.emit.paths import ContainmentError
    from gitops_dsl.emit.writer import plan
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        (out / ".gitops-dsl-manifest").write_text(text, "utf-8", errors="surrogateescape")
        read_manifest(out)
        try:
            plan(out, {"gitops/a.yaml": b"---\na: 1\n"})
        except ContainmentError:
            pass


@FUZZ
@given(text=texts)
def test_bundle_manifest(text):
    import gzip
    import io
    import tarfile

    from gitops_dsl.zones.bundle import verify
    from gitops_dsl.render.closure import BundleError
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        data = text.encode("utf-8", "surrogateescape")
        info = tarfile.TarInfo("MANIFEST")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    try:
        verify(gzip.compress(raw.getvalue()), allow_unsigned=True)
    except BundleError:
        pass


@FUZZ
@given(text=texts)
def test_chart_lock(text):
    from gitops_dsl.charts.lock import LockError, read_lock
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "charts.lock"
        path.write_text(text, "utf-8", errors="surrogateescape")
        try:
            read_lock(path)
        except LockError:
            pass


@FUZZ
@given(text=texts)
def test_unpack_record(text):
    from gitops_dsl.zones.unpack import UnpackError, last_unpacked
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / ".gitops-dsl-unpacked-edge").write_text(text, "utf-8", errors="surrogateescape")
        try:
            last_unpacked(Path(folder), "edge")
        except UnpackError:
            pass


@FUZZ
@given(text=st.one_of(st.text(max_size=200), trees.map(lambda t: "[tool.gitops-dsl]\n" + "\n".join(
    f"{k!s} = {v!r}" for k, v in (t.items() if isinstance(t, dict) else [])))))
def test_settings(text):
    from gitops_dsl.workspace.settings import SettingsError, load_settings
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "pyproject.toml").write_text(text)
        try:
            load_settings(Path(folder))
        except SettingsError:
            pass


application = st.fixed_dictionaries({"apiVersion": st.sampled_from(["argoproj.io/v1alpha1", 5, None]),
                                     "kind": st.sampled_from(["Application", "AppProject", "ApplicationSet"])},
                                    optional={"metadata": trees, "spec": trees})


@FUZZ
@given(docs=st.lists(st.one_of(application, trees), min_size=1, max_size=3))
def test_imported_tree(docs):
    from gitops_dsl.importer import import_tree
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "apps.yaml").write_text(yaml.safe_dump_all(docs))
        imported = import_tree([Path(folder)])
        compile(imported.source, "imported.py", "exec")      # always valid Python
