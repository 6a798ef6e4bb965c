"""Materialise an estate's ``mlflow.yaml`` onto a real MLflow store, optionally behind a real server.

The store is SQLite in the sandbox's workdir, seeded through ``MlflowClient`` exactly as a team's training
code would log to it: back-dated runs, params and metrics, dataset inputs, registered models, versions,
aliases and tags. With ``server: true`` in the fixture (or ``ASSAY_SANDBOX_MLFLOW_SERVER=1``) a real
``mlflow server`` is started on 127.0.0.1 in its own process group, and the collector talks REST to it.

The fixture format is documented at the top of ``fixtures/estates/aurora-dynamics/mlflow.yaml``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

from assay.errors import EstateError
from assay.sandbox.base import Materialized
from assay.sandbox.estate import Estate

log = logging.getLogger(__name__)

SERVER_ENV = "ASSAY_SANDBOX_MLFLOW_SERVER"
DAY_MS = 86_400_000
PARAM_NAMES = ("learning_rate", "max_depth", "n_estimators", "seed", "batch_size", "dropout")
METRIC_NAMES = ("auc", "logloss", "precision", "recall", "f1", "rmse")
SERVER_START_TIMEOUT = 60.0
_SHM = "/dev/shm"


class MlflowMaterializer:
    """Seeds a SQLite MLflow store from a fixture and, when asked, serves it with ``mlflow server``."""

    source = "mlflow"

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.seed_seconds = 0.0
        self.tracking_uri = ""

    def start(self, estate: Estate, fixture: dict[str, Any], workdir: Path) -> Materialized:
        """Seed ``<workdir>/mlflow.db`` and return the collector config that points at it (or its server)."""
        workdir = Path(workdir).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        db = workdir / "mlflow.db"
        db_uri = f"sqlite:///{db}"
        started = time.perf_counter()
        seed_store(db, fixture, workdir, where=f"{estate.path / 'mlflow.yaml'}")
        self.seed_seconds = time.perf_counter() - started
        log.info("seeded the MLflow store of %s in %.2f s", estate.name, self.seed_seconds)
        self.tracking_uri = db_uri
        if fixture.get("server") or os.environ.get(SERVER_ENV) == "1":
            self.tracking_uri = self._serve(db_uri, workdir)
        return Materialized(config={"tracking_uri": self.tracking_uri})

    def stop(self) -> None:
        """Kill the server's whole process group (uvicorn workers included), whatever state it is in."""
        proc, self.proc = self.proc, None
        if proc is not None:
            stop_process_group(proc)

    def _serve(self, db_uri: str, workdir: Path) -> str:
        self.proc, url = start_server(db_uri, workdir)
        return url


# ---- the server -------------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(backend_uri: str, workdir: Path, timeout: float = SERVER_START_TIMEOUT):
    """Start ``mlflow server`` on a free local port in a new session; return the process and its URL.

    Raises EstateError (after killing what was started) if /health does not answer within ``timeout``.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = workdir / "mlflow-server.log"
    cmd = [
        sys.executable, "-m", "mlflow", "server",
        "--backend-store-uri", backend_uri,
        "--default-artifact-root", (workdir / "artifacts").as_uri(),
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
    ]  # fmt: skip
    # The job executor would spawn a pool of consumer processes the sandbox never uses.
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=workdir, start_new_session=True
        )
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise EstateError(f"mlflow server exited with code {proc.returncode}: {_tail(log_path)}")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=1) as resp:
                    if resp.status == 200:
                        return proc, url
            except OSError:
                time.sleep(0.2)
        raise EstateError(
            f"mlflow server did not answer {url}/health within {timeout:.0f} s: {_tail(log_path)}"
        )
    except BaseException:
        stop_process_group(proc)
        raise


def stop_process_group(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left; always reap the leader.

    The server was started with ``start_new_session=True``, so its pid is its process group id.
    """
    _signal_group(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)
    # Workers may outlive the leader: the group is killed whether or not the leader exited.
    _signal_group(proc.pid, signal.SIGKILL)
    proc.wait()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return "(no server log)"


