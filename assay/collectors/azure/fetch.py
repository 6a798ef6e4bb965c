"""Reading one Azure subscription into evidence: resources (type, location, tags), deployments (IaC),
policy assignments (guardrails), Azure ML online endpoints, Monitor alert rules, Cost Management budgets
and Defender for Cloud plans."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from assay.collectors.azure import fetch_controls, kinds
from assay.collectors.azure.operations import OPERATIONS
from assay.collectors.azure.policy import (
    DefinitionReader,
    DefinitionRef,
    Unreadable,
    parse_definition_id,
    resolve_assignment,
    strongest,
)
from assay.collectors.azure.values import enum_text, tag_map
from assay.collectors.base import CollectContext
from assay.evidence import Evidence, UnknownReason

API_VERSIONS = {
    kinds.ML_ONLINE_ENDPOINT: "2024-04-01",
    kinds.METRIC_ALERT: "2018-03-01",
    kinds.SCHEDULED_QUERY: "2023-12-01",
}


class Refused(Exception):
    def __init__(self, evidence: Evidence) -> None:
        super().__init__(evidence.data["message"])
        self.evidence = evidence


TRANSPORT_WORDS = ("ssl", "certificate", "connection", "timed out", "name resolution")


def reason_of(exc: BaseException) -> UnknownReason:
    """DENIED for refused credentials or RBAC, ERROR for transport failures (TLS included), and so on."""
    status = getattr(exc, "status_code", None)
    if status in (401, 403):
        return UnknownReason.DENIED
    if type(exc).__name__ == "ClientAuthenticationError":
        text = str(exc).lower()
        return UnknownReason.ERROR if any(w in text for w in TRANSPORT_WORDS) else UnknownReason.DENIED
    if status in (405, 501):
        return UnknownReason.UNSUPPORTED
    return UnknownReason.ERROR


def short(exc: BaseException) -> str:
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    message = getattr(error, "message", None) or str(exc)
    text = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
    return f"{code}: {text}"[:300] if code else text[:300]


class SubscriptionReader:
    """The calls for one subscription, each counted and each refusal turned into a scoped gap."""

    def __init__(self, ctx: CollectContext, clients: Any, subscription: dict[str, Any]) -> None:
        self.ctx = ctx
        self.clients = clients
        self.sub = subscription
        self.sub_id = subscription["id"]

    def _gap(self, op: str, exc: BaseException) -> Refused:
        action, scope = OPERATIONS[op]
        reason = reason_of(exc)
        verb = "was denied" if reason is UnknownReason.DENIED else "failed"
        message = f"{action} {verb} on subscription {self.sub_id} ({op}): {short(exc)}"
        return Refused(self.ctx.gap(scope, f"{op} {self.sub_id}", reason, message))

    def item_gap(self, op: str, item: str, exc: BaseException, what: str = "") -> Evidence:
        """A gap for one item that was seen (listed or referenced) but could not be read."""
        action, scope = OPERATIONS[op]
        reason = reason_of(exc)
        status = getattr(exc, "status_code", None)
        verb = "was denied" if reason is UnknownReason.DENIED else f"failed ({status or 'no answer'})"
        message = (
            f"{what or 'item'} {item} seen in subscription {self.sub_id} could not be read: {op} "
            f"needing {action} {verb}: {short(exc)}"
        )
        return self.ctx.gap(scope, f"{op} {item}", reason, message)

    def paged(self, op: str, pager: Callable[[], Any]) -> list[Any]:
        items: list[Any] = []
        try:
            for page in pager().by_page():
                self.ctx.count_call(f"{op} {self.sub_id}")
                items.extend(page)
        except Exception as exc:
            self.ctx.count_call(f"{op} {self.sub_id}")
            raise self._gap(op, exc) from None
        return items

    def listed(self, op: str, fn: Callable[[], Any]) -> Any:
        """One unpaged list call, counted; a refusal is the family's gap."""
        self.ctx.count_call(f"{op} {self.sub_id}")
        try:
            return fn()
        except Exception as exc:
            raise self._gap(op, exc) from None

    def one(self, op: str, fn: Callable[[], Any]) -> Any:
        """One GET, counted; errors (404 included) propagate for the caller to turn into a gap."""
        self.ctx.count_call(f"{op} {self.sub_id}")
        return fn()

    def evidence(self) -> Iterator[Evidence]:
        """Every family in turn; a refused family yields its gap and the others still run."""
        resources: list[dict[str, Any]] = []
        families = (
            self.resources,
            self.deployments,
            self.policy,
            self.online_endpoints,
            self.alerts,
            self.budgets,
            self.defender,
        )
        for family in families:
            try:
                found = family(resources)
            except Refused as refused:
                yield refused.evidence
                continue
            yield from found

    # -- families -----------------------------------------------------------------------------------------

    def resources(self, into: list[dict[str, Any]]) -> list[Evidence]:
        rm = self.clients.resources(self.sub_id)
        for r in self.paged("resources.list", rm.resources.list):
            rid = r.id or ""
            into.append(
                {
                    "id": rid,
                    "type": r.type or "",
                    "location": r.location,
                    "tags": tag_map(r.tags),
                    "resource_group": rid.split("/")[4] if rid.count("/") > 4 else "",
                }
            )
        data = {"resources": sorted(into, key=lambda r: r["id"].lower())}
        return [self.ctx.evidence(kinds.RESOURCES, self.sub_id, f"resources.list {self.sub_id}", data)]

    def deployments(self, _: list[dict[str, Any]]) -> list[Evidence]:
        rm = self.clients.resources(self.sub_id)
        dm = self.clients.deployments(self.sub_id)
        groups = [g.name for g in self.paged("resource_groups.list", rm.resource_groups.list)]
        found = [
            ("", d)
            for d in self.paged(
                "deployments.list_at_subscription_scope", dm.deployments.list_at_subscription_scope
            )
        ]
        for group in groups:
            found += [
                (group, d)
                for d in self.paged(
                    "deployments.list_by_resource_group",
                    lambda g=group: dm.deployments.list_by_resource_group(g),
                )
            ]
        data = {"deployments": [_deployment(group, d) for group, d in found]}
        return [
            self.ctx.evidence(
                kinds.DEPLOYMENTS, self.sub_id, f"deployments.list_by_resource_group {self.sub_id}", data
            )
        ]

    def policy(self, _: list[dict[str, Any]]) -> list[Evidence]:
        pc = self.clients.policy(self.sub_id)
        reader = DefinitionReader(lambda ref: self._definition(pc, ref))
        assignments, gaps = [], []
        for a in self.paged("policy_assignments.list", pc.policy_assignments.list):
            definition_id = a.policy_definition_id or ""
            entry: dict[str, Any] = {
                "name": a.name,
                "definition": definition_id.rsplit("/", 1)[-1],
                "effect": "",
                "enforced": enum_text(a.enforcement_mode, "Default").lower() != "donotenforce",
                "ai_services": False,
            }
            ref = parse_definition_id(definition_id)
            if ref is None:
                gaps.append(
                    self.item_gap(
                        "policy_assignments.list",
                        definition_id,
                        ValueError(f"assignment {a.name} names a definition id of no known form"),
                        "policy definition",
                    )
                )
            else:
                if ref.is_set:
                    entry["initiative"] = True
                try:
                    resolved = resolve_assignment(a, ref, reader)
                except Unreadable as unreadable:
                    gaps.append(
                        self.item_gap(
                            unreadable.ref.operation,
                            unreadable.ref.id,
                            unreadable.exc,
                            f"policy definition (assigned by {a.name})",
                        )
                    )
                else:
                    entry["effect"] = strongest(resolved.effects)
                    entry["ai_services"] = resolved.ai_services
                    if ref.is_set:
                        entry["effects"] = sorted(set(resolved.effects))
                    for unresolved in resolved.unresolved:
                        gaps.append(
                            self.item_gap(
                                ref.operation,
                                unresolved,
                                ValueError(
                                    "its effect is a parameter with no value in the assignment and no default"
                                ),
                                f"policy effect (assigned by {a.name}) of",
                            )
                        )
            assignments.append(entry)
        data = {"assignments": sorted(assignments, key=lambda a: a["name"])}
        return [
            *gaps,
            self.ctx.evidence(kinds.POLICY, self.sub_id, f"policy_assignments.list {self.sub_id}", data),
        ]

    def _definition(self, pc: Any, ref: DefinitionRef) -> Any:
        ops = pc.policy_set_definitions if ref.is_set else pc.policy_definitions
        if ref.scope == "builtin":
            return self.one(ref.operation, lambda: ops.get_built_in(ref.name))
        if ref.scope == "management_group":
            return self.one(ref.operation, lambda: ops.get_at_management_group(ref.scope_id, ref.name))
        if ref.scope_id.lower() != self.sub_id.lower():  # another subscription's definition
            other = self.clients.policy(ref.scope_id)
            ops = other.policy_set_definitions if ref.is_set else other.policy_definitions
        return self.one(ref.operation, lambda: ops.get(ref.name))

    def _typed(self, resources: list[dict[str, Any]], rtype: str) -> list[dict[str, Any]]:
        return [r for r in resources if r["type"].lower() == rtype]

    def _details(self, op: str, rtype: str, resources: list[dict[str, Any]]) -> Iterator[Any]:
        """(resource, its GET properties) for each resource of a type; unreadable ones become gaps."""
        rm = self.clients.resources(self.sub_id)
        for r in self._typed(resources, rtype):
            try:
                detail = self.one(
                    op, lambda r=r: rm.resources.get_by_id(r["id"], api_version=API_VERSIONS[rtype])
                )
            except Exception as exc:
                if reason_of(exc) is UnknownReason.DENIED:
                    raise self._gap(op, exc) from None  # the same permission is missing for them all
                yield r, self.item_gap(op, r["id"], exc, rtype.rsplit("/", 1)[-1])
                continue
            yield r, (getattr(detail, "properties", None) or {})

    def budgets(self, _: list[dict[str, Any]]) -> list[Evidence]:
        return fetch_controls.budgets(self)

    def defender(self, _: list[dict[str, Any]]) -> list[Evidence]:
        return fetch_controls.defender(self)

    def online_endpoints(self, resources: list[dict[str, Any]]) -> list[Evidence]:
        found = []
        op = "resources.get_by_id[onlineEndpoints]"
        for r, props in self._details(op, kinds.ML_ONLINE_ENDPOINT, resources):
            if isinstance(props, Evidence):
                found.append(props)
                continue
            rid = r["id"]
            workspace = rid.rsplit("/onlineEndpoints/", 1)[0] if "/onlineendpoints/" in rid.lower() else ""
            data = {
                "name": rid.rsplit("/", 1)[-1],
                "workspace": workspace.lower(),
                "subscription": self.sub_id,
                "location": r["location"],
                "tags": r["tags"],
                "provisioning_state": enum_text(props.get("provisioningState")) or None,
                "traffic": props.get("traffic") or {},
            }
            found.append(
                self.ctx.evidence(
                    kinds.ONLINE_ENDPOINT, rid.lower(), f"resources.get_by_id {self.sub_id}", data
                )
            )
        return found

    def alerts(self, resources: list[dict[str, Any]]) -> list[Evidence]:
        found = []
        for rtype, name in (
            (kinds.METRIC_ALERT, "metricAlerts"),
            (kinds.SCHEDULED_QUERY, "scheduledQueryRules"),
        ):
            for r, props in self._details(f"resources.get_by_id[{name}]", rtype, resources):
                if isinstance(props, Evidence):
                    found.append(props)
                    continue
                data = {
                    "type": name,
                    "enabled": props.get("enabled") is not False,
                    "scopes": sorted(str(s).lower() for s in props.get("scopes") or []),
                }
                found.append(
                    self.ctx.evidence(
                        kinds.ALERT, r["id"].lower(), f"resources.get_by_id {self.sub_id}", data
                    )
                )
        return found


def _deployment(group: str, d: Any) -> dict[str, Any]:
    props = getattr(d, "properties", None)
    timestamp = getattr(props, "timestamp", None)
    return {
        "name": d.name,
        "resource_group": group,
        "state": enum_text(getattr(props, "provisioning_state", None)) or None,
        "timestamp": timestamp.isoformat() if timestamp else None,
        "resources": sorted(r.id.lower() for r in (getattr(props, "output_resources", None) or []) if r.id),
    }
