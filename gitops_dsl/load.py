"""The load stage: import every module in platforms/ and collect its Platform objects.

The only stage that runs user code. A module that fails to import is a user error: the
diagnostic points at the user's file and line with the traceback trimmed to the user's frames;
a wrong argument to a DSL constructor points at the line that called it.
"""
from __future__ import annotations

import difflib
import importlib
import os
import re
import sys
import traceback
from collections.abc import Mapping
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from . import model
from .checks.registry import collecting_user_rules
from .diagnostics import Diagnostic, Location, ModelError, error
from .model import Platform
from .recorder import module_sources
from .versions.file import load_file as load_versions
from .versions.file import parse as parse_versions

if TYPE_CHECKING:
    from .checks.registry import Rule
    from .codecache import CodeCache
    from .versions.file import Versions


@attrs.frozen
class Loaded:
    platforms: tuple[Platform, ...]
    diagnostics: tuple[Diagnostic, ...]
    files: tuple[Path, ...]          # the platform files that were imported
    rules: tuple[Rule, ...] = ()     # rules registered with @rule(...) in platforms/
    versions: tuple[Versions, ...] = ()  # one Versions per platform


def versions_path(platform: Platform) -> Path:
    """Where a platform's versions file is: `Platform.versions`, next to the platform's file."""
    return Path(platform.location.file).resolve().parent / platform.versions


def _dsl_names() -> None:
    """Import the modules `from gitops_dsl import *` takes its names from (the package's names are
    lazy): the model, the policy rules and the rule API, before the platform runs."""
    import_module("gitops_dsl.model")
    import_module("gitops_dsl.checks.policies")
    import_module("gitops_dsl.checks.registry")


def load(platforms_dir: Path, *, versions_text: Mapping[Path, str] | None = None,
         code: CodeCache | None = None) -> Loaded:
    """Import platforms/ and read each platform's versions file (`versions_text` maps a versions
    file path to text to use instead of the file: what `set-image` checks before writing). With
    `code`, the modules in platforms/ are compiled through that cache (see `codecache`)."""
    platforms_dir = Path(platforms_dir).resolve()
    if not platforms_dir.is_dir():
        return Loaded((), (error("GD115", f"platforms folder {platforms_dir} does not exist",
                                 hint="create it with a platform file, or pass --platforms DIR"),), ())
    files = sorted(p for p in platforms_dir.glob("*.py") if not p.name.startswith("_"))
    declared = _foreign_encodings(platforms_dir)
    if declared:
        return Loaded((), tuple(declared), tuple(files), ())
    before = set(sys.modules)
    sys.path.insert(0, str(platforms_dir))
    # importing must not write __pycache__ into the user's platforms/: nothing outside the
    # output folder is touched. Nor read one: a bytecode file in platforms/__pycache__ (anyone
    # can commit one; an unchecked hash-based one is never compared with its source) would run
    # instead of the source a reviewer read and the input record hashes. With the cache prefix
    # at a path that cannot exist, Python compiles every module imported here from its source;
    # gitops-dsl's own modules that platforms import are imported first, from their caches.
    # The only bytecode platform modules run is what this compile's `code` cache made of their
    # source on this machine.
    _dsl_names()
    finder = code.finder(platforms_dir) if code is not None else None
    if finder is not None:
        sys.meta_path.insert(0, finder)
    wrote_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    prefix, sys.pycache_prefix = sys.pycache_prefix, os.path.join(os.devnull, "no-bytecode")
    found: list[Platform] = []
    diagnostics: list[Diagnostic] = []
    collecting = collecting_user_rules()
    user_rules = collecting.__enter__()
    try:
        for path in files:
            module_name = path.stem
            existing = sys.modules.get(module_name)
            if existing is not None and module_name in before:
                diagnostics.append(error(
                    "GD100", f"platform file {path.name} has the name of the module "
                             f"{module_name!r} that Python already imported",
                    hint="rename the file, e.g. to platform_" + path.name,
                    location=Location(str(path), 1)))
                continue
            try:
                module = importlib.import_module(module_name)
            except ModelError as exc:
                diagnostics.append(exc.to_diagnostic())
                continue
            except BaseException as exc:
                if isinstance(exc, KeyboardInterrupt):
                    raise
                diagnostics.append(_import_failure(exc, platforms_dir, path))
                continue
            for value in vars(module).values():
                if isinstance(value, Platform) and not any(value is p for p in found):
                    found.append(value)
    finally:
        if finder is not None:
            sys.meta_path.remove(finder)
        sys.dont_write_bytecode = wrote_bytecode
        sys.pycache_prefix = prefix
        collecting.__exit__(None, None, None)
        sys.path.remove(str(platforms_dir))
        imported = [sys.modules[name] for name in sorted(set(sys.modules) - before)]
        module_sources(imported)   # inputs of this compile (fingerprint)
        for name in set(sys.modules) - before:
            module_file = getattr(sys.modules[name], "__file__", None) or ""
            if module_file.startswith(str(platforms_dir)):
                del sys.modules[name]
    if not found and not diagnostics:
        diagnostics.append(error("GD115", f"no Platform found in {platforms_dir}",
                                 hint="assign a Platform(...) to a module-level name in a "
                                      "platforms/*.py file"))
    codes: dict[str, object] = {}
    for item in user_rules:
        if item.code in codes:
            diagnostics.append(error("GD112", f"rule code {item.code} is registered twice",
                                     hint="give each rule its own code", location=item.location))
        codes[item.code] = item
    versions = []
    for platform in found:
        path = versions_path(platform)
        if versions_text and path in versions_text:
            parsed, problems = parse_versions(path, versions_text[path])
        else:
            parsed, problems = load_versions(path)
        versions.append(parsed)
        diagnostics.extend(problems)
    return Loaded(tuple(found), tuple(diagnostics), tuple(files), tuple(user_rules), tuple(versions))


