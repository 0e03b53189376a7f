"""Issue 16 §2/§6 at the edge: the JSON API carries the headline kind, the observed
employment split and the tuition exemption; the pages say "dữ liệu mô phỏng" exactly when
the catalogue came from the demo world (SQLite and PostgreSQL)."""

from __future__ import annotations

from guidance.store.catalogue import catalogue_synthetic, is_demo_world, load_catalogue
from guidance.web.i18n import catalogue

VI, EN = catalogue("vi"), catalogue("en")


def test_api_items_say_what_their_figures_are(api, learner) -> None:
    body = {
        "profile": {**learner, "education_level": 9},
        "preferences": {"willing_to_relocate": True},
        "k": 20,
    }
    r = api.post("/api/v1/recommendations", json=body)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert items
    for it in items:
        b = it["basis"]
        assert b["headline"] in ("observed", "estimate")
        assert (b["headline"] == "observed") == (b["observed_employed_12m"] is not None)
        for k in (
            "observed_formal_12m",
            "observed_informal_12m",
            "observed_self_employed_12m",
            "observed_employed_6m",
            "n_employed_6m_known",
            "n_cohort_years",
        ):
            assert k in b
        ex = it["tuition_exemption"]
        if it["level"] == "trung_cap":
            assert ex["total_tuition_vnd"] == 0 and ex["legal_source"] and ex["verified"] is False
        else:
            assert ex is None
    assert any(it["basis"]["headline"] == "observed" for it in items)


def test_pages_say_synthetic_only_for_the_demo_world(api, world, tiny_dir, tmp_path) -> None:
    assert is_demo_world(tiny_dir) and not is_demo_world(tmp_path)
    engine = api.seeded.engine
    assert catalogue_synthetic(engine) is False  # the fixture loads tables, not a demo dir
    # the catalogue (with the note's text) is inlined in every page: look for the note itself
    note = 'id="synthetic-note"'
    assert note not in api.get("/").text
    load_catalogue(engine, world, synthetic=True)
    assert catalogue_synthetic(engine) is True
    page = api.get("/?lang=vi").text
    assert note in page and f'data-i18n="fig.synthetic">{VI["fig.synthetic"]}</p>' in page
    assert (
        f'data-i18n="fig.synthetic">{EN["fig.synthetic"]}</p>'
        in api.get("/occupations?lang=en").text
    )
    load_catalogue(engine, world)  # a real catalogue after it: the note goes
    assert note not in api.get("/?lang=vi").text
