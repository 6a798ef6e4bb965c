"""Compare the shape of a stand-in's answer with a real service's recorded answer.

A shape is the set of dotted field paths of a JSON value (list items are merged under ``[]``). The
stand-in may leave out optional fields, but it must not invent a field the real service never returns,
and every field the real service returns in every item of a list (or in every object) must be there.
"""

from __future__ import annotations

from typing import Any


def paths(value: Any, prefix: str = "") -> set[str]:
    """Every field path in ``value``; ``a.[].b`` for field b of the items of list a."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            found.add(path)
            found |= paths(item, path)
    elif isinstance(value, list):
        for item in value:
            found |= paths(item, f"{prefix}.[]" if prefix else "[]")
    return found


def always(value: Any, prefix: str = "") -> set[str]:
    """The field paths present in EVERY object at their place (a list's items must all have them)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            found.add(path)
            found |= always(item, path)
    elif isinstance(value, list) and value:
        where = f"{prefix}.[]" if prefix else "[]"
        per_item = [always(item, where) for item in value]
        found |= set.intersection(*per_item)
    return found


def differences(standin: Any, real: Any, free: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Fields the stand-in invents, and fields every real answer has that the stand-in lacks.

    ``free`` lists path prefixes whose content is data, not schema (label sets, annotations).
    """

    def fixed(items: set[str]) -> set[str]:
        return {p for p in items if not any(p.startswith(f + ".") for f in free)}

    ours, theirs = fixed(paths(standin)), fixed(paths(real))
    required = fixed(always(real))
    # A required field only counts where the stand-in's answer has the object that holds it.
    missing = {p for p in required - ours if p.rpartition(".")[0] in ours or "." not in p}
    return {"invented": sorted(ours - theirs), "missing": sorted(missing)}
