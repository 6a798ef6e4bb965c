"""The AWS collector's signal set, shared by the area modules that register signals on it."""

from assay.collectors.derive import SignalSet
from assay.evidence import Confidence

signals = SignalSet("aws")
H, M, L = Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW
