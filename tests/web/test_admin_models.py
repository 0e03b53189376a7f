"""The admin's models page on a real MLflow registry (two versions trained by the real
training command on the tiny world, a server whose source is the registry): dates in
Vietnamese form, metrics as tables with the baselines beside, champion and challenger side
by side with their plots, and promote / roll back through the gate of `guidance promote`
(a refusal in Vietnamese, a forced promotion with its reason, a roll-back), each audited."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect
from tests.web.browser import axe_violations, no_horizontal_scroll
from tests.web.conftest import open_page, shot, web_server
from tests.web.test_staff import login

from guidance.cli import main
from guidance.web.i18n import catalogue

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*type hint:UserWarning"),
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SADeprecationWarning"),
]
VI = catalogue("vi")
NAME = "guidance-outcomes"
VI_DATE = re.compile(r"\d{2}/\d{2}/\d{4}")


@dataclass
class Registry:
    url: str
    admin_key: str
    counsellor_key: str
    uri: str

    def api(self, method: str, path: str, key: str | None = None, **kw) -> httpx.Response:
        headers = {"X-API-Key": key or self.admin_key}
        return httpx.request(method, self.url + path, headers=headers, timeout=300, **kw)


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Iterator[Registry]:
    """Version 1 (champion) and version 2 (challenger, trained with a fairness limit no model
    meets, so the gate refuses it) of the tiny world, and a server on that registry."""
    from tests.api.conftest import newest_demand

    from guidance.contract import load_dir
    from guidance.registry import champion_version, connect
    from guidance.store.catalogue import load_catalogue
    from guidance.store.db import make_engine
    from guidance.store.demand import load_demand
    from guidance.store.keys import create_key
    from guidance.store.migrate import upgrade
    from guidance.world.generate import generate_world

    tmp = tmp_path_factory.mktemp("admin_registry")
    data = tmp / "world"
    generate_world(data, seed=42, scale="tiny", progress=False)
    fast = tmp / "fast.toml"
    fast.write_text("[model]\nmax_iter = 15\n")
    strict = tmp / "strict.toml"
    strict.write_text(
        "[model]\nmax_iter = 15\n[promotion]\nmax_abs_gap = 0.0001\nmax_calibration_gap = 0.0001\n"
    )
    uri = f"sqlite:///{tmp / 'mlflow.db'}"  # the server's default (web_server)
    common = ["--tracking-uri", uri]

    def train(config: Path) -> None:
        argv = ["train", "--data", str(data), "--no-promote", "--config", str(config)]
        argv += ["--artifact-root", str(tmp / "mlartifacts"), "--models-dir", str(tmp / "models")]
        assert main([*argv, "--quiet", *common]) == 0

    train(fast)
    if main(["promote", "--version", "1", *common]) != 0:  # the tiny world may miss a baseline
        assert main(["promote", "--version", "1", "--force", "--reason", "seed", *common]) == 0
    train(strict)
    assert champion_version(connect(uri), NAME) == "1"

    tables = load_dir(data)
    url = f"sqlite:///{tmp / 'guidance.db'}"
    engine = make_engine(url)
    upgrade(engine)
    load_catalogue(engine, tables)
    load_demand(engine, newest_demand(tables, 2))
    _, admin = create_key(engine, "admin", "admin")
    _, counsellor = create_key(engine, "counsellor", "counsellor")
    engine.dispose()
    env = {"GUIDANCE_DATABASE_URL": url, "GUIDANCE_MODEL_POLL_SECONDS": "0.5"}
    with web_server(tmp, env) as base:
        yield Registry(base, admin, counsellor, uri)


def test_models_api_reads_the_registry_as_tables(registry):
    body = registry.api("GET", "/api/v1/models").json()
    assert (body["champion"], body["challenger"], body["can_promote"]) == ("1", "2", True)
    v1 = next(v for v in body["versions"] if v["version"] == "1")
    created = datetime.fromisoformat(v1["created_at"])
    assert abs((datetime.now(UTC) - created).total_seconds()) < 3600
    target = next(t for t in v1["metrics_view"]["targets"] if t["target"] == "employed_12m")
    assert 0.5 <= target["model"]["auc"] <= 1 and target["model"]["n"] >= 1
    names = {b["name"] for b in target["baselines"]}
    assert {"global_rate", "code_province"} <= names
    assert all(b["auc"] is None or 0 <= b["auc"] <= 1 for b in target["baselines"])
    attrs = {(f["target"], f["attribute"]) for f in v1["metrics_view"]["fairness"]}
    assert ("employed_12m", "sex") in attrs
    ev = registry.api("GET", "/api/v1/models/2/evaluation").json()
    rel = [r for r in ev["reliability"] if r["target"] == "employed_12m"]
    assert rel and all(0 <= r["predicted"] <= 1 and r["n"] >= 1 for r in rel)
    assert any(r["key"] == "employed_12m/sex" for r in ev["fairness"])
    assert registry.api("GET", "/api/v1/models/9/evaluation").status_code == 404
    # admins only
    for path in ("/api/v1/models/2/evaluation",):
        assert registry.api("GET", path, key=registry.counsellor_key).status_code == 403
    r = registry.api(
        "POST", "/api/v1/models/promote", key=registry.counsellor_key, json={"version": "2"}
    )
    assert r.status_code == 403


def _job(registry, accepted: httpx.Response) -> dict:
    assert accepted.status_code == 202, accepted.text
    url = accepted.json()["status_url"]
    t0 = time.monotonic()
    while True:
        job = registry.api("GET", url).json()
        if job["status"] not in ("queued", "running"):
            return job
        assert time.monotonic() - t0 < 300, job
        time.sleep(0.3)


def test_promote_checks_then_refuses_through_the_gate(registry):
    r = registry.api("POST", "/api/v1/models/promote", json={"version": "2", "force": True})
    assert r.status_code == 422 and "lý do" in r.json()["error"]["message_vi"]
    r = registry.api("POST", "/api/v1/models/promote", json={"version": "1"})
    assert r.status_code == 409 and r.json()["error"]["message_vi"] == "Phiên bản 1 đã là bản chính"
    r = registry.api("POST", "/api/v1/models/promote", json={"version": "7"})
    assert r.status_code == 404
    job = _job(registry, registry.api("POST", "/api/v1/models/promote", json={"version": "2"}))
    assert job["status"] == "failed" and job["result"]["refused"], job
    codes = {e["code"] for e in job["errors"]}
    assert codes & {"fairness_gap", "calibration_gap"}, job
    assert "công bằng theo giới tính" in job["result"]["message_vi"]
    assert "limit 0.0001" in job["message"]
    assert all(e["message_vi"] and e["message_en"] for e in job["errors"])
    assert registry.api("GET", "/api/v1/models").json()["champion"] == "1"
    # audited: every request (with its status and the version asked for) and the outcome
    today = datetime.now(UTC).date().isoformat()

    def rows(route: str) -> list[dict]:
        params = {"start": today, "end": today, "route": route}
        return registry.api("GET", "/api/v1/audit", params=params).json()["items"]

    asked = rows("POST /api/v1/models/promote")
    assert sorted((r["status"], r["model_version"]) for r in asked) == [
        (202, "2"),
        (404, "7"),
        (409, "1"),
        (422, "2"),
    ]
    assert [
        (r["status"], r["model_version"]) for r in rows("POST /api/v1/models/promote (job)")
    ] == [(409, "2")]


def test_admin_page_compares_promotes_and_rolls_back(browser, registry):
    with open_page(browser, width=1000, height=900) as page:
        page.goto(registry.url + "/admin")
        login(page, registry.admin_key)
        versions = page.locator("#versions-table tbody tr")
        expect(versions.first).to_be_visible()
        created = versions.first.locator("td").nth(2).inner_text()
        assert VI_DATE.search(created), created  # "14:03 05/12/2026", never epoch ms
        assert not re.search(r"\d{12}", page.inner_text("#models-table"))
        # champion and challenger side by side, each with its plots
        expect(page.locator("#card-champion h3")).to_have_text(
            VI["models.role.champion"].replace("{version}", "1")
        )
        expect(page.locator("#card-challenger h3")).to_have_text(
            VI["models.role.challenger"].replace("{version}", "2")
        )
        expect(page.locator("#plots-1 svg.calibration")).to_be_visible(timeout=60_000)
        expect(page.locator("#plots-2 svg.fairness")).to_be_visible(timeout=60_000)
        assert page.locator("#plots-1 svg.calibration circle").count() >= 2
        champ_box = page.locator("#card-champion").bounding_box()
        chal_box = page.locator("#card-challenger").bounding_box()
        assert champ_box and chal_box and abs(champ_box["y"] - chal_box["y"]) < 2
        # the metrics table: model and baselines by row, Vietnamese numbers
        table = page.locator("#models-eval .metrics-table").first
        heads = table.locator("thead th").all_inner_texts()
        assert heads[1:4] == [VI["models.col.n"], VI["models.col.auc"], VI["models.col.brier"]]
        rows = table.locator("tbody tr")
        assert rows.count() >= 3
        first = rows.first.locator("td").all_inner_texts()
        assert first[0] == VI["models.row.model"]
        assert re.fullmatch(r"0,\d{3}", first[2]), first  # AUC, three decimals
        assert re.fullmatch(r"\d{1,3}(\.\d{3})*", first[1]), first  # a count
        assert re.fullmatch(r"\d{1,3},\d\u00a0%", first[5]), first  # a rate
        baseline_names = {VI[k] for k in VI if k.startswith("models.baseline.")}
        assert {rows.nth(i).locator("td").first.inner_text() for i in range(1, rows.count())} <= (
            baseline_names
        )
        assert "test." not in page.inner_text("#models-eval")
        assert axe_violations(page) == []
        shot(page, "23-admin-champion-challenger")

        # the gate refuses version 2: the reasons in Vietnamese, the champion stays
        page.click("#card-challenger .promote-btn")
        expect(page.locator("#promote-msg")).to_have_text(
            VI["models.refused"].replace("{version}", "2"), timeout=120_000
        )
        expect(page.locator("#promote-reasons li").first).to_contain_text("công bằng theo")
        expect(page.locator("#card-champion h3")).to_contain_text("1")
        # forced, with a reason: promoted, recorded, and served
        page.select_option("#p-version", "2")
        page.check("#p-force")
        page.click("#promote-form button[type=submit]")
        expect(page.locator("#err-p_reason")).to_have_text(VI["models.reason_needed"])
        page.fill("#p-reason", "kiểm thử buộc đưa lên")
        page.click("#promote-form button[type=submit]")
        expect(page.locator("#promote-msg")).to_have_text(
            VI["models.promoted_forced"].replace("{version}", "2").replace("{previous}", "1"),
            timeout=120_000,
        )
        expect(page.locator("#card-champion h3")).to_contain_text("2")
        expect(page.locator("#card-champion")).to_contain_text("kiểm thử buộc đưa lên")
        expect(page.locator("#model-version")).to_have_text("2", timeout=30_000)
        # roll back to version 1 through the same gate (its own config: the default limits)
        btn = page.locator("#card-champion .promote-btn")
        expect(btn).to_have_text(VI["models.rollback"].replace("{version}", "1"))
        btn.click()
        expect(page.locator("#promote-msg")).to_have_class("ok", timeout=120_000)
        expect(page.locator("#card-champion h3")).to_contain_text("1")
        assert no_horizontal_scroll(page)
        shot(page, "24-admin-rolled-back")
    assert registry.api("GET", "/api/v1/models").json()["champion"] == "1"
