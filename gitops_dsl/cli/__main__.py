"""`python -m gitops_dsl.cli`: the same as the `gitops-dsl` command."""
from . import main

main()
