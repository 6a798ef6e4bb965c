"""The Azure collector: subscriptions read concurrently through azure-mgmt-resource's split clients.

Real use authenticates with DefaultAzureCredential (environment, managed identity, Azure CLI), or a service
principal whose secret an environment variable holds. TLS is always verified (``ca_bundle`` adds a CA).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from assay.collectors.azure import kinds
from assay.collectors.azure.config import AzureConfig
from assay.collectors.azure.fetch import SubscriptionReader, reason_of, short
from assay.collectors.azure.operations import OPERATIONS, role_text
from assay.collectors.azure.signals import signals
from assay.collectors.azure.values import enum_text, tag_map
from assay.collectors.base import CollectContext, Collector, SourceUnavailable
from assay.collectors.derive import GAP_SUFFIX
from assay.evidence import Evidence, UnknownReason

ARM_SCOPE = "https://management.azure.com/.default"
DEFAULT_BUDGET = 300.0  # seconds, the runner's default source timeout


def arm_scope(cfg: AzureConfig) -> str:
    """The token scope for the configured Resource Manager: ARM accepts only tokens issued for itself, so a
    sovereign cloud's endpoint (management.usgovcloudapi.net, management.chinacloudapi.cn) is its own scope
    (`<endpoint>/.default`); Azure Stack Hub's audience differs from its address and is configured."""
    if cfg.credential_scope:
        return cfg.credential_scope
    if not cfg.base_url:
        return ARM_SCOPE
    parts = urlsplit(cfg.base_url)
    return f"{parts.scheme}://{parts.netloc}/.default"


