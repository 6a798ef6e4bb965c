"""The JSON the Jenkins stand-in answers with, in the shapes real controllers answer in.

Field sets follow the answers recorded from real controllers (``fixtures/recorded/jenkins``); the test
``tests/integration/test_jenkins_shapes.py`` compares them object type by object type. At depth 0 Jenkins
lists builds and child items as references (``_class``, ``number``/``name``, ``url``...); a ``tree`` query
selects fields from the full objects, which is why the full objects are built and trimmed afterwards.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from assay.sandbox.jenkins_fixture import (
    BUILD_CLASS,
    CAUSES,
    FREESTYLE,
    RESULT_COLOR,
    Controller,
    Item,
)

USER_ID = "release-bot"  # who starts builds by hand in the estates


class Renderer:
    """Renders a controller's objects with absolute URLs under ``base_url`` (ending in ``/``)."""

    def __init__(self, controller: Controller, base_url: str) -> None:
        self.controller = controller
        self.base = base_url

    def item_url(self, item: Item) -> str:
        """``job/a/job/b/`` with each name quoted once, as Jenkins writes its URLs."""
        return self.base + "".join(f"job/{quote(p, safe='')}/" for p in item.full_name.split("/"))

    def root(self) -> dict[str, Any]:
        ctl = self.controller
        view = {"_class": "hudson.model.AllView", "name": "all", "url": self.base}
        return {
            "_class": "hudson.model.Hudson",
            "assignedLabels": [{"name": "built-in"}],
            "mode": "NORMAL",
            "nodeDescription": "the Jenkins controller's built-in node",
            "nodeName": "",
            "numExecutors": 0,
            "description": None,
            "jobs": [self.entry(ctl.items[n]) for n in ctl.top_level()],
            "overallLoad": {},
            "primaryView": view,
            "quietingDown": False,
            "slaveAgentPort": -1,
            "unlabeledLoad": {"_class": "jenkins.model.UnlabeledLoadStatistics"},
            "useCrumbs": True,
            "useSecurity": True,
            "views": [view],
        }

    def item(self, item: Item) -> dict[str, Any]:
        """A job's or a container's own api/json (full objects; see ``depth0``)."""
        out: dict[str, Any] = {"_class": item.cls, "name": item.name, "url": self.item_url(item)}
        if item.cls not in BUILD_CLASS:
            out["jobs"] = [self.entry(self.controller.items[c]) for c in item.children]
            return out
        builds = [self.build(item, b) for b in reversed(item.builds)]
        finished = [b for b in builds if not b["building"]]

        def last(pred: Any) -> dict[str, Any] | None:
            return next((_ref(b) for b in finished if pred(b)), None)

        out.update(
            actions=[],
            description=item.description,
            displayName=item.name,
            displayNameOrNull=None,
            buildable=True,
            builds=builds[:100],
            color=RESULT_COLOR.get(str(builds[0]["result"]), "notbuilt") if builds else "notbuilt",
            firstBuild=_ref(builds[-1]) if builds else None,
            healthReport=[],
            inQueue=False,
            keepDependencies=False,
            lastBuild=_ref(builds[0]) if builds else None,
            lastCompletedBuild=last(lambda b: True),
            lastFailedBuild=last(lambda b: b["result"] == "FAILURE"),
            lastStableBuild=last(lambda b: b["result"] == "SUCCESS"),
            lastSuccessfulBuild=last(lambda b: b["result"] in ("SUCCESS", "UNSTABLE")),
            lastUnstableBuild=last(lambda b: b["result"] == "UNSTABLE"),
            lastUnsuccessfulBuild=last(lambda b: b["result"] != "SUCCESS"),
            nextBuildNumber=(item.builds[-1]["number"] + 1) if item.builds else 1,
            property=[],
            queueItem=None,
            concurrentBuild=False,
        )
        if item.cls == FREESTYLE:
            git = "hudson.plugins.git.GitSCM"
            scm = git if git in item.config_xml else "hudson.scm.NullSCM"
            out.update(downstreamProjects=[], scm={"_class": scm}, upstreamProjects=[])
        return out

    def entry(self, item: Item) -> dict[str, Any]:
        """An item as its parent lists it (children included, for ``tree`` queries to select)."""
        full = self.item(item)
        return {k: v for k, v in full.items() if k in ("_class", "name", "url", "color", "jobs")}

    def build(self, item: Item, build: dict[str, Any]) -> dict[str, Any]:
        number = build["number"]
        causes = [self.cause(item, build)]
        actions: list[dict[str, Any]] = [{"_class": "hudson.model.CauseAction", "causes": causes}]
        if build.get("tests"):
            tests = build["tests"]
            actions.append(
                {
                    "_class": "hudson.tasks.junit.TestResultAction",
                    "failCount": int(tests.get("failed", 0)),
                    "skipCount": 0,
                    "totalCount": int(tests.get("total", 0)),
                    "urlName": "testReport",
                }
            )
        out: dict[str, Any] = {
            "_class": BUILD_CLASS.get(item.cls, "hudson.model.FreeStyleBuild"),
            "actions": actions,
            "artifacts": [],
            "building": build["building"],
            "description": None,
            "displayName": f"#{number}",
            "duration": build["duration"],
            "estimatedDuration": build["duration"],
            "executor": None,
            "fullDisplayName": f"{item.full_name.replace('/', ' » ')} #{number}",
            "id": str(number),
            "keepLog": False,
            "number": number,
            "queueId": 1000 + number,
            "result": build["result"],
            "timestamp": build["timestamp"],
            "url": self.item_url(item) + f"{number}/",
            "culprits": [],
        }
        if item.cls == FREESTYLE:
            out["builtOn"] = ""
            out["changeSet"] = {"_class": "hudson.scm.EmptyChangeLogSet", "items": [], "kind": None}
        else:  # a Pipeline run also links its neighbours
            numbers = [b["number"] for b in item.builds]
            at = numbers.index(number) if number in numbers else -1
            near = {"previousBuild": at - 1, "nextBuild": at + 1}
            url = self.item_url(item)
            for key, i in near.items():
                ok = at >= 0 and 0 <= i < len(numbers)
                out[key] = {"number": numbers[i], "url": f"{url}{numbers[i]}/"} if ok else None
            out["changeSets"] = []
        return out

    def cause(self, item: Item, build: dict[str, Any]) -> dict[str, Any]:
        cls, text = CAUSES[build["cause"]]
        cause: dict[str, Any] = {"_class": cls, "shortDescription": text}
        if build["cause"] == "user":
            cause.update(shortDescription=f"{text} {USER_ID}", userId=USER_ID, userName=USER_ID)
        elif build["cause"] == "upstream":
            upstream = item.upstream or "upstream"
            number = max(1, build["number"])
            upstream_url = "".join(f"job/{quote(p, safe='')}/" for p in upstream.split("/"))
            cause.update(
                shortDescription=f'{text} "{upstream}" build number {number}',
                upstreamBuild=number,
                upstreamProject=upstream,
                upstreamUrl=upstream_url,
            )
        elif build["cause"] == "branch":
            cause["shortDescription"] = f"{text} {item.name}"
        return cause

    def stage_view(self, item: Item, build: dict[str, Any]) -> dict[str, Any]:
        """Pipeline Stage View's ``wfapi/describe`` of one run."""
        href = self.item_url(item)[len(self.base) - 1 :] + f"{build['number']}/"
        start, each = build["timestamp"], max(build["duration"] // max(len(item.stages), 1), 1)
        stages = [
            {
                "_links": {"self": {"href": f"{href}execution/node/{i + 6}/wfapi/describe"}},
                "id": str(i + 6),
                "name": name,
                "status": "SUCCESS",
                "startTimeMillis": start + i * each,
                "durationMillis": each,
            }
            for i, name in enumerate(item.stages)
        ]
        return {
            "_links": {"self": {"href": f"{href}wfapi/describe"}},
            "id": str(build["number"]),
            "name": f"#{build['number']}",
            "status": build["result"] or "IN_PROGRESS",
            "startTimeMillis": start,
            "endTimeMillis": start + build["duration"],
            "durationMillis": build["duration"],
            "stages": stages,
        }


def depth0(body: dict[str, Any]) -> dict[str, Any]:
    """What Jenkins answers without ``tree``: builds and child items as references only."""
    out = dict(body)
    if isinstance(out.get("builds"), list):
        out["builds"] = [_ref(b) for b in out["builds"]]
    if isinstance(out.get("jobs"), list):
        out["jobs"] = [{k: v for k, v in j.items() if k != "jobs"} for j in out["jobs"]]
    return out


def _ref(build: dict[str, Any]) -> dict[str, Any]:
    return {"_class": build["_class"], "number": build["number"], "url": build["url"]}
