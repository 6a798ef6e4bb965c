"""Each source's real client library against a loopback server that serves its recordings, with faults
put in front: the harness of tests/replay/test_invariants.py.

A fault decides, per request, to answer with an HTTP status (and headers) instead of the recording; each
source renders the body the way that service (or a proxy in front of it) writes one.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from assay.collectors.aws import AwsCollector
from assay.collectors.aws.config import AwsConfig
from assay.collectors.azure import AzureCollector, AzureConfig
from assay.collectors.github import GithubCollector, GithubConfig
from assay.collectors.jenkins import JenkinsCollector, JenkinsConfig
from assay.collectors.mlflow import MlflowCollector, MlflowConfig
from assay.collectors.prometheus import PrometheusCollector, PrometheusConfig
from assay.evidence import Bundle
from assay.sandbox import aws_wire
from assay.sandbox.replay import ReplayServer, Request, load_recordings
from assay.sandbox.replay_aws import call_of
from tests.replay.replaying import recorded, run

# method, path -> (status, headers) or None (serve the recording)
Fault = Callable[[str, str], tuple[int, dict[str, str]] | None]

REASONS = {401: "Unauthorized", 403: "Forbidden", 429: "Too Many Requests", 500: "Internal Server Error",
           503: "Service Unavailable"}  # fmt: skip


@dataclass
class Item:
    """What the item case expects: a gap whose message names ``item`` and whose endpoint names ``call``."""

    bundle: Bundle
    item: str
    call: str


class Source:
    name: str
    permission_words: tuple[str, ...]  # a denial names at least one of these (the missing permission)

    def collect(self, fault: Fault | None, tmp: Path) -> Bundle:
        raise NotImplementedError

    def item(self, tmp: Path) -> Item:
        raise NotImplementedError


def _replay_fault(fault: Fault | None, body: Callable[[Request, int], bytes]) -> Any:
    if fault is None:
        return None

    def answer(req: Request) -> tuple[int, dict[str, str], bytes] | None:
        decided = fault(req.method, req.path)
        if decided is None:
            return None
        status, headers = decided
        return status, {"Content-Type": "application/json", **headers}, body(req, status)

    return answer


class Github(Source):
    name = "github"
    permission_words = ("read:org", "scope", "Members: read")
    env = "ASSAY_INVARIANT_GITHUB_TOKEN"
    now = datetime(2024, 9, 17, 11, 0, tzinfo=UTC)  # when the recordings were made

    @staticmethod
    def body(req: Request, status: int) -> bytes:
        messages = {401: "Bad credentials", 403: "Resource not accessible by personal access token",
                    500: "Server Error"}  # fmt: skip
        return json.dumps({"message": messages.get(status, REASONS.get(status, "error"))}).encode()

    def collect(self, fault: Fault | None, tmp: Path, org: str = "BeaverSoftware") -> Bundle:
        os.environ[self.env] = "ghp_invariant"
        server = ReplayServer(load_recordings(recorded("github")), _replay_fault(fault, self.body))
        with server:
            config = GithubConfig(
                orgs=[org],
                base_url=server.base_url,
                token_env=self.env,
                retry_backoff_seconds=0.05,
                max_retries=1,
            )
            return run(GithubCollector, config, self.now)

    def item(self, tmp: Path) -> Item:
        return Item(self.collect(None, tmp, org="PyGithub"), "nodes[1]", "GraphQL organization.repositories")


class Mlflow(Source):
    name = "mlflow"
    permission_words = ("READ",)

    @staticmethod
    def body(req: Request, status: int) -> bytes:
        # The real basic-auth app's words (fixtures/recorded/mlflow), or a proxy's JSON for other statuses.
        texts = {401: {"message": "Unauthorized"}, 403: {"message": "Permission denied"}}
        return json.dumps(texts.get(status, {"message": REASONS.get(status, "error")})).encode()

    @staticmethod
    def now() -> datetime:
        body = json.loads((recorded("mlflow") / "open_01_runs_search.json").read_text())["response"]["body"]
        return datetime.fromtimestamp(
            max(r["info"]["start_time"] for r in body["runs"]) / 1000, UTC
        ) + timedelta(hours=1)

    def collect(self, fault: Fault | None, tmp: Path, scenario: str = "open") -> Bundle:
        recordings = load_recordings(recorded("mlflow"), pattern=f"{scenario}_*.json")
        with ReplayServer(recordings, _replay_fault(fault, self.body)) as server:
            return run(MlflowCollector, MlflowConfig(tracking_uri=server.base_url, max_retries=1), self.now())

    def item(self, tmp: Path) -> Item:
        return Item(self.collect(None, tmp, "auditor"), "iris-classifier version 1", "MlflowClient.get_run")


class Prometheus(Source):
    name = "prometheus"
    permission_words = ("bearer_token_env", "headers_env")

    @staticmethod
    def body(req: Request, status: int) -> bytes:
        return json.dumps({"status": "error", "errorType": "server_error", "error": REASONS[status]}).encode()

    def collect(self, fault: Fault | None, tmp: Path) -> Bundle:
        with ReplayServer(load_recordings(recorded("prometheus")), _replay_fault(fault, self.body)) as server:
            return run(PrometheusCollector, PrometheusConfig(url=server.base_url, max_retries=1))

    def item(self, tmp: Path) -> Item:
        def rules(method: str, path: str) -> tuple[int, dict[str, str]] | None:
            return (500, {}) if path == "/api/v1/rules" else None

        return Item(self.collect(rules, tmp), "Prometheus at", "GET /api/v1/rules")


class Aws(Source):
    name = "aws"
    permission_words = ("sts:GetCallerIdentity",)
    codes: ClassVar[dict[int, str]] = {
        401: "Unauthorized",
        403: "AccessDenied",
        429: "ThrottlingException",
        500: "InternalFailure",
        503: "ServiceUnavailable",
    }

    def _fault(self, fault: Fault | None) -> Any:
        if fault is None:
            return None

        def answer(req: Request) -> tuple[int, dict[str, str], bytes] | None:
            decided = fault(req.method, req.path + "#" + ((call_of(req) or _NO_CALL).operation or ""))
            call = call_of(req)
            if decided is None or call is None:
                return None
            status, headers = decided
            code, message = self.codes.get(status, "InternalFailure"), f"{REASONS.get(status)} (assay fault)"
            answered = aws_wire.error(call, code, message, status)
            return answered[0], {**answered[1], **headers}, answered[2]

        return answer

    def collect(self, fault: Fault | None, tmp: Path) -> Bundle:
        os.environ["ASSAY_INVARIANT_AWS_KEY"] = "AKIAIOSFODNN7EXAMPLE"
        os.environ["ASSAY_INVARIANT_AWS_SECRET"] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        server = ReplayServer(load_recordings(recorded("aws")), self._fault(fault), aws_unrecorded=True)
        with server:
            config = AwsConfig(
                endpoint_url=server.base_url,
                access_key_id_env="ASSAY_INVARIANT_AWS_KEY",
                secret_access_key_env="ASSAY_INVARIANT_AWS_SECRET",
                regions=["us-east-1"],
                max_attempts=3,
            )
            return run(AwsCollector, config)

    def item(self, tmp: Path) -> Item:
        def describe(method: str, path: str) -> tuple[int, dict[str, str]] | None:
            return (403, {}) if path.endswith("#DescribePolicy") else None

        return Item(
            self.collect(describe, tmp), "PolicyId=p-examplepolicyid111", "organizations:DescribePolicy"
        )


_NO_CALL = aws_wire.Call("", "", "", "", "", "")


class Jenkins(Source):
    name = "jenkins"
    permission_words = ("Overall/Read", "Job/Read")

    def collect(self, fault: Fault | None, tmp: Path, scenario: str = "jenkins-rest") -> Bundle:
        from assay.sandbox.jenkins_replay import Fault as JenkinsFault
        from assay.sandbox.jenkins_replay import JenkinsReplay, load_scenario

        class Faulty(JenkinsReplay):
            def fault_for(self, path: str) -> JenkinsFault | None:
                decided = fault(self.command, path) if fault is not None else None
                if decided is None:
                    return super().fault_for(path)
                status, headers = decided
                return JenkinsFault(path, status, headers=headers, body=f"<html>{REASONS[status]}</html>")

            command = "GET"  # python-jenkins only reads

        server = Faulty(load_scenario(scenario)).start()
        try:
            config = JenkinsConfig(url=server.url, retries=1)
            return run(JenkinsCollector, config, server.scenario.now)
        finally:
            server.stop()

    def item(self, tmp: Path) -> Item:
        def job(method: str, path: str) -> tuple[int, dict[str, str]] | None:
            return (500, {}) if path == "/job/Test Free Style/api/json" else None

        return Item(self.collect(job, tmp), "Test Free Style", "")


AZURE_FILES = [
    "subscriptions/GetSubscriptions.json",
    "resources/ResourceGroups_Get.json",
    "deployments/PutDeploymentWithOnErrorDeploymentLastSuccessful.json",
    "machinelearningservices/OnlineEndpoint_get.json",
    "monitor/getMetricAlertSingleResource.json",
    "monitor/getScheduledQueryRule.json",
]
AZURE_SUB = "291bba3f-e0a5-47bc-a099-3bdcb2a50a05"


class Azure(Source):
    name = "azure"
    permission_words = ("Microsoft.",)

    def collect(self, fault: Fault | None, tmp: Path) -> Bundle:
        from assay.sandbox.azure_standin import replay as azure_replay
        from assay.sandbox.azure_standin.tls import make_tls

        root = recorded("azure")
        recordings = azure_replay.load_manifest(root)

        class Faulty(azure_replay.ArmReplay):
            def handle(
                self, method: str, raw: str, headers: dict[str, str], body: bytes
            ) -> tuple[int, dict[str, str], Any]:
                path = raw.split("?", 1)[0]
                auth = path.lower().endswith(("/oauth2/v2.0/token", "/.well-known/openid-configuration"))
                decided = None if auth or fault is None else fault(method, path)
                if decided is None:
                    return super().handle(method, raw, headers, body)
                status, extra = decided
                code = {401: "InvalidAuthenticationToken", 403: "AuthorizationFailed"}.get(
                    status, "ServerError"
                )
                return status, extra, {"error": {"code": code, "message": REASONS[status]}}

        tls = make_tls(tmp / "azure")
        client_id, secret = "00000000-assay-invariant-client", secrets.token_urlsafe(24)
        server = Faulty([recordings[f] for f in AZURE_FILES], tls, client_id, secret).start()
        try:
            os.environ["ASSAY_INVARIANT_AZURE_SECRET"] = secret
            config = AzureConfig(
                tenant_id=server.estate.tenant_id,
                client_id=client_id,
                client_secret_env="ASSAY_INVARIANT_AZURE_SECRET",
                authority=server.url,
                base_url=server.url,
                ca_bundle=str(tls.ca_bundle),
                subscriptions=[AZURE_SUB],
                max_retries=1,
            )
            return run(AzureCollector, config)
        finally:
            server.stop()

    def item(self, tmp: Path) -> Item:
        def endpoint(method: str, path: str) -> tuple[int, dict[str, str]] | None:
            return (500, {}) if "/onlineendpoints/" in path.lower() else None

        return Item(self.collect(endpoint, tmp), "testEndpointName", "")


SOURCES: list[Source] = [Github(), Mlflow(), Prometheus(), Aws(), Jenkins(), Azure()]
