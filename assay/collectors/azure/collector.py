"""The Azure collector: subscriptions read concurrently through azure-mgmt-resource's split clients.

Real use authenticates with DefaultAzureCredential (environment, managed identity, Azure CLI), or a service
principal whose secret an environment variable holds. TLS is always verified (``ca_bundle`` adds a CA).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from assay.collectors.azure import kinds
from assay.collectors.azure.config import AzureConfig
from assay.collectors.azure.fetch import SubscriptionReader, reason_of, short
from assay.collectors.azure.operations import role_text
from assay.collectors.azure.signals import signals
from assay.collectors.base import CollectContext, Collector, SourceUnavailable
from assay.evidence import Evidence, UnknownReason

ARM_SCOPE = "https://management.azure.com/.default"


class _Clients:
    """The management clients, one per subscription, all on one credential and transport settings."""

    def __init__(self, credential: Any, cfg: AzureConfig) -> None:
        self.credential = credential
        self.kwargs: dict[str, Any] = {"retry_total": cfg.max_retries, "retry_backoff_factor": 0.5}
        if cfg.base_url:
            self.kwargs.update(base_url=cfg.base_url, credential_scopes=[ARM_SCOPE])
        if cfg.ca_bundle:
            self.kwargs["connection_verify"] = cfg.ca_bundle

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


class AzureCollector(Collector):
    """Environment separation, tags, IaC, guardrails and the ML/AI estate of Azure subscriptions."""

    name = "azure"
    title = "Microsoft Azure"
    config_model = AzureConfig
    signals = signals

    @classmethod
    def permissions(cls) -> str:
        """The RBAC actions the collector uses, as a custom role definition."""
        return role_text()

    def collect(self, config: Any, ctx: CollectContext) -> Iterator[Evidence]:
        """Yield each subscription's evidence (or the gaps where it was refused)."""
        cfg = config if isinstance(config, AzureConfig) else AzureConfig.model_validate(config)
        clients = _Clients(_credential(cfg, ctx), cfg)
        subs = self._subscriptions(clients, cfg, ctx)
        for sub in subs:
            yield ctx.evidence(kinds.SUBSCRIPTION, sub["id"], "subscriptions.list", sub)
        readers = [SubscriptionReader(ctx, clients, sub) for sub in subs]
        for found in ctx.map(lambda r: list(r.evidence()), readers, max_workers=cfg.concurrency):
            yield from found
        ctx.details.update(subscriptions=len(subs))

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
            raise SourceUnavailable(
                reason, f"cannot list subscriptions at {where}: {ctx.redact(short(exc))}"
            ) from None
        wanted = {s.lower() for s in cfg.subscriptions}
        subs = [
            {
                "id": s.subscription_id,
                "name": s.display_name or "",
                "state": str(s.state or ""),
                "tags": {str(k): str(v)[:100] for k, v in sorted((getattr(s, "tags", None) or {}).items())},
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
