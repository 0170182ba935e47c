"""Shared fixtures: the library's source on sys.path, a per-test shared data root and owner ids."""
from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

pytest_plugins = ["servers"]


@pytest.fixture()
def data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "shared_data"
    root.mkdir()
    monkeypatch.setenv("WORKFLOWCONTROL_SHARED_DATA", str(root))
    monkeypatch.setenv("WORKFLOWCONTROL_SECRETS_DIR", str(tmp_path / "secrets"))
    monkeypatch.delenv("WORKFLOWCONTROL_ALLOWED_HOSTS", raising=False)
    return root


@pytest.fixture()
def owner_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture()
def allow_localhost(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKFLOWCONTROL_ALLOWED_HOSTS", "127.0.0.1")
