"""A suite of hostile bundles: every structural variant is refused with a BundleError - never
another exception, never accepted."""
from __future__ import annotations

import gzip
import io
import re
import tarfile

import pytest

from gitops_dsl.zones.bundle import Provenance, build, verify
from gitops_dsl.render.closure import BundleError

GOOD = {"gitops/build/gitops/argo-apps/edge/roots/prod.yaml": b"---\na: 1\n",
        "gitops/build/gitops/values/api/values.yaml": b"---\nb: 2\n",
        "configs/prod/api/config.yaml": b"---\nconfig: {}\n"}


def members_of(data: bytes):
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
        return [(m, tar.extractfile(m).read()) for m in tar.getmembers()]


def good():
    return members_of(build(GOOD, "edge", mtime=0, leaks=[], provenance=Provenance("a" * 40, 3, 1)))


def pack(members) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None and info.isfile() else None)
    return gzip.compress(raw.getvalue())


def entry(name, data=b"x", kind=tarfile.REGTYPE, link=""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, data if kind == tarfile.REGTYPE else None


def with_manifest(edit):
    """Re-pack with the MANIFEST text edited (the signature would not match; unsigned here)."""
    out = []
    for info, data in good():
        if info.name == "MANIFEST":
            data = edit(data.decode()).encode() if isinstance(edit(data.decode()), str) else edit(data.decode())
            info.size = len(data)
        out.append((info, data))
    return pack(out)


BAD_NAMES = ["/etc/passwd", "gitops/../../x", "../x", "gitops/./x", "gitops//x", "gitops/x/..",
             "./gitops/x", "C:/x", "gitops\\..\\x", "gitops/a\\b", "..", "gitops/..",
             "configs/../../x", "configs/a/../../../x", "/gitops/x", "//x", "gitops/~/../x"]
LINKS = [(tarfile.SYMTYPE, "/etc/passwd"), (tarfile.SYMTYPE, "../../x"), (tarfile.LNKTYPE, "gitops/a"),
         (tarfile.LNKTYPE, "/etc/shadow")]
SPECIAL = [tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE, tarfile.DIRTYPE, tarfile.CONTTYPE]
ZONES = ["x/../../victim", "../edge", "Edge", "edge/x", "", "e" * 41, "-edge", "edge-", "ed ge",
         "edge\x00"]


def cases():
    yield "not gzip", b"plain bytes"
    yield "truncated gzip", build(GOOD, "edge", mtime=0, leaks=[])[:40]
    yield "gzip of garbage", gzip.compress(b"not a tar archive at all" * 40)
    yield "empty archive", pack([])
    for name in BAD_NAMES:
        yield f"name {name!r}", pack(good() + [entry(name)])
    for kind, link in LINKS:
        yield f"link {kind} {link}", pack(good() + [entry("gitops/link", kind=kind, link=link)])
    for kind in SPECIAL:
        yield f"special {kind}", pack(good() + [entry("gitops/special", kind=kind)])
    yield "duplicate", pack(good() + [entry("gitops/build/gitops/values/api/values.yaml", b"---\nb: 2\n")])
    yield "manifest not first", pack(list(reversed(good())))
    yield "manifest missing", pack([(i, d) for i, d in good() if i.name != "MANIFEST"])
    yield "extra file", pack(good() + [entry("gitops/extra.yaml")])
    yield "missing file", pack([(i, d) for i, d in good() if i.name != "configs/prod/api/config.yaml"])
    yield "modified content", pack([entry(i.name, b"---\nb: 3\n") if i.name.endswith("values.yaml")
                                    else (i, d) for i, d in good()])
    yield "outside the trees", pack(good() + [entry("elsewhere/x")])
    yield "file and folder", pack(good() + [entry("gitops/zz"), entry("gitops/zz/y")])
    yield "foreign zone apps", pack(good() + [entry("gitops/build/gitops/argo-apps/internal/apps/a.yaml")])
    yield "foreign zone bootstrap", pack(good() + [entry("gitops/build/gitops/bootstrap/internal/zone.yaml")])
    yield "bookkeeping manifest", pack(good() + [entry("gitops/.gitops-dsl-manifest-internal")])
    yield "bookkeeping record", pack(good() + [entry("gitops/.gitops-dsl-unpacked-edge")])
    yield "format 1", with_manifest(lambda t: t.replace("gitops-dsl bundle 2", "gitops-dsl bundle 1"))
    yield "no format", with_manifest(lambda t: t.split("\n", 1)[1])
    yield "no files section", with_manifest(lambda t: t.replace("files:\n", ""))
    yield "not utf-8", with_manifest(lambda t: t.encode() + b"\xff\xfe")
    yield "malformed size", with_manifest(lambda t: re.sub(r"  \d+  ", "  ²  ", t, count=1))
    yield "wrong size", with_manifest(lambda t: re.sub(r"  (\d+)  ", lambda m: f"  {int(m[1]) + 1}  ", t,
                                                       count=1))
    yield "wrong digest", with_manifest(lambda t: re.sub(r"\n[0-9a-f]{64}  ", "\n" + "0" * 64 + "  ", t,
                                                         count=1))
    yield "malformed line", with_manifest(lambda t: t + "garbage\n")
    yield "leak findings", with_manifest(lambda t: t.replace("leak-scan: clean", "leak-scan: 1 finding(s)"))
    yield "bad commit", with_manifest(lambda t: t.replace("a" * 40, "not-a-commit"))
    yield "bad sequence", with_manifest(lambda t: t.replace("source-sequence: 3", "source-sequence: ³"))
    yield "bad dirty flag", with_manifest(lambda t: t.replace("source-dirty: false", "source-dirty: maybe"))
    for zone in ZONES:
        yield f"zone {zone!r}", with_manifest(lambda t, z=zone: t.replace("zone: edge", f"zone: {z}"))
    yield "unsigned", build(GOOD, "edge", mtime=0, leaks=[], provenance=Provenance("a" * 40, 3, 1))


CASES = list(cases())


def test_the_suite_is_large():
    assert len(CASES) >= 60


@pytest.mark.parametrize("name, data", CASES, ids=[c[0] for c in CASES])
def test_a_hostile_bundle_is_refused(name, data):
    with pytest.raises(BundleError):
        verify(data, allow_unsigned=name != "unsigned")


@pytest.mark.parametrize("index", range(0, len(CASES), 6))
def test_unpack_of_a_hostile_bundle_writes_nothing_and_prints_no_traceback(index, tmp_path):
    from tests.helpers import run_cli
    name, data = CASES[index]
    bundle = tmp_path / "b.tar.gz"
    bundle.write_bytes(data)
    into = tmp_path / "into"
    into.mkdir()
    run = run_cli("unpack", str(bundle), "--into", str(into), "--allow-unsigned", cwd=tmp_path)
    assert run.returncode == 1, (name, run.stdout)
    assert "Traceback" not in run.stderr and "nothing written" in run.stderr, (name, run.stderr)
    assert list(into.iterdir()) == []
