"""Collecting: config -> collectors -> a sealed bundle. The online half of the pipeline, on its own.

`assay collect` needs nothing of scoring, reports or the history store, so this module imports none of
them: a collection sends its first request without paying for the rules engine or SQLAlchemy.
"""

from __future__ import annotations

from assay.collectors.base import CollectorRegistry
from assay.collectors.runner import collect_bundle
from assay.config import AuditConfig
from assay.evidence import Bundle
from assay.scale.shard import Shard
from assay.ui import CollectionProgress

BUNDLE_NAME = "evidence.json.gz"


def collect(
    config: AuditConfig, registry: CollectorRegistry, *, progress: bool = True, shard: Shard | None = None
) -> Bundle:
    """Run every configured collector (or one shard of the collection) and return the sealed bundle."""
    configured = [n for n, s in config.sections.items() if s.enabled]
    display = CollectionProgress(configured, enabled=progress)
    with display.running():
        return collect_bundle(
            config.sections,
            registry,
            scope=config.settings.scope,
            config_digest=config.digest,
            default_timeout=config.settings.timeout_seconds,
            on_progress=display.update,
            shard=shard,
        )


def shard_bundle_name(shard: Shard) -> str:
    """A shard's file name, distinct per shard so that parts can share one folder."""
    return f"evidence-shard-{shard.index}-of-{shard.count}.json.gz"
