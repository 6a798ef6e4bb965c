"""The sandbox: materialise a fixture estate onto real or local services and say how to audit it.

Each source has a materializer that starts (or seeds) the service the collector talks to and returns the
collector's config section pointing at it. The collectors cannot tell a sandbox from production: they use
their real client libraries over HTTP (or MLflow's real store).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import shutil
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from assay.errors import SandboxUnavailable
from assay.sandbox.estate import Estate

log = logging.getLogger(__name__)

# source name -> "module:Class". Imported lazily: a demo only pays for the services its estate uses.
MATERIALIZERS: dict[str, str] = {
    "mlflow": "assay.sandbox.mlflow_store:MlflowMaterializer",
    "github": "assay.sandbox.github_estate:GithubMaterializer",
    "aws": "assay.sandbox.aws_sandbox:AwsMaterializer",
    "azure": "assay.sandbox.azure_standin:AzureMaterializer",
    "jenkins": "assay.sandbox.jenkins_standin:JenkinsMaterializer",
    "prometheus": "assay.sandbox.prometheus_standin:PrometheusMaterializer",
}


@dataclass
class Materialized:
    """What a materializer hands back: the collector's config section and environment it needs."""

    config: dict[str, Any]
    env: dict[str, str] = field(default_factory=dict)


class Materializer(Protocol):
    """Builds one source of an estate. ``start`` may launch services; ``stop`` must always release them."""

    source: str

    def start(self, estate: Estate, fixture: dict[str, Any], workdir: Path) -> Materialized: ...

    def stop(self) -> None: ...


def materializer_for(source: str) -> Materializer:
    module_name, _, cls_name = MATERIALIZERS[source].partition(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    return cls()


class Sandbox(contextlib.AbstractContextManager["Sandbox"]):
    """Materialise an estate on entry, tear every service down on exit.

    >>> with Sandbox(load_estate("aurora-dynamics")) as sb:
    ...     config_doc = sb.config  # an audit.yaml document pointing at the local services
    """

    def __init__(self, estate: Estate, workdir: Path | None = None, sources: list[str] | None = None) -> None:
        self.estate = estate
        self._own_tmp = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix=f"assay-sandbox-{estate.name}-"))
        self.sources = sources
        self.config: dict[str, Any] = {}
        self.env: dict[str, str] = {}  # the sandbox's throwaway credentials, also set in os.environ
        self.unavailable: list[str] = []  # why a source was left out (a local prerequisite is missing)
        self._started: list[Materializer] = []
        self._saved_env: dict[str, str | None] = {}

    def __enter__(self) -> Sandbox:
        sources = [
            s
            for s in self.estate.sources()
            if (self.sources is None or s in self.sources) and s in MATERIALIZERS
        ]
        skipped = set(self.estate.sources()) - set(MATERIALIZERS)
        if skipped:
            log.debug("estate %s describes %s, which have no materializer", self.estate.name, sorted(skipped))
        # Sources are independent services: build them concurrently (most of the work is I/O to the
        # services, or happens in their own processes), and tear down all that started if one fails.
        results: dict[str, Materialized] = {}
        errors: list[BaseException] = []
        lock = threading.Lock()

        def build(source: str) -> None:
            mat = materializer_for(source)
            with lock:
                self._started.append(mat)
            results[source] = mat.start(self.estate, self.estate.source(source) or {}, self.workdir / source)

        with ThreadPoolExecutor(max_workers=max(len(sources), 1), thread_name_prefix="assay-sandbox") as pool:
            for future in [pool.submit(build, s) for s in sources]:
                exc = future.exception()
                if exc is not None:
                    errors.append(exc)
        fatal = [e for e in errors if not isinstance(e, SandboxUnavailable)]
        if fatal:
            self.__exit__(None, None, None)
            raise fatal[0]
        for exc in errors:
            log.info("sandbox source left out: %s", exc)
            self.unavailable.append(str(exc))
        collectors: dict[str, Any] = {}
        for source in sources:
            if source not in results:
                continue
            collectors[source] = results[source].config
            for key, value in results[source].env.items():
                self._saved_env.setdefault(key, os.environ.get(key))
                os.environ[key] = value
                self.env[key] = value
        self.config = {"scope": self.estate.name, "collectors": collectors}
        return self

    def __exit__(self, *exc: object) -> None:
        for mat in reversed(self._started):
            try:
                mat.stop()
            except Exception:  # teardown of one service must not leak the others
                log.warning("stopping the %s sandbox failed", mat.source, exc_info=True)
        self._started.clear()
        for key, old in self._saved_env.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
        self._saved_env.clear()
        if self._own_tmp:
            shutil.rmtree(self.workdir, ignore_errors=True)
