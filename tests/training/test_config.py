"""Training configuration: defaults, TOML overrides, strictness."""

from __future__ import annotations

import pytest
from training.config import TrainConfig, from_dict, load_config


def test_defaults_hold_a_twelve_month_test_and_validation_split():
    cfg = load_config()
    assert (cfg.split.test_months, cfg.split.val_months) == (12, 12)
    assert cfg.promotion.target == "employed_12m"


def test_toml_overrides_nested_values(tmp_path):
    path = tmp_path / "train.toml"
    path.write_text(
        "[split]\ntest_months = 6\n[model]\nmax_iter = 40\n"
        '[promotion]\nmax_abs_gap = 0.02\nfairness_attributes = ["sex"]\n'
    )
    cfg = load_config(path)
    assert cfg.split.test_months == 6 and cfg.split.val_months == 12
    assert cfg.model.max_iter == 40
    assert cfg.promotion.max_abs_gap == 0.02
    assert cfg.promotion.fairness_attributes == ("sex",)


def test_unknown_keys_are_refused(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[model]\nmax_iters = 40\n")
    with pytest.raises(ValueError, match="max_iters"):
        load_config(path)


def test_logged_config_round_trips():
    cfg = load_config(overrides={"split": {"test_months": 3}})
    again = from_dict(cfg.to_dict())
    assert isinstance(again, TrainConfig) and again.to_dict() == cfg.to_dict()
