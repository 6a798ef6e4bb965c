"""Bundles on disk: gzip JSON, written and read one evidence item at a time.

Writing streams the canonical JSON straight into the gzip stream. Reading inflates the file under a size
limit, then walks the top-level object itself: the evidence array is decoded item by item, each item's
hash checked, its model validated and the item kept as canonical JSON (:class:`StoredEvidence`), so the
parsed form of the whole evidence never exists at once. The other keys (collectors, signals, manifest...)
are small and parsed whole. The bundle digest is taken over the canonical JSON as it was hashed when
written; no model is re-serialised to check it.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assay.digest import canonical_text, object_chunks, sha256_of, write_chunks
from assay.errors import BundleError, BundleIntegrityError
from assay.evidence import BUNDLE_SCHEMA, Bundle, Evidence, sha256_hex
from assay.stored import StoredEvidence

_DECODER = json.JSONDecoder()  # NaN and Infinity allowed: a collector may have observed them
_SPACE = re.compile(r"[ \t\n\r]*")


def write_bundle(bundle: Bundle, path: Path) -> Path:
    """Write a sealed bundle as gzip JSON, atomically: a reader never sees half a file.

    The canonical JSON goes straight into the gzip stream, one evidence item at a time, so writing never
    holds the whole text (or a second copy of the evidence) in memory.
    """
    sealed = bundle if bundle.manifest else bundle.seal()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".bundle-", suffix=".tmp", dir=path.parent)
    try:
        with (
            os.fdopen(fd, "wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz,
            io.TextIOWrapper(gz, encoding="utf-8") as text,
        ):
            write_chunks(sealed.chunks(manifest=True), text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


class _Malformed(Exception):
    """A part of the bundle that does not validate: where, and what is wrong."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where, self.message = where, message


def read_bundle(path: Path, *, verify: bool = True) -> Bundle:
    """Read a bundle, rejecting anything truncated, foreign, of another version or tampered with.

    The gzip stream is inflated under a size limit (``ASSAY_MAX_BUNDLE_MB``), and JSON syntax, depth and
    number sizes are checked (see :mod:`assay.safeio`), so a hostile bundle exits 2 instead of hanging.
    The returned bundle's evidence is a :class:`StoredEvidence`: models are built when items are used.
    """
    from assay.safeio import bundle_max_bytes, decode_text, json_errors, parse_json, read_gzip

    if not path.exists() and not path.is_symlink():
        raise BundleError(f"{path}: no such bundle; run `assay collect` or `assay audit` first")
    data = read_gzip(path, what="bundle", max_bytes=bundle_max_bytes(), error=BundleError)
    text = decode_text(data, str(path), what="bundle", error=BundleError)
    del data
    items = _EvidenceReader(verify)
    with json_errors(str(path), what="bundle", error=BundleError):
        doc = _top_level(text, items)
        if doc is None:  # not an object at all: the plain parser says what it is
            doc = parse_json(text, str(path), what="bundle", error=BundleError)
    del text
    if not isinstance(doc, dict):
        raise BundleError(f"{path}: the bundle is not a JSON object")
    _check_schema(path, doc.get("schema"))
    try:
        bundle = _assemble(doc, items)
        problems = _integrity_problems(doc, items) if verify else []
    except _Malformed as exc:
        raise BundleError(f"{path}: malformed bundle at {exc.where}: {exc.message}") from None
    except RecursionError:
        raise BundleError(f"{path}: the bundle is nested too deeply to read") from None
    except ValueError as exc:  # e.g. an integer in evidence data too long to hash
        problem = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise BundleError(f"{path}: the bundle holds a value that cannot be read ({problem})") from None
    if problems:
        raise BundleIntegrityError(f"{path}: integrity check failed: {problems[0]}")
    return bundle


def _check_schema(path: Path, schema: Any) -> None:
    if schema != BUNDLE_SCHEMA:
        shown = repr(schema) if isinstance(schema, str) and len(schema) < 80 else "(not a schema id)"
        raise BundleError(
            f"{path}: bundle schema {shown} is not supported; this assay reads {BUNDLE_SCHEMA!r}"
        )


class _EvidenceReader:
    """Takes the evidence array's items as they are decoded: hashes, validates and keeps each one."""

    def __init__(self, verify: bool) -> None:
        self.verify = verify
        self.stored = StoredEvidence()
        self.seen = False  # the bundle has an `evidence` array
        self.problems: list[str] = []
        self.malformed: _Malformed | None = None
        self.count = 0

    def take(self, item: Any) -> None:
        position = self.count
        self.count += 1
        if self.malformed is not None:
            return  # the bundle is refused already; the rest is only scanned for syntax
        if self.verify and isinstance(item, dict):
            self._check_hash(item)
        try:
            model = Evidence.model_validate(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in ("evidence", position, *first["loc"]))
            self.malformed = _Malformed(where, first["msg"])
            return
        self.stored.append(model.id, model.kind, canonical_text(item))

    def _check_hash(self, item: dict[str, Any]) -> None:
        stated = item.get("id")
        if sha256_of([canonical_text({k: v for k, v in item.items() if k != "id"})]) != stated:
            self.problems.append(
                f"evidence {str(stated)[:12]} ({item.get('kind')} {item.get('subject')}) does not match "
                "its content hash"
            )


