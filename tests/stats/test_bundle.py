"""The published bundle holds only disclosure-controlled frames."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from guidance.stats.bundle import NoOutcomes, StatsBundle, build_bundle
from guidance.stats.disclosure import headline, publish
from guidance.stats.tables import GROUPINGS, outcome_tables

RAW_COLUMNS = {
    "employed_12m",
    "employed_6m",
    "formal",
    "informal",
    "self_employed",
    "in_occupation",
    "completed",
    "wage_n",
    "expected_12m",
    "expected_var_12m",
    "employment_12m",
    "completion",
    "response_rate",
    "value_added",
}


@pytest.fixture(scope="module")
def tiny_bundle(world_tables):  # noqa: ANN201
    t = world_tables("tiny", 2)
    p = np.random.default_rng(0).uniform(0.4, 0.95, len(t["outcomes"]))
    return t, p, build_bundle(t, t["demand"], p, as_of="2026-12-01T00:00:00+00:00")


def test_bundle_is_the_publication_and_nothing_raw(tiny_bundle):
    t, p, b = tiny_bundle
    assert isinstance(b, StatsBundle)
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.quadrant = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        b.outcomes["offering"] = None  # type: ignore[index]
    pub = publish(outcome_tables(t))
    assert set(b.outcomes) == set(GROUPINGS)
    for g in GROUPINGS:
        assert b.outcomes[g].equals(pub.tables[g]), g
        assert b.headline[g].equals(headline(pub.tables[g], g)), g
    frames = [
        *b.outcomes.values(),
        *b.headline.values(),
        b.value_added,
        b.quadrant,
        *b.supply_demand.values(),
    ]
    for f in frames:
        assert not set(f.columns) & RAW_COLUMNS, set(f.columns) & RAW_COLUMNS
    va = b.value_added
    assert (va["value_added_pp"].isna() == va["suppressed"]).all()
    assert va["response_rate_pct"].notna().sum() == (~va["suppressed"]).sum()
    m = b.meta
    assert m["as_of"] == "2026-12-01T00:00:00+00:00" and m["latest_cohort"] == m["years"][-1]
    assert m["audited"] == pub.audited and m["demand_period"] == max(t["demand"]["period"])
    assert set(b.supply_demand) == {"isco2", "trade4"}


def test_data_hash_follows_the_inputs_and_value_added_is_optional(tiny_bundle):
    t, p, b = tiny_bundle
    no_va = build_bundle(t, t["demand"])
    assert no_va.value_added is None and "not available" in no_va.meta["value_added"]
    assert no_va.meta["data_hash"] != b.meta["data_hash"]  # the expected values differ
    other = build_bundle(t, t["demand"], p * 0.9)
    assert other.meta["data_hash"] != b.meta["data_hash"]
    again = build_bundle(t, t["demand"], p)
    assert again.meta["data_hash"] == b.meta["data_hash"]
    no_demand = build_bundle(t, None, p)
    assert no_demand.meta["demand_period"] is None
    assert no_demand.supply_demand["isco2"]["vacancies"].isna().all()


def test_no_outcomes_and_misaligned_expected_are_refused(world_tables):
    t = world_tables("tiny", 2)
    with pytest.raises(NoOutcomes):
        build_bundle({**t, "outcomes": t["outcomes"].iloc[:0]})
    with pytest.raises(ValueError, match="expected has"):
        build_bundle(t, None, np.zeros(3))


def test_settings_round_every_published_count(world_tables):
    from guidance.stats.disclosure import DisclosureSettings

    t = world_tables("tiny", 2)
    b = build_bundle(t, t["demand"], settings=DisclosureSettings(round_counts_to=10, audit=False))
    for f in (*b.outcomes.values(), b.supply_demand["isco2"], b.supply_demand["trade4"]):
        for c in ("graduates", "respondents", "expected_graduates"):
            if c in f:
                v = f[c].dropna().astype("int64")
                assert len(v) and (v % 10 == 0).all(), c
    assert b.meta["settings"]["round_counts_to"] == 10
