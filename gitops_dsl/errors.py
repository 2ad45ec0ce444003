"""One hierarchy for what gitops-dsl reports to its user.

Every error that is about the user's input or their machine - a platform, the settings, a tree,
a bundle, a checkout, a git revision, a lock held by another process - is a `GitopsDslError`.
Each keeps the built-in class that says what kind of error it is (`ValueError`, `LookupError`,
`RuntimeError`, `OSError`), so callers may catch either. The command line catches
`GitopsDslError` around every command and prints its message with exit 1, never a traceback;
anything else is a bug in gitops-dsl (exit 3). A platform's own mistakes are diagnostics, not
exceptions (`diagnostics.Diagnostic`; `diagnostics.ModelError` while the model is built).

A few exceptions are signals inside one module and never leave it (a render that stops, a
value the reuse keys cannot see): they are not part of this hierarchy.
"""
from __future__ import annotations


class GitopsDslError(Exception):
    """An error about the user's input or machine; its message says what and how to fix it."""


class NotFound(GitopsDslError, LookupError):
    """Something named does not exist (a service, an environment, a pin that would change
    nothing); the message names what does."""
