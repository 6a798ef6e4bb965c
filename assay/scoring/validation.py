"""Checks across all loaded rulesets: expressions compile and read only what exists, ids are unique,
and no area depends on itself. Also the order areas must be scored in (dependencies first).
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from typing import Any

from assay.errors import RulesetError
from assay.evidence import SignalSpec, SignalType
from assay.scoring.expressions import CelSyntaxError, compile_expression, evaluate, nest, references
from assay.scoring.loader import suggest
from assay.scoring.model import Area, Criterion, Ruleset

# Stand-in values used to try every expression once at load time, by signal type.
_SAMPLE_VALUES: dict[SignalType, Any] = {
    SignalType.NUMBER: 1.0,
    SignalType.RATIO: 0.5,
    SignalType.BOOL: True,
    SignalType.COUNT: 1,
    SignalType.DURATION: 1.0,
    SignalType.LIST: ["sample"],
}


def validate_rulesets(rulesets: Sequence[Ruleset], catalog: Mapping[str, SignalSpec]) -> None:
    """Raise RulesetError for the first problem across `rulesets`; return quietly when all are sound."""
    _unique_ids(rulesets)
    areas = {area.key: area for rs in rulesets for area in rs.areas}
    for ruleset in rulesets:
        _check_crosswalk(ruleset)
        for _, criterion in ruleset.criteria():
            if criterion.when is None:
                continue
            if criterion.disabled:
                # never evaluated: disabling is how a user sets aside a rule whose signal or area is absent
                _check_syntax(criterion)
            else:
                _check_expression(criterion, ruleset, areas, catalog)
    dependency_order(rulesets)


def _check_crosswalk(ruleset: Ruleset) -> None:
    if ruleset.crosswalk is None:
        return
    known = {area.id for area in ruleset.areas}
    for area_id in ruleset.crosswalk.areas:
        if area_id not in known:
            raise RulesetError(
                f"{ruleset.origin}: ruleset {ruleset.id}: crosswalk.areas names {area_id!r}, which is not "
                f"one of its areas ({', '.join(sorted(known))})"
            )


def dependency_order(rulesets: Sequence[Ruleset]) -> list[tuple[Ruleset, Area]]:
    """Every area, dependencies before dependants, otherwise in load order; RulesetError on a cycle."""
    position: dict[str, int] = {}
    owner: dict[str, tuple[Ruleset, Area]] = {}
    for rs in rulesets:
        for area in rs.areas:
            position[area.key] = len(position)
            owner[area.key] = (rs, area)
    edges = {key: _area_dependencies(owner[key][1], position) for key in position}
    _reject_cycles(edges, owner)
    waiting = {key: len(deps) for key, deps in edges.items()}
    dependants: dict[str, list[str]] = {key: [] for key in position}
    for key, deps in edges.items():
        for dep in deps:
            dependants[dep].append(key)
    ready = [(position[k], k) for k, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    order: list[tuple[Ruleset, Area]] = []
    while ready:
        _, key = heapq.heappop(ready)
        order.append(owner[key])
        for child in dependants[key]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, (position[child], child))
    return order


def _area_dependencies(area: Area, known: Mapping[str, int]) -> list[str]:
    deps: set[str] = set()
    for criterion in area.criteria:
        if not criterion.disabled and criterion.when is not None:
            deps.update(a for a in references(criterion.when).areas if a in known)
    return sorted(deps, key=lambda k: known[k])


def _reject_cycles(edges: Mapping[str, list[str]], owner: Mapping[str, tuple[Ruleset, Area]]) -> None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(key: str) -> None:
        state[key] = 1
        path.append(key)
        for dep in edges[key]:
            if state.get(dep) == 1:
                cycle = [*path[path.index(dep) :], dep]
                raise _cycle_error(cycle, owner)
            if dep not in state:
                visit(dep)
        path.pop()
        state[key] = 2

    for key in edges:
        if key not in state:
            visit(key)


def _cycle_error(cycle: list[str], owner: Mapping[str, tuple[Ruleset, Area]]) -> RulesetError:
    first, second = cycle[0], cycle[1]
    area = owner[first][1]
    criterion = next(
        c
        for c in area.criteria
        if not c.disabled and c.when is not None and second in references(c.when).areas
    )
    names = " -> ".join(owner[k][1].id for k in cycle)
    return RulesetError(
        f"{criterion.origin}: criterion {criterion.id}: areas depend on each other in a cycle ({names}); "
        "an area's level cannot depend on itself"
    )


def _unique_ids(rulesets: Sequence[Ruleset]) -> None:
    seen_rulesets: dict[str, Ruleset] = {}
    seen_areas: dict[str, tuple[Ruleset, Area]] = {}
    seen_criteria: dict[str, Criterion] = {}
    for rs in rulesets:
        if rs.id in seen_rulesets:
            raise RulesetError(
                f"{rs.origin}: ruleset id {rs.id!r} is already loaded from {seen_rulesets[rs.id].origin}; "
                f"use `extends: {rs.id}` to change it, or give the new ruleset another id"
            )
        seen_rulesets[rs.id] = rs
        for area in rs.areas:
            if area.key in seen_areas:
                other_rs, other = seen_areas[area.key]
                raise RulesetError(
                    f"{area.origin}: area {area.id!r} of ruleset {rs.id!r} clashes with area {other.id!r} "
                    f"of ruleset {other_rs.id!r} ({other.origin}); area ids must be unique across loaded "
                    "rulesets"
                )
            seen_areas[area.key] = (rs, area)
            for criterion in area.criteria:
                if criterion.id in seen_criteria:
                    raise RulesetError(
                        f"{criterion.origin}: criterion {criterion.id}: duplicate criterion id, already "
                        f"defined at {seen_criteria[criterion.id].origin}"
                    )
                seen_criteria[criterion.id] = criterion


def _check_expression(
    criterion: Criterion, ruleset: Ruleset, areas: Mapping[str, Area], catalog: Mapping[str, SignalSpec]
) -> None:
    assert criterion.when is not None
    where = _check_syntax(criterion)
    refs = references(criterion.when)
    for name in refs.signals:
        if name not in catalog:
            raise RulesetError(f"{where}: unknown signal {name!r}{suggest(name, list(catalog))}")
    for name in refs.params:
        if name not in ruleset.params:
            defined = ", ".join(sorted(ruleset.params)) or "none"
            raise RulesetError(
                f"{where}: unknown param {name!r}{suggest(name, list(ruleset.params))} "
                f"(ruleset {ruleset.id!r} defines: {defined})"
            )
    for key, field in refs.area_fields:
        raise RulesetError(f"{where}: `areas.{key}.{field}` cannot be read; only `areas.<id>.level` exists")
    for key in refs.areas:
        if key not in areas:
            raise RulesetError(
                f"{where}: unknown area {key!r} in `areas.{key}.level`{_area_hint(key, areas)}"
            )
    _try_once(criterion, ruleset, catalog, where)


def _check_syntax(criterion: Criterion) -> str:
    """Compile the criterion's expression; return the "file:line: criterion id" prefix for errors."""
    assert criterion.when is not None
    where = f"{criterion.origin}: criterion {criterion.id}"
    try:
        compile_expression(criterion.when)
    except CelSyntaxError as exc:
        raise RulesetError(
            f"{where}: CEL syntax error at {exc.line}:{exc.column} of `when`: {exc.detail}"
        ) from None
    return where


def _try_once(criterion: Criterion, ruleset: Ruleset, catalog: Mapping[str, SignalSpec], where: str) -> None:
    """Evaluate with stand-in values to catch unknown functions, missing fields and non-boolean results."""
    assert criterion.when is not None
    refs = references(criterion.when)
    context = {
        "signals": nest({n: _SAMPLE_VALUES[catalog[n].type] for n in refs.signals}),
        "params": dict(ruleset.params),
        "areas": {key: {"level": 1} for key in refs.areas},
    }
    try:
        value = evaluate(criterion.when, context)
    except KeyError as exc:
        raise RulesetError(f"{where}: `when` reads {exc.args[0]!r}, which does not exist") from None
    except ZeroDivisionError:
        return  # depends on the data, not on the rule
    except (RuntimeError, TypeError, ValueError, OverflowError) as exc:  # overflow: CEL's 64-bit ints
        raise RulesetError(f"{where}: `when` cannot be evaluated: {str(exc).split('. ')[0]}") from None
    if not isinstance(value, bool):
        raise RulesetError(f"{where}: `when` must give true or false, but gives a {type(value).__name__}")


def _area_hint(key: str, areas: Mapping[str, Area]) -> str:
    return suggest(key, list(areas))
