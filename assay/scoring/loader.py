"""Reading ruleset files: builtin package data, complete user rulesets and `extends:` override files.

Every error names the file and line, and the rule it concerns when there is one. Cross-file checks
(signal names, areas, cycles) happen afterwards, in :mod:`assay.scoring.validation`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from assay.errors import RulesetError
from assay.safeio import RULESET_MAX_BYTES, read_text
from assay.scoring.builtins import BUILTIN_DIR, BUILTIN_PACKAGE, builtin_ruleset_ids, suggest
from assay.scoring.expressions import references
from assay.scoring.model import Area, AreaAddition, Criterion, Origin, Ruleset, RulesetOverride
from assay.scoring.yaml_source import YamlDocument, parse_yaml

M = TypeVar("M", bound=BaseModel)


def read_builtin(ruleset_id: str) -> YamlDocument:
    """Parse the builtin ruleset `ruleset_id`, or say which ids exist."""
    known = builtin_ruleset_ids()
    if ruleset_id not in known:
        raise RulesetError(
            f"unknown builtin ruleset {ruleset_id!r}{suggest(ruleset_id, known)}; builtin rulesets: "
            f"{', '.join(known)}"
        )
    resource = resources.files(BUILTIN_PACKAGE) / BUILTIN_DIR / f"{ruleset_id}.yaml"
    return parse_yaml(resource.read_text(encoding="utf-8"), str(resource))


def check_builtin_ids(ids: list[str], where: str) -> list[str]:
    """`ids` when each names a builtin ruleset; otherwise an error naming `where` they were given."""
    known = builtin_ruleset_ids()
    for ruleset_id in ids:
        if ruleset_id not in known:
            raise RulesetError(
                f"{where}: unknown builtin ruleset {ruleset_id!r}{suggest(ruleset_id, known)}; builtin "
                f"rulesets: {', '.join(known)}"
            )
    return ids


def read_file(path: Path) -> YamlDocument:
    """Parse a user's ruleset file (bounded: see assay.safeio and assay.scoring.limits)."""
    text = read_text(path, what="ruleset file", max_bytes=RULESET_MAX_BYTES, error=RulesetError)
    doc = parse_yaml(text, str(path))
    if not isinstance(doc.data, dict):
        raise RulesetError(
            f"{path}:1: a ruleset file must be a YAML mapping with `id` or `extends` at the top"
        )
    return doc


def is_override(doc: YamlDocument) -> bool:
    """True when the file changes another ruleset (`extends: <id>`) rather than defining one."""
    return isinstance(doc.data, dict) and "extends" in doc.data


# Limits on one ruleset file (documented in the README, "Limits"): far above any real maturity model (the
# builtins have at most 7 areas and 79 criteria), low enough that validating and scoring stay instant.
MAX_AREAS = 200
MAX_CRITERIA = 5000
MAX_EXPRESSION_CHARS = 4000


def check_limits(doc: YamlDocument) -> None:
    """Refuse a ruleset document with too many areas or criteria, or an over-long expression."""
    data = doc.data if isinstance(doc.data, dict) else {}
    areas = data.get("areas")
    areas = areas if isinstance(areas, list) else []
    if len(areas) > MAX_AREAS:
        raise RulesetError(
            f"{doc.file}:{doc.line_of(('areas', MAX_AREAS))}: the ruleset has {len(areas)} areas; at most "
            f"{MAX_AREAS} are allowed per file"
        )
    found: list[tuple[tuple, Any]] = []
    for a, area in enumerate(areas):
        criteria = area.get("criteria") if isinstance(area, dict) else None
        if isinstance(criteria, list):
            found.extend((("areas", a, "criteria", c), item) for c, item in enumerate(criteria))
    changes = data.get("criteria")
    if isinstance(changes, dict):
        found.extend((("criteria", key), item) for key, item in changes.items())
    if len(found) > MAX_CRITERIA:
        raise RulesetError(
            f"{doc.file}:{doc.line_of(found[MAX_CRITERIA][0])}: the ruleset has {len(found)} criteria; "
            f"at most {MAX_CRITERIA} are allowed per file"
        )
    for path, item in found:
        when = item.get("when") if isinstance(item, dict) else None
        if isinstance(when, str) and len(when) > MAX_EXPRESSION_CHARS:
            raise RulesetError(
                f"{doc.file}:{doc.line_of((*path, 'when'))}: the `when` expression has {len(when)} "
                f"characters; at most {MAX_EXPRESSION_CHARS} are allowed"
            )


