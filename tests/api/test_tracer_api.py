"""The tracer database over HTTP, on both engines: submissions as CSV, XLSX and JSON (sync
and as jobs), versions, every error with an annotated error file, who may see what
(institution A, institution B, counsellor, admin, public), withdrawal, deletion, national
coverage, and hostile files refused with nothing written."""

from __future__ import annotations

import csv
import io
import json
import time

from sqlalchemy import select

from guidance.api.limits import XLSX
from guidance.store.fingerprint import table_fingerprints as _all_fingerprints

API = "/api/v1"
HEAD = (
    "learner_ref,programme_id,survey_status,employed,employment_type,monthly_wage_vnd,"
    "home_province_code"
)
COHORT = "2025-06"


def fingerprints(engine) -> dict:  # noqa: ANN001
    """Every table but those a refused upload writes by design: ``jobs`` (the job records
    itself), ``audit_log`` (the request is audited) and ``tracer_error_files`` (the
    annotated copy)."""
    return {
        k: v
        for k, v in _all_fingerprints(engine).items()
        if k not in ("jobs", "audit_log", "tracer_error_files")
    }


def programmes(world, institution: str) -> list[str]:  # noqa: ANN001
    p = world["programmes"]
    return sorted(p.loc[p["institution_id"] == institution, "programme_id"].astype(str))


def rows_csv(
    prog: str, refs: range | list[int], *, wage: dict | None = None, head: str = HEAD
) -> bytes:
    wage = wage or {}
    lines = [head] + [
        f"RAWREF{i:05d},{prog},responded,yes,formal,{wage.get(i, 6_000_000)},01" for i in refs
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def put(
    api,
    inst: str,
    body: bytes,
    media: str = "text/csv",
    headers: dict | None = None,  # noqa: ANN001, ANN201
    cohort: str = COHORT,
    wave: str = "12m",
    prefer: bool = False,
    **params,
):
    h = {**(headers if headers is not None else api.admin), "Content-Type": media}
    if prefer:
        h["Prefer"] = "respond-async"
    return api.put(
        f"{API}/institutions/{inst}/tracer/{cohort}/{wave}", content=body, headers=h, params=params
    )


def wait_job(api, r, headers: dict, timeout: float = 60.0) -> dict:  # noqa: ANN001
    assert r.status_code == 202, r.text
    body = r.json()
    assert r.headers["location"] == body["status_url"] == f"{API}/jobs/{body['job_id']}"
    t0 = time.monotonic()
    job: dict = {}
    while time.monotonic() - t0 < timeout:
        g = api.get(body["status_url"], headers=headers)
        assert g.status_code in (200, 429), g.text
        job = g.json() if g.status_code == 200 else {}
        if job.get("status") in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job not finished after {timeout} s: {job}")


def xlsx(rows: list[list]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def audit_rows(api) -> list[dict]:  # noqa: ANN001
    from guidance.store.audit import AUDIT

    assert api.app.state.ctx.audit.flush()
    with api.seeded.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(AUDIT).order_by(AUDIT.c.id))]


def all_text(api) -> str:  # noqa: ANN001
    """Every row of every table as text (to prove no raw reference was stored)."""
    from guidance.store.schema import metadata

    out = []
    with api.seeded.engine.connect() as conn:
        for t in metadata.sorted_tables:
            out.extend(repr(tuple(r)) for r in conn.execute(select(t)))
    return "\n".join(out)


