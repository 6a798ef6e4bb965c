"""Where a reader goes to fix a resource: console, portal and UI links computed from the evidence alone.

Links are built offline from what the bundle recorded (the GitHub web address the collector used, the
Jenkins controller, the Prometheus server, the MLflow tracking server, ARNs and Azure resource ids); no
network, no collector code. A member with nothing to link to gets no URL rather than a guessed one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, urlsplit, urlunsplit

from assay.evidence import Bundle, Evidence

GITHUB_WEB = "https://github.com"
AZURE_PORTAL = "https://portal.azure.com"
# Resource Manager endpoint -> portal, for the public cloud, Azure Government and Azure in China (21Vianet).
AZURE_PORTALS = {
    "management.azure.com": AZURE_PORTAL,
    "management.usgovcloudapi.net": "https://portal.azure.us",
    "management.chinacloudapi.cn": "https://portal.azure.cn",
}
ACCOUNT_ID = re.compile(r"^\d{12}$")
ACCOUNT_REGION = re.compile(r"^(\d{12})/([a-z]{2}(?:-[a-z]+)+-\d)$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
AWS_CONSOLE = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}
# Signals about a repository's settings link to the settings page that changes them.
GITHUB_SETTINGS = (
    (
        ("secret", "push_protection", "automated_remediation", "dependency_scanning", "code_scanning"),
        "security_analysis",
    ),
    (("branch", "protection", "ruleset"), "branches"),
    (("environment",), "environments"),
)


def _clean(url: str) -> str:
    """``url`` without credentials, query or fragment, and without a trailing slash."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def _web(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")


def github_web_base(api_url: str) -> str:
    """The web address of a GitHub API base: api.github.com -> github.com; GHE Server drops /api/v3."""
    clean = _clean(api_url)
    parts = urlsplit(clean)
    if parts.hostname == "api.github.com":
        return GITHUB_WEB
    if parts.hostname and parts.hostname.startswith("api.") and parts.hostname.endswith(".ghe.com"):
        return urlunsplit((parts.scheme, parts.netloc[4:], "", "", ""))  # GHE.com data residency
    path = re.sub(r"/api(/v3|/graphql)?$", "", parts.path)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def aws_console(arn: str) -> str | None:
    """The AWS console page of an ARN: the service's own page where it is well known, else `go/view`."""
    fields = arn.split(":", 5)
    if len(fields) < 6:
        return None
    _, partition, service, region, _account, resource = fields
    host = AWS_CONSOLE.get(partition)
    if host is None:
        return None
    if service == "s3" and resource and "/" not in resource:
        return f"https://s3.{host}/s3/buckets/{quote(resource, safe='')}"
    regional = f"https://{region}.{host}" if region else f"https://{host}"
    if service == "sagemaker" and region:
        kind, _, name = resource.partition("/")
        pages = {"endpoint": "endpoints", "model-package-group": "model-packages", "pipeline": "pipelines"}
        if kind in pages and name:
            return f"{regional}/sagemaker/home?region={region}#/{pages[kind]}/{quote(name, safe='')}"
    suffix = f"&region={region}" if region else ""
    return f"{regional}/go/view?arn={quote(arn, safe='')}{suffix}"


def azure_portal(resource_id: str, portal: str = AZURE_PORTAL) -> str:
    """The Azure portal blade of a resource (or subscription) id."""
    return f"{portal}/#@/resource{quote(resource_id, safe='/')}/overview"


def azure_portal_base(resource_manager: str | None) -> str:
    """The portal of the cloud whose Resource Manager the collector read: a sovereign cloud's own portal,
    Azure Stack Hub's `portal.<region>.<domain>` beside its `management.<region>.<domain>`, else the public
    portal (also for a local endpoint, such as the sandbox's)."""
    host = (urlsplit(resource_manager or "").hostname or "").lower()
    if host in AZURE_PORTALS:
        return AZURE_PORTALS[host]
    if host.startswith("management."):
        return f"https://portal.{host.removeprefix('management.')}"
    return AZURE_PORTAL


def prometheus_graph(base: str, query: str) -> str:
    """The Prometheus expression browser showing ``query`` as a table."""
    return f"{base}/graph?g0.expr={quote(query, safe='')}&g0.tab=1"


def azure_portal_of(bundle: Bundle) -> str:
    """The portal of the Azure cloud this bundle's Azure collector read (the public portal by default)."""
    run = next((c for c in bundle.collectors if c.name == "azure"), None)
    return azure_portal_base(run.details.get("resource_manager") if run else None)


