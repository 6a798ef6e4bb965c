"""Jenkins' ``tree`` query parameter: ``jobs[name,url,jobs[name]]``, ``builds[number,result]{0,50}``.

The remote API returns only the fields the tree names (plus ``_class``); a field named without a sub-tree
that holds objects comes back as bare ``{"_class": ...}`` objects, which python-jenkins relies on to know
when to descend into folders with another request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class TreeNode:
    name: str
    children: list[TreeNode] | None = None  # None: the field was named without a sub-tree
    start: int | None = None
    end: int | None = None
    _fields: dict[str, TreeNode] = field(default_factory=dict, repr=False)


def parse_tree(text: str) -> list[TreeNode]:
    """Parse a tree expression; raises ValueError on unbalanced brackets."""
    nodes, pos = _parse_list(text, 0)
    if pos != len(text):
        raise ValueError(f"unexpected {text[pos]!r} at {pos} in tree={text}")
    return nodes


def _parse_list(text: str, pos: int) -> tuple[list[TreeNode], int]:
    nodes: list[TreeNode] = []
    while pos < len(text):
        start = pos
        while pos < len(text) and text[pos] not in ",[]{}":
            pos += 1
        node = TreeNode(text[start:pos].strip())
        if pos < len(text) and text[pos] == "[":
            node.children, pos = _parse_list(text, pos + 1)
            if pos >= len(text) or text[pos] != "]":
                raise ValueError(f"unbalanced [ in tree={text}")
            pos += 1
        if pos < len(text) and text[pos] == "{":
            close = text.index("}", pos)
            lo, _, hi = text[pos + 1 : close].partition(",")
            node.start = int(lo) if lo.strip() else 0
            node.end = int(hi) if hi.strip() else None
            if "," not in text[pos + 1 : close]:  # {N}: just the element N
                node.end = node.start + 1
            pos = close + 1
        if node.name:
            nodes.append(node)
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        break
    return nodes, pos


def apply_tree(value: Any, nodes: list[TreeNode] | None) -> Any:
    """Keep only the named fields of ``value`` (an object or a list of objects)."""
    if isinstance(value, list):
        return [apply_tree(v, nodes) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {"_class": value["_class"]} if "_class" in value else {}
    if nodes is None:
        return out
    for node in nodes:
        if node.name not in value:
            continue
        field_value = value[node.name]
        if isinstance(field_value, list) and (node.start is not None or node.end is not None):
            field_value = field_value[node.start or 0 : node.end]
        if node.children is None and _holds_objects(field_value):
            out[node.name] = apply_tree(field_value, None)
        else:
            out[node.name] = apply_tree(field_value, node.children) if node.children else field_value
    return out


def _holds_objects(value: Any) -> bool:
    if isinstance(value, dict):
        return True
    return isinstance(value, list) and any(isinstance(v, dict) for v in value)
