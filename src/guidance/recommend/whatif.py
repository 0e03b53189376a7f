"""What-if: the same profile with one thing changed; which offerings enter and leave the
top-k, and why (a rule that now admits or excludes them, or a changed score)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from guidance.errors import InvalidProfile
from guidance.recommend.types import MAX_DISTANCE_KM, Change, LearnerProfile, Preferences, WhatIf

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
    b = {it.programme_id: it for it in before.items}
    a = {it.programme_id: it for it in after.items}
    out = WhatIf.model_construct(changes=changes, before=before, after=after, entered=[], left=[])
    last_after = after.items[-1].score if after.items else float("nan")
    for pid, it in a.items():
        if pid in b:
            continue
        was = rec.why_excluded(profile, prefs, pid)
        if was:
            why = f"newly eligible (was excluded by: {', '.join(was)})"
            why_vi = (
                "nay đủ điều kiện (trước bị loại vì: " + ", ".join(_RULE_VI[r] for r in was) + ")"
            )
        else:
            why = f"now scores {it.score:.3f}, above the previous top-{k}"
            why_vi = f"điểm nay là {it.score:.3f}, cao hơn danh sách {k} gợi ý trước"
        out.entered.append(_change(pid, None, it.rank, why, why_vi))
    for pid, it in b.items():
        if pid in a:
            continue
        now = rec.why_excluded(p2, q2, pid)
        if now:
            why = f"no longer eligible ({', '.join(now)})"
            why_vi = "không còn đủ điều kiện (" + ", ".join(_RULE_VI[r] for r in now) + ")"
        else:
            why = f"displaced: offerings scoring above {last_after:.3f} now fill the top-{k}"
            why_vi = (
                f"bị thay thế: các lựa chọn có điểm trên {last_after:.3f} nay chiếm {k} vị trí đầu"
            )
        out.left.append(_change(pid, it.rank, None, why, why_vi))
    return out


def _change(pid: str, before: int | None, after: int | None, why: str, why_vi: str) -> Change:
    return Change.model_construct(
        programme_id=pid, rank_before=before, rank_after=after, why=why, why_vi=why_vi
    )
