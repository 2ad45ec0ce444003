"""One-way promotion between network zones: a zone's compiled trees as a reproducible, signed
bundle; verification on the receiving side before anything is written; unpacking that replaces
only the zone's owned files.

A bundle is a gzip'ed tar of `MANIFEST` (first), `MANIFEST.sig` (optional Ed25519 signature of the
MANIFEST bytes) and the files at their output paths. The MANIFEST lists every file with its
sha256 and size, the source commit, the gitops-dsl version and the result of the leak scan that
ran where the deny lists live (the receiving side never needs the internal names).
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import io
import re
import tarfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zlib import error as zlib_error

import attrs

from .._version import __version__
from ..emit.paths import ContainmentError, check_path
from ..render.closure import BundleError, Leak, NotClosed, chart_folder_files, zone_files

if TYPE_CHECKING:
    from ..resolve import Resolved

# 2: members are laid out as the zone's repositories (`gitops/<path in the zone's gitops
# repository>`, `configs/<path in its configs repository>` when that is another repository)
FORMAT = "gitops-dsl bundle 2"
TREES = ("gitops", "configs")
MAX_MEMBER = 64 * 1024 * 1024          # no generated file comes close
MAX_TOTAL = 256 * 1024 * 1024       # member data kept in memory, at most (5000 x 3: ~100 MB)
MAX_MEMBERS = 200_000


def bundle_files(files: Mapping[str, bytes], resolved: Sequence[Resolved], zone: str,
                 root: Path) -> dict[str, bytes]:
    """The bundle members of a zone: every compiled file its Argo CD reads and every chart
    folder of the repository its Applications read, at the repository paths those Applications
    name: `gitops/<path>` for the zone's gitops repository, `configs/<path>` for its configs
    repository when that is another one. Unpacked into checkouts of those repositories, every
    path the zone's Applications read exists (the bundle is closed)."""
    from ..argo.globs import normalize_git_url
    from ..render.names import in_repo
    from ..resolve import platform_in_zone

    out: dict[str, bytes] = {}
    chosen = zone_files(files, zone)
    for item in resolved:
        zones = {z.name: z for z in item.zones}
        if zone not in zones:
            continue
        platform = platform_in_zone(item.platform, zones[zone])
        separate = normalize_git_url(platform.configs.url) != normalize_git_url(platform.gitops_repo.url)
        for path, data in chosen.items():
            tree = path.partition("/")[0]
            member = f"{'configs' if tree == 'configs' and separate else 'gitops'}/{in_repo(platform, path)}"
            out[member] = data
        apps = [a for a in item.apps if a.zone.name == zone]
        for rel, data in chart_folder_files(apps, root, committable=True).items():
            member = f"gitops/{rel}"
            if member in out and out[member] != data:
                raise NotClosed(f"{rel}: a chart input and a compiled file share this path")
            out[member] = data
    return dict(sorted(out.items()))


@attrs.frozen
class Provenance:
    """Where a bundle comes from, as its MANIFEST records it (and its signature covers)."""

    commit: str = "unknown"
    sequence: int = 0           # commits in the source history up to it (git rev-list --count)
    time: int = 0               # the commit's time (seconds since the epoch)
    dirty: bool = False         # built from a working tree with uncommitted changes


_ZONE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$")
_COMMIT = re.compile(r"^([0-9a-f]{7,64}|unknown)$")


def manifest_text(zone: str, files: Mapping[str, bytes], provenance: Provenance,
                  leaks: list[Leak]) -> bytes:
    lines = [FORMAT, f"zone: {zone}", f"source-commit: {provenance.commit}",
             f"source-sequence: {provenance.sequence}", f"source-time: {provenance.time}",
             f"source-dirty: {'true' if provenance.dirty else 'false'}",
             f"gitops-dsl: {__version__}",
             "leak-scan: clean" if not leaks else f"leak-scan: {len(leaks)} finding(s)"]
    lines += [f"leak: {leak.path}:{leak.line} {leak.what}" for leak in leaks]
    lines.append("files:")
    lines += [f"{hashlib.sha256(data).hexdigest()}  {len(data)}  {path}"
              for path, data in sorted(files.items())]
    return ("\n".join(lines) + "\n").encode("utf-8")


