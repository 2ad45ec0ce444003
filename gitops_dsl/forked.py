"""Work for a second core: a forked child computes bytes while the parent goes on.

A compile is one Python thread, and most machines have more than one core. Some of a compile
that reuses the last one's work is independent of what the parent does next: checking that the
last compile's files are untouched (a stat each) while the platform's modules run; hashing each
service for its reuse key while the services are resolved; making the input keys and the bytes
of half of the rendered documents while the parent makes the other half (`emit.files`). A child forked at that point sees the
parent's objects as they are (copy-on-write), computes, writes its answer into a pipe and leaves
with `os._exit` (no exit handlers, no flushing of the parent's buffers).

The child never runs platform code: what it runs is gitops-dsl's own, on objects already built.
An answer that does not arrive in full (no fork on this system, a child that died) is `None`, and
the caller computes the same thing itself: the child changes when the work is done, never what it
finds.
"""
from __future__ import annotations

import os
from collections.abc import Callable

_DONE = b"\0gitops-dsl: done"


class Forked:
    """`work()` running in a child process; `result()` waits for its bytes."""

    def __init__(self, work: Callable[[], bytes]) -> None:
        self._child: tuple[int, int] | None = None
        self._result: bytes | None = None
        if not hasattr(os, "fork"):
            return
        try:
            read_end, write_end = os.pipe()
        except OSError:
            return
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            return
        if pid == 0:
            try:
                os.close(read_end)
                data = work() + _DONE
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(data)
            finally:
                os._exit(0)
        os.close(write_end)
        self._child = pid, read_end

    def result(self) -> bytes | None:
        """The child's answer, or None when there is none (compute it yourself then)."""
        if self._child is not None:
            pid, read_end = self._child
            self._child = None
            try:
                with os.fdopen(read_end, "rb") as pipe:
                    data = pipe.read()
            finally:
                os.waitpid(pid, 0)
            if data.endswith(_DONE):
                self._result = data[:-len(_DONE)]
        return self._result

    def close(self) -> None:
        """Wait for the child (when its answer was never asked for)."""
        self.result()
