"""Build a ``Recommender`` from a data directory and a saved model bundle (I/O edge)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from guidance.recommend.core import Recommender


def newest_artifact(models_dir: str | Path) -> Path:
    """The highest-numbered ``<name>-<version>.joblib`` in ``models_dir``."""
    files = sorted(
        Path(models_dir).glob("*.joblib"),
        key=lambda p: (
            int(v) if (v := p.stem.rsplit("-", 1)[-1]).isdigit() else -1,
            p.stat().st_mtime,
        ),
    )
    if not files:
        raise FileNotFoundError(
            f"no model artifact (*.joblib) in {models_dir}; run "
            "`guidance train` first or pass --model"
        )
    return files[-1]


def build_recommender(
    models: Any,
    tables: Mapping[str, pd.DataFrame],
    demand: Any = None,
    *,
    model_version: str = "unknown",
    shortlist: int | None = None,
    **kwargs: Any,
) -> Recommender:
    """THE way to build a ``Recommender`` (API holder, CLI, evaluation): ``tables`` holds
    ``programmes``, ``provinces`` and ``occupations`` (and ``demand``, used when ``demand``
    is not given); ``shortlist=None`` keeps the default size. The caller's ``models`` are
    left unchanged."""
    from guidance.recommend.core import Recommender

    if shortlist is not None:
        kwargs["shortlist"] = shortlist
    return Recommender(
        models,
        tables["programmes"],
        tables["provinces"],
        tables["occupations"],
        tables.get("demand") if demand is None else demand,
        model_version=str(model_version),
        **kwargs,
    )


def load_recommender(
    data_dir: str | Path,
    model: str | Path | None = None,
    *,
    models_dir: str | Path | None = None,
    quiet: bool = True,
    **kwargs: Any,
) -> Recommender:
    """Catalogue, provinces, occupations and the newest demand from ``data_dir``; models
    from ``model`` (a ``.joblib`` bundle) or the newest bundle in ``models_dir``."""
    from guidance.artifacts import load_artifact
    from guidance.contract import load_dir

    path = Path(model) if model else newest_artifact(models_dir or "models")
    art = load_artifact(path)
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore")
        tables = load_dir(data_dir)
    version = art.metadata.get("version", path.stem)
    return build_recommender(art.models, tables, model_version=version, **kwargs)