def check_sources(doc: YamlDocument, installed: set[str]) -> None:
    """Every area's `sources:` names an installed collector (a typo would make the area look unread)."""
    areas = doc.data.get("areas") if isinstance(doc.data, dict) else None
    for a, area in enumerate(areas if isinstance(areas, list) else []):
        sources = area.get("sources") if isinstance(area, dict) else None
        for s, source in enumerate(sources if isinstance(sources, list) else []):
            if isinstance(source, str) and source not in installed:
                raise RulesetError(
                    f"{doc.file}:{doc.line_of(('areas', a, 'sources', s))}: area {area.get('id', a)!r}: "
                    f"source {source!r} is not an installed collector{suggest(source, sorted(installed))}; "
                    f"installed: {', '.join(sorted(installed))}"
                )


def parse_ruleset(doc: YamlDocument) -> Ruleset:
    """Validate a complete ruleset document and record where each criterion was written."""
    check_limits(doc)
    ruleset = _validate(Ruleset, doc).located(Origin(file=doc.file, line=doc.line_of(("id",))))
    for a, area in enumerate(ruleset.areas):
        area.located(Origin(file=doc.file, line=doc.line_of(("areas", a, "id"))))
        for c, criterion in enumerate(area.criteria):
            _locate(criterion, doc, ("areas", a, "criteria", c))
    return ruleset


def apply_override(base: Ruleset, doc: YamlDocument) -> Ruleset:
    """Return `base` changed by the override file `doc`: params, criteria changes, added areas/criteria."""
    check_limits(doc)
    override = _validate(RulesetOverride, doc)
    result = base.model_copy(deep=True)
    for name, value in override.params.items():
        result.params[name] = value
    by_id = {c.id: c for _, c in result.criteria()}
    for criterion_id, change in override.criteria.items():
        line = doc.line_of(("criteria", criterion_id))
        if criterion_id not in by_id:
            raise RulesetError(
                f"{doc.file}:{line}: criterion {criterion_id!r} does not exist in ruleset {base.id!r}"
                f"{suggest(criterion_id, list(by_id))}"
            )
        target = by_id[criterion_id]
        updates = change.model_dump(exclude_unset=True)
        changed = _revalidate(target, updates, doc, ("criteria", criterion_id))
        _replace(result, target, changed)
        if "when" in updates:
            changed.located(Origin(file=doc.file, line=doc.line_of(("criteria", criterion_id, "when"))))
    for index, addition in enumerate(override.areas):
        _add_area(result, addition, doc, index)
    _reject_unused_params(result, base, override, doc)
    return result


def _reject_unused_params(
    result: Ruleset, base: Ruleset, override: RulesetOverride, doc: YamlDocument
) -> None:
    # A new param nothing reads is almost always a misspelt threshold that would silently change nothing.
    read = {p for _, c in result.criteria() if c.when for p in references(c.when).params}
    for name in override.params:
        if name not in base.params and name not in read:
            raise RulesetError(
                f"{doc.file}:{doc.line_of(('params', name))}: param {name!r} does not exist in ruleset "
                f"{base.id!r} and no criterion reads it{suggest(name, list(base.params))}"
            )


