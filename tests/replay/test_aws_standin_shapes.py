"""The AWS sandbox answers some operations itself (assay/sandbox/aws_answers.py: what moto does not
implement). Every answer it gives during a collection must have the shape AWS's own description gives the
operation (botocore's service model, the one boto3 parses with): no member AWS does not define, and every
member AWS marks required."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from assay.collectors.aws import AwsCollector, AwsConfig
from assay.collectors.base import CollectContext
from assay.sandbox import aws_wire
from assay.sandbox.aws_answers import ANSWERS
from assay.sandbox.aws_sandbox import AwsMaterializer
from assay.sandbox.estate import load_estate
from assay.sandbox.replay import ReplayServer
from assay.sandbox.replay_aws import call_of

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("aws")]


def problems(shape: Any, value: Any, where: str) -> list[str]:
    """Members the model does not define, required members missing, wrong container types."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{where}: expected an object"]
        found = [f"{where}.{key}: not in the model" for key in value if key not in shape.members]
        found += [f"{where}.{key}: required, missing" for key in shape.required_members if key not in value]
        for key, item in value.items():
            if key in shape.members:
                found += problems(shape.members[key], item, f"{where}.{key}")
        return found
    if kind == "list":
        if not isinstance(value, list):
            return [f"{where}: expected a list"]
        return [p for i, item in enumerate(value) for p in problems(shape.member, item, f"{where}[{i}]")]
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{where}: expected a map"]
        return [p for k, item in value.items() for p in problems(shape.value, item, f"{where}[{k}]")]
    return []


@pytest.mark.parametrize("estate", ["cygnus-ai"])  # its sandbox answers all eleven operations itself
def test_the_sandbox_answers_in_the_shapes_aws_describes(estate: str, tmp_path: Path) -> None:
    loaded = load_estate(estate)
    mat = AwsMaterializer()
    result = mat.start(loaded, loaded.source("aws") or {}, tmp_path)
    saved = {k: os.environ.get(k) for k in result.env}
    os.environ.update(result.env)
    try:
        with ReplayServer(upstream=result.config["endpoint_url"]) as proxy:
            config = AwsConfig.model_validate({**result.config, "endpoint_url": proxy.base_url})
            list(AwsCollector().collect(config, CollectContext("aws")))
    finally:
        mat.stop()
        for key, old in saved.items():
            os.environ.pop(key) if old is None else os.environ.__setitem__(key, old)
    checked: set[str] = set()
    found: list[str] = []
    for req, (status, _, body) in proxy.forwarded:
        call = call_of(req)
        if call is None or status != 200 or f"{call.service}:{call.operation}" not in ANSWERS:
            continue
        shape = aws_wire.service_model(call.service).operation_model(call.operation).output_shape
        found += problems(shape, json.loads(body), f"{call.service}:{call.operation}")
        checked.add(f"{call.service}:{call.operation}")
    print(f"\n{estate}: checked {sorted(checked)}")
    assert checked, "the sandbox answered no operation itself"
    assert found == [], found