def test_csv_xlsx_and_json_are_stored_and_resubmission_makes_versions(api, world):
    from guidance.store.tracer import events
    from guidance.tracer.schema import VI

    a = api.seeded.institution_a
    prog = programmes(world, a)[0]
    r = put(api, a, rows_csv(prog, range(5)), headers=api.institution_a, filename="đợt 1.csv")
    assert r.status_code == 200, r.text
    v1 = r.json()
    assert (v1["institution_id"], v1["cohort"], v1["wave"], v1["version"], v1["kind"]) == (
        a,
        COHORT,
        "12m",
        1,
        "records",
    )
    assert (v1["rows"], v1["added"], v1["changed"], v1["removed"]) == (5, 5, 0, 0)
    # refs 0, 1 removed; 5, 6 added; 2 changed
    r = put(api, a, rows_csv(prog, range(2, 7), wage={2: 7_000_000}), headers=api.institution_a)
    v2 = r.json()
    assert r.status_code == 200 and v2["version"] == 2, r.text
    assert (v2["rows"], v2["added"], v2["changed"], v2["removed"]) == (5, 2, 1, 2)
    # both versions readable, pseudonyms only
    old = api.get(f"{API}/institutions/{a}/tracer/{COHORT}/12m/1", headers=api.institution_a)
    assert old.status_code == 200 and old.json()["total"] == 5
    assert all(len(i["pseudonym"]) == 64 for i in old.json()["items"])
    page = api.get(
        f"{API}/institutions/{a}/tracer/{COHORT}/12m/2",
        params={"limit": 2, "offset": 4},
        headers=api.institution_a,
    ).json()
    assert page["total"] == 5 and len(page["items"]) == 1 and page["version"] == 2
    assert "RAWREF" not in old.text
    # XLSX with the template's Vietnamese headings
    body = xlsx(
        [
            [VI["learner_ref"], VI["programme_id"], VI["survey_status"], VI["employed"]],
            ["RAWREF90001", prog, "responded", "có"],
            ["RAWREF90002", prog, "no_response", None],
        ]
    )
    r = put(api, a, body, XLSX, headers=api.institution_a, wave="6m")
    assert r.status_code == 200, r.text
    assert (r.json()["version"], r.json()["rows"], r.json()["wave"]) == (1, 2, "6m")
    # JSON records
    recs = [{"learner_ref": "RAWREF80001", "programme_id": prog, "survey_status": "refused"}]
    r = put(api, a, json.dumps(recs).encode(), "application/json", cohort="2024-12")
    assert r.status_code == 200 and r.json()["rows"] == 1, r.text
    listing = api.get(f"{API}/institutions/{a}/tracer", headers=api.institution_a).json()
    assert listing["total"] == 4
    assert [(i["cohort"], i["wave"], i["version"]) for i in listing["items"]] == [
        ("2024-12", "12m", 1),
        (COHORT, "6m", 1),
        (COHORT, "12m", 2),
        (COHORT, "12m", 1),
    ]
    # audited (route, role, key: no identifiers) and in the tracer events
    puts = [x for x in audit_rows(api) if x["route"].startswith("PUT /api/v1/institutions")]
    assert [x["status"] for x in puts] == [200, 200, 200, 200]
    assert {x["role"] for x in puts} == {"institution", "admin"}
    assert [e["action"] for e in events(api.seeded.engine)] == ["submit"] * 4
    assert "RAWREF" not in all_text(api)


