"""User-facing errors: one sentence naming the file, field or source, and the exit code it maps to."""

from __future__ import annotations

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_BELOW_THRESHOLD = 3
EXIT_INCOMPLETE = 4


class AssayError(Exception):
    """An error a user can act on. Its message is shown as is; the traceback only with --debug."""

    exit_code = EXIT_USAGE


class ConfigError(AssayError):
    """The audit configuration is malformed or names something that does not exist."""


class RulesetError(AssayError):
    """A ruleset does not load: bad YAML, unknown signal or area, CEL syntax error, cycle."""


class BundleError(AssayError):
    """A bundle is missing, truncated, of another schema or fails its integrity check."""


class BundleIntegrityError(BundleError):
    """A bundle reads, but disagrees with its own hashes: `assay verify` exits 1 for this, 2 otherwise."""


class ResultsError(AssayError):
    """A results file is missing or malformed."""


class EstateError(AssayError):
    """A sandbox estate is unknown or its fixture is malformed."""


class SandboxUnavailable(EstateError):
    """A local service a sandbox source needs is not installed here (an npm package, moto's server).

    The demo leaves that source out and says why, instead of failing: the areas it would decide become
    level ranges, as they would for an audit without that source."""
