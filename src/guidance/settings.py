"""One settings object for the whole service (environment prefix ``GUIDANCE_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime settings; every field can be set as ``GUIDANCE_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="GUIDANCE_", env_file=None, extra="ignore")

    var_dir: Path = Field(Path("var"), description="Local state: demo data, SQLite, MLflow store.")
    data_dir: Path = Field(Path("var/demo"), description="Data directory (data contract v1).")
    models_dir: Path = Field(Path("models"), description="Where versioned artifacts are written.")
    database_url: str = "sqlite:///var/guidance.db"
    mlflow_tracking_uri: str = "sqlite:///var/mlflow.db"
    registered_model_name: str = "guidance-outcomes"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    seed: int = 42
    retention_days: int = Field(365, ge=1, description="Audit/feedback retention (guidance purge).")


@lru_cache
def get_settings() -> Settings:
    return Settings()
