"""Calling AWS: one boto3 session per account, adaptive retries, paginators, and honest failures.

Every call goes through :class:`Api`, which looks the operation up in the declaration table, counts it,
and turns a refusal into gap evidence naming the IAM action: denied (AccessDenied, UnauthorizedOperation,
opt-in regions), unsupported (the endpoint does not implement the operation) or error. Throttling is
retried by botocore's adaptive retry mode before it ever reaches here.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from assay.collectors.aws.operations import Operation, operation
from assay.collectors.base import CollectContext
from assay.evidence import Evidence, UnknownReason

DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedException",
        "AuthorizationError",
        "AuthFailure",
        "OptInRequired",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SubscriptionRequiredException",
        "Forbidden",
        "403",
        "AccessDeniedForDependencyException",
        "ExpiredToken",
        "ExpiredTokenException",
    }
)
UNSUPPORTED_CODES = frozenset(
    {"UnknownOperationException", "InvalidAction", "NotImplemented", "UnsupportedOperation", "404", "501"}
)
THROTTLING_CODES = frozenset(
    {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown"}
)


@functools.cache
def shared_loader() -> Any:
    """One botocore model loader per process: service models parse once, not once per account or audit."""
    from botocore.loaders import create_loader

    return create_loader()


def botocore_session() -> Any:
    """A fresh botocore session (its own credentials) that shares the process's model loader."""
    import botocore.session

    session = botocore.session.get_session()
    session.register_component("data_loader", shared_loader())
    return session


class Gap(Exception):
    """A scope could not be read; carries the gap evidence to yield in its place."""

    def __init__(self, evidence: Evidence) -> None:
        super().__init__(evidence.data["message"])
        self.evidence = evidence


def classify(code: str, status: int | None) -> UnknownReason:
    """Why a call failed, as the unknown reason the dependent signals will carry."""
    if code in DENIED_CODES or status in (401, 403):
        return UnknownReason.DENIED
    if code in UNSUPPORTED_CODES or status == 501:
        return UnknownReason.UNSUPPORTED
    return UnknownReason.ERROR


@dataclass
class Account:
    """An audited account and the boto3 session that reads it."""

    id: str
    name: str
    session: Any = None
    ou_path: list[str] = field(default_factory=list)
    management: bool = False
    regions: list[str] = field(default_factory=list)
    role_arn: str | None = None


