"""A small OpenAPI 3.0 response validator on `jsonschema` (Draft 4 + OpenAPI's `nullable`).

`Contract(path)` loads a yaml contract; `check(method, path, status, body)`
finds the operation, the declared response for the status and validates the
JSON body against its schema, resolving `$ref`s inside the file. Statuses a
contract promises globally (its description: "every error body is an Error",
401 for secured operations, 429/503 at any time) are validated against the
contract's error schema; any other undeclared status fails.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Set, Tuple
from urllib.parse import urlsplit

import jsonschema
import yaml

from bot.settings import PROJECT_ROOT

__all__ = ["Contract", "ContractError", "SHARED_BACKENDS", "cms_contract", "housing_contract"]

# CI checks the project out with ../shared beside it.
SHARED_BACKENDS = PROJECT_ROOT.parent / "shared" / "backends"

_FORMATS = jsonschema.FormatChecker(formats=())
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@_FORMATS.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("not YYYY-MM-DD")
    date.fromisoformat(value)
    return True


@_FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        raise ValueError("not RFC 3339")
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@_FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme and urlsplit(value).netloc)


class ContractError(AssertionError):
    """A response does not match the contract."""


def _openapi_to_jsonschema(node: Any) -> Any:
    """OpenAPI 3.0 `nullable: true` as JSON Schema's `type: [T, "null"]`."""
    if isinstance(node, list):
        return [_openapi_to_jsonschema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _openapi_to_jsonschema(value) for key, value in node.items()}
    if out.pop("nullable", False):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = list(out["enum"]) + [None]
    return out


@dataclass
class Operation:
    """One method on one path template."""

    method: str
    template: str
    pattern: re.Pattern
    spec: Dict[str, Any]
    secured: bool


@dataclass
class Contract:
    """An OpenAPI contract to check responses against."""

    path: Path
    error_schema: Dict[str, Any]
    general_errors: FrozenSet[int]
    seen: Set[Tuple[str, str, int]] = field(default_factory=set)

    def __post_init__(self) -> None:
        raw = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        self.doc = _openapi_to_jsonschema(raw)
        self.resolver = jsonschema.RefResolver.from_schema(self.doc)
        default_security = bool(self.doc.get("security"))
        self.operations: List[Operation] = []
        for template, item in self.doc["paths"].items():
            regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            for method, spec in item.items():
                secured = bool(spec["security"]) if "security" in spec else default_security
                self.operations.append(
                    Operation(method.upper(), template, re.compile(regex), spec, secured)
                )

    def declared(self) -> Set[Tuple[str, str, int]]:
        """Every (method, path template, status) the contract declares."""
        return {
            (op.method, op.template, int(status))
            for op in self.operations
            for status in op.spec["responses"]
        }

    def operation(self, method: str, path: str) -> Operation:
        """The operation serving `method path`."""
        for op in self.operations:
            if op.method == method.upper() and op.pattern.match(path):
                return op
        raise ContractError(f"{method} {path} is not in {self.path.name}")

    def _resolve(self, node: Dict[str, Any]) -> Dict[str, Any]:
        while "$ref" in node:
            node = self.resolver.resolve(node["$ref"])[1]
        return node

    def validate(self, schema: Dict[str, Any], body: Any, where: str) -> None:
        """Validate `body` against `schema` (which may hold `$ref`s into the contract)."""
        validator = jsonschema.Draft4Validator(
            copy.deepcopy(schema), resolver=self.resolver, format_checker=_FORMATS
        )
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        if errors:
            lines = [f"{'/'.join(map(str, e.path)) or '<body>'}: {e.message}" for e in errors[:5]]
            raise ContractError(
                f"{where}: body does not match the contract:\n  " + "\n  ".join(lines)
            )

    def validate_component(self, name: str, body: Any) -> None:
        """Validate against `#/components/schemas/<name>`."""
        self.validate({"$ref": f"#/components/schemas/{name}"}, body, name)

    def check(self, method: str, path: str, status: int, body: Any, content_type: str) -> None:
        """Validate one response; records (method, template, status) in `seen`."""
        op = self.operation(method, path)
        where = f"{method} {path} -> {status}"
        declared = op.spec["responses"].get(str(status))
        if declared is None:
            general = status in self.general_errors and (status != 401 or op.secured)
            if not general:
                raise ContractError(f"{where}: status {status} is not declared for {op.template}")
            schema: Optional[Dict[str, Any]] = self.error_schema
        else:
            content = self._resolve(declared).get("content", {})
            schema = content.get("application/json", {}).get("schema")
        if schema is not None:
            if content_type != "application/json":
                raise ContractError(f"{where}: expected application/json, got {content_type}")
            self.validate(schema, body, where)
        self.seen.add((op.method, op.template, status))


def cms_contract() -> Contract:
    """The NSSA CMS contract; every error body is an `Error`."""
    return Contract(
        SHARED_BACKENDS / "cms.openapi.yaml",
        error_schema={"$ref": "#/components/schemas/Error"},
        general_errors=frozenset({401, 404, 405, 422, 429, 503}),
    )


def housing_contract() -> Contract:
    """The Housing Office contract; every error body is the `Problem` shape."""
    return Contract(
        SHARED_BACKENDS / "housing.openapi.yaml",
        error_schema={"$ref": "#/components/responses/Problem/content/application~1json/schema"},
        general_errors=frozenset({400, 401, 404, 405, 503}),
    )
