"""Versioned model artifacts: ``<name>-<version>.joblib`` plus a ``.json`` metadata record.

A pickle only loads safely with the library versions that wrote it, and loading one can
run code. So the metadata records the versions, git commit, data hash, metrics, feature
schema and the sha256 of the joblib file, and ``load_artifact`` checks the hash BEFORE
unpickling and the versions right after reading the record, refusing on any mismatch.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ARTIFACT_FORMAT = 1
# library -> how much of the version must match ("exact" or "minor")
VERSION_RULES = {
    "scikit-learn": "exact",
    "numpy": "minor",
    "pandas": "minor",
    "scipy": "minor",
    "python": "minor",
}


class ArtifactMismatch(RuntimeError):
    """The artifact cannot be trusted here: tampered/truncated file or other library versions."""


@dataclass
class Artifact:
    models: Any  # guidance.model.OutcomeModels
    metadata: dict
    path: Path


def library_versions() -> dict[str, str]:
    import numpy
    import pandas
    import scipy
    import sklearn

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
        "scipy": scipy.__version__,
    }


def git_commit(cwd: str | Path | None = None) -> str | None:
    """The commit of the code (default: the checkout this package runs from), or None
    outside a repository or without git."""
    cwd = cwd or Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def artifact_paths(models_dir: str | Path, name: str, version: str | int) -> tuple[Path, Path]:
    stem = Path(models_dir) / f"{name}-{version}"
    return stem.with_suffix(".joblib"), stem.with_suffix(".json")


def save_artifact(
    models,
    models_dir: str | Path,
    name: str,
    version: str | int,
    *,
    metadata: dict | None = None,
    demand_months: int = 15,
) -> tuple[Path, Path]:
    """Write the bundle (demand compacted to the newest months) and its metadata record."""
    import joblib

    from guidance.model import OutcomeModels

    if not isinstance(models, OutcomeModels):
        raise TypeError("save_artifact expects guidance.model.OutcomeModels")
    job, meta_path = artifact_paths(models_dir, name, version)
    job.parent.mkdir(parents=True, exist_ok=True)
    full_demand = models.features.demand_
    try:
        models.features.demand_ = full_demand.compact(demand_months)
        tmp = job.with_suffix(".joblib.tmp")
        joblib.dump(models, tmp, compress=3)
        tmp.replace(job)
    finally:
        models.features.demand_ = full_demand
    record = {
        "format": ARTIFACT_FORMAT,
        "name": name,
        "version": str(version),
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "libraries": library_versions(),
        "git_commit": git_commit(),
        **(metadata or {}),
        "schema": models.describe(),
        "demand_last_period": full_demand.last_period,
        "file": job.name,
        "sha256": sha256_file(job),
        "bytes": job.stat().st_size,
    }
    meta_path.write_text(
        json.dumps(record, indent=2, ensure_ascii=False, default=_jsonable), encoding="utf-8"
    )
    return job, meta_path


def _jsonable(value):
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, tuple | set):
        return list(value)
    return str(value)


def read_metadata(path: str | Path) -> dict:
    p = Path(path)
    meta = p if p.suffix == ".json" else p.with_suffix(".json")
    if not meta.is_file():
        raise ArtifactMismatch(f"no metadata record {meta} beside the artifact")
    return json.loads(meta.read_text(encoding="utf-8"))


def check_versions(recorded: dict[str, str], current: dict[str, str] | None = None) -> list[str]:
    """Differences that make unpickling unsafe, as readable lines (empty when compatible)."""
    current = current or library_versions()
    problems = []
    for lib, rule in VERSION_RULES.items():
        want, have = recorded.get(lib), current.get(lib)
        if want is None:
            problems.append(f"{lib}: version not recorded")
            continue
        same = want == have if rule == "exact" else want.split(".")[:2] == str(have).split(".")[:2]
        if not same:
            problems.append(
                f"{lib}: artifact built with {want}, this environment has {have}"
                f" (must match {'exactly' if rule == 'exact' else 'major.minor'})"
            )
    return problems


def verify_artifact(path: str | Path, expected_sha256: str | None = None) -> dict:
    """Check hash and versions without unpickling; return the metadata record."""
    p = Path(path)
    job = p if p.suffix == ".joblib" else p.with_suffix(".joblib")
    meta = read_metadata(job)
    if not job.is_file():
        raise ArtifactMismatch(f"artifact file {job} is missing")
    digest = sha256_file(job)
    for label, want in (("metadata", meta.get("sha256")), ("registry", expected_sha256)):
        if want is not None and digest != want:
            raise ArtifactMismatch(
                f"{job.name}: sha256 {digest[:12]}… does not match the "
                f"{label} record {str(want)[:12]}… (tampered or truncated)"
            )
    problems = check_versions(meta.get("libraries", {}))
    if problems:
        raise ArtifactMismatch(
            f"{job.name} was built with other library versions: " + "; ".join(problems)
        )
    return meta


def load_artifact(path: str | Path, expected_sha256: str | None = None) -> Artifact:
    """Verify (sha256 first, then versions), then unpickle the models."""
    import joblib

    meta = verify_artifact(path, expected_sha256)
    p = Path(path)
    job = p if p.suffix == ".joblib" else p.with_suffix(".joblib")
    models = joblib.load(job)
    return Artifact(models=models, metadata=meta, path=job)
