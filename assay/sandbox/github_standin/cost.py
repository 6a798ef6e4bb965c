"""GitHub's GraphQL rate-limit arithmetic and pagination limits, applied to a parsed query.

From GitHub's documentation ("Rate limits and query limits for the GraphQL API"):

* every connection needs a ``first`` or ``last`` argument between 1 and 100;
* the node limit: the sum over connections of the nodes they could return (their ``first``/``last`` times
  the nodes of their parent connections) may not exceed 500,000;
* the cost: add up the number of requests needed to fulfil each connection (one per instance of its
  parent: the product of the ``first``/``last`` of the connections above it), divide by 100 and round;
  a query costs at least 1 point.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import get_argument_values

MAX_PAGE = 100
MAX_NODES = 500_000


@dataclass
class QueryCost:
    """What a query costs under GitHub's formula, and the limit violations it contains."""

    requests: int = 0
    nodes: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def points(self) -> int:
        return max(1, int(self.requests / 100 + 0.5))


def query_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
) -> QueryCost:
    """Walk the operation's selections with their types and apply GitHub's cost formula."""
    cost = QueryCost()
    root = schema.query_type if operation.operation.value == "query" else schema.mutation_type
    _walk(schema, operation.selection_set, root, 1, cost, fragments, variables)
    if cost.nodes > MAX_NODES:
        cost.errors.append(
            {
                "type": "MAX_NODE_LIMIT_EXCEEDED",
                "message": f"This query requests up to {cost.nodes:,} possible nodes which exceeds the "
                f"maximum limit of {MAX_NODES:,}.",
            }
        )
    return cost


def _walk(
    schema: GraphQLSchema,
    selection_set: SelectionSetNode | None,
    parent: Any,
    multiplier: int,
    cost: QueryCost,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
) -> None:
    if selection_set is None or parent is None:
        return
    for sel in selection_set.selections:
        if isinstance(sel, FieldNode):
            fields = getattr(parent, "fields", None) or {}
            definition = fields.get(sel.name.value)
            if definition is None:  # __typename, or a field the validator already rejected
                continue
            child_type = get_named_type(definition.type)
            child_mult = multiplier
            if _is_connection(definition, child_type):
                args = get_argument_values(definition, sel, variables)
                page = args.get("first") if args.get("first") is not None else args.get("last")
                if page is None:
                    cost.errors.append(
                        {
                            "type": "MISSING_PAGINATION_BOUNDARIES",
                            "path": [sel.name.value],
                            "message": f"You must provide a `first` or `last` value to properly paginate "
                            f"the `{sel.name.value}` connection.",
                        }
                    )
                    page = MAX_PAGE
                elif page > MAX_PAGE or page < 0:
                    which = "first" if args.get("first") is not None else "last"
                    cost.errors.append(
                        {
                            "type": "EXCESSIVE_PAGINATION",
                            "path": [sel.name.value],
                            "message": f"Requesting {page} records on the `{sel.name.value}` connection "
                            f"exceeds the `{which}` limit of {MAX_PAGE} records.",
                        }
                    )
                cost.requests += multiplier
                cost.nodes += multiplier * page
                child_mult = multiplier * max(page, 1)
            _walk(schema, sel.selection_set, child_type, child_mult, cost, fragments, variables)
        elif isinstance(sel, InlineFragmentNode):
            target = schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
            _walk(schema, sel.selection_set, target, multiplier, cost, fragments, variables)
        elif isinstance(sel, FragmentSpreadNode):
            frag = fragments.get(sel.name.value)
            if frag is not None:
                target = schema.get_type(frag.type_condition.name.value)
                _walk(schema, frag.selection_set, target, multiplier, cost, fragments, variables)


def _is_connection(definition: Any, named: Any) -> bool:
    return named.name.endswith("Connection") and ("first" in definition.args or "last" in definition.args)
