"""Reading Azure Policy assignments and the definitions behind them into what the guardrail signals use.

An assignment names a definition (or an initiative, a set of definitions) by resource id. The id says where
the definition lives, and so which call reads it: a built-in (``/providers/Microsoft.Authorization/...``),
a subscription's own definition (``/subscriptions/{id}/providers/...``, possibly another subscription's) or a
management group's (``/providers/Microsoft.Management/managementGroups/{id}/providers/...``). A definition
that cannot be read is never guessed at: the assignment keeps an empty effect and a gap names the
definition and the call. Effects written as ``[parameters('name')]`` are resolved from the assignment's
parameters, then the definition's defaults; an assignment's ``policyEffect`` overrides win over both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from assay.collectors.azure.values import enum_text

AI_NAMESPACES = ("microsoft.machinelearningservices", "microsoft.cognitiveservices")
_DEFINITION_ID = re.compile(
    r"^(?:/subscriptions/(?P<sub>[^/]+)|/providers/Microsoft\.Management/managementGroups/(?P<mg>[^/]+))?"
    r"/providers/Microsoft\.Authorization/(?P<kind>policyDefinitions|policySetDefinitions)/(?P<name>[^/]+)/?$",
    re.IGNORECASE,
)
_PARAMETER = re.compile(r"^\[\s*parameters\(\s*'([^']+)'\s*\)\s*\]$", re.IGNORECASE)
# Strongest first: an initiative whose members deny is a deny guardrail.
EFFECT_ORDER = (
    "deny",
    "denyaction",
    "deployifnotexists",
    "modify",
    "append",
    "auditifnotexists",
    "audit",
    "manual",
    "disabled",
)


@dataclass(frozen=True)
class DefinitionRef:
    """Where a definition lives: ``scope`` is "builtin", "subscription" or "management_group"."""

    id: str
    scope: str
    scope_id: str
    name: str
    is_set: bool

    @property
    def operation(self) -> str:
        family = "policy_set_definitions" if self.is_set else "policy_definitions"
        verb = {
            "builtin": "get_built_in",
            "subscription": "get",
            "management_group": "get_at_management_group",
        }
        return f"{family}.{verb[self.scope]}"


def parse_definition_id(definition_id: str) -> DefinitionRef | None:
    """The location of a policy (set) definition from its resource id; None for an id of another form."""
    m = _DEFINITION_ID.match(definition_id or "")
    if not m:
        return None
    if m.group("sub"):
        scope, scope_id = "subscription", m.group("sub")
    elif m.group("mg"):
        scope, scope_id = "management_group", m.group("mg")
    else:
        scope, scope_id = "builtin", ""
    is_set = m.group("kind").lower() == "policysetdefinitions"
    return DefinitionRef(definition_id, scope, scope_id, m.group("name"), is_set)


class Unreadable(Exception):
    """A definition that could not be read; ``exc`` is the SDK's error, ``ref`` what was asked for."""

    def __init__(self, ref: DefinitionRef, exc: BaseException) -> None:
        super().__init__(str(exc))
        self.ref = ref
        self.exc = exc


def _lookup(mapping: Any, name: str) -> Any:
    """ARM parameter names are case-insensitive."""
    for key, value in (mapping or {}).items():
        if str(key).lower() == name.lower():
            return value
    return None


def resolve(value: Any, *scopes: tuple[Any, str]) -> Any:
    """Resolve ``[parameters('x')]`` through (parameters, attribute) scopes, first found wins."""
    seen = 0
    while isinstance(value, str) and (m := _PARAMETER.match(value)) and seen < 8:
        seen += 1
        name, found = m.group(1), None
        for params, attribute in scopes:
            entry = _lookup(params, name)
            candidate = getattr(entry, attribute, None) if entry is not None else None
            if candidate is not None:
                found = candidate
                break
        if found is None:
            return None
        value = found
    return value


@dataclass
class Resolved:
    effects: list[str] = field(default_factory=list)
    ai_services: bool = False
    unresolved: list[str] = field(default_factory=list)  # definitions whose effect has no value


