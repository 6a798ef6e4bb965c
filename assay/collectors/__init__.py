"""Collectors: the only code that talks to the network. Each turns one source into evidence and signals."""

from assay.collectors.base import (
    CollectContext,
    Collector,
    CollectorRegistry,
    SourceConfig,
    SourceUnavailable,
    installed_collectors,
)
from assay.collectors.derive import EvidenceView, Measured, SignalSet, Unknown, ratio, require_population

__all__ = [
    "CollectContext",
    "Collector",
    "CollectorRegistry",
    "EvidenceView",
    "Measured",
    "SignalSet",
    "SourceConfig",
    "SourceUnavailable",
    "Unknown",
    "installed_collectors",
    "ratio",
    "require_population",
]
