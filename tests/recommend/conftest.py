"""Recommenders over the session's tiny world and models (``tiny_dir``, ``tiny_tables``,
``tiny_models`` in tests/conftest.py)."""

from __future__ import annotations

import pytest


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
