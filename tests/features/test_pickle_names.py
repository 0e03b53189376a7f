"""Bundles pickled before the feature package was split name its classes
``guidance.features.<Name>``; ``guidance.features`` re-exports exactly those, so such a
bundle still unpickles to the classes in use."""

from __future__ import annotations

import pickle

import pytest

from guidance.features.demand import DemandIndex
from guidance.features.history import OfferingHistory
from guidance.features.transform import ContextFeatures, _Lookups


@pytest.mark.parametrize("cls", [ContextFeatures, _Lookups, DemandIndex, OfferingHistory])
def test_pre_split_pickle_paths_resolve(cls: type) -> None:
    old_global = b"cguidance.features\n" + cls.__name__.encode() + b"\n."  # GLOBAL opcode
    assert pickle.loads(old_global) is cls