def test_bad_file_is_422_with_every_error_and_an_error_file(api, world):
    a, b = api.seeded.institution_a, api.seeded.institution_b
    prog, other = programmes(world, a)[0], programmes(world, b)[0]
    before = fingerprints(api.seeded.engine)
    body = (
        "\n".join(
            [
                HEAD,
                f"RAWREF00001,{prog},responded,yes,formal,abc,01",
                f"RAWREF00002,{other},responded,yes,formal,100,01",
                f"RAWREF00003,{prog},maybe,,,,01",
            ]
        )
        + "\n"
    ).encode()
    r = put(api, a, body, headers=api.institution_a, filename="truong A.csv")
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "validation_error" and "3" in err["message"]
    got = {(d["row"], d["column"], d["rule"]) for d in err["details"]}
    assert got == {
        (2, "monthly_wage_vnd", "type"),
        (3, "programme_id", "offering"),
        (4, "survey_status", "enum"),
    }
    assert all(
        d["message_vi"] and d["message_en"] and d["message_vi"] != d["message_en"]
        for d in err["details"]
    )
    assert "RAWREF" not in r.text
    # the annotated copy: the clerk's rows, pseudonyms, an error column naming each problem
    f = api.get(err["error_file_url"], headers=api.institution_a)
    assert f.status_code == 200 and f.headers["content-type"].startswith("text/csv")
    assert 'filename="truong_A-errors.csv"' in f.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(f.content.decode("utf-8-sig"))))
    assert table[0][-1] == "Lỗi / Errors" and len(table) == 4
    assert "monthly_wage_vnd" in table[1][-1] and "programme_id" in table[2][-1]
    assert "survey_status" in table[3][-1]
    assert "RAWREF" not in f.text and len(table[1][0]) == 64
    # an XLSX upload gets an XLSX error file
    bad = xlsx([["learner_ref", "programme_id", "survey_status"], ["RAWREF00009", prog, "=1+1"]])
    r = put(api, a, bad, XLSX, headers=api.institution_a)
    assert r.status_code == 422
    assert [(d["row"], d["column"], d["rule"]) for d in r.json()["error"]["details"]] == [
        (2, "survey_status", "formula")
    ]
    f = api.get(r.json()["error"]["error_file_url"], headers=api.institution_a)
    assert f.status_code == 200 and f.headers["content-type"] == XLSX
    import openpyxl

    ws = openpyxl.load_workbook(io.BytesIO(f.content)).active
    cells = [list(row) for row in ws.iter_rows(values_only=True)]
    assert cells[0][-1] == "Lỗi / Errors" and "survey_status" in cells[1][-1]
    assert "RAWREF" not in repr(cells)
    assert fingerprints(api.seeded.engine) == before
    assert [x["status"] for x in audit_rows(api) if x["route"].startswith("PUT")] == [422, 422]


def test_many_errors_are_capped_with_the_exact_total(api, world):
    a = api.seeded.institution_a
    prog = programmes(world, a)[0]
    body = rows_csv(prog, range(1500), wage=dict.fromkeys(range(1500), "bad"))
    r = put(api, a, body)
    assert r.status_code == 422
    err = r.json()["error"]
    assert len(err["details"]) == 1000 and err["details_total"] == 1500
    assert err["details_truncated"] is True


def test_async_submission_and_refusal_as_jobs(api, world):
    a, b = api.seeded.institution_a, api.seeded.institution_b
    prog = programmes(world, a)[0]
    r = put(api, a, rows_csv(prog, range(7)), headers=api.institution_a, prefer=True)
    job = wait_job(api, r, api.institution_a)
    assert job["kind"] == "tracer_submission" and job["status"] == "succeeded", job
    res = job["result"]
    assert (res["version"], res["rows"], res["added"], res["institution_id"]) == (1, 7, 7, a)
    assert job["progress_done"] == 7
    # another institution cannot see or cancel it; a cancel after the commit is 409
    assert api.get(r.json()["status_url"], headers=api.institution_b).status_code == 404
    assert (
        api.post(r.json()["status_url"] + "/cancel", headers=api.institution_b).status_code == 404
    )
    assert (
        api.post(r.json()["status_url"] + "/cancel", headers=api.institution_a).status_code == 409
    )
    rows = api.get(f"{API}/institutions/{a}/tracer/{COHORT}/12m/1", headers=api.admin).json()
    assert rows["total"] == 7
    # a body above the sync threshold is a job without being asked
    before = fingerprints(api.seeded.engine)
    api.app.state.ctx.settings.tracer_sync_max_bytes = 100
    bad = rows_csv(programmes(world, b)[0], range(3))  # B's programme in A's submission
    r = put(api, a, bad, headers=api.institution_a)
    job = wait_job(api, r, api.institution_a)
    assert job["status"] == "failed" and job["error_count"] == 3
    assert {(e["row"], e["column"], e["rule"]) for e in job["errors"]} == {
        (2, "programme_id", "offering"),
        (3, "programme_id", "offering"),
        (4, "programme_id", "offering"),
    }
    assert all(e["message_vi"] and e["message_en"] for e in job["errors"])
    url = job["result"]["error_file_url"]
    f = api.get(url, headers=api.institution_a)
    assert f.status_code == 200 and "programme_id" in f.content.decode("utf-8-sig")
    assert api.get(url, headers=api.institution_b).status_code == 404
    assert fingerprints(api.seeded.engine) == before
    # an unreadable file ends the job failed with the reason, and no error file
    job = wait_job(
        api,
        put(api, a, "x,y\n".encode("utf-16"), headers=api.institution_a, prefer=True),
        api.institution_a,
    )
    assert job["status"] == "failed" and "UTF-16" in job["errors"][0]["message_en"]
    assert job["result"]["error_file_url"] is None


