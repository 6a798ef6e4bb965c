"""Turn an ``ALERTS`` range-query result into firing runs: continuous stretches, per alert series."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(int(ts), UTC).isoformat().replace("+00:00", "Z")


def firing_runs(result: list[dict[str, Any]], step: int) -> list[dict[str, Any]]:
    """Per alert series (labels without ``alertstate``), its firing stretches as [start, end] ISO pairs.

    Points one step apart belong to one stretch; a missing point ends it (the alert resolved).
    """
    out = []
    for series in result:
        labels = {
            k: str(v)
            for k, v in sorted((series.get("metric") or {}).items())
            if k not in ("__name__", "alertstate")
        }
        stamps = sorted(float(ts) for ts, _ in series.get("values") or [])
        runs: list[list[float]] = []
        for ts in stamps:
            if runs and ts - runs[-1][1] <= step * 1.5:
                runs[-1][1] = ts
            else:
                runs.append([ts, ts])
        out.append({"labels": labels, "runs": [[_iso(a), _iso(b)] for a, b in runs]})
    return sorted(out, key=lambda s: sorted(s["labels"].items()))
