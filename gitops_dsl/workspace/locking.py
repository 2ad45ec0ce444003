"""One writer at a time: an advisory lock (flock) on a folder, held by every command that writes
into it - compile on the output folder, set-image/set-chart/promote/rollback on the platforms
folder (read, edit, compile, write as one step: no lost update), unpack and publish on their
checkouts. A second run waits, saying so, and gives up with a clear message after a while.

The lock is taken on the folder itself, so no lock file is ever left in it.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import GitopsDslError


class LockTimeout(GitopsDslError, RuntimeError):
    pass


@contextlib.contextmanager
def locked(folder: Path, *, what: str, timeout: float = 600.0,
           on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        start = time.monotonic()
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told and on_wait is not None:
                    on_wait(f"waiting for another gitops-dsl that is writing {what} ({folder})")
                    told = True
                if time.monotonic() - start > timeout:
                    raise LockTimeout(f"{folder} is still locked by another gitops-dsl after "
                                      f"{timeout:.0f} s; nothing written") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)     # closing the descriptor releases the lock
