"""The AWS wire format, as the sandbox front needs it: which operation an HTTP request is, and how AWS
encodes a response or an error for that operation's protocol.

Operations are identified from botocore's own service models (the same ones boto3 serialises with):
``X-Amz-Target`` for JSON services, ``Action=`` for query services, method + request-URI templates for
REST services. Responses and errors follow each protocol's conventions so boto3 parses them as it would
parse AWS's.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

# Signing name (from the SigV4 credential scope) -> botocore service name, for the services assay uses.
SERVICES = {
    "sts": "sts",
    "ec2": "ec2",
    "organizations": "organizations",
    "tagging": "resourcegroupstaggingapi",
    "cloudformation": "cloudformation",
    "config": "config",
    "servicecatalog": "servicecatalog",
    "budgets": "budgets",
    "ce": "ce",
    "cloudtrail": "cloudtrail",
    "guardduty": "guardduty",
    "securityhub": "securityhub",
    "iam": "iam",
    "ecr": "ecr",
    "s3": "s3",
    "glue": "glue",
    "lakeformation": "lakeformation",
    "sagemaker": "sagemaker",
    "codebuild": "codebuild",
    "codepipeline": "codepipeline",
}
_AUTH = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_lock = threading.Lock()


@dataclass(frozen=True)
class Call:
    """One identified request: who signed it, for which service, region and operation."""

    access_key: str
    region: str
    signing_name: str
    service: str  # botocore name, "" when not one assay knows
    operation: str  # API operation name, "" when it could not be identified
    protocol: str


@cache
def service_model(name: str) -> Any:
    import botocore.session

    with _lock:
        return botocore.session.get_session().get_service_model(name)


def protocol_of(service: str) -> str:
    model = service_model(service)
    return getattr(model, "resolved_protocol", None) or model.protocol


def identify(method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Call | None:
    """The operation a signed request calls; None for unsigned requests (e.g. moto's own API)."""
    match = _AUTH.search(headers.get("authorization", ""))
    if not match:
        return None
    access_key, region, signing = match.groups()
    service = SERVICES.get(signing, "")
    if not service:
        return Call(access_key, region, signing, "", "", "")
    protocol = protocol_of(service)
    operation = ""
    if protocol == "json":
        operation = headers.get("x-amz-target", "").rsplit(".", 1)[-1]
    elif protocol in ("query", "ec2"):
        params = parse_qs(body.decode(errors="replace")) if body else {}
        params = params or parse_qs(urlsplit(raw_path).query)
        operation = (params.get("Action") or [""])[0]
    else:
        operation = _match_rest(service, method, raw_path)
    return Call(access_key, region, signing, service, operation, protocol)


@cache
def _rest_routes(service: str) -> list[tuple[str, re.Pattern[str], frozenset[str], int]]:
    model = service_model(service)
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        path, _, query = http["requestUri"].partition("?")
        keys = frozenset(q.split("=", 1)[0] for q in query.split("&") if q)
        pattern = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", re.escape(path))
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
        literal = len(re.sub(r"\{[^}]+\}", "", path))
        if model.operation_model(name).deprecated:
            literal -= 1  # an old alias of the same request (GetBucketLifecycle): the current name wins
        routes.append((http["method"], re.compile(f"^{pattern.rstrip('/')}/?$"), keys, literal, name))
    return [(m, p, k, lit * 100 + len(k), n) for m, p, k, lit, n in routes]  # type: ignore[misc]


def _match_rest(service: str, method: str, raw_path: str) -> str:
    parts = urlsplit(raw_path)
    present = set(parse_qs(parts.query, keep_blank_values=True))
    best, score = "", -1
    for m, pattern, keys, weight, name in _rest_routes(service):  # type: ignore[misc]
        if m == method and pattern.match(parts.path or "/") and keys <= present and weight > score:
            best, score = name, weight
    return best


# ---- encoding responses -----------------------------------------------------------------------------------


def request_id() -> str:
    return str(uuid.uuid4())


def ok(call: Call, payload: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    """A successful response for a JSON or REST-JSON operation (the only kinds the front answers itself)."""
    ctype = "application/json" if call.protocol == "rest-json" else "application/x-amz-json-1.1"
    body = json.dumps(payload, default=_epoch).encode()
    return 200, {"Content-Type": ctype, "x-amzn-RequestId": request_id()}, body


def _epoch(value: Any) -> float:
    return value.timestamp()


def error(call: Call, code: str, message: str, status: int) -> tuple[int, dict[str, str], bytes]:
    """An error in the operation's protocol: JSON ``__type``, REST-JSON header, or XML for query/EC2/S3."""
    rid = request_id()
    if call.protocol == "json":
        body = json.dumps({"__type": code, "message": message}).encode()
        return status, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": rid}, body
    if call.protocol == "rest-json":
        body = json.dumps({"message": message, "Message": message}).encode()
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": code, "x-amzn-RequestId": rid}
        return status, headers, body
    if call.protocol == "ec2":
        xml = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{_esc(message)}</Message></Error></Errors>"
            f"<RequestID>{rid}</RequestID></Response>"
        )
    elif call.protocol == "rest-xml":
        xml = (
            f"<Error><Code>{code}</Code><Message>{_esc(message)}</Message>"
            f"<RequestId>{rid}</RequestId></Error>"
        )
    else:
        xml = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{_esc(message)}</Message>"
            f"</Error><RequestId>{rid}</RequestId></ErrorResponse>"
        )
    return status, {"Content-Type": "text/xml", "x-amzn-RequestId": rid}, xml.encode()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def access_denied(call: Call, action: str, principal: str) -> tuple[int, dict[str, str], bytes]:
    """What AWS answers when an identity policy does not allow the action."""
    message = (
        f"User: {principal} is not authorized to perform: {action} because no identity-based policy "
        f"allows the {action} action"
    )
    if call.protocol == "ec2":
        return error(call, "UnauthorizedOperation", message, 403)
    code = "AccessDenied" if call.protocol in ("query", "rest-xml") else "AccessDeniedException"
    return error(call, code, message, 400 if call.protocol == "json" else 403)


def throttled(call: Call) -> tuple[int, dict[str, str], bytes]:
    if call.protocol == "rest-json":
        return error(call, "TooManyRequestsException", "Rate exceeded", 429)
    if call.protocol in ("query", "ec2", "rest-xml"):
        return error(call, "Throttling", "Rate exceeded", 400)
    return error(call, "ThrottlingException", "Rate exceeded", 400)


def unknown_operation(call: Call) -> tuple[int, dict[str, str], bytes]:
    """What an endpoint that does not implement an operation answers."""
    if call.protocol in ("query", "ec2"):
        return error(
            call, "InvalidAction", f"The action {call.operation} is not valid for this endpoint.", 400
        )
    status = 404 if call.protocol in ("rest-json", "rest-xml") else 400
    return error(
        call, "UnknownOperationException", f"{call.operation} is not supported by this endpoint", status
    )
