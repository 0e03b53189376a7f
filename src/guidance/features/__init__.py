"""Learner × offering × demand features: one feature step shared by training and serving.

Modules by idea: ``columns`` (column lists), ``pairs`` (pair rows), ``interest`` (RIASEC
vectors and THE interest fit), ``demand`` (``DemandIndex``), ``history`` (lineage and
``OfferingHistory``), ``transform`` (``ContextFeatures``: an offering-side block and a
learner-side block, composed by ``transform``). The names below are the package's public
interface (and keep pickles naming ``guidance.features.ContextFeatures`` loadable).
"""

from __future__ import annotations

from guidance.features.columns import (
    CATEGORICAL,
    INPUT_COLUMNS,
    LEARNER_COLUMNS,
    LEARNER_SIDE,
    NUMERIC_RAW,
    OFFERING_COLUMNS,
    PROTECTED,
    RIASEC,
)
from guidance.features.demand import DemandIndex, SetDemand
from guidance.features.history import (
    DEFAULT_PRIORS,
    HISTORY_LEVELS,
    HISTORY_TARGETS,
    MIN_CELL,
    OfferingHistory,
    lineage_ids,
)
from guidance.features.interest import (
    interest_fit,
    occupation_vectors,
    offering_vectors,
    riasec_vector,
)
from guidance.features.pairs import graduation_month, serving_pairs, training_pairs
from guidance.features.transform import (
    ContextFeatures,
    OfferingBlock,
    OfferingKeys,
    _Lookups,
)
from guidance.periods import period_index

__all__ = [
    "CATEGORICAL",
    "DEFAULT_PRIORS",
    "HISTORY_LEVELS",
    "HISTORY_TARGETS",
    "INPUT_COLUMNS",
    "LEARNER_COLUMNS",
    "LEARNER_SIDE",
    "MIN_CELL",
    "NUMERIC_RAW",
    "OFFERING_COLUMNS",
    "PROTECTED",
    "RIASEC",
    "ContextFeatures",
    "DemandIndex",
    "OfferingBlock",
    "OfferingHistory",
    "OfferingKeys",
    "SetDemand",
    "_Lookups",
    "graduation_month",
    "interest_fit",
    "lineage_ids",
    "occupation_vectors",
    "offering_vectors",
    "period_index",
    "riasec_vector",
    "serving_pairs",
    "training_pairs",
]
