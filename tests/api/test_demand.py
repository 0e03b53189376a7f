"""Demand reads and validated, atomic uploads (every bad upload changes nothing)."""

from __future__ import annotations

import pytest

from guidance.store.fingerprint import table_fingerprints as _all_fingerprints


def table_fingerprints(engine) -> dict:  # noqa: ANN001
    """Every table but ``jobs`` (an upload job records itself, whatever its outcome)."""
    return {k: v for k, v in _all_fingerprints(engine).items() if k != "jobs"}


HEADER = "period,province_code,occupation_code,vacancies,job_seekers,median_wage_vnd,source\n"


def wait_job(api, r, timeout: float = 60.0) -> dict:  # noqa: ANN001
    """The final state of the job that an upload's 202 answer ``r`` started."""
    import time

    assert r.status_code == 202, r.text
    body = r.json()
    assert r.headers["location"] == body["status_url"] == f"/api/v1/jobs/{body['job_id']}"
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        r = api.get(body["status_url"], headers=api.admin)
        assert r.status_code in (200, 429), r.text  # 429: polled past the key's rate
        job = r.json() if r.status_code == 200 else {}
        if job.get("status") in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.25)
    raise AssertionError(f"job not finished after {timeout} s: {job}")


def put_csv(api, period: str, raw: bytes):  # noqa: ANN001, ANN201
    return api.put(
        f"/api/v1/demand/{period}", content=raw, headers={**api.admin, "Content-Type": "text/csv"}
    )


def _valid_csv(world, period: str, scale: int = 2) -> str:
    from tests.api.conftest import newest_demand

    d = newest_demand(world, 1)
    lines = [HEADER]
    for r in d.itertuples():
        seekers = (
            "" if r.job_seekers is None or r.job_seekers != r.job_seekers else str(r.job_seekers)
        )
        lines.append(
            f"{period},{r.province_code},{r.occupation_code},"
            f"{int(r.vacancies) * scale},{seekers},,tải lên\n"
        )
    return "".join(lines)


def test_get_demand_filters_and_defaults_to_newest(api, world):
    r = api.get("/api/v1/demand")
    assert r.status_code == 200
    body = r.json()
    assert body["period"] == api.seeded.periods[-1] and body["total"] > 0
    row = body["items"][0]
    r2 = api.get(
        "/api/v1/demand",
        params={
            "province": row["province_code"],
            "occupation": row["occupation_code"],
            "period": row["period"],
        },
    )
    assert r2.json()["total"] == 1 and r2.json()["items"][0] == row
    assert api.get("/api/v1/demand", params={"period": "2024-13"}).status_code == 422


def test_valid_upload_replaces_period_and_recommender_switches(api, world, learner):
    new = "2031-01"
    before = api.post("/api/v1/recommendations", json={"profile": learner}).json()
    assert before["demand_period"] == api.seeded.periods[-1]
    csv = _valid_csv(world, new)
    r = api.put(
        f"/api/v1/demand/{new}",
        content=csv.encode(),
        headers={**api.admin, "Content-Type": "text/csv"},
    )
    job = wait_job(api, r)
    assert job["status"] == "succeeded", job
    out = job["result"]
    assert out["row_count"] == csv.count("\n") - 1 and not out["replaced"]
    assert out["serving_demand_period"] == new
    after = api.post("/api/v1/recommendations", json={"profile": learner}).json()
    assert after["demand_period"] == new  # no restart needed
    got = api.get("/api/v1/demand", params={"period": new}).json()
    assert got["total"] == out["row_count"] and got["items"][0]["source"] == "tải lên"
    # same bytes again: the same content hash, no duplicate rows
    r2 = api.put(
        f"/api/v1/demand/{new}",
        content=csv.encode(),
        headers={**api.admin, "Content-Type": "text/csv"},
    )
    out2 = wait_job(api, r2)["result"]
    assert out2["replaced"] and out2["content_hash"] == out["content_hash"]
    assert api.get("/api/v1/demand", params={"period": new}).json()["total"] == out["row_count"]


