"""`python -m gitops_dsl` and the `gitops-dsl` command."""
import gc


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
    main()


if __name__ == "__main__":
    run()