def test_who_sees_what(api, world):
    """Institution A never sees B's submissions, coverage, error files or jobs (404, not
    403: existence is not revealed); counsellors 403; no key 401; admins see all."""
    a, b = api.seeded.institution_a, api.seeded.institution_b
    r = put(api, b, rows_csv(programmes(world, b)[0], range(3)), headers=api.institution_b)
    assert r.status_code == 200, r.text
    bad = put(
        api, b, rows_csv(programmes(world, a)[0], range(2)), headers=api.institution_b, wave="6m"
    )
    err_url = bad.json()["error"]["error_file_url"]
    job = put(
        api,
        b,
        rows_csv(programmes(world, b)[0], range(2)),
        headers=api.institution_b,
        cohort="2025-01",
        prefer=True,
    )
    assert wait_job(api, job, api.institution_b)["status"] == "succeeded"
    job_url = job.json()["status_url"]
    base = f"{API}/institutions/{b}/tracer"
    calls = [
        ("GET", base, None),
        ("GET", f"{base}/coverage", None),
        ("GET", f"{base}/{COHORT}/12m/1", None),
        ("GET", err_url, None),
        ("POST", f"{base}/{COHORT}/12m/withdraw", {"reason": "x"}),
        ("PUT", f"{base}/{COHORT}/12m", None),
        ("GET", job_url, None),
        ("POST", job_url + "/cancel", None),
    ]
    for method, url, body in calls:
        kw = {"json": body} if body else {}
        if method == "PUT":
            kw = {"content": rows_csv(programmes(world, b)[0], range(1))}
        r = api.request(
            method,
            url,
            headers={**api.institution_a, "Content-Type": "text/csv"}
            if method == "PUT"
            else api.institution_a,
            **kw,
        )
        assert r.status_code == 404, (method, url, r.status_code, r.text)
        assert b not in r.json()["error"]["message"]
        if "/jobs/" not in url:
            assert api.request(method, url, headers=api.counsellor, **kw).status_code == 403
            assert api.request(method, url, **kw).status_code == 401
    # an unknown institution: 404 for its own key's neighbour and for an admin's PUT
    assert api.get(f"{API}/institutions/NOPE/tracer", headers=api.institution_a).status_code == 404
    assert put(api, "NOPE", rows_csv("P1", range(1))).status_code == 404
    # admin-only routes
    for url in (f"{API}/tracer/coverage", f"{API}/tracer/submissions"):
        assert api.get(url, headers=api.institution_a).status_code == 403
        assert api.get(url, headers=api.counsellor).status_code == 403
        assert api.get(url).status_code == 401
    assert (
        api.post(
            f"{API}/tracer/forget", json={"learner_ref": "x"}, headers=api.institution_a
        ).status_code
        == 403
    )
    # A's own views do not mention B; the admin sees B's
    assert api.get(f"{API}/institutions/{a}/tracer", headers=api.institution_a).json() == {
        "total": 0,
        "items": [],
    }
    assert api.get(f"{API}/institutions/{a}/tracer/coverage", headers=api.institution_a).json() == {
        "items": []
    }
    assert api.get(base, headers=api.admin).json()["total"] == 2
    assert api.get(err_url, headers=api.admin).status_code == 200
    assert api.get(job_url, headers=api.admin).status_code == 200
    subs = api.get(
        f"{API}/tracer/submissions", params={"institution_id": b}, headers=api.admin
    ).json()
    assert subs["total"] == 2 and {i["institution_id"] for i in subs["items"]} == {b}
    # templates for institutions and admins
    for fmt, ctype in (("xlsx", XLSX), ("csv", "text/csv")):
        t = api.get(
            f"{API}/tracer/template",
            params={"format": fmt, "kind": "aggregates"},
            headers=api.institution_a,
        )
        assert t.status_code == 200 and t.headers["content-type"].startswith(ctype)
        assert "attachment" in t.headers["content-disposition"]
    assert "graduates" in t.content.decode("utf-8-sig")
    assert api.get(f"{API}/tracer/template", headers=api.counsellor).status_code == 403


