"""Pre-2025 province codes and JSON numbers through the real app (issue 16 §1): an old code
(``49``, Quảng Nam) is read as its 2025 province with a note saying so (vi and en); a JSON
number (``40``) is a code; an unknown code is a 422 naming the field."""

from __future__ import annotations


def _post(api, profile: dict, prefs: dict | None = None):  # noqa: ANN001, ANN202
    body = {"profile": profile, "k": 3} | ({"preferences": prefs} if prefs else {})
    return api.post("/api/v1/recommendations", json=body)


def test_old_codes_and_json_numbers_are_read_and_said(api, learner):
    r = _post(api, {**learner, "home_province_code": 49}, {"provinces": [49, "1"]})
    assert r.status_code == 200, r.text
    body = r.json()
    notes_vi, notes_en = body["notes_vi"], body["notes_en"]
    assert len(notes_vi) == 2 and len(notes_en) == 2  # home, and the list entry
    assert "Mã tỉnh cũ 49 (Quảng Nam)" in notes_vi[0] and "48 (Đà Nẵng)" in notes_vi[0]
    assert "home_province_code" in notes_en[0] and "(Da Nang)" in notes_en[0]
    assert all(it["province_code"] in ("48", "01") for it in body["items"])

    r = _post(api, {**learner, "home_province_code": 40})  # a 2025 code as a JSON number
    assert r.status_code == 200, r.text
    assert r.json()["notes_vi"] == [] and r.json()["notes_en"] == []


def test_unknown_code_is_a_422_naming_the_field(api, learner):
    for bad in ("99", 99, "4x"):
        r = _post(api, {**learner, "home_province_code": bad})
        assert r.status_code == 422, (bad, r.text)
        assert "home_province_code" in r.text
    r = _post(api, learner, {"provinces": ["77", "123"]})  # 77 (Bà Rịa–Vũng Tàu) maps; 123 not
    assert r.status_code == 422 and "provinces" in r.text