class CallStats:
    """Calls and seconds per account × region, for the run's details and the benchmark."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: Counter[tuple[str, str]] = Counter()
        self.seconds: Counter[tuple[str, str]] = Counter()

    def add(self, account: str, region: str, calls: int = 0, seconds: float = 0.0) -> None:
        with self._lock:
            self.calls[(account, region)] += calls
            self.seconds[(account, region)] += seconds

    def table(self) -> list[dict[str, Any]]:
        cells = sorted(set(self.calls) | set(self.seconds))
        return [
            {
                "account": a,
                "region": r,
                "calls": self.calls[(a, r)],
                "seconds": round(self.seconds[(a, r)], 3),
            }
            for a, r in cells
        ]


class ClientFactory:
    """boto3 clients per (session, service, region), created under a lock (sessions are not thread-safe)."""

    def __init__(self, botocore_config: Any, endpoint_url: str | None, verify: str | bool | None) -> None:
        self.config = botocore_config
        self.endpoint_url = endpoint_url
        self.verify = verify
        self._lock = threading.Lock()
        self._clients: dict[tuple[int, str, str], Any] = {}

    def client(self, session: Any, service: str, region: str) -> Any:
        key = (id(session), service, region)
        with self._lock:
            found = self._clients.get(key)
            if found is None:
                kwargs: dict[str, Any] = {"region_name": region, "config": self.config}
                if self.endpoint_url:
                    kwargs["endpoint_url"] = self.endpoint_url
                if self.verify is not None:
                    kwargs["verify"] = self.verify
                found = self._clients[key] = session.client(service, **kwargs)
            return found


@functools.lru_cache(maxsize=64)
def partition_of(region: str) -> str:
    """The ARN partition of a region, from botocore's endpoint data: `aws`, `aws-us-gov` (GovCloud),
    `aws-cn` (China), ...; `aws` for a region botocore does not know."""
    import botocore.session
    from botocore.exceptions import UnknownRegionError

    try:
        return str(botocore.session.get_session().get_partition_for_region(region))
    except UnknownRegionError:
        return "aws"


class Api:
    """Declared, counted calls for one account in one region."""

    def __init__(
        self, ctx: CollectContext, clients: ClientFactory, stats: CallStats, account: Account, region: str
    ) -> None:
        self.ctx = ctx
        self.clients = clients
        self.stats = stats
        self.account = account
        self.region = region

    @property
    def partition(self) -> str:
        return partition_of(self.region)

    @property
    def cell(self) -> str:
        return f"{self.account.id}/{self.region}"

    def evidence(self, kind: str, subject: str, op: str, data: dict[str, Any]) -> Evidence:
        """Evidence from this account and region; ``op`` names the main call, e.g. guardduty:ListDetectors."""
        return self.ctx.evidence(kind, subject, f"{op} {self.account.id}/{self.region}", data)

    def call(self, service: str, name: str, **params: Any) -> dict[str, Any] | None:
        """One call; None when the error code says the thing is simply not configured."""
        op = operation(service, name)
        client = self.clients.client(self.account.session, service, self.region)
        self._count(op)
        try:
            return getattr(client, op.method)(**params)
        except Exception as exc:
            return self._failed(op, exc, params)

    def pages(self, service: str, name: str, key: str, **params: Any) -> list[Any]:
        """Every item under ``key`` across all pages (each page counted as a call)."""
        op = operation(service, name)
        client = self.clients.client(self.account.session, service, self.region)
        items: list[Any] = []
        try:
            if client.can_paginate(op.method):
                for page in client.get_paginator(op.method).paginate(**params):
                    self._count(op)
                    items.extend(page.get(key) or [])
                return items
            while True:
                page = getattr(client, op.method)(**params)
                self._count(op)
                items.extend(page.get(key) or [])
                if not page.get("NextToken"):
                    return items
                params = {**params, "NextToken": page["NextToken"]}
        except Exception as exc:
            self._count(op)  # the request that failed
            self._failed(op, exc, params)
            return items

    def _count(self, op: Operation) -> None:
        self.ctx.count_call(f"{op.service}:{op.name} {self.region}")
        self.stats.add(self.account.id, self.region, calls=1)

    def _failed(self, op: Operation, exc: Exception, params: dict[str, Any] | None = None) -> None:
        code, status, message = _error_of(exc)
        if code in op.absent:
            return None
        reason = classify(code, status)
        if code in THROTTLING_CODES:
            message = f"still throttled after retries: {message}"
        verb = {
            UnknownReason.DENIED: "was denied",
            UnknownReason.UNSUPPORTED: "is not supported by the endpoint",
        }.get(reason, "failed")
        text = (
            f"{op.iam_action} {verb}{_item(params)} in account {self.account.id} ({self.region})"
            f"{': ' + code if code else ''}{' - ' + message if message else ''}"
        )
        endpoint = f"{op.service}:{op.name} {self.account.id}/{self.region}"
        raise Gap(self.ctx.gap(op.scope, endpoint, reason, text[:400]))


_PAGING = frozenset({"NextToken", "MaxResults", "MaxItems", "Marker", "nextToken", "maxResults"})


def _item(params: dict[str, Any] | None) -> str:
    """The item a call was about, from its identifying parameters (``PolicyId=p-123``), for gap messages."""
    named = [
        f"{k}={v}"
        for k, v in (params or {}).items()
        if k not in _PAGING and isinstance(v, (str, int)) and not isinstance(v, bool)
    ]
    return f" for {', '.join(named[:3])}" if named else ""


def _error_of(exc: Exception) -> tuple[str, int | None, str]:
    """(error code, HTTP status, message) of a botocore failure, whatever its class."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        err = response.get("Error") or {}
        status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        message = str(err.get("Message") or "")
        if "<html" in message.lower():  # a front end's error page, not an AWS error body
            message = ""
        return str(err.get("Code") or ""), status, message.strip().splitlines()[0] if message.strip() else ""
    return type(exc).__name__, None, str(exc).splitlines()[0] if str(exc) else ""


def timed(stats: CallStats, account: str, region: str) -> _Timer:
    return _Timer(stats, account, region)


class _Timer:
    def __init__(self, stats: CallStats, account: str, region: str) -> None:
        self.stats, self.account, self.region = stats, account, region

    def __enter__(self) -> _Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stats.add(self.account, self.region, seconds=time.perf_counter() - self.start)
