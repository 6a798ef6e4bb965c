"""Relay connections, actors and GitHub's typed GraphQL errors: the pieces every resolver shares."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Any

from assay.sandbox.github_standin.model import Actor


class GitHubGraphQLError(Exception):
    """An error GitHub reports with its own ``type`` (NOT_FOUND, FORBIDDEN, ...)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _cursor(index: int) -> str:
    return base64.b64encode(f"cursor:v2:{index}".encode()).decode()


def _index(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        return int(base64.b64decode(cursor).decode().rsplit(":", 1)[1])
    except (ValueError, IndexError):
        message = f"`{cursor}` does not appear to be a valid cursor."
        raise GitHubGraphQLError("INVALID_CURSOR_ARGUMENTS", message) from None


class Connection:
    """A Relay connection over a list: nodes, edges, pageInfo and totalCount."""

    def __init__(
        self,
        items: Sequence[Any],
        args: dict[str, Any],
        edge: Callable[[Any, str], dict[str, Any]] | None = None,
        total: int | None = None,
    ) -> None:
        start = 0
        end = len(items)
        after, before = _index(args.get("after")), _index(args.get("before"))
        if after is not None:
            start = after + 1
        if before is not None:
            end = min(end, before)
        window = list(range(start, max(start, end)))
        if args.get("first") is not None:
            chosen = window[: args["first"]]
        elif args.get("last") is not None:
            chosen = window[-args["last"] :] if args["last"] else []
        else:
            chosen = window
        self.nodes = [items[i] for i in chosen]
        make_edge = edge or (lambda item, cursor: {"cursor": cursor, "node": item})
        self.edges = [make_edge(items[i], _cursor(i)) for i in chosen]
        self.totalCount = len(items) if total is None else total
        self.pageInfo = {
            "hasNextPage": bool(chosen) and chosen[-1] < end - 1,
            "hasPreviousPage": bool(chosen) and chosen[0] > 0,
            "startCursor": _cursor(chosen[0]) if chosen else None,
            "endCursor": _cursor(chosen[-1]) if chosen else None,
        }


class ActorNode:
    def __init__(self, actor: Actor) -> None:
        self.typename = "Bot" if actor.bot else "User"
        self.login = actor.login
        self.url = f"https://github.com/{actor.login}"
        self.resourcePath = f"/{actor.login}"
        self.avatarUrl = f"https://avatars.githubusercontent.com/{actor.login}"
