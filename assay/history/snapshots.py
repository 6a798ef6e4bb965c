"""Resolve what `assay diff` and `assay report` are given: a results file, an output folder, a bundle,
or a history id, into results (plus the evidence index when the bundle is at hand)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from assay.bundleio import read_bundle
from assay.errors import AssayError
from assay.evidence import Bundle
from assay.history.diff import Snapshot
from assay.history.store import AuditRecord, HistoryStore, evidence_index, incomplete_sources
from assay.history.trend import TrendPoint
from assay.scoring import Results, read_results

BUNDLE_NAME = "evidence.json.gz"
RESULTS_NAME = "results.json"

Scorer = Callable[[Bundle], Results]


def bundle_beside(results_path: Path, results: Results) -> Bundle | None:
    """The bundle next to a results file, if it is the very bundle those results were scored from."""
    path = results_path.parent / BUNDLE_NAME
    if not path.exists():
        return None
    bundle = read_bundle(path)
    return bundle if bundle.sha256() == results.bundle_sha256 else None


def load_snapshot(spec: str, *, history: str | None, score: Scorer) -> Snapshot:
    """A results file, an output folder, a bundle (scored now) or a history id (`12` or `#12`)."""
    path = Path(spec)
    try:
        path.stat()
    except (OSError, ValueError):  # no such file, a name too long or with a NUL byte: maybe a history id
        return _from_history(spec, history)
    if path.is_dir():
        if (path / RESULTS_NAME).exists():
            path = path / RESULTS_NAME
        elif (path / BUNDLE_NAME).exists():
            path = path / BUNDLE_NAME
        else:
            raise AssayError(f"{spec}: the folder holds neither {RESULTS_NAME} nor {BUNDLE_NAME}")
    if path.is_file():
        if path.name.endswith(".gz"):
            bundle = read_bundle(path)
            return _with_bundle(Snapshot(label=str(spec), results=score(bundle)), bundle)
        results = read_results(path)
        beside = bundle_beside(path, results)
        return _with_bundle(Snapshot(label=str(spec), results=results), beside)
    return _from_history(spec, history)


def _from_history(spec: str, history: str | None) -> Snapshot:
    number = spec.removeprefix("#")
    # ASCII digits only ("²".isdigit() is true), and no more than a 64-bit row id can hold
    if number.isascii() and number.isdigit() and len(number) <= 18:
        if not history or not _store_exists(history):
            raise AssayError(f"{spec}: no history store at {history or '(none)'}; pass --db PATH|URL")
        try:
            with HistoryStore(history) as store:
                record = store.get(int(number))
        except ValidationError as exc:  # recorded by another assay version, or edited by hand
            where = ".".join(str(p) for p in exc.errors()[0]["loc"])
            raise AssayError(
                f"{spec}: the history store {history} holds results this assay cannot read (at {where})"
            ) from None
        return Snapshot(
            label=record.label,
            results=record.results,
            evidence=record.evidence,
            incomplete=record.incomplete,
            bundle=recorded_bundle(record),
        )
    shown = spec if len(spec) <= 80 and spec.isprintable() else repr(spec[:77]) + "..."
    raise AssayError(f"{shown}: no such file or folder, and not a history id (`assay history` lists them)")


def _with_bundle(snapshot: Snapshot, bundle: Bundle | None) -> Snapshot:
    if bundle is None:
        return snapshot
    return snapshot.model_copy(
        update={
            "evidence": evidence_index(bundle),
            "incomplete": incomplete_sources(bundle),
            "bundle": bundle,
        }
    )


def recorded_bundle(record: AuditRecord) -> Bundle | None:
    """The bundle an audit was scored from, if it is still where it was written and unchanged."""
    if not record.bundle_path or not Path(record.bundle_path).is_file():
        return None
    try:
        bundle = read_bundle(Path(record.bundle_path))
    except AssayError:
        return None
    return bundle if bundle.sha256() == record.bundle_sha256 else None


def rescorer(old: Snapshot, score: Scorer | None) -> Callable[[], Results | None] | None:
    """OLD's bundle scored by `score` (with today's rules), when the bundle is at hand."""
    if old.bundle is None or score is None:
        return None
    bundle = old.bundle
    return lambda: score(bundle)


def read_history(
    history: str | None, results: Results, limit: int = 12
) -> tuple[list[TrendPoint], Results | None]:
    """The trend up to `results` and the audit before it, from an existing store (never creates one)."""
    from assay.history.diff import trend_points

    if not history or not _store_exists(history):
        return [], None
    with HistoryStore(history) as store:
        records = [
            r for r in store.audits(scope=results.scope) if r.results.generated_at <= results.generated_at
        ]
    before = [r for r in records if r.results.generated_at < results.generated_at]
    return trend_points(records[-limit:]), (before[-1].results if before else None)


def _store_exists(history: str) -> bool:
    if "://" not in history:
        return Path(history).expanduser().exists()
    if history.startswith("sqlite:///"):
        return Path(history.removeprefix("sqlite:///")).exists()
    return True  # a database server: connecting will tell