def test_withdraw_forget_and_national_coverage(api, world):
    from guidance.store.tracer import events

    a, b = api.seeded.institution_a, api.seeded.institution_b
    prog = programmes(world, a)[0]
    body = rows_csv(prog, range(4)) + f"RAWREF00009,{prog},unreachable,,,,01\n".encode()
    assert put(api, a, body, headers=api.institution_a).status_code == 200
    assert put(api, a, rows_csv(prog, range(3)), headers=api.institution_a).status_code == 200
    assert (
        put(
            api,
            b,
            rows_csv(programmes(world, b)[0], [1, 100]),
            headers=api.institution_b,
            cohort="2024-06",
            wave="6m",
        ).status_code
        == 200
    )
    cov = api.get(f"{API}/institutions/{a}/tracer/coverage", headers=api.institution_a).json()
    assert [(c["version"], c["graduates_known"], c["responded"]) for c in cov["items"]] == [
        (2, 3, 3)
    ]
    # the institution withdraws its current version: version 1 is current again
    w = api.post(
        f"{API}/institutions/{a}/tracer/{COHORT}/12m/withdraw",
        json={"reason": "sai số liệu"},
        headers=api.institution_a,
    )
    assert w.status_code == 200 and w.json()["version"] == 2, w.text
    items = api.get(f"{API}/institutions/{a}/tracer", headers=api.institution_a).json()["items"]
    assert [(i["version"], i["withdrawn"], i["withdrawn_reason"]) for i in items] == [
        (2, True, "sai số liệu"),
        (1, False, None),
    ]
    cov = api.get(f"{API}/institutions/{a}/tracer/coverage", headers=api.institution_a).json()
    c = cov["items"][0]
    assert (c["version"], c["graduates_known"], c["surveyed"], c["responded"]) == (1, 5, 4, 4)
    assert c["response_rate"] == 0.8
    # national: every institution × every submitted (cohort, wave)
    nat = api.get(f"{API}/tracer/coverage", headers=api.admin).json()
    n_inst = world["programmes"]["institution_id"].nunique()
    assert nat["institutions"] == n_inst and nat["cohort_waves"] == ["2024-06 6m", f"{COHORT} 12m"]
    assert len(nat["items"]) == 2 * n_inst
    by = {(i["institution_id"], i["cohort"], i["wave"]): i for i in nat["items"]}
    assert by[(a, COHORT, "12m")]["status"] == "submitted"
    assert by[(a, "2024-06", "6m")]["status"] == "missing"
    assert by[(b, COHORT, "12m")]["status"] == "missing"
    assert by[(b, "2024-06", "6m")]["status"] == "submitted"
    assert by[(b, "2024-06", "6m")]["graduates_known"] == 2
    assert nat["submitted"] == 2 and nat["missing"] == 2 * n_inst - 2
    # an admin withdraws the rest: "withdrawn"; nothing left: 404
    w = api.post(
        f"{API}/institutions/{a}/tracer/{COHORT}/12m/withdraw",
        json={"reason": "trùng", "version": 1},
        headers=api.admin,
    )
    assert w.status_code == 200 and w.json()["version"] == 1
    assert (
        api.post(
            f"{API}/institutions/{a}/tracer/{COHORT}/12m/withdraw",
            json={"reason": "x"},
            headers=api.admin,
        ).status_code
        == 404
    )
    # a blank reason (or reference) is refused by the schema's rule, naming the field
    blank = api.post(
        f"{API}/institutions/{a}/tracer/{COHORT}/12m/withdraw",
        json={"reason": " \r\n\t"},
        headers=api.admin,
    )
    assert blank.status_code == 422, blank.text
    assert ["body", "reason"] in [d["loc"] for d in blank.json()["error"]["details"]], blank.text
    blank = api.post(f"{API}/tracer/forget", json={"learner_ref": "\r"}, headers=api.admin)
    assert blank.status_code == 422, blank.text
    assert ["body", "learner_ref"] in [d["loc"] for d in blank.json()["error"]["details"]], (
        blank.text
    )
    nat = api.get(f"{API}/tracer/coverage", headers=api.admin).json()
    row = next(i for i in nat["items"] if (i["institution_id"], i["cohort"]) == (a, COHORT))
    assert row["status"] == "withdrawn" and row["graduates_known"] is None
    # a graduate's deletion request: every row of theirs, in every version and institution
    # (A's two versions, B's one), the reference matched as the reader normalises it
    r = api.post(f"{API}/tracer/forget", json={"learner_ref": " rawref00001 "}, headers=api.admin)
    assert r.status_code == 200 and r.json() == {"rows_deleted": 3}
    assert api.post(
        f"{API}/tracer/forget", json={"learner_ref": "RAWREF00001"}, headers=api.admin
    ).json() == {"rows_deleted": 0}
    v1 = api.get(f"{API}/institutions/{a}/tracer/{COHORT}/12m/1", headers=api.admin).json()
    assert v1["total"] == 4 and v1["withdrawn"] is True
    vb = api.get(f"{API}/institutions/{b}/tracer/2024-06/6m/1", headers=api.admin).json()
    assert vb["total"] == 1
    acts = [e["action"] for e in events(api.seeded.engine)]
    assert acts == ["submit"] * 3 + ["withdraw", "withdraw", "forget", "forget"]
    audit = audit_rows(api)
    assert [(x["role"], x["status"]) for x in audit if x["route"].endswith("/withdraw")] == [
        ("institution", 200),
        ("admin", 200),
        ("admin", 404),
    ]
    assert [x["status"] for x in audit if x["route"].endswith("/forget")] == [200, 200]
    text = all_text(api)
    assert "RAWREF" not in text and "rawref" not in text


