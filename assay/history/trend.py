"""The shape of a trend: what each recorded audit said per area. Data only; reports draw it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TrendPoint:
    """One recorded audit's level range per area: {"<ruleset>:<area>": (level, upper)}."""

    label: str
    when: datetime
    levels: dict[str, tuple[int, int]]
