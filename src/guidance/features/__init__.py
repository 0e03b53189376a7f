"""Learner × offering × demand features: one feature step shared by training and serving.

Re-exported here: the names other packages use, and the classes that bundles pickled
before the package split name here (``ContextFeatures``, ``_Lookups``, ``DemandIndex``,
``OfferingHistory``; tests/features/test_pickle_names.py).
"""

from __future__ import annotations

from guidance.features.columns import INPUT_COLUMNS, LEARNER_COLUMNS, PROTECTED
from guidance.features.demand import DemandIndex
from guidance.features.history import MIN_CELL, OfferingHistory
from guidance.features.pairs import serving_pairs, training_pairs
from guidance.features.transform import ContextFeatures, _Lookups

__all__ = [
    "INPUT_COLUMNS",
    "LEARNER_COLUMNS",
    "MIN_CELL",
    "PROTECTED",
    "ContextFeatures",
    "DemandIndex",
    "OfferingHistory",
    "_Lookups",
    "serving_pairs",
    "training_pairs",
]