def _origin(url: str) -> str:
    """scheme://host[:port] of an endpoint: no credentials, path or query."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}:{parts.port}" if parts.port else f"{parts.scheme}://{host}"


class _Clients:
    """The management clients, one per subscription, all on one credential and transport settings."""

    def __init__(self, credential: Any, cfg: AzureConfig, deadline: float) -> None:
        from assay.collectors.azure.retry import bounded_retry_policy

        self.credential = credential
        self._retry = (bounded_retry_policy, cfg.max_retries, deadline)
        self._settings: dict[str, Any] = {}
        if cfg.base_url:
            self._settings.update(base_url=cfg.base_url, credential_scopes=[arm_scope(cfg)])
        if cfg.ca_bundle:
            self._settings["connection_verify"] = cfg.ca_bundle

    @property
    def kwargs(self) -> dict[str, Any]:
        """Client settings with a retry policy of the client's own: 429/503 (and other retryable answers)
        are retried, honouring Retry-After, but never past the source's deadline. A policy instance is
        never shared: azure-core links each policy to the next one of *its* pipeline, so a policy shared by
        clients built on several threads would send one client's requests down another's half-built
        pipeline ("'ARMChallengeAuthenticationPolicy' object has no attribute 'next'")."""
        make, retries, deadline = self._retry
        return {"retry_policy": make(retries, deadline), **self._settings}

    def subscriptions(self) -> Any:
        from azure.mgmt.resource.subscriptions import SubscriptionClient

        return SubscriptionClient(self.credential, **self.kwargs)

    def resources(self, sub: str) -> Any:
        from azure.mgmt.resource.resources import ResourceManagementClient

        return ResourceManagementClient(self.credential, sub, **self.kwargs)

    def deployments(self, sub: str) -> Any:
        from azure.mgmt.resource.deployments import DeploymentsMgmtClient

        return DeploymentsMgmtClient(self.credential, sub, **self.kwargs)

    def policy(self, sub: str) -> Any:
        from azure.mgmt.resource.policy import PolicyClient

        return PolicyClient(self.credential, sub, **self.kwargs)

    def consumption(self, sub: str) -> Any:
        from azure.mgmt.consumption import ConsumptionManagementClient

        return ConsumptionManagementClient(self.credential, sub, **self.kwargs)

    def security(self, sub: str) -> Any:
        from azure.mgmt.security import SecurityCenter

        return SecurityCenter(self.credential, sub, **self.kwargs)


class AzureCollector(Collector):
    """Environment separation, tags, IaC, guardrails, budgets, Defender plans and the ML/AI estate of
    Azure subscriptions."""

    name = "azure"
    title = "Microsoft Azure"
    config_model = AzureConfig
    signals = signals
    sharding = "partitioned"  # subscriptions, by id

    @classmethod
    def permissions(cls) -> str:
        """The RBAC actions the collector uses, as a custom role definition."""
        return role_text()

    def collect(self, config: Any, ctx: CollectContext) -> Iterator[Evidence]:
        """Yield each subscription's evidence (or the gaps where it was refused)."""
        cfg = config if isinstance(config, AzureConfig) else AzureConfig.model_validate(config)
        budget = cfg.timeout_seconds or getattr(ctx, "timeout", None) or DEFAULT_BUDGET
        clients = _Clients(_credential(cfg, ctx), cfg, time.monotonic() + float(budget))
        subs = [s for s in self._subscriptions(clients, cfg, ctx) if ctx.owns(f"subscription:{s['id']}")]
        for sub in subs:
            yield ctx.evidence(kinds.SUBSCRIPTION, sub["id"], "subscriptions.list", sub)
        readers = [SubscriptionReader(ctx, clients, sub) for sub in subs]
        read, gaps = 0, []
        for found in ctx.map(lambda r: list(r.evidence()), readers, max_workers=cfg.concurrency):
            for ev in found:
                if ev.kind == kinds.SOURCE + GAP_SUFFIX:
                    gaps.append(ev)
                else:
                    read += 1
                yield ev
        ctx.details.update(subscriptions=len(subs))
        if cfg.base_url:  # which cloud: the reports link resources to that cloud's portal
            ctx.details.update(resource_manager=_origin(cfg.base_url))
        if gaps and not read:  # subscriptions were listed, but nothing in any of them could be read
            denied = all(g.data["reason"] == UnknownReason.DENIED.value for g in gaps)
            raise SourceUnavailable(
                UnknownReason.DENIED if denied else UnknownReason.ERROR,
                f"nothing could be read in {len(subs)} subscription(s): {gaps[0].data['message']}",
            )

    def _subscriptions(
        self, clients: _Clients, cfg: AzureConfig, ctx: CollectContext
    ) -> list[dict[str, Any]]:
        where = cfg.base_url or "Azure Resource Manager"
        found = []
        try:
            for page in clients.subscriptions().subscriptions.list().by_page():
                ctx.count_call("subscriptions.list")
                found.extend(page)
        except Exception as exc:
            reason = reason_of(exc)
            if type(exc).__name__ == "ServiceRequestError":
                reason = UnknownReason.ERROR
            need = f" (needs {OPERATIONS['subscriptions.list'][0]})" if reason is UnknownReason.DENIED else ""
            raise SourceUnavailable(
                reason, f"cannot list subscriptions at {where}{need}: {ctx.redact(short(exc))}"
            ) from None
        wanted = {s.lower() for s in cfg.subscriptions}
        subs = [
            {
                "id": s.subscription_id,
                "name": s.display_name or "",
                "state": enum_text(s.state),
                "tags": tag_map(getattr(s, "tags", None)),
            }
            for s in found
            if not wanted or (s.subscription_id or "").lower() in wanted
        ]
        if not subs:
            raise SourceUnavailable(UnknownReason.NOT_CONFIGURED, f"no Azure subscription visible at {where}")
        return sorted(subs, key=lambda s: s["id"])


def _credential(cfg: AzureConfig, ctx: CollectContext) -> Any:
    try:
        from azure.identity import ClientSecretCredential, DefaultAzureCredential
    except ImportError as exc:  # pragma: no cover - a dependency
        raise SourceUnavailable(
            UnknownReason.UNSUPPORTED, f"azure-identity is not installed: {exc}"
        ) from None
    kwargs: dict[str, Any] = {"retry_total": cfg.max_retries}
    if cfg.ca_bundle:
        kwargs["connection_verify"] = cfg.ca_bundle
    if cfg.authority:
        kwargs["authority"] = cfg.authority
    if cfg.client_secret_env:
        secret = ctx.secret(cfg.client_secret_env, field="client_secret_env")
        if cfg.authority:
            kwargs["disable_instance_discovery"] = True  # a private authority is not in Microsoft's list
        return ClientSecretCredential(cfg.tenant_id, cfg.client_id, secret, **kwargs)  # type: ignore[arg-type]
    return DefaultAzureCredential(**kwargs)
