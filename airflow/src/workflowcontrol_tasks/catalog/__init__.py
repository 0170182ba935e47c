"""The task catalog: one JSON definition per task type, shared with the API and the editor."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

CATALOG_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def load_catalog() -> dict[str, dict[str, Any]]:
    entries = {}
    for path in sorted(CATALOG_DIR.glob("*.json")):
        entry = json.loads(path.read_text(encoding="utf-8"))
        entries[entry["id"]] = entry
    return entries


def catalog_entry(task_type: str) -> dict[str, Any]:
    return load_catalog()[task_type]
