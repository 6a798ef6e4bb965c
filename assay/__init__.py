"""assay: evidence-based AI/ML operational maturity assessment."""

__version__ = "0.1.0"