def _bad_inputs(prog: str) -> list[tuple]:
    """(name, body, media type, status, words in the answer, (row, column, rule) or None)."""
    row = f"S1,{prog},responded,yes,formal,1,01"
    return [
        ("wrong header", b"foo,bar\n1,2\n", "text/csv", 422, "required column", None),
        ("utf-16", (HEAD + "\n" + row + "\n").encode("utf-16"), "text/csv", 422, "UTF-16", None),
        (
            "windows-1258",
            (HEAD + "\nHà Bà," + prog + ",responded,,,,01\n").encode("cp1258"),
            "text/csv",
            422,
            "Windows-1258",
            None,
        ),
        ("empty", b"", "text/csv", 422, "empty", None),
        ("header only", (HEAD + "\n").encode(), "text/csv", 422, "no rows", None),
        ("binary", b"\x00\x01\x02binary", "text/csv", 422, "binary", None),
        (
            "NUL late in the text",
            (HEAD + "\n" + row + "\n").encode() * 200 + b"S9\x00\n",
            "text/csv",
            422,
            "NUL bytes",
            None,
        ),
        (
            "NUL escaped in JSON",
            b'[{"learner_ref": "a\\u0000"}]',
            "application/json",
            422,
            "NUL bytes",
            None,
        ),
        ("binary as xlsx", b"\x00\x01\x02binary", XLSX, 422, "not an XLSX", None),
        ("damaged xlsx", b"PK\x03\x04" + b"\x00" * 100, XLSX, 422, "cannot be opened", None),
        ("old xls", b"\xd0\xcf\x11\xe0" + b"x" * 100, "text/csv", 422, ".xls", None),
        (
            "duplicate column",
            (HEAD + ",programme_id\n" + row + ",x\n").encode(),
            "text/csv",
            422,
            "twice",
            None,
        ),
        (
            "typo in optional header",
            (HEAD + ",job_provnce_code\n" + row + ",01\n").encode(),
            "text/csv",
            422,
            "did you mean 'job_province_code'",
            None,
        ),
        (
            "past int64",
            (HEAD + f"\nS1,{prog},responded,yes,formal,{2**70},01\n").encode(),
            "text/csv",
            422,
            "monthly_wage_vnd",
            (2, "monthly_wage_vnd", "range"),
        ),
        (
            "ragged",
            (HEAD + f"\nS1,{prog},responded\n").encode(),
            "text/csv",
            422,
            "cells",
            (2, None, "ragged"),
        ),
        (
            "embedded newline",
            (
                HEAD + f'\n{row}\nS2,"{prog[:2]}\n{prog[2:]}",responded,yes,'
                f"formal,1,01\nS3,{prog},responded,yes,formal,x,01\n"
            ).encode(),
            "text/csv",
            422,
            "programme_id",
            (3, "programme_id", "offering"),
        ),
        ("bad json", b'[{"learner_ref": 1,', "application/json", 422, "JSON", None),
        ("json not records", b'{"a": 1}', "application/json", 422, "list of records", None),
        ("not a spreadsheet type", b"a,b\n", "text/plain", 415, "text/csv", None),
    ]


