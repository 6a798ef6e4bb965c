"""The evidence register's helpers: subject links, and per-resource verdicts read tolerantly."""

from __future__ import annotations

from types import SimpleNamespace

from assay.reports import register


def test_subject_links_only_where_the_evidence_has_an_address() -> None:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/fraud"
    assert register.subject_link(arn) == (
        "https://console.aws.amazon.com/go/view?arn=arn%3Aaws%3Asagemaker%3Aus-east-1%3A123456789012%3Aendpoint%2Ffraud"
    )
    azure = "/subscriptions/5d8c/resourcegroups/rg/providers/microsoft.insights/metricalerts/drift"
    assert register.subject_link(azure) == f"https://portal.azure.com/#resource{azure}"
    assert register.subject_link("x", {"html_url": "https://jenkins.acme.io/job/deploy/"}) == (
        "https://jenkins.acme.io/job/deploy/"
    )
    # addresses on this machine mean nothing to a reader elsewhere; plain names have no address
    assert register.subject_link("http://127.0.0.1:8080/") is None
    assert register.subject_link("x", {"url": "http://localhost:9090"}) is None
    assert register.subject_link("cygnus-ai/fraud-detection") is None


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
