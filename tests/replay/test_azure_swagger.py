"""The Azure stand-in checked against Azure Resource Manager's published Swagger.

Every response the stand-in sends while the real SDK clients collect each estate is validated against the
response schema of the operation it answers (fixtures/recorded/azure/specs, trimmed copies of
Azure/azure-rest-api-specs). A field the real API never returns, or a required field the stand-in leaves
out, fails. The published recordings themselves are checked too, as a check of the validator.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

from assay.collectors.azure import AzureCollector, AzureConfig
from assay.collectors.base import CollectContext
from assay.sandbox.azure_standin import AzureMaterializer
from assay.sandbox.estate import load_estate
from tests.replay.azure_swagger import Swagger

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2] / "fixtures" / "recorded" / "azure"
MANIFEST = json.loads((ROOT / "manifest.json").read_text(encoding="utf-8"))["recordings"]
ESTATES = sorted(p.parent.name for p in (ROOT.parents[1] / "estates").glob("*/azure.yaml"))
# The ARM operations the collector calls (resources.get_by_id answers with the resource's own provider's
# schema, so those are named by the provider's operation).
CALLED = {
    "Subscriptions_List",
    "Resources_List",
    "ResourceGroups_List",
    "Deployments_ListAtSubscriptionScope",
    "Deployments_ListByResourceGroup",
    "PolicyAssignments_List",
    "PolicyDefinitions_Get",
    "OnlineEndpoints_Get",
    "MetricAlerts_Get",
    "ScheduledQueryRules_Get",
    "Budgets_List",
    "Pricings_List",
}
BY_TYPE = {
    "microsoft.machinelearningservices/workspaces/onlineendpoints": "OnlineEndpoints_Get",
    "microsoft.insights/metricalerts": "MetricAlerts_Get",
    "microsoft.insights/scheduledqueryrules": "ScheduledQueryRules_Get",
}


@pytest.fixture(scope="module")
def swagger() -> Swagger:
    return Swagger()


def _recorded(entry: dict[str, Any]) -> tuple[str, Any]:
    doc = json.loads((ROOT / entry["file"]).read_text(encoding="utf-8"))
    if "responses" not in doc:
        return "200", doc
    status = sorted(s for s in doc["responses"] if s.startswith("2"))[0]
    return status, doc["responses"][status]["body"]


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_published_recordings_match_their_schema(swagger: Swagger, entry: dict[str, Any]) -> None:
    status, body = _recorded(entry)
    assert swagger.errors(entry["operation"], status, body) == []


def test_the_validator_rejects_unknown_and_missing_fields(swagger: Swagger) -> None:
    entry = next(e for e in MANIFEST if e["operation"] == "MetricAlerts_Get")
    _, body = _recorded(entry)
    extra = copy.deepcopy(body)
    extra["properties"]["alertState"] = "Fired"  # not a property of MetricAlertProperties
    assert any("alertState" in e for e in swagger.errors("MetricAlerts_Get", 200, extra))
    missing = copy.deepcopy(body)
    del missing["properties"]["criteria"]
    assert any(
        "'criteria' is a required property" in e for e in swagger.errors("MetricAlerts_Get", 200, missing)
    )
    wrong = copy.deepcopy(body)
    wrong["properties"]["criteria"]["allOf"][0]["operator"] = "Above"  # not in the criterion's enum
    assert swagger.errors("MetricAlerts_Get", 200, wrong)
    subs = next(e for e in MANIFEST if e["operation"] == "Subscriptions_List")
    _, listing = _recorded(subs)
    listing = copy.deepcopy(listing)
    listing["value"][0]["state"] = "SubscriptionState.ENABLED"
    assert any("SubscriptionState.ENABLED" in e for e in swagger.errors("Subscriptions_List", 200, listing))


def _operation(swagger: Swagger, method: str, path: str) -> str | None:
    op = swagger.operation_for(method, path)
    if op in (None, "Resources_GetById"):
        rtype = _resource_type(path)
        return BY_TYPE.get(rtype, op)
    return op


def _resource_type(path: str) -> str:
    if "/providers/" not in path:
        return ""
    segments = path.split("/providers/")[-1].split("/")
    return "/".join([segments[0], *segments[1::2]]).lower()


@pytest.fixture(scope="module")
def answered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[str, str, int, Any]]]:
    """What the stand-in sent, per estate, while the real SDK clients collected it."""
    found = {}
    for estate in ESTATES:
        loaded = load_estate(estate)
        mat = AzureMaterializer()
        result = mat.start(loaded, loaded.source("azure") or {}, tmp_path_factory.mktemp(estate))
        os.environ.update(result.env)
        try:
            cfg = AzureConfig.model_validate(result.config)
            list(AzureCollector().collect(cfg, CollectContext("azure")))
            found[estate] = list(mat.standin.responses)
        finally:
            for key in result.env:
                os.environ.pop(key, None)
            mat.stop()
    return found


def _checked(swagger: Swagger, responses: list[tuple[str, str, int, Any]]) -> tuple[set[str], list[str]]:
    checked: set[str] = set()
    problems: list[str] = []
    for method, path, status, body in responses:
        if status >= 300 or "/oauth2/" in path or "openid-configuration" in path:
            continue
        op = _operation(swagger, method, path)
        assert op is not None, f"the stand-in answered {method} {path}, which no vendored operation declares"
        checked.add(op)
        problems += [f"{op} {path}: {e}" for e in swagger.errors(op, status, body)]
    return checked, problems


@pytest.mark.parametrize("estate", ESTATES)
def test_standin_answers_match_the_swagger(swagger: Swagger, answered: Any, estate: str) -> None:
    checked, problems = _checked(swagger, answered[estate])
    assert problems == []
    assert {"Subscriptions_List", "Resources_List", "PolicyAssignments_List"} <= checked <= CALLED


def test_every_called_operation_is_checked(swagger: Swagger, answered: Any) -> None:
    """Across the estates the stand-in answered (so was checked for) every operation the collector calls."""
    seen = set().union(*(_checked(swagger, found)[0] for found in answered.values()))
    assert seen == CALLED
