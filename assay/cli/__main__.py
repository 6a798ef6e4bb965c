"""`python -m assay.cli` runs the CLI."""

from assay.cli import main

main()
