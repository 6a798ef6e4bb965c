"""What every replay test shares: the recordings folder, a run of one collector through the runner."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from assay.collectors.base import Collector, CollectorRegistry, SourceConfig
from assay.collectors.runner import collect_bundle
from assay.evidence import Bundle, Evidence

RECORDED = Path(__file__).resolve().parents[2] / "fixtures" / "recorded"


def recorded(source: str) -> Path:
    return RECORDED / source


def run(collector: type[Collector], config: SourceConfig, now: datetime | None = None) -> Bundle:
    """Collect one source through the real runner (so its status is the one an audit would show)."""
    return collect_bundle({collector.name: config}, CollectorRegistry({collector.name: collector}), now=now)


def of_kind(bundle: Bundle, kind: str) -> list[Evidence]:
    return [e for e in bundle.evidence if e.kind == kind]


def gaps(bundle: Bundle, source: str) -> list[dict[str, Any]]:
    return [
        {"subject": e.subject, "endpoint": e.endpoint, **e.data} for e in of_kind(bundle, f"{source}.gap")
    ]


def run_of(bundle: Bundle, source: str) -> Any:
    return next(r for r in bundle.collectors if r.name == source)
