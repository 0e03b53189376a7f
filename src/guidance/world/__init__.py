"""The synthetic demo world: a documented structural model of vocational
graduates' outcomes in Vietnam, its generator and its oracle.

Import-light: heavy modules load only when a name below is used.
"""

from __future__ import annotations

__all__ = ["Oracle", "WorldSummary", "generate_world"]


def __getattr__(name: str):
    if name == "Oracle":
        from guidance.world.oracle import Oracle

        return Oracle
    if name in ("WorldSummary", "generate_world"):
        from guidance.world import generate

        return getattr(generate, name)
    raise AttributeError(name)