def sign(manifest: bytes, private_key_pem: bytes) -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(private_key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise BundleError(f"not a PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise BundleError("the signing key must be an Ed25519 private key")
    return base64.b64encode(key.sign(manifest)) + b"\n"


def build(files: Mapping[str, bytes], zone: str, *, commit: str = "unknown", mtime: int,
          leaks: list[Leak], private_key_pem: bytes | None = None,
          provenance: Provenance | None = None) -> bytes:
    """The bundle's bytes: sorted entries, fixed mtime, uid/gid 0, no user names, gzip mtime 0."""
    provenance = provenance or Provenance(commit)
    manifest = manifest_text(zone, files, provenance, leaks)
    members = [("MANIFEST", manifest)]
    if private_key_pem is not None:
        members.append(("MANIFEST.sig", sign(manifest, private_key_pem)))
    members += sorted(files.items())
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), mtime, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


@attrs.frozen
class Verified:
    zone: str
    commit: str
    files: dict[str, Any]
    signed: bool
    provenance: Provenance = Provenance()


_CHUNK = 64 * 1024


def _members(data: bytes) -> list[tuple[str, bytes]]:
    """Every member, checked for structure before anything could be written. The archive is
    decompressed as a stream and each member's declared size is checked before it is read, so a
    compression bomb is refused after at most MAX_TOTAL bytes of member data (never the whole
    decompressed stream in memory)."""
    out, seen = [], set()
    total = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r|gz") as tar:
            for number, info in enumerate(tar, 1):
                if number > MAX_MEMBERS:
                    raise BundleError("too many members")
                name = info.name
                if info.issym() or info.islnk():
                    raise BundleError(f"{name}: links are not allowed in a bundle")
                if info.isdev() or info.isfifo() or info.ischr() or info.isblk():
                    raise BundleError(f"{name}: device files are not allowed in a bundle")
                if not info.isfile():
                    raise BundleError(f"{name}: only regular files are allowed in a bundle")
                if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
                    raise BundleError(f"{name}: absolute paths are not allowed")
                try:
                    check_path(name)
                except ContainmentError:
                    raise BundleError(f"{name}: not a plain relative path ('..' or empty parts)") from None
                if name in seen:
                    raise BundleError(f"{name}: appears twice in the archive")
                seen.add(name)
                if info.size > MAX_MEMBER:
                    raise BundleError(f"{name}: {info.size} bytes is larger than any generated file")
                total += info.size
                if total > MAX_TOTAL:
                    raise BundleError(f"the archive holds more than {MAX_TOTAL} bytes: larger than a "
                                      "bundle can be")
                handle = tar.extractfile(info)
                parts, left = [], info.size
                while handle is not None and left > 0:
                    chunk = handle.read(min(_CHUNK, left))
                    if not chunk:
                        break
                    parts.append(chunk)
                    left -= len(chunk)
                content = b"".join(parts)
                if len(content) != info.size:
                    raise BundleError(f"{name}: truncated")
                out.append((name, content))
    except (tarfile.TarError, OSError, EOFError, zlib_error) as exc:
        raise BundleError(f"not a valid gzip'ed tar archive: {exc}") from None
    dirs = {"/".join(name.split("/")[:i]) for name, _ in out for i in range(1, name.count("/") + 1)}
    clash = sorted(name for name, _ in out if name in dirs)
    if clash:
        raise BundleError(f"{clash[0]}: both a file and a folder in the archive")
    return out


def verify(data: bytes, *, zone: str | None = None, public_key_pem: bytes | None = None,
           policy: dict[str, Any] | None = None, trusted_keys: Sequence[bytes] = (),
           allow_unsigned: bool = False) -> Verified:
    """Check a bundle completely, in memory, failing closed: it must be signed by one of the
    trusted keys (`public_key_pem` counts as one) unless `allow_unsigned`. Raises BundleError
    with every problem found."""
    members = _members(data)
    if not members or members[0][0] != "MANIFEST":
        raise BundleError("the first member must be MANIFEST")
    manifest = members[0][1]
    signature = dict(members).get("MANIFEST.sig")
    try:
        text = manifest.decode("utf-8")
    except UnicodeDecodeError:
        raise BundleError("MANIFEST is not UTF-8") from None
    lines = text.splitlines()
    if not lines or lines[0] != FORMAT:
        if lines and lines[0].startswith("gitops-dsl bundle "):
            raise BundleError(f"MANIFEST is {lines[0]!r}; this gitops-dsl reads {FORMAT!r}: bundle "
                              "again with the same gitops-dsl version on both sides")
        raise BundleError(f"MANIFEST does not start with {FORMAT!r}")
    if "files:" not in lines:
        raise BundleError("MANIFEST has no files: section")
    head = dict(line.split(": ", 1) for line in lines[1:lines.index("files:")] if ": " in line
                and not line.startswith("leak: "))
    problems = []
    keys = [k for k in (*trusted_keys, public_key_pem) if k is not None]
    if signature is None:
        if not allow_unsigned:
            problems.append("MANIFEST.sig: the bundle is not signed; an unsigned bundle is accepted "
                            "only with --allow-unsigned")
    elif keys:
        results = [_check_signature(manifest, signature, key) for key in keys]
        if all(results):
            problems += results[0] if len(keys) == 1 else [
                "MANIFEST.sig: the signature matches none of the trusted keys"]
    elif not allow_unsigned:
        problems.append("no trusted key to check the signature with: list the sender's public key "
                        "in [tool.gitops-dsl] trusted_keys (or give --pubkey)")
    bundle_zone = head.get("zone", "")
    if not _ZONE_NAME.match(bundle_zone):
        raise BundleError(f"MANIFEST names zone {bundle_zone[:60]!r}, which is not a zone name")
    if zone is not None and bundle_zone != zone:
        problems.append(f"MANIFEST: the bundle is for zone {bundle_zone!r}, not {zone!r}")
    provenance = _provenance(head, problems)
    if head.get("leak-scan") != "clean":
        problems.append(f"MANIFEST: leak scan not clean ({head.get('leak-scan')}); findings:")
        problems += [f"  {line[len('leak: '):]}" for line in lines if line.startswith("leak: ")]
    listed = {}
    for line in lines[lines.index("files:") + 1:]:
        parts = line.split("  ", 2)
        if len(parts) != 3 or not parts[1].isascii() or not parts[1].isdigit():
            problems.append(f"MANIFEST: malformed line {line[:200]!r}")
            continue
        listed[parts[2]] = (parts[0], int(parts[1]))
    files = {name: content for name, content in members if name not in ("MANIFEST", "MANIFEST.sig")}
    problems += [f"{name}: outside the bundle's trees (gitops/, configs/)" for name in files
                 if name.partition("/")[0] not in TREES]
    problems += _foreign_paths(files, bundle_zone)
    for name, content in files.items():
        if name not in listed:
            problems.append(f"{name}: not listed in MANIFEST (an extra file)")
            continue
        digest, size = listed[name]
        if len(content) != size or hashlib.sha256(content).hexdigest() != digest:
            problems.append(f"{name}: does not match its MANIFEST entry (modified)")
    problems += [f"{name}: listed in MANIFEST but missing" for name in listed if name not in files]
    problems += _plaintext_secrets(files)
    if policy:
        from .policy import policy_findings
        problems += policy_findings(files, policy)
    if problems:
        raise BundleError("\n".join(problems))
    return Verified(bundle_zone, provenance.commit, files, signature is not None, provenance)


def _plaintext_secrets(files: Mapping[str, bytes]) -> list[str]:
    """A Kubernetes Secret with data in any YAML or JSON file of a bundle: what a zone receives
    is sealed (SealedSecrets, ExternalSecrets), never plain - whoever signed it. Read with the
    importer's bounded loader (depth, size, aliases)."""
    from ..safe_yaml import UnsafeYaml, load_all
    problems = []
    for name, content in sorted(files.items()):
        if not name.endswith((".yaml", ".yml", ".json")) or b"Secret" not in content:
            continue
        try:
            documents = load_all(content)
        except (UnsafeYaml, ValueError) as exc:
            if "templates" not in name.split("/")[:-1]:   # fail closed: what cannot be read is
                # not let through; a chart's template is Go text until Helm renders it (its
                # values are the sender's, scanned there: GD504)
                problems.append(f"{name}: mentions a Secret and cannot be checked ({exc})")
            continue
        for doc in documents:
            if (isinstance(doc, dict) and doc.get("kind") == "Secret"
                    and str(doc.get("apiVersion", "")) == "v1"
                    and (doc.get("data") or doc.get("stringData"))):
                meta = doc.get("metadata")
                meta = meta if isinstance(meta, dict) else {}
                problems.append(f"{name}: a plaintext Kubernetes Secret "
                                f"{str(meta.get('name', ''))[:60]!r}: a zone receives sealed "
                                "values (SealedSecrets, ExternalSecrets), never a Secret")
    return problems


def _provenance(head: dict[str, Any], problems: list[Any]) -> Provenance:
    commit = head.get("source-commit", "unknown")
    if not _COMMIT.match(commit):
        problems.append(f"MANIFEST: source-commit {commit[:60]!r} is not a commit")
        commit = "unknown"
    numbers = {}
    for key in ("source-sequence", "source-time"):
        value = head.get(key, "0")
        if not (value.isascii() and value.isdigit()):
            problems.append(f"MANIFEST: {key} {value[:30]!r} is not a number")
            value = "0"
        numbers[key] = int(value)
    dirty = head.get("source-dirty", "false")
    if dirty not in ("true", "false"):
        problems.append(f"MANIFEST: source-dirty {dirty[:30]!r} is not true or false")
    return Provenance(commit, numbers["source-sequence"], numbers["source-time"], dirty == "true")


def _foreign_paths(files: Mapping[str, bytes], zone: str) -> list[str]:
    """A bundle writes only into its own zone's part of the layout: no other zone's apps, roots,
    projects or bootstrap, and none of gitops-dsl's own bookkeeping files."""
    problems = []
    compiled = set()
    for name in files:
        parts = name.split("/")
        if "argo-apps" in parts[:-1]:
            compiled.add("/".join(parts[:parts.index("argo-apps")]))
    for name in sorted(files):
        parts = name.split("/")
        if parts[-1].startswith(".gitops-dsl"):
            problems.append(f"{name}: a gitops-dsl bookkeeping file cannot come from a bundle")
            continue
        for prefix in compiled:
            base = prefix.split("/") if prefix else []
            rest = parts[len(base):]
            if parts[:len(base)] == base and len(rest) > 2 and rest[0] in ("argo-apps", "bootstrap") \
                    and rest[1] != zone:
                problems.append(f"{name}: belongs to zone {rest[1]!r}, not to this bundle's zone "
                                f"{zone!r}")
                break
    return problems


def _check_signature(manifest: bytes, signature: bytes, public_key_pem: bytes) -> list[str]:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(public_key_pem)
    except ValueError as exc:
        return [f"public key: not a PEM public key ({exc})"]
    if not isinstance(key, Ed25519PublicKey):
        return ["public key: not an Ed25519 key"]
    try:
        key.verify(base64.b64decode(signature.strip(), validate=True), manifest)
    except (InvalidSignature, ValueError):
        return ["MANIFEST.sig: the signature does not match (wrong key, or MANIFEST was changed)"]
    return []
