"""Renders the allow-listed run macros in config strings; every other {{ ... }} stays literal text."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_MACRO = re.compile(r"\{\{\s*(ds|ts|run_id|params\.([A-Za-z_][A-Za-z0-9_]*))\s*\}\}")


def render_string(text: str, values: Mapping[str, Any]) -> str:
    """Replace {{ ds }}, {{ ts }}, {{ run_id }} and {{ params.NAME }}; unknown names are left as written."""
    params: Mapping[str, Any] = values.get("params") or {}

    def substitute(match: re.Match[str]) -> str:
        name, param = match.group(1), match.group(2)
        if param is not None:
            if param not in params:
                return match.group(0)
            # A parameter without a default is None when the run gives no value: it renders as nothing, not "None".
            return "" if params[param] is None else str(params[param])
        value = values.get(name)
        return match.group(0) if value is None else str(value)

    return _MACRO.sub(substitute, text)


def render(value: Any, values: Mapping[str, Any]) -> Any:
    """Render every string inside a config value (dicts and lists recursively); keys are never rendered."""
    if isinstance(value, str):
        return render_string(value, values)
    if isinstance(value, Mapping):
        return {key: render(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item, values) for item in value]
    return value
