"""`assay init`: a commented starter audit.yaml, generated from the installed collectors' config models."""

from __future__ import annotations

import json
from typing import Any

from pydantic.fields import FieldInfo

from assay.collectors.base import CollectorRegistry, SourceConfig
from assay.config.schema import DEFAULT_RULESETS

_HEADER = """\
# assay audit configuration. Uncomment the sources you want to audit; a source that is not configured
# is reported as "not configured" and the areas it decides get a level range instead of a guess.
# Secrets are never written here: name the environment variable that holds them (token_env: GITHUB_TOKEN).
# Any value may reference the environment as ${NAME} or ${NAME:-default}.

scope: my-organisation            # a name for what is audited, shown in reports
rulesets: [%s]   # built-in rulesets (assay rules list)
# ruleset_files: [my-overrides.yaml]  # your own rulesets or overrides (extends: ai-cmm)
timeout_seconds: 300              # default time limit per collector
# history: .assay/history.db      # audit history (SQLite path or any SQLAlchemy URL); null turns it off
# report:                         # shown on the report's cover (HTML and PDF)
#   client: Aurora Dynamics       # who the report is for
#   prepared_by: Platform team    # who prepared it: a person, team or firm
#   logo: logo.svg                # PNG, JPEG or SVG (max 2 MiB), relative to this file

collectors:
"""


def starter_config(registry: CollectorRegistry) -> str:
    lines = [_HEADER % ", ".join(DEFAULT_RULESETS)]
    for name, cls in registry.collectors.items():
        lines.append(f"  # --- {cls.title}")
        lines.append(f"  # {name}:")
        for field_name, info in cls.config_model.model_fields.items():
            if field_name in SourceConfig.model_fields and field_name != "timeout_seconds":
                continue
            lines.append(f"  #   {field_name}: {_example(info)}{_comment(info)}")
        lines.append("")
    if not registry.collectors:
        lines.append("  {}  # no collectors are installed")
    return "\n".join(lines).rstrip() + "\n"


def _example(info: FieldInfo) -> str:
    if info.is_required():
        examples = info.examples or []
        return json.dumps(examples[0]) if examples else "<required>"
    default: Any = info.get_default(call_default_factory=True)
    if default is None:
        examples = info.examples or []
        return json.dumps(examples[0]) if examples else "null"
    return json.dumps(default, default=str)


def _comment(info: FieldInfo) -> str:
    return f"   # {info.description}" if info.description else ""