def test_hostile_files_are_refused_by_name_and_change_nothing(api, world):
    a = api.seeded.institution_a
    prog = programmes(world, a)[0]
    before = fingerprints(api.seeded.engine)
    for name, data, media, status, words, where in _bad_inputs(prog):
        r = put(api, a, data, media, headers=api.institution_a)
        assert r.status_code == status, (name, r.status_code, r.text)
        err = r.json()["error"]
        assert words in json.dumps(err, ensure_ascii=False), (name, err)
        if status == 422:
            assert all(d["message_vi"] and d["message_en"] for d in err["details"]), name
        if where is not None:
            assert where in {(d["row"], d["column"], d["rule"]) for d in err["details"]}, (
                name,
                err["details"],
            )
    # the tolerated spreadsheet habits: a BOM, semicolons (then the row numbers still hold)
    bom = ("\ufeff" + HEAD + f"\nS1,{prog},responded,yes,formal,1,01\n").encode()
    semi = (HEAD.replace(",", ";") + f"\nS1;{prog};responded;yes;formal;x;01\n").encode()
    r = put(api, a, bom, headers=api.institution_a, cohort="2024-01")
    assert r.status_code == 200 and r.json()["rows"] == 1, r.text
    before = fingerprints(api.seeded.engine)
    r = put(api, a, semi, headers=api.institution_a)
    assert [(d["row"], d["column"], d["rule"]) for d in r.json()["error"]["details"]] == [
        (2, "monthly_wage_vnd", "type")
    ]
    # beyond 64 MiB: 413 before the body is read
    big = b"x" * ((64 << 20) + 1)
    r = put(api, a, big, headers=api.institution_a)
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    del big
    assert fingerprints(api.seeded.engine) == before


