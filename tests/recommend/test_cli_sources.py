"""``guidance recommend`` reads what the server reads (the database's catalogue and newest
demand, the registry's champion), says so on stderr, falls back with a message, and never
prints a traceback."""

from __future__ import annotations

import json

import pytest

from guidance.cli import main
from guidance.settings import get_settings


@pytest.fixture(scope="module")
def artifact(tiny_models, tmp_path_factory):
    from guidance.artifacts import save_artifact

    d = tmp_path_factory.mktemp("models_src")
    job, _ = save_artifact(tiny_models, d, "guidance-outcomes", 4)
    return job


@pytest.fixture(scope="module")
def loaded_db(tiny_dir, tmp_path_factory):
    """A SQLite service database holding the tiny world's catalogue and demand."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db_src') / 'guidance.db'}"
    assert main(["db", "upgrade", "--database-url", url]) == 0
    assert main(["db", "load", "--database-url", url, str(tiny_dir)]) == 0
    return url


@pytest.fixture
def env(monkeypatch, tmp_path, artifact):
    """Settings pointing at nothing yet: no database, no registry, the artifact folder."""
    monkeypatch.setenv("GUIDANCE_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    monkeypatch.setenv("GUIDANCE_MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.setenv("GUIDANCE_MODELS_DIR", str(artifact.parent))
    monkeypatch.setenv("GUIDANCE_DATA_DIR", str(tmp_path / "no-data"))
    monkeypatch.setenv("GUIDANCE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("GUIDANCE_MODEL_PATH", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _req(tmp_path, learner) -> str:
    p = tmp_path / "learner.json"
    p.write_text(json.dumps({"profile": learner}), encoding="utf-8")
    return str(p)


def test_database_and_fallback_model_are_said(
    env, loaded_db, tiny_tables, learner, tmp_path, capsys
):
    env.setenv("GUIDANCE_DATABASE_URL", loaded_db)
    get_settings.cache_clear()
    assert main(["recommend", "--learner", _req(tmp_path, learner), "--json"]) == 0
    got = capsys.readouterr()
    out = json.loads(got.out)
    periods = sorted(set(tiny_tables["demand"]["period"].astype(str)))
    newest = periods[-get_settings().demand_months :]
    assert out["demand_period"] == periods[-1] and out["model_version"] == "4"
    assert f"cơ sở dữ liệu {loaded_db} (kỳ {newest[0]} … {newest[-1]})" in got.err
    assert "sổ đăng ký mô hình" in got.err and "chưa có" in got.err  # no registry: said
    assert "guidance-outcomes-4.joblib (phiên bản 4) — thay cho champion" in got.err


def test_no_database_falls_back_to_the_data_directory(
    env, tiny_dir, artifact, learner, tmp_path, capsys
):
    env.setenv("GUIDANCE_DATA_DIR", str(tiny_dir))
    get_settings.cache_clear()
    args = ["recommend", "--learner", _req(tmp_path, learner), "--lang", "en"]
    assert main([*args, "--model", str(artifact)]) == 0
    err = capsys.readouterr().err
    assert "does not exist yet ('guidance db load' not run)" in err
    assert f"using data directory {tiny_dir}" in err and f"model: file {artifact}" in err
    assert "registry" not in err  # --model: the registry is not asked


def test_nothing_anywhere_is_one_message(env, learner, tmp_path, capsys):
    assert main(["recommend", "--learner", _req(tmp_path, learner)]) == 1
    err = capsys.readouterr().err
    assert "không có thư mục dữ liệu" in err and "Traceback" not in err


def test_user_mistakes_are_one_line_each(env, tmp_path, capsys):
    assert main(["recommend", "--learner", str(tmp_path / "missing.json")]) == 2
    assert capsys.readouterr().err == f"recommend: không có tệp {tmp_path / 'missing.json'}\n"
    bad = tmp_path / "bad.json"
    bad.write_text('{"age": 17,', encoding="utf-8")
    assert main(["recommend", "--learner", str(bad), "--lang", "en"]) == 2
    assert "is not valid JSON (line 1" in capsys.readouterr().err
    bad.write_text(json.dumps({"age": "x", "home_province_code": "1", "colour": 1}))
    assert main(["recommend", "--learner", str(bad)]) == 2
    assert capsys.readouterr().err == "recommend: trường không nhận ra: colour\n"
    bad.write_text(json.dumps({"age": "x", "home_province_code": "1"}))
    assert main(["recommend", "--learner", str(bad), "--lang", "en"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "recommend: age: must be a whole number (got 'x')",
        "recommend: education_level: required: fill in a value",
    ]
    assert main(["recommend-batch", "--learners", str(tmp_path / "no.csv"), "--out", "x.csv"]) == 2
    assert "không có tệp" in capsys.readouterr().err


def test_an_unexpected_error_is_one_line_and_exit_1(env, monkeypatch, tmp_path, capsys):
    import guidance.info

    def boom(args):  # noqa: ANN001, ANN202
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(guidance.info, "info_command", boom)
    monkeypatch.delenv("GUIDANCE_TRACEBACK", raising=False)
    assert main(["info"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("guidance info: RuntimeError: disk on fire (") and "second" not in err
    assert "Traceback" not in err
    monkeypatch.setenv("GUIDANCE_TRACEBACK", "1")
    with pytest.raises(RuntimeError):
        main(["info"])


def test_batch_output_names_beside_ids(env, tiny_dir, artifact, learner, tmp_path, capsys):
    import pandas as pd

    src = tmp_path / "l.csv"
    pd.DataFrame([{**learner, "learner_id": "A"}, {**learner, "learner_id": "B", "age": 9}]).to_csv(
        src, index=False
    )
    out = tmp_path / "o.csv"
    args = ["recommend-batch", "--data", str(tiny_dir), "--model", str(artifact)]
    assert main([*args, "--learners", str(src), "--out", str(out), "--quiet"]) == 0
    got = pd.read_csv(out, dtype=str)
    assert set(got["learner_id"]) == {"A"}
    assert got[["programme_name", "institution_name", "province_name"]].notna().all().all()
    err = capsys.readouterr().err
    assert "1 lỗi (các dòng bị bỏ qua):" in err and "dòng 3, cột age: phải từ 14 đến 70" in err


def test_a_passed_probe_is_remembered_for_the_same_inputs_only(
    env, loaded_db, learner, tmp_path, capsys
):
    """The fast scorer's load-time probe runs once per bundle × catalogue × demand ×
    libraries × scoring code; the answer is the same with or without it."""
    import shutil

    from guidance.recommend.fastscore import FastScorer
    from guidance.store.db import make_engine
    from guidance.store.demand import get_demand, replace_demand_period

    db = tmp_path / "guidance.db"  # a private copy: this test changes the demand
    shutil.copyfile(loaded_db.removeprefix("sqlite:///"), db)
    url = f"sqlite:///{db}"
    env.setenv("GUIDANCE_DATABASE_URL", url)
    get_settings.cache_clear()
    probes = []
    original = FastScorer._check
    env.setattr(FastScorer, "_check", lambda self: probes.append(1) or original(self))
    args = ["recommend", "--learner", _req(tmp_path, learner), "--json"]
    answers = []
    for _ in range(2):
        assert main(args) == 0
        answers.append(json.loads(capsys.readouterr().out))
        answers[-1].pop("timings_ms")
    records = list((tmp_path / "var" / "probe").glob("*.ok"))
    assert probes == [1] and len(records) == 1 and answers[0] == answers[1]
    # another demand content names another record: the probe runs again
    engine = make_engine(url)
    period = answers[0]["demand_period"]
    rows = get_demand(engine, period)
    rows.loc[0, "vacancies"] = int(rows.loc[0, "vacancies"]) + 7
    replace_demand_period(engine, period, rows)
    engine.dispose()  # its pooled connections closed here, not by the garbage collector
    assert main(args) == 0
    capsys.readouterr()
    assert probes == [1, 1] and len(list((tmp_path / "var" / "probe").glob("*.ok"))) == 2
