"""Config: schema defaults filled in, the first schema error named by its field, undeclared reads caught."""
from __future__ import annotations

import pytest

from workflowcontrol_tasks.config import Config, UndeclaredConfigRead
from workflowcontrol_tasks.errors import ConfigError

SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["url"],
    "properties": {
        "url": {"type": "string", "format": "uri"},
        "pages": {"type": "integer", "minimum": 1, "default": 1},
        "note": {"type": "string"},
        "headers": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def test_defaults_fill_what_the_configuration_leaves_out() -> None:
    config = Config.validated({"url": "https://example.com/"}, SCHEMA)
    assert config["pages"] == 1 and config["note"] is None and dict(config) == {"url": "https://example.com/",
                                                                               "pages": 1}


def test_get_falls_back_only_for_missing_values() -> None:
    config = Config({"url": "x", "pages": 0}, SCHEMA)
    assert config.get("note", "none") == "none" and config.get("pages", 5) == 0


def test_reading_a_property_the_schema_lacks_is_a_bug_not_a_none() -> None:
    with pytest.raises(UndeclaredConfigRead):
        Config({"url": "x"}, SCHEMA)["sneaky"]


@pytest.mark.parametrize(("values", "field", "problem"), [
    ({}, "url", "is required"),
    ({"url": "x", "pages": 0}, "pages", "0 is less than the minimum of 1"),
    ({"url": "x", "extra": 1}, None, "unknown setting ('extra' was unexpected)"),
    ({"url": "x", "headers": {"a": 1}}, "headers.a", "1 is not of type 'string'"),
])
def test_the_first_schema_error_is_named_by_its_field(values: dict, field: str | None, problem: str) -> None:
    with pytest.raises(ConfigError) as error:
        Config.validated(values, SCHEMA)
    assert error.value.field == field and error.value.problem == problem
