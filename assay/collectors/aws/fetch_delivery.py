"""DevOps evidence on AWS: CodeBuild builds and CodePipeline executions in the lookback window."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from assay.collectors.aws import kinds
from assay.collectors.aws.api import Api
from assay.collectors.aws.shapes import iso

BATCH = 100
MAX_BUILDS_PER_PROJECT = 50


def codebuild(api: Api, lookback_days: int) -> list[Any]:
    """CodeBuild projects and their recent builds (status and start time)."""
    since = api.ctx.now - timedelta(days=lookback_days)
    projects = api.pages("codebuild", "ListProjects", "projects")
    ids: list[str] = []
    for project in projects:
        ids += api.pages("codebuild", "ListBuildsForProject", "ids", projectName=project)[
            :MAX_BUILDS_PER_PROJECT
        ]
    builds = []
    for start in range(0, len(ids), BATCH):
        got = (api.call("codebuild", "BatchGetBuilds", ids=ids[start : start + BATCH]) or {}).get(
            "builds"
        ) or []
        for b in got:
            started = iso(b.get("startTime"))
            if started and started >= iso(since):  # type: ignore[operator]
                builds.append(
                    {"project": b.get("projectName"), "status": b.get("buildStatus"), "started": started}
                )
    data = {
        "projects": sorted(projects),
        "builds": sorted(builds, key=lambda b: (b["project"], b["started"])),
    }
    return [api.evidence(kinds.CODEBUILD, api.cell, "codebuild:BatchGetBuilds", data)]


def codepipeline(api: Api, lookback_days: int) -> list[Any]:
    """CodePipeline pipelines and their executions in the lookback window."""
    since = iso(api.ctx.now - timedelta(days=lookback_days)) or ""
    found = []
    for p in api.pages("codepipeline", "ListPipelines", "pipelines"):
        executions = api.pages(
            "codepipeline", "ListPipelineExecutions", "pipelineExecutionSummaries", pipelineName=p["name"]
        )
        found.append(
            {
                "name": p["name"],
                "executions": [
                    {"status": e.get("status"), "started": iso(e.get("startTime"))}
                    for e in executions
                    if (iso(e.get("startTime")) or "") >= since
                ],
            }
        )
    data = {"pipelines": sorted(found, key=lambda p: p["name"])}
    return [api.evidence(kinds.CODEPIPELINE, api.cell, "codepipeline:ListPipelineExecutions", data)]
