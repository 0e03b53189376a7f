"""A tiny demo world and models trained once per session (small ``max_iter``)."""

from __future__ import annotations

import warnings

import pytest


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    from guidance.world.generate import generate_world

    d = tmp_path_factory.mktemp("recs_tiny")
    generate_world(d, seed=42, scale="tiny", progress=False)
    return d


@pytest.fixture(scope="session")
def tiny_tables(tiny_dir):
    from guidance.contract import load_dir

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_dir(tiny_dir)


@pytest.fixture(scope="session")
def tiny_models(tiny_tables):
    from threadpoolctl import threadpool_limits
    from training.config import load_config
    from training.pipeline import split_pairs

    from guidance.model import fit_models

    cfg = load_config(overrides={"model": {"max_iter": 25}})
    parts = split_pairs(tiny_tables, cfg)
    with threadpool_limits(1, user_api="openmp"):
        models, _ = fit_models(parts["train"], parts["val"], tiny_tables, cfg.model)
    return models


@pytest.fixture(scope="session")
def _recommender_cache() -> dict:
    return {}


@pytest.fixture()
def make_recommender(tiny_models, tiny_tables, _recommender_cache):
    """A recommender per configuration, shared by read-only tests; ``fresh=True`` (tests
    that swap demand or patch the scorer) builds a new one on copied models."""
    import copy

    from guidance.recommend.core import Recommender

    def make(fresh: bool = False, **kw):
        key = tuple(sorted((k, v) for k, v in kw.items() if k not in ("programmes", "demand")))
        cacheable = not fresh and "programmes" not in kw and "demand" not in kw
        if cacheable and key in _recommender_cache:
            return _recommender_cache[key]
        t = tiny_tables
        models = copy.deepcopy(tiny_models)
        rec = Recommender(
            models,
            kw.pop("programmes", t["programmes"]),
            t["provinces"],
            t["occupations"],
            kw.pop("demand", None),
            model_version="test",
            **kw,
        )
        if cacheable:
            _recommender_cache[key] = rec
        return rec

    return make


@pytest.fixture()
def learner(tiny_tables) -> dict:
    """A learner living where the tiny catalogue has offerings."""
    prog = tiny_tables["programmes"]
    home = prog["province_code"].value_counts().index[0]
    return {
        "age": 18,
        "home_province_code": str(home),
        "education_level": 12,
        "gpa": 7.5,
        "math_score": 7.0,
        "riasec_r": 0.8,
        "riasec_i": 0.5,
        "riasec_a": 0.1,
        "riasec_s": 0.2,
        "riasec_e": 0.3,
        "riasec_c": 0.4,
        "prior_work_months": 0,
    }
