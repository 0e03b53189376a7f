"""THE interest fit (cosine of RIASEC vectors), by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from guidance.features.interest import interest_fit, occupation_vectors, offering_vectors


def test_cosine_by_hand():
    learner = np.array([1.0, 0.0, 0.0, 0.0, 0.0, 1.0])
    offer = np.array([[1.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 1]])
    got = interest_fit(learner, offer)
    assert got == pytest.approx([1 / np.sqrt(2), 0.0, 1.0])


def test_undefined_fit_is_nan():
    zero = np.zeros(6)
    some = np.ones(6)
    assert np.isnan(interest_fit(zero, some))  # no profile strength
    assert np.isnan(interest_fit(some, zero))  # offering without letters
    assert np.isnan(interest_fit(np.array([np.nan, 1, 1, 1, 1, 1]), some))  # missing value


def test_offering_vector_is_the_mean_of_its_occupations():
    occ = pd.DataFrame({"occupation_code": ["7212", "5120", "9999"], "riasec": ["RC", "AS", None]})
    vecs = occupation_vectors(occ)
    assert set(vecs) == {"7212", "5120"}
    got = offering_vectors(["7212;5120", "9999", "7212"], vecs)
    assert got[0].tolist() == pytest.approx([0.5, 0, 0.5, 0.3, 0, 0.3])
    assert got[1].tolist() == [0.0] * 6
    assert got[2].tolist() == [1.0, 0, 0, 0, 0, 0.6]
