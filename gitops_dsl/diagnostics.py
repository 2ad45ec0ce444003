"""Diagnostics: what the compiler says about a platform, as values (never as exceptions)."""
from __future__ import annotations

import enum
import itertools
import linecache
import os
import stat
import sys
from collections.abc import Iterable
from types import CodeType, FrameType
from typing import Any

import attrs

from .errors import GitopsDslError


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@attrs.frozen(eq=False)
class Location:
    """Where in the user's code an object was created: file, line and (lazily) column."""

    file: str
    line: int
    _code: CodeType | None = attrs.field(default=None, repr=False)
    _lasti: int = attrs.field(default=-1, repr=False)
    _known_column: int = attrs.field(default=-1, repr=False, alias="known_column")  # read back from a record

    @property
    def column(self) -> int:
        """1-based column of the call, from the bytecode position table (computed on demand)."""
        if self._known_column > 0:
            return self._known_column
        code = self._code
        position = None
        if code is not None and self._lasti >= 0:
            position = next(itertools.islice(code.co_positions(), self._lasti // 2, None), None)
        return self.column_at(position)

    def column_at(self, position: tuple[int | None, ...] | None) -> int:
        """The column, given the position of the call's instruction (None: not known)."""
        if self._known_column > 0:
            return self._known_column
        if position and position[2] is not None and position[0] == self.line:
            return int(position[2]) + 1
        if self.file not in linecache.cache and not _readable_source(self.file):
            return 1   # (a FIFO or a device never ends, a huge file is not source: never read
            # one for a column)
        text = linecache.getline(self.file, self.line)
        return len(text) - len(text.lstrip()) + 1 if text.strip() else 1

    @property
    def call(self) -> tuple[CodeType, int] | None:
        """The code object and instruction offset of the call (None for a line of a data file)."""
        return (self._code, self._lasti) if self._code is not None and self._lasti >= 0 else None

    def display(self, root: str | None = None) -> str:
        """file:line:column, the file relative to `root` (default: the working folder) when inside it."""
        path = self.file
        root = root or os.getcwd()
        if os.path.isabs(path):
            rel = os.path.relpath(path, root)
            if not rel.startswith(".."):
                path = rel
        return f"{path}:{self.line}:{self.column}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Location) and (self.file, self.line) == (other.file, other.line)

    def __hash__(self) -> int:
        return hash((self.file, self.line))


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
# attrs, cattrs and any installed helper library: never "the user's line"
_SITE_PACKAGES = os.path.dirname(os.path.dirname(os.path.abspath(attrs.__file__))) + os.sep


_INTERNAL: dict[str, bool] = {}


def _readable_source(file: str) -> bool:
    """A regular file small enough to be read for a column (a platform module, a versions
    file), not a FIFO, a device or a file of hundreds of megabytes."""
    try:
        info = os.stat(file)
    except (OSError, ValueError):
        return False
    return stat.S_ISREG(info.st_mode) and info.st_size <= 16 * 1024 * 1024


def _is_internal(filename: str) -> bool:
    known = _INTERNAL.get(filename)
    if known is None:
        known = (filename.startswith((_PACKAGE_DIR, "<attrs generated", "<cattrs generated", "<gitops-dsl generated", _SITE_PACKAGES, "<frozen ")))
        if len(_INTERNAL) < 10_000:
            _INTERNAL[filename] = known
    return known


def caller_location() -> Location:
    """The user's line that created an object.

    The first frame outside gitops_dsl and the libraries, then outward through the user's own
    helper functions up to the module-level statement that called them: a service made by a
    helper such as `def svc(name, **kw): return Service(...)` (in the same file or a shared
    `_common.py`) points at the line that called the helper, where the service's own arguments
    are. One walk up a handful of frames, no `inspect.stack()` (which reads source files).
    """
    # `frame.f_code` raises an audit event each time (and a compile that records its inputs has
    # an audit hook): a frame of a module's own code is told by its module's file instead (the
    # file its code was compiled from), and each code is read once
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        file = frame.f_globals.get("__file__")
        if not _is_internal(file if type(file) is str else frame.f_code.co_filename):
            break
        frame = frame.f_back
    if frame is None:
        return Location("<unknown>", 0)
    code = frame.f_code
    outer = frame.f_back
    while code.co_name != "<module>" and outer is not None:
        outer_code = outer.f_code
        if _is_internal(outer_code.co_filename):
            break
        frame, code, outer = outer, outer_code, outer.f_back
    return Location(code.co_filename, frame.f_lineno, code, frame.f_lasti)


@attrs.frozen
class Diagnostic:
    """One finding: a stable code, what is wrong, how to fix it, and where."""

    code: str
    severity: Severity
    message: str
    hint: str = ""
    location: Location | None = None
    subject: str = ""
    #: the model object the finding is about; its `allow` can suppress it
    owner: Any = attrs.field(default=None, eq=False, repr=False)

    def format(self, root: str | None = None) -> str:
        where = self.location.display(root) if self.location else "<platform>"
        text = f"{where}: {self.severity.value}[{self.code}] {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def as_json(self, root: str | None = None) -> dict[str, Any]:
        loc = self.location
        file = None
        if loc is not None:
            file = loc.display(root).rsplit(":", 2)[0]
        return {
            "code": self.code, "severity": self.severity.value, "message": self.message,
            "hint": self.hint, "file": file, "line": loc.line if loc else None,
            "column": loc.column if loc else None, "subject": self.subject,
        }


def as_record(diagnostic: Diagnostic) -> dict[str, Any]:
    """A diagnostic as plain data (what the compile's input record keeps, to print it again)."""
    loc = diagnostic.location
    return {"code": diagnostic.code, "severity": diagnostic.severity.value,
            "message": diagnostic.message, "hint": diagnostic.hint, "subject": diagnostic.subject,
            # absolute: the record is read again from another working folder
            "location": [_absolute(loc.file), loc.line, loc.column] if loc else None}


def _absolute(file: str) -> str:
    return file if file.startswith("<") or os.path.isabs(file) else os.path.abspath(file)


def from_record(data: dict[str, Any]) -> Diagnostic:
    where = data["location"]
    location = Location(where[0], where[1], known_column=where[2]) if where else None
    return Diagnostic(data["code"], Severity(data["severity"]), data["message"], data["hint"],
                      location, data["subject"])


def error(code: str, message: str, *, hint: str = "", location: Location | None = None,
          subject: str = "") -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, hint, location, subject)


def warning(code: str, message: str, *, hint: str = "", location: Location | None = None,
            subject: str = "") -> Diagnostic:
    return Diagnostic(code, Severity.WARNING, message, hint, location, subject)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)


def sort_key(d: Diagnostic) -> tuple[Any, ...]:
    loc = d.location
    return (loc.file if loc else "", loc.line if loc else 0, d.code, d.message)


@attrs.frozen
class Suppressed:
    """A diagnostic that an `allow` silenced, with the reason given and where it was given."""

    diagnostic: Diagnostic
    reason: str
    where: str


class ModelError(GitopsDslError):
    """A user mistake found while constructing a DSL object.

    Raised from constructors (the only place an exception is the natural channel); the loader
    turns it into a Diagnostic located at the user's line.
    """

    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint
        self.location = caller_location()

    def to_diagnostic(self) -> Diagnostic:
        return error(self.code, self.message, hint=self.hint, location=self.location)
