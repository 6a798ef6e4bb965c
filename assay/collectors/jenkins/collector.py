"""Fetch Jenkins evidence through python-jenkins: jobs (folders and multibranch included), builds, plugins.

Per job the collector reads its config.xml and, in one ``tree`` request, its recent builds with result,
time, duration and cause; for the newest finished build it reads the test report, and for Jenkinsfiles
kept in SCM the stage names of that run. Jobs are read concurrently. Nothing is ever written to Jenkins.

Every listed item that cannot be read becomes a gap naming the item and the call; a controller from
which nothing at all could be read fails the source; 429/502/503/504 are retried (``http.py``).
"""

from __future__ import annotations

import fnmatch
import math
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from assay.collectors.base import CollectContext, Collector, SourceUnavailable
from assay.collectors.jenkins.builds import BUILDS_TREE, latest_completed, summarise_builds
from assay.collectors.jenkins.config import JenkinsConfig
from assay.collectors.jenkins.failures import Failures, failure_reason, is_missing, short_message
from assay.collectors.jenkins.http import mount_retries
from assay.collectors.jenkins.jobs import (
    FREESTYLE_CLASSES,
    MULTIBRANCH_CLASSES,
    PIPELINE_CLASS,
    JobDefinition,
    describe,
    parse_config,
)
from assay.collectors.jenkins.listing import CHILDREN_QUERY, Item, children_of, items_from, job_path
from assay.collectors.jenkins.permissions import PERMISSIONS
from assay.collectors.jenkins.plugins import plugin_summary
from assay.collectors.jenkins.signals import CONTROLLER, JOB, PLUGINS, signals
from assay.evidence import Evidence, UnknownReason

__all__ = ["JenkinsCollector", "failure_reason", "job_path", "public_url"]

_ROOT = re.compile(r"<([A-Za-z][\w.-]*)[\s/>]")  # the first element after the XML declaration
# Folders nested deeper than this are not listed further (python-jenkins already lists 10 per request).
MAX_FOLDER_DEPTH = 50


class JenkinsCollector(Collector):
    """CI/CD practice from a Jenkins controller: deploy stages, approvals, scanning, training jobs."""

    name = "jenkins"
    title = "Jenkins"
    config_model = JenkinsConfig
    signals = signals
    sharding = "partitioned"  # jobs, by full name; the controller's plugins and summary: shard 1

    def collect(self, config: Any, ctx: CollectContext) -> Iterator[Evidence]:
        """Yield one evidence per job, the gaps, then the plugins and the controller summary."""
        config = config if isinstance(config, JenkinsConfig) else JenkinsConfig.model_validate(config)
        token = ctx.secret(config.token_env, field="token_env") if config.token_env else None
        try:
            import jenkins  # imported here: `assay --help` must not pay for it
        except ImportError as exc:
            raise SourceUnavailable(UnknownReason.UNSUPPORTED, f"python-jenkins is missing: {exc}") from None
        client = jenkins.Jenkins(
            config.url,
            username=config.user if token else None,
            password=token,
            timeout=config.request_timeout,
            retries=config.retries,
        )
        # python-jenkins has no TLS option; its session honours `verify` (False, True or a CA bundle path).
        client._session.verify = (config.ca_bundle or True) if config.verify_tls else False
        deadline = time.monotonic() + config.timeout_seconds if config.timeout_seconds else math.inf
        mount_retries(client._session, config.retries, config.max_retry_wait_seconds, deadline, ctx.progress)
        yield from _Reader(client, config, ctx).evidence()

    @classmethod
    def permissions(cls) -> str:
        """What the Jenkins user behind token_env must be allowed to do."""
        return PERMISSIONS


