"""`python -m gitops_dsl` and the `gitops-dsl` command."""
import atexit
import gc
import os
import sys


def run() -> None:
    """Start the command line, with Python's cycle collector off while it is imported: the
    objects imports make live as long as the process, and collecting while they are made only
    walks them again (a few milliseconds of every command; `compile` keeps it off throughout)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        from gitops_dsl.cli import main
    finally:
        if was_enabled:
            gc.enable()
    try:
        main()
    except SystemExit as stop:
        _leave(stop.code)
    _leave(0)


def _leave(code: object) -> None:
    """End the process as `sys.exit(code)` would, without tearing the interpreter down: a
    compile of 5000 services leaves millions of objects that Python would free one by one on
    the way out (70 ms of a one-service compile, measured in benchmarks/). What teardown does
    that anybody sees still happens: exit handlers run (including `weakref.finalize`), and
    standard output and error are flushed (every file gitops-dsl writes is closed before its
    command returns: `with` blocks throughout). While another thread runs (gitops-dsl starts
    none), it exits the ordinary way, which waits for it."""
    threads = sys.modules.get("threading")
    if threads is not None and threads.active_count() > 1:
        raise SystemExit(code)   # a thread still running (a platform's own): Python waits for it
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:   # sys.exit("message"): the message goes to standard error, status 1
        print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):   # a closed pipe (`| head`) or stream: nothing to keep
            status = status or 120       # what Python itself exits with when it cannot flush
    os._exit(status & 0xFF)


if __name__ == "__main__":
    run()
