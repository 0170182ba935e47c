"""Validated task configuration: schema defaults applied, every read checked against the catalog."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import jsonschema

from .errors import ConfigError


class UndeclaredConfigRead(KeyError):
    """Code read a configuration property that the catalog schema does not declare (a library bug)."""


class Config(Mapping[str, Any]):
    """Read-only view of a task configuration; reading a property the schema lacks is a bug, not a None."""

    def __init__(self, values: Mapping[str, Any], schema: Mapping[str, Any]) -> None:
        self._schema = schema
        props: Mapping[str, Any] = schema.get("properties", {})
        self._declared = frozenset(props)
        merged = {name: spec["default"] for name, spec in props.items() if "default" in spec}
        merged.update(values)
        self._values = merged

    @classmethod
    def validated(cls, values: Mapping[str, Any], schema: Mapping[str, Any]) -> Config:
        validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
        errors = sorted(validator.iter_errors(dict(values)), key=lambda e: list(e.absolute_path))
        if errors:
            first = errors[0]
            field = ".".join(str(p) for p in first.absolute_path) or _missing_field(first) or None
            raise ConfigError(_friendly(first), field=field)
        return cls(values, schema)

    def __getitem__(self, key: str) -> Any:
        if key not in self._declared:
            raise UndeclaredConfigRead(key)
        return self._values.get(key)

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        value = self[key]
        return default if value is None else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def _missing_field(error: jsonschema.ValidationError) -> str | None:
    if error.validator == "required" and isinstance(error.message, str) and "'" in error.message:
        return error.message.split("'")[1]
    return None


def _friendly(error: jsonschema.ValidationError) -> str:
    if error.validator == "required":
        return "is required"
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown setting")
    return error.message
