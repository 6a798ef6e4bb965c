"""Load audit.yaml: YAML, ${ENV} references, inline-secret rejection, and per-collector validation.

Every error names the file and the field, and says what to do.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from assay.collectors.base import CollectorRegistry, SourceConfig
from assay.config.schema import AuditConfig, AuditSettings
from assay.config.secrets import find_inline_secrets
from assay.errors import ConfigError
from assay.evidence import canonical_json, sha256_hex

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def load_config(path: Path, registry: CollectorRegistry) -> AuditConfig:
    """Read and validate an audit config file."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file; `assay init` writes a starter one") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config ({exc.strerror})") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}: malformed YAML{where}: {problem}") from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: the config must be a mapping of keys (scope, rulesets, collectors)")
    config = parse_config(doc, str(path), registry)
    # Relative ruleset files are relative to the config file, not the working directory.
    files = [p if p.is_absolute() else (path.parent / p) for p in config.settings.ruleset_files]
    config.settings.ruleset_files = files
    return config


def parse_config(doc: dict[str, Any], origin: str, registry: CollectorRegistry) -> AuditConfig:
    """Validate an already-parsed config document (from a file or built by the sandbox)."""
    for where, why in find_inline_secrets(doc):
        raise ConfigError(f"{origin}: {where} {why}")
    doc = _expand_env(doc, origin, "")
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
    digest = sha256_hex(canonical_json(doc))
    return AuditConfig(settings=settings, sections=sections, origin=origin, digest=digest)


def _expand_env(value: Any, origin: str, where: str) -> Any:
    if isinstance(value, dict):
        return {k: _expand_env(v, origin, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_env(v, origin, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str):

        def sub(m: re.Match[str]) -> str:
            name, default = m.group(1), m.group(2)
            if name in os.environ:
                return os.environ[name]
            if default is not None:
                return default
            raise ConfigError(
                f"{origin}: {where} references ${{{name}}}, which is not set; export it or write "
                f"${{{name}:-default}}"
            )

        return _ENV_REF.sub(sub, value)
    return value


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
