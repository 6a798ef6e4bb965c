"""Loading rulesets: builtin ones by id, user files that add rulesets or override them, all validated
together against the signal catalog; and writing a ruleset back as YAML.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from assay.errors import RulesetError
from assay.evidence import SignalSpec
from assay.scoring.expressions import references
from assay.scoring.loader import (
    apply_override,
    builtin_ruleset_ids,
    check_sources,
    is_override,
    parse_ruleset,
    read_builtin,
    read_file,
    suggest,
)
from assay.scoring.model import Criterion, Ruleset
from assay.scoring.validation import validate_rulesets

__all__ = ["builtin_ruleset_ids", "dump_ruleset_yaml", "load_rulesets"]


def load_rulesets(
    ids: Sequence[str], files: Sequence[Path], catalog: Mapping[str, SignalSpec]
) -> list[Ruleset]:
    """Load builtin rulesets by id, then each file in order, and validate them all together.

    A file with `extends: <id>` changes that ruleset (loading the builtin of that id if it is not loaded
    yet); any other file adds a new ruleset. Builtin rulesets defining areas that the loaded ones read
    (`areas.<id>.level`) are added after them. The result is in load order. Raises RulesetError naming
    the file, rule and line of the first problem.
    """
    loaded: dict[str, Ruleset] = {}
    for ruleset_id in ids:
        if ruleset_id not in loaded:
            loaded[ruleset_id] = parse_ruleset(read_builtin(ruleset_id))
    # the sources signals read: the installed collectors (a cross-source signal reads several of them)
    installed = {s for spec in catalog.values() for s in (spec.reads or (spec.source,)) if s}
    for path in files:
        doc = read_file(Path(path))
        if installed:
            check_sources(doc, installed)
        if is_override(doc):
            target = doc.data["extends"]
            if not isinstance(target, str):
                raise RulesetError(f"{doc.file}:{doc.line_of(('extends',))}: `extends` must be a ruleset id")
            if target not in loaded:
                if target not in builtin_ruleset_ids():
                    known = sorted({*loaded, *builtin_ruleset_ids()})
                    raise RulesetError(
                        f"{doc.file}:{doc.line_of(('extends',))}: `extends: {target}` names no loaded or "
                        f"builtin ruleset{suggest(target, known)} (known: {', '.join(known)})"
                    )
                loaded[target] = parse_ruleset(read_builtin(target))
            loaded[target] = apply_override(loaded[target], doc)
        else:
            ruleset = parse_ruleset(doc)
            if ruleset.id in loaded:
                raise RulesetError(
                    f"{ruleset.origin}: ruleset {ruleset.id!r} is already loaded; write "
                    f"`extends: {ruleset.id}` to change it, or give the new ruleset another id"
                )
            loaded[ruleset.id] = ruleset
    _add_builtin_dependencies(loaded)
    rulesets = list(loaded.values())
    validate_rulesets(rulesets, catalog)
    return rulesets


def _add_builtin_dependencies(loaded: dict[str, Ruleset]) -> None:
    """Load the builtin rulesets that define areas the loaded ones read but do not define.

    The builtins read each other (MLOps level 4 needs Monitoring & Maintenance; Model Development reads
    MLOps), so asking for one brings in the other; an area's level cannot be read without scoring it.
    """
    while True:
        defined = {area.key for rs in loaded.values() for area in rs.areas}
        wanted = {
            key
            for rs in loaded.values()
            for _, c in rs.criteria()
            if c.when is not None and not c.disabled
            for key in references(c.when).areas
        } - defined
        provider = next(
            (
                builtin
                for builtin in (
                    parse_ruleset(read_builtin(i)) for i in builtin_ruleset_ids() if i not in loaded
                )
                if wanted & {area.key for area in builtin.areas}
            ),
            None,
        )
        if provider is None:
            return
        loaded[provider.id] = provider


def dump_ruleset_yaml(ruleset: Ruleset) -> str:
    """The effective ruleset (overrides applied) as a complete YAML file that `load_rulesets` accepts."""
    doc: dict[str, Any] = {
        "id": ruleset.id,
        "title": ruleset.title,
        "description": ruleset.description,
        "source": ruleset.source,
        "levels": dict(ruleset.levels),
        "params": dict(ruleset.params),
        "areas": [
            {
                "id": area.id,
                "title": area.title,
                "description": area.description,
                "sources": list(area.sources),
                "criteria": [_criterion_doc(c) for c in area.criteria],
            }
            for area in ruleset.areas
        ],
    }
    if ruleset.crosswalk is not None:
        doc["crosswalk"] = {"areas": list(ruleset.crosswalk.areas)}
    body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)
    return f"# Ruleset {ruleset.id} as assay loaded it (overrides applied).\n{body}"


def _criterion_doc(criterion: Criterion) -> dict[str, Any]:
    out: dict[str, Any] = {"id": criterion.id, "level": criterion.level, "title": criterion.title}
    if criterion.when is not None:
        out["when"] = criterion.when
    out["kind"] = criterion.kind
    out["recommendation"] = criterion.recommendation
    if criterion.consequence:
        out["consequence"] = criterion.consequence
    if criterion.attestation:
        out["attestation"] = True
    if criterion.disabled:
        out["disabled"] = True
    return out
