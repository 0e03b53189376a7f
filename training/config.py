"""Training configuration: defaults in code, overridable by a TOML file (``--config``).

Example TOML::

    [split]
    test_months = 12
    val_months = 12

    [model]
    max_iter = 150

    [promotion]
    min_improvement = 0.0
    max_abs_gap = 0.08
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from guidance.model import ModelParams


@dataclass
class SplitConfig:
    """Time split: newest ``test_months`` of cohorts = test, the ``val_months`` before = val."""

    test_months: int = 12
    val_months: int = 12


@dataclass
class PromotionConfig:
    """Gate for moving the ``champion`` alias (re-scored on the challenger's test split)."""

    target: str = "employed_12m"
    # metric -> direction; the challenger must not be worse than the champion by more than
    # -min_improvement on each (min_improvement = 0: at least as good).
    metrics: dict = field(default_factory=lambda: {"auc": "max", "brier": "min"})
    min_improvement: float = 0.0
    # fairness: by each attribute, |mean predicted − observed| per group and spread of group ECE
    fairness_attributes: tuple = ("sex", "ethnic_minority")
    max_abs_gap: float = 0.08
    max_calibration_gap: float = 0.08
    fairness_min_n: int = 100


@dataclass
class TrainConfig:
    split: SplitConfig = field(default_factory=SplitConfig)
    model: ModelParams = field(default_factory=ModelParams)
    promotion: PromotionConfig = field(default_factory=PromotionConfig)
    baseline_prior: float = 10.0  # pseudo-graduates of the programme_code × province baseline
    ece_bins: int = 10
    slice_min_n: int = 30
    demand_months_kept: int = 15  # demand months carried inside the artifact

    def to_dict(self) -> dict:
        return asdict(self)


def _merge(obj, values: dict, where: str):
    known = {f.name: f for f in fields(obj)}
    for key, value in values.items():
        if key not in known:
            raise ValueError(f"unknown config key {where}{key!r}; known: {sorted(known)}")
        current = getattr(obj, key)
        if hasattr(current, "__dataclass_fields__"):
            if not isinstance(value, dict):
                raise ValueError(f"config {where}{key} must be a table")
            _merge(current, value, f"{where}{key}.")
        else:
            setattr(obj, key, tuple(value) if isinstance(current, tuple) else value)
    return obj


def load_config(path: str | Path | None = None, overrides: dict | None = None) -> TrainConfig:
    """Defaults, then the TOML file, then ``overrides`` (same nesting as the file)."""
    cfg = TrainConfig()
    if path is not None:
        with open(path, "rb") as fh:
            _merge(cfg, tomllib.load(fh), "")
    if overrides:
        _merge(cfg, overrides, "")
    return cfg


def from_dict(values: dict) -> TrainConfig:
    """Rebuild a config logged with a run (``TrainConfig.to_dict``)."""
    return _merge(TrainConfig(), values, "")
