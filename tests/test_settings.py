from __future__ import annotations

from pathlib import Path

from guidance.settings import Settings


def test_defaults_are_local_and_relative():
    s = Settings()
    assert s.database_url.startswith("sqlite:///var/")
    assert s.mlflow_tracking_uri.startswith("sqlite:///var/")
    assert not s.data_dir.is_absolute()


def test_environment_overrides_with_prefix(monkeypatch):
    monkeypatch.setenv("GUIDANCE_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    monkeypatch.setenv("GUIDANCE_PORT", "9000")
    monkeypatch.setenv("GUIDANCE_DATA_DIR", "/tmp/x")
    s = Settings()
    assert s.database_url.startswith("postgresql")
    assert s.port == 9000
    assert s.data_dir == Path("/tmp/x")