def _top_level(text: str, items: _EvidenceReader) -> dict[str, Any] | None:
    """The bundle's top-level object with the evidence array handed to ``items`` item by item (and left
    out of the returned mapping); None when the text is not a JSON object. Syntax errors are raised as
    :class:`json.JSONDecodeError` with their position, like :func:`json.loads`."""
    pos = _skip(text, 0)
    if not text.startswith("{", pos):
        return None
    doc: dict[str, Any] = {}
    pos = _skip(text, pos + 1)
    if text.startswith("}", pos):
        return _end(text, pos + 1, doc)
    while True:
        if not text.startswith('"', pos):
            raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, pos)
        key, pos = _DECODER.raw_decode(text, pos)
        pos = _expect(text, _skip(text, pos), ":", "Expecting ':' delimiter")
        pos = _skip(text, pos)
        if key == "evidence" and text.startswith("[", pos):
            if items.seen:
                raise json.JSONDecodeError("Duplicate key 'evidence'", text, pos)
            items.seen = True
            pos = _array(text, pos, items.take)
        else:
            doc[key], pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text.startswith("}", pos):
            return _end(text, pos + 1, doc)
        pos = _skip(text, _expect(text, pos, ",", "Expecting ',' delimiter"))


def _array(text: str, pos: int, take: Callable[[Any], None]) -> int:
    """Decode the array at ``pos`` one item at a time into ``take``; the position after it."""
    pos = _skip(text, pos + 1)
    if text.startswith("]", pos):
        return pos + 1
    while True:
        item, pos = _DECODER.raw_decode(text, pos)
        take(item)
        pos = _skip(text, pos)
        if text.startswith("]", pos):
            return pos + 1
        pos = _skip(text, _expect(text, pos, ",", "Expecting ',' delimiter"))


def _skip(text: str, pos: int) -> int:
    match = _SPACE.match(text, pos)
    return match.end() if match else pos


def _expect(text: str, pos: int, char: str, message: str) -> int:
    if not text.startswith(char, pos):
        raise json.JSONDecodeError(message, text, pos)
    return pos + 1


def _end(text: str, pos: int, doc: dict[str, Any]) -> dict[str, Any]:
    if _skip(text, pos) != len(text):
        raise json.JSONDecodeError("Extra data", text, _skip(text, pos))
    return doc


def _assemble(doc: dict[str, Any], items: _EvidenceReader) -> Bundle:
    """The bundle model from its top-level fields and the evidence kept while reading."""
    if "evidence" in doc:  # present, but not an array
        raise _Malformed("evidence", "Input should be a valid list")
    if items.malformed is not None:
        raise items.malformed
    try:
        bundle = Bundle.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _Malformed(".".join(str(p) for p in first["loc"]), first["msg"]) from None
    bundle.evidence = items.stored
    return bundle


def _integrity_problems(doc: dict[str, Any], items: _EvidenceReader) -> list[str]:
    """Every way the bundle disagrees with its own hashes, from the JSON as read; empty when intact."""
    ids = items.stored.ids()
    body = {k: v for k, v in doc.items() if k != "manifest" and not (k == "shard" and v is None)}
    lists: dict[str, Any] = {"evidence": items.stored.texts()}
    if isinstance(body.get("signals"), list):
        lists["signals"] = (canonical_text(s) for s in body.pop("signals"))
    digest = sha256_of(object_chunks(body, lists))
    return items.problems + _manifest_problems(doc, ids, digest)


def _manifest_problems(fields: dict[str, Any], ids: list[str], digest: str | None) -> list[str]:
    """How the manifest disagrees with the evidence ids and the body digest taken while reading."""
    manifest = fields.get("manifest")
    if not isinstance(manifest, dict):
        return ["the bundle has no manifest"]
    problems: list[str] = []
    if manifest.get("evidence_count") != len(ids):
        problems.append(
            f"the manifest lists {manifest.get('evidence_count')} evidence items but the bundle holds "
            f"{len(ids)}"
        )
    if manifest.get("evidence_root") != sha256_hex("\n".join(sorted(ids)).encode()):
        problems.append("the evidence ids do not match the manifest's evidence root")
    if manifest.get("sha256") != digest:
        problems.append("the bundle's contents do not match the manifest digest")
    problems += _citation_problems(fields.get("signals"), set(ids))
    return problems


def _citation_problems(signals: Any, known: set[str]) -> list[str]:
    problems = []
    for sig in signals if isinstance(signals, list) else []:
        if not isinstance(sig, dict):
            continue
        listed, members = sig.get("evidence"), sig.get("members")
        cited = [
            *(listed if isinstance(listed, list) else []),
            *(
                m.get("evidence")
                for m in (members if isinstance(members, list) else [])
                if isinstance(m, dict)
            ),
        ]
        # A cited id that is not even a string is left to validation, which names it.
        missing = [i for i in cited if isinstance(i, str) and i and i not in known]
        if missing:
            problems.append(
                f"signal {sig.get('name')} cites evidence not in the bundle: {str(missing[0])[:12]}"
            )
    return problems
