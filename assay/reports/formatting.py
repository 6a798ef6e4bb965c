"""Small formatting helpers shared by every report format."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

STATUS_MARK = {
    "pass": "✅ pass",
    "fail": "❌ fail",
    "unknown": "❔ unknown",
    "not_applicable": "➖ not applicable",
}
STATUS_ICON = {"pass": "✅", "fail": "❌", "unknown": "❔", "not_applicable": "➖"}
VERDICT = {"pass": "met", "fail": "not met", "unknown": "open", "not_applicable": "not applicable"}

# Words that read better upper-cased when a scope slug becomes an organisation name.
_ACRONYMS = {"ai", "ml", "it", "io", "aws", "gcp", "hr", "uk", "us", "eu"}

# How the conclusion names each built-in model's maturity ("... at Level 2 of MLOps maturity").
_MATURITY_NOUN = {"mlops-report": "MLOps maturity", "ai-cmm": "AI capability maturity (GSA AI CMM)"}
_MODEL_HEADING = {"mlops-report": "MLOps maturity model", "ai-cmm": "GSA AI capability maturity model"}
# What a report's title calls each built-in model ("... maturity model report").
_MODEL_SUBJECT = {"mlops-report": "machine learning operations (MLOps)", "ai-cmm": "GSA AI capability"}
# Words a heading keeps capitalised in sentence case (names of products, people's names of things).
_PROPER = {
    "GitHub",
    "Jenkins",
    "Prometheus",
    "MLflow",
    "Azure",
    "AWS",
    "SageMaker",
    "Grafana",
    "Kubernetes",
    "GSA",
    "DORA",
    "Alertmanager",
    "Dependabot",
    "CloudWatch",
    "Terraform",
}


def level_range(level: int, upper: int) -> str:
    return str(level) if level == upper else f"{level}–{upper}"


def level_name(levels: dict[Any, str], level: int) -> str:
    return levels.get(str(level)) or levels.get(level) or f"Level {level}"  # type: ignore[call-overload]


def short_level_name(levels: dict[Any, str], level: int) -> str:
    """The first part of a level's name: "Repeatable" for "Repeatable — Team Project"."""
    return level_name(levels, level).split(" — ")[0].split(" / ")[0].strip()


def value(v: Any) -> str:
    """A signal value as a person reads it."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list):
        if not v:
            return "none"
        shown = ", ".join(str(x) for x in v[:5])
        return shown + (f" (+{len(v) - 5} more)" if len(v) > 5 else "")
    return str(v)


def percent(x: float) -> str:
    return f"{round(x * 100)}%"


def org_name(scope: str) -> str:
    """The organisation as a report names it: `aurora-dynamics` reads "Aurora Dynamics"."""
    if not scope:
        return "The organisation"
    if scope != scope.lower() or " " in scope:
        return scope
    words = scope.replace("_", "-").split("-")
    return " ".join(w.upper() if w in _ACRONYMS else w.capitalize() for w in words if w)


def possessive(name: str) -> str:
    """ "Aurora Dynamics's", as the consulting report writes it; "the organisation's" when unnamed."""
    return "the organisation's" if name == "The organisation" else f"{name}'s"


def maturity_noun(ruleset_id: str, title: str) -> str:
    """What the conclusion says an organisation has a level *of*."""
    return _MATURITY_NOUN.get(ruleset_id, f"{model_heading(ruleset_id, title)} maturity")


def model_heading(ruleset_id: str, title: str) -> str:
    """The heading of a maturity model's section, in sentence case: "MLOps maturity model"."""
    return _MODEL_HEADING.get(ruleset_id) or heading(title.split(" — ")[0].split(" (")[0])


def model_subject(ruleset_id: str, title: str) -> str:
    """What a title calls a model: "machine learning operations (MLOps)" in "… maturity model report"."""
    if ruleset_id in _MODEL_SUBJECT:
        return _MODEL_SUBJECT[ruleset_id]
    name = model_heading(ruleset_id, title)
    for tail in (" maturity model", " maturity", " model"):
        if name.lower().endswith(tail):
            return name[: -len(tail)]
    return name


def _plain_word(word: str) -> bool:
    """A capitalised ordinary word ("Development"), not an acronym (MLOps, CI) or a product name."""
    core = word.strip("()[]“”\"'.,:;")
    return len(core) > 1 and core[0].isupper() and core[1:].islower() and core not in _PROPER


def sentence_case(title: str) -> str:
    """Lower-case a title's first word to use it mid-sentence, unless it is an acronym or a name (MLOps)."""
    if not title:
        return title
    first, _, rest = title.partition(" ")
    if (first == "A" and rest) or _plain_word(first):
        return first[0].lower() + first[1:] + (" " + rest if rest else "")
    return title


def heading(text: str) -> str:
    """A title in sentence case, as headings are written: "Model development & deployment"."""
    words = text.split(" ")
    return " ".join([words[0], *(w[0].lower() + w[1:] if _plain_word(w) else w for w in words[1:])])


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def month_year(when: datetime) -> str:
    return when.strftime("%B %Y")


def day(when: datetime) -> str:
    return when.strftime("%-d %B %Y")


def timestamp(when: datetime) -> str:
    """UTC time to the minute, as reports print it."""
    return when.strftime("%Y-%m-%d %H:%M UTC")


def timestamp_s(when: datetime) -> str:
    """UTC time to the second: when one evidence item was observed."""
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")


def short_id(evidence_id: str) -> str:
    """The first 12 hex digits of an evidence id: enough to find it in the bundle."""
    return evidence_id[:12]


def join_words(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def one_final_newline(chunks: Iterable[str]) -> Iterator[str]:
    """The chunks with trailing newlines replaced by exactly one: ``text.rstrip("\\n") + "\\n"``, streamed."""
    pending = ""
    for chunk in chunks:
        content = chunk.rstrip("\n")
        if content:
            yield pending + content
            pending = chunk[len(content) :]
        else:
            pending += chunk
    yield "\n"
