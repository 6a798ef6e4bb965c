"""Audit configuration: schema, loader and the starter config."""

from assay.config.loader import load_config, parse_config
from assay.config.schema import DEFAULT_RULESETS, AuditConfig, AuditSettings
from assay.config.starter import starter_config

__all__ = [
    "DEFAULT_RULESETS",
    "AuditConfig",
    "AuditSettings",
    "load_config",
    "parse_config",
    "starter_config",
]
