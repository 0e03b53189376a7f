"""The hand-labelled postings: shape, codes, and the held-out split."""

from __future__ import annotations

from guidance.postings.classify import load_labels
from guidance.reference import occupations
from guidance.text import nfc


def test_labelled_set_is_large_and_spread():
    df = load_labels()
    assert len(df) >= 400
    assert set(df["source"]) == {"careerviet", "topcv", "vietnamworks", "itviec"}
    assert set(df["split"]) == {"dev", "heldout"}
    assert not df.duplicated(["source", "job_id"]).any()
    # non-IT occupations are present (not only 25xx / 35xx)
    non_it = ~df["isco_code"].str.match(r"^(25|35|1330|2434)")
    assert non_it.sum() >= 80


def test_codes_are_unit_groups():
    valid = set(occupations()["occupation_code"])
    assert set(load_labels()["isco_code"]) <= valid


def test_heldout_share_per_source():
    df = load_labels()
    share = df.groupby("source")["split"].apply(lambda s: (s == "heldout").mean())
    assert (share >= 0.25).all(), share


def test_text_is_nfc():
    df = load_labels()
    assert all(t == nfc(t) for t in df["title"])
