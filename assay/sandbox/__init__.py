"""Local stand-ins and the materializer that builds fixture estates on real/local services."""

from assay.sandbox.base import MATERIALIZERS, Materialized, Materializer, Sandbox
from assay.sandbox.estate import Estate, EstateInfo, estates_root, list_estates, load_estate

__all__ = [
    "MATERIALIZERS",
    "Estate",
    "EstateInfo",
    "Materialized",
    "Materializer",
    "Sandbox",
    "estates_root",
    "list_estates",
    "load_estate",
]
