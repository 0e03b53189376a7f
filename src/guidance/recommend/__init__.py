"""The recommender (pure core: no web framework, no MLflow).

Import-light: heavy modules load only when a name below is used.
"""

from __future__ import annotations

__all__ = ["LearnerProfile", "Preferences", "Recommendation", "Recommender", "Weights", "what_if"]


def __getattr__(name: str) -> object:
    if name == "Recommender":
        from guidance.recommend.core import Recommender

        return Recommender
    if name == "what_if":
        from guidance.recommend.whatif import what_if

        return what_if
    if name in ("LearnerProfile", "Preferences", "Recommendation", "Weights"):
        from guidance.recommend import types

        return getattr(types, name)
    raise AttributeError(name)