_UNEXPECTED = re.compile(r"^(\w+)\.__init__\(\) got an unexpected keyword argument '(\w+)'")
_MISSING = re.compile(r"^(\w+)\.__init__\(\) missing \d+ required (?:keyword-only |positional )?"
                      r"arguments?: (.*)")


def _foreign_encodings(platforms_dir: Path) -> list[Diagnostic]:
    """GD100 for each module of platforms/ that declares a source encoding other than UTF-8
    (PEP 263: a comment in its first two lines). Python would decode it so - and in UTF-7, text
    that reads as a string or a comment to a reviewer is code - so such a module is never run."""
    import tokenize
    found = []
    for path in sorted(platforms_dir.rglob("*.py")):
        try:
            with open(path, "rb") as handle:
                encoding, _ = tokenize.detect_encoding(handle.readline)
        except (OSError, SyntaxError) as exc:
            encoding = f"an unknown one ({exc})"
        if encoding not in ("utf-8", "utf-8-sig"):
            found.append(error(
                "GD100", f"{path.name} declares the source encoding {encoding}: platform files "
                         "are UTF-8, and gitops-dsl runs no other",
                hint="remove the coding declaration from its first two lines (or declare utf-8), "
                     "and review what the file holds: in another encoding, text can be code",
                location=Location(str(path), 1)))
    return found


def _import_failure(exc: BaseException, platforms_dir: Path, path: Path) -> Diagnostic:
    root = str(platforms_dir)
    if isinstance(exc, SyntaxError) and exc.filename and exc.filename.startswith(root):
        location = Location(exc.filename, exc.lineno or 1)
        return error("GD100", f"syntax error: {exc.msg}", location=location,
                     hint=(exc.text or "").strip() or "fix the syntax of this line")
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(root)]
    location = Location(frames[-1].filename, frames[-1].lineno or 1) if frames else Location(str(path), 1)
    message = f"{type(exc).__name__}: {exc}"
    hint = ""
    if isinstance(exc, TypeError):
        text = str(exc)
        unexpected = _UNEXPECTED.match(text)
        missing = _MISSING.match(text)
        if unexpected:
            cls_name, arg = unexpected.groups()
            fields = _field_names(cls_name)
            close = difflib.get_close_matches(arg, fields, n=1)
            return error("GD102", f"{cls_name}() got an unknown argument {arg!r}",
                         hint=(f"did you mean {close[0]!r}? " if close else "")
                         + f"{cls_name} takes: {', '.join(fields)}", location=location)
        if missing:
            cls_name, args = missing.groups()
            return error("GD101", f"{cls_name}() is missing {args}", location=location,
                         hint=f"{cls_name} takes: {', '.join(_field_names(cls_name))}")
    if len(frames) > 1:
        trail = "; ".join(f"{Path(f.filename).name}:{f.lineno} {f.line or ''}".strip()
                          for f in frames[-4:])
        hint = f"raised while importing {path.name}: {trail}"
    else:
        hint = f"raised while importing {path.name}"
    return error("GD100", message, hint=hint, location=location)


def _field_names(cls_name: str) -> list[str]:
    cls = getattr(model, cls_name, None)
    if cls is None or not attrs.has(cls):
        return []
    return [f.name for f in attrs.fields(cls) if f.init and f.name != "location"]
