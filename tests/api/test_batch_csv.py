"""The class-list CSV of ``POST /recommendations/batch``, read by the one row parser: every
error at once with spreadsheet row, column and rule in both languages, capped at 200 with
the full count; an unknown province names its row; Excel's ``1`` is province ``01``."""

from __future__ import annotations

from guidance.recommend.learner_rows import MAX_ERRORS

URL = "/api/v1/recommendations/batch"
HEAD = "learner_id,age,home_province_code,education_level"


def _post(api, text: str):  # noqa: ANN001, ANN202
    return api.post(
        URL, content=text.encode(), headers={**api.counsellor, "Content-Type": "text/csv"}
    )


def test_every_error_capped_with_the_total(api, learner):
    home = learner["home_province_code"]
    rows = "".join(f"l{i},x,{home},12\n" for i in range(MAX_ERRORS + 50))
    r = _post(api, f"{HEAD}\n{rows}1,17,98,12\n")
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["details_total"] == MAX_ERRORS + 51 and err["details_truncated"] is True
    assert len(err["details"]) == MAX_ERRORS
    first = err["details"][0]
    assert (first["row"], first["column"], first["rule"]) == (2, "age", "whole_number")
    assert first["message_vi"] == "phải là số nguyên (đang là 'x')"
    assert first["message_en"] == "must be a whole number (got 'x')"


def test_unknown_province_names_the_row_and_short_codes_are_padded(api, learner):
    home = learner["home_province_code"]
    r = _post(api, f"{HEAD}\na,17,{home},12\nb,17,98,12\n")
    assert r.status_code == 422, r.text
    (d,) = r.json()["error"]["details"]
    assert (d["row"], d["column"], d["rule"]) == (3, "home_province_code", "known_province")
    assert "'98'" in d["message_vi"] and "learner 1" not in r.text
    if home.startswith("0"):
        r = _post(api, f"{HEAD}\na,17,{int(home)},12\n")
        assert r.status_code == 200, r.text
