"""Load audit.yaml: YAML, ${ENV} references, inline-secret rejection, and per-collector validation.

Every error names the file and the field, and says what to do.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from assay.collectors.base import CollectorRegistry, SourceConfig
from assay.config.checks import check_env_names, check_urls, remember_env_secrets
from assay.config.envrefs import expand_env
from assay.config.schema import AuditConfig, AuditSettings
from assay.config.secrets import find_inline_secrets
from assay.errors import ConfigError
from assay.evidence import canonical_json, sha256_hex
from assay.safeio import CONFIG_MAX_BYTES, parse_yaml_text, read_text


def load_config(path: Path, registry: CollectorRegistry) -> AuditConfig:
    """Read and validate an audit config file."""
    if not path.exists() and not path.is_symlink():
        raise ConfigError(f"{path}: no such config file; `assay init` writes a starter one")
    text = read_text(path, what="config file", max_bytes=CONFIG_MAX_BYTES, error=ConfigError)
    doc = parse_yaml_text(text, str(path), what="config", error=ConfigError)
    if doc is None or doc == {}:
        raise ConfigError(
            f"{path}: the config is empty (or only comments), so it audits nothing; `assay init` writes a "
            "starter config listing every source's settings"
        )
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: the config must be a mapping of keys (scope, rulesets, collectors)")
    config = parse_config(doc, str(path), registry)
    # Relative ruleset files are relative to the config file, not the working directory.
    files = [p if p.is_absolute() else (path.parent / p) for p in config.settings.ruleset_files]
    config.settings.ruleset_files = files
    return config


def parse_config(doc: dict[str, Any], origin: str, registry: CollectorRegistry) -> AuditConfig:
    """Validate an already-parsed config document (from a file or built by the sandbox)."""
    if any(not isinstance(key, str) for key in doc):
        bad = next(key for key in doc if not isinstance(key, str))
        raise ConfigError(f"{origin}: the key {bad!r} is not a name; keys are words like scope or collectors")
    collectors = doc.get("collectors")
    if isinstance(collectors, dict):
        for name, body in collectors.items():
            if isinstance(body, dict):
                check_env_names(body, origin, f"collectors.{name}")
                remember_env_secrets(body)
    for where, why in find_inline_secrets(doc):
        raise ConfigError(f"{origin}: {where} {why}")
    doc = expand_env(doc, origin)
    if doc.get("collectors") is None:  # a section left with only comments
        doc = {**doc, "collectors": {}}
    try:
        settings = AuditSettings.model_validate(doc)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origin, "", AuditSettings)) from None
    models = registry.config_models()
    sections: dict[str, SourceConfig] = {}
    for name, body in settings.collectors.items():
        if name not in models:
            valid = ", ".join(models) or "none installed"
            hint = _suggest(name, list(models))
            raise ConfigError(f"{origin}: unknown collector section collectors.{name}{hint}; valid: {valid}")
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise ConfigError(f"{origin}: collectors.{name} must be a mapping of settings")
        try:
            sections[name] = models[name].model_validate(body)
        except ValidationError as exc:
            raise ConfigError(_describe(exc, origin, f"collectors.{name}", models[name])) from None
        check_urls(sections[name], origin, f"collectors.{name}")
    _check_rulesets(settings, origin)
    digest = sha256_hex(canonical_json(doc))
    return AuditConfig(settings=settings, sections=sections, origin=origin, digest=digest)


def _check_rulesets(settings: AuditSettings, origin: str) -> None:
    from assay.scoring.builtins import builtin_ruleset_ids, suggest

    known = builtin_ruleset_ids()
    for index, ruleset_id in enumerate(settings.rulesets):
        if ruleset_id not in known:
            raise ConfigError(
                f"{origin}: rulesets[{index}]: unknown builtin ruleset {ruleset_id!r}"
                f"{suggest(ruleset_id, known)}; builtin rulesets: {', '.join(known)} (your own ruleset "
                "files go under ruleset_files)"
            )


def _describe(exc: ValidationError, origin: str, prefix: str, model: type[BaseModel]) -> str:
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"]]
    where = ".".join([prefix, *loc] if prefix else loc)
    if err["type"] == "extra_forbidden":
        key = loc[-1]
        valid = list(model.model_fields) if len(loc) == 1 else []
        hint = _suggest(key, valid)
        listing = f"; valid keys: {', '.join(valid)}" if valid else ""
        return f"{origin}: unknown key {where}{hint}{listing}"
    if err["type"] == "missing":
        return f"{origin}: {where} is required"
    got = err.get("input")
    shown = f" (got {got!r})" if got is not None and not isinstance(got, (dict, list)) else ""
    return f"{origin}: {where}: {err['msg']}{shown}"


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1)
    return f" (did you mean {close[0]}?)" if close else ""
