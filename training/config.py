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

    [search]            # used by ``guidance train --search`` (training/search.py)
    learning_rate = [0.05, 0.1]
    depth_leaves = [[3, 8], [6, 31]]
    max_iter = [100, 300]
    l2_regularization = [1.0, 5.0]
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
class SearchConfig:
    """The grid of ``guidance train --search`` (every combination is one trial).

    Each trial fits the boosting model of ``target`` on the train part of the time split
    (early stopping on the validation part, as the final fit does) and is scored on the
    validation part; the test part is never seen by the search. The trial with the lowest
    ``metric`` wins (``log_loss``/``brier``: lower is better; ``auc``: higher is better)."""

    learning_rate: tuple = (0.05, 0.1)
    depth_leaves: tuple = ((3, 8), (6, 31))  # (max_depth, max_leaf_nodes) pairs
    max_iter: tuple = (100, 300)
    l2_regularization: tuple = (1.0, 5.0)
    target: str = "employed_12m"
    metric: str = "log_loss"
    max_trials: int = 64  # a larger grid is refused (each trial is a full fit)


@dataclass
class TrainConfig:
    split: SplitConfig = field(default_factory=SplitConfig)
    model: ModelParams = field(default_factory=ModelParams)
    promotion: PromotionConfig = field(default_factory=PromotionConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
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
