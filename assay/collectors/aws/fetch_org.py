"""Organizations: the account tree (accounts and their OU path) and the service control policies."""

from __future__ import annotations

import json
from typing import Any

from assay.collectors.aws import kinds
from assay.collectors.aws.api import Api

AI_SERVICE_PREFIXES = ("sagemaker:", "bedrock:", "comprehend:", "rekognition:", "textract:", "lex:")
FULL_ACCESS = "FullAWSAccess"


def account_tree(api: Api) -> tuple[str, str, list[dict[str, Any]]]:
    """(organisation id, management account id, [{id, name, status, ou_path}]) walking roots and OUs.

    Raises Gap when refused; returns no accounts when the caller is not in an organisation.
    """
    org = api.call("organizations", "DescribeOrganization")
    if org is None:
        return "", "", []
    org_id = org["Organization"]["Id"]
    management = org["Organization"].get("MasterAccountId", "")
    accounts: list[dict[str, Any]] = []
    roots = api.pages("organizations", "ListRoots", "Roots")
    stack: list[tuple[str, list[str]]] = [(r["Id"], []) for r in roots]
    while stack:
        parent, path = stack.pop()
        for acct in api.pages("organizations", "ListAccountsForParent", "Accounts", ParentId=parent):
            accounts.append(
                {
                    "id": acct["Id"],
                    "name": acct.get("Name", ""),
                    "status": acct.get("Status"),
                    "ou_path": path,
                }
            )
        for ou in api.pages(
            "organizations", "ListOrganizationalUnitsForParent", "OrganizationalUnits", ParentId=parent
        ):
            stack.append((ou["Id"], [*path, ou.get("Name", "")]))
    return org_id, management, sorted(accounts, key=lambda a: a["id"])


def scps(api: Api) -> list[Any]:
    """The service control policies: whether each is attached, denies anything, and names AI services."""
    org = api.call("organizations", "DescribeOrganization")
    if org is None:
        data = {"in_organization": False, "policies": []}
        return [api.evidence(kinds.SCPS, "standalone", "organizations:ListPolicies", data)]
    org_id = org["Organization"]["Id"]
    policies = []
    for summary in api.pages("organizations", "ListPolicies", "Policies", Filter="SERVICE_CONTROL_POLICY"):
        detail = api.call("organizations", "DescribePolicy", PolicyId=summary["Id"]) or {}
        content = (detail.get("Policy") or {}).get("Content") or "{}"
        targets = api.pages("organizations", "ListTargetsForPolicy", "Targets", PolicyId=summary["Id"])
        policies.append(
            {
                "id": summary["Id"],
                "name": summary.get("Name", ""),
                "aws_managed": bool(summary.get("AwsManaged")) or summary.get("Name") == FULL_ACCESS,
                "attached": bool(targets),
                **_statement_facts(content),
            }
        )
    data = {"in_organization": True, "policies": sorted(policies, key=lambda p: p["name"])}
    return [api.evidence(kinds.SCPS, org_id, "organizations:ListPolicies", data)]


def _statement_facts(content: str) -> dict[str, Any]:
    """Whether a policy document denies anything, and the AI service actions it names (no content kept)."""
    try:
        doc = json.loads(content)
    except (TypeError, ValueError):
        return {"deny": False, "ai_services": []}
    statements = doc.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    deny = any(str(s.get("Effect", "")).lower() == "deny" for s in statements if isinstance(s, dict))
    actions: list[str] = []
    for s in statements:
        if not isinstance(s, dict):
            continue
        for key in ("Action", "NotAction"):
            value = s.get(key) or []
            actions.extend([value] if isinstance(value, str) else value)
    ai = sorted({a.split(":")[0] for a in actions if str(a).lower().startswith(AI_SERVICE_PREFIXES)})
    return {"deny": deny, "ai_services": ai}
