"""`${NAME}` references in audit.yaml values: expansion, defaults and required variables.

Forms: ``${NAME}`` (must be set), ``${NAME:-default}`` / ``${NAME-default}`` (default when unset or
empty / when unset), ``${NAME:?message}`` / ``${NAME?message}`` (an error carrying the message when unset
or empty / when unset). Anything else inside ``${...}``, an empty ``${}`` and an unclosed ``${`` are
errors, never kept as literal text.
"""

from __future__ import annotations

import os
import re
from typing import Any

from assay.errors import ConfigError

_REFERENCE = re.compile(r"\$\{([^{}]*)\}")
_FORM = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>.*))?", re.DOTALL)


def expand_env(value: Any, origin: str, where: str = "") -> Any:
    """`value` with every `${...}` reference in its strings replaced from the environment."""
    if isinstance(value, dict):
        return {k: expand_env(v, origin, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [expand_env(v, origin, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str) and "${" in value:
        return _expand_string(value, origin, where)
    return value


def _expand_string(text: str, origin: str, where: str) -> str:
    def sub(match: re.Match[str]) -> str:
        return _resolve(match.group(1), origin, where)

    expanded = _REFERENCE.sub(sub, text)
    # what the pattern could not match: an unclosed `${` (or one with a brace inside it)
    leftover = _REFERENCE.sub("", text)
    if "${" in leftover:
        raise ConfigError(f"{origin}: {where} has an unclosed ${{ ; write ${{NAME}} or ${{NAME:-default}}")
    return expanded


def _resolve(body: str, origin: str, where: str) -> str:
    if not body.strip():
        raise ConfigError(f"{origin}: {where} holds an empty ${{}}; name a variable, as in ${{NAME}}")
    form = _FORM.fullmatch(body)
    if form is None:
        raise ConfigError(
            f"{origin}: {where}: ${{{body}}} is not a variable reference; write ${{NAME}}, "
            f"${{NAME:-default}} or ${{NAME:?message}} (NAME: letters, digits and underscores)"
        )
    name, op, arg = form.group("name"), form.group("op"), form.group("arg")
    value = os.environ.get(name)
    unset = value is None or (op is not None and op.startswith(":") and value == "")
    if not unset:
        return value or ""
    if op in ("-", ":-"):
        return arg or ""
    if op in ("?", ":?"):
        message = (arg or "").strip() or "it is required"
        raise ConfigError(f"{origin}: {where} needs ${{{name}}}, which is not set: {message}")
    raise ConfigError(
        f"{origin}: {where} references ${{{name}}}, which is not set; export it or write ${{{name}:-default}}"
    )
