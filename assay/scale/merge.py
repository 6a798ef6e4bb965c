"""`assay merge`: the shards of one collection joined into the bundle one machine would have written.

Parts must come from the same config (by digest), scope and shard count, each shard exactly once. The
evidence is joined (an item two shards both saw is kept once), each source's runs are combined, and the
population signals are derived after the merge, from all the evidence, never per shard.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from assay import __version__
from assay.errors import BundleError
from assay.evidence import Bundle, CollectorRun, Evidence, Signal

# The runs of a source that a shard left to another shard (see assay.collectors.runner).
NOT_IN_SHARD = "not_in_shard"

Derive = Callable[[list[Evidence], Mapping[str, CollectorRun]], list[Signal]]


def merge_bundles(parts: Sequence[tuple[Path, Bundle]], derive: Derive) -> Bundle:
    """One sealed bundle from every shard of a collection; refuses parts that do not belong together."""
    if not parts:
        raise BundleError("assay merge needs the bundle of every shard (PART…)")
    _check_parts(parts)
    bundles = [b for _, b in sorted(parts, key=lambda p: p[1].shard.index if p[1].shard else 0)]
    evidence: dict[str, Evidence] = {}
    for bundle in bundles:
        for ev in bundle.evidence:
            evidence.setdefault(ev.id, ev)
    runs = _merge_runs(bundles, evidence)
    first = bundles[0]
    merged = Bundle(
        tool_version=__version__,
        scope=first.scope,
        created_at=min(b.created_at for b in bundles),
        config_digest=first.config_digest,
        collectors=list(runs.values()),
        evidence=list(evidence.values()),
        signals=derive(list(evidence.values()), runs),
    )
    return merged.seal()


def _check_parts(parts: Sequence[tuple[Path, Bundle]]) -> None:
    unsharded = [str(path) for path, b in parts if b.shard is None]
    if unsharded:
        raise BundleError(f"{unsharded[0]} is not a shard: collect it with `assay collect --shard K/N`")
    first_path, first = parts[0]
    for path, bundle in parts[1:]:
        for what, mine, theirs in (
            ("config digest", bundle.config_digest, first.config_digest),
            ("scope", bundle.scope, first.scope),
            ("shard count", bundle.shard.count, first.shard.count),  # type: ignore[union-attr]
            ("assay version", bundle.tool_version, first.tool_version),
        ):
            if mine != theirs:
                raise BundleError(
                    f"{path} and {first_path} are not shards of one collection: their {what} differs "
                    f"({mine!r} vs {theirs!r})"
                )
    seen: dict[int, Path] = {}
    for path, bundle in parts:
        index = bundle.shard.index  # type: ignore[union-attr]
        if index in seen and path.resolve() == seen[index].resolve():
            raise BundleError(f"{path} is given twice; give each shard once")
        if index in seen:
            raise BundleError(f"{path} and {seen[index]} are both shard {bundle.shard}; give each shard once")
        seen[index] = path
    count = first.shard.count  # type: ignore[union-attr]
    missing = sorted(set(range(1, count + 1)) - set(seen))
    if missing:
        names = ", ".join(f"{k}/{count}" for k in missing)
        raise BundleError(f"shard {names} is missing: merge every shard of the collection ({count} in all)")


def _merge_runs(bundles: Sequence[Bundle], evidence: Mapping[str, Evidence]) -> dict[str, CollectorRun]:
    by_source: dict[str, list[CollectorRun]] = {}
    for bundle in bundles:
        for run in bundle.collectors:
            by_source.setdefault(run.name, []).append(run)
    counts: dict[str, int] = {}
    for ev in evidence.values():
        counts[ev.source] = counts.get(ev.source, 0) + 1
    return {name: _merge_source(name, runs, counts.get(name, 0)) for name, runs in sorted(by_source.items())}


def _merge_source(name: str, runs: list[CollectorRun], evidence_count: int) -> CollectorRun:
    ran = [r for r in runs if r.details.get("shard") != NOT_IN_SHARD]
    if not ran or all(r.status == "not_configured" for r in ran):
        return ran[0] if ran else runs[0]
    statuses = {r.status for r in ran}
    if statuses == {"failed"}:
        status = "failed"
    elif statuses & {"failed", "partial"}:
        status = "partial"  # some shards' targets were read, others' were not
    else:
        status = "ok"
    calls: dict[str, int] = {}
    for run in ran:
        for endpoint, n in run.api_calls.items():
            calls[endpoint] = calls.get(endpoint, 0) + n
    details = {k: v for r in reversed(ran) for k, v in r.details.items() if k != "shard"}
    details["shards"] = len(ran)
    return CollectorRun(
        name=name,
        status=status,
        started_at=min((r.started_at for r in ran if r.started_at), default=None),
        duration_s=max(r.duration_s for r in ran),
        api_calls=dict(sorted(calls.items())),
        http_requests=sum(r.http_requests for r in ran),
        evidence_count=evidence_count,
        errors=[e for r in ran for e in r.errors],
        details=details,
    )
