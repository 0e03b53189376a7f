"""The MLflow model registry as seen by ``guidance``: the only module that imports MLflow.

Training registers versions of ``settings.registered_model_name`` whose MLflow model is a
pyfunc wrapping the joblib bundle (``OutcomesPyfunc``); the ``champion`` alias names the
version to serve. ``load_champion`` downloads that version's bundle, checks its sha256
against the version's tag and the metadata record, then loads it.
"""

from __future__ import annotations

from pathlib import Path

import mlflow
import mlflow.pyfunc
import pandas as pd
from mlflow import MlflowClient

from guidance.artifacts import Artifact, load_artifact
from guidance.registry_sqlite import VersionInfo

CHAMPION = "champion"
EXPERIMENT = "guidance-outcomes"


class OutcomesPyfunc(mlflow.pyfunc.PythonModel):
    """MLflow face of the bundle: rows of pair columns in, every target's prediction out."""

    def load_context(self, context) -> None:
        self.artifact = load_artifact(context.artifacts["bundle"])

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        return self.artifact.models.predict(model_input)


def connect(tracking_uri: str) -> MlflowClient:
    """Point MLflow at ``tracking_uri`` (creating a SQLite file's folder on demand)."""
    if tracking_uri.startswith("sqlite:///"):
        Path(tracking_uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


def ensure_experiment(
    client: MlflowClient, artifact_root: str | Path, name: str = EXPERIMENT
) -> str:
    """The experiment id, created with artifacts under ``artifact_root`` if new."""
    exp = client.get_experiment_by_name(name)
    if exp is not None:
        return exp.experiment_id
    root = Path(artifact_root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    return client.create_experiment(name, artifact_location=root.as_uri())


def champion_version(client: MlflowClient, name: str) -> str | None:
    try:
        return str(client.get_model_version_by_alias(name, CHAMPION).version)
    except mlflow.exceptions.MlflowException:
        return None


def list_versions(client: MlflowClient, name: str) -> list[VersionInfo]:
    try:
        versions = client.search_model_versions(f"name='{name}'")
    except mlflow.exceptions.MlflowException:
        return []
    aliases: dict[str, list[str]] = {}
    for alias, version in client.get_registered_model(name).aliases.items():
        aliases.setdefault(str(version), []).append(alias)
    out = []
    for v in sorted(versions, key=lambda v: int(v.version)):
        metrics = client.get_run(v.run_id).data.metrics if v.run_id else {}
        out.append(
            VersionInfo(
                str(v.version),
                v.run_id,
                aliases.get(str(v.version), []),
                dict(v.tags),
                metrics,
                int(v.creation_timestamp or 0),
            )
        )
    return out


def run_csv(client: MlflowClient, run_id: str, path: str, dst: str | Path) -> Path | None:
    """One CSV logged with a run (e.g. ``evaluation/fairness.csv``), downloaded under
    ``dst``; None when the run did not log it."""
    try:
        return Path(client.download_artifacts(run_id, path, str(dst)))
    except (mlflow.exceptions.MlflowException, OSError):
        return None


def download_bundle(client: MlflowClient, name: str, version: str, dst: str | Path) -> Path:
    """Download a version's bundle (joblib + metadata json); return the joblib path."""
    mv = client.get_model_version(name, version)
    local = Path(mlflow.artifacts.download_artifacts(artifact_uri=mv.source, dst_path=str(dst)))
    found = sorted(local.rglob("*.joblib"))
    if not found:
        raise FileNotFoundError(f"version {version} of {name} holds no joblib bundle")
    return found[0]


def fetch_bundle(tracking_uri: str, name: str, version: str, dst: str | Path) -> Path:
    """``download_bundle`` from the registry at ``tracking_uri``."""
    return download_bundle(connect(tracking_uri), name, version, dst)


def alias_version(tracking_uri: str, name: str, alias: str) -> tuple[str, str]:
    """(version, sha256 tag) of the version ``alias`` names now; ``LookupError`` when there
    is none or it carries no sha256 (it could not be verified)."""
    client = connect(tracking_uri)
    try:
        mv = client.get_model_version_by_alias(name, alias)
    except Exception as exc:  # noqa: BLE001 - MLflow raises its own exception family
        raise LookupError(
            f"registry: no version of {name} has alias {alias!r} ({str(exc).splitlines()[0]})"
        ) from exc
    sha = mv.tags.get("sha256")
    if not sha:
        raise LookupError(
            f"registry: version {mv.version} of {name} has no sha256 tag; it cannot be verified"
        )
    return str(mv.version), str(sha)


def load_version(client: MlflowClient, name: str, version: str, dst: str | Path) -> Artifact:
    """Download and verify one version (sha256 against the registry tag, then versions)."""
    mv = client.get_model_version(name, version)
    path = download_bundle(client, name, version, dst)
    return load_artifact(path, expected_sha256=mv.tags.get("sha256"))


def load_champion(tracking_uri: str, name: str, dst: str | Path) -> Artifact | None:
    """The serving model: the version aliased ``champion``, verified, or None if none."""
    client = connect(tracking_uri)
    version = champion_version(client, name)
    if version is None:
        return None
    return load_version(client, name, version, dst)
