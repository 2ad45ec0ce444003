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
from typing import Mapping

import attrs

from ._version import __version__
from .emit.writer import ContainmentError, check_path

# 2: members are laid out as the zone's repositories (`gitops/<path in the zone's gitops
# repository>`, `configs/<path in its configs repository>` when that is another repository)
FORMAT = "gitops-dsl bundle 2"
TREES = ("gitops", "configs")
MAX_MEMBER = 64 * 1024 * 1024          # no generated file comes close
MAX_TOTAL = 1024 * 1024 * 1024
MAX_MEMBERS = 200_000


class BundleError(ValueError):
    """A bundle that must not be trusted; the message says why."""


@attrs.frozen
class Leak:
    path: str
    line: int
    what: str                 # "host", "registry" or "repository" (the name itself stays home)


def zone_files(files: Mapping[str, bytes], zone: str) -> dict[str, bytes]:
    """The files a zone's Argo CD reads: its apps, roots, projects and bootstrap, and every value
    file, config file and chart those Applications name."""
    from .review.views import _Index
    from .emit.yaml import load

    chosen = {p: files[p] for p in files
              if p.startswith((f"gitops/argo-apps/{zone}/", f"gitops/bootstrap/{zone}/"))}
    index = _Index(files)
    for path in list(chosen):
        if "/apps/" not in path:
            continue
        doc = load(files[path])
        for source in (doc.get("spec", {}).get("sources") or []):
            for value_file in (source.get("helm") or {}).get("valueFiles", []):
                target = index.find(value_file)
                if target:
                    chosen[target] = files[target]
            chart_path = source.get("path", "")
            if "/charts/" in f"/{chart_path}" and chart_path.split("/charts/")[-1]:
                prefix = "gitops/charts/" + chart_path.split("charts/", 1)[1].rstrip("/") + "/"
                chosen.update({p: files[p] for p in files if p.startswith(prefix)})
    return dict(sorted(chosen.items()))


class NotClosed(BundleError):
    """A zone Application reads a path that its bundle cannot carry."""


def repository_inputs(apps, root) -> dict[str, set[str]]:
    """For each chart folder of the gitops repository that a zone's Applications read, every
    repository path it depends on (the refresh-path inputs: Kustomize bases, file:// charts).
    Raises NotClosed for an input that cannot be carried (outside the repository, unreadable)."""
    from .model.charts import GitPath
    from .render.inputs import Unlistable, helm_inputs, kustomize_inputs

    found: dict[str, set[str]] = {}
    for app in apps:
        chart = app.chart
        if not isinstance(chart, GitPath) or chart.repo is not None or chart.path in found:
            continue
        try:
            if chart.tool == "kustomize":
                found[chart.path] = kustomize_inputs(root, chart.path, skip_remote=True)
            elif chart.tool == "helm":
                found[chart.path] = helm_inputs(root, chart.path)
            else:
                found[chart.path] = {chart.path.strip("/")}
        except Unlistable as exc:
            raise NotClosed(f"{app.name}: GitPath({chart.path!r}) reads {exc}, which a bundle "
                            "cannot carry") from None
    return found


def _checkout_files(root, repo_path: str) -> dict[str, bytes]:
    """The files of a folder (or one file) of the checkout, by repository path; links refused."""
    import os
    base = os.path.join(str(root), repo_path)
    if os.path.isfile(base) and not os.path.islink(base):
        with open(base, "rb") as handle:
            return {repo_path: handle.read()}
    out = {}
    for folder, dirs, names in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d not in (".git",))
        for name in sorted(names):
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, str(root)).replace(os.sep, "/")
            if os.path.islink(path):
                raise NotClosed(f"{rel} is a symbolic link, which a bundle does not carry")
            with open(path, "rb") as handle:
                out[rel] = handle.read()
    return out


def bundle_files(files: Mapping[str, bytes], resolved, zone: str, root) -> dict[str, bytes]:
    """The bundle members of a zone: every compiled file its Argo CD reads and every chart
    folder of the repository its Applications read, at the repository paths those Applications
    name: `gitops/<path>` for the zone's gitops repository, `configs/<path>` for its configs
    repository when that is another one. Unpacked into checkouts of those repositories, every
    path the zone's Applications read exists (the bundle is closed)."""
    from .checks.behaviour import normalize_git_url
    from .render.names import in_repo
    from .resolve import platform_in_zone

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
        for inputs in repository_inputs(apps, root).values():
            for repo_path in sorted(inputs):
                for rel, data in _checkout_files(root, repo_path).items():
                    member = f"gitops/{rel}"
                    if member in out and out[member] != data:
                        raise NotClosed(f"{rel}: a chart input and a compiled file share this path")
                    out[member] = data
    return dict(sorted(out.items()))


