"""Catalogue search (accent- and case-blind), details under the small-cell rule, occupations."""

from __future__ import annotations

from guidance.text import fold


def test_search_ignores_accents_and_case(api, world):
    prog = world["programmes"]
    name = next(n for n in prog["name_vi"] if fold(n) != n.lower())  # has diacritics
    query = fold(name).upper()
    r = api.get("/api/v1/programmes", params={"q": query, "page_size": 200})
    assert r.status_code == 200
    names = [it["name_vi"] for it in r.json()["items"]]
    assert name in names
    items = r.json()["items"]
    assert all(
        all(w in fold(f"{it['name_vi']} {it['name_en'] or ''}") for w in fold(query).split())
        for it in items
    )


def test_filters_and_pagination(api, world):
    prog = world["programmes"]
    province = str(prog["province_code"].iloc[0])
    want = int((prog["province_code"] == province).sum())
    r = api.get("/api/v1/programmes", params={"province": province, "page_size": 2})
    body = r.json()
    assert body["total"] == want and len(body["items"]) == min(2, want)
    assert body["pages"] == -(-want // 2)
    ids = set()
    for page in range(1, body["pages"] + 1):
        ids |= {
            it["programme_id"]
            for it in api.get(
                "/api/v1/programmes", params={"province": province, "page_size": 2, "page": page}
            ).json()["items"]
        }
    assert len(ids) == want
    assert api.get("/api/v1/programmes", params={"page_size": 201}).status_code == 422


def test_programme_detail_small_cell_rule_and_demand(api, world):
    rec = api.app.state.ctx.holder.current.recommender
    side, ids = rec.side, rec.cat.ids
    seen_small = seen_big = False
    for i, pid in enumerate(ids):
        n = int(side.n_grad[i])
        small, big = 0 < n < 20, n >= 20
        if (small and seen_small) or (big and seen_big) or not (small or big):
            continue
        body = api.get(f"/api/v1/programmes/{pid}").json()
        out = body["outcomes"]
        assert out["n_graduates"] == n
        if small:
            seen_small = True
            assert out["small_cell"] and out["observed_employed_12m"] is None
        else:
            seen_big = True
            assert out["observed_employed_12m"] is not None
        assert body["demand_period"] == api.seeded.periods[-1]
        targets = set(body["programme"]["target_occupations"].split(";"))
        assert all(
            d["occupation_code"] in targets
            and d["province_code"] == body["programme"]["province_code"]
            for d in body["demand"]
        )
    assert seen_big or seen_small
    r = api.get("/api/v1/programmes/NO-SUCH")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_occupations(api, world):
    r = api.get("/api/v1/occupations")
    assert r.status_code == 200
    assert len(r.json()) == len(world["occupations"])
