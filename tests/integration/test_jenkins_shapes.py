"""The Jenkins stand-in answers in the shapes real controllers answer in, object type by object type.

For each type (job, build, cause, plugin, stage view, user, controller, listing entry, folder) the fields
and JSON types the stand-in returns are compared with the answers recorded from real controllers in
``fixtures/recorded/jenkins``: a field no complete recording of that type has (``_class`` aside, which
Jenkins 2.x adds to every object) fails, a field every complete recording has that the stand-in omits
fails, and a field whose JSON type the recordings never show fails (null aside). Recordings that their
authors trimmed (``complete: False``) contribute field types only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from assay.collectors.jenkins.builds import cause_trigger
from assay.sandbox.estate import load_estate
from assay.sandbox.jenkins_fixture import FOLDER, FREESTYLE, MULTIBRANCH, PIPELINE, build_controller
from assay.sandbox.jenkins_standin import USER, JenkinsStandin

pytestmark = pytest.mark.integration

RECORDED = Path(__file__).resolve().parents[2] / "fixtures" / "recorded" / "jenkins"

# (object type, recording, where the objects are in it, whether the recording is a whole answer)
RECORDINGS: list[tuple[str, str, str, bool]] = [
    ("freestyle job", "jenkins-rest/job-info.json", "", True),
    ("freestyle job", "node-jenkins/jobGet.json", "", True),
    ("freestyle build", "jenkins-rest/build-info.json", "", True),
    ("freestyle build", "jenkins-rest/build-info-git-commit.json", "", True),
    ("freestyle build", "node-jenkins/buildGet.json", "", True),
    ("freestyle build", "jenkinsapi/build-scm.json", "", True),
    ("pipeline build", "pipeline-automation-lib/build-721-upstream.json", "", True),
    ("pipeline build", "pipeline-automation-lib/build-720-upstream.json", "", True),
    ("plugin", "jenkins-rest/plugins.json", "plugins", True),
    ("plugin", "node-jenkins/pluginList.json", "plugins", True),
    ("stage view run", "jenkins-rest/workflow.json", "", True),
    ("stage view stage", "jenkins-rest/workflow.json", "stages", True),
    ("user", "jenkins-rest/user.json", "", True),
    ("controller", "node-jenkins/jobList.json", "", True),
    ("controller", "jenkins-rest/jobsInRootFolder.json", "", False),
    ("folder", "jenkins-rest/jobsInJenkinsFolder.json", "", False),
]
# Listing entries (``jobs[]`` of an api/json answer) and build causes are typed by what they are.
ENTRY_SOURCES = [
    ("node-jenkins/jobList.json", True),
    ("jenkins-rest/jobsInRootFolder.json", False),
    ("jenkins-rest/jobsInJenkinsFolder.json", False),
]
BUILD_SOURCES = [f for t, f, _, _ in RECORDINGS if t.endswith(" build")]


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def _at(doc: Any, where: str) -> list[dict[str, Any]]:
    found = doc[where] if where else doc
    return found if isinstance(found, list) else [found]


def entry_type(entry: dict[str, Any]) -> str:
    cls = str(entry.get("_class", ""))
    if cls == MULTIBRANCH:
        return "multibranch entry"
    if cls == FOLDER:
        return "folder entry"
    return "job entry" if "color" in entry or cls in (FREESTYLE, PIPELINE) else "other entry"


def causes_of(build: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for action in build.get("actions") or []:
        for cause in (action or {}).get("causes") or []:
            yield f"{cause_trigger(cause) or 'other'} cause", cause


def recorded() -> dict[str, list[tuple[dict[str, Any], bool]]]:
    """Objects by type, each with whether it comes from a whole answer."""
    by_type: dict[str, list[tuple[dict[str, Any], bool]]] = {}
    load = {f: json.loads((RECORDED / f).read_text(encoding="utf-8")) for _, f, _, _ in RECORDINGS}
    for kind, file, where, complete in RECORDINGS:
        by_type.setdefault(kind, []).extend((o, complete) for o in _at(load[file], where))
    for file, complete in ENTRY_SOURCES:
        for entry in load[file].get("jobs") or []:
            by_type.setdefault(entry_type(entry), []).append((entry, complete))
    for file in BUILD_SOURCES:
        for kind, cause in causes_of(load[file]):
            by_type.setdefault(kind, []).append((cause, True))
    return by_type


@pytest.fixture(scope="module")
def standin_objects() -> Iterator[dict[str, list[dict[str, Any]]]]:
    """What the stand-in answers for the same requests, over every estate."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name in ["aurora-dynamics", "borealis-health", "cygnus-ai"]:
        controller = build_controller(load_estate(name).source("jenkins") or {}, name)
        server = JenkinsStandin(controller).start()
        session = requests.Session()
        session.auth = (USER, server.token)

        def get(path: str, server: JenkinsStandin = server, session: requests.Session = session) -> Any:
            response = session.get(server.url + path.lstrip("/"), timeout=10)
            response.raise_for_status()
            return response.json()

        try:
            add = out.setdefault
            root = get("api/json")
            add("controller", []).append(root)
            add("user", []).append(get("me/api/json"))
            add("plugin", []).extend(get("pluginManager/api/json?depth=1")["plugins"])
            for item in controller.items.values():
                path = server.item_json_url(item)[len(server.url) :]
                body = get(path + "api/json")
                for entry in body.get("jobs") or []:
                    add(entry_type(entry), []).append(entry)
                if item.cls == FOLDER:
                    add("folder", []).append(body)
                if item.cls == FREESTYLE:
                    add("freestyle job", []).append(body)
                for build in item.builds[-2:]:
                    run = get(f"{path}{build['number']}/api/json")
                    if item.cls in (FREESTYLE, PIPELINE):
                        add("freestyle build" if item.cls == FREESTYLE else "pipeline build", []).append(run)
                    for kind, cause in causes_of(run):
                        add(kind, []).append(cause)
                    if item.stages:
                        view = get(f"{path}{build['number']}/wfapi/describe")
                        add("stage view run", []).append(view)
                        add("stage view stage", []).extend(view["stages"])
            for entry in root["jobs"]:
                add(entry_type(entry), []).append(entry)
        finally:
            server.stop()
    yield out


