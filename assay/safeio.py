"""Reading user files safely: every reader either returns data or raises an AssayError (exit 2) whose one
sentence names the file, and the line where known.

Everything a hostile or broken file could use to hang assay or exhaust memory is bounded here: the file
size, the decompressed size of a gzip stream, the text encoding, the nesting depth of YAML and JSON, the
number of digits of an integer, and YAML alias expansion ("billion laughs"). The limits are documented in
the README ("Limits"). Readers of new file kinds (attestations, waivers, ...) call :func:`read_yaml_file`
or :func:`read_json_file` with their own error class and size limit.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from assay.errors import AssayError

MiB = 1024 * 1024

CONFIG_MAX_BYTES = 256 * 1024
RULESET_MAX_BYTES = 1 * MiB
RESULTS_MAX_BYTES = 256 * MiB
SMALL_FILE_MAX_BYTES = 4 * MiB  # attestation and waiver files
BUNDLE_MAX_BYTES_ENV = "ASSAY_MAX_BUNDLE_MB"
BUNDLE_MAX_BYTES_DEFAULT = 256 * MiB  # decompressed

YAML_MAX_DEPTH = 64
YAML_MAX_NODES = 250_000  # counted as if every alias were expanded: refuses "billion laughs"
INT_MAX_DIGITS = 4300  # Python's own int/str conversion limit (sys.get_int_max_str_digits)

_CHUNK = 1 * MiB


class InputLimitError(ValueError):
    """A limit was exceeded while parsing; `line` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def bundle_max_bytes() -> int:
    """The decompressed-size limit of bundles: ASSAY_MAX_BUNDLE_MB (in MiB), else 256 MiB."""
    raw = os.environ.get(BUNDLE_MAX_BYTES_ENV, "").strip()
    if raw.isascii() and raw.isdigit() and 0 < int(raw) <= 1024 * 1024:
        return int(raw) * MiB
    return BUNDLE_MAX_BYTES_DEFAULT


def _value_problem(exc: ValueError) -> str:
    if "digits" in str(exc):
        return f"an integer longer than {INT_MAX_DIGITS} digits, which is refused"
    return f"a value that cannot be read ({str(exc).splitlines()[0][:120]})"


def _size(limit: int) -> str:
    return f"{limit // MiB} MiB" if limit >= MiB else f"{limit // 1024} KiB"


# --- bytes and text -------------------------------------------------------------------------------------


def read_bytes(path: Path, *, what: str, max_bytes: int, error: type[AssayError]) -> bytes:
    """The file's bytes, refusing a missing, unreadable or oversized file (read at most max_bytes + 1)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise error(f"{path}: no such {what}") from None
    except IsADirectoryError:
        raise error(f"{path}: is a folder, not a {what}") from None
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise error(f"{path}: the {what} is larger than the {_size(max_bytes)} limit")
    return data


def decode_text(data: bytes, origin: str, *, what: str, error: type[AssayError]) -> str:
    """UTF-8 text (a leading BOM is dropped), or an error naming the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(
            f"{origin}:{line}: the {what} is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8"
        ) from None


def read_text(path: Path, *, what: str, max_bytes: int, error: type[AssayError]) -> str:
    """A bounded, UTF-8 decoded text file."""
    data = read_bytes(path, what=what, max_bytes=max_bytes, error=error)
    return decode_text(data, str(path), what=what, error=error)


def read_gzip(path: Path, *, what: str, max_bytes: int, error: type[AssayError]) -> bytes:
    """Inflate a gzip file as a stream, stopping as soon as the output passes max_bytes (gzip bombs)."""
    chunks: list[bytes] = []
    total = 0
    try:
        with gzip.open(path, "rb") as stream:
            while chunk := stream.read(_CHUNK):
                total += len(chunk)
                if total > max_bytes:
                    raise error(
                        f"{path}: the {what} inflates to more than the {_size(max_bytes)} limit "
                        f"(set {BUNDLE_MAX_BYTES_ENV} to raise it)"
                    )
                if not chunks and chunk.lstrip()[:1] not in (b"{", b""):
                    raise error(f"{path}: the {what} is not valid JSON (it must hold one JSON object)")
                chunks.append(chunk)
    except FileNotFoundError:
        raise error(f"{path}: no such {what}") from None
    except IsADirectoryError:
        raise error(f"{path}: is a folder, not a {what}") from None
    except gzip.BadGzipFile:
        raise error(f"{path}: not a gzip file; an assay {what} is gzip-compressed JSON") from None
    except (EOFError, zlib.error):
        raise error(f"{path}: the {what} is truncated or corrupt") from None
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    return b"".join(chunks)


# --- JSON -----------------------------------------------------------------------------------------------


def _no_constants(name: str) -> Any:
    raise InputLimitError(f"{name}, which is not a JSON number")


