"""Build history as the evidence stores it: number, result, start time, duration and what started it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

# The build fields read in one request per job: ``tree`` with a range keeps the payload to what is needed.
# Causes are read with their class (Jenkins 2.x), and with the description and fields older controllers
# give instead: ``userId``/``userName`` (a person) and ``upstreamProject`` (another job).
BUILDS_TREE = (
    "builds[number,result,timestamp,duration,building,"
    "actions[causes[_class,shortDescription,userId,userName,upstreamProject]]]{0,%d}"
)

_TRIGGERS = (
    ("TimerTrigger", "timer"),
    ("SCMTrigger", "scm"),
    ("GitHubPushCause", "scm"),
    ("GitLabWebHookCause", "scm"),
    ("BitBucketPushCause", "scm"),
    ("GiteaPushCause", "scm"),
    ("BranchEventCause", "scm"),
    ("BranchIndexingCause", "scm"),
    ("UserIdCause", "user"),
    ("UserCause", "user"),
    ("ReplayCause", "user"),
    ("RebuildCause", "user"),
    ("RestartDeclarativePipelineCause", "user"),
    ("UpstreamCause", "upstream"),
)

# What Jenkins and its SCM plugins say in ``shortDescription`` (English, the default locale), for causes
# without ``_class``: Jenkins before 2.x, and proxies or tools that drop it.
_DESCRIPTIONS = (
    (re.compile(r"^Started by (?:timer|cron)\b", re.I), "timer"),
    (re.compile(r"^Started by upstream (?:project|pipeline)\b", re.I), "upstream"),
    (re.compile(r"^Started by (?:an )?SCM change|^Started by \w+ push\b|^Push event\b", re.I), "scm"),
    (
        re.compile(r"^Branch (?:indexing|event)\b|^(?:Pull|Merge) request\b|^Started by \w+ hook\b", re.I),
        "scm",
    ),
    (
        re.compile(
            r"^Started by (?:anonymous )?user\b|^Replayed #|^Restarted from build #|^Rebuilds? ", re.I
        ),
        "user",
    ),
)


def trigger_of(build: dict[str, Any]) -> str:
    """timer | scm | user | upstream | other, from the first recognised cause of the build."""
    for action in build.get("actions") or []:
        for cause in (action or {}).get("causes") or []:
            if found := cause_trigger(cause or {}):
                return found
    return "other"


def cause_trigger(cause: dict[str, Any]) -> str | None:
    """One cause's trigger: by class, else (no class, or one we do not know) by its fields or description."""
    cls = str(cause.get("_class") or "")
    for marker, trigger in _TRIGGERS:
        if marker in cls:
            return trigger
    if cause.get("upstreamProject"):
        return "upstream"
    if "userId" in cause or "userName" in cause:
        return "user"
    text = str(cause.get("shortDescription") or "").strip()
    return next((trigger for pattern, trigger in _DESCRIPTIONS if pattern.search(text)), None)


def iso_utc(ms: int | float) -> str:
    return datetime.fromtimestamp(int(ms) // 1000, UTC).isoformat().replace("+00:00", "Z")


def summarise_builds(
    raw: list[dict[str, Any]], now: datetime, window_days: int, max_builds: int
) -> tuple[list[dict[str, Any]], bool]:
    """Finished builds started within the window, newest first, at most ``max_builds``.

    Returns the summaries and whether older builds inside the window may have been cut off by the limit.
    """
    since = now - timedelta(days=window_days)
    kept: list[dict[str, Any]] = []
    for build in sorted(raw, key=lambda b: int(b.get("number", 0)), reverse=True)[:max_builds]:
        ts = build.get("timestamp")
        if ts is None or datetime.fromtimestamp(int(ts) / 1000, UTC) < since:
            continue
        kept.append(
            {
                "number": int(build["number"]),
                "result": None if build.get("building") else build.get("result"),
                "timestamp": iso_utc(ts),
                "duration_s": round(int(build.get("duration") or 0) / 1000, 1),
                "trigger": trigger_of(build),
            }
        )
    cut = len(raw) >= max_builds and bool(kept) and len(kept) == min(len(raw), max_builds)
    return kept, cut


def latest_completed(builds: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The newest build with a result (the one whose test report and stages describe the job now)."""
    return next((b for b in builds if b.get("result")), None)
