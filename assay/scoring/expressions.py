"""CEL expressions of criteria: compiling, finding what they read, and evaluating them.

`Program.variables()` only lists top-level names, so the dotted signal names, params and areas an
expression reads are found with regular expressions over its source, after string literals are blanked
out so that a literal such as "signals.x" is not mistaken for a reference.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

_STRING_LITERAL = re.compile(
    r"""[rRbB]{0,2}(?:\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')"""
)
_SIGNAL_REF = re.compile(r"(?<![\w.])signals\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(\s*\()?")
_AREA_REF = re.compile(r"(?<![\w.])areas\.(\w+)(?:\.(\w+))?")
_PARAM_REF = re.compile(r"(?<![\w.])params\.(\w+)")
_CEL_POSITION = re.compile(r"<input>:(\d+):(\d+):\s*(.*)")


@dataclass(frozen=True)
class References:
    """What one expression reads: signal names, param names, area keys and any `areas.X.<field>` misuse."""

    signals: tuple[str, ...]
    params: tuple[str, ...]
    areas: tuple[str, ...]
    area_fields: tuple[tuple[str, str], ...]


class CelSyntaxError(ValueError):
    """A CEL parse error, with the 1-based line and column inside the expression."""

    def __init__(self, line: int, column: int, detail: str) -> None:
        super().__init__(f"{line}:{column}: {detail}")
        self.line = line
        self.column = column
        self.detail = detail


@cache
def cel_engine() -> ModuleType:
    """The CEL engine (the package's compiled extension), loaded on first use.

    `import cel` also imports the package's interactive shell (prompt_toolkit, about 0.1 s) that scoring
    never uses, so the extension module is loaded on its own; `import cel` later reuses it.
    """
    if "cel.cel" in sys.modules:
        return sys.modules["cel.cel"]
    spec = importlib.util.find_spec("cel")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = Path(folder) / f"cel{suffix}"
            if path.is_file():
                ext = importlib.util.spec_from_file_location("cel.cel", path)
                if ext is not None and ext.loader is not None:
                    module = importlib.util.module_from_spec(ext)
                    ext.loader.exec_module(module)
                    sys.modules["cel.cel"] = module
                    return module
    import cel  # an unusual install layout: the package as a whole

    return cel


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> Any:
    """Compile a CEL expression once; raise CelSyntaxError with CEL's own position on a syntax error."""
    try:
        return cel_engine().compile(source)
    except ValueError as exc:
        match = _CEL_POSITION.search(str(exc))
        if match is None:
            raise CelSyntaxError(1, 1, str(exc).splitlines()[0]) from None
        detail = match.group(3).removeprefix("Syntax error: ").strip()
        raise CelSyntaxError(int(match.group(1)), int(match.group(2)), detail) from None


@lru_cache(maxsize=4096)
def references(source: str) -> References:
    """The signals, params and areas an expression reads, each sorted and de-duplicated."""
    text = _STRING_LITERAL.sub('""', source)
    signals: set[str] = set()
    for match in _SIGNAL_REF.finditer(text):
        name = match.group(1)
        if match.group(2) and "." in name:  # `signals.x.y.exists(...)`: the last part is a method
            name = name.rsplit(".", 1)[0]
        signals.add(name)
    areas: set[str] = set()
    misuse: set[tuple[str, str]] = set()
    for match in _AREA_REF.finditer(text):
        areas.add(match.group(1))
        if match.group(2) != "level":
            misuse.add((match.group(1), match.group(2) or ""))
    params = {m.group(1) for m in _PARAM_REF.finditer(text)}
    return References(
        tuple(sorted(signals)), tuple(sorted(params)), tuple(sorted(areas)), tuple(sorted(misuse))
    )


def nest(values: Mapping[str, Any]) -> dict[str, Any]:
    """Turn dotted names into nested dicts: {"ml.tracking.runs": 3} -> {"ml": {"tracking": {"runs": 3}}}."""
    root: dict[str, Any] = {}
    for name in sorted(values):
        *parents, leaf = name.split(".")
        node = root
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):  # a signal that is also a prefix of another: keep the value
                break
            node = child
        else:
            node[leaf] = values[name]
    return root


def evaluate(source: str, context: Mapping[str, Any]) -> Any:
    """Run a compiled expression over a context; CEL's KeyError, TypeError etc. propagate to the caller."""
    return compile_expression(source).execute(dict(context))


@dataclass(frozen=True)
class Junction:
    """The boolean skeleton of an expression: ``||`` / ``&&`` over parts, ``!`` over one, or a leaf.

    ``op`` is "or", "and", "not" or "leaf"; a leaf keeps its source, which CEL evaluates on its own.
    """

    op: str
    parts: tuple[Junction, ...] = ()
    source: str = ""


_OPENERS, _CLOSERS = "([{", ")]}"


def _masked(source: str) -> str:
    """The source with string literals blanked to the same length, so operators inside them are ignored."""
    return _STRING_LITERAL.sub(lambda m: '"' + " " * (len(m.group(0)) - 2) + '"', source)


def _split_top(source: str, masked: str, operator: str) -> list[str]:
    """Split at every ``operator`` outside brackets and string literals."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(masked):
        ch = masked[i]
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            depth -= 1
        elif depth == 0 and masked.startswith(operator, i):
            parts.append(source[start:i])
            i += len(operator)
            start = i
            continue
        i += 1
    parts.append(source[start:])
    return parts


def _wrapped(masked: str) -> bool:
    """Whether the whole text is one parenthesised group: ``(a || b)`` but not ``(a) || (b)``."""
    if not (masked.startswith("(") and masked.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(masked):
        depth += ch in _OPENERS
        depth -= ch in _CLOSERS
        if depth == 0 and i < len(masked) - 1:
            return False
    return True


@lru_cache(maxsize=4096)
def junctions(source: str) -> Junction:
    """Parse the ``||`` / ``&&`` / ``!`` skeleton of a CEL expression (``&&`` binds tighter, as in CEL).

    Anything else — comparisons, calls, arithmetic, and a whole expression that holds a top-level
    conditional (``?:``) — is a leaf. The engine evaluates leaves with CEL and combines them itself, so that
    an operand about an empty population can drop out of ``||`` and ``&&``.
    """
    text = source.strip()
    masked = _masked(text)
    if _top_level_has(masked, "?"):
        return Junction("leaf", source=text)
    for operator, op in (("||", "or"), ("&&", "and")):
        pieces = _split_top(text, masked, operator)
        if len(pieces) > 1:
            return Junction(op, tuple(junctions(p) for p in pieces))
    if _wrapped(masked):
        return junctions(text[1:-1])
    if masked.startswith("!") and not masked.startswith("!=") and _wrapped(masked[1:].strip()):
        return Junction("not", (junctions(text[1:].strip()[1:-1]),))
    return Junction("leaf", source=text)


def _top_level_has(masked: str, char: str) -> bool:
    depth = 0
    for ch in masked:
        depth += ch in _OPENERS
        depth -= ch in _CLOSERS
        if depth == 0 and ch == char:
            return True
    return False
