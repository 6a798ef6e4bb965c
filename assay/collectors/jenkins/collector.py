"""Fetch Jenkins evidence through python-jenkins: jobs (folders and multibranch included), builds, plugins.

Per job the collector reads its config.xml and, in one ``tree`` request, its recent builds with result,
time, duration and cause; for the newest finished build it reads the test report, and for Jenkinsfiles
kept in SCM the stage names of that run. Jobs are read concurrently. Nothing is ever written to Jenkins.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from assay.collectors.base import CollectContext, Collector, SourceUnavailable
from assay.collectors.jenkins.builds import BUILDS_TREE, latest_completed, summarise_builds
from assay.collectors.jenkins.config import JenkinsConfig
from assay.collectors.jenkins.jobs import (
    FREESTYLE_CLASSES,
    MULTIBRANCH_CLASSES,
    PIPELINE_CLASS,
    JobDefinition,
    describe,
    parse_config,
)
from assay.collectors.jenkins.permissions import PERMISSIONS
from assay.collectors.jenkins.plugins import plugin_summary
from assay.collectors.jenkins.signals import CONTROLLER, JOB, PLUGINS, signals
from assay.evidence import Evidence, UnknownReason

_STATUS = re.compile(r"\[(\d{3})\]")


class JenkinsCollector(Collector):
    """CI/CD practice from a Jenkins controller: deploy stages, approvals, scanning, training jobs."""

    name = "jenkins"
    title = "Jenkins"
    config_model = JenkinsConfig
    signals = signals

    def collect(self, config: Any, ctx: CollectContext) -> Iterator[Evidence]:
        """Yield one evidence per job, then the plugins and the controller summary."""
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
        yield from _Reader(client, config, ctx).evidence()

    @classmethod
    def permissions(cls) -> str:
        """What the Jenkins user behind token_env must be allowed to do."""
        return PERMISSIONS


@dataclass
class _Job:
    name: str
    cls: str
    parent_cls: str = ""
    parent: str = ""
    container: bool = False  # a folder, multibranch project or organisation: it holds jobs, not builds


@dataclass
class _Failures:
    denied_config: list[str] = field(default_factory=list)
    failed_config: list[str] = field(default_factory=list)
    failed_builds: list[str] = field(default_factory=list)


class _Reader:
    def __init__(self, client: Any, config: JenkinsConfig, ctx: CollectContext) -> None:
        self.client = client
        self.config = config
        self.ctx = ctx
        self.url = public_url(config.url)
        self.failures = _Failures()
        self.skipped_missing = 0

    def evidence(self) -> Iterator[Evidence]:
        self._connect()
        version = self._version()
        items = self._items()
        jobs = [j for j in items if self._buildable(j) and self._selected(j.name)]
        truncated = len(jobs) > self.config.max_jobs
        jobs = jobs[: self.config.max_jobs]
        parents = self._multibranch_sources(jobs)
        self.ctx.progress(f"reading {len(jobs)} jobs")
        described = self.ctx.map(lambda j: self._job(j, parents), jobs, max_workers=self.config.concurrency)
        found = [d for d in described if d is not None]
        yield from self._gaps(len(jobs))
        for data in found:
            yield self.ctx.evidence(JOB, data["full_name"], "config.xml, api/json?tree=builds", data)
        plugins, gap = self._plugins()
        if gap is not None:
            yield gap
        if plugins is not None:
            yield self.ctx.evidence(PLUGINS, self.url, "pluginManager/api/json", plugins)
        summary = {
            "version": version,
            "items_seen": len(items),
            "jobs_read": len(found),
            "jobs_missing": self.skipped_missing,
            "truncated": truncated,
            "window_days": self.config.window_days,
            "max_builds": self.config.max_builds,
        }
        self.ctx.details.update(jobs_read=len(found), truncated=truncated)
        yield self.ctx.evidence(CONTROLLER, self.url, "me/api/json, api/json?tree=jobs", summary)

    # -- the controller ------------------------------------------------------------------------------------

    def _connect(self) -> None:
        """The first call: a refused or unreachable controller makes the whole source unavailable."""
        try:
            self.ctx.call("Jenkins.get_whoami", self.client.get_whoami)
        except Exception as exc:
            reason = failure_reason(exc)
            detail = self.ctx.redact(short_message(exc))
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

    def _items(self) -> list[_Job]:
        try:
            raw = self.ctx.call("Jenkins.get_all_jobs", self.client.get_all_jobs)
        except Exception as exc:
            reason = failure_reason(exc)
            raise SourceUnavailable(
                reason, f"Jenkins at {self.url}: listing jobs failed: {self.ctx.redact(short_message(exc))}"
            ) from None
        classes = {str(j.get("fullname")): str(j.get("_class", "")) for j in raw}
        items = []
        for j in raw:
            name = str(j.get("fullname"))
            parent = name.rsplit("/", 1)[0] if "/" in name else ""
            cls = str(j.get("_class", ""))
            container = "jobs" in j or cls in MULTIBRANCH_CLASSES or "Folder" in cls
            items.append(_Job(name, cls, classes.get(parent, ""), parent, container))
        return items

    def _buildable(self, job: _Job) -> bool:
        return not job.container

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
            verb = "denied (the user needs Overall/Read)" if reason is UnknownReason.DENIED else "failed"
            message = f"Jenkins at {self.url}: reading installed plugins {verb}: {short_message(exc)}"
            return None, self.ctx.gap("plugins", "pluginManager/api/json", reason, message)
        return plugin_summary([dict(p) for p in raw.values()]), None

    # -- jobs ----------------------------------------------------------------------------------------------

    def _multibranch_sources(self, jobs: list[_Job]) -> dict[str, JobDefinition]:
        """The branch sources of multibranch projects: their branch jobs inherit the repository."""
        names = sorted({j.parent for j in jobs if j.parent_cls in MULTIBRANCH_CLASSES})

        def read(name: str) -> tuple[str, JobDefinition | None]:
            try:
                xml = self.ctx.call("Jenkins.get_job_config", self.client.get_job_config, name)
            except Exception as exc:
                self._note_config_failure(name, exc)
                return name, None
            return name, parse_config(xml)

        return {n: d for n, d in self.ctx.map(read, names, self.config.concurrency) if d is not None}

    def _job(self, job: _Job, parents: dict[str, JobDefinition]) -> dict[str, Any] | None:
        try:
            xml = self.ctx.call("Jenkins.get_job_config", self.client.get_job_config, job.name)
        except Exception as exc:
            return self._note_config_failure(job.name, exc)
        definition = parse_config(xml)
        if job.parent in parents:
            definition.scm_urls = [*definition.scm_urls, *parents[job.parent].scm_urls]
        try:
            info = self.ctx.call(
                "Jenkins.get_info(builds)",
                self.client.get_info,
                item=job_path(job.name),
                query="?tree=" + BUILDS_TREE % self.config.max_builds,
            )
        except Exception as exc:
            if _is_missing(exc):
                self.skipped_missing += 1
                return None
            self.failures.failed_builds.append(f"{job.name}: {short_message(exc)}")
            return None
        builds, cut = summarise_builds(
            info.get("builds") or [], self.ctx.now, self.config.window_days, self.config.max_builds
        )
        last = latest_completed(builds)
        run_stages = self._run_stages(job.name, last) if definition.script_in_scm and last else None
        data = describe(job.name, job_kind(job), definition, run_stages)
        report = self._test_report(job.name, last) if last else None
        data["tests"] = data["tests"] or report is not None
        data["test_report"] = report
        data["builds"] = builds
        data["builds_limited"] = cut
        return data

    def _run_stages(self, name: str, build: dict[str, Any]) -> list[str] | None:
        try:
            described = self.ctx.call(
                "Jenkins.get_build_stages", self.client.get_build_stages, name, build["number"]
            )
        except Exception as exc:
            if not _is_missing(exc):  # 404: Pipeline Stage View is not installed; the job has no stages
                self.failures.failed_config.append(f"{name}: stages: {short_message(exc)}")
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
            self.failures.failed_builds.append(f"{name}: test report: {short_message(exc)}")
            return None
        if not report:
            return None
        total = report.get("totalCount")
        if total is None:
            total = sum(int(report.get(k) or 0) for k in ("passCount", "failCount", "skipCount"))
        return {"total": int(total), "failed": int(report.get("failCount") or 0)}

    # -- failures ------------------------------------------------------------------------------------------

    def _note_config_failure(self, name: str, exc: Exception) -> None:
        """Sort a failed config read into missing (skipped), denied or failed; the job is not described."""
        if _is_missing(exc):
            self.skipped_missing += 1
        elif failure_reason(exc) is UnknownReason.DENIED:
            self.failures.denied_config.append(name)
        else:
            self.failures.failed_config.append(f"{name}: {short_message(exc)}")
        return None

    def _gaps(self, total: int) -> Iterator[Evidence]:
        f = self.failures
        if f.denied_config:
            yield self.ctx.gap(
                "jobs.config",
                "job/<name>/config.xml",
                UnknownReason.DENIED,
                f"Jenkins at {self.url} denied config.xml of {len(f.denied_config)} of {total} jobs "
                f"(e.g. {f.denied_config[0]}); the user needs Job/ExtendedRead to show stages and steps",
            )
        elif f.failed_config:
            yield self.ctx.gap(
                "jobs.config",
                "job/<name>/config.xml",
                UnknownReason.ERROR,
                f"Jenkins at {self.url}: reading {len(f.failed_config)} job definitions failed "
                f"(e.g. {self.ctx.redact(f.failed_config[0])})",
            )
        if f.failed_builds:
            yield self.ctx.gap(
                "jobs.builds",
                "job/<name>/api/json?tree=builds",
                UnknownReason.ERROR,
                f"Jenkins at {self.url}: reading builds failed for {len(f.failed_builds)} jobs "
                f"(e.g. {self.ctx.redact(f.failed_builds[0])})",
            )


def job_kind(job: _Job) -> str:
    """freestyle | pipeline | multibranch (a branch of a multibranch project) | folder-child (other)."""
    if job.cls in FREESTYLE_CLASSES:
        return "freestyle"
    if job.cls == PIPELINE_CLASS:
        return "multibranch" if job.parent_cls in MULTIBRANCH_CLASSES else "pipeline"
    return "folder-child"


def job_path(full_name: str) -> str:
    """``a/b`` -> ``job/a/job/b``, each part URL-quoted, as Jenkins addresses items."""
    return "/".join(f"job/{quote(part, safe='')}" for part in full_name.split("/"))


def failure_reason(exc: BaseException) -> UnknownReason:
    """DENIED for HTTP 401/403 (python-jenkins puts the code in its message), ERROR otherwise."""
    response = getattr(exc, "response", None)
    code = getattr(response, "status_code", None)
    if code is None and (m := _STATUS.search(str(exc))):
        code = int(m.group(1))
    return UnknownReason.DENIED if code in (401, 403) else UnknownReason.ERROR


def _is_missing(exc: BaseException) -> bool:
    return type(exc).__name__ == "NotFoundException" or "[404]" in str(exc)


def short_message(exc: BaseException, limit: int = 240) -> str:
    """The first line of an exception, short enough for a report."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def public_url(url: str) -> str:
    """The controller URL without user info, query or fragment: safe to show and to use as a subject."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/") or "/", "", ""))
