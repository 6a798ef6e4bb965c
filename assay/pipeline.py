"""The audit pipeline the CLI drives: collect -> bundle -> score -> outputs.

Collection is the only online step; scoring and reports are pure functions of the bundle and rulesets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from assay.bundleio import write_bundle
from assay.collection import BUNDLE_NAME, collect, shard_bundle_name  # noqa: F401  (the pipeline's API)
from assay.collectors.base import CollectorRegistry
from assay.config import AuditConfig
from assay.errors import AssayError
from assay.evidence import Bundle
from assay.reports.facts import ReportMeta
from assay.reports.gate import GateTargets
from assay.reports.outputs import DEFAULT_FORMATS, FILE_NAMES, ReportInputs, atomic_write, write_formats
from assay.scoring import Results, load_rulesets, results_to_json, score

if TYPE_CHECKING:
    from assay.history import AuditRecord, Judgement
    from assay.reports.charts import TrendPoint

RESULTS_NAME = FILE_NAMES["json"]
MARKDOWN_NAME = FILE_NAMES["md"]
HTML_NAME = FILE_NAMES["html"]
JUNIT_NAME = FILE_NAMES["junit"]
SARIF_NAME = FILE_NAMES["sarif"]
TREND_LIMIT = 12  # audits shown in the HTML trend


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

    def targets(self) -> GateTargets:
        """What SARIF and JUnit fail on: these levels, or each area's next level when higher."""
        return GateTargets(self.overall, dict(self.areas or {}))

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


@dataclass
class Paper:
    """The attestations and waivers files an audit applies (None: none)."""

    attestations: Path | None = None
    waivers: Path | None = None


def score_bundle(
    bundle: Bundle,
    registry: CollectorRegistry,
    ruleset_ids: Sequence[str],
    ruleset_files: Sequence[Path],
    paper: Paper | None = None,
) -> Results:
    """Score ``bundle``; the paperwork files are validated whole (exit 2 on any bad entry) before use."""
    return scorer(registry, ruleset_ids, ruleset_files, paper)(bundle)


def scorer(
    registry: CollectorRegistry,
    ruleset_ids: Sequence[str],
    ruleset_files: Sequence[Path],
    paper: Paper | None = None,
) -> Callable[[Bundle], Results]:
    """Load and validate the rulesets and paperwork once; score any bundle with them (a baseline's too)."""
    from assay.scoring import builtin_ruleset_ids
    from assay.scoring.paperwork import load_paperwork

    catalog = registry.catalog()
    rulesets = load_rulesets(ruleset_ids, ruleset_files, catalog)
    paper = paper or Paper()

    def installed() -> list:  # type: ignore[type-arg]
        return load_rulesets(builtin_ruleset_ids(), ruleset_files, catalog)

    attestations = (
        load_paperwork(paper.attestations, "attestations", rulesets, installed)
        if paper.attestations
        else None
    )
    waivers = load_paperwork(paper.waivers, "waivers", rulesets, installed) if paper.waivers else None

    def score_one(bundle: Bundle) -> Results:
        if bundle.shard is not None:
            raise AssayError(
                f"this bundle is shard {bundle.shard} of a collection, and levels are judged on the whole "
                "estate: join every shard with `assay merge PART… --out DIR` and score the merged bundle"
            )
        return score(bundle, rulesets, catalog, attestations=attestations, waivers=waivers)

    return score_one


@dataclass
class OutputOptions:
    """What an audit writes besides the bundle and results.json, and where it records history."""

    formats: list[str] = field(default_factory=lambda: list(DEFAULT_FORMATS))
    history: str | None = None  # a SQLite path or SQLAlchemy URL; None: history off
    fail_on_drop: bool = False
    artifact: str = "audit.yaml"  # the repository file SARIF results point at
    paper: Paper | None = None  # attestations and waivers to apply


@dataclass
class Recorded:
    """An audit as the history store holds it, its baseline and the recent trend.

    The baseline is the latest complete audit of the same scope before it (an audit in which a source
    failed or was only partly read is recorded, but never serves as one); `judgement` compares the two."""

    record: AuditRecord
    previous: AuditRecord | None
    trend: list[TrendPoint] = field(default_factory=list)
    judgement: Judgement | None = None


def record_audit(
    setting: str | Path | None,
    results: Results,
    bundle: Bundle | None,
    *,
    bundle_path: Path | None = None,
    rescore: Callable[[Bundle], Results] | None = None,
) -> Recorded | None:
    """Record the audit in the history store (None when history is off), find its baseline and judge
    it; `rescore` scores the baseline's bundle with today's rules when the rules changed since."""
    if not setting:
        return None
    from assay.history import HistoryStore, judge, trend_points
    from assay.history.snapshots import recorded_bundle

    with HistoryStore(setting) as store:
        record, _ = store.record(results, bundle, bundle_path=bundle_path)
        baseline = store.baseline(record)
        recent = [r for r in store.audits(scope=record.scope, limit=TREND_LIMIT + 5) if r.id <= record.id]
    judgement = None
    if baseline is not None:

        def rescored() -> Results | None:
            old_bundle = recorded_bundle(baseline) if rescore else None
            return rescore(old_bundle) if rescore and old_bundle else None

        judgement = judge(
            baseline.results,
            record.results,
            baseline=f"audit #{baseline.id}",
            unread=record.incomplete,
            rescore=rescored,
        )
    return Recorded(record, baseline, trend_points(recent[-TREND_LIMIT:]), judgement)


def write_outputs(
    out: Path,
    results: Results,
    bundle: Bundle,
    *,
    write_evidence: bool = True,
    formats: Sequence[str] = DEFAULT_FORMATS,
    recorded: Recorded | None = None,
    artifact: str = "audit.yaml",
    meta: ReportMeta | None = None,
    thresholds: Thresholds | None = None,
) -> list[Path]:
    """Write the fixed-name outputs into ``out``: the bundle first (nothing collected is lost), then
    results.json (always: reports, explain and history read it), then each chosen report format."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if write_evidence:
        written.append(write_bundle(bundle, out / BUNDLE_NAME))
    written.append(atomic_write(out / RESULTS_NAME, results_to_json(results)))
    inputs = ReportInputs(
        results=results,
        bundle=bundle,
        trend=recorded.trend if recorded else [],
        previous=recorded.previous.results if recorded and recorded.previous else None,
        artifact=artifact,
        meta=meta or ReportMeta(),
        gate=thresholds.targets() if thresholds else GateTargets(),
    )
    written += write_formats(out, [f for f in formats if f != "json"], inputs)
    return written


def report_meta(cfg: AuditConfig) -> ReportMeta:
    """The config's `report:` section for the report renderers; a relative logo is beside the config."""
    section = cfg.settings.report
    logo = section.logo
    if logo is not None and not logo.is_absolute() and Path(cfg.origin).is_file():
        logo = Path(cfg.origin).parent / logo
    return ReportMeta(client=section.client, prepared_by=section.prepared_by, logo=str(logo or ""))


def incomplete_sources(bundle: Bundle) -> list[str]:
    """Configured sources that failed or were only partly read: what `--strict` refuses."""
    from assay.history.store import incomplete_sources as gaps

    return gaps(bundle)
