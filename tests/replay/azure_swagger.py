"""Azure Resource Manager's Swagger (the vendored, trimmed copies in fixtures/recorded/azure/specs) as JSON
Schema that jsonschema checks responses against.

Swagger 2.0 is not quite JSON Schema, so each definition is translated the way AutoRest reads it:

* ``allOf`` parents are merged into the child (properties and required), so a child may add properties;
* an object that declares ``properties`` and no ``additionalProperties`` is closed: a field the vendor never
  declared fails (ARM returns exactly the declared fields);
* ``discriminator`` / ``x-ms-discriminator-value`` pick the subtype by the instance's discriminator value;
* ``x-nullable: true`` admits null; ``$ref`` siblings are ignored, as in JSON Schema draft 4;
* formats, ``readOnly`` and other ``x-ms-*`` annotations are not assertions.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

SPECS = Path(__file__).resolve().parents[2] / "fixtures" / "recorded" / "azure" / "specs"
KEYWORDS = ("type", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern", "required")


class Swagger:
    """Every vendored spec; ``errors(operation_id, status, body)`` lists where a body breaks its schema."""

    def __init__(self, root: Path = SPECS) -> None:
        self.docs = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(root.glob("*.json"))}
        self.operations: dict[str, tuple[str, str, str, dict[str, Any]]] = {}
        for name, doc in self.docs.items():
            for path, methods in doc.get("paths", {}).items():
                for method, op in methods.items():
                    self.operations[op["operationId"]] = (name, method, path, op["responses"])
        self.definitions: dict[str, Any] = {}
        for name, doc in self.docs.items():
            for dname in doc.get("definitions", {}):
                self._define(name, dname)

    # -- translation ----------------------------------------------------------------------------------

    def _key(self, doc: str, ref: str) -> tuple[str, str]:
        target, _, pointer = ref.partition("#")
        return (target or doc), pointer.rsplit("/", 1)[-1]

    def _id(self, doc: str, name: str) -> str:
        return re.sub(r"[^A-Za-z0-9_.-]", "_", f"{doc}__{name}")

    def _define(self, doc: str, name: str) -> None:
        raw = self.docs[doc]["definitions"][name]
        flat = self._flatten(doc, raw)
        self.definitions[self._id(doc, name) + "__flat"] = flat
        subtypes = self._subtypes(doc, name) if raw.get("discriminator") else []
        if not subtypes:
            self.definitions[self._id(doc, name)] = {"$ref": f"#/definitions/{self._id(doc, name)}__flat"}
            return
        field = raw["discriminator"]
        values = [v for v, _ in subtypes]
        self.definitions[self._id(doc, name)] = {
            "if": {"properties": {field: {"enum": values}}, "required": [field]},
            "then": {
                "oneOf": [
                    {"allOf": [{"properties": {field: {"const": v}}}, {"$ref": f"#/definitions/{sub}__flat"}]}
                    for v, sub in subtypes
                ]
            },
            "else": {"$ref": f"#/definitions/{self._id(doc, name)}__flat"},
        }

    def _subtypes(self, doc: str, base: str) -> list[tuple[str, str]]:
        found = []
        for name, schema in self.docs[doc]["definitions"].items():
            parents = [self._key(doc, p["$ref"]) for p in schema.get("allOf", []) if "$ref" in p]
            if (doc, base) in parents:
                found.append((schema.get("x-ms-discriminator-value", name), self._id(doc, name)))
        return found

    def _flatten(self, doc: str, raw: dict[str, Any]) -> dict[str, Any]:
        """An object definition with its allOf parents merged in, translated to JSON Schema."""
        props: dict[str, Any] = {}
        required: list[str] = []
        additional: Any = None
        for parent in raw.get("allOf", []):
            pdoc, pname = self._key(doc, parent["$ref"]) if "$ref" in parent else (doc, "")
            pschema = self.docs[pdoc]["definitions"][pname] if pname else parent
            merged = self._flatten(pdoc, pschema)
            props.update(merged.get("properties", {}))
            required += merged.get("required", [])
            if "additionalProperties" in merged and merged["additionalProperties"] is not False:
                additional = merged["additionalProperties"]
        out = self._node(doc, {k: v for k, v in raw.items() if k not in ("allOf", "properties")})
        for pname, pschema in (raw.get("properties") or {}).items():
            props[pname] = self._node(doc, pschema)
        if "additionalProperties" in raw:
            additional = (
                self._node(doc, raw["additionalProperties"]) if raw["additionalProperties"] else False
            )
        if props:
            out["properties"] = props
            out["additionalProperties"] = additional if additional is not None else False
        elif additional is not None:
            out["additionalProperties"] = additional
        if required or raw.get("required"):
            out["required"] = sorted(set(required) | set(raw.get("required") or []))
        if props or raw.get("type") == "object":
            out["type"] = ["object", "null"] if raw.get("x-nullable") else "object"
        return out

    def _node(self, doc: str, raw: Any) -> Any:
        if not isinstance(raw, dict):
            return raw
        if "$ref" in raw:
            ref = {"$ref": "#/definitions/" + self._id(*self._key(doc, raw["$ref"]))}
            return {"anyOf": [{"type": "null"}, ref]} if raw.get("x-nullable") else ref
        if raw.get("properties") or raw.get("allOf"):
            return self._flatten(doc, raw)
        out = {k: raw[k] for k in KEYWORDS if k in raw and not (k == "required" and isinstance(raw[k], bool))}
        if "items" in raw:
            out["items"] = self._node(doc, raw["items"])
        if "additionalProperties" in raw:
            extra = raw["additionalProperties"]
            out["additionalProperties"] = self._node(doc, extra) if isinstance(extra, dict) else extra
        if raw.get("x-nullable") and "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        return out

    # -- checking ---------------------------------------------------------------------------------------

    def errors(self, operation_id: str, status: str | int, body: Any) -> list[str]:
        doc, _, _, responses = self.operations[operation_id]
        schema = responses[str(status)]["schema"]
        root = {"definitions": self.definitions, "allOf": [self._node(doc, schema)]}
        validator = Draft7Validator(root)
        return sorted(
            f"{'/'.join(str(p) for p in e.absolute_path) or '<body>'}: {e.message}"
            for e in validator.iter_errors(body)
        )

    def operation_for(self, method: str, path: str) -> str | None:
        """The operationId whose path template matches a request path (case-insensitive, as ARM is)."""
        best: tuple[int, str] | None = None
        for op_id, (_, op_method, template, _) in self.operations.items():
            if op_method != method.lower():
                continue
            pattern = re.sub(
                r"\\{(\w+)\\}",
                lambda m: ".+" if m.group(1) in ("scope", "scopeId", "resourceId") else "[^/]+",
                re.escape(template.rstrip("/")),
            )
            if re.fullmatch(pattern, path.rstrip("/"), re.IGNORECASE):
                literal = len(re.sub(r"{\w+}", "", template))
                if best is None or literal > best[0]:
                    best = (literal, op_id)
        return best[1] if best else None
