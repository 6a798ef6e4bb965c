"""Links to where a resource is fixed, computed from the evidence alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assay.evidence import Bundle, CollectorRun, Evidence
from assay.scoring.links import Links, aws_console, azure_portal, github_web_base

AT = datetime(2026, 6, 1, tzinfo=UTC)


def ev(source: str, kind: str, subject: str, **data: object) -> Evidence:
    return Evidence.make(source=source, kind=kind, subject=subject, endpoint="x", observed_at=AT, data=data)


@pytest.mark.parametrize(
    ("api", "web"),
    [
        ("https://api.github.com", "https://github.com"),
        ("https://api.github.com/", "https://github.com"),
        ("https://ghe.corp.example/api/v3", "https://ghe.corp.example"),
        ("https://ghe.corp.example/api/v3/", "https://ghe.corp.example"),
        ("https://api.acme.ghe.com", "https://acme.ghe.com"),
        ("http://user:secret@127.0.0.1:8080/api/v3", "http://127.0.0.1:8080"),
    ],
)
def test_github_web_base(api: str, web: str) -> None:
    assert github_web_base(api) == web


@pytest.mark.parametrize(
    ("arn", "url"),
    [
        ("arn:aws:s3:::data-lake", "https://s3.console.aws.amazon.com/s3/buckets/data-lake"),
        (
            "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/fraud",
            "https://eu-west-1.console.aws.amazon.com/sagemaker/home?region=eu-west-1#/endpoints/fraud",
        ),
        (
            "arn:aws:iam::123456789012:role/ml",
            "https://console.aws.amazon.com/go/view?arn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fml",
        ),
        (
            "arn:aws-us-gov:ecr:us-gov-west-1:1:repository/x",
            "https://us-gov-west-1.console.amazonaws-us-gov.com/go/view?"
            "arn=arn%3Aaws-us-gov%3Aecr%3Aus-gov-west-1%3A1%3Arepository%2Fx&region=us-gov-west-1",
        ),
        ("arn:nope", None),
    ],
)
def test_aws_console(arn: str, url: str | None) -> None:
    assert aws_console(arn) == url


def test_links_from_one_bundle() -> None:
    job = ev("jenkins", "jenkins.job", "deploy/fraud model")
    model = ev("mlflow", "mlflow.registered_model", "fraud-detector")
    exp = ev("mlflow", "mlflow.experiment", "churn", experiment_id="7")
    pool = ev("prometheus", "prometheus.scrape_pool", "fraud-api")
    team = ev("github", "github.team", "acme/ml-eng")
    bundle = Bundle(
        tool_version="t",
        created_at=AT,
        collectors=[CollectorRun(name="github", status="ok", details={"base_url": "https://ghe.x/api/v3"})],
        evidence=[
            ev("jenkins", "jenkins.controller", "https://ci.acme.example/jenkins/"),
            ev("prometheus", "prometheus.server", "http://prom:9090"),
            ev("mlflow", "mlflow.server", "https://mlflow.acme.example"),
            job,
            model,
            exp,
            pool,
            team,
        ],
    )
    links = Links(bundle)
    assert links.url(job.subject, job) == "https://ci.acme.example/jenkins/job/deploy/job/fraud%20model/"
    assert links.url(model.subject, model) == "https://mlflow.acme.example/#/models/fraud-detector"
    assert links.url(exp.subject, exp) == "https://mlflow.acme.example/#/experiments/7"
    assert (
        links.url(pool.subject, pool)
        == "http://prom:9090/graph?g0.expr=up%7Bjob%3D%22fraud-api%22%7D&g0.tab=1"
    )
    assert links.url(team.subject, team) == "https://ghe.x/orgs/acme/teams/ml-eng"
    rid = "/subscriptions/5d8c/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st"
    assert links.url(rid, None) == azure_portal(rid) == f"https://portal.azure.com/#@/resource{rid}/overview"
    account = ev("aws", "aws.s3.buckets", "123456789012")
    assert links.url("123456789012", account).endswith("/organizations/v2/home/accounts/123456789012")


def test_no_address_no_link() -> None:
    """A sqlite tracking store has no UI: no link rather than a guessed one."""
    model = ev("mlflow", "mlflow.registered_model", "m")
    bundle = Bundle(
        tool_version="t", created_at=AT, evidence=[ev("mlflow", "mlflow.server", "sqlite:///x.db"), model]
    )
    assert Links(bundle).url("m", model) is None


def test_a_member_without_its_own_page_links_to_its_evidence() -> None:
    """A model named `fraud` in a label, shown by its SageMaker endpoint, links to the endpoint."""
    arn = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/fraud"
    endpoint = ev("aws", "aws.sagemaker.endpoint", arn)
    bundle = Bundle(tool_version="t", created_at=AT, evidence=[endpoint])
    assert Links(bundle).url("fraud", endpoint) == aws_console(arn)


@pytest.mark.parametrize(
    ("resource_manager", "portal"),
    [
        (None, "https://portal.azure.com"),
        ("https://management.azure.com/", "https://portal.azure.com"),
        ("https://management.usgovcloudapi.net", "https://portal.azure.us"),
        ("https://management.chinacloudapi.cn", "https://portal.azure.cn"),
        ("https://management.local.azurestack.external", "https://portal.local.azurestack.external"),
        ("https://127.0.0.1:8443", "https://portal.azure.com"),  # the sandbox: resource ids, public portal
    ],
)
def test_azure_links_open_the_portal_of_the_cloud_that_was_read(
    resource_manager: str | None, portal: str
) -> None:
    from assay.evidence import CollectorRun
    from assay.scoring.links import azure_portal_base

    assert azure_portal_base(resource_manager) == portal
    details = {"resource_manager": resource_manager} if resource_manager else {}
    bundle = Bundle(
        tool_version="t", created_at=AT, collectors=[CollectorRun(name="azure", status="ok", details=details)]
    )
    rid = "/subscriptions/5d8c/resourceGroups/rg"
    assert Links(bundle).url(rid, None) == f"{portal}/#@/resource{rid}/overview"
