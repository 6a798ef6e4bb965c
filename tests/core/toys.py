"""Toy collectors that exercise the collector framework itself (not stand-ins for any real SDK)."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
from typing import Any, ClassVar

from assay.collectors.base import CollectContext, Collector, SourceConfig, SourceUnavailable
from assay.collectors.derive import EvidenceView, Measured, SignalSet
from assay.evidence import Confidence, Evidence, SignalType, UnknownReason


class ToyConfig(SourceConfig):
    url: str = ""
    items: int = 3
    mode: str = "ok"  # ok | boom | hang | denied | partial
    token_env: str | None = None


def make_toy(name: str) -> type[Collector]:
    """A collector class for source ``name`` with two signals: an item count and a scoped boolean."""
    signals = SignalSet(name)

    @signals.signal(
        f"{name}.items", type=SignalType.COUNT, confidence=Confidence.HIGH, description="Items seen."
    )
    def items(view: EvidenceView) -> Measured:
        found = view.of_kind(f"{name}.item")
        return Measured(len(found), found)

    @signals.signal(
        f"{name}.secure",
        type=SignalType.BOOL,
        confidence=Confidence.MEDIUM,
        description="Security scope read.",
    )
    def secure(view: EvidenceView) -> Measured:
        view.require(name, "security")
        return Measured(True, view.of_kind(f"{name}.item"))

    class Toy(Collector):
        config_model: ClassVar[type[SourceConfig]] = ToyConfig

        def collect(self, config: Any, ctx: CollectContext) -> Iterator[Evidence]:
            if config.token_env:
                ctx.secret(config.token_env, field="token_env")
            for i in range(config.items):
                if config.url:
                    ctx.call(
                        "GET /item",
                        lambda i=i: urllib.request.urlopen(f"{config.url}/item/{i}", timeout=5).read(),
                    )
                yield ctx.evidence(f"{name}.item", f"item-{i}", "GET /item", {"n": i})
            if config.mode == "boom":
                raise RuntimeError("the toy broke after yielding")
            if config.mode == "hang":
                time.sleep(30)
            if config.mode == "denied":
                raise SourceUnavailable(UnknownReason.DENIED, "token lacks read:toy")
            if config.mode == "partial":
                yield ctx.gap("security", "GET /security", UnknownReason.DENIED, "needs security scope")

    Toy.name = name
    Toy.title = f"Toy source {name}"
    Toy.signals = signals
    return Toy


ToyCollector = make_toy("toy")
