"""The audit pipeline the CLI drives: collect -> bundle -> score -> outputs.

Collection is the only online step; scoring and reports are pure functions of the bundle and rulesets.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assay.collectors.base import CollectorRegistry
from assay.collectors.runner import collect_bundle
from assay.config import AuditConfig
from assay.errors import AssayError
from assay.evidence import Bundle, read_bundle, write_bundle
from assay.reports.markdown import render_markdown
from assay.scoring import Results, load_rulesets, results_to_json, score
from assay.ui import CollectionProgress

BUNDLE_NAME = "evidence.json.gz"
RESULTS_NAME = "results.json"
MARKDOWN_NAME = "report.md"


@dataclass
class Thresholds:
    """`--fail-under`: a minimum overall level per ruleset, and minimum levels per area."""

    overall: int | None = None
    areas: dict[str, int] | None = None

    @classmethod
    def parse(cls, specs: Sequence[str]) -> Thresholds:
        overall: int | None = None
        areas: dict[str, int] = {}
        for spec in specs:
            name, sep, value = spec.rpartition("=")
            text = value if sep else spec
            if not text.isdigit() or not 1 <= int(text) <= 5:
                raise AssayError(f"--fail-under {spec!r}: give a level 1-5, or AREA=LEVEL (e.g. mlops=3)")
            if sep:
                areas[name] = int(text)
            else:
                overall = int(text)
        return cls(overall, areas)

    def breaches(self, results: Results) -> list[str]:
        """Every threshold the results fall below, in words."""
        found: list[str] = []
        seen_areas: set[str] = set()
        for rs in results.rulesets:
            if self.overall is not None and rs.overall.level < self.overall:
                found.append(f"{rs.id} overall level {rs.overall.level} < {self.overall}")
            for area in rs.areas:
                for key in (area.id, f"{rs.id}:{area.id}"):
                    want = (self.areas or {}).get(key)
                    if want is not None:
                        seen_areas.add(key)
                        if area.level < want:
                            found.append(f"{rs.id}:{area.id} level {area.level} < {want}")
        unknown = set(self.areas or {}) - seen_areas
        if unknown:
            raise AssayError(f"--fail-under names unknown area(s): {', '.join(sorted(unknown))}")
        return found


def collect(config: AuditConfig, registry: CollectorRegistry, *, progress: bool = True) -> Bundle:
    """Run every configured collector and return the sealed bundle."""
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
        )


def score_bundle(
    bundle: Bundle, registry: CollectorRegistry, ruleset_ids: Sequence[str], ruleset_files: Sequence[Path]
) -> Results:
    catalog = registry.catalog()
    rulesets = load_rulesets(ruleset_ids, ruleset_files, catalog)
    return score(bundle, rulesets, catalog)


def write_outputs(out: Path, results: Results, bundle: Bundle, *, write_evidence: bool = True) -> list[Path]:
    """Write the fixed-name outputs into ``out``; the bundle first, so nothing collected is lost."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if write_evidence:
        written.append(write_bundle(bundle, out / BUNDLE_NAME))
    written.append(_atomic_write(out / RESULTS_NAME, results_to_json(results)))
    written.append(_atomic_write(out / MARKDOWN_NAME, render_markdown(results, bundle)))
    return written


def load_bundle_for(results_dir: Path) -> Bundle:
    return read_bundle(results_dir / BUNDLE_NAME)


def incomplete_sources(bundle: Bundle) -> list[str]:
    """Configured sources that failed or were only partly read: what `--strict` refuses."""
    return [f"{c.name} ({c.status})" for c in bundle.collectors if c.status in ("failed", "partial")]


def _atomic_write(path: Path, text: str) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    return path