# ---- seeding ----------------------------------------------------------------------------------------------


def seed_store(db: Path, fixture: dict[str, Any], workdir: Path, where: str = "mlflow.yaml") -> None:
    """Log the fixture's experiments, runs and registered models into a fresh SQLite store at ``db``.

    The store is written in memory-backed scratch space when there is some (/dev/shm) and moved into
    place at the end: a commit per logged call costs an fsync on disk, which would double seeding time.
    """
    unknown = set(fixture) - {"server", "experiments", "registered_models"}
    if unknown:
        raise EstateError(
            f"{where}: unknown keys {sorted(unknown)}; expected server, experiments, registered_models"
        )
    if db.exists():
        raise EstateError(f"{db} already exists; the sandbox seeds a fresh MLflow store")
    scratch = Path(tempfile.mkdtemp(prefix="assay-mlflow-", dir=_SHM)) if os.access(_SHM, os.W_OK) else None
    try:
        target = scratch / db.name if scratch else db
        _seed(f"sqlite:///{target}", fixture, workdir, where)
        if scratch:
            shutil.move(target, db)
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def _seed(uri: str, fixture: dict[str, Any], workdir: Path, where: str) -> None:
    from mlflow import MlflowClient

    _fresh_sqlite(uri)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    now_ms = int(time.time() * 1000)
    runs = _Runs()
    try:
        for exp in fixture.get("experiments") or []:
            _seed_experiment(client, exp, workdir, now_ms, runs)
        for model in fixture.get("registered_models") or []:
            _seed_model(client, model, runs)
    except (KeyError, TypeError, ValueError) as exc:
        raise EstateError(f"{where}: malformed MLflow fixture: {type(exc).__name__}: {exc}") from None


class _Runs:
    """Seeded run ids by experiment and group label, handed out oldest first to model versions."""

    def __init__(self) -> None:
        self.pool: dict[str, list[str]] = defaultdict(list)

    def add(self, experiment: str, label: str | None, run_id: str) -> None:
        self.pool[experiment].append(run_id)
        if label:
            self.pool[f"{experiment}/{label}"].append(run_id)

    def take(self, ref: str) -> str:
        if not self.pool.get(ref):
            raise ValueError(f"run_from {ref!r}: no unused run left (runs are not shared between versions)")
        run_id = self.pool[ref].pop(0)
        for ids in self.pool.values():
            if run_id in ids:
                ids.remove(run_id)
        return run_id


def _seed_experiment(client: Any, exp: dict[str, Any], workdir: Path, now_ms: int, runs: _Runs) -> None:
    from mlflow.entities import Dataset, DatasetInput, Metric, Param

    name = exp["name"]
    exp_id = client.create_experiment(
        name, artifact_location=(workdir / "artifacts" / _slug(name)).as_uri(), tags=exp.get("tags") or None
    )
    for g, group in enumerate(exp.get("runs") or []):
        count = int(group.get("count", 1))
        users = group.get("users") or [group.get("user", "unknown")]
        window = group.get("days_ago", [1, 30])
        lo, hi = (window, window) if isinstance(window, (int, float)) else window
        for i in range(count):
            days = hi - (hi - lo) * (i / (count - 1) if count > 1 else 0)  # oldest first
            start = now_ms - int(days * DAY_MS) + g * 1000 + i  # distinct, deterministic offsets
            seed = f"{name}/{g}/{i}"
            run = client.create_run(
                exp_id, start_time=start, tags=_run_tags(group, users[i % len(users)], seed)
            )
            run_id = run.info.run_id
            n_params, n_metrics = _how_many(group.get("params")), _how_many(group.get("metrics"))
            if n_params or n_metrics:
                client.log_batch(
                    run_id,
                    params=[Param(p, str(0.1 * (i + 1))) for p in PARAM_NAMES[:n_params]],
                    metrics=[Metric(m, 0.5 + i / 1000, start, 0) for m in METRIC_NAMES[:n_metrics]],
                )
            if group.get("dataset"):
                ds_name = group["dataset"] if isinstance(group["dataset"], str) else f"{_slug(name)}-train"
                dataset = Dataset(
                    name=ds_name,
                    digest=_digest(f"{ds_name}/{i // 5}")[:8],  # a new data snapshot every few runs
                    source_type="s3",
                    source=json.dumps({"uri": f"s3://datasets/{ds_name}/v{i // 5}"}),
                )
                client.log_inputs(run_id, datasets=[DatasetInput(dataset=dataset)])
            client.set_terminated(run_id, status=group.get("status", "FINISHED"), end_time=start + 600_000)
            runs.add(name, group.get("label"), run_id)


