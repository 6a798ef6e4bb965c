"""Evidence read from a bundle, kept as its canonical JSON until something asks for an item.

A parsed evidence item costs about 2 KiB of Python objects; its canonical JSON about a sixth of that. A
bundle read for scoring keeps every item as UTF-8 JSON and builds the model of an item only when it is
used: scoring reads signals, and only the evidence that findings and links cite, the evidence register
and the history's index walk all of it, one item at a time. Lookups by id and by kind use indexes made
while reading, so they decode nothing they do not return.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import overload

from assay.evidence import Evidence, EvidenceStore

_CACHED_ITEMS = 4096  # models kept for repeated lookups (a finding's members, a criterion's citations)


class StoredEvidence(EvidenceStore):
    """A read-only sequence of evidence, in bundle order, each item held as its canonical JSON."""

    def __init__(self) -> None:
        self._texts: list[bytes] = []
        self._positions: dict[str, int] = {}  # id -> first position holding it
        self._kinds: dict[str, list[int]] = {}
        self._ids: list[str] = []
        self._decode = lru_cache(maxsize=_CACHED_ITEMS)(self._model)

    def append(self, evidence_id: str, kind: str, text: str) -> None:
        """Keep one item read from a bundle (`text` is its canonical JSON, id included)."""
        position = len(self._texts)
        self._texts.append(text.encode("utf-8"))
        self._ids.append(evidence_id)
        self._positions.setdefault(evidence_id, position)
        self._kinds.setdefault(kind, []).append(position)

    def __len__(self) -> int:
        return len(self._texts)

    @overload
    def __getitem__(self, index: int) -> Evidence: ...

    @overload
    def __getitem__(self, index: slice) -> list[Evidence]: ...

    def __getitem__(self, index: int | slice) -> Evidence | list[Evidence]:
        if isinstance(index, slice):
            return [self._decode(i) for i in range(*index.indices(len(self._texts)))]
        if index < 0:
            index += len(self._texts)
        if not 0 <= index < len(self._texts):
            raise IndexError("evidence index out of range")
        return self._decode(index)

    def __iter__(self) -> Iterator[Evidence]:
        for position in range(len(self._texts)):
            yield self._model(position)  # a full walk is not cached: one model alive at a time

    def ids(self) -> list[str]:
        """Every item's id, in bundle order (duplicates included)."""
        return list(self._ids)

    def texts(self) -> Iterator[str]:
        """Every item's canonical JSON, in bundle order: what the bundle digest covers."""
        for raw in self._texts:
            yield raw.decode("utf-8")

    def by_id(self) -> Mapping[str, Evidence]:
        return _ById(self)

    def of_kind(self, kind: str) -> list[Evidence]:
        return [self._decode(position) for position in self._kinds.get(kind, [])]

    def distinct_ids(self) -> Mapping[str, int]:
        """Each id once, in order of first appearance, with its position."""
        return self._positions

    def position(self, evidence_id: str) -> int | None:
        return self._positions.get(evidence_id)

    def _model(self, position: int) -> Evidence:
        return Evidence.model_validate(json.loads(self._texts[position]))


class _ById(Mapping[str, Evidence]):
    """The items of a :class:`StoredEvidence` by id, decoded when looked up."""

    def __init__(self, stored: StoredEvidence) -> None:
        self._stored = stored

    def __getitem__(self, evidence_id: str) -> Evidence:
        position = self._stored.position(evidence_id)
        if position is None:
            raise KeyError(evidence_id)
        return self._stored[position]

    def __contains__(self, evidence_id: object) -> bool:
        return isinstance(evidence_id, str) and self._stored.position(evidence_id) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._stored.distinct_ids())

    def __len__(self) -> int:
        return len(self._stored.distinct_ids())
