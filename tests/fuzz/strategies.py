"""Hypothesis strategies for hostile input: byte-level mutations of valid files, structured mutations of
JSON documents, and files generated from scratch (binary, deep, huge, alias bombs)."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import strategies as st


def _billion_laughs(levels: int) -> bytes:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return ("\n".join(lines) + "\n").encode()


# Fragments that have broken parsers before: encodings, depth, numbers, YAML tags and aliases, env refs.
SNIPPETS: list[bytes] = [
    b"\xff\xfe\x00",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xed\xa0\x80",  # a UTF-8-encoded surrogate
    b"[" * 3000,
    b"{" * 3000,
    b"- " * 500,
    b'{"a":' * 2000,
    b"9" * 5000,
    b"-" + b"9" * 400,
    b"1e999999",
    b"NaN",
    b"-Infinity",
    b"&a [*a]",
    b"*undefined",
    b"<<: *nowhere",
    b"!!python/object/apply:os.system ['true']",
    b"!!binary QUJD",
    b"? [a, b]\n: c",
    b"%YAML 1.1\n---\n",
    b"--- a\n--- b\n",
    b"${}",
    b"${ASSAY_FUZZ_UNSET:?boom}",
    b"${",
    b"http://user:pass@host/?token=x",
    b"\t\r\n",
    b"'\"\\",
    b"\x1b[31m",
    _billion_laughs(9),
]

HOSTILE_VALUES = st.one_of(
    st.sampled_from(
        [-1, 10**30, 2**63, -(2**63) - 1, math.nan, math.inf, -math.inf, 0.1, True, None, "", "x" * 10_000]
    ),
    st.integers(),
    st.floats(),
    st.text(max_size=50),
    st.binary(max_size=20).map(lambda b: b.decode("latin-1")),
    st.lists(st.integers(), max_size=5),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


@st.composite
def mutated_bytes(draw: st.DrawFn, seed: bytes) -> bytes:
    """`seed` after one to four edits: a byte flipped, a span deleted or duplicated, a snippet inserted,
    the tail truncated."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "delete", "insert", "insert", "truncate", "duplicate"]))
        pos = draw(st.integers(0, len(data)))
        if op == "flip" and data:
            pos = min(pos, len(data) - 1)
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 64))]
        elif op == "insert":
            data[pos:pos] = draw(st.sampled_from(SNIPPETS) | st.binary(min_size=1, max_size=16))
        elif op == "truncate":
            del data[pos:]
        elif op == "duplicate":
            data[pos:pos] = data[pos : pos + draw(st.integers(1, 200))]
    return bytes(data)


def _paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found.extend(_paths(value, (*prefix, index)))
    return found


@st.composite
def mutated_json(draw: st.DrawFn, doc: Any) -> Any:
    """A deep copy of `doc` with one to three values replaced by hostile ones, or keys removed."""
    doc = json.loads(json.dumps(doc))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()) and isinstance(parent, dict):
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = draw(HOSTILE_VALUES)
    return doc


def json_bytes(doc: Any) -> bytes:
    """JSON as Python writes it, NaN and Infinity included (hostile files use them)."""
    return json.dumps(doc, allow_nan=True).encode()


JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
GENERATED_JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30,
)


def generated_files(seed_shape: bytes) -> st.SearchStrategy[bytes]:
    """Files made from nothing: random bytes, random text, random JSON, or repeated snippets."""
    return st.one_of(
        st.binary(max_size=2000),
        st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")),
        GENERATED_JSON.map(json_bytes),
        st.tuples(st.sampled_from(SNIPPETS), st.integers(1, 50)).map(lambda p: p[0] * p[1]),
        st.just(seed_shape[: len(seed_shape) // 2]),
    )


HOSTILE_STRINGS = st.one_of(
    st.sampled_from(
        [
            "",
            "[red]markup[/red] [link=file:///etc/passwd]x[/link]",
            "<script>alert(1)</script>",
            "{{ 7 * 7 }}{% raw %}",
            "\x1b[2J\x1b[31m",
            "\u202eevil\u200b",
            "%s%n%x",
            "../../../etc/passwd",
            "line\nbreak\r\n\ttab",
            "x" * 20_000,
            "😀" * 500,
            "|" * 50 + " # *",
        ]
    ),
    st.text(max_size=40),
)


def _same_kind(value: Any) -> st.SearchStrategy[Any]:
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.sampled_from([0, -1, 10**30, 2**63, -(2**63)]) | st.integers()
    if isinstance(value, float):
        return st.sampled_from([math.nan, math.inf, -0.0, 1e308, 5e-324]) | st.floats()
    if isinstance(value, str):
        return HOSTILE_STRINGS
    if isinstance(value, list):
        return st.lists(HOSTILE_STRINGS, max_size=5) | st.just([value] * 3)
    return st.just(value)


@st.composite
def gentle_json(draw: st.DrawFn, doc: Any) -> Any:
    """`doc` with one to three leaves replaced by hostile values of the same kind (a string by a hostile
    string, an int by a huge one), so the document often stays valid and reaches deeper code."""
    doc = json.loads(json.dumps(doc))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p and not isinstance(_get(doc, p), dict)]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _get(doc, path[:-1])
        parent[path[-1]] = draw(_same_kind(parent[path[-1]]))
    return doc


def _get(doc: Any, path: tuple) -> Any:
    for key in path:
        doc = doc[key]
    return doc


HOSTILE_EXPRESSIONS = st.one_of(
    st.sampled_from(
        [
            "(" * 400 + "true" + ")" * 400,
            "1" * 5000 + " > 0",
            "9223372036854775807 + 1 > 0",
            "signals.ml.tracking.runs_90d / 0 > 1",
            "size(signals.ml.production.models) > 1",
            "signals.nope.x > 1",
            "areas.tracking.level >= 2",
            " && ".join(["true"] * 1000),
            "x" * 5000,
            "'a' + 1 == 'a1'",
            "signals.ml.tracking.runs_90d >= params.nope",
            "has(signals.ml) && signals.ml.tracking.runs_90d.exists(x, x > 1)",
        ]
    ),
    st.text(max_size=60),
)
