"""Execute a GraphQL request the way GitHub does: validate against its schema, price it, then resolve it.

Order matters and follows GitHub: a syntax or validation error, a missing pagination boundary or a scope
the token lacks is rejected before anything runs; a query that costs more points than the token has left
is refused with ``RATE_LIMITED``; otherwise the query runs and ``rateLimit { cost remaining resetAt }``
answers with this query's own cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    execute,
    get_named_type,
    parse,
    validate,
)

from assay.sandbox.github_standin.cost import query_cost
from assay.sandbox.github_standin.limits import Grant
from assay.sandbox.github_standin.model import Org
from assay.sandbox.github_standin.nodes import GitHubGraphQLError, QueryRoot
from assay.sandbox.github_standin.schema import github_schema

# Fields a classic token may only read with an extra OAuth scope (GitHub answers INSUFFICIENT_SCOPES).
SCOPED_FIELDS = {
    ("Organization", "teams"): ("read:org", "members=read"),
    ("Organization", "membersWithRole"): ("read:org", "members=read"),
    ("Organization", "projectsV2"): ("read:project", "organization_projects=read"),
}


@dataclass
class GraphQLResponse:
    status: int
    body: dict[str, Any]
    cost: int = 0


def run_graphql(payload: Any, orgs: dict[str, Org], grant: Grant) -> GraphQLResponse:
    """Answer one POST /graphql body for the token holding ``grant``."""
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return GraphQLResponse(400, {"message": "Problems parsing JSON"})
    schema = github_schema()
    try:
        document = parse(payload["query"])
    except GraphQLError as exc:
        return GraphQLResponse(200, {"errors": [_format(exc)]})
    problems = validate(schema, document)
    if problems:
        return GraphQLResponse(200, {"errors": [_format(e) for e in problems]})
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    name = payload.get("operationName")
    operation = next((o for o in operations if not name or (o.name and o.name.value == name)), None)
    if operation is None:
        return GraphQLResponse(200, {"errors": [{"message": f"No operation named {name!r}"}]})
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    variables = payload.get("variables") or {}
    cost = query_cost(schema, operation, fragments, variables)
    if cost.errors:
        return GraphQLResponse(200, {"errors": cost.errors})
    missing = _missing_scopes(schema, operation, fragments, grant)
    if missing:
        return GraphQLResponse(200, {"errors": missing})
    if not grant.graphql.charge(cost.points):
        limit, remaining, used, reset = grant.graphql.snapshot()
        return GraphQLResponse(
            200,
            {
                "errors": [
                    {
                        "type": "RATE_LIMITED",
                        "message": "API rate limit already exceeded for user ID 1. "
                        f"The query would cost {cost.points} points; {remaining} remain until "
                        f"{_iso(reset)}.",
                    }
                ]
            },
        )
    limit, remaining, used, reset = grant.graphql.snapshot()
    rate = {
        "cost": cost.points,
        "limit": limit,
        "remaining": remaining,
        "used": used,
        "resetAt": _iso(reset),
        "nodeCount": cost.nodes,
    }
    now = datetime.now(UTC)
    result = execute(
        schema,
        document,
        root_value=QueryRoot(orgs, rate, now),
        variable_values=variables,
        operation_name=name,
        type_resolver=_type_name,
    )
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [_format(e) for e in result.errors]
    return GraphQLResponse(200, body, cost.points)


def _type_name(value: Any, info: Any, abstract_type: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("typename")
    return getattr(value, "typename", None)


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def _format(error: GraphQLError) -> dict[str, Any]:
    out: dict[str, Any] = {"message": error.message}
    original = error.original_error
    if isinstance(original, GitHubGraphQLError):
        out["type"] = original.kind
    elif original is not None:
        out["type"] = "INTERNAL"
    if error.path:
        out["path"] = list(error.path)
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    return out


def _missing_scopes(
    schema: Any, operation: OperationDefinitionNode, fragments: dict[str, Any], grant: Grant
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(selection_set: Any, parent: Any) -> None:
        if selection_set is None or parent is None:
            return
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                definition = (getattr(parent, "fields", None) or {}).get(sel.name.value)
                if definition is None:
                    continue
                need = SCOPED_FIELDS.get((parent.name, sel.name.value))
                if need and not grant.allows(*need):
                    found.append(_insufficient(sel, need, grant))
                    continue
                walk(sel.selection_set, get_named_type(definition.type))
            elif hasattr(sel, "type_condition") and sel.selection_set is not None:
                cond = sel.type_condition
                walk(sel.selection_set, schema.get_type(cond.name.value) if cond else parent)
            elif sel.name.value in fragments:
                frag = fragments[sel.name.value]
                walk(frag.selection_set, schema.get_type(frag.type_condition.name.value))

    walk(operation.selection_set, schema.query_type)
    return found


def _insufficient(node: FieldNode, need: tuple[str, str], grant: Grant) -> dict[str, Any]:
    scope, permission = need
    loc = node.loc.source.get_location(node.loc.start) if node.loc else None
    if grant.kind == "classic":
        granted = ", ".join(f"'{s}'" for s in sorted(grant.scopes))
        message = (
            "Your token has not been granted the required scopes to execute this query. The "
            f"'{node.name.value}' field requires one of the following scopes: ['{scope}'], but your token "
            f"has only been granted the: [{granted}] scopes. Please modify your token's scopes at: "
            "https://github.com/settings/tokens."
        )
        kind = "INSUFFICIENT_SCOPES"
    else:
        message = f"Resource not accessible by integration (needs {permission})"
        kind = "FORBIDDEN"
    error: dict[str, Any] = {"type": kind, "message": message}
    if loc is not None:
        error["locations"] = [{"line": loc.line, "column": loc.column}]
    return error
