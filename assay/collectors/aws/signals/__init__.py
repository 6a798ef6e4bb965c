"""AWS signals (with the merged AWS + Azure cloud signals), one module per operational area."""

from assay.collectors.aws.signals import aiops, cloudops, dataops, delivery, mlops, monitoring, secops  # noqa: F401
from assay.collectors.aws.signals.base import signals

__all__ = ["signals"]
