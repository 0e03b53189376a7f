"""The stated intervals' coverage on held-out cohorts: measured by training, printed in the
summary, the model card and ``guidance evaluate``, logged as metrics; the thin-evidence share
of the recommender's evaluation."""

from __future__ import annotations

import copy

import numpy as np

from guidance import conformal as cf


def test_training_measures_coverage_on_the_test_cohorts(trained):
    from training.model_card import render
    from training.pipeline import interval_coverage, summary_table

    result, parts = trained
    ev = result.evaluation
    assert set(ev.intervals) == set(result.models.intervals) == set(cf.TARGETS)
    for c in ev.intervals.values():
        assert 0.0 <= c["coverage"] <= 1.0 and c["n_groups"] > 0 and c["level"] == 0.8
    # measured on the test part (not the validation part the numbers were fitted on)
    again = interval_coverage(result.models, parts["test"])
    assert again["employed_12m"]["coverage"] == ev.intervals["employed_12m"]["coverage"]
    calib = cf.coverage(
        result.models.intervals,
        parts["val"],
        result.models.predict(parts["val"]),
        result.models.offering_history(parts["val"]),
    )
    # on its own calibration cohorts split conformal holds at least the level (finite sample)
    assert all(c["coverage"] >= 0.8 for c in calib.values())
    flat = ev.flat_metrics()
    assert flat["interval.employed_12m.coverage"] == ev.intervals["employed_12m"]["coverage"]
    text = summary_table(ev)
    assert "80% intervals on held-out cohorts" in text
    cov = ev.intervals["wage_q50"]["coverage"]
    assert f"wage_q50               coverage {cov:.3f}" in text
    card = render(result, {})
    assert "## Intervals (model error included)" in card
    assert "\n| wage_q50 | " in card and "\n| job_matches_training | " in card
    assert f"{ev.intervals['employed_12m']['coverage']:.4f}" in card


def test_a_bundle_without_conformal_numbers_says_so(trained):
    from training.model_card import render
    from training.pipeline import interval_coverage, interval_lines

    result, parts = trained
    old = copy.copy(result.models)
    old.intervals = {}
    assert interval_coverage(old, parts["test"]) == {}
    assert "no conformal numbers" in interval_lines({})[0]
    stripped = copy.copy(result)
    stripped.models = old
    assert "sampling-only Wilson interval" in render(stripped, {})


def test_evaluate_output_carries_coverage_and_thin_share():
    from training.recs_eval import POLICIES, RecsEvaluation, format_evaluation, thin_share

    lists = [np.array([0, 1, 2, 3]), np.array([2, 3])]
    share = thin_share(lists, np.array([0, 5, 40, 100]))
    # top-3 items: 0, 1, 2 and 2, 3 -> n = 0, 5, 40, 40, 100: two of five thin, one new
    assert share == {"top3_thin": 0.4, "top3_new": 0.2}
    ev = RecsEvaluation(
        n_learners=2,
        k=10,
        means={t: dict.fromkeys(POLICIES, 0.5) for t in ("in_trade", "employed", "wage")},
        uplift={},
        ndcg={},
        coverage={},
        diversity={},
        evidence=share,
        intervals={
            "employed_12m": {
                "level": 0.8,
                "coverage": 0.7,
                "n_groups": 40.0,
                "mean_width": 0.3,
                "coverage_thin": 0.9,
                "n_groups_thin": 10.0,
            }
        },
    )
    text = format_evaluation({"default": ev})
    assert "top3_thin" in text
    assert "employed_12m           coverage 0.700 of 40 groups (OUTSIDE the target)" in text
    assert ev.flat()["interval.employed_12m.coverage"] == 0.7
    assert ev.flat()["evidence.top3_new"] == 0.2
