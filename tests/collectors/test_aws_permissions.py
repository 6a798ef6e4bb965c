"""`assay permissions aws|azure`: the printed policy is derived from the collector's own declarations."""

from __future__ import annotations

import json
import re
from pathlib import Path

import assay.collectors.aws as aws_pkg
from assay.collectors.aws import AwsCollector
from assay.collectors.aws.operations import ASSUME_ROLE, OPERATIONS, iam_policy, is_read_only, read_actions
from assay.collectors.azure import AzureCollector
from assay.collectors.azure.operations import actions as azure_actions

CALL = re.compile(r"api\.(?:call|pages)\(\s*\"([a-z0-9]+)\",\s*\"([A-Za-z]+)\"")


def test_every_declared_operation_is_a_read_except_assume_role() -> None:
    writes = [f"{op.service}:{op.name}" for op in OPERATIONS.values() if not is_read_only(op)]
    assert writes == ["sts:AssumeRole"]


def test_the_policy_lists_exactly_the_read_actions() -> None:
    policy = iam_policy("AssayReadOnly")
    read, assume = policy["Statement"]  # type: ignore[misc]
    assert read["Action"] == read_actions()
    assert "s3:GetEncryptionConfiguration" in read["Action"]  # IAM names, not API names
    assert "budgets:ViewBudget" in read["Action"]
    assert not any(a.split(":")[1].startswith(("Put", "Create", "Delete", "Update")) for a in read["Action"])
    assert assume == {
        "Sid": "AssayAssumeAuditRole",
        "Effect": "Allow",
        "Action": [ASSUME_ROLE.iam_action],
        "Resource": "arn:aws:iam::*:role/AssayReadOnly",
    }


def test_permissions_text_is_valid_json_after_its_comments() -> None:
    text = AwsCollector.permissions()
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    assert json.loads(body) == iam_policy("AssayReadOnly")


def test_every_call_in_the_collector_source_is_declared() -> None:
    root = Path(aws_pkg.__file__).parent
    called = {m.groups() for path in root.glob("fetch_*.py") for m in CALL.finditer(path.read_text())}
    called |= {m.groups() for m in CALL.finditer((root / "collector.py").read_text())}
    assert len(called) > 40
    assert called <= set(OPERATIONS), sorted(called - set(OPERATIONS))


def test_azure_role_lists_read_actions_only() -> None:
    role = json.loads(
        "\n".join(x for x in AzureCollector.permissions().splitlines() if not x.startswith("#"))
    )
    assert role["Actions"] == azure_actions()
    assert all(a.endswith("/read") for a in role["Actions"])