RECORDED_TYPES = recorded()
# Recorded types the stand-in never serves, and why.
NOT_SERVED = {"other entry": "items that are not jobs (agent templates) are not part of any estate"}


@pytest.mark.parametrize("kind", sorted(set(RECORDED_TYPES) - set(NOT_SERVED)))
def test_standin_matches_recorded_shape(kind: str, standin_objects: dict[str, list[dict[str, Any]]]) -> None:
    real = RECORDED_TYPES[kind]
    ours = standin_objects.get(kind, [])
    assert ours, f"the stand-in served no {kind} over the estates"
    types: dict[str, set[str]] = {}
    for obj, _ in real:
        for key, value in obj.items():
            types.setdefault(key, set()).add(_json_type(value))
    whole = [set(obj) for obj, complete in real if complete]
    problems = []
    for obj in ours:
        if whole:
            extra = set(obj) - set(types) - {"_class"}
            problems += [f"{kind}: `{k}` is never returned by a real controller" for k in sorted(extra)]
            missing = set.intersection(*whole) - set(obj)
            problems += [f"{kind}: `{k}` is always returned but missing" for k in sorted(missing)]
        for key, value in obj.items():
            seen = types.get(key)
            # null is allowed anywhere: a few recordings cannot show which fields may be null.
            if seen and seen != {"null"} and value is not None and _json_type(value) not in seen:
                problems.append(f"{kind}: `{key}` is {_json_type(value)}, recorded as {sorted(seen)}")
    assert not sorted(set(problems)), "\n".join(sorted(set(problems)))


def test_the_types_the_collector_reads_have_recordings() -> None:
    """Every object type the collector reads is compared against at least one real recording."""
    for kind in ["freestyle job", "freestyle build", "pipeline build", "user cause", "scm cause",
                 "upstream cause", "plugin", "stage view run",
                 "stage view stage", "user", "controller", "job entry", "folder entry", "multibranch entry",
                 "folder"]:  # fmt: skip
        assert kind in RECORDED_TYPES, kind
