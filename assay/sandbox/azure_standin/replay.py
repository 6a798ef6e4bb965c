"""Replaying recorded Azure Resource Manager answers (the ``examples/`` of Azure/azure-rest-api-specs).

Each recording is one operation's published request parameters and response. The replay serves every
recording at the real path its parameters name, for the api-version it was recorded with (another
api-version is answered 400, so a client that moved on is noticed), over the stand-in's HTTPS, token
endpoint and fault injection. Lists the recordings do not publish are answered from the recorded items:

* ``Resources_List`` with the id, name, type, location and tags of every recorded resource GET;
* ``ResourceGroups_List`` and ``Deployments_ListByResourceGroup`` with the recorded group and deployment
  bodies; ``PolicyAssignments_List`` with the recorded subscription lists, single assignments and the
  assignments of management groups (which Azure lists for every subscription below them).

``Budgets_List`` and ``Pricings_List`` are served as recorded (at a subscription scope).

The recordings come from different example subscriptions, so those lists are served under each
subscription that the recorded ``Subscriptions_List`` shows; a GET is served at its own recorded
subscription as well. Everything else is 404 with ARM's error body.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from assay.sandbox.azure_standin.estate import ArmEstate
from assay.sandbox.azure_standin.server import ArmStandIn, _error
from assay.sandbox.azure_standin.tls import make_tls

_AUTH = "/providers/Microsoft.Authorization"
_RG = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"
_MG = "/providers/Microsoft.Management/managementGroups/{managementGroupId}"
_ML = "/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}"
# operationId -> path template, as the vendor's Swagger declares them.
PATHS = {
    "Subscriptions_List": "/subscriptions",
    "Subscriptions_Get": "/subscriptions/{subscriptionId}",
    "ResourceGroups_Get": "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}",
    "Deployments_Get": _RG + "/providers/Microsoft.Resources/deployments/{deploymentName}",
    "Deployments_CreateOrUpdate": _RG + "/providers/Microsoft.Resources/deployments/{deploymentName}",
    "PolicyAssignments_List": "/subscriptions/{subscriptionId}" + _AUTH + "/policyAssignments",
    "PolicyAssignments_ListForManagementGroup": _MG + _AUTH + "/policyAssignments",
    "PolicyAssignments_Get": "/{scope}" + _AUTH + "/policyAssignments/{policyAssignmentName}",
    "PolicyAssignments_Create": "/{scope}" + _AUTH + "/policyAssignments/{policyAssignmentName}",
    "PolicyDefinitions_Get": "/subscriptions/{subscriptionId}"
    + _AUTH
    + "/policyDefinitions/{policyDefinitionName}",
    "PolicyDefinitions_GetBuiltIn": _AUTH + "/policyDefinitions/{policyDefinitionName}",
    "PolicyDefinitions_GetAtManagementGroup": _MG + _AUTH + "/policyDefinitions/{policyDefinitionName}",
    "PolicySetDefinitions_Get": "/subscriptions/{subscriptionId}"
    + _AUTH
    + "/policySetDefinitions/{policySetDefinitionName}",
    "PolicySetDefinitions_GetBuiltIn": _AUTH + "/policySetDefinitions/{policySetDefinitionName}",
    "OnlineEndpoints_Get": _RG + _ML + "/onlineEndpoints/{endpointName}",
    "Workspaces_Get": _RG + _ML,
    "MetricAlerts_Get": _RG + "/providers/Microsoft.Insights/metricAlerts/{ruleName}",
    "ScheduledQueryRules_Get": _RG + "/providers/Microsoft.Insights/scheduledQueryRules/{ruleName}",
    "Budgets_List": "/{scope}/providers/Microsoft.Consumption/budgets",
    "Pricings_List": "/{scopeId}/providers/Microsoft.Security/pricings",
}
SCOPES = ("scope", "scopeId")  # path parameters that hold a whole scope (slashes and all)
RESOURCE_GETS = ("OnlineEndpoints_Get", "Workspaces_Get", "MetricAlerts_Get", "ScheduledQueryRules_Get")
ASSIGNMENT_ITEMS = ("PolicyAssignments_Get", "PolicyAssignments_Create")


@dataclass(frozen=True)
class Recording:
    file: str
    operation: str
    params: dict[str, Any]
    body: Any

    @property
    def api_version(self) -> str | None:
        return self.params.get("api-version")

    @property
    def path(self) -> str:
        """The concrete request path the recording's parameters name."""
        path = PATHS[self.operation]
        for name in re.findall(r"{(\w+)}", path):
            value = str(self.params[name])
            path = path.replace(
                "{" + name + "}", value.strip("/") if name in SCOPES else quote(value, safe="")
            )
        return path


def load(file: Path, operation: str | None = None, params: dict[str, Any] | None = None) -> Recording:
    """A recording from an ``examples/`` file (its first 2xx response), or a bare body with ``params``."""
    doc = json.loads(file.read_text(encoding="utf-8"))
    if "responses" in doc:
        ok = sorted(code for code in doc["responses"] if str(code).startswith("2"))
        body = doc["responses"][ok[0]].get("body")
        return Recording(file.name, operation or doc["operationId"], dict(doc.get("parameters") or {}), body)
    if operation is None:
        raise ValueError(f"{file}: a bare response body needs its operation named")
    return Recording(file.name, operation, dict(params or {}), doc)


