"""Recorded AWS outputs (botocore's ``examples-1.json``, AWS's documented examples) in AWS's wire format.

botocore's examples hold an operation's output as data; AWS sends it as JSON (``json``/``rest-json``
services), as XML wrapped in ``<OpResponse><OpResult>`` (``query``: STS, IAM, CloudFormation), as EC2's
XML (``ec2``) or as a REST-XML document (S3). The encoding follows the operation's output shape in
botocore's service model, the same model boto3 parses the answer with.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from assay.sandbox import aws_wire

Answer = tuple[int, dict[str, str], bytes]


def call_of(req: Any) -> aws_wire.Call | None:
    raw = req.path + ("?" + req.raw_query if req.raw_query else "")
    return aws_wire.identify(req.method, raw, {k.lower(): v for k, v in req.headers.items()}, req.body)


def request_input(req: Any, call: aws_wire.Call) -> dict[str, Any]:
    """The parameters of a JSON request, or the flat form parameters of a query/EC2 request."""
    if call.protocol in ("json", "rest-json"):
        try:
            doc = json.loads(req.body or b"{}")
        except ValueError:
            return {}
        return doc if isinstance(doc, dict) else {}
    if call.protocol in ("query", "ec2"):
        from urllib.parse import parse_qs

        params = parse_qs((req.body or b"").decode(errors="replace")) or req.query
        return {k: v[0] for k, v in params.items() if k not in ("Action", "Version")}
    return {}


def matches(example_input: dict[str, Any] | None, given: dict[str, Any]) -> bool:
    """Whether the request asks what the example was recorded for (every scalar example input equal)."""
    for key, value in (example_input or {}).items():
        if isinstance(value, (dict, list)):
            continue  # nested inputs are not compared; the scalars identify the request
        if key in given and str(given[key]) != str(value) and given[key] != value:
            return False
        if key not in given:
            return False
    return True


def encode_output(req: Any, output: dict[str, Any], status: int = 200) -> Answer:
    call = call_of(req)
    if call is None or not call.operation:
        return 400, {"Content-Type": "text/plain"}, b"unsigned or unidentified AWS request"
    rid = aws_wire.request_id()
    model = aws_wire.service_model(call.service).operation_model(call.operation)
    shape = model.output_shape
    if call.protocol in ("json", "rest-json"):
        ctype = "application/json" if call.protocol == "rest-json" else "application/x-amz-json-1.1"
        return status, {"Content-Type": ctype, "x-amzn-RequestId": rid}, json.dumps(output).encode()
    ns = aws_wire.service_model(call.service).metadata.get("xmlNamespace") or ""
    body = _members(shape, output, call.protocol) if shape is not None else ""
    op = call.operation
    if call.protocol == "query":
        xml = (
            f'<{op}Response xmlns="{ns}"><{op}Result>{body}</{op}Result>'
            f"<ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata></{op}Response>"
        )
    elif call.protocol == "ec2":
        xml = f'<{op}Response xmlns="{ns}"><requestId>{rid}</requestId>{body}</{op}Response>'
    else:  # rest-xml
        root = (shape.serialization.get("name") if shape is not None else None) or f"{op}Output"
        xml = f'<{root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{body}</{root}>'
    headers = {"Content-Type": "text/xml", "x-amzn-RequestId": rid}
    return status, headers, ('<?xml version="1.0" encoding="UTF-8"?>' + xml).encode()


def _name(shape: Any, member: str, protocol: str) -> str:
    name = shape.serialization.get("name")
    if protocol == "ec2":
        return name or (member[:1].lower() + member[1:])
    return name or member


def _members(shape: Any, value: dict[str, Any], protocol: str) -> str:
    out = []
    for member, sub in shape.members.items():
        if member not in value or sub.serialization.get("location"):
            continue
        out.append(_element(_name(sub, member, protocol), sub, value[member], protocol))
    return "".join(out)


def _element(name: str, shape: Any, value: Any, protocol: str) -> str:
    kind = shape.type_name
    if kind == "structure":
        return f"<{name}>{_members(shape, value or {}, protocol)}</{name}>"
    if kind == "list":
        item = shape.member
        if shape.serialization.get("flattened"):
            return "".join(_element(name, item, v, protocol) for v in value or [])
        inner = item.serialization.get("name") or ("item" if protocol == "ec2" else "member")
        return f"<{name}>{''.join(_element(inner, item, v, protocol) for v in value or [])}</{name}>"
    if kind == "map":
        entries = "".join(
            f"<entry>{_element('key', shape.key, k, protocol)}{_element('value', shape.value, v, protocol)}"
            "</entry>"
            for k, v in (value or {}).items()
        )
        return f"<{name}>{entries}</{name}>"
    return f"<{name}>{escape(_scalar(kind, value))}</{name}>"


def _scalar(kind: str, value: Any) -> str:
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp" and isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC).isoformat().replace("+00:00", "Z")
    return str(value)
