"""The GitHub collector: an organisation's DevOps, SecOps, collaboration and people evidence in a handful
of API calls (about 0.06 requests and 0.9 GraphQL points per repository; see benchmarks/github_requests.py).

Per organisation, all at once: the repository pass (GraphQL pages from both ends of the list, and the
workflow files of active repositories as the pages arrive), repository security settings and the three
organisation-level alert lists (REST), teams and project boards (GraphQL). Every read runs in its own
thread and every request takes one of ``concurrency`` slots (the client's ``Slots``): repository pages
first, since the workflow batches wait on them, then the organisation-wide reads (each keeps its slot
through its pages), then workflow batches. A read that is denied or fails becomes a gap, so only the
signals that depend on it are unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, ClassVar

from assay.collectors.base import CollectContext, Collector, SourceUnavailable
from assay.collectors.github.client import ORG_READS
from assay.collectors.github.config import GithubConfig
from assay.collectors.github.org import (
    ALERT_SOURCES,
    denied_message,
    read_alerts,
    read_projects,
    read_security_settings,
    read_teams,
)
from assay.collectors.github.permissions import permissions_text
from assay.collectors.github.repos import read_repositories
from assay.collectors.github.signals import signals
from assay.evidence import Evidence, UnknownReason


class GithubCollector(Collector):
    """Repositories, pull requests, CI, deployments, protection, alerts and teams of GitHub organisations."""

    name: ClassVar[str] = "github"
    title: ClassVar[str] = "GitHub"
    config_model = GithubConfig
    signals = signals
    sharding = "partitioned"  # repositories, by full name; organisation-level reads: shard 1

    def collect(self, config: Any, ctx: CollectContext) -> Iterator[Evidence]:
        """Run every read of every organisation, concurrently, and yield their evidence and gaps."""
        config = config if isinstance(config, GithubConfig) else GithubConfig.model_validate(config)
        try:
            from assay.collectors.github.client import GithubClient

            client = GithubClient(config, ctx)
        except ImportError as exc:
            raise SourceUnavailable(UnknownReason.UNSUPPORTED, f"PyGithub is not installed: {exc}") from None
        tasks: list[Callable[[], list[Evidence]]] = []
        for org in config.orgs:
            tasks.append(partial(_repositories, client, config, ctx, org))
            if not ctx.leads:  # repositories are sharded; what an organisation has once is read by shard 1
                continue
            # the longest chains of pages first: they start while the slots are still free
            reads = [partial(read_security_settings, client, config, ctx, org)]
            if config.alerts:
                reads.extend(partial(read_alerts, client, config, ctx, org, kind) for kind in ALERT_SOURCES)
            reads += [
                partial(read_teams, client, config, ctx, org),
                partial(read_projects, client, config, ctx, org),
            ]
            tasks.extend(partial(_in_lane, client, read) for read in reads)
        # more threads than slots, so a read is ready to send whenever a slot frees (the client's slots
        # bound the requests in flight); with concurrency 1, one read after another
        workers = min(len(tasks), 4 * config.concurrency) if config.concurrency > 1 else 1
        try:
            for batch in ctx.map(lambda task: task(), tasks, max_workers=workers):
                yield from batch
        finally:
            ctx.details.update(client.details())
            ctx.details["orgs"] = list(config.orgs)
            ctx.details["base_url"] = config.base_url  # reports link to this GitHub's web pages (GHE)
            ctx.details["concurrency"] = config.concurrency
            client.close()

    @classmethod
    def permissions(cls) -> str:
        """Minimal token scopes, fine-grained and GitHub App permissions, per signal."""
        return permissions_text(cls.signals.specs)


def _in_lane(client: Any, read: Callable[[], list[Evidence]]) -> list[Evidence]:
    """An organisation-wide read, holding one request slot through all its pages."""
    with client.lane(ORG_READS):
        return read()


def _repositories(client: Any, config: GithubConfig, ctx: CollectContext, org: str) -> list[Evidence]:
    """The repository pass; an organisation that cannot be listed is a gap on everything repo-based."""
    from github.GithubException import GithubException

    endpoint = "GraphQL organization.repositories"
    try:
        return read_repositories(client, config, ctx, org)
    except SourceUnavailable:
        raise
    except LookupError as exc:
        return [ctx.gap("repos", endpoint, UnknownReason.DENIED, f"{org}: {exc}")]
    except GithubException as exc:
        if exc.status in (401, 403, 404):
            needs = ("repo", "Metadata: read, Contents: read, Pull requests: read, Administration: read")
            message = denied_message(f"{org} repositories", exc, needs)
            return [ctx.gap("repos", endpoint, UnknownReason.DENIED, message)]
        return [ctx.gap("repos", endpoint, UnknownReason.ERROR, f"{org}: GitHub answered {exc.status}")]
    except Exception as exc:
        return [ctx.gap("repos", endpoint, UnknownReason.ERROR, f"{org}: reading repositories failed: {exc}")]