class DefinitionReader:
    """Reads definitions once each (assignments share them); ``fetch(ref)`` makes the SDK call."""

    def __init__(self, fetch: Callable[[DefinitionRef], Any]) -> None:
        self._fetch = fetch
        self._cache: dict[str, Any] = {}

    def get(self, ref: DefinitionRef) -> Any:
        key = ref.id.lower()
        if key not in self._cache:
            try:
                self._cache[key] = self._fetch(ref)
            except Exception as exc:  # the SDK's HttpResponseError and transport errors alike
                self._cache[key] = Unreadable(ref, exc)
        found = self._cache[key]
        if isinstance(found, Unreadable):
            raise found
        return found


def _overridden(assignment: Any, reference_id: str | None) -> str | None:
    for override in getattr(assignment, "overrides", None) or []:
        if enum_text(getattr(override, "kind", None)).lower() != "policyeffect":
            continue
        selectors = [
            s
            for s in getattr(override, "selectors", None) or []
            if enum_text(getattr(s, "kind", None)).lower() == "policydefinitionreferenceid"
        ]
        if not selectors:
            return str(override.value) if override.value is not None else None
        if reference_id is None:
            continue
        for s in selectors:
            included = [str(v).lower() for v in getattr(s, "in_property", None) or []]
            excluded = [str(v).lower() for v in getattr(s, "not_in", None) or []]
            if (included and reference_id.lower() in included) or (
                excluded and reference_id.lower() not in excluded
            ):
                return str(override.value) if override.value is not None else None
    return None


def _rule_effect(definition: Any) -> Any:
    rule = getattr(definition, "policy_rule", None)
    return (rule.get("then") or {}).get("effect") if isinstance(rule, dict) else None


def _targets_ai(definition: Any) -> bool:
    rule = getattr(definition, "policy_rule", None)
    return bool(rule) and any(ns in json.dumps(rule).lower() for ns in AI_NAMESPACES)


def resolve_assignment(assignment: Any, ref: DefinitionRef, reader: DefinitionReader) -> Resolved:
    """The effects an assignment applies. Raises Unreadable for the first definition that cannot be read."""
    out = Resolved()
    definition = reader.get(ref)
    a_params = (getattr(assignment, "parameters", None), "value")
    if not ref.is_set:
        effect = _overridden(assignment, None) or resolve(
            _rule_effect(definition), a_params, (getattr(definition, "parameters", None), "default_value")
        )
        _add(out, effect, ref, definition)
        return out
    set_defaults = (getattr(definition, "parameters", None), "default_value")
    for member in getattr(definition, "policy_definitions", None) or []:
        member_ref = parse_definition_id(member.policy_definition_id or "")
        if member_ref is None or member_ref.is_set:
            continue
        member_def = reader.get(member_ref)
        reference_id = getattr(member, "policy_definition_reference_id", None)
        raw = _rule_effect(member_def)
        effect = _overridden(assignment, reference_id)
        if effect is None:
            m = _PARAMETER.match(raw) if isinstance(raw, str) else None
            given = _lookup(member.parameters, m.group(1)) if m else None
            if given is not None:  # the initiative passes a value, itself perhaps the set's parameter
                effect = resolve(getattr(given, "value", None), a_params, set_defaults)
            else:
                effect = resolve(raw, (getattr(member_def, "parameters", None), "default_value"))
        _add(out, effect, member_ref, member_def)
    return out


def _add(out: Resolved, effect: Any, ref: DefinitionRef, definition: Any) -> None:
    if isinstance(effect, str) and effect:
        out.effects.append(effect.lower())
    else:
        out.unresolved.append(ref.id)
    out.ai_services = out.ai_services or _targets_ai(definition)


def strongest(effects: list[str]) -> str:
    """The single effect an assignment is known by: its only one, or the strongest of an initiative's."""
    known = sorted(
        set(effects), key=lambda e: EFFECT_ORDER.index(e) if e in EFFECT_ORDER else len(EFFECT_ORDER)
    )
    return known[0] if known else ""
