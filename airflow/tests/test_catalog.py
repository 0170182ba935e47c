"""The catalog and the implementations must agree, and every schema must be a valid, documented draft-07 schema."""
from __future__ import annotations

import ast
import inspect
import re
import textwrap
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from workflowcontrol_tasks.catalog import CATALOG_DIR, load_catalog
from workflowcontrol_tasks.tasks import load_implementations
from workflowcontrol_tasks.tasks import analyze, common, extract, load, transform, utility

ALLOWED_KEYWORDS = {"$schema", "type", "properties", "required", "additionalProperties", "items", "enum", "const",
                    "default", "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "pattern",
                    "format", "oneOf", "anyOf", "title", "description", "examples"}
MODULES = [analyze, common, extract, load, transform, utility]
CATALOG = load_catalog()


def _functions() -> dict[str, ast.FunctionDef]:
    found: dict[str, ast.FunctionDef] = {}
    for module in MODULES:
        tree = ast.parse(inspect.getsource(module))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                found.setdefault(node.name, node)
    return found


FUNCTIONS = _functions()


def _config_reads(function: ast.FunctionDef, seen: set[str]) -> set[str]:
    """Keys read as cfg["x"] or cfg.get("x"), following helper calls and lambdas that receive cfg."""
    seen.add(function.name)
    keys: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "cfg":
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                keys.add(node.slice.value)
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "cfg" \
                    and func.attr == "get" and node.args and isinstance(node.args[0], ast.Constant):
                keys.add(node.args[0].value)
            passes_cfg = any(isinstance(a, ast.Name) and a.id == "cfg" for a in node.args)
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if passes_cfg and name in FUNCTIONS and name not in seen:
                keys |= _config_reads(FUNCTIONS[name], seen)
    return keys


def test_every_catalog_type_has_an_implementation_and_the_reverse() -> None:
    implementations = load_implementations()
    assert sorted(CATALOG) == sorted(implementations), "catalog ids and registered implementations differ"


def test_catalog_file_names_match_ids() -> None:
    for path in CATALOG_DIR.glob("*.json"):
        assert path.stem in CATALOG and CATALOG[path.stem]["id"] == path.stem, f"{path.name} does not hold its own id"


@pytest.mark.parametrize("type_id", sorted(CATALOG))
def test_implementation_reads_exactly_the_schema_properties(type_id: str) -> None:
    implementation = load_implementations()[type_id]
    reads = _config_reads(FUNCTIONS[implementation.__name__], set())
    declared = set(CATALOG[type_id]["configSchema"]["properties"])
    assert reads - declared == set(), f"{type_id} reads properties the schema lacks"
    assert declared - reads == set(), f"{type_id} declares properties its implementation never reads"


def _schemas(schema: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(schema, dict):
        yield path, schema
        for name, sub in (schema.get("properties") or {}).items():
            yield from _schemas(sub, f"{path}.{name}")
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                yield from _schemas(schema[key], f"{path}[{key}]")
        for key in ("oneOf", "anyOf"):
            for i, sub in enumerate(schema.get(key, [])):
                yield from _schemas(sub, f"{path}.{key}[{i}]")


@pytest.mark.parametrize("type_id", sorted(CATALOG))
def test_entry_shape_and_schema(type_id: str) -> None:
    entry = CATALOG[type_id]
    assert re.fullmatch(r"[a-z]+\.[a-z_]+", entry["id"])
    assert entry["category"] == entry["id"].split(".")[0]
    assert entry["category"] in {"extract", "transform", "load", "analyze", "utility"}
    assert entry["title"] and entry["description"] and entry["icon"]
    assert isinstance(entry["preview"], bool)
    assert all(set(port) == {"name", "title", "many"} for port in entry["inputs"])
    assert all(port["kind"] in {"table", "file", "model", "report", "none"} for port in entry["outputs"])
    schema = entry["configSchema"]
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["additionalProperties"] is False
    for path, sub in _schemas(schema):
        assert set(sub) <= ALLOWED_KEYWORDS, f"{type_id}{path} uses keywords outside the shared subset"
    for name, prop in schema["properties"].items():
        assert prop.get("title") and prop.get("description"), f"{type_id}.{name} needs a title and a description"
    for name in schema["required"]:
        assert name in schema["properties"]
    validator = jsonschema.Draft7Validator(schema)
    for name, prop in schema["properties"].items():
        if "default" in prop:
            errors = list(jsonschema.Draft7Validator(prop).iter_errors(prop["default"]))
            assert not errors, f"{type_id}.{name} default does not match its own schema"
    assert validator is not None


def test_the_consistency_check_notices_an_undeclared_read() -> None:
    source = textwrap.dedent('''
        def task(ctx, cfg, inputs):
            return helper(cfg)
        def helper(cfg):
            return cfg["declared"], cfg.get("sneaky")
    ''')
    tree = ast.parse(source)
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    FUNCTIONS.update({f"__probe_{k}": v for k, v in functions.items()})
    functions["task"].body[0].value.func.id = "__probe_helper"  # type: ignore[attr-defined]
    try:
        assert _config_reads(functions["task"], set()) == {"declared", "sneaky"}
    finally:
        for key in [k for k in FUNCTIONS if k.startswith("__probe_")]:
            del FUNCTIONS[key]
