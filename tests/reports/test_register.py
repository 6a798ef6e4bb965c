"""The evidence register's helpers: subject links, and per-resource verdicts read tolerantly."""

from __future__ import annotations

from types import SimpleNamespace

from assay.evidence import Bundle, CollectorRun, Evidence
from assay.reports import register


def test_subject_links_only_where_the_evidence_has_an_address() -> None:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/fraud"
    assert register.subject_link(arn) == (
        "https://us-east-1.console.aws.amazon.com/sagemaker/home?region=us-east-1#/endpoints/fraud"
    )
    azure = "/subscriptions/5d8c/resourcegroups/rg/providers/microsoft.insights/metricalerts/drift"
    assert register.subject_link(azure) == f"https://portal.azure.com/#@/resource{azure}/overview"
    assert register.subject_link("x", {"html_url": "https://jenkins.acme.io/job/deploy/"}) == (
        "https://jenkins.acme.io/job/deploy/"
    )
    # addresses on this machine mean nothing to a reader elsewhere; plain names have no address
    assert register.subject_link("http://127.0.0.1:8080/") is None
    assert register.subject_link("x", {"url": "http://localhost:9090"}) is None
    assert register.subject_link("cygnus-ai/fraud-detection") is None


def test_register_links_go_to_the_console_or_portal_of_the_cloud_that_was_read() -> None:
    """An ARN of AWS GovCloud or China opens that partition's console; an Azure resource read from Azure
    Government opens portal.azure.us (the register and the findings link alike)."""
    gov = "arn:aws-us-gov:s3:::audit-logs"
    assert register.subject_link(gov) == "https://s3.console.amazonaws-us-gov.com/s3/buckets/audit-logs"
    china = "arn:aws-cn:iam::123456789012:role/ml"
    assert register.subject_link(china).startswith("https://console.amazonaws.cn/go/view?arn=")  # type: ignore[union-attr]
    rid = "/subscriptions/5d8c/resourceGroups/rg"
    read = CollectorRun(
        name="azure", status="ok", details={"resource_manager": "https://management.usgovcloudapi.net"}
    )
    ev = Evidence.make(source="azure", kind="azure.resource_group", subject=rid, endpoint="e", data={})
    bundle = Bundle(tool_version="t", created_at=ev.observed_at, collectors=[read], evidence=[ev])
    results = SimpleNamespace(rulesets=[])
    (entry,) = register.register(results, bundle)  # type: ignore[arg-type]
    assert entry.link == f"https://portal.azure.us/#@/resource{rid}/overview"


def test_per_resource_verdicts_where_the_results_provide_them() -> None:
    criterion = SimpleNamespace(
        resources=[
            {
                "subject": "acme/api",
                "status": "fail",
                "url": "https://github.com/acme/api",
                "source": "github",
            },
            {"subject": "acme/ml", "status": "pass", "source": "github"},
            {
                "subject": "acme/legacy",
                "status": "pass",
                "source": "github",
                "waiver": {"justification": "retired in May", "approver": "CISO", "expires": "2027-01-01"},
            },
        ],
        resource_counts={"pass": 1, "fail": 1, "waived": 1},
        basis="waived",
        waiver={"justification": "retired in May", "approver": "CISO", "expires": "2027-01-01"},
    )
    verdicts = register.resource_verdicts(criterion)  # type: ignore[arg-type]
    assert [(v.name, v.verdict, v.link) for v in verdicts] == [
        ("acme/api", "fail", "https://github.com/acme/api"),
        ("acme/ml", "pass", None),
        ("acme/legacy", "waived", None),
    ]
    assert register.resource_summary(criterion) == "1 pass, 1 fail, 1 waived"  # type: ignore[arg-type]
    assert register.basis_note(criterion) == "waived: retired in May (until 2027-01-01)"  # type: ignore[arg-type]
    attested = SimpleNamespace(basis="attested", attested={"attested_by": "CTO", "date": "2026-10-01"})
    assert register.basis_note(attested) == "attested by CTO on 2026-10-01"  # type: ignore[arg-type]
    plain = SimpleNamespace()
    assert register.resource_verdicts(plain) == [] and register.basis_note(plain) == ""  # type: ignore[arg-type]
    assert register.observed_note(SimpleNamespace(level=4, observed_level=3)) == (
        "on observed evidence alone: Level 3"
    )
