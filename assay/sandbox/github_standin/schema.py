"""GitHub's own published descriptions of its APIs.

The stand-in executes GraphQL against ``@octokit/graphql-schema`` so that a query GitHub would reject is
rejected here too. That schema ships inside this package (``data/schema.graphql.gz``, with its MIT notice),
so ``assay demo`` from a wheel needs no npm; a test keeps it equal to the version pinned in package.json.
The tests also validate REST payloads against ``@octokit/openapi``, which only a checkout's ``node_modules``
(``npm ci``) provides. Nothing here downloads anything.
"""

from __future__ import annotations

import gzip
import os
import threading
from functools import cache
from pathlib import Path
from typing import Any

from assay.errors import SandboxUnavailable

NODE_MODULES_ENV = "ASSAY_NODE_MODULES"
GRAPHQL_SCHEMA = Path("@octokit/graphql-schema/schema.graphql")
OPENAPI = Path("@octokit/openapi/generated/api.github.com.json")
PACKAGED = Path(__file__).resolve().parent / "data"
PACKAGED_SCHEMA = PACKAGED / "schema.graphql.gz"

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
        f"this needs the npm package {package} (GitHub's published API description), "
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

    return build_schema(packaged_schema_sdl(), assume_valid_sdl=True)


def packaged_schema_sdl() -> str:
    """The SDL of GitHub's GraphQL schema as shipped in this package."""
    try:
        return gzip.decompress(PACKAGED_SCHEMA.read_bytes()).decode("utf-8")
    except OSError as exc:
        raise SandboxUnavailable(
            f"the GitHub stand-in's schema {PACKAGED_SCHEMA} cannot be read ({exc}); reinstall assay"
        ) from exc


def github_schema() -> Any:
    """GitHub's GraphQL schema as a graphql-core ``GraphQLSchema``, built once per process (about 1 s)."""
    with _lock:
        return _schema()


def preload_schema() -> None:
    """Fail now if the schema is missing, then build it in the background (the first query waits)."""
    if not PACKAGED_SCHEMA.is_file():
        packaged_schema_sdl()  # raises the explanation
    threading.Thread(target=github_schema, name="github-schema", daemon=True).start()


def schema_version() -> str:
    """The @octokit/graphql-schema version that the stand-in executes against."""
    return (PACKAGED / "VERSION").read_text(encoding="utf-8").strip()