def _add_area(ruleset: Ruleset, addition: AreaAddition, doc: YamlDocument, index: int) -> None:
    path = ("areas", index)
    for c, criterion in enumerate(addition.criteria):
        _locate(criterion, doc, (*path, "criteria", c))
    existing = next((a for a in ruleset.areas if a.id == addition.id), None)
    if existing is None:
        if not addition.title:
            raise RulesetError(
                f"{doc.file}:{doc.line_of(path)}: new area {addition.id!r} needs a `title` "
                f"(ruleset {ruleset.id!r} has no area of that id)"
            )
        area = Area(
            id=addition.id,
            title=addition.title,
            description=addition.description or "",
            sources=addition.sources,
            criteria=addition.criteria,
        )
        ruleset.areas.append(area.located(Origin(file=doc.file, line=doc.line_of((*path, "id")))))
        return
    for key in ("title", "description"):
        if getattr(addition, key) is not None:
            raise RulesetError(
                f"{doc.file}:{doc.line_of((*path, key))}: area {addition.id!r} already exists in ruleset "
                f"{ruleset.id!r}; an override can only append `criteria` and `sources` to it, "
                f"not change `{key}`"
            )
    existing.sources.extend(s for s in addition.sources if s not in existing.sources)
    existing.criteria.extend(addition.criteria)


def _replace(ruleset: Ruleset, old: Criterion, new: Criterion) -> None:
    for area in ruleset.areas:
        for i, criterion in enumerate(area.criteria):
            if criterion is old:
                area.criteria[i] = new
                return


def _revalidate(target: Criterion, updates: dict[str, Any], doc: YamlDocument, path: tuple) -> Criterion:
    merged = {**target.model_dump(), **updates}
    try:
        changed = Criterion.model_validate(merged)
    except ValidationError as exc:
        raise _schema_error(doc, exc, path, rule_id=target.id) from None
    return changed.located(target.origin)


def _locate(criterion: Criterion, doc: YamlDocument, path: tuple) -> None:
    where = (*path, "when") if criterion.when is not None else path
    criterion.located(Origin(file=doc.file, line=doc.line_of(where)))


def _validate(model: type[M], doc: YamlDocument) -> M:
    if not isinstance(doc.data, dict):
        raise RulesetError(f"{doc.file}:1: a ruleset file must be a YAML mapping")
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise _schema_error(doc, exc, ()) from None


def _schema_error(
    doc: YamlDocument, exc: ValidationError, prefix: tuple, rule_id: str | None = None
) -> RulesetError:
    """One sentence for the first schema problem: file, line, rule id, field and what is wrong."""
    error = exc.errors()[0]
    loc = (*prefix, *error["loc"])
    rule_id = rule_id or _rule_id_at(doc.data, loc)
    # a whole-criterion (or whole-area) problem ends at a list index: there is no single field to name
    whole_item = len(loc) >= 2 and isinstance(loc[-1], int) and loc[-2] in ("areas", "criteria")
    field = "" if whole_item else next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
    if error["type"] == "extra_forbidden":
        problem = f"unknown key {field!r}"
    elif error["type"] == "missing":
        problem = f"missing required field {field!r}"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
        problem = f"field {field!r}: {message}" if field else message
    subject = f"criterion {rule_id}: " if rule_id else ""
    return RulesetError(f"{doc.file}:{doc.line_of(loc)}: {subject}{problem}")


def _rule_id_at(data: Any, loc: tuple) -> str | None:
    """The id of the criterion a schema error is inside, read from the raw YAML data."""
    if len(loc) >= 2 and loc[0] == "criteria" and isinstance(loc[1], str):
        return loc[1]
    if len(loc) >= 4 and loc[0] == "areas" and loc[2] == "criteria":
        try:
            raw = data["areas"][loc[1]]["criteria"][loc[3]]
        except (KeyError, IndexError, TypeError):
            return None
        if isinstance(raw, dict) and "id" in raw:
            return str(raw["id"])
        area = data["areas"][loc[1]]
        return f"#{loc[3] + 1} of area {area.get('id', loc[1]) if isinstance(area, dict) else loc[1]}"
    return None
