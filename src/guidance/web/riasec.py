"""The interest questionnaire: 24 activities, four per Holland (RIASEC) type.

The wording lives in the catalogues (``riasec.item.<id>``); each answer is "not for me"
(0), "maybe" (0.5) or "I'd enjoy it" (1), and a type's score is the mean of its answered
items, in [0, 1] like the API's ``riasec_*`` fields. The page scores in JavaScript with the
same rule; :func:`score` is the reference for the tests.
"""

from __future__ import annotations

from collections.abc import Mapping

TYPES = ("r", "i", "a", "s", "e", "c")
ITEMS: tuple[str, ...] = tuple(f"{t}{n}" for t in TYPES for n in range(1, 5))
ANSWERS = (("0", "riasec.answer.no"), ("0.5", "riasec.answer.maybe"), ("1", "riasec.answer.yes"))


def ordered_items() -> list[str]:
    """The items interleaved (r1, i1, a1, …) so that one type does not come in a block."""
    return [f"{t}{n}" for n in range(1, 5) for t in TYPES]


def score(answers: Mapping[str, float]) -> dict[str, float | None]:
    """``riasec_<t>`` per type: the mean of its answered items (``None`` if none)."""
    out: dict[str, float | None] = {}
    for t in TYPES:
        vals = [float(answers[i]) for i in ITEMS if i[0] == t and i in answers]
        out[f"riasec_{t}"] = round(sum(vals) / len(vals), 3) if vals else None
    return out
