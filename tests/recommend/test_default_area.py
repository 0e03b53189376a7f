"""The default study area (home province and neighbours) widens to the home region, and
says so, when nothing near passes the other rules (issue 16 §1)."""

from __future__ import annotations


def test_nothing_near_widens_to_the_region_and_says_so(make_recommender, tiny_tables):
    from guidance.geo import near_area

    rec = make_recommender()
    prov = tiny_tables["provinces"].set_index("province_code")["region"]
    taught = set(tiny_tables["programmes"]["province_code"])
    # a home whose province and neighbours teach nothing, in a region that does
    home = next(
        c
        for c in prov.index
        if not (near_area(c) & taught) and any(prov[t] == prov[c] for t in taught)
    )
    r = rec.recommend({"age": 18, "home_province_code": home, "education_level": 12}, {}, k=5)
    assert r.items and all(prov[it.province_code] == prov[home] for it in r.items)
    assert len(r.notes_vi) == 1 and "các tỉnh giáp ranh" in r.notes_vi[0]
    assert "provinces next to it" in r.notes_en[0]
