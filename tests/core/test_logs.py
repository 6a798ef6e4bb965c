"""The redacting log filter: what SDKs really log at DEBUG comes out without credentials."""

from __future__ import annotations

import io
import logging

import pytest

from assay.logs import REDACTED, RedactingFilter, install_logging, redact, remember_secret

KEY_ID = "AKIAIOSFODNN7EXAMPLE"

# Lines in the shapes botocore, urllib3, http.client, requests and PyGithub log them.
LEAKY = [
    (
        "Sending http request: <AWSPreparedRequest stream_output=False, method=POST, url=https://sts.amazonaws.com/,"
        " headers={'X-Amz-Date': b'20250101T000000Z', 'Authorization': b'AWS4-HMAC-SHA256 Credential="
        f"{KEY_ID}/20250101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc123def'"
        ", 'Content-Length': '43'}>",
        [KEY_ID, "Signature=abc123def"],
    ),
    (
        'http://127.0.0.1:9090 "GET /api/v1/targets?token=s3cr3tvalue&state=any HTTP/1.1" 200 None',
        ["s3cr3tvalue"],
    ),
    (
        'https://h:443 "GET /x?access_token=tok.en-1&sig=Zm9vYmFy%3D HTTP/1.1" 200 12',
        ["tok.en-1", "Zm9vYmFy"],
    ),
    ("send: b'GET / HTTP/1.1\\r\\nAuthorization: Basic dXNlcjpwYXNzd29yZA==\\r\\n'", ["dXNlcjpwYXNzd29yZA"]),
    ("header: Set-Cookie: session=0123456789abcdef; HttpOnly", ["0123456789abcdef"]),
    ('{"Cookie": "sid=feedfacecafe", "Accept": "application/json"}', ["feedfacecafe"]),
    ("x-amz-security-token:FwoGZXIvYXdzEXAMPLETOKEN", ["FwoGZXIvYXdzEXAMPLETOKEN"]),
    (
        "GET https://jenkins.example/api/json via https://robot:hunter2hunter2@jenkins.example/",
        ["hunter2hunter2"],
    ),
    ("token ghp_abcdefghijklmnopqrstuvwxyz0123456789 rejected", ["ghp_abcdefghijklmnopqrstuvwxyz0123456789"]),
    (
        "key: -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
        ["MIIEowIBAAKCAQEA"],
    ),
]


@pytest.mark.parametrize(("line", "secrets"), LEAKY)
def test_credentials_are_removed_and_the_rest_kept(line: str, secrets: list[str]) -> None:
    out = redact(line)
    for secret in secrets:
        assert secret not in out, out
    assert REDACTED in out


def test_ordinary_lines_are_untouched() -> None:
    line = 'http://127.0.0.1:9090 "GET /api/v1/query?query=up&time=1700000000 HTTP/1.1" 200 5120'
    assert redact(line) == line
    assert redact("collected 12 signals from github (cookie policy: none)") == (
        "collected 12 signals from github (cookie policy: none)"
    )


def test_remembered_env_values_are_redacted_whatever_their_shape() -> None:
    remember_secret("plain-canary-0c9f2a")
    remember_secret("short")  # too short to redact without mangling words
    assert redact("user=x pass=plain-canary-0c9f2a short") == f"user=x pass={REDACTED} short"


def test_the_filter_merges_arguments_and_redacts_exceptions() -> None:
    record = logging.LogRecord(
        "urllib3", logging.DEBUG, __file__, 1, "%s %s", ("GET", "/?token=abcdef123"), None
    )
    try:
        raise RuntimeError(f"refused key {KEY_ID}")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    assert RedactingFilter().filter(record)
    assert record.getMessage() == f"GET /?token={REDACTED}"
    assert KEY_ID not in (record.exc_text or "") and "RuntimeError" in (record.exc_text or "")


def test_install_logging_puts_the_filter_on_every_handler() -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    stream = io.StringIO()
    try:
        root.handlers = [logging.StreamHandler(stream)]
        install_logging(debug=True)
        assert all(any(isinstance(f, RedactingFilter) for f in h.filters) for h in root.handlers)
        logging.getLogger("assay.tests.redaction").debug(
            "headers={'Authorization': b'AWS4 Credential=%s/x'}", KEY_ID
        )
        assert KEY_ID not in stream.getvalue() and REDACTED in stream.getvalue()
        root.handlers = []
        install_logging(debug=False)
        (handler,) = root.handlers
        assert any(isinstance(f, RedactingFilter) for f in handler.filters) and root.level == logging.WARNING
    finally:
        root.handlers, root.level = saved_handlers, saved_level
