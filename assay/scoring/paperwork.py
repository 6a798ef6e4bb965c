"""Attestations and waivers files: read, validate as a whole, and judge expiry against collection time.

An attestation says a practice no infrastructure can show is in place (signed, dated, expiring, with a
reference to its evidence). A waiver accepts an exception: a whole criterion, or the resources matching a
glob. Both files are all-or-nothing: any bad entry (unknown criterion, missing field, bad date, an
attestation for a criterion the infrastructure can decide) stops the run with exit 2, naming the file and
the entry, and nothing of the file is applied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from assay.errors import ConfigError
from assay.evidence import sha256_hex
from assay.safeio import SMALL_FILE_MAX_BYTES, decode_text, parse_yaml_text, read_bytes
from assay.scoring.model import Criterion, Ruleset

Kind = Literal["attestations", "waivers"]


def _iso_date(value: Any) -> Any:
    """Dates are written YYYY-MM-DD (YAML reads them as dates); anything else is a bad date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date; write YYYY-MM-DD")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
Text = Annotated[str, Field(min_length=1)]


class Attestation(BaseModel):
    """A signed statement that a practice no infrastructure shows is in place."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    criterion: Text
    statement: Text
    attested_by: Text
    date: IsoDate
    expires: IsoDate
    evidence: Text = Field(description="A URL or document reference backing the statement.")


class Waiver(BaseModel):
    """An accepted exception: a whole criterion, or the resources whose subject matches ``resource``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    criterion: Text
    resource: Text | None = None
    justification: Text
    approver: Text
    expires: IsoDate


@dataclass(frozen=True)
class Paperwork:
    """One validated attestations or waivers file."""

    kind: Kind
    file: str
    sha256: str
    attestations: tuple[Attestation, ...] = ()
    waivers: tuple[Waiver, ...] = ()

    def where(self, index: int) -> str:
        """How errors name an entry: the file and the entry's position (1-based) and criterion."""
        entry = (self.attestations or self.waivers)[index]
        return f"{self.file}: {self.kind} entry {index + 1} ({entry.criterion})"


def expired(expires: dt.date, collected: dt.datetime) -> bool:
    """An entry applies through its expiry day; judged against when the evidence was collected."""
    return expires < collected.date()


def read_entries(path: Path, kind: Kind) -> tuple[list[Any], bytes]:
    """The raw entries of a file: a YAML list, or a mapping whose ``kind`` key holds the list."""
    # bounded like every reader of user files (assay.safeio): size, UTF-8, YAML depth and aliases
    what = f"{kind.removesuffix('s')} file"
    if not path.exists() and not path.is_symlink():
        raise ConfigError(f"{path}: no such {kind} file")
    raw = read_bytes(path, what=what, max_bytes=SMALL_FILE_MAX_BYTES, error=ConfigError)
    text = decode_text(raw, str(path), what=what, error=ConfigError)
    doc = parse_yaml_text(text, str(path), what=what, error=ConfigError) if text.strip() else None
    if doc is None:
        return [], raw
    if isinstance(doc, dict) and set(doc) == {kind}:
        doc = doc[kind] or []
    if not isinstance(doc, list):
        raise ConfigError(f"{path}: the {kind} file must hold a list under `{kind}:`")
    return doc, raw


def load_paperwork(
    path: Path,
    kind: Kind,
    rulesets: Sequence[Ruleset],
    installed: Callable[[], Sequence[Ruleset]] | None = None,
) -> Paperwork:
    """Read and validate a whole file against the criteria of ``rulesets`` (and, for ids they do not
    hold, of the ``installed`` ones: such entries are valid but unused); raise on the first bad entry."""
    entries, raw = read_entries(path, kind)
    model = Attestation if kind == "attestations" else Waiver
    criteria = criteria_by_id(rulesets)
    if installed is not None and any(
        isinstance(e, dict) and e.get("criterion") not in criteria for e in entries
    ):
        criteria = {**criteria_by_id(installed()), **criteria}
    parsed: list[Any] = []
    for index, entry in enumerate(entries):
        label = f"{path}: {kind} entry {index + 1}"
        if isinstance(entry, dict) and entry.get("criterion"):
            label += f" ({entry['criterion']})"
        if not isinstance(entry, dict):
            raise ConfigError(f"{label}: an entry is a mapping of fields ({', '.join(model.model_fields)})")
        try:
            item = model.model_validate(entry)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "entry"
            problem = (
                "is missing" if first["type"] == "missing" else first["msg"].removeprefix("Value error, ")
            )
            if first["type"] == "extra_forbidden":
                problem = f"is not a field; fields: {', '.join(model.model_fields)}"
            raise ConfigError(f"{label}: {field} {problem}") from None
        check_entry(item, criteria, label)
        parsed.append(item)
    digest = sha256_hex(raw)
    if kind == "attestations":
        return Paperwork(kind, str(path), digest, attestations=tuple(parsed))
    return Paperwork(kind, str(path), digest, waivers=tuple(parsed))


def criteria_by_id(rulesets: Iterable[Ruleset]) -> dict[str, Criterion]:
    return {c.id: c for rs in rulesets for _, c in rs.criteria() if not c.disabled}


def check_entry(item: Attestation | Waiver, criteria: dict[str, Criterion], label: str) -> None:
    """The checks beyond field shapes: a known criterion, sensible dates, attestations only where due."""
    criterion = criteria.get(item.criterion)
    if criterion is None:
        raise ConfigError(
            f"{label}: unknown criterion id {item.criterion!r}; `assay rules show RULESET` lists them"
        )
    if isinstance(item, Attestation):
        if item.expires < item.date:
            raise ConfigError(f"{label}: expires {item.expires} is before the attestation's date {item.date}")
        if not attestable(criterion):
            raise ConfigError(
                f"{label}: criterion {item.criterion} is decided from infrastructure; observed evidence "
                "wins, so it cannot be attested (waive it instead if it is an accepted exception)"
            )


def attestable(criterion: Criterion) -> bool:
    """Only practices no infrastructure can show take an attestation."""
    return criterion.attestation or not criterion.when


def append_attestation(path: Path, entry: Attestation, rulesets: Sequence[Ruleset]) -> int:
    """Validate ``entry`` and the file it joins, then write the file with the entry appended (atomically).

    Returns the entry's position in the file (1-based). The file is rewritten as plain YAML: comments in
    it are not kept.
    """
    criteria = criteria_by_id(rulesets)
    existing: list[Any] = []
    if path.exists():
        existing, _ = read_entries(path, "attestations")
        load_paperwork(path, "attestations", rulesets)  # a file with a bad entry is not extended
    check_entry(entry, criteria, f"{path}: new attestations entry {len(existing) + 1} ({entry.criterion})")
    body = {"attestations": [*existing, entry.model_dump(mode="json")]}
    text = yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return len(existing) + 1