def scan(files: Mapping[str, bytes], zone) -> list[Leak]:
    """Every line of every file that names something the zone denies."""
    from .checks.zones import leaks

    found = []
    for path, data in files.items():
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            for what in leaks(zone, [line]):
                found.append(Leak(path, number, what.split(" ", 1)[0]))
    return found


def manifest_text(zone: str, files: Mapping[str, bytes], commit: str, leaks: list[Leak]) -> bytes:
    lines = [FORMAT, f"zone: {zone}", f"source-commit: {commit}", f"gitops-dsl: {__version__}",
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


def build(files: Mapping[str, bytes], zone: str, *, commit: str, mtime: int, leaks: list[Leak],
          private_key_pem: bytes | None = None) -> bytes:
    """The bundle's bytes: sorted entries, fixed mtime, uid/gid 0, no user names, gzip mtime 0."""
    manifest = manifest_text(zone, files, commit, leaks)
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
    files: dict
    signed: bool


def _members(data: bytes) -> list[tuple[str, bytes]]:
    """Every member, checked for structure before anything could be written."""
    try:
        raw = gzip.decompress(data)
    except (OSError, EOFError) as exc:
        raise BundleError(f"not a gzip file: {exc}") from None
    if len(raw) > MAX_TOTAL + 10 * 1024 * 1024:
        raise BundleError("the archive is larger than a bundle can be")
    out, seen = [], set()
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
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
                handle = tar.extractfile(info)
                content = handle.read() if handle is not None else b""
                if len(content) != info.size:
                    raise BundleError(f"{name}: truncated")
                out.append((name, content))
    except tarfile.TarError as exc:
        raise BundleError(f"not a valid tar archive: {exc}") from None
    return out


def verify(data: bytes, *, zone: str | None = None, public_key_pem: bytes | None = None,
           policy: dict | None = None) -> Verified:
    """Check a bundle completely, in memory. Raises BundleError with every problem found."""
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
    head = dict(line.split(": ", 1) for line in lines[1:lines.index("files:")] if ": " in line
                and not line.startswith("leak: ")) if "files:" in lines else {}
    if "files:" not in lines:
        raise BundleError("MANIFEST has no files: section")
    problems = []
    if public_key_pem is not None:
        if signature is None:
            problems.append("MANIFEST.sig: the bundle is not signed, but a public key was given")
        else:
            problems += _check_signature(manifest, signature, public_key_pem)
    if zone is not None and head.get("zone") != zone:
        problems.append(f"MANIFEST: the bundle is for zone {head.get('zone')!r}, not {zone!r}")
    if head.get("leak-scan") != "clean":
        problems.append(f"MANIFEST: leak scan not clean ({head.get('leak-scan')}); findings:")
        problems += [f"  {line[len('leak: '):]}" for line in lines if line.startswith("leak: ")]
    listed = {}
    for line in lines[lines.index("files:") + 1:]:
        parts = line.split("  ", 2)
        if len(parts) != 3:
            problems.append(f"MANIFEST: malformed line {line!r}")
            continue
        listed[parts[2]] = (parts[0], int(parts[1]) if parts[1].isdigit() else -1)
    files = {name: content for name, content in members if name not in ("MANIFEST", "MANIFEST.sig")}
    problems += [f"{name}: outside the bundle's trees (gitops/, configs/)" for name in files
                 if name.partition("/")[0] not in TREES]
    for name, content in files.items():
        if name not in listed:
            problems.append(f"{name}: not listed in MANIFEST (an extra file)")
            continue
        digest, size = listed[name]
        if len(content) != size or hashlib.sha256(content).hexdigest() != digest:
            problems.append(f"{name}: does not match its MANIFEST entry (modified)")
    problems += [f"{name}: listed in MANIFEST but missing" for name in listed if name not in files]
    if policy:
        problems += _policy_findings(files, policy)
    if problems:
        raise BundleError("\n".join(problems))
    return Verified(head.get("zone", ""), head.get("source-commit", ""), files, signature is not None)


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


_URL_HOST = re.compile(r"https?://([A-Za-z0-9.-]+)")
_IMAGE = re.compile(r"(?:^|\s)(?:repository|image|repoURL):\s*\"?([a-z0-9.-]+(?::[0-9]+)?)/")


def _policy_findings(files: Mapping[str, bytes], policy: dict) -> list[str]:
    """The receiving side's own policy: registries and hosts it accepts."""
    registries = tuple(policy.get("allowed_registries") or ())
    hosts = tuple(h.lower().lstrip("*.") for h in policy.get("allowed_hosts") or ())
    found = []
    for name, content in sorted(files.items()):
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            match = _IMAGE.search(line)
            if registries and match and not any(match.group(1) == r.split("/")[0] for r in registries):
                found.append(f"{name}:{number}: {match.group(1)} is not an allowed registry")
            for host in _URL_HOST.findall(line) if hosts else ():
                host = host.lower()
                if not any(host == h or host.endswith("." + h) for h in hosts):
                    found.append(f"{name}:{number}: {host} is not an allowed host")
    return found