class _Reader:
    def __init__(self, client: Any, config: JenkinsConfig, ctx: CollectContext) -> None:
        self.client = client
        self.config = config
        self.ctx = ctx
        self.url = public_url(config.url)
        self.failures = Failures()

    def evidence(self) -> Iterator[Evidence]:
        self._connect()
        version = self._version()
        items = self._items()
        jobs = [j for j in items if j.kind == "job" and self._selected(j.name)]
        truncated = len(jobs) > self.config.max_jobs
        jobs = [j for j in jobs[: self.config.max_jobs] if self.ctx.owns(f"job:{j.name}")]
        parents = self._multibranch_sources(jobs)
        self.ctx.progress(f"reading {len(jobs)} jobs")
        described = self.ctx.map(lambda j: self._job(j, parents), jobs, max_workers=self.config.concurrency)
        found = [d for d in described if d is not None]
        # The controller's plugins and summary are read once, by shard 1 (or by the only collection).
        plugins, plugin_gap = self._plugins() if self.ctx.leads else (None, None)
        yield from self.failures.gaps(self.ctx, self.url)
        if plugin_gap is not None:
            yield plugin_gap
        if not found and plugins is None and (jobs or self.failures.items):
            gaps = [g for g in (plugin_gap,) if g is not None]
            reasons = [*(f.reason for f in self.failures.items), *(g.data["reason"] for g in gaps)]
            reason = _overall_reason(reasons)
            what = "and not the plugin list " if gaps else ""
            first = self.failures.items[0] if self.failures.items else None
            detail = gaps[0].data["message"] if gaps else f"{first.item}: {first.detail}" if first else ""
            raise SourceUnavailable(
                reason,
                f"Jenkins at {self.url}: none of {len(jobs)} jobs {what}could be read "
                f"({self.ctx.redact(detail)})",
            )
        for data in found:
            yield self.ctx.evidence(JOB, data["full_name"], "config.xml, api/json?tree=builds", data)
        if not self.ctx.leads:
            return
        if plugins is not None:
            yield self.ctx.evidence(PLUGINS, self.url, "pluginManager/api/json", plugins)
        summary = {
            "version": version,
            "items_seen": len(items),
            "jobs_read": len(found),
            "jobs_unreadable": len({f.item for f in self.failures.items if f.scope != "jobs"}),
            "containers_unlisted": len({f.item for f in self.failures.items if f.scope == "jobs"}),
            "other_items": len([i for i in items if i.kind == "other"]),
            "truncated": truncated,
            "window_days": self.config.window_days,
            "max_builds": self.config.max_builds,
        }
        if self.ctx.shard is not None:
            summary["shard"] = str(self.ctx.shard)  # the counts above are this shard's
        self.ctx.details.update(jobs_read=len(found), truncated=truncated)
        yield self.ctx.evidence(CONTROLLER, self.url, "me/api/json, api/json?tree=jobs", summary)

    # -- the controller ------------------------------------------------------------------------------------

    def _connect(self) -> None:
        """The first call: a refused or unreachable controller makes the whole source unavailable.

        A 404 is not fatal: some controllers and proxies serve no ``/me``; the job listing then decides.
        """
        try:
            self.ctx.call("Jenkins.get_whoami", self.client.get_whoami)
        except Exception as exc:
            if is_missing(exc):
                return
            reason = failure_reason(exc)
            detail = self.ctx.redact(short_message(exc))
            if reason is UnknownReason.DENIED and not (self.config.user and self.config.token_env):
                raise SourceUnavailable(
                    reason,
                    f"Jenkins at {self.url} refused anonymous access ({detail}); set collectors.jenkins.user "
                    "and token_env to a user with Overall/Read",
                ) from None
            if reason is UnknownReason.DENIED:
                raise SourceUnavailable(
                    reason,
                    f"Jenkins at {self.url} refused the credentials ({detail}); check "
                    "collectors.jenkins.user and the token named by token_env (the user needs Overall/Read)",
                ) from None
            raise SourceUnavailable(reason, f"cannot reach Jenkins at {self.url}: {detail}") from None

    def _version(self) -> str | None:
        try:
            return str(self.ctx.call("Jenkins.get_version", self.client.get_version))
        except Exception:  # the version is informative; some proxies strip the header
            return None

    def _items(self) -> list[Item]:
        try:
            raw = self.ctx.call("Jenkins.get_all_jobs", self.client.get_all_jobs)
        except Exception as exc:
            reason = failure_reason(exc)
            need = " (the user needs Overall/Read)" if reason is UnknownReason.DENIED else ""
            raise SourceUnavailable(
                reason,
                f"Jenkins at {self.url}: listing jobs failed{need}: {self.ctx.redact(short_message(exc))}",
            ) from None
        items = items_from(raw)
        pending = [i for i in items if not i.listed]
        depth = 0
        while pending and depth < MAX_FOLDER_DEPTH:  # containers listed without their children
            depth += 1
            classes = {i.name: i.cls for i in items}
            found: list[Item] = []
            for folder in pending:
                found.extend(items_from(self._children(folder.name), classes))
            items.extend(found)
            pending = [i for i in found if not i.listed]
        return items

    def _children(self, folder: str) -> list[dict[str, Any]]:
        try:
            answer = self.ctx.call(
                "Jenkins.get_info(jobs)", self.client.get_info, item=job_path(folder), query=CHILDREN_QUERY
            )
        except Exception as exc:
            self.failures.add("jobs", folder, "api/json?tree=jobs", exc)
            return []
        return children_of(folder, answer or {})

    def _selected(self, name: str) -> bool:
        inc = self.config.include
        if inc and not any(fnmatch.fnmatchcase(name, p) for p in inc):
            return False
        return not any(fnmatch.fnmatchcase(name, p) for p in self.config.exclude)

    def _plugins(self) -> tuple[dict[str, Any] | None, Evidence | None]:
        try:
            raw = self.ctx.call("Jenkins.get_plugins", self.client.get_plugins, depth=1)
        except Exception as exc:
            reason = failure_reason(exc)
            verb = (
                "denied (the user needs Overall/Read; recent Jenkins versions ask for Overall/SystemRead)"
                if reason is UnknownReason.DENIED
                else "failed"
            )
            message = f"Jenkins at {self.url}: reading installed plugins {verb}: {short_message(exc)}"
            return None, self.ctx.gap("plugins", "pluginManager/api/json", reason, message)
        return plugin_summary([dict(p) for p in (raw or {}).values()]), None

    # -- jobs ----------------------------------------------------------------------------------------------

    def _multibranch_sources(self, jobs: list[Item]) -> dict[str, JobDefinition]:
        """The branch sources of multibranch projects: their branch jobs inherit the repository."""
        names = sorted({j.parent for j in jobs if j.parent_cls in MULTIBRANCH_CLASSES})

        def read(name: str) -> tuple[str, JobDefinition | None]:
            try:
                xml = self.ctx.call("Jenkins.get_job_config", self.client.get_job_config, name)
            except Exception as exc:
                self.failures.add("jobs.config", name, "config.xml", exc)
                return name, None
            return name, parse_config(xml)

        return {n: d for n, d in self.ctx.map(read, names, self.config.concurrency) if d is not None}

    def _job(self, job: Item, parents: dict[str, JobDefinition]) -> dict[str, Any] | None:
        try:
            xml = self.ctx.call("Jenkins.get_job_config", self.client.get_job_config, job.name)
        except Exception as exc:
            self.failures.add("jobs.config", job.name, "config.xml", exc)
            return None
        definition = parse_config(xml)
        if job.parent in parents:
            definition.scm_urls = [*definition.scm_urls, *parents[job.parent].scm_urls]
        raw = self._builds(job.name)
        if raw is None:
            return None
        builds, cut = summarise_builds(raw, self.ctx.now, self.config.window_days, self.config.max_builds)
        last = latest_completed(builds)
        run_stages = self._run_stages(job.name, last) if definition.script_in_scm and last else None
        data = describe(job.name, job_kind(job, xml), definition, run_stages)
        report = self._test_report(job.name, last) if last else None
        data["tests"] = data["tests"] or report is not None
        data["test_report"] = report
        data["builds"] = builds
        data["builds_limited"] = cut
        return data

    def _builds(self, name: str) -> list[dict[str, Any]] | None:
        """The newest builds with their fields; one request, or one per build if the tree was ignored."""
        try:
            info = self.ctx.call(
                "Jenkins.get_info(builds)",
                self.client.get_info,
                item=job_path(name),
                query="?tree=" + BUILDS_TREE % self.config.max_builds,
            )
        except Exception as exc:
            self.failures.add("jobs.builds", name, "api/json?tree=builds", exc)
            return None
        raw = [b for b in (info or {}).get("builds") or [] if isinstance(b, dict) and "number" in b]
        raw = sorted(raw, key=lambda b: int(b["number"]), reverse=True)[: self.config.max_builds]
        if all("timestamp" in b for b in raw):
            return raw
        # A server (or proxy) that ignores `tree` lists builds as references: read each one.
        full = []
        for ref in raw:
            try:
                build = self.ctx.call(
                    "Jenkins.get_build_info", self.client.get_build_info, name, int(ref["number"])
                )
            except Exception as exc:
                self.failures.add("jobs.builds", name, "api/json (build)", exc)
                return None
            full.append(build or {})
        return [b for b in full if "number" in b]

    def _run_stages(self, name: str, build: dict[str, Any]) -> list[str] | None:
        try:
            described = self.ctx.call(
                "Jenkins.get_build_stages", self.client.get_build_stages, name, build["number"]
            )
        except Exception as exc:
            if not is_missing(exc):  # 404: Pipeline Stage View is not installed; the job has no stages
                self.failures.add("jobs.config", name, "wfapi/describe", exc)
            return None
        return [str(s.get("name")) for s in (described or {}).get("stages") or [] if s.get("name")]

    def _test_report(self, name: str, build: dict[str, Any]) -> dict[str, int] | None:
        try:
            report = self.ctx.call(
                "Jenkins.get_build_test_report",
                self.client.get_build_test_report,
                name,
                build["number"],
                tree="totalCount,failCount,skipCount,passCount",
            )
        except Exception as exc:
            self.failures.add("jobs.builds", name, "testReport/api/json", exc)
            return None
        if not report:
            return None
        total = report.get("totalCount")
        if total is None:
            total = sum(int(report.get(k) or 0) for k in ("passCount", "failCount", "skipCount"))
        return {"total": int(total), "failed": int(report.get("failCount") or 0)}


