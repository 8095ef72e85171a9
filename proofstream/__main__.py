"""`python -m proofstream` is the `proofstream` command."""

from proofstream.cli import main

main()
