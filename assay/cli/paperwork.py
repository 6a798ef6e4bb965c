"""`assay attest`: record a signed attestation for a practice no infrastructure shows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from assay.cli.app import RulesetOpt, _say, app
from assay.errors import ConfigError


@app.command()
def attest(
    criterion: Annotated[
        str, typer.Argument(help="The criterion id, e.g. peopleops.performance-objectives.")
    ],
    by: Annotated[str, typer.Option("--by", help="Who attests (name and role).")],
    expires: Annotated[str, typer.Option("--expires", help="Expiry date, YYYY-MM-DD.")],
    evidence: Annotated[str, typer.Option("--evidence", help="A URL or document reference backing it.")],
    statement: Annotated[
        str | None, typer.Option("--statement", help="What is attested (default: the criterion's title).")
    ] = None,
    file: Annotated[
        Path, typer.Option("--file", help="The attestations file to append to (created if missing).")
    ] = Path("attestations.yaml"),
    date: Annotated[
        str | None, typer.Option("--date", help="Date of the attestation, YYYY-MM-DD (default: today, UTC).")
    ] = None,
    ruleset: RulesetOpt = None,
) -> None:
    """Append an attestation to FILE after checking the criterion against the installed rulesets.

    Only criteria marked `attestation: true` (practices no infrastructure can show) take one; observed
    evidence always wins elsewhere. Pass the file to audit, score or demo with `--attestations FILE`.
    """
    from pydantic import ValidationError

    from assay.collectors.base import installed_collectors
    from assay.scoring import builtin_ruleset_ids, load_rulesets
    from assay.scoring.paperwork import Attestation, append_attestation, criteria_by_id

    rulesets = load_rulesets(builtin_ruleset_ids(), ruleset or [], installed_collectors().catalog())
    known = criteria_by_id(rulesets).get(criterion)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    try:
        entry = Attestation(
            criterion=criterion,
            statement=statement or (known.title if known else criterion),
            attested_by=by,
            date=date or today,  # type: ignore[arg-type]
            expires=expires,  # type: ignore[arg-type]
            evidence=evidence,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        option = {"attested_by": "--by", "expires": "--expires", "date": "--date"}.get(where, f"--{where}")
        raise ConfigError(f"{option}: {first['msg'].removeprefix('Value error, ')}") from None
    position = append_attestation(file, entry, rulesets)
    _say(f"attested {criterion} (entry {position} of {file}), expires {entry.expires}")
