"""The `assay` command line: parses, calls the layers, picks exit codes. No logic of its own."""

from assay.cli import audit, catalog, paperwork, results, sandbox  # noqa: F401  (importing a module registers its commands)
from assay.cli.app import app, main

__all__ = ["app", "main"]
