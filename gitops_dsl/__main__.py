"""`python -m gitops_dsl` and the `gitops-dsl` command."""
import atexit
import gc
import os
import sys

#: the commands that run the Helm engine (a Go library loaded into this process)
RENDERING = ("preflight", "manifests")
#: the Go collector's target for the engine's heap growth between collections, unless GOGC is
#: set: a render allocates a few megabytes and keeps none of them, so at Go's default (100) a
#: cold preflight spends about a tenth of its time collecting (benchmarks/run.py --preflight)
ENGINE_GOGC = "400"


def run() -> None:
    """Start the command line, with Python's cycle collector off while it is imported: the
    objects imports make live as long as the process, and collecting while they are made only
    walks them again (a few milliseconds of every command; `compile` keeps it off throughout)."""
    _with_engine_settings()
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


def _with_engine_settings() -> None:
    """Start again with GOGC set when the command renders charts and GOGC is not set. The Go
    runtime of a library loaded into a process reads the environment the process started with
    (the strings after argv on the initial stack: golang/go src/runtime/runtime1.go
    `goenvs_unix`, run when the library is loaded), so setting it in os.environ is not seen;
    starting again costs the 20 ms of an interpreter's start, before any import."""
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    if command not in RENDERING or "GOGC" in os.environ or os.name != "posix":
        return   # (elsewhere exec starts a new process and this one exits: not the same)
    import subprocess
    # -B, -X ..., as this process has them (what multiprocessing passes its children)
    flags: list[str] = getattr(subprocess, "_args_from_interpreter_flags", list)()
    script = sys.argv[0]
    how = [script] if os.path.isfile(script) and not script.endswith("__main__.py") \
        else ["-m", "gitops_dsl"]   # the installed `gitops-dsl` script, or `python -m`
    try:
        os.execve(sys.executable, [sys.executable, *flags, *how, *sys.argv[1:]],
                  {**os.environ, "GOGC": ENGINE_GOGC})
    except OSError:
        return   # (only slower)


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
        if sys.stderr is not None:   # (None: started with it closed; never onto stdout)
            print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        if stream is None:   # started with it closed (`2>&-`): Python has none, nothing to flush
            continue
        try:
            stream.flush()
        except (OSError, ValueError):   # a closed pipe (`| head`) or stream: nothing to keep
            status = status or 120       # what Python itself exits with when it cannot flush
    os._exit(status & 0xFF)


if __name__ == "__main__":
    run()
