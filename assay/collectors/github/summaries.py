"""The compact, redacted shapes GitHub evidence stores: only what the signals read.

File contents never leave the collector: requirements files become the ML libraries they name, CODEOWNERS
the team slugs it names, workflow files and pull request templates a few booleans. People are kept as
pseudonyms (a hash of the login or e-mail) so contributors, reviewers and team members can be joined
without the bundle carrying anyone's name; bots keep their name.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

ML_LIBRARIES = frozenset(
    {
        "torch",
        "pytorch",
        "torchvision",
        "tensorflow",
        "tensorflow-gpu",
        "keras",
        "jax",
        "flax",
        "scikit-learn",
        "sklearn",
        "xgboost",
        "lightgbm",
        "catboost",
        "transformers",
        "datasets",
        "sentence-transformers",
        "huggingface-hub",
        "mlflow",
        "wandb",
        "pytorch-lightning",
        "lightning",
        "dvc",
        "spacy",
        "nltk",
        "gensim",
        "statsmodels",
        "prophet",
        "fastai",
        "onnx",
        "onnxruntime",
        "optuna",
        "ray",
        "kfp",
        "kubeflow",
        "sagemaker",
        "azureml-core",
        "azure-ai-ml",
        "bentoml",
        "seldon-core",
        "langchain",
        "openai",
        "evidently",
        "great-expectations",
        "feast",
    }
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*")
_TEAM = re.compile(r"@([A-Za-z0-9-]+)/([A-Za-z0-9_.-]+)")
_USER = re.compile(r"(?<![\w/])@([A-Za-z0-9-]+)(?![\w/-])")
TESTS = re.compile(
    r"\b(pytest|py\.test|tox|nox|unittest|nosetests|(npm|yarn|pnpm)( run)? test|go test|cargo test|"
    r"dotnet test|make (unit-?)?test|rspec|phpunit|jest|mocha|ctest|(mvn|mvnw)\b[^\n]*\b(test|verify)|"
    r"gradlew?\b[^\n]*\b(test|check))\b",
    re.IGNORECASE,
)
DEPLOYS = re.compile(
    r"^\s*environment:|\b(deploy|kubectl (apply|rollout)|helm (upgrade|install)|terraform apply|"
    r"sam deploy|cdk deploy|serverless deploy|az (webapp|functionapp|ml)\b[^\n]*\b(deploy|create)|"
    r"gcloud\b[^\n]*\bdeploy|aws ecs update-service)\b",
    re.IGNORECASE | re.MULTILINE,
)
CODE_SCANNING = re.compile(r"github/codeql-action|upload-sarif|codeql", re.IGNORECASE)
# Security scanners run as workflow steps: SAST, dependency review and audit, container/IaC image scanning,
# secret scanning. Any of them makes the workflow a scanning pipeline (SecOps level 3).
SECURITY_SCANNERS = re.compile(
    r"github/codeql-action|actions/dependency-review-action|aquasecurity/trivy-action|\btrivy\b|"
    r"anchore/scan-action|\bgrype\b|snyk/actions|\bsnyk (test|monitor|container|code|iac)\b|"
    r"returntocorp/semgrep|semgrep/semgrep|\bsemgrep\b|sonarsource/|sonar-scanner|checkmarx|"
    r"bridgecrewio/checkov|\bcheckov\b|tfsec|\bbandit\b|gitleaks|trufflehog|ossf/scorecard-action|"
    r"owasp[-/ ]?dependency-check|\bpip-audit\b|npm audit|docker scout|anchore/sbom-action",
    re.IGNORECASE,
)
# Infrastructure as code planned or applied from a workflow: the mark of an infrastructure repository.
IAC_PIPELINE = re.compile(
    r"\b(terraform|tofu|terragrunt)\b[^\n]*\b(plan|apply)\b|hashicorp/setup-terraform|opentofu/setup-opentofu|"
    r"\bpulumi (up|preview)\b|pulumi/actions|\baz deployment\b|azure/arm-deploy|azure/bicep|"
    r"aws cloudformation (deploy|create-stack|update-stack|create-change-set)|"
    r"aws-actions/aws-cloudformation-github-deploy|\b(sam|cdk) deploy\b|\bcdk diff\b",
    re.IGNORECASE,
)
RAI = re.compile(
    r"responsible[ -]ai|fairness|\bbias\b|model card|explainab|ethic|privacy impact|harm", re.IGNORECASE
)
CHECKBOX = re.compile(r"^\s*[-*] \[[ xX]\]", re.MULTILINE)
MAX_NAMES = 300


def person(login: str | None = None, email: str | None = None, bot: bool = False) -> str | None:
    """A stable pseudonym for a person; bots keep their name (``bot:dependabot``)."""
    if bot or (login and login.endswith("[bot]")) or (email and "[bot]" in email):
        name = (login or (email or "").split("@")[0]).split("+")[-1].removesuffix("[bot]")
        return f"bot:{name}"
    key = f"login:{login.lower()}" if login else (f"email:{email.lower()}" if email else "")
    if not key:
        return None
    return "p:" + hashlib.sha256(key.encode()).hexdigest()[:12]


def actor(node: dict[str, Any] | None) -> str | None:
    """The pseudonym of a GraphQL ``Actor`` (User or Bot)."""
    if not node or not node.get("login"):
        return None
    return person(node["login"], bot=node.get("__typename") == "Bot")


def ml_libraries(*texts: str | None) -> list[str]:
    """The known ML libraries a requirements / pyproject / environment file names."""
    found: set[str] = set()
    for text in texts:
        for word in _WORD.findall(text or ""):
            name = word.lower().replace("_", "-").strip(".-")
            if name in ML_LIBRARIES:
                found.add(name)
    return sorted(found)


def codeowners(text: str | None, org: str) -> dict[str, Any] | None:
    """Which teams (and how many individuals) a CODEOWNERS file names; None when there is no file."""
    if text is None:
        return None
    teams: set[str] = set()
    users = 0
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        for owner_org, slug in _TEAM.findall(line):
            if owner_org.lower() == org.lower():
                teams.add(slug.lower())
        users += len(_USER.findall(line))
    return {"teams": sorted(teams), "users": users}


def workflow_flags(name: str, text: str | None) -> dict[str, Any]:
    """What one workflow file does, from its text: tests, deploys, code scanning, security scanning,
    infrastructure plans or applies, schedule."""
    body = text or ""
    code_scanning = bool(CODE_SCANNING.search(body)) or "codeql" in name.lower()
    return {
        "file": name,
        "tests": bool(TESTS.search(body)),
        "deploy": bool(DEPLOYS.search(body)),
        "code_scanning": code_scanning,
        "security_scan": code_scanning or bool(SECURITY_SCANNERS.search(body)),
        "infrastructure": bool(IAC_PIPELINE.search(body)),
        "schedule": bool(re.search(r"^\s*schedule:", body, re.MULTILINE)),
    }


def pr_template(node: dict[str, Any]) -> dict[str, Any]:
    """A pull request template as flags: a checklist, and whether it asks responsible-AI questions."""
    body = node.get("body") or ""
    return {
        "file": node.get("filename") or "",
        "checklist": bool(CHECKBOX.search(body)),
        "responsible_ai": bool(RAI.search(body)) and bool(CHECKBOX.search(body)),
    }


def tree_names(node: dict[str, Any] | None) -> list[str] | None:
    """Entry names of a tree (directories end in ``/``); None when the path does not exist."""
    if not node or "entries" not in node:
        return None
    names = [e["name"] + ("/" if e.get("type") == "tree" else "") for e in node["entries"] or []]
    return sorted(names)[:MAX_NAMES]


def blob_text(node: dict[str, Any] | None) -> str | None:
    if not node or "text" not in node:
        return None
    return node.get("text") or ""
