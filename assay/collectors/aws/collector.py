"""The AWS collector: accounts (Organizations or a list) × regions, read concurrently through boto3.

One task per (account, region, service family) runs in ``ctx.map``; each family fetches its evidence with
paginators and declared calls, and a refused family becomes gap evidence for its scope alone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

from assay import __version__
from assay.collectors.aws import fetch_cloudops as cloudops
from assay.collectors.aws import fetch_cost as cost
from assay.collectors.aws import fetch_data as data
from assay.collectors.aws import fetch_delivery as delivery
from assay.collectors.aws import fetch_experiments as experiments
from assay.collectors.aws import fetch_org as org
from assay.collectors.aws import fetch_sagemaker as sagemaker
from assay.collectors.aws import fetch_security as security
from assay.collectors.aws import kinds
from assay.collectors.aws.api import (
    Account,
    Api,
    CallStats,
    ClientFactory,
    Gap,
    botocore_session,
    partition_of,
    timed,
)
from assay.collectors.aws.config import AwsConfig
from assay.collectors.aws.operations import policy_text
from assay.collectors.aws.signals import signals
from assay.collectors.base import CollectContext, Collector, SourceUnavailable
from assay.evidence import Evidence, UnknownReason

Family = Callable[[Api], list[Evidence]]


def _families(cfg: AwsConfig) -> tuple[list[tuple[str, Family]], list[tuple[str, Family]]]:
    """(per-account families, per-region families), each as (scope, fetch function)."""
    per_account: list[tuple[str, Family]] = [
        ("s3", data.s3_buckets),
        ("budgets", cost.budgets),
        ("ce.anomaly", cost.anomaly_monitors),
        ("ce.tags", cost.allocation_tags),
        ("ce.spend", cost.ml_spend),
        ("cloudtrail", security.cloudtrail),
        ("iam.password_policy", security.password_policy),
        ("iam.credential_report", security.credential_report),
        ("iam.roles", security.roles),
    ]
    days, jobs = cfg.lookback_days, cfg.max_training_jobs
    per_region: list[tuple[str, Family]] = [
        ("tagging", cloudops.tagging),
        ("cloudformation", cloudops.cloudformation),
        ("config", cloudops.config),
        ("servicecatalog", cloudops.servicecatalog),
        ("guardduty", security.guardduty),
        ("securityhub", security.securityhub),
        ("ecr", security.ecr),
        ("glue", data.glue_catalog),
        ("glue.quality", data.glue_quality),
        ("lakeformation", data.lakeformation),
        ("sagemaker.endpoints", sagemaker.endpoints),
        ("sagemaker.registry", sagemaker.registry),
        ("sagemaker.training", functools.partial(sagemaker.training, lookback_days=days, max_jobs=jobs)),
        ("sagemaker.pipelines", functools.partial(sagemaker.pipelines, lookback_days=days)),
        ("sagemaker.projects", sagemaker.projects),
        ("sagemaker.model_cards", sagemaker.model_cards),
        (
            "sagemaker.experiments",
            functools.partial(experiments.experiments, lookback_days=days, max_runs=cfg.max_experiment_runs),
        ),
        ("sagemaker.monitoring", sagemaker.monitoring),
        ("sagemaker.feature_store", sagemaker.feature_groups),
        ("sagemaker.notebooks", sagemaker.notebooks),
        ("codebuild", functools.partial(delivery.codebuild, lookback_days=days)),
        ("codepipeline", functools.partial(delivery.codepipeline, lookback_days=days)),
    ]
    return per_account, per_region


class AwsCollector(Collector):
    """CloudOps, SecOps, DataOps, SageMaker MLOps and AI portfolio evidence from AWS accounts and regions."""

    name = "aws"
    title = "Amazon Web Services"
    config_model = AwsConfig
    signals = signals
    sharding = "partitioned"  # account × region cells; the organisation's policies and scan scope: shard 1

    @classmethod
    def permissions(cls) -> str:
        """The IAM policy JSON with exactly the actions the collector calls (from operations.py)."""
        return policy_text()

    def collect(self, config: Any, ctx: CollectContext) -> Iterator[Evidence]:
        """Yield the scan's scope, then every family's evidence (or gap) for every account and region."""
        cfg = config if isinstance(config, AwsConfig) else AwsConfig.model_validate(config)
        try:
            import boto3
            from botocore.config import Config
        except ImportError as exc:  # pragma: no cover - boto3 is a dependency
            raise SourceUnavailable(UnknownReason.UNSUPPORTED, f"boto3 is not installed: {exc}") from None
        botocore_config = Config(
            retries={"mode": "adaptive", "max_attempts": cfg.max_attempts},
            connect_timeout=10,
            read_timeout=60,
            max_pool_connections=max(10, cfg.concurrency * 2),
            user_agent_extra=f"assay/{__version__}",
            s3={"addressing_style": "path"} if cfg.endpoint_url else None,
        )
        scan = _Scan(cfg, ctx, boto3, ClientFactory(botocore_config, cfg.endpoint_url, cfg.ca_bundle))
        yield from scan.run()


class _Scan:
    """One collection: who we are, which accounts and regions, then the concurrent reads."""

    def __init__(self, cfg: AwsConfig, ctx: CollectContext, boto3: Any, clients: ClientFactory) -> None:
        self.cfg, self.ctx, self.boto3, self.clients = cfg, ctx, boto3, clients
        self.stats = CallStats()
        self.home = cfg.regions[0] if isinstance(cfg.regions, list) else "us-east-1"
        self.base = self._session(None)
        self.gaps: list[Evidence] = []

    def run(self) -> Iterator[Evidence]:
        caller = Account(id="", name="caller", session=self.base)
        api = Api(self.ctx, self.clients, self.stats, caller, self.home)
        identity = self._first_call(api)
        caller.id = identity["Account"]
        accounts, org_id, management = self._accounts(api, caller)
        accounts = [a for a in self.ctx.map(self._prepare, accounts, self.cfg.concurrency) if a is not None]
        yield from self.gaps
        if self.ctx.leads:
            yield self._scope(org_id, caller, accounts, management)
        tasks = self._tasks(accounts, caller)
        self.ctx.progress(f"{len(accounts)} accounts, {len(tasks)} reads")
        for found in self.ctx.map(self._run_task, tasks, max_workers=self.cfg.concurrency):
            yield from found
        self.ctx.details.update(
            accounts=len(accounts),
            regions=sorted({r for a in accounts for r in a.regions}),
            cells=self.stats.table(),
        )

    def _scope(self, org_id: str, caller: Account, accounts: list[Account], management: str) -> Evidence:
        """What the scan covers: the organisation, the caller, every account and its regions."""
        return self.ctx.evidence(
            kinds.SCOPE,
            "scan",
            "sts:GetCallerIdentity",
            {
                "mode": "organization"
                if self.cfg.organization
                else ("accounts" if self.cfg.accounts else "caller"),
                "organization_id": org_id or None,
                "caller_account": caller.id,
                "accounts": [
                    {
                        "id": a.id,
                        "name": a.name,
                        "ou_path": a.ou_path,
                        "management": a.id == management,
                        "regions": a.regions,
                    }
                    for a in sorted(accounts, key=lambda a: a.id)
                ],
            },
        )

    # -- identity and accounts ------------------------------------------------------------------------------

    def _session(self, creds: dict[str, str] | None) -> Any:
        if creds is not None:
            return self.boto3.Session(
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds.get("SessionToken"),
                botocore_session=botocore_session(),
            )
        kwargs: dict[str, Any] = {"botocore_session": botocore_session()}
        if self.cfg.access_key_id_env and self.cfg.secret_access_key_env:
            kwargs["aws_access_key_id"] = self.ctx.secret(
                self.cfg.access_key_id_env, field="access_key_id_env"
            )
            kwargs["aws_secret_access_key"] = self.ctx.secret(
                self.cfg.secret_access_key_env, field="secret_access_key_env"
            )
        elif self.cfg.profile:
            kwargs["profile_name"] = self.cfg.profile
        return self.boto3.Session(**kwargs)

    def _first_call(self, api: Api) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, NoCredentialsError

        where = self.cfg.endpoint_url or "AWS"
        try:
            identity = api.call("sts", "GetCallerIdentity")
        except Gap as gap:
            raise SourceUnavailable(
                UnknownReason(gap.evidence.data["reason"]), gap.evidence.data["message"]
            ) from None
        except NoCredentialsError:
            raise SourceUnavailable(
                UnknownReason.NOT_CONFIGURED,
                "no AWS credentials: set a profile, the default credential chain, or access_key_id_env",
            ) from None
        except BotoCoreError as exc:
            raise SourceUnavailable(UnknownReason.ERROR, f"cannot reach {where}: {exc}") from None
        if not identity:
            raise SourceUnavailable(UnknownReason.ERROR, f"{where} did not say who the caller is")
        return identity

    def _accounts(self, api: Api, caller: Account) -> tuple[list[Account], str, str]:
        if self.cfg.organization:
            try:
                org_id, management, tree = org.account_tree(api)
            except Gap as gap:
                raise SourceUnavailable(
                    UnknownReason(gap.evidence.data["reason"]),
                    f"cannot list the organisation's accounts: {gap.evidence.data['message']}",
                ) from None
            if not tree:
                raise SourceUnavailable(
                    UnknownReason.NOT_CONFIGURED, f"account {caller.id} is not in an organisation"
                )
            active = [a for a in tree if a.get("status", "ACTIVE") == "ACTIVE"]
            return (
                [Account(a["id"], a["name"], None, a["ou_path"], a["id"] == management) for a in active],
                org_id,
                management,
            )
        if self.cfg.accounts:
            return [Account(a.id, a.name or a.id, role_arn=a.role_arn) for a in self.cfg.accounts], "", ""
        return [Account(caller.id, "caller")], "", ""

    def _prepare(self, account: Account) -> Account | None:
        """Credentials for the account (assuming the audit role) and its regions; None when unreachable."""
        role_arn = account.role_arn
        if self.cfg.role_name and not role_arn:
            role_arn = f"arn:{partition_of(self.home)}:iam::{account.id}:role/{self.cfg.role_name}"
        caller = Api(
            self.ctx, self.clients, self.stats, Account(account.id, account.name, self.base), self.home
        )
        try:
            if role_arn:
                params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": "assay-audit"}
                if self.cfg.external_id:
                    params["ExternalId"] = self.cfg.external_id
                creds = (caller.call("sts", "AssumeRole", **params) or {})["Credentials"]
                account.session = self._session(creds)
            else:
                account.session = self.base
        except Gap as gap:
            self.gaps.append(gap.evidence)
            return None
        account.regions = self._regions(account)
        return account

    def _regions(self, account: Account) -> list[str]:
        if isinstance(self.cfg.regions, list):
            return list(self.cfg.regions)
        api = Api(self.ctx, self.clients, self.stats, account, self.home)
        try:
            found = (api.call("ec2", "DescribeRegions", AllRegions=False) or {}).get("Regions") or []
        except Gap as gap:
            self.gaps.append(gap.evidence)
            return [self.home]
        return sorted(r["RegionName"] for r in found if r.get("OptInStatus") != "not-opted-in")

    # -- the reads ---------------------------------------------------------------------------------

    def _tasks(self, accounts: list[Account], caller: Account) -> list[tuple[Account, str, str, Family]]:
        per_account, per_region = _families(self.cfg)
        tasks: list[tuple[Account, str, str, Family]] = []
        if self.ctx.leads:  # the organisation's policies are read once
            tasks.append((caller, self.home, "organizations.scps", org.scps))
        owns = self.ctx.owns
        for account in accounts:
            home = account.regions[0] if account.regions else self.home
            # Sharded by account × region cell; an account's global services go with its home region's cell.
            if owns(f"cell:{account.id}/{home}"):
                tasks += [(account, home, scope, fn) for scope, fn in per_account]
            for region in account.regions:
                if owns(f"cell:{account.id}/{region}"):
                    tasks += [(account, region, scope, fn) for scope, fn in per_region]
        return tasks

    def _run_task(self, task: tuple[Account, str, str, Family]) -> list[Evidence]:
        account, region, scope, fetch = task
        api = Api(self.ctx, self.clients, self.stats, account, region)
        with timed(self.stats, account.id, region):
            try:
                return fetch(api)
            except Gap as gap:
                return [gap.evidence]
            except Exception as exc:  # a transport failure or a surprise in one family stays in that family
                message = (
                    f"reading {scope} in account {account.id} ({region}) failed: {type(exc).__name__}: {exc}"
                )
                return [
                    self.ctx.gap(scope, f"{scope} {account.id}/{region}", UnknownReason.ERROR, message[:400])
                ]
