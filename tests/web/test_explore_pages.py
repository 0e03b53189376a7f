"""The occupation and programme pages (issue 17) and the RIASEC explanation on the learner
page.

Without a browser: the pages of the real app (TestClient; SQLite and PostgreSQL) checked
against the API's answer they are rendered from, in Vietnamese and English; errors as the
site's error page in the user's language. In Chromium (the real app under uvicorn): a
learner's result cards link to programme and occupation pages, show "also at" and how the
interests shaped the list; both pages read in Vietnamese with their figures.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from playwright.sync_api import expect
from tests.api.conftest import api, model_path, seeded  # noqa: F401 - fixtures
from tests.web.browser import axe_violations, no_horizontal_scroll
from tests.web.conftest import open_page, shot
from tests.web.test_learner import fill_learner, submit

from guidance.reference import isco_groups, occupation_descriptions
from guidance.web.charts import fmt_number
from guidance.web.i18n import catalogue

VI, EN = catalogue("vi"), catalogue("en")
TAG = re.compile(r"<[^>]+>")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(TAG.sub(" ", html)))


def _section(html: str, sid: str) -> str:
    m = re.search(rf'<section[^>]*id="{sid}".*?</section>', html, flags=re.S)
    assert m, sid
    return m.group(0)


def _trained(world: dict) -> dict[str, list[str]]:
    prog = world["programmes"]
    prog = prog[prog["active"].fillna(True).astype(bool)]
    out: dict[str, list[str]] = {}
    for pid, t in zip(prog["programme_id"], prog["target_occupations"], strict=True):
        for c in str(t).split(";"):
            out.setdefault(c, []).append(str(pid))
    return out


def _code_with_demand(world: dict, periods: list[str]) -> str:
    trained = _trained(world)
    dem = world["demand"]
    with_demand = set(dem.loc[dem["period"].isin(periods), "occupation_code"])
    return max(set(trained) & with_demand, key=lambda c: (len(trained[c]), c))


def test_occupation_page_shows_the_apis_figures_in_each_language(api, world) -> None:  # noqa: F811
    code = _code_with_demand(world, api.seeded.periods)
    home = str(world["programmes"]["province_code"].value_counts().index[0])
    body = api.get(f"/api/v1/occupations/{code}", params={"province": home}).json()
    desc = occupation_descriptions().set_index("code").loc[code[:3]]
    for lang, texts in (("vi", VI), ("en", EN)):
        r = api.get(f"/occupations/{code}", params={"province": home, "lang": lang})
        assert r.status_code == 200, r.text
        html = r.text
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
        occ = body["occupation"]
        name = (occ["name_en"] if lang == "en" else occ["name_vi"]) or occ["name_en"]
        assert unescape(re.search(r'<h1 id="occupation-h">(.*?)</h1>', html).group(1)) == name
        work = _text(_section(html, "work"))
        assert desc[f"description_{lang}"] in work
        interests = _text(_section(html, "interests"))
        for x in body["riasec"]:
            assert x[f"about_{lang}"] in interests and x[f"name_{lang}"] in interests
        rows = re.findall(
            r'<tr data-province="(\d\d)"( class="home")?>(.*?)</tr>', html, flags=re.S
        )
        assert [r[0] for r in rows] == [d["province_code"] for d in body["demand"]]
        assert [r[0] for r in rows if r[1]] == (
            [home] if home in {d["province_code"] for d in body["demand"]} else []
        )
        for (_, _, cells), d in zip(rows, body["demand"], strict=True):
            text = _text(cells)
            assert d[f"province_name_{lang}"] in text
            assert fmt_number(d["vacancies"], lang) in text
            if d["median_wage_vnd"] is not None:
                assert fmt_number(d["median_wage_vnd"] / 1e6, lang, 1) in text
            assert texts["explore.trend_unknown"] in text  # three months: no trend yet
        if body["wage_min_vnd"] is not None:
            lo = fmt_number(body["wage_min_vnd"] / 1e6, lang, 1)
            assert lo in _text(re.search(r'<p id="wage-range">.*?</p>', html, flags=re.S).group(0))
        links = re.findall(r'<tr data-programme="([^"]+)">', _section(html, "near"))
        assert links == [p["programme_id"] for p in body["programmes"]]
        assert f'<option value="{home}" selected>' in html


def test_occupation_list_and_errors(api, world) -> None:  # noqa: F811
    trained = _trained(world)
    html = api.get("/occupations").text
    codes = re.findall(r'<tr data-code="(\d{4})">', html)
    assert sorted(codes) == sorted(trained)
    assert VI["explore.list_h"] in html
    r = api.get("/occupations/0000")
    assert r.status_code == 404 and "Không có nghề nào có mã “0000”." in _text(r.text)
    r = api.get("/occupations/0000", params={"lang": "en"})
    assert r.status_code == 404 and "No occupation has the code “0000”." in _text(r.text)
    units = isco_groups()
    untrained = next(c for c in units.loc[units["level"] == 4, "code"] if c not in trained)
    r = api.get(f"/occupations/{untrained}", params={"lang": "vi"})  # the cookie said en
    assert r.status_code == 404 and "chưa có chương trình đào tạo nào" in _text(r.text)
    code = sorted(trained)[0]
    for params in ({"province": "99"}, {"limit": "0"}, {"limit": "x"}, {"limit": "101"}):
        r = api.get(f"/occupations/{code}", params=params)
        assert r.status_code == 400, params
        assert '<html lang="vi">' in r.text
    assert api.get("/occupations", params={"province": "99"}).status_code == 400


def test_programme_page(api, world) -> None:  # noqa: F811
    prog = world["programmes"]
    active = prog[prog["active"].fillna(True).astype(bool)]
    key = active.groupby(["programme_code", "level"])["institution_id"].transform("nunique")
    pid = str(active[key > 1]["programme_id"].iloc[0])
    body = api.get(f"/api/v1/programmes/{pid}").json()
    for lang, texts in (("vi", VI), ("en", EN)):
        r = api.get(f"/programmes/{pid}", params={"lang": lang})
        assert r.status_code == 200, r.text
        html = r.text
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
        p = body["programme"]
        facts = _text(
            re.search(r'<dl class="facts" id="programme-facts">.*?</dl>', html, flags=re.S).group(0)
        )
        total = fmt_number(body["total_tuition_vnd"] / 1e6, lang, 1)
        assert texts["explore.million_total"].format(v=total) in facts
        year = fmt_number(p["tuition_vnd_per_year"] / 1e6, lang, 1)
        assert texts["unit.million_year"].format(v=year) in facts
        assert texts["explore.intake"] in facts and fmt_number(p["capacity"], lang) in facts
        assert texts[f"level.{p['level']}"] in facts
        occ_links = re.findall(r'href="/occupations/(\d{4})\?', _section(html, "occupations"))
        assert occ_links == p["target_occupations"].split(";")
        also = re.findall(r'<tr data-programme="([^"]+)">', _section(html, "also-at"))
        assert also == [a["programme_id"] for a in body["also_at"]] and also
        assert texts["explore.also_all"].format(n=body["also_at_total"]) in _text(
            _section(html, "also-at")
        )
        assert f'href="/stats/offering/{pid}?lang={lang}"' in html
        assert body["institution"][f"province_name_{lang}"] in _text(
            re.search(r'<p class="lead where" id="programme-where">.*?</p>', html).group(0)
        )
    r = api.get("/programmes/NO-SUCH")
    assert r.status_code == 404 and "“NO-SUCH”" in _text(r.text)
    assert api.get("/programmes/" + "x" * 65).status_code == 404


def test_cards_link_the_pages_and_the_pages_read_in_vietnamese(browser, live) -> None:
    with open_page(browser, 360, 780) as page:
        page.goto(live.url + "/")
        # what each of the six types means, after the questionnaire
        page.click("#riasec-types summary")
        types = page.inner_text("#riasec-types")
        for x in "riasec":
            assert VI[f"explore.riasec_about.{x}"] in types
        home = fill_learner(page, live.world)  # answers five of the six types
        body = submit(page)
        page.wait_for_selector("#riasec-shaped:not([hidden])")
        assert VI["explore.riasec_shaped_partial"] in page.inner_text("#riasec-shaped")
        assert all(it["interest_fit"] is None for it in body["items"])
        assert VI["explore.card_fit"] not in page.inner_text("#cards")
        page.click("label[for=q-e1-2]")  # the sixth type: now there is an interest fit
        with page.expect_response(lambda r: "/api/v1/programme-occupations" in r.url) as occ_resp:
            body = submit(page)
        assert occ_resp.value.status == 200
        # how the interests shaped the list (default weights: a near-tie breaker)
        expect(page.locator("#riasec-shaped")).to_contain_text(VI["explore.riasec_shaped_small"])
        first = body["items"][0]
        assert first["interest_fit"] is not None
        card = page.locator(f"#item-{first['programme_id']}")
        occ_line = card.locator(".card-occupations")
        occ_line.locator("a").first.wait_for()
        hrefs = occ_line.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        assert all(h.endswith(f"?lang=vi&province={home}") for h in hrefs)
        fit = f"{VI['explore.card_fit']}\n{round(first['interest_fit'] * 100)}%"
        assert fit in card.locator("dl.facts").inner_text()
        # "also at" on the card when the API returned alternatives
        with_alts = [it for it in body["items"] if it["alternatives"]]
        if with_alts:
            alt_card = page.locator(f"#item-{with_alts[0]['programme_id']}")
            alt_card.locator(".also-at summary").click()
            assert alt_card.locator(".also-at-list a").count() == len(with_alts[0]["alternatives"])
        shot(page, "explore-cards-vi")

        # the occupation page, from the card
        occ_code = hrefs[0].split("/occupations/")[1].split("?")[0]
        api_occ = page.request.get(
            f"{live.url}/api/v1/occupations/{occ_code}?province={home}"
        ).json()
        occ_line.locator("a").first.click()
        page.wait_for_url(f"**/occupations/{occ_code}?**")
        assert page.get_attribute("html", "lang") == "vi"
        name = api_occ["occupation"]["name_vi"] or api_occ["occupation"]["name_en"]
        assert page.inner_text("h1") == name
        assert VI["explore.work_h"] in page.inner_text("#work")
        letters = page.locator("#riasec-letters dt").all_inner_texts()
        assert len(letters) == len(api_occ["riasec"])
        assert letters[0].startswith(api_occ["riasec"][0]["letter"])
        assert api_occ["riasec"][0]["about_vi"] in page.inner_text("#riasec-letters")
        rows = page.locator("#near tbody tr")
        assert rows.count() == len(api_occ["programmes"])
        first_prog = api_occ["programmes"][0]
        cells = rows.first.locator("td").all_inner_texts()
        km = first_prog["distance_km"]
        assert cells[3] == (  # the home province says so; others are centre to centre
            VI["elig.in_province"]
            if km < 0.5
            else VI["elig.km_centres"].format(v=fmt_number(km, "vi", 0))
        )
        assert page.locator("#near-province").input_value() == home
        assert no_horizontal_scroll(page)
        assert axe_violations(page) == []
        shot(page, "explore-occupation-vi")

        # the programme page, from the list of programmes near the learner
        api_prog = page.request.get(
            f"{live.url}/api/v1/programmes/{first_prog['programme_id']}"
        ).json()
        rows.first.locator("a").click()
        page.wait_for_url(f"**/programmes/{first_prog['programme_id']}?**")
        assert page.inner_text("h1") == api_prog["programme"]["name_vi"]
        facts = page.inner_text("#programme-facts")
        total = fmt_number(api_prog["total_tuition_vnd"] / 1e6, "vi", 1)
        assert VI["explore.million_total"].format(v=total) in facts
        assert VI["level." + api_prog["programme"]["level"]] in facts
        assert api_prog["institution"]["province_name_vi"] in page.inner_text("#programme-where")
        occ_names = page.locator("#programme-occupations a").all_inner_texts()
        assert occ_names == [o["name_vi"] or o["name_en"] for o in api_prog["occupations"]]
        assert page.locator("#also-at tbody tr").count() == len(api_prog["also_at"])
        assert page.locator("#stats-link").get_attribute("href").startswith("/stats/offering/")
        assert no_horizontal_scroll(page)
        assert axe_violations(page) == []
        shot(page, "explore-programme-vi")

        # switching language re-renders the page in English
        with page.expect_navigation():  # explore.js reloads on the language switch
            page.click("[data-lang-toggle]")
        expect_en = api_prog["programme"]["name_en"] or api_prog["programme"]["name_vi"]
        expect(page.locator("h1")).to_have_text(expect_en)
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert EN["explore.facts_h"] in page.inner_text("#facts-h")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_occupation_list_page_in_chromium(browser, live, lang) -> None:
    with open_page(browser, 360, 780) as page:
        page.goto(f"{live.url}/occupations?lang={lang}")
        texts = VI if lang == "vi" else EN
        assert page.inner_text("h1") == texts["explore.list_h"]
        n = len(_trained(live.world))
        assert page.locator("#occupation-table tbody tr").count() == n
        assert no_horizontal_scroll(page)
        assert axe_violations(page) == []


def test_programme_page_shows_the_institutions_contact(api, world) -> None:  # noqa: F811
    """Contract v1.2: a catalogue load with the optional contact columns reaches the API
    and the page; an offering without them says the catalogue has none."""
    from guidance.store.catalogue import load_catalogue

    tables = {k: v.copy() for k, v in world.items()}
    prog = tables["programmes"]
    pid, other = str(prog["programme_id"].iloc[0]), str(prog["programme_id"].iloc[1])
    prog["institution_address"] = None
    prog["institution_phone"] = None
    prog["institution_website"] = None
    prog.loc[0, "institution_address"] = "Số 1, phố Nhổn, Hà Nội"
    prog.loc[0, "institution_phone"] = "+84 24 3765 1234"
    prog.loc[0, "institution_website"] = "https://example.edu.vn/tuyen-sinh"
    load_catalogue(api.seeded.engine, tables)
    inst = api.get(f"/api/v1/programmes/{pid}").json()["institution"]
    assert inst["address"] == "Số 1, phố Nhổn, Hà Nội"
    assert inst["phone"] == "+84 24 3765 1234"
    assert inst["website"] == "https://example.edu.vn/tuyen-sinh"
    html = api.get(f"/programmes/{pid}", params={"lang": "vi"}).text
    section = _section(html, "institution")
    assert VI["explore.address"] in section and "Số 1, phố Nhổn, Hà Nội" in _text(section)
    assert 'href="tel:+842437651234"' in section
    assert 'href="https://example.edu.vn/tuyen-sinh"' in section
    assert VI["explore.no_contact"] not in section
    html = api.get(f"/programmes/{other}", params={"lang": "vi"}).text
    assert VI["explore.no_contact"] in _section(html, "institution")