def _bad_uploads(world) -> dict[str, bytes]:
    good = _valid_csv(world, "2031-02").splitlines(keepends=True)
    body = good[1:4]
    row = body[0].split(",")
    return {
        "empty": b"",
        "header_only": HEADER.encode(),
        "missing_column": (b"period,province_code,occupation_code\n2031-02,01,7411\n"),
        "negative": (HEADER + ",".join(row[:3] + ["-5"] + row[4:])).encode(),
        "not_a_number": (HEADER + ",".join(row[:3] + ["nhiều"] + row[4:])).encode(),
        "duplicate_key": (HEADER + body[0] + body[0]).encode(),
        "unknown_occupation": (HEADER + ",".join(row[:2] + ["9999"] + row[3:])).encode(),
        "unknown_province": (HEADER + ",".join(row[:1] + ["99"] + row[2:])).encode(),
        "other_period": (HEADER + "".join(body) + body[0].replace("2031-02", "2031-03")).encode(),
        "bad_period": (HEADER + body[0].replace("2031-02", "2031-2")).encode(),
        "not_utf8": (HEADER + body[0].replace("tải lên", "t\xe1i")).encode("latin-1"),
        "formula": (HEADER + ",".join(row[:3] + ["=HYPERLINK(1)"] + row[4:])).encode(),
        "wrong_delimiter": (HEADER + "".join(body)).replace(",", ";").encode(),
    }


def test_bad_uploads_are_422_with_every_problem_and_change_nothing(api, world):
    engine = api.seeded.engine
    before = table_fingerprints(engine)
    for name, raw in _bad_uploads(world).items():
        r = api.put(
            "/api/v1/demand/2031-02", content=raw, headers={**api.admin, "Content-Type": "text/csv"}
        )
        if name == "empty":  # refused at once, no job
            assert r.status_code == 422, (name, r.status_code, r.text[:300])
            details = r.json()["error"]["details"]
        else:  # the job fails with the 422-style error list
            job = wait_job(api, r)
            assert job["status"] == "failed", (name, job)
            assert "nothing was changed" in job["message"]
            details = job["errors"]
            assert job["error_count"] >= len(details)
        assert details and all({"row", "column", "rule", "message"} <= set(d) for d in details)
        assert table_fingerprints(engine) == before, name
    # every bad row is listed, not only the first
    rows = [
        ",".join(["2031-02", "01", "7411", "-1", "", "", ""]) + "\n",
        ",".join(["2031-02", "01", "7412", "-2", "", "", ""]) + "\n",
    ]
    r = api.put(
        "/api/v1/demand/2031-02",
        content=(HEADER + "".join(rows)).encode(),
        headers={**api.admin, "Content-Type": "text/csv"},
    )
    neg = [d for d in wait_job(api, r)["errors"] if d["rule"] == "range"]
    # spreadsheet rows: the header is row 1, so the two data rows are rows 2 and 3
    assert sorted(d["row"] for d in neg) == [2, 3] and all(d["column"] == "vacancies" for d in neg)
    assert {d["message_vi"] for d in neg} == {"-1 nhỏ hơn 0", "-2 nhỏ hơn 0"}
    assert {d["message_en"] for d in neg} == {"-1 is below 0", "-2 is below 0"}
    assert not any("line" in d["message"] for d in neg)
    assert table_fingerprints(engine) == before


def test_upload_needs_admin_and_a_valid_period(api, world):
    csv = _valid_csv(world, "2031-04").encode()
    assert api.put("/api/v1/demand/2031-04", content=csv).status_code == 401
    assert api.put("/api/v1/demand/2031-04", content=csv, headers=api.counsellor).status_code == 403
    assert api.put("/api/v1/demand/2031-4", content=csv, headers=api.admin).status_code == 422


@pytest.mark.parametrize("size", [2048])
def test_upload_over_the_limit_is_413(seeded, model_path, tmp_path, size):
    from fastapi.testclient import TestClient
    from tests.api.conftest import make_settings

    from guidance.api.app import create_app

    app = create_app(make_settings(tmp_path, seeded.url, model_path, max_upload_bytes=size))
    with TestClient(app) as client:
        before = table_fingerprints(seeded.engine)
        r = client.put(
            "/api/v1/demand/2031-05",
            content=HEADER.encode() * 100,
            headers={"X-API-Key": seeded.admin_key, "Content-Type": "text/csv"},
        )
        assert r.status_code == 413
        assert table_fingerprints(seeded.engine) == before
