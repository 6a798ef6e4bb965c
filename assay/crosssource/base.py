"""The cross-source signal set: signals whose evidence comes from more than one source."""

from assay.collectors.derive import SignalSet
from assay.evidence import Confidence

SOURCE = "cross-source"
signals = SignalSet(SOURCE)
H, M, L = Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW
CLOUDS = ("aws", "azure")
