"""GitHub signals, one module per area; importing the package registers them all on ``signals``."""

from assay.collectors.github.signals import collaboration, devops, people, pipelines, portfolio, secops
from assay.collectors.github.signals.base import SOURCE, signals

__all__ = ["SOURCE", "collaboration", "devops", "people", "pipelines", "portfolio", "secops", "signals"]
