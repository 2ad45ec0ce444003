"""`python -m gitops_dsl`: the same as the `gitops-dsl` command."""
from gitops_dsl.cli import main

main()