def parse_json(
    data: bytes | str, origin: str, *, what: str, error: type[AssayError], allow_nan: bool = True
) -> Any:
    """Parse JSON, turning depth, number-size, NaN (unless allowed) and syntax problems into `error`."""
    with json_errors(origin, what=what, error=error):
        if allow_nan:
            return json.loads(data)
        return json.loads(data, parse_constant=_no_constants)


@contextmanager
def json_errors(origin: str, *, what: str, error: type[AssayError]) -> Iterator[None]:
    """Turn what parsing JSON can raise (syntax, encoding, depth, number size) into one `error` sentence."""
    try:
        yield
    except json.JSONDecodeError as exc:
        raise error(f"{origin}:{exc.lineno}: the {what} is not valid JSON ({exc.msg})") from None
    except UnicodeDecodeError:
        raise error(f"{origin}: the {what} is not UTF-8 text") from None
    except InputLimitError as exc:
        raise error(f"{origin}: the {what} holds {exc.message}") from None
    except RecursionError:
        raise error(f"{origin}: the {what} is nested too deeply to read") from None
    except ValueError as exc:  # an integer longer than Python converts (sys.get_int_max_str_digits)
        raise error(f"{origin}: the {what} holds {_value_problem(exc)}") from None


def read_json_file(
    path: Path,
    *,
    what: str,
    error: type[AssayError],
    max_bytes: int = SMALL_FILE_MAX_BYTES,
    allow_nan: bool = False,
) -> Any:
    """A bounded JSON file, parsed (NaN and Infinity refused unless allow_nan)."""
    text = read_text(path, what=what, max_bytes=max_bytes, error=error)
    return parse_json(text, str(path), what=what, error=error, allow_nan=allow_nan)


# --- YAML -----------------------------------------------------------------------------------------------


class BoundedLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader with a nesting-depth limit and an alias-expansion budget.

    Composition counts every node as if each alias were expanded in place (memoised per node, so the
    count itself is cheap); a document whose expansion passes the budget is refused before anything walks
    it. Recursive aliases (an anchor referenced inside itself) are refused too.
    """

    def __init__(
        self, stream: str, *, max_depth: int = YAML_MAX_DEPTH, max_nodes: int = YAML_MAX_NODES
    ) -> None:
        super().__init__(stream)
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self._depth = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            target = self.anchors.get(event.anchor)
            if target is not None and id(target) not in self._sizes:
                raise InputLimitError(
                    f"alias *{event.anchor} refers to its own anchor (a recursive alias)",
                    event.start_mark.line + 1,
                )
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > self.max_depth:
            mark = self.peek_event().start_mark
            raise InputLimitError(f"nested deeper than {self.max_depth} levels", mark.line + 1)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        size = 1
        if isinstance(node, yaml.MappingNode):
            size += sum(self._sizes.get(id(k), 1) + self._sizes.get(id(v), 1) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            size += sum(self._sizes.get(id(item), 1) for item in node.value)
        if size > self.max_nodes:
            raise InputLimitError(
                f"expands to more than {self.max_nodes} values (aliases counted in full)",
                node.start_mark.line + 1,
            )
        self._sizes[id(node)] = size
        return node


def compose_yaml(
    text: str, origin: str, *, what: str, error: type[AssayError]
) -> tuple[yaml.Node | None, Any]:
    """Parse one YAML document under the limits: its root node (for line numbers) and its data."""
    loader: BoundedLoader | None = None
    try:
        loader = BoundedLoader(text)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except InputLimitError as exc:
        line = f":{exc.line}" if exc.line else ""
        raise error(f"{origin}{line}: the {what} is refused: {exc.message}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "cannot parse"
        raise error(f"{origin}{line}: invalid YAML: {problem}") from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        problem = f"character #x{exc.character:04x} is not allowed"
        raise error(f"{origin}:{line}: invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise error(f"{origin}: invalid YAML: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise error(f"{origin}: the {what} is nested too deeply to read") from None
    except ValueError as exc:  # e.g. an integer longer than Python converts
        raise error(f"{origin}: the {what} holds {_value_problem(exc)}") from None
    finally:
        if loader is not None:
            loader.dispose()
    return node, data


def parse_yaml_text(text: str, origin: str, *, what: str, error: type[AssayError]) -> Any:
    """The data of one bounded YAML document."""
    return compose_yaml(text, origin, what=what, error=error)[1]


def read_yaml_file(
    path: Path, *, what: str, error: type[AssayError], max_bytes: int = SMALL_FILE_MAX_BYTES
) -> Any:
    """A bounded YAML file, parsed: for attestation, waiver and other small user files."""
    text = read_text(path, what=what, max_bytes=max_bytes, error=error)
    return parse_yaml_text(text, str(path), what=what, error=error)
