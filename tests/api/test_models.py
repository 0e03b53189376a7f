"""Hot swap in-process: a new artifact is picked up, a tampered one is refused and the old
model keeps serving; /models and /readyz say why."""

from __future__ import annotations

import time

from tests.api.conftest import install_model


def _wait(pred, timeout: float = 30.0) -> None:  # noqa: ANN001
    t0 = time.monotonic()
    while not pred():
        assert time.monotonic() - t0 < timeout, "condition not reached"
        time.sleep(0.05)


def _version(api, learner) -> tuple[str, list]:  # noqa: ANN001
    body = api.post("/api/v1/recommendations", json={"profile": learner}).json()
    return body["model_version"], [(i["programme_id"], i["score"]) for i in body["items"]]


def test_new_artifact_is_swapped_in_and_tampered_one_refused(api, artifacts, learner):
    v1, items1 = _version(api, learner)
    assert v1 == "1"
    install_model(artifacts["2"], api.model_path)
    _wait(lambda: _version(api, learner)[0] == "2")
    v2, items2 = _version(api, learner)
    assert items2 != items1
    models = api.get("/api/v1/models", headers=api.admin).json()
    assert models["active"]["version"] == "2" and models["active"]["last_error"] is None
    # tamper: flip one byte of the served artifact
    data = bytearray(api.model_path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    tmp = api.model_path.with_name("t.tmp")
    tmp.write_bytes(bytes(data))
    tmp.replace(api.model_path)
    _wait(lambda: api.get("/api/v1/models", headers=api.admin).json()["active"]["last_error"])
    models = api.get("/api/v1/models", headers=api.admin).json()
    assert "sha256" in models["active"]["last_error"] and models["active"]["version"] == "2"
    ready = api.get("/readyz", headers=api.admin)
    assert ready.status_code == 200 and "sha256" in ready.json()["details"]["last_model_error"]
    public = api.get("/readyz")  # the public probe shows no hash, file name or error text
    assert public.json() == {"ready": True, "status": "ok"} and "sha256" not in public.text
    assert all(_version(api, learner) == (v2, items2) for _ in range(20))
    r = api.post("/api/v1/models/reload", headers=api.admin)
    assert r.status_code == 409 and "sha256" in r.json()["error"]["message"]
    assert _version(api, learner) == (v2, items2)
    # a good artifact again: the reload works at once
    install_model(artifacts["1"], api.model_path)
    r = api.post("/api/v1/models/reload", headers=api.admin)
    assert r.status_code == 200 and r.json()["version"] == "1"
    assert _version(api, learner) == (v1, items1)


def test_in_flight_request_keeps_its_model(api, artifacts, learner):
    """The object a request took is untouched by a swap (the swap replaces a reference)."""
    holder = api.app.state.ctx.holder
    taken = holder.require()
    install_model(artifacts["2"], api.model_path)
    served, swapped = holder.reload()
    assert swapped and served is not taken and holder.current is served
    assert taken.version == "1"
    assert taken.recommender.recommend(learner, k=3).model_version == "1"
    assert served.recommender.recommend(learner, k=3).model_version == "2"


def test_models_lists_versions_and_needs_admin(api):
    assert api.get("/api/v1/models").status_code == 401
    assert api.get("/api/v1/models", headers=api.counsellor).status_code == 403
    body = api.get("/api/v1/models", headers=api.admin).json()
    assert body["active"]["ready"] and body["active"]["source"]["kind"] == "file"
    assert [v["version"] for v in body["versions"]] == ["1"]


def test_a_new_catalogue_load_is_served_without_a_restart(api, world, learner):
    """`guidance db load` writes a new catalogue: every worker's watcher notices the new
    generation and rebuilds its recommender on it (same model version)."""
    from guidance.store.catalogue import load_catalogue

    body = {"profile": learner, "k": 5}

    def top() -> dict:
        return api.post("/api/v1/recommendations", json=body).json()["items"][0]

    first = top()
    programmes = world["programmes"].copy()
    renamed = "Chương trình đổi tên để kiểm thử"
    programmes.loc[programmes["programme_id"] == first["programme_id"], "name_vi"] = renamed
    load_catalogue(api.seeded.engine, {**world, "programmes": programmes})
    _wait(lambda: top()["name_vi"] == renamed)
    again = top()
    assert again["programme_id"] == first["programme_id"]
    assert api.get("/api/v1/models", headers=api.admin).json()["active"]["version"] == "1"
