"""Reading one Azure subscription into evidence: resources (type, location, tags), deployments (IaC),
policy assignments (guardrails), Azure ML online endpoints and Monitor alert rules."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from assay.collectors.azure import kinds
from assay.collectors.azure.operations import OPERATIONS
from assay.collectors.base import CollectContext
from assay.evidence import Evidence, UnknownReason

API_VERSIONS = {
    kinds.ML_ONLINE_ENDPOINT: "2024-04-01",
    kinds.METRIC_ALERT: "2018-03-01",
    kinds.SCHEDULED_QUERY: "2023-12-01",
}
AI_NAMESPACES = ("microsoft.machinelearningservices", "microsoft.cognitiveservices")


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

    def one(self, op: str, fn: Callable[[], Any]) -> Any:
        self.ctx.count_call(f"{op} {self.sub_id}")
        try:
            return fn()
        except Exception as exc:
            if getattr(exc, "status_code", None) == 404:
                return None
            raise self._gap(op, exc) from None

    def evidence(self) -> Iterator[Evidence]:
        """Every family in turn; a refused family yields its gap and the others still run."""
        resources: list[dict[str, Any]] = []
        for family in (self.resources, self.deployments, self.policy, self.online_endpoints, self.alerts):
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
            into.append(
                {
                    "id": r.id,
                    "type": r.type,
                    "location": r.location,
                    "tags": {str(k): str(v)[:100] for k, v in sorted((r.tags or {}).items())},
                    "resource_group": r.id.split("/")[4] if r.id.count("/") > 4 else "",
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
        data = {
            "deployments": [
                {
                    "name": d.name,
                    "resource_group": group,
                    "state": getattr(d.properties, "provisioning_state", None),
                    "timestamp": d.properties.timestamp.isoformat()
                    if getattr(d.properties, "timestamp", None)
                    else None,
                    "resources": sorted(
                        r.id.lower() for r in (getattr(d.properties, "output_resources", None) or []) if r.id
                    ),
                }
                for group, d in found
            ]
        }
        return [
            self.ctx.evidence(
                kinds.DEPLOYMENTS, self.sub_id, f"deployments.list_by_resource_group {self.sub_id}", data
            )
        ]

    def policy(self, _: list[dict[str, Any]]) -> list[Evidence]:
        pc = self.clients.policy(self.sub_id)
        assignments = []
        for a in self.paged("policy_assignments.list", pc.policy_assignments.list):
            definition = self._definition(pc, a.policy_definition_id or "")
            rule = getattr(definition, "policy_rule", None) or {}
            effect = str((rule.get("then") or {}).get("effect", "")) if isinstance(rule, dict) else ""
            if effect.startswith("[parameters("):
                name = effect.split("'")[1] if "'" in effect else "effect"
                given = (a.parameters or {}).get(name)
                default = (getattr(definition, "parameters", None) or {}).get(name)
                effect = str(getattr(given, "value", None) or getattr(default, "default_value", None) or "")
            text = json.dumps(rule).lower() if rule else ""
            assignments.append(
                {
                    "name": a.name,
                    "definition": (a.policy_definition_id or "").rsplit("/", 1)[-1],
                    "effect": effect.lower(),
                    "enforced": str(getattr(a, "enforcement_mode", "Default") or "Default") != "DoNotEnforce",
                    "ai_services": any(ns in text for ns in AI_NAMESPACES),
                }
            )
        data = {"assignments": sorted(assignments, key=lambda a: a["name"])}
        return [self.ctx.evidence(kinds.POLICY, self.sub_id, f"policy_assignments.list {self.sub_id}", data)]

    def _definition(self, pc: Any, definition_id: str) -> Any:
        if "/policySetDefinitions/" in definition_id:
            return None  # initiatives bundle many effects; their members are not resolved here
        name = definition_id.rsplit("/", 1)[-1]
        if definition_id.lower().startswith("/subscriptions/"):
            return self.one("policy_definitions.get", lambda: pc.policy_definitions.get(name))
        return self.one("policy_definitions.get_built_in", lambda: pc.policy_definitions.get_built_in(name))

    def _typed(self, resources: list[dict[str, Any]], rtype: str) -> list[dict[str, Any]]:
        return [r for r in resources if r["type"].lower() == rtype]

    def online_endpoints(self, resources: list[dict[str, Any]]) -> list[Evidence]:
        rm = self.clients.resources(self.sub_id)
        found = []
        for r in self._typed(resources, kinds.ML_ONLINE_ENDPOINT):
            detail = self.one(
                "resources.get_by_id[onlineEndpoints]",
                lambda r=r: rm.resources.get_by_id(
                    r["id"], api_version=API_VERSIONS[kinds.ML_ONLINE_ENDPOINT]
                ),
            )
            props = (getattr(detail, "properties", None) or {}) if detail is not None else {}
            data = {
                "name": r["id"].rsplit("/", 1)[-1],
                "workspace": r["id"].rsplit("/onlineEndpoints/", 1)[0]
                if "/onlineEndpoints/" in r["id"]
                else "",
                "subscription": self.sub_id,
                "location": r["location"],
                "tags": r["tags"],
                "provisioning_state": props.get("provisioningState", "Succeeded"),
                "traffic": props.get("traffic") or {},
            }
            data["workspace"] = data["workspace"].lower()
            found.append(
                self.ctx.evidence(
                    kinds.ONLINE_ENDPOINT, r["id"].lower(), f"resources.get_by_id {self.sub_id}", data
                )
            )
        return found

    def alerts(self, resources: list[dict[str, Any]]) -> list[Evidence]:
        rm = self.clients.resources(self.sub_id)
        found = []
        for rtype, op in (
            (kinds.METRIC_ALERT, "metricAlerts"),
            (kinds.SCHEDULED_QUERY, "scheduledQueryRules"),
        ):
            for r in self._typed(resources, rtype):
                detail = self.one(
                    f"resources.get_by_id[{op}]",
                    lambda r=r, t=rtype: rm.resources.get_by_id(r["id"], api_version=API_VERSIONS[t]),
                )
                props = (getattr(detail, "properties", None) or {}) if detail is not None else {}
                data = {
                    "type": op,
                    "enabled": bool(props.get("enabled", True)),
                    "scopes": sorted(str(s).lower() for s in props.get("scopes") or []),
                }
                found.append(
                    self.ctx.evidence(
                        kinds.ALERT, r["id"].lower(), f"resources.get_by_id {self.sub_id}", data
                    )
                )
        return found
