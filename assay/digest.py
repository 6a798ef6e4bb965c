"""Canonical JSON, produced and hashed as a stream: a bundle's digest never needs the whole text at once.

The canonical form is `json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
default=str)`. The functions here emit exactly those characters in pieces, so hashing the pieces gives
the digest of the whole, and writing them gives the whole, with one list item in memory at a time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TextIO

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_text(obj: Any) -> str:
    """The canonical JSON of ``obj`` in one piece (CPython's C encoder)."""
    return _ENCODER.encode(obj)


def object_chunks(fields: Mapping[str, Any], lists: Mapping[str, Iterable[str]]) -> Iterator[str]:
    """The canonical JSON of an object whose ``lists`` come as their items' canonical JSON texts.

    Equal, character for character, to ``canonical_text({**fields, k: [json.loads(t) for t in v]})``.
    """
    yield "{"
    for n, key in enumerate(sorted({*fields, *lists})):
        if n:
            yield ","
        yield _ENCODER.encode(key)
        yield ":"
        if key in lists:
            yield "["
            for i, text in enumerate(lists[key]):
                if i:
                    yield ","
                yield text
            yield "]"
        else:
            yield _ENCODER.encode(fields[key])
    yield "}"


def sha256_of(chunks: Iterable[str]) -> str:
    """The SHA-256 of the UTF-8 text the chunks make up."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk.encode("utf-8"))
    return digest.hexdigest()


def write_chunks(chunks: Iterable[str], out: TextIO, size: int = 1 << 16) -> None:
    """Write the chunks, gathered into writes of about ``size`` characters."""
    buffer: list[str] = []
    held = 0
    for chunk in chunks:
        buffer.append(chunk)
        held += len(chunk)
        if held >= size:
            out.write("".join(buffer))
            buffer, held = [], 0
    out.write("".join(buffer))