def test_error_files_keep_the_newest_fifty_for_thirty_days(api):
    """Storage bounds of the annotated copies: the newest 50 per institution, none older
    than 30 days; what is gone is a 404."""
    from datetime import timedelta

    from guidance.store.schema import utcnow
    from guidance.store.tracer_errors import FILES, purge_error_files, save_error_file

    a, b = api.seeded.institution_a, api.seeded.institution_b
    eng = api.seeded.engine
    t0 = utcnow() - timedelta(hours=1)
    b_id = save_error_file(eng, b, "b.csv", "text/csv", b"x", now=t0 - timedelta(days=29))
    ids = [
        save_error_file(eng, a, f"{i}.csv", "text/csv", b"x", now=t0 + timedelta(seconds=i))
        for i in range(52)
    ]
    with eng.connect() as conn:
        kept = set(conn.execute(select(FILES.c.id).where(FILES.c.institution_id == a)).scalars())
    assert kept == set(ids[2:])
    r = api.get(f"{API}/institutions/{a}/tracer/errors/{ids[0]}", headers=api.institution_a)
    assert r.status_code == 404
    r = api.get(f"{API}/institutions/{a}/tracer/errors/{ids[-1]}", headers=api.institution_a)
    assert r.status_code == 200 and r.content == b"x"
    # a copy past 30 days goes with the next one stored, and with ``guidance purge``
    save_error_file(eng, a, "n.csv", "text/csv", b"x", now=t0 + timedelta(days=1, hours=2))
    with eng.connect() as conn:
        assert b_id not in set(conn.execute(select(FILES.c.id)).scalars())
    assert purge_error_files(eng, 0, now=t0 + timedelta(days=2)) == 50


def test_a_concurrent_version_is_409_not_503(api, world, monkeypatch):
    """Two versions of one (institution, cohort, wave) committed at the same moment (the
    unique version index refuses the second, possible on PostgreSQL): 409, send again."""
    from sqlalchemy.exc import IntegrityError

    import guidance.store.tracer as store_tracer
    from guidance.store.db import StoreError

    def clash(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        try:
            raise IntegrityError("INSERT", {}, Exception("duplicate key"))
        except IntegrityError as exc:
            raise StoreError("tracer submission rolled back") from exc

    monkeypatch.setattr(store_tracer, "submit", clash)
    a = api.seeded.institution_a
    r = put(api, a, rows_csv(programmes(world, a)[0], range(2)), headers=api.institution_a)
    assert r.status_code == 409 and "send the file again" in r.json()["error"]["message"]


def test_a_large_csv_runs_streamed_in_a_child_process(api, world, monkeypatch):
    """A CSV of 1 MiB and more is read row by row in a child process (the serving worker
    keeps its GIL): accepted as a job with the right counts; refused with every error
    counted, nothing written, and an error file that lists the errors without any cell of
    the clerk's file (raw references are never written back)."""
    import multiprocessing

    from guidance.api.routes import tracer as route

    spawned: list = []
    real = multiprocessing.get_context

    def counting(method=None):  # noqa: ANN001, ANN202
        spawned.append(method)
        return real(method)

    monkeypatch.setattr(multiprocessing, "get_context", counting)
    a = api.seeded.institution_a
    prog = programmes(world, a)[0]
    n = 22_000
    body = rows_csv(prog, range(n))
    assert len(body) >= route.STREAM_MIN_BYTES
    job = wait_job(
        api, put(api, a, body, headers=api.institution_a), api.institution_a, timeout=180
    )
    assert job["status"] == "succeeded", job
    assert (job["result"]["version"], job["result"]["rows"], job["result"]["added"]) == (1, n, n)
    assert spawned == ["spawn"]
    before = fingerprints(api.seeded.engine)
    bad = body.replace(
        f"RAWREF00007,{prog},responded,yes".encode(), f"RAWREF00007,{prog},responded,maybe".encode()
    )
    bad = bad.replace(b"RAWREF21000,", b"RAWREF21000,NO-SUCH-PROGRAMME-X")
    job = wait_job(api, put(api, a, bad, headers=api.institution_a), api.institution_a, timeout=180)
    assert job["status"] == "failed", job
    assert job["error_count"] == 2, job
    assert {(e["row"], e["column"]) for e in job["errors"]} == {
        (9, "employed"),
        (21002, "programme_id"),
    }
    assert fingerprints(api.seeded.engine) == before
    r = api.get(job["result"]["error_file_url"], headers=api.institution_a)
    assert r.status_code == 200
    text = r.content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][0].startswith("Dòng") and len(lines) == 3
    assert {ln[0] for ln in lines[1:]} == {"9", "21002"}
    assert "RAWREF" not in text
    assert "RAWREF" not in all_text(api)
