"""Issue 13 §1: any valid directory trains, or is refused with one plain sentence.

Every directory is the tiny world with one thing changed (``degenerate_dir`` in this
folder's conftest). ``guidance train`` runs in-process through ``guidance.cli.main``.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from training.pipeline import MIN_COHORTS_TIME_SPLIT, MIN_TEST_ROWS, MIN_TRAIN_RECORDS

from guidance.model import MIN_CLASS_TRAIN, MIN_WAGE_ROWS, target_status

FAST_TOML = "[model]\nmax_iter = 10\n"


def train(data_dir, tmp_path, capsys):
    """Run ``guidance train --no-mlflow`` → (exit code, stdout, stderr, metadata or None)."""
    from guidance.cli import main

    cfg = tmp_path / "fast.toml"
    cfg.write_text(FAST_TOML)
    models = tmp_path / "models"
    rc = main(
        [
            "train",
            "--data",
            str(data_dir),
            "--config",
            str(cfg),
            "--no-mlflow",
            "--models-dir",
            str(models),
            "--quiet",
        ]
    )
    out, err = capsys.readouterr()
    metas = sorted(models.glob("*.json"))
    meta = json.loads(metas[-1].read_text()) if metas else None
    return rc, out, err, meta


def recommender(models_dir, data_dir):
    from guidance.artifacts import load_artifact
    from guidance.contract import load_dir
    from guidance.recommend.core import Recommender

    job = sorted(models_dir.glob("*.joblib"))[-1]
    models = load_artifact(job).models
    t = load_dir(data_dir)
    return Recommender(
        models, t["programmes"], t["provinces"], t["occupations"], t["demand"], model_version="1"
    ), t


def a_learner(tables) -> dict:
    home = str(tables["programmes"]["province_code"].value_counts().index[0])
    return {"age": 17, "home_province_code": home, "education_level": 12, "gpa": 7.0}


def no_traceback(*texts):
    for t in texts:
        assert "Traceback" not in t


# -- a constant target ----------------------------------------------------------------------
def test_constant_target_is_not_fitted_and_the_rest_is_learnt(degenerate_dir, tmp_path, capsys):
    d = degenerate_dir("all_completed", outcomes=lambda o: o.assign(completed=True))
    rc, out, err, meta = train(d, tmp_path, capsys)
    no_traceback(out, err)
    assert rc == 0
    assert "not fitted: completed (constant in the training window (every record is true))" in out
    status = meta["target_status"]
    assert status["completed"].startswith("not_fitted: constant")
    assert status["employed_12m"] == status["job_matches_training"] == status["wage"] == "fitted"
    assert meta["schema"]["target_status"] == status
    assert "test.completed.auc" not in meta["metrics"]
    assert np.isfinite(meta["metrics"]["test.employed_12m.auc"])
    card = next((tmp_path / "models").glob("*.md")).read_text()
    assert "- completed: not_fitted: constant" in card
    assert "missing from predictions and recommendations" in card
    rec, tables = recommender(tmp_path / "models", d)
    r = rec.recommend(a_learner(tables), k=3)
    assert r.items
    for item in r.items:
        assert item.p_completed is None
        assert item.p_employed_12m is not None and item.wage_q50 is not None
        assert "missing_completed" in item.flags
        assert any(s.startswith("Chưa có ước tính tỷ lệ hoàn thành") for s in item.reasons_vi)
        assert any(s.startswith("No estimate of completing") for s in item.reasons_en)
        assert item.score == pytest.approx(sum(item.components.values()))
        assert item.components["completion"] == 0.0


def test_missing_match_figure_moves_its_weight_to_employment():
    from guidance.recommend.core import effective_weights
    from guidance.recommend.types import Weights

    w = effective_weights(
        Weights(), {"job_matches_training": "not_fitted: x", "wage": "not_fitted: y"}
    )
    assert w.match == 0.0 and w.wage == 0.0
    assert w.employed == pytest.approx(Weights().employed + Weights().match)
    assert effective_weights(Weights(), {}) == Weights()


# -- too few positives / negatives -------------------------------------------------------
def test_too_few_positives_is_not_fitted_with_the_threshold(degenerate_dir):
    t = degenerate_dir.base
    o = t["outcomes"].copy()
    pos = np.flatnonzero(o["job_matches_training"].fillna(False).to_numpy())
    o.loc[o.index[pos[MIN_CLASS_TRAIN // 2 :]], "job_matches_training"] = False
    st = target_status(o, o.iloc[:0])
    assert not st["job_matches_training"].fitted
    assert st["job_matches_training"].reason == (
        f"only {MIN_CLASS_TRAIN // 2} positive training records (need at least {MIN_CLASS_TRAIN})"
    )
    assert st["employed_12m"].fitted and not st["employed_12m"].calibrate  # empty val


def test_too_few_negatives_in_training_rows_trains_the_rest(degenerate_dir, tmp_path, capsys):
    def few_unemployed(o):
        idx = np.flatnonzero(~o["employed_12m"].to_numpy(dtype=bool))
        o = o.drop(o.index[idx[5:]])  # 5 unemployed graduates left in all rows
        return o

    d = degenerate_dir("few_negatives", outcomes=few_unemployed)
    rc, out, err, meta = train(d, tmp_path, capsys)
    no_traceback(out, err)
    assert rc == 0
    assert "employed_12m" in meta["target_status"]
    assert meta["target_status"]["employed_12m"].startswith("not_fitted: only")
    assert f"need at least {MIN_CLASS_TRAIN}" in meta["target_status"]["employed_12m"]
    # the promotion target is not fitted: it cannot beat its baselines
    assert meta["metrics"]["beats_baselines"] == 0.0


# -- demand ------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["no_rows", "other_occupations"])
def test_no_usable_demand_is_neutral_and_said(degenerate_dir, tmp_path, capsys, kind):
    if kind == "no_rows":
        change = lambda dm: dm.iloc[:0]  # noqa: E731
    else:
        change = lambda dm: dm.assign(occupation_code="0110").drop_duplicates(  # noqa: E731
            ["period", "province_code", "occupation_code"]
        )
    d = degenerate_dir(f"demand_{kind}", demand=change)
    rc, out, err, meta = train(d, tmp_path, capsys)
    no_traceback(out, err)
    assert rc == 0
    dem = [f for f in meta["schema"]["features"] if f.startswith("dem_")]
    if kind == "other_occupations":  # vacancies are known to be 0: only ratios are empty
        dem = [f for f in dem if "vps" in f or "lratio" in f]
    assert dem and set(dem) <= set(meta["schema"]["empty_features"])
    assert any(w.startswith("demand") for w in meta["data_warnings"])
    rec, tables = recommender(tmp_path / "models", d)
    r = rec.recommend(a_learner(tables), k=3)
    for item in r.items:
        assert "no_demand_data" in item.flags
        assert any("No labour-demand data" in s for s in item.reasons_en)
        assert any("Chưa có dữ liệu nhu cầu lao động" in s for s in item.reasons_vi)
    if kind == "no_rows":
        assert r.items[0].reasons_en[-1].endswith("no labour-demand data")


# -- cohorts and the split ---------------------------------------------------------------
@pytest.mark.parametrize("cohorts", [1, MIN_COHORTS_TIME_SPLIT - 1])
def test_too_few_cohorts_fall_back_to_a_random_split_with_a_warning(
    degenerate_dir, tmp_path, capsys, cohorts
):
    months = ["2024-06", "2025-06"][:cohorts]

    def squash(o):
        return o.assign(cohort=[months[i % cohorts] for i in range(len(o))])

    d = degenerate_dir(f"cohorts_{cohorts}", outcomes=squash)
    rc, out, err, meta = train(d, tmp_path, capsys)
    no_traceback(out, err)
    assert rc == 0
    assert meta["split"]["method"] == "random_by_offering"
    assert "optimistic" in meta["split"]["warning"]
    assert f"only {cohorts} cohort(s)" in meta["split"]["warning"]
    assert "WARNING split" in out
    assert meta["metrics_unreliable"] is True and meta["metrics"]["metrics_unreliable"] == 1.0
    card = next((tmp_path / "models").glob("*.md")).read_text()
    assert "Metrics marked UNRELIABLE" in card and "random_by_offering" in card


def test_small_test_split_marks_metrics_unreliable(degenerate_dir, tmp_path, capsys):
    def thin_newest_year(o):
        newest = o["cohort"] >= "2025-01"
        keep = np.flatnonzero(newest.to_numpy())[: MIN_TEST_ROWS // 2]
        return pd.concat([o[~newest], o.iloc[keep]])

    d = degenerate_dir("small_test", outcomes=thin_newest_year)
    rc, out, err, meta = train(d, tmp_path, capsys)
    no_traceback(out, err)
    assert rc == 0
    assert meta["split"]["method"] == "time"
    assert meta["rows"]["test"] == MIN_TEST_ROWS // 2
    assert "employed_12m" in meta["unreliable"]
    assert meta["metrics"]["test.employed_12m.unreliable"] == 1.0
    assert "UNRELIABLE employed_12m" in out
    assert "promotion needs --force --reason" in out


def test_too_few_records_is_refused_in_one_sentence(degenerate_dir, tmp_path, capsys):
    d = degenerate_dir("tiny", outcomes=lambda o: o.head(MIN_TRAIN_RECORDS - 1))
    rc, out, err, meta = train(d, tmp_path, capsys)
    no_traceback(out, err)
    assert rc == 2 and meta is None
    line = err.strip()
    assert "\n" not in line
    assert line.endswith(
        f"outcomes: only {MIN_TRAIN_RECORDS - 1} tracer records join an "
        f"offering (need at least {MIN_TRAIN_RECORDS} to train and test)"
    )


def test_invalid_directory_is_refused_in_one_sentence(degenerate_dir, tmp_path, capsys):
    d = degenerate_dir("invalid", outcomes=lambda o: o.assign(age=7))
    rc, out, err, _ = train(d, tmp_path, capsys)
    no_traceback(out, err)
    assert rc == 2
    assert "does not satisfy the data contract" in err and "guidance validate" in err


# -- empty features, unseen codes, names -------------------------------------------------
def test_optional_learner_columns_absent(degenerate_dir, tmp_path, capsys):
    gone = [
        "gpa",
        "math_score",
        "literature_score",
        "english_score",
        "prior_work_months",
        *(f"riasec_{x}" for x in "riasec"),
    ]
    d = degenerate_dir("no_learner_columns", outcomes=lambda o: o.drop(columns=gone))
    rc, out, err, meta = train(d, tmp_path, capsys)
    no_traceback(out, err)
    assert rc == 0
    assert set(gone) <= set(meta["schema"]["empty_features"])
    assert all(v == "fitted" for v in meta["target_status"].values())


def test_unseen_offerings_and_occupations_without_vietnamese_name(degenerate_dir, tmp_path, capsys):
    from guidance import reference

    def add_new(p):
        home = str(p["province_code"].value_counts().index[0])  # the learner's province
        new = p[(p["province_code"] == home) & (p["min_education"] <= 9)].iloc[:3].copy()
        new["programme_id"] = ["NEW1", "NEW2", "NEW3"]
        new["programme_code"] = "9999999"  # a code no tracer record has
        new["predecessor_id"] = None
        return pd.concat([p, new])

    d = degenerate_dir("unseen", programmes=add_new, occupations=lambda oc: oc.assign(name_vi=None))
    rc, out, err, meta = train(d, tmp_path, capsys)
    no_traceback(out, err)
    assert rc == 0
    rec, tables = recommender(tmp_path / "models", d)
    r = rec.recommend(a_learner(tables), k=10, shortlist=0)
    packaged = dict(
        zip(
            reference.occupations()["occupation_code"],
            reference.occupations()["name_vi"],
            strict=True,
        )
    )
    trend_items = [i for i in r.items if any(s.startswith("Nhu cầu tuyển") for s in i.reasons_vi)]
    assert trend_items, "no item with a demand trend reason to check the name in"
    for item in trend_items:
        name = packaged[item.demand.occupation_code]
        assert any(name[:1].lower() + name[1:] in s for s in item.reasons_vi)
    ids = set(rec.rank(a_learner(tables), shortlist=0).idx)
    assert {i for i, pid in enumerate(rec.cat.ids) if str(pid).startswith("NEW")} & ids


def test_english_name_only_as_last_resort_and_labelled():
    from guidance.recommend.reasons import occupation_name_vi

    assert occupation_name_vi("7212", "Thợ hàn", "Welders") == "Thợ hàn"
    assert occupation_name_vi("7212", None, "Welders") != "Welders"  # packaged vi name
    s = occupation_name_vi("0000", None, "Nothing")
    assert s == "nghề “Nothing” (tên tiếng Anh)"


# -- wages -------------------------------------------------------------------------------
def test_wages_all_missing_no_wage_model(degenerate_dir, tmp_path, capsys):
    d = degenerate_dir("no_wages", outcomes=lambda o: o.assign(monthly_wage_vnd=pd.NA))
    rc, out, err, meta = train(d, tmp_path, capsys)
    no_traceback(out, err)
    assert rc == 0
    assert meta["target_status"]["wage"] == "not_fitted: no employed training record has a wage"
    assert "not fitted: wage" in out
    rec, tables = recommender(tmp_path / "models", d)
    item = rec.recommend(a_learner(tables), k=1).items[0]
    assert item.wage_q50 is None and "missing_wage" in item.flags
    assert any(s.startswith("Chưa có ước tính thu nhập") for s in item.reasons_vi)


def test_few_wages_threshold(degenerate_dir):
    o = degenerate_dir.base["outcomes"].copy()
    has = np.flatnonzero(o["monthly_wage_vnd"].notna().to_numpy())
    o.loc[o.index[has[MIN_WAGE_ROWS - 1 :]], "monthly_wage_vnd"] = pd.NA
    st = target_status(o, o.iloc[:0])["wage"]
    assert not st.fitted and st.reason == (
        f"only {MIN_WAGE_ROWS - 1} employed training "
        f"records with a wage (need at least "
        f"{MIN_WAGE_ROWS})"
    )


def test_wages_in_the_wrong_unit_are_warned(degenerate_dir, tmp_path, capsys):
    def thousands(o):
        w = o["monthly_wage_vnd"].astype("Float64") / 1000
        return o.assign(monthly_wage_vnd=w.round().astype("Int64"))

    d = degenerate_dir("wage_thousands", outcomes=thousands)
    rc, out, err, meta = train(d, tmp_path, capsys)
    no_traceback(out, err)
    assert rc == 0
    warn = [w for w in meta["data_warnings"] if w.startswith("outcomes.monthly_wage_vnd")]
    assert warn and "check the unit" in warn[0]
    assert "WARNING outcomes.monthly_wage_vnd" in out