class Links:
    """Link builders bound to one bundle's recorded addresses."""

    def __init__(self, bundle: Bundle) -> None:
        runs = {run.name: run for run in bundle.collectors}
        github = runs.get("github")
        details = github.details if github else {}
        web = details.get("web_url") or (
            github_web_base(details["base_url"]) if details.get("base_url") else ""
        )
        self.github = _clean(str(web)) if web else GITHUB_WEB
        self.jenkins = self._address(bundle.evidence_of_kind("jenkins.controller"))
        self.prometheus = self._address(bundle.evidence_of_kind("prometheus.server"))
        self.mlflow = self._address(bundle.evidence_of_kind("mlflow.server"))
        self.azure = azure_portal_of(bundle)

    @staticmethod
    def _address(evidence: Iterable[Evidence]) -> str | None:
        found = sorted(e.subject for e in evidence if _web(e.subject))
        return _clean(found[0]) if found else None

    def url(self, subject: str, evidence: Evidence | None, signal: str = "") -> str | None:
        """The page where ``subject`` (shown by ``evidence``, measured by ``signal``) can be seen or fixed;
        failing that, the page of the evidence's own subject (a model named in several sources, say)."""
        found = self._url(subject, evidence, signal)
        if found is None and evidence is not None and evidence.subject != subject:
            found = self._url(evidence.subject, evidence, signal)
        return found

    def _url(self, subject: str, evidence: Evidence | None, signal: str) -> str | None:
        if subject.startswith("arn:"):
            return aws_console(subject)
        if subject.lower().startswith("/subscriptions/"):
            return azure_portal(subject, self.azure)
        kind = evidence.kind if evidence is not None else ""
        source = evidence.source if evidence is not None else kind.split(".", 1)[0]
        builder = getattr(self, f"_{source}", None)
        return builder(subject, kind, evidence, signal) if builder else None

    def _github(self, subject: str, kind: str, evidence: Evidence | None, signal: str) -> str | None:
        if kind == "github.team" and "/" in subject:
            org, slug = subject.split("/", 1)
            return f"{self.github}/orgs/{quote(org)}/teams/{quote(slug)}"
        if "/" not in subject:
            return f"{self.github}/{quote(subject)}"
        base = f"{self.github}/{quote(subject)}"
        for words, page in GITHUB_SETTINGS:
            if any(w in signal for w in words):
                return f"{base}/settings/{page}"
        return base

    def _jenkins(self, subject: str, kind: str, evidence: Evidence | None, signal: str) -> str | None:
        if not self.jenkins or kind != "jenkins.job":
            return self.jenkins
        path = "".join(f"/job/{quote(part, safe='')}" for part in subject.split("/") if part)
        return f"{self.jenkins}{path}/"

    def _mlflow(self, subject: str, kind: str, evidence: Evidence | None, signal: str) -> str | None:
        if not self.mlflow:
            return None
        if kind == "mlflow.registered_model":
            return f"{self.mlflow}/#/models/{quote(subject, safe='')}"
        experiment = (evidence.data.get("experiment_id") if evidence is not None else None) or ""
        if kind == "mlflow.experiment" and experiment:
            return f"{self.mlflow}/#/experiments/{quote(str(experiment), safe='')}"
        return self.mlflow

    def _prometheus(self, subject: str, kind: str, evidence: Evidence | None, signal: str) -> str | None:
        if not self.prometheus:
            return None
        if kind == "prometheus.scrape_pool":
            return prometheus_graph(self.prometheus, f'up{{job="{subject}"}}')
        if kind == "prometheus.rule_group":
            return f"{self.prometheus}/rules"
        query = evidence.data.get("query") if evidence is not None else None
        if isinstance(query, str) and query:
            return prometheus_graph(self.prometheus, query)
        return prometheus_graph(self.prometheus, subject) if _promql_name(subject) else self.prometheus

    def _aws(self, subject: str, kind: str, evidence: Evidence | None, signal: str) -> str | None:
        if ACCOUNT_ID.match(subject):
            return f"https://{AWS_CONSOLE['aws']}/organizations/v2/home/accounts/{subject}"
        match = ACCOUNT_REGION.match(subject)
        if match:
            region = match.group(2)
            return f"https://{region}.{AWS_CONSOLE['aws']}/console/home?region={region}"
        return None

    def _azure(self, subject: str, kind: str, evidence: Evidence | None, signal: str) -> str | None:
        if UUID.match(subject):
            return azure_portal(f"/subscriptions/{subject}", self.azure)
        return None


def _promql_name(text: str) -> bool:
    return bool(re.match(r"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?$", text))
