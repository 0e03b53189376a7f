"""What-if: the same profile with one thing changed; which offerings enter and leave the
top-k, and why (a rule that now admits or excludes them, or a changed score)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from guidance.recommend.types import MAX_DISTANCE_KM, LearnerProfile, Preferences, Recommendation

_RULE_VI = {
    "education": "trình độ học vấn",
    "age": "tuổi",
    "level": "trình độ đào tạo",
    "field": "ngành",
    "duration": "thời gian học",
    "tuition": "học phí",
    "location": "nơi học",
}


@dataclass
class Change:
    programme_id: str
    rank_before: int | None
    rank_after: int | None
    why: str
    why_vi: str


@dataclass
class WhatIf:
    changes: dict
    before: Recommendation
    after: Recommendation
    entered: list[Change] = field(default_factory=list)
    left: list[Change] = field(default_factory=list)


def apply_changes(
    rec, profile: LearnerProfile, prefs: Preferences, changes: dict
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
                dist = rec.cat.distances(rec.cat.home_index(profile))
                elig = rec.cat.eligible(profile, prefs, dist)
                base = float(np.nanmax(dist[elig])) if elig.any() else 0.0
            value = min(float(MAX_DISTANCE_KM), max(0.0, base + float(value)))
        if key in Preferences.model_fields:
            q_new[key] = value
        elif key in LearnerProfile.model_fields:
            p_new[key] = value
        else:
            raise ValueError(f"unknown what-if field {key!r}")
    return LearnerProfile.model_validate(p_new), Preferences.model_validate(q_new)


def what_if(
    rec,
    profile: LearnerProfile | dict,
    prefs: Preferences | dict | None,
    changes: dict,
    k: int = 10,
) -> WhatIf:
    profile = (
        profile if isinstance(profile, LearnerProfile) else LearnerProfile.model_validate(profile)
    )
    prefs = prefs if isinstance(prefs, Preferences) else Preferences.model_validate(prefs or {})
    p2, q2 = apply_changes(rec, profile, prefs, changes)
    before = rec.recommend(profile, prefs, k=k)
    after = rec.recommend(p2, q2, k=k)
    b = {it.programme_id: it for it in before.items}
    a = {it.programme_id: it for it in after.items}
    out = WhatIf(changes, before, after)
    last_after = after.items[-1].score if after.items else float("nan")
    for pid, it in a.items():
        if pid in b:
            continue
        was = rec.cat.failed_rules(rec.cat.pos[pid], profile, prefs)
        if was:
            why = f"newly eligible (was excluded by: {', '.join(was)})"
            why_vi = (
                "nay đủ điều kiện (trước bị loại vì: " + ", ".join(_RULE_VI[r] for r in was) + ")"
            )
        else:
            why = f"now scores {it.score:.3f}, above the previous top-{k}"
            why_vi = f"điểm nay là {it.score:.3f}, cao hơn danh sách {k} gợi ý trước"
        out.entered.append(Change(pid, None, it.rank, why, why_vi))
    for pid, it in b.items():
        if pid in a:
            continue
        now = rec.cat.failed_rules(rec.cat.pos[pid], p2, q2)
        if now:
            why = f"no longer eligible ({', '.join(now)})"
            why_vi = "không còn đủ điều kiện (" + ", ".join(_RULE_VI[r] for r in now) + ")"
        else:
            why = f"displaced: offerings scoring above {last_after:.3f} now fill the top-{k}"
            why_vi = (
                f"bị thay thế: các lựa chọn có điểm trên {last_after:.3f} nay chiếm {k} vị trí đầu"
            )
        out.left.append(Change(pid, it.rank, None, why, why_vi))
    return out
