"""GitHub's own published descriptions of its APIs, from the npm packages pinned in package.json.

The stand-in executes GraphQL against ``@octokit/graphql-schema`` so that a query GitHub would reject is
rejected here too; the tests validate REST payloads against ``@octokit/openapi``. Both live in
``node_modules`` (installed by ``npm ci``); nothing here downloads anything.
"""

from __future__ import annotations

import os
import threading
from functools import cache
from pathlib import Path
from typing import Any

from assay.errors import SandboxUnavailable

NODE_MODULES_ENV = "ASSAY_NODE_MODULES"
GRAPHQL_SCHEMA = Path("@octokit/graphql-schema/schema.graphql")
OPENAPI = Path("@octokit/openapi/generated/api.github.com.json")

_lock = threading.Lock()


def candidate_dirs() -> list[Path]:
    """Where node_modules may be: $ASSAY_NODE_MODULES, the checkout this package runs from, the cwd."""
    found: list[Path] = []
    if os.environ.get(NODE_MODULES_ENV):
        found.append(Path(os.environ[NODE_MODULES_ENV]))
    here = Path(__file__).resolve()
    found.extend(parent / "node_modules" for parent in here.parents)
    found.append(Path.cwd() / "node_modules")
    return found


def find_package_file(relative: Path) -> Path:
    """The first node_modules that holds ``relative``, or an error that says to run ``npm ci``."""
    for base in candidate_dirs():
        path = base / relative
        if path.is_file():
            return path
    package = "/".join(relative.parts[:2])
    root = _checkout_root()
    where = f" in {root}" if root else " in the assay checkout (where package.json is)"
    raise SandboxUnavailable(
        f"the GitHub stand-in needs the npm package {package} (GitHub's published API description), "
        f"which is not installed: run `npm ci`{where}, or point {NODE_MODULES_ENV} at a node_modules "
        "folder that has it"
    )


def _checkout_root() -> Path | None:
    for parent in Path(__file__).resolve().parents:
        if (parent / "package.json").is_file():
            return parent
    return None


@cache
def _schema() -> Any:
    from graphql import build_schema

    path = find_package_file(GRAPHQL_SCHEMA)
    return build_schema(path.read_text(encoding="utf-8"), assume_valid_sdl=True)


def github_schema() -> Any:
    """GitHub's GraphQL schema as a graphql-core ``GraphQLSchema``, built once per process (about 1 s)."""
    with _lock:
        return _schema()


def preload_schema() -> None:
    """Fail now if the schema is not installed, then build it in the background (the first query waits)."""
    find_package_file(GRAPHQL_SCHEMA)
    threading.Thread(target=github_schema, name="github-schema", daemon=True).start()


def schema_version() -> str:
    """The pinned @octokit/graphql-schema version that the stand-in executes against."""
    import json

    package = find_package_file(GRAPHQL_SCHEMA).parent / "package.json"
    return str(json.loads(package.read_text())["version"])
