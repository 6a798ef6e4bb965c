"""The item tree of a controller: which listed items are jobs, which hold jobs, which are neither.

Names are kept exactly as Jenkins gives them: a multibranch branch ``feature/x`` is the item
``feature%2Fx``, and python-jenkins quotes each path segment once more when it builds a URL
(``job/mb/job/feature%252Fx``). Paths handed to python-jenkins are therefore never quoted here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assay.collectors.jenkins.jobs import FREESTYLE_CLASSES, MULTIBRANCH_CLASSES, PIPELINE_CLASS

CONTAINER_CLASSES = MULTIBRANCH_CLASSES | {
    "com.cloudbees.hudson.plugins.folder.Folder",
    "jenkins.branch.OrganizationFolder",
}
JOB_CLASSES = FREESTYLE_CLASSES | {
    PIPELINE_CLASS,
    "hudson.model.ExternalJob",
    "hudson.matrix.MatrixConfiguration",
    "com.tikal.jenkins.plugins.multijob.MultiJobProject",
}
_CONTAINER_NAME = re.compile(r"(?:Folder|MultiBranchProject|OrganizationFolder)$")
_JOB_NAME = re.compile(r"(?:Project|Job)$")
# One level of children per request when a container is listed without them.
CHILDREN_QUERY = "?tree=jobs[name,url,color]"


@dataclass
class Item:
    """A listed item: ``kind`` is job, container or other (agent templates, views... never read)."""

    name: str  # the full name, segments joined by "/"
    cls: str
    kind: str
    parent: str = ""
    parent_cls: str = ""
    listed: bool = True  # a container whose children came with the listing


def kind_of(raw: dict[str, Any]) -> str:
    """job | container | other, from the fields the listing returned and the item's class."""
    cls = str(raw.get("_class") or "")
    if "jobs" in raw or cls in CONTAINER_CLASSES or _CONTAINER_NAME.search(cls):
        return "container"
    # Every Jenkins job exports `color`; without a class (Jenkins 1.x) nothing says it is not a job.
    if "color" in raw or not cls or cls in JOB_CLASSES or _JOB_NAME.search(cls):
        return "job"
    return "other"


def items_from(raw: list[dict[str, Any]], known: dict[str, str] | None = None) -> list[Item]:
    """Items of a python-jenkins listing (each with ``fullname``); ``known`` maps names to classes."""
    classes = dict(known or {})
    classes.update({str(j.get("fullname")): str(j.get("_class") or "") for j in raw})
    items = []
    for j in raw:
        name = str(j.get("fullname"))
        parent = name.rsplit("/", 1)[0] if "/" in name else ""
        kind = kind_of(j)
        listed = kind != "container" or isinstance(j.get("jobs"), list)
        items.append(Item(name, str(j.get("_class") or ""), kind, parent, classes.get(parent, ""), listed))
    return items


def children_of(folder: str, answer: dict[str, Any]) -> list[dict[str, Any]]:
    """A container's ``jobs`` as listing entries with their full names."""
    out = []
    for child in answer.get("jobs") or []:
        if isinstance(child, dict) and child.get("name") is not None:
            out.append({**child, "fullname": f"{folder}/{child['name']}"})
    return out


def job_path(full_name: str) -> str:
    """``a/b`` -> ``job/a/job/b``, unquoted: python-jenkins quotes the path itself."""
    return "/".join(f"job/{part}" for part in full_name.split("/"))