def _overall_reason(reasons: list[Any]) -> UnknownReason:
    """DENIED when every failure was a refusal, ERROR otherwise."""
    values = {UnknownReason(r) for r in reasons}
    return UnknownReason.DENIED if values == {UnknownReason.DENIED} else UnknownReason.ERROR


def job_kind(job: Item, config_xml: str = "") -> str:
    """freestyle | pipeline | multibranch (a branch of a multibranch project) | folder-child (other).

    Without a class (Jenkins 1.x) the root element of config.xml tells freestyle from pipeline.
    """
    cls = job.cls or _CONFIG_ROOTS.get(_root_tag(config_xml), "")
    if cls in FREESTYLE_CLASSES:
        return "freestyle"
    if cls == PIPELINE_CLASS:
        return "multibranch" if job.parent_cls in MULTIBRANCH_CLASSES else "pipeline"
    return "folder-child"


_CONFIG_ROOTS = {
    "project": "hudson.model.FreeStyleProject",
    "maven2-moduleset": "hudson.maven.MavenModuleSet",
    "matrix-project": "hudson.matrix.MatrixProject",
    "flow-definition": PIPELINE_CLASS,
}


def _root_tag(xml: str) -> str:
    match = _ROOT.search(xml or "")
    return match.group(1) if match else ""


def public_url(url: str) -> str:
    """The controller URL without user info, query or fragment: safe to show and to use as a subject."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/") or "/", "", ""))
