"""Parse a YAML document and remember the line of every value, so errors can point into the file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from assay.errors import RulesetError

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
    """Parse one YAML document, raising RulesetError with the file and line on a syntax error."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "cannot parse"
        raise RulesetError(f"{file}{line}: invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise RulesetError(f"{file}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()
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