def _run_tags(group: dict[str, Any], user: str, seed: str) -> dict[str, str]:
    source_type = str(group.get("source_type", "LOCAL")).upper()
    tags = {"mlflow.user": user, "mlflow.source.type": source_type, "mlflow.runName": _slug(seed)}
    if group.get("git_commit"):
        tags["mlflow.source.git.commit"] = _digest(seed)[:40]
    if group.get("env"):
        env_tag = "mlflow.docker.image.name" if source_type == "JOB" else "mlflow.project.env"
        tags[env_tag] = "registry.local/train:1.4" if source_type == "JOB" else "virtualenv"
    tags.update({str(k): str(v) for k, v in (group.get("tags") or {}).items()})
    return tags


def _seed_model(client: Any, model: dict[str, Any], runs: _Runs) -> None:
    name = model["name"]
    client.create_registered_model(
        name, tags=_str_tags(model.get("tags")), description=model.get("description")
    )
    number = 0
    for spec in model.get("versions") or []:
        for _ in range(int(spec.get("count", 1))):
            run_id = runs.take(spec["run_from"]) if spec.get("run_from") else None
            source = f"runs:/{run_id}/model" if run_id else f"file:///models/{_slug(name)}"
            version = client.create_model_version(
                name,
                source,
                run_id=run_id,
                tags=_str_tags(spec.get("tags")),
                description=spec.get("description"),
            )
            number = int(version.version)
            for alias in spec.get("aliases") or []:
                client.set_registered_model_alias(name, alias, str(number))
            if spec.get("stage"):
                with (
                    warnings.catch_warnings()
                ):  # stages are deprecated in MLflow, still shown by old registries
                    warnings.simplefilter("ignore", FutureWarning)
                    client.transition_model_version_stage(name, str(number), spec["stage"])


def _fresh_sqlite(uri: str) -> None:
    """Start from a migrated empty database: copied from a per-MLflow-version template when one is cached.

    Creating an MLflow schema runs ~50 alembic migrations (about 2 s); a copy takes milliseconds.
    """
    import mlflow
    from mlflow import MlflowClient

    db = Path(uri.removeprefix("sqlite:///"))
    template = _cache_dir() / f"mlflow-{mlflow.__version__}-empty.db"
    if template.is_file():
        shutil.copyfile(template, db)
        return
    MlflowClient(tracking_uri=uri).search_experiments(max_results=1)  # creates and migrates the schema
    try:
        template.parent.mkdir(parents=True, exist_ok=True)
        tmp = template.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(db, tmp)
        os.replace(tmp, template)
    except OSError:  # no writable cache: the next sandbox migrates again, nothing worse
        log.debug("cannot cache the empty MLflow schema at %s", template, exc_info=True)


def _cache_dir() -> Path:
    if os.environ.get("ASSAY_CACHE_DIR"):
        return Path(os.environ["ASSAY_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "assay"


def _how_many(value: Any) -> int:
    if value is True:
        return 3
    return int(value or 0)


def _str_tags(tags: dict[str, Any] | None) -> dict[str, str] | None:
    return {str(k): str(v) for k, v in tags.items()} if tags else None


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
