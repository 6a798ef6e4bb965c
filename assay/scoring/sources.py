"""Which sources can decide each criterion, from the rulesets and the signal catalog (never by hand).

A criterion reads signals; each signal declares the sources whose evidence it reads, and a cross-source
signal is decided by any of them. Over the expression's skeleton, `||` offers each operand's sources as
alternatives and `&&` needs one alternative of every operand, so "github or jenkins" means either source
alone can decide it, and "aws + github" means both are needed. `areas.X.level` counts as "area X".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import product

from assay.evidence import SignalSpec
from assay.scoring.expressions import Junction, junctions, references
from assay.scoring.model import Criterion, Ruleset

Alternative = frozenset[str]


@dataclass(frozen=True)
class CriterionSources:
    """One criterion and the sets of sources, any one of which can decide it."""

    ruleset: str
    area: str
    criterion: str
    level: int
    title: str
    alternatives: tuple[tuple[str, ...], ...]
    reads: tuple[str, ...] = ()
    attestation: bool = False

    def text(self) -> str:
        if self.attestation or not self.alternatives:
            return "attestation only"
        decided = " or ".join(" + ".join(alt) for alt in self.alternatives)
        extra = [s for s in self.reads if not any(s in alt for alt in self.alternatives)]
        return f"{decided} (also reads {', '.join(extra)})" if extra else decided


def criterion_sources(
    rulesets: Sequence[Ruleset], catalog: Mapping[str, SignalSpec]
) -> list[CriterionSources]:
    """Every enabled criterion of every ruleset, in file order, with the sources that can decide it."""
    found = []
    for ruleset in rulesets:
        for area in ruleset.areas:
            for criterion in area.criteria:
                if criterion.disabled:
                    continue
                alternatives = _alternatives(criterion, catalog)
                found.append(
                    CriterionSources(
                        ruleset=ruleset.id,
                        area=area.id,
                        criterion=criterion.id,
                        level=criterion.level,
                        title=criterion.title,
                        alternatives=tuple(tuple(sorted(a)) for a in alternatives),
                        reads=_reads(criterion, catalog),
                        attestation=criterion.attestation or criterion.when is None,
                    )
                )
    return found


def _alternatives(criterion: Criterion, catalog: Mapping[str, SignalSpec]) -> list[Alternative]:
    if criterion.attestation or criterion.when is None:
        return []
    return _minimal(_of(junctions(criterion.when), catalog))


def _reads(criterion: Criterion, catalog: Mapping[str, SignalSpec]) -> tuple[str, ...]:
    names = references(criterion.when).signals if criterion.when else ()
    return tuple(sorted({s for n in names if n in catalog for s in catalog[n].reads}))


def _of(tree: Junction, catalog: Mapping[str, SignalSpec]) -> list[Alternative]:
    if tree.op == "leaf":
        refs = references(tree.source)
        needs: list[list[Alternative]] = [_deciders(catalog[n]) if n in catalog else [] for n in refs.signals]
        needs += [[frozenset({f"area {a}"})] for a in refs.areas]
        return _all(needs) if needs else [frozenset()]
    parts = [_of(part, catalog) for part in tree.parts]
    if tree.op == "or":
        return [alt for part in parts for alt in part]
    return _all(parts)  # "and"; "not" has a single part


def _deciders(spec: SignalSpec) -> list[Alternative]:
    """The sets of sources that can decide a signal, as its declaration says."""
    return [frozenset(alt) for alt in spec.decided_by] or [frozenset({spec.source})]


def _all(parts: Sequence[Sequence[Alternative]]) -> list[Alternative]:
    """One alternative of every part, joined (an empty part: nothing can decide it)."""
    return [frozenset().union(*combo) for combo in product(*parts)]


def _minimal(alternatives: list[Alternative]) -> list[Alternative]:
    """Distinct alternatives without supersets of another, smallest first, then by name."""
    unique = sorted(set(alternatives), key=lambda a: (len(a), sorted(a)))
    return [a for i, a in enumerate(unique) if not any(b < a for b in unique[:i])]
