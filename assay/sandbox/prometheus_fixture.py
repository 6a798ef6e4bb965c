"""An estate's monitoring state, read from ``prometheus.yaml``: scrape jobs and the metric families their
targets expose, rule groups, alert episodes over the last 30 days, Alertmanager receivers.

Both ways of serving it read this model: the real Prometheus binary (``prometheus_real``: real exporters,
rule files, backfilled ALERTS history) and the HTTP stand-in (``prometheus_standin``). The fixture format
is documented at the top of ``fixtures/estates/cygnus-ai/prometheus.yaml``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from assay.errors import EstateError

DAY_S = 86_400.0
TYPES = ("counter", "gauge", "histogram")
BUCKETS = ("0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "+Inf")


@dataclass
class Family:
    """One metric family: every combination of its label values is a series with the same value."""

    name: str
    type: str
    labels: dict[str, list[str]]
    value: float
    values: dict[str, float] = field(default_factory=dict)  # label value -> value, for chosen series

    def series(self) -> list[tuple[dict[str, str], float]]:
        names = list(self.labels)
        combos = itertools.product(*(self.labels[n] for n in names)) if names else [()]
        out = []
        for combo in combos:
            labels = dict(zip(names, combo, strict=True))
            value = next((self.values[v] for v in combo if v in self.values), self.value)
            out.append((labels, value))
        return out

    def sample_names(self) -> list[str]:
        """The series names a scrape of this family produces."""
        if self.type == "histogram":
            return [f"{self.name}_bucket", f"{self.name}_count", f"{self.name}_sum"]
        return [self.name]


@dataclass
class Job:
    name: str
    targets: int
    down: int
    families: list[Family]

    @property
    def up(self) -> int:
        return self.targets - self.down


@dataclass
class Episode:
    """An alert series firing from ``started_days_ago`` until ``resolved_days_ago`` (None: still firing)."""

    alert: str
    labels: dict[str, str]
    started_days_ago: float
    resolved_days_ago: float | None

    @property
    def firing(self) -> bool:
        return self.resolved_days_ago is None

    def window(self, now: float) -> tuple[float, float]:
        end = now if self.resolved_days_ago is None else now - self.resolved_days_ago * DAY_S
        return now - self.started_days_ago * DAY_S, end


@dataclass
class Monitoring:
    jobs: list[Job]
    groups: list[dict[str, Any]]
    episodes: list[Episode]
    alertmanagers: int
    receivers: list[dict[str, Any]] | None

    def alert_rule(self, name: str) -> dict[str, Any]:
        for group in self.groups:
            for rule in group.get("rules") or []:
                if rule.get("alert") == name:
                    return rule
        raise KeyError(name)

    def alert_labels(self, episode: Episode) -> dict[str, str]:
        """The labels of the ALERTS series of an episode: alertname, the rule's labels, the episode's."""
        rule = self.alert_rule(episode.alert)
        labels = {str(k): str(v) for k, v in (rule.get("labels") or {}).items()}
        return {"alertname": episode.alert, **labels, **episode.labels}


def load_monitoring(fixture: dict[str, Any], where: str) -> Monitoring:
    """Validate and read a ``prometheus.yaml`` document."""
    jobs = []
    for raw in fixture.get("jobs") or []:
        families = [_family(f, where, raw.get("name")) for f in raw.get("metrics") or []]
        targets, down = int(raw.get("targets", 1)), int(raw.get("down", 0))
        if not raw.get("name") or not 0 <= down <= targets:
            raise EstateError(f"{where}: every job needs a name and 0 <= down <= targets")
        jobs.append(Job(str(raw["name"]), targets, down, families))
    groups = list(fixture.get("rules") or [])
    rule_names = {r.get("alert") for g in groups for r in g.get("rules") or [] if r.get("alert")}
    episodes = []
    for raw in fixture.get("alerts") or []:
        if raw.get("alert") not in rule_names:
            raise EstateError(f"{where}: alert episode for {raw.get('alert')!r}, which no rule defines")
        resolved = raw.get("resolved_days_ago")
        episodes.append(
            Episode(
                str(raw["alert"]),
                {str(k): str(v) for k, v in (raw.get("labels") or {}).items()},
                float(raw["started_days_ago"]),
                None if resolved is None else float(resolved),
            )
        )
    manager = fixture.get("alertmanager")
    receivers = list(manager.get("receivers") or []) if isinstance(manager, dict) else None
    return Monitoring(jobs, groups, episodes, int(fixture.get("alertmanagers", 0)), receivers)


def _family(raw: dict[str, Any], where: str, job: Any) -> Family:
    kind = str(raw.get("type", "gauge"))
    name = str(raw.get("name", ""))
    if kind not in TYPES or not name:
        raise EstateError(f"{where}: job {job}: metric {name!r} needs a name and a type in {TYPES}")
    if kind == "counter" and not name.endswith("_total"):
        raise EstateError(f"{where}: job {job}: counter {name} must end in _total")
    labels = {
        str(k): [str(v) for v in (vs if isinstance(vs, list) else [vs])]
        for k, vs in (raw.get("labels") or {}).items()
    }
    values = {str(k): float(v) for k, v in (raw.get("values") or {}).items()}
    return Family(name, kind, labels, float(raw.get("value", 1.0)), values)


def alertmanager_config(receivers: list[dict[str, Any]]) -> str:
    """An Alertmanager configuration (YAML) with the fixture's receivers, as /api/v2/status returns it."""
    import yaml

    def receiver(r: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"name": r["name"]}
        for kind in r.get("integrations") or []:
            out[f"{kind}_configs"] = [{"send_resolved": True}]
        return out

    doc = {
        "route": {"receiver": receivers[0]["name"] if receivers else "null", "group_by": ["alertname"]},
        "receivers": [receiver(r) for r in receivers] or [{"name": "null"}],
    }
    return yaml.safe_dump(doc, sort_keys=False)
