"""Defaults shared by the configuration and the CLI, in a module cheap enough for `assay --help` to import."""

DEFAULT_RULESETS = ["ai-cmm", "mlops-report"]
DEFAULT_HISTORY = ".assay/history.db"  # relative to the working directory
