"""Every 422 detail says its rule in English (``msg``) and Vietnamese (``msg_vi``), with the
schema's limits and without the submitted value."""

from __future__ import annotations

from guidance.api.errors import rule_vi


def test_rule_vi_reads_the_limit_from_the_context():
    assert rule_vi({"type": "less_than_equal", "ctx": {"le": 70}}) == "phải nhỏ hơn hoặc bằng 70"
    assert rule_vi({"type": "string_too_long", "ctx": {"max_length": 16}}) == (
        "không được dài quá 16 ký tự"
    )
    # a context without the limit (pydantic asked not to include it): the rule alone
    assert rule_vi({"type": "less_than_equal"}) == "phải nhỏ hơn hoặc bằng"
    assert rule_vi({"type": "literal_error"}) == "phải là một trong các giá trị"
    expected = {"type": "literal_error", "ctx": {"expected": "'so_cap' or 'cao_dang'"}}
    assert rule_vi(expected) == "phải là một trong các giá trị: 'so_cap' hoặc 'cao_dang'"


def test_rule_vi_of_a_custom_or_unknown_error():
    both = {"type": "education_level", "msg": "must be one of 5, 9 / phải là 5 hoặc 9"}
    assert rule_vi(both) == "phải là 5 hoặc 9"
    assert rule_vi({"type": "something_new", "msg": "x"}) == "giá trị không hợp lệ (something_new)"


def test_request_validation_details_are_in_both_languages(api, learner):
    body = {
        "profile": {**learner, "age": 200, "unknown_field": 1},
        "preferences": {"provinces": ["0" * 40]},
    }
    r = api.post("/api/v1/recommendations", json=body)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert "yêu cầu không hợp lệ" in err["message"]
    by_loc = {tuple(d["loc"][-2:]): d for d in err["details"]}
    assert by_loc[("profile", "age")]["msg_vi"] == "phải nhỏ hơn hoặc bằng 70"
    assert by_loc[("profile", "unknown_field")]["msg_vi"] == "trường này không được phép"
    long_code = next(d for d in err["details"] if "provinces" in d["loc"])
    # one code of the list is too long: said of the code's characters, not the list's items
    assert long_code["type"] == "string_too_long"
    assert long_code["msg_vi"] == "không được dài quá 16 ký tự"
    assert "0" * 40 not in r.text  # the value itself is never echoed
    for d in err["details"]:
        assert d["msg"] and d["msg_vi"] and d["type"]


def test_missing_field_and_bad_json_are_explained_in_vietnamese(api):
    r = api.post("/api/v1/recommendations", json={"profile": {}})
    assert r.status_code == 422
    assert any(d["msg_vi"] == "thiếu trường bắt buộc" for d in r.json()["error"]["details"])
    r = api.post(
        "/api/v1/recommendations",
        content=b'{"profile": {"age": 1',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["msg_vi"] == "nội dung không phải JSON hợp lệ"