class ArmReplay(ArmStandIn):
    """The stand-in's server (TLS, tokens, deny/throttle faults) answering from recordings."""

    def __init__(self, recordings: list[Recording], *args: Any, **kwargs: Any) -> None:
        super().__init__(ArmEstate(tenant_id="72f988bf-86f1-41af-91ab-2d7cd011db47"), *args, **kwargs)
        self.recordings = recordings
        subs = [r for r in recordings if r.operation == "Subscriptions_List"]
        self.listed = {
            str(s.get("subscriptionId", "")).lower() for r in subs for s in (r.body or {}).get("value", [])
        }

    def _arm(self, lower: str, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, str], Any]:
        version = (query.get("api-version") or [""])[0]
        lower = unquote(lower)
        composed = self._composed(lower, version)
        if composed is not None:
            return composed
        for rec in self.recordings:
            if rec.operation in PATHS and self._matches(rec, lower):
                if rec.api_version and rec.api_version != version:
                    return 400, {}, _error("InvalidApiVersionParameter", f"{version} was not recorded")
                return 200, {}, rec.body
        kind = "PolicyDefinitionNotFound" if "/policydefinitions/" in lower else "ResourceNotFound"
        if "/policysetdefinitions/" in lower:
            kind = "PolicySetDefinitionNotFound"
        return 404, {}, _error(kind, f"The resource '{path}' was not found.")

    def _matches(self, rec: Recording, lower: str) -> bool:
        want = unquote(rec.path).lower()
        if want == lower:
            return True
        recorded_sub = _recorded_subscription(rec)
        m = re.fullmatch(r"/subscriptions/([^/]+)(/.*)?", lower)
        if not recorded_sub or not m or m.group(1) not in self.listed:
            return False
        return want == f"/subscriptions/{recorded_sub}{m.group(2) or ''}"

    def _composed(self, lower: str, version: str) -> tuple[int, dict[str, str], Any] | None:
        m = re.fullmatch(r"/subscriptions/([^/]+)(/.*)", lower)
        if not m or m.group(1) not in self.listed:
            return None
        rest = m.group(2)
        if rest == "/resources":  # Resources_List has no published example; the version is the client's
            return self._list([_generic(r) for r in self._of(*RESOURCE_GETS)], version, None)
        if rest == "/resourcegroups":
            groups = self._of("ResourceGroups_Get")
            return self._list([r.body for r in groups], version, _version(groups))
        if rest == "/providers/microsoft.resources/deployments":
            return self._list([], version, None)
        dm = re.fullmatch(r"/resourcegroups/([^/]+)/providers/microsoft\.resources/deployments", rest)
        if dm:
            found = [
                r.body
                for r in self._of("Deployments_Get", "Deployments_CreateOrUpdate")
                if str(r.params.get("resourceGroupName", "")).lower() == dm.group(1)
            ]
            return self._list(found, version, None)
        if rest == "/providers/microsoft.authorization/policyassignments":
            items = [a for r in self._of("PolicyAssignments_List") for a in r.body.get("value", [])]
            items += [r.body for r in self._of(*ASSIGNMENT_ITEMS)]
            items += [
                a for r in self._of("PolicyAssignments_ListForManagementGroup") for a in r.body["value"]
            ]
            unique = {str(a["id"]).lower(): a for a in reversed(items)}
            return self._list(list(reversed(list(unique.values()))), version, None)
        return None

    def _of(self, *operations: str) -> list[Recording]:
        return [r for r in self.recordings if r.operation in operations]

    def _list(self, items: list[Any], version: str, needs: str | None) -> tuple[int, dict[str, str], Any]:
        if needs and version != needs:
            return 400, {}, _error("InvalidApiVersionParameter", f"{version} was not recorded")
        return 200, {}, {"value": items}


def _recorded_subscription(rec: Recording) -> str:
    """The example subscription a recording was made in: its subscriptionId, or the subscription its scope
    names (Pricings_List records only ``scopeId: subscriptions/<id>``)."""
    if rec.params.get("subscriptionId"):
        return str(rec.params["subscriptionId"]).lower()
    for name in SCOPES:
        m = re.match(r"/?subscriptions/([^/]+)", str(rec.params.get(name, "")), re.IGNORECASE)
        if m:
            return m.group(1).lower()
    return ""


def _version(recordings: list[Recording]) -> str | None:
    return next((r.api_version for r in recordings if r.api_version), None)


def _generic(rec: Recording) -> dict[str, Any]:
    """A recorded resource as Resources_List shows it: id, name, type, location, tags (no properties)."""
    rid = rec.path
    segments = rid.split("/providers/", 1)[1].split("/")
    namespace, pairs = segments[0], segments[1:]
    found: dict[str, Any] = {
        "id": rid,
        "name": unquote(pairs[-1]),
        "type": "/".join([namespace, *pairs[0::2]]),
    }
    body = rec.body if isinstance(rec.body, dict) else {}
    for key in ("location", "tags", "kind"):
        if key in body:
            found[key] = body[key]
    return found


class ReplayServer:
    """A running replay and the audit config that points the Azure collector at it."""

    def __init__(self, recordings: list[Recording], workdir: Path, **faults: Any) -> None:
        tls = make_tls(workdir)
        client_id, secret = "00000000-assay-replay-client", secrets.token_urlsafe(24)
        self.server = ArmReplay(recordings, tls, client_id, secret, **faults).start()
        self.secret = secret
        self.config = {
            "tenant_id": self.server.estate.tenant_id,
            "client_id": client_id,
            "client_secret_env": "ASSAY_REPLAY_AZURE_CLIENT_SECRET",
            "authority": self.server.url,
            "base_url": self.server.url,
            "ca_bundle": str(tls.ca_bundle),
        }

    def stop(self) -> None:
        self.server.stop()


def load_manifest(root: Path) -> dict[str, Recording]:
    """Every recording a ``manifest.json`` lists, by its file (relative to ``root``)."""
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    return {
        entry["file"]: load(root / entry["file"], entry.get("operation"), entry.get("params"))
        for entry in manifest["recordings"]
    }
