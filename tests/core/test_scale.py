"""Shards and merging, without any server: the partition, and how a source's runs combine."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assay.errors import AssayError, BundleError
from assay.evidence import Bundle, CollectorError, CollectorRun, Evidence, UnknownReason
from assay.scale.merge import NOT_IN_SHARD, merge_bundles
from assay.scale.shard import Shard, owner

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_every_key_has_exactly_one_owner_and_the_split_is_even() -> None:
    keys = [f"repo:acme/service-{i}" for i in range(3000)]
    shards = [Shard(index=k, count=3) for k in (1, 2, 3)]
    assert all(sum(s.owns(key) for s in shards) == 1 for key in keys)
    sizes = Counter(owner(key, 3) for key in keys)
    assert all(900 < n < 1100 for n in sizes.values()), sizes
    assert owner("repo:acme/api", 7) == owner("repo:acme/api", 7)  # stable: a hash of the key alone


@pytest.mark.parametrize("spec", ["0/3", "4/3", "3", "a/b", "1/0", ""])
def test_a_bad_spec_says_what_is_expected(spec: str) -> None:
    with pytest.raises(AssayError, match="expected K/N"):
        Shard.parse(spec)


def part(
    k: int, runs: list[CollectorRun], evidence: list[Evidence], digest: str = "d1"
) -> tuple[Path, Bundle]:
    bundle = Bundle(
        tool_version="0",
        scope="acme",
        created_at=T0,
        config_digest=digest,
        collectors=runs,
        evidence=evidence,
        shard=Shard(index=k, count=3),
    )
    return Path(f"part{k}.json.gz"), bundle.seal()


def ev(source: str, subject: str) -> Evidence:
    return Evidence.make(source=source, kind=f"{source}.thing", subject=subject, endpoint="x", observed_at=T0)


def test_runs_combine_and_signals_are_derived_from_all_the_evidence() -> None:
    err = CollectorError(endpoint="jobs", reason=UnknownReason.ERROR, message="HTTP 500")
    parts = [
        part(
            1,
            [CollectorRun(name="jenkins", status="ok", http_requests=3, api_calls={"a": 1})],
            [ev("jenkins", "j1")],
        ),
        part(
            2,
            [
                CollectorRun(
                    name="jenkins", status="partial", http_requests=4, api_calls={"a": 2}, errors=[err]
                )
            ],
            [ev("jenkins", "j2")],
        ),
        part(3, [CollectorRun(name="jenkins", status="ok", details={"shard": NOT_IN_SHARD})], []),
    ]
    seen: list[int] = []
    merged = merge_bundles(parts, lambda evidence, runs: seen.append(len(evidence)) or [])
    assert seen == [2]
    (run,) = merged.collectors
    assert (run.status, run.http_requests, run.api_calls, run.evidence_count) == ("partial", 7, {"a": 3}, 2)
    assert run.errors == [err] and run.details["shards"] == 2
    assert merged.shard is None and merged.manifest is not None


def test_a_source_that_failed_in_every_shard_is_failed() -> None:
    parts = [part(k, [CollectorRun(name="aws", status="failed")], []) for k in (1, 2, 3)]
    (run,) = merge_bundles(parts, lambda *_: []).collectors
    assert run.status == "failed"


def test_parts_of_different_configs_are_refused() -> None:
    parts = [part(1, [], []), part(2, [], [], digest="other"), part(3, [], [])]
    with pytest.raises(BundleError, match="config digest differs"):
        merge_bundles(parts, lambda *_: [])
