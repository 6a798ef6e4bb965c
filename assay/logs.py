"""Logging for the CLI, with secrets redacted on every handler assay installs (not per call site).

SDKs log what they send: botocore logs the signed Authorization header (with the AWS access key id) at
DEBUG, urllib3 logs request URLs with their query strings, http.client debug output holds every header.
:class:`RedactingFilter` rewrites each record before any handler formats it, removing:

- Authorization, Proxy-Authorization, Cookie, Set-Cookie and token headers, in `Name: value`,
  `'Name': 'value'` and `"Name": "value"` forms;
- credential-carrying query parameters (token, access_token, key, sig, signature, password, …, and the
  X-Amz-* presigning ones) and user:password in URLs;
- AWS access key ids (AKIA…/ASIA…) and every secret shape the config loader refuses
  (:mod:`assay.config.secrets`: GitHub, GitLab, Slack tokens, JWTs, PEM private keys);
- the values of the environment variables the config names in `*_env` keys (:func:`remember_secret`).
"""

from __future__ import annotations

import logging
import re
import threading

from assay.config.secrets import secret_value_pattern

REDACTED = "[REDACTED]"
FORMAT = "%(levelname)s %(name)s: %(message)s"
MIN_SECRET_LENGTH = 8  # shorter values would redact ordinary words

_HEADERS = (
    r"authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|x-auth-token|private-token|"
    r"x-amz-security-token|x-goog-api-key|x-vault-token|x-jenkins-crumb|jenkins-crumb"
)
_HEADER = re.compile(
    # a header name starts a word, or follows an escaped line break (repr'd bytes: ...\r\nCookie: ...)
    rf"(?i)(?P<name>(?:(?<=\\[rn])|(?<![A-Za-z0-9_-]))(?:{_HEADERS}))(?P<sep>['\"]?\s*[:=]\s*)"
    r"(?:(?P<b>b?)(?P<q>['\"])(?P<quoted>(?:\\.|(?!(?P=q)).)*)(?P=q)|(?P<bare>[^\r\n]*))"
)
_QUERY_KEYS = (
    r"token|access_token|refresh_token|id_token|auth|auth_token|api_key|apikey|key|sig|signature|"
    r"password|passwd|pwd|secret|client_secret|code|jwt|session|sessionid|private_token|"
    r"x-amz-signature|x-amz-credential|x-amz-security-token|awsaccesskeyid"
)
_QUERY = re.compile(rf"(?i)(?P<lead>[?&;](?:{_QUERY_KEYS})=)[^&\s'\"#<>]+")
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s:@'\"]*:[^/\s@'\"]*@")
_AWS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA|AIDA|AROA)[0-9A-Z]{16}\b")
_PEM = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)")

_known: set[str] = set()
_known_pattern: re.Pattern[str] | None = None
_lock = threading.Lock()


def remember_secret(value: str | None) -> None:
    """Redact this exact value (a secret read from the environment) from every log record from now on."""
    global _known_pattern
    if not value or len(value) < MIN_SECRET_LENGTH:
        return
    with _lock:
        if value in _known:
            return
        _known.add(value)
        ordered = sorted(_known, key=len, reverse=True)
        _known_pattern = re.compile("|".join(re.escape(v) for v in ordered))


def _header(match: re.Match[str]) -> str:
    head = f"{match.group('name')}{match.group('sep')}"
    if match.group("q") is not None:
        quote = match.group("q")
        return f"{head}{match.group('b')}{quote}{REDACTED}{quote}"
    return f"{head}{REDACTED}" if match.group("bare").strip() else match.group(0)


def redact(text: str) -> str:
    """`text` with every credential this module knows how to spot replaced by [REDACTED]."""
    if not text:
        return text
    known = _known_pattern
    if known is not None:
        text = known.sub(REDACTED, text)
    text = _PEM.sub(REDACTED, text)
    text = _HEADER.sub(_header, text)
    text = _QUERY.sub(lambda m: m.group("lead") + REDACTED, text)
    text = _USERINFO.sub(lambda m: m.group("scheme") + REDACTED + "@", text)
    text = _AWS_KEY_ID.sub(REDACTED, text)
    return secret_value_pattern().sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (arguments merged in) and exception text with secrets redacted."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call; let logging report it, but never with the raw arguments
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


NOISY = ("mlflow", "urllib3", "botocore", "azure", "github", "alembic")


def install_logging(*, debug: bool) -> None:
    """Log to stderr (DEBUG with --debug, else WARNING) through handlers that redact secrets."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    if not root.handlers:  # as logging.basicConfig: keep a host's handlers (pytest's, an embedding app's)
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    # Third-party SDKs are chatty at WARNING; their problems surface as collector errors instead. With
    # --debug they speak again, also when an earlier run in this process (an embedding app, a test's
    # CliRunner) had quietened them.
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.NOTSET if debug else logging.ERROR)
