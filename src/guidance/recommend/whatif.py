"""What-if: the same profile with one thing changed; which programmes enter, leave or
change in the top-k, and why (a rule that now admits or excludes them, or moved scores).

A programme is its code, not the offering: with one offering per code in a list (the
diversity cap), a change that lets the same programme at another institution rank first
would otherwise read as the programme both entering and leaving. Such a pair is one
``moved`` change that names both institutions. Offerings still in the list are reported
(``changed``) when a shown figure differs at the precision the pages show it. No change
carries the internal utility score: the figures are the ones a learner sees.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

from guidance.errors import InvalidProfile
from guidance.recommend.types import (
    MAX_DISTANCE_KM,
    Change,
    FigureChange,
    Item,
    LearnerProfile,
    Preferences,
    WhatIf,
)

if TYPE_CHECKING:
    from guidance.recommend.core import Recommender

_RULE_VI = {
    "education": "trình độ học vấn",
    "age": "tuổi",
    "level": "trình độ đào tạo",
    "field": "ngành",
    "duration": "thời gian học",
    "tuition": "học phí",
    "location": "nơi học",
}

# the figures a change reports, with the step they are shown at (a difference below it is
# no change to a reader): rank exactly, rates in whole percent, money in 0.1 million VND,
# distance in whole km
FIGURES: dict[str, float] = {
    "rank": 1.0,
    "p_employed_12m": 0.01,
    "p_job_matches_training": 0.01,
    "wage_q50": 100_000.0,
    "distance_km": 1.0,
    "total_tuition_vnd": 100_000.0,
}


def apply_changes(
    rec: Recommender, profile: LearnerProfile, prefs: Preferences, changes: dict[str, Any]
) -> tuple[LearnerProfile, Preferences]:
    """New (profile, prefs). ``{"max_distance_km": "+50"}`` adds 50 km to the current limit,
    or to the farthest currently eligible offering when no limit was set; the result is
    clipped to [0, MAX_DISTANCE_KM] (a relative change is a direction, not a number the
    learner typed, so it never makes the request invalid)."""
    p_new, q_new = profile.model_dump(), prefs.model_dump()
    for key, value in changes.items():
        if key == "max_distance_km" and isinstance(value, str) and value[:1] in "+-":
            base = prefs.max_distance_km
            if base is None:
                base = rec.farthest_eligible_km(profile, prefs)
            value = min(float(MAX_DISTANCE_KM), max(0.0, base + float(value)))
        if key in Preferences.model_fields:
            q_new[key] = value
        elif key in LearnerProfile.model_fields:
            p_new[key] = value
        else:
            raise InvalidProfile(
                f"unknown what-if field {key!r}",
                f"không thể thay đổi trường {key!r}",
                field=f"changes.{key}",
                rule="known_field",
            )
    return LearnerProfile.model_validate(p_new), Preferences.model_validate(q_new)


def _value(it: Item | None, name: str) -> float | None:
    v = None if it is None else getattr(it, name)
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def _shown(v: float | None, step: float) -> float | None:
    return None if v is None else round(v / step)


def figures(before: Item | None, after: Item | None, *, all_: bool = False) -> list[FigureChange]:
    """The figures of one programme before → after; only those that differ as shown,
    unless ``all_`` (a programme that entered or left: its figures on one side)."""
    out = []
    for name, step in FIGURES.items():
        b, a = _value(before, name), _value(after, name)
        if all_ or _shown(b, step) != _shown(a, step):
            out.append(FigureChange.model_construct(name=name, before=b, after=a))
    return out


def _pair(before: list[Item], after: list[Item]) -> list[tuple[Item | None, Item | None]]:
    """Items of both lists matched: the same offering first, then the same programme code
    (in rank order); the rest alone (entered: ``(None, item)``, left: ``(item, None)``)."""
    pairs: list[tuple[Item | None, Item | None]] = []
    b_left = {it.programme_id: it for it in before}
    a_left = {it.programme_id: it for it in after}
    for pid in list(a_left):
        if pid in b_left:
            pairs.append((b_left.pop(pid), a_left.pop(pid)))
    by_code: dict[str, list[Item]] = {}
    for it in b_left.values():
        by_code.setdefault(it.programme_code, []).append(it)
    for pid, it in list(a_left.items()):
        olds = by_code.get(it.programme_code)
        if olds:
            old = olds.pop(0)
            del b_left[old.programme_id]
            del a_left[pid]
            pairs.append((old, it))
    pairs += [(None, it) for it in a_left.values()]
    pairs += [(it, None) for it in b_left.values()]
    return pairs


def _rules_vi(rules: list[str]) -> str:
    return ", ".join(_RULE_VI.get(r, r) for r in rules)


def what_if(
    rec: Recommender,
    profile: LearnerProfile | dict[str, Any],
    prefs: Preferences | dict[str, Any] | None,
    changes: dict[str, Any],
    k: int = 10,
) -> WhatIf:
    profile = (
        profile if isinstance(profile, LearnerProfile) else LearnerProfile.model_validate(profile)
    )
    prefs = prefs if isinstance(prefs, Preferences) else Preferences.model_validate(prefs or {})
    p2, q2 = apply_changes(rec, profile, prefs, changes)
    before = rec.recommend(profile, prefs, k=k)
    after = rec.recommend(p2, q2, k=k)
    out = WhatIf.model_construct(
        changes=changes, before=before, after=after, entered=[], left=[], changed=[]
    )
    for b, a in _pair(before.items, after.items):
        if b is None and a is not None:
            out.entered.append(_one_sided(rec, profile, prefs, a, k, "entered"))
        elif a is None and b is not None:
            out.left.append(_one_sided(rec, p2, q2, b, k, "left"))
        elif a is not None and b is not None:
            if a.programme_id != b.programme_id:
                out.changed.append(_moved(rec, profile, prefs, p2, q2, b, a))
            else:
                same = _change(
                    a,
                    b,
                    kind="changed",
                    reason="figures",
                    why="the same offering with other figures",
                    why_vi="cùng cơ sở, số liệu thay đổi",
                )
                if same.figures:
                    out.changed.append(same)
    out.entered.sort(key=lambda c: c.rank_after or 0)
    out.left.sort(key=lambda c: c.rank_before or 0)
    out.changed.sort(key=lambda c: c.rank_after or 0)
    return out


# one-sided changes: (kind, reason when a rule decided, when the scores did) → why (en, vi)
_ONE_SIDED = {
    "entered": (
        (
            "newly_eligible",
            "newly eligible (was excluded by: {en})",
            "nay đủ điều kiện (trước bị loại vì: {vi})",
        ),
        ("ranked_higher", "now ranks among the top {k}", "nay được xếp trong {k} gợi ý đầu"),
    ),
    "left": (
        ("no_longer_eligible", "no longer eligible ({en})", "không còn đủ điều kiện ({vi})"),
        (
            "displaced",
            "displaced: other programmes now rank in the top {k}",
            "bị thay thế: các chương trình khác nay được xếp trong {k} gợi ý đầu",
        ),
    ),
}


def _one_sided(
    rec: Recommender,
    profile: LearnerProfile,
    prefs: Preferences,
    it: Item,
    k: int,
    kind: Literal["entered", "left"],
) -> Change:
    """A programme in one list only: ``entered`` asks the rules of the profile before (was
    it excluded?), ``left`` those after (is it excluded now?); else the scores moved."""
    rules = rec.why_excluded(profile, prefs, it.programme_id)
    by_rule, by_score = _ONE_SIDED[kind]
    reason, en, vi = by_rule if rules else by_score
    return _change(
        it,
        None,
        kind=kind,
        reason=reason,
        rules=rules,
        why=en.format(en=", ".join(rules), k=k),
        why_vi=vi.format(vi=_rules_vi(rules), k=k),
    )


def _moved(
    rec: Recommender,
    profile: LearnerProfile,
    prefs: Preferences,
    p2: LearnerProfile,
    q2: Preferences,
    b: Item,
    a: Item,
) -> Change:
    was = rec.why_excluded(profile, prefs, a.programme_id)
    now = [] if was else rec.why_excluded(p2, q2, b.programme_id)
    where = f"now at {a.institution_name} ({a.province_name_en}) instead of {b.institution_name}"
    where_vi = (
        f"nay học tại {a.institution_name} ({a.province_name_vi}) "
        f"thay cho {b.institution_name} ({b.province_name_vi})"
    )
    if was:
        reason, rules = "newly_eligible", was
        why = f"{where}: it was excluded by {', '.join(was)}"
        why_vi = f"{where_vi}: trước bị loại vì {_rules_vi(was)}"
    elif now:
        reason, rules = "no_longer_eligible", now
        why = f"{where}: the former is no longer eligible ({', '.join(now)})"
        why_vi = f"{where_vi}: nơi cũ không còn đủ điều kiện ({_rules_vi(now)})"
    else:
        reason, rules = "ranked_higher", []
        why = f"{where}: it now ranks higher"
        why_vi = f"{where_vi}: nơi mới nay được xếp cao hơn"
    ch = _change(a, b, kind="moved", reason=reason, rules=rules, why=why, why_vi=why_vi)
    ch.programme_id_before = b.programme_id
    ch.institution_name_before = b.institution_name
    ch.province_name_vi_before = b.province_name_vi
    ch.province_name_en_before = b.province_name_en
    return ch


def _change(
    it: Item,
    before: Item | None,
    *,
    kind: Literal["entered", "left", "moved", "changed"],
    reason: str,
    why: str,
    why_vi: str,
    rules: list[str] | None = None,
) -> Change:
    """A change named by ``it`` (the offering after; before, when it left); ``before``: the
    same programme's item before, for one that stayed or moved. Its figures: all of them for
    a programme in one list only, else those that differ as shown."""
    was, now = (it, None) if kind == "left" else (before, it)
    return Change.model_construct(
        programme_id=it.programme_id,
        rank_before=was.rank if was else None,
        rank_after=now.rank if now else None,
        why=why,
        why_vi=why_vi,
        kind=kind,
        reason=reason,
        rules=list(rules or []),
        programme_code=it.programme_code,
        name_vi=it.name_vi,
        name_en=it.name_en,
        level=it.level,
        institution_name=it.institution_name,
        province_code=it.province_code,
        province_name_vi=it.province_name_vi,
        province_name_en=it.province_name_en,
        figures=figures(was, now, all_=kind in ("entered", "left")),
        flags=list(it.flags),
    )
