"""Parse a YAML document and remember the line of every value, so errors can point into the file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from assay.errors import RulesetError
from assay.safeio import compose_yaml

PathKey = tuple[str | int, ...]


@dataclass
class YamlDocument:
    """A parsed YAML file: its data and the 1-based line where each value (by key path) starts."""

    file: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: Sequence[str | int]) -> int:
        """The line of the value at `path`, or of its nearest enclosing value that has one."""
        key = _normalise(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), 1)


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Parse one YAML document under assay.safeio's limits, raising RulesetError with the file and line."""
    node, data = compose_yaml(text, file, what="ruleset", error=RulesetError)
    doc = YamlDocument(file=file, data=data)
    if node is not None:
        _record(node, (), doc.lines)
    return doc


def _record(node: yaml.Node, path: PathKey, lines: dict[PathKey, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            _record(value_node, (*path, str(key_node.value)), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record(item, (*path, index), lines)


def _normalise(path: Sequence[str | int]) -> PathKey:
    # mapping keys are recorded as strings (YAML `1:` is an int key in the data)
    return tuple(p if isinstance(p, int) and not isinstance(p, bool) else str(p) for p in path)
