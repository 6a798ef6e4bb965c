"""`assay sandbox serve`: keep a sandbox estate's services up and point your own config at them."""

from __future__ import annotations

import os
import shlex
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer

from assay.cli.app import _say, app

sandbox_app = typer.Typer(help="Run the sandbox estates on local services.", no_args_is_help=True)
app.add_typer(sandbox_app, name="sandbox")


@sandbox_app.command("serve")
def serve(
    org: Annotated[str, typer.Option("--org", help="The sandbox estate to serve.")] = "aurora-dynamics",
    config_out: Annotated[
        Path, typer.Option("--config-out", help="Write an audit.yaml that points at the services here.")
    ] = Path("sandbox-audit.yaml"),
    env_out: Annotated[
        Path | None,
        typer.Option("--env-out", help="Write the sandbox's throwaway credentials here, as `export` lines."),
    ] = None,
) -> None:
    """Keep a sandbox estate's services up until interrupted (Ctrl-C), for `assay collect -c FILE`.

    The config is written once every service is up, so another shell can wait for it to appear. Secrets
    stay out of it, as in any audit.yaml: `source` the --env-out file in the shell that runs assay.
    """
    import yaml

    from assay.sandbox import Sandbox, load_estate

    estate = load_estate(org)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    _say(f"materialising sandbox estate [bold]{estate.info.title}[/] ({', '.join(estate.sources())})")
    with Sandbox(estate) as sandbox:
        for why in sandbox.unavailable:
            _say(f"[yellow]left out of the sandbox:[/] {why}")
        if env_out is not None:
            lines = [f"export {name}={shlex.quote(value)}" for name, value in sorted(sandbox.env.items())]
            _write_private(env_out, "# assay sandbox credentials (throwaway)\n" + "\n".join(lines) + "\n")
        header = f"# assay sandbox estate {org}: valid while `assay sandbox serve` runs\n"
        _write_private(config_out, header + yaml.safe_dump(sandbox.config, sort_keys=False))
        hint = f"source {env_out} && " if env_out is not None else ""
        _say(
            f"serving {org}: {hint}assay collect -c {config_out}  (Ctrl-C stops the services)",
        )
        stop.wait()
    _say("sandbox services stopped")


def _write_private(path: Path, text: str) -> None:
    """Write atomically, readable by the owner only (the env file holds credentials)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
