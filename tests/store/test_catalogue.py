"""Catalogue load (all or nothing) and accent-blind, paginated search."""

from __future__ import annotations

import pytest

from guidance.store.catalogue import (
    get_programme,
    list_occupations,
    load_catalogue,
    search_programmes,
)
from guidance.store.db import StoreError
from guidance.store.fingerprint import table_fingerprints


@pytest.fixture
def loaded(engine, catalogue):
    assert load_catalogue(engine, catalogue) == {"provinces": 2, "occupations": 3, "programmes": 6}
    return engine


def ids(page) -> list[str]:
    return [p["programme_id"] for p in page.items]


def test_search_ignores_accents_and_case(loaded):
    for q in ("ke toan", "KE TOAN", "Kế toán", "kế  TOÁN", "toan doanh ke", "KẾ TOÁN"):
        assert ids(search_programmes(loaded, q=q)) == ["P001", "P002"], q


def test_d_with_stroke_folds_to_d(loaded):
    # "dien" must find both names spelled with "điện"/"Điện" (đ is not a combining mark).
    assert set(ids(search_programmes(loaded, q="dien"))) == {"P003", "P004"}
    assert ids(search_programmes(loaded, q="điện công")) == ["P003"]


def test_search_matches_english_names_too(loaded):
    assert ids(search_programmes(loaded, q="culinary")) == ["P005"]


def test_like_wildcards_in_the_query_are_literal(loaded):
    assert ids(search_programmes(loaded, q="%")) == ["P006"]  # only the name containing "%"
    assert search_programmes(loaded, q="_").total == 0


def test_filters(loaded):
    assert ids(search_programmes(loaded, province="79", level="trung_cap")) == ["P002", "P005"]
    assert set(ids(search_programmes(loaded, field="0713"))) == {"P003", "P004"}
    assert ids(search_programmes(loaded, q="ke toan", province="01")) == ["P001"]
    assert "P005" not in ids(search_programmes(loaded, active=True))
    assert search_programmes(loaded, q="nothing like this").total == 0


def test_pagination_covers_everything_once_in_a_stable_order(loaded):
    seen = []
    first = search_programmes(loaded, page=1, page_size=4)
    assert (first.total, first.pages, len(first.items)) == (6, 2, 4)
    for page in (1, 2, 3):
        seen += ids(search_programmes(loaded, page=page, page_size=4))
    assert sorted(seen) == [f"P00{i}" for i in range(1, 7)]
    assert len(seen) == 6
    assert search_programmes(loaded, page=3, page_size=4).items == []
    with pytest.raises(ValueError):
        search_programmes(loaded, page=0)
    with pytest.raises(ValueError):
        search_programmes(loaded, page_size=10_000)


def test_get_programme_round_trips_contract_values(loaded):
    p = get_programme(loaded, "P004")
    assert p["name_vi"] == "Kỹ thuật điện dân dụng"
    assert p["province_code"] == "79" and p["field_code"] == "0713"  # leading zeros kept
    assert p["active"] is True  # missing -> default true
    assert p["tuition_vnd_per_year"] == 2_000_000 and p["capacity"] == 25
    assert get_programme(loaded, "P005")["target_occupations"] == "5120;3434"
    assert get_programme(loaded, "P006")["name_en"] is None
    assert get_programme(loaded, "nope") is None
    occ = list_occupations(loaded)
    assert [o["occupation_code"] for o in occ] == ["3313", "5120", "7411"]
    assert occ[1]["skill_level"] is None and occ[0]["riasec"] == "CE"


def test_reload_replaces_rather_than_appends(loaded, catalogue):
    smaller = {k: v.copy() for k, v in catalogue.items()}
    smaller["programmes"] = catalogue["programmes"].iloc[:2]
    load_catalogue(loaded, smaller)
    assert search_programmes(loaded).total == 2


def test_failed_load_changes_nothing(loaded, catalogue):
    before = table_fingerprints(loaded)
    bad = {k: v.copy() for k, v in catalogue.items()}
    bad["programmes"].loc[bad["programmes"].index[-1], "province_code"] = "99"  # no such province
    with pytest.raises(StoreError):
        load_catalogue(loaded, bad)
    assert table_fingerprints(loaded) == before
    assert search_programmes(loaded).total == 6


def test_order_is_byte_order_of_folded_names_on_both_engines(loaded, catalogue):
    from guidance.store.catalogue import folded_name

    progs = catalogue["programmes"]
    want = sorted(
        zip(
            progs["name_vi"],
            progs["name_en"].astype(object).where(progs["name_en"].notna(), None),
            progs["programme_id"],
            strict=True,
        ),
        key=lambda t: (folded_name(t[0], t[1]).encode(), t[2]),
    )
    assert ids(search_programmes(loaded, page_size=200)) == [t[2] for t in want]


def test_exact_phrase_ranks_first(loaded, catalogue):
    import pandas as pd

    progs = catalogue["programmes"]
    extra = progs[progs["programme_id"] == "P001"].assign(
        programme_id="P007", name_vi="Kế hoạch toán học", name_en="Planning mathematics"
    )
    load_catalogue(loaded, {**catalogue, "programmes": pd.concat([progs, extra])})
    # "ke hoach toan hoc" sorts before "ke toan doanh nghiep" but only has the words apart.
    assert ids(search_programmes(loaded, q="kế toán")) == ["P001", "P002", "P007"]


def test_programme_ages_survive_the_database(engine, catalogue):
    """Contract v1.3's optional ``min_age``/``max_age`` are stored and served back (a served
    catalogue applies them), empty where the file leaves them out."""
    import pandas as pd

    from guidance.store.serving import read_catalogue

    prog = catalogue["programmes"].copy()
    prog["min_age"] = pd.array([18] + [pd.NA] * (len(prog) - 1), dtype="Int64")
    prog["max_age"] = pd.array([pd.NA, 35] + [pd.NA] * (len(prog) - 2), dtype="Int64")
    load_catalogue(engine, {**catalogue, "programmes": prog})
    got = read_catalogue(engine)["programmes"].set_index("programme_id")
    assert str(got["min_age"].dtype) == "Int64"
    assert got.loc["P001", "min_age"] == 18 and pd.isna(got.loc["P001", "max_age"])
    assert got.loc["P002", "max_age"] == 35 and pd.isna(got.loc["P002", "min_age"])
    assert get_programme(engine, "P001")["min_age"] == 18
    # a v1.2 file without the columns: stored empty
    load_catalogue(engine, catalogue)
    assert read_catalogue(engine)["programmes"]["min_age"].isna().all()
