"""Contract v1.1 in training: a record with an empty target is left out of THAT target only
(training, validation, test metrics, baselines, wage model) and kept for the others; a v1
directory (no empty cell) trains on every record as before."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.training.conftest import FAST

TWELVE = (
    "employed_12m",
    "employment_type",
    "occupation_code",
    "job_province_code",
    "monthly_wage_vnd",
    "job_matches_training",
)
WAVE_OUTCOMES = ("employed_6m", "employed_12m", "employment_type", "job_matches_training")


def _known(frame: pd.DataFrame, target: str) -> int:
    if target == "wage":
        emp = frame["employed_12m"].astype("float64").to_numpy() == 1
        wage = pd.to_numeric(frame["monthly_wage_vnd"]).astype("float64").to_numpy()
        return int((emp & (wage > 0)).sum())
    return int(frame[target].notna().sum())


def test_v1_directory_uses_every_record_for_every_target(trained):
    from guidance.model import CLASSIFIER_TARGETS

    result, parts = trained
    ev, details = result.evaluation, result.models.target_details
    for t in CLASSIFIER_TARGETS:
        assert ev.n_used[t] == {k: len(v) for k, v in parts.items()}, t
        assert details[t]["n_train"] == len(parts["train"])
        assert details[t]["n_val"] == len(parts["val"])
        assert ev.metrics[t]["n"] == len(parts["test"])
    assert ev.n_used["wage"] == {k: _known(v, "wage") for k, v in parts.items()}
    assert details["wage"]["n_train"] == ev.n_used["wage"]["train"] > 0


@pytest.fixture(scope="module")
def one_wave_run(degenerate_dir):
    """The tiny world with 30 % of the records lacking the 12-month wave and another 20 %
    lacking the 6-month wave, validated, loaded and trained."""
    from training.config import load_config
    from training.pipeline import train_and_evaluate

    from guidance.contract import load_dir, validate_dir

    n = len(degenerate_dir.base["outcomes"])
    order = np.random.default_rng(11).permutation(n)
    no12, no6 = order[: int(0.3 * n)], order[int(0.3 * n) : int(0.5 * n)]

    def one_wave(df: pd.DataFrame) -> pd.DataFrame:
        for c in TWELVE:
            df.loc[no12, c] = pd.NA
        df.loc[no6, "employed_6m"] = pd.NA
        return df

    d = degenerate_dir("one_wave", outcomes=one_wave)
    report = validate_dir(d)
    tables = load_dir(d)
    result, parts = train_and_evaluate(tables, load_config(overrides=FAST), progress=False)
    return report, tables, result, parts, len(no12), len(no6)


def test_one_wave_directory_validates_and_has_the_empty_cells(one_wave_run):
    report, tables, _, _, n12, n6 = one_wave_run
    assert report.ok, report.summary()
    out = tables["outcomes"]
    assert int(out["employed_12m"].isna().sum()) == n12 > 0
    assert int(out["job_matches_training"].isna().sum()) == n12
    assert int(out["employed_6m"].isna().sum()) == n6 > 0
    assert not out["completed"].isna().any()


def test_each_target_trains_on_the_records_with_it_known(one_wave_run):
    from guidance.features import training_pairs
    from guidance.model import CLASSIFIER_TARGETS

    _, tables, result, parts, n12, _ = one_wave_run
    ev, details = result.evaluation, result.models.target_details
    pairs = training_pairs(tables["outcomes"], tables["programmes"])
    assert all(st == "fitted" for st in ev.status.values()), ev.status
    for t in (*CLASSIFIER_TARGETS, "wage"):
        used = ev.n_used[t]
        assert used == {k: _known(v, t) for k, v in parts.items()}, t
        assert sum(used.values()) == _known(pairs, t), t
        assert details[t]["n_train"] == used["train"] and details[t]["n_val"] == used["val"]
    # the 12-month targets lose the 30 %, completion keeps every record
    for t in ("employed_12m", "job_matches_training"):
        assert sum(ev.n_used[t].values()) == len(pairs) - n12
        assert ev.metrics[t]["n"] == ev.n_used[t]["test"] < len(parts["test"])
        for b in ev.baselines[t].values():
            assert b["n"] == ev.n_used[t]["test"]
    assert ev.n_used["completed"] == {k: len(v) for k, v in parts.items()}
    assert ev.metrics["completed"]["n"] == len(parts["test"])
    assert ev.wages["model"]["n"] == ev.n_used["wage"]["test"]
    for key, rep in ev.fairness.items():
        t = key.split("/")[0]
        assert int(rep["groups"]["n"].sum()) == ev.n_used[t]["test"], key
    # every metric is a number: no empty label reached a metric
    assert all(np.isfinite(m["brier"]) for m in ev.metrics.values())


def test_summary_and_card_state_the_records_used(one_wave_run):
    from training.model_card import render
    from training.pipeline import summary_table

    _, _, result, _, _, _ = one_wave_run
    n = result.evaluation.n_used["employed_12m"]
    text = summary_table(result.evaluation)
    assert "records used per target" in text
    assert f"{n['train']:>9,}{n['val']:>9,}{n['test']:>9,}" in text
    card = render(result, {})
    assert (
        f"- employed_12m: fitted (records used, outcome known: train {n['train']:,}, val "
        f"{n['val']:,}, test {n['test']:,})"
    ) in card


def test_empty_outcome_cells_never_reach_a_model_input(one_wave_run):
    from guidance.features import PROTECTED

    _, _, result, parts, _, _ = one_wave_run
    models = result.models
    inputs = set(models.input_columns())
    assert not inputs & {*WAVE_OUTCOMES, *TWELVE, "completed", *PROTECTED}
    test = parts["test"]
    outcome_cols = [*WAVE_OUTCOMES, *TWELVE, "completed", *PROTECTED]
    got = models.predict(test)
    blind = models.predict(test.drop(columns=list(dict.fromkeys(outcome_cols))))
    pd.testing.assert_frame_equal(got.reset_index(drop=True), blind.reset_index(drop=True))
    assert np.isfinite(got["p_employed_12m"].to_numpy()).all()
