"""The catalogue as numpy arrays, and eligibility/preference filtering as boolean masks.

Built once per catalogue; a request only combines precomputed arrays, so filtering a
national catalogue (40,000 offerings) costs well under a millisecond.

Age (rule ``age``): the catalogue's own ``min_age``/``max_age`` (contract v1.3) apply at
enrolment; the packaged legal minimum ages (``reference.legal_min_ages``, matched on the
offering's target occupations and name) apply at graduation: age now + months from now
to the start + the programme's months. A legal minimum whose source is ``unclear`` never
excludes: the item is flagged instead (see ``age_notes``).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from guidance.errors import UnknownProvince
from guidance.geo import distance_matrix_km, near_area
from guidance.recommend.types import AgeRule, LearnerProfile, Preferences
from guidance.text import fold

LEVELS = ("so_cap", "trung_cap", "cao_dang")
# why an offering is not a candidate, in the order the rules are checked
RULES = ("education", "age", "level", "field", "duration", "tuition", "location")


def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame:
        return np.full(len(frame), np.nan)
    return np.asarray(pd.to_numeric(frame[col], errors="coerce").astype("float64").to_numpy())


def legal_rows(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per offering, the row (of ``reference.legal_min_ages()``) of the highest legal
    minimum age that matches it, for rows of status ``law`` and ``unclear`` (-1: none).
    A row matches when one of its ISCO codes is a target occupation of the offering, or
    its pattern is found in the offering's folded Vietnamese name (``fold``). Matched once
    per distinct (name, targets): a national catalogue repeats a few hundred of them."""
    from guidance.reference import legal_min_ages

    table = legal_min_ages()
    n = len(frame)
    blank = pd.Series([""] * n, index=frame.index)
    keys = pd.MultiIndex.from_arrays(
        [
            frame.get("name_vi", blank).fillna("").astype(str),
            frame.get("target_occupations", blank).fillna("").astype(str),
        ]
    )
    codes, uniq = pd.factorize(keys)
    rules = [
        (
            set(str(row.isco_codes).split(";")) if isinstance(row.isco_codes, str) else set(),
            re.compile(row.name_pattern) if isinstance(row.name_pattern, str) else None,
            float(row.min_age),
            str(row.status),
        )
        for row in table.itertuples(index=False)
    ]
    best = {"law": np.full(len(uniq), -1), "unclear": np.full(len(uniq), -1)}
    for k, (name, targets) in enumerate(uniq):
        folded, occ = fold(name), set(targets.split(";"))
        top = {"law": -np.inf, "unclear": -np.inf}
        for r, (isco, pattern, age, status) in enumerate(rules):
            hit = bool(isco & occ) or bool(pattern is not None and pattern.search(folded))
            if hit and age > top[status]:
                best[status][k], top[status] = r, age
    return best["law"][codes], best["unclear"][codes]


class Catalogue:
    """Active offerings with their provinces, as arrays aligned by position."""

    def __init__(self, programmes: pd.DataFrame, provinces: pd.DataFrame):
        active = programmes.get("active")
        keep = (
            np.ones(len(programmes), bool)
            if active is None
            else active.astype("boolean").fillna(True).to_numpy(dtype=bool)
        )
        self.frame = programmes[keep].reset_index(drop=True)
        f = self.frame
        self.ids = f["programme_id"].astype("str").to_numpy()
        self.pos = {pid: i for i, pid in enumerate(self.ids)}
        self.code = f["programme_code"].astype("str").to_numpy()
        # programme codes as integers (position in ``code_names``), for counting per code
        self.code_names, self.code_id = np.unique(self.code, return_inverse=True)
        # plain Python values for building result items without pandas row access
        self.text = {
            c: [v if isinstance(v, str) else None for v in f[c].astype("object")]
            for c in ("name_vi", "name_en", "institution_id", "institution_name", "province_code")
            if c in f
        }
        self.level = f["level"].astype("str").to_numpy()
        self.field = f["field_code"].astype("str").to_numpy()
        self.duration = _num(f, "duration_months")
        self.duration_or_0 = np.nan_to_num(self.duration)  # unknown duration: 0 months
        self.tuition = _num(f, "tuition_vnd_per_year")
        self.min_edu = np.nan_to_num(_num(f, "min_education"), nan=0.0)
        self.min_age = _num(f, "min_age")  # contract v1.3, optional: at enrolment
        self.max_age = _num(f, "max_age")
        # the packaged legal minimum ages (at graduation): law excludes, unclear flags
        from guidance.reference import legal_min_ages

        self.legal = legal_min_ages()
        self.law_row, self.unclear_row = legal_rows(f)
        ages = self.legal["min_age"].to_numpy(float)
        self.law_min_age = np.where(self.law_row >= 0, ages[np.maximum(self.law_row, 0)], np.nan)
        self.total_tuition = self.tuition * np.maximum(self.duration, 12) / 12.0
        prov = provinces.reset_index(drop=True)
        self.prov_codes = prov["province_code"].astype("str").to_numpy()
        self.prov_pos = {c: i for i, c in enumerate(self.prov_codes)}
        self.prov_name_vi = prov["name_vi"].astype("str").to_numpy()
        self.prov_name_en = (
            (prov["name_en"] if "name_en" in prov else prov["name_vi"]).astype("str").to_numpy()
        )
        self.region = prov["region"].astype("str").to_numpy()
        lat, lon = prov["lat"].to_numpy(float), prov["lon"].to_numpy(float)
        self.dist = distance_matrix_km(lat, lon)
        self.prov = np.array(
            [self.prov_pos.get(c, -1) for c in f["province_code"].astype("str")], dtype=int
        )
        # near[h, p]: province p is the home h or one of its neighbours (the default area)
        self.near = np.array(
            [np.isin(self.prov_codes, list(near_area(str(h)))) for h in self.prov_codes],
            dtype=bool,
        ).reshape(len(self.prov_codes), len(self.prov_codes))
        self._level_masks = {lv: self.level == lv for lv in LEVELS}

    def __len__(self) -> int:
        return len(self.ids)

    def home_index(self, profile: LearnerProfile) -> int:
        try:
            return self.prov_pos[profile.home_province_code]
        except KeyError:
            raise UnknownProvince(profile.home_province_code) from None

    def distances(self, home: int) -> np.ndarray:
        """Distance (km) from the learner's home province to each offering's province."""
        row = self.dist[home]
        return np.where(self.prov >= 0, row[np.maximum(self.prov, 0)], np.nan)

    def months_to_graduation(self, lead: int, i: int | None = None) -> np.ndarray:
        """Months from now to each offering's graduation (offering ``i`` only, if given)
        when starting ``lead`` months from now (a start in the past counts from now;
        unknown duration: 0)."""
        months = self.duration_or_0 if i is None else self.duration_or_0[i]
        return np.asarray(np.maximum(lead + months, 0.0))

    def age_mask(self, age: float, lead: int = 0) -> np.ndarray:
        """Rule ``age``: the catalogue's ``min_age``/``max_age`` at enrolment (``lead``
        months from now; ``max_age`` in completed years) and the legal minimum (status
        ``law``) at graduation. Exactly the minimum passes."""
        start = age + max(lead, 0) / 12.0
        grad = age + self.months_to_graduation(lead) / 12.0
        done = age + max(lead, 0) // 12
        with np.errstate(invalid="ignore"):
            return np.asarray(
                ~(start < self.min_age) & ~(done > self.max_age) & ~(grad < self.law_min_age)
            )

    def age_notes(self, i: int, age: float, lead: int) -> tuple[list[str], list[AgeRule]]:
        """Flags and the legal rules behind them for offering ``i`` (a candidate):
        ``age_at_graduation`` (under the legal minimum now, old enough at graduation) and
        ``age_law_unclear`` (under a minimum whose legal source is unclear: not excluded)."""
        grad = age + float(self.months_to_graduation(lead, i)) / 12.0
        flags: list[str] = []
        rules: list[AgeRule] = []
        for r, status in ((self.law_row[i], "law"), (self.unclear_row[i], "unclear")):
            if r < 0:
                continue
            row = self.legal.iloc[int(r)]
            minimum = float(row["min_age"])
            if status == "unclear" and grad < minimum:
                flag = "age_law_unclear"
            elif age < minimum <= grad:
                flag = "age_at_graduation"
            else:
                continue
            if flag not in flags:
                flags.append(flag)
            rules.append(
                AgeRule.model_construct(
                    flag=flag,
                    rule_id=str(row["rule_id"]),
                    min_age=int(minimum),
                    status=status,
                    trade_vi=str(row["trade_vi"]),
                    trade_en=str(row["trade_en"]),
                    source=str(row["source"]),
                    age_now=float(age),
                    age_at_graduation=round(grad, 1),
                )
            )
        return flags, rules

    def rule_masks(
        self,
        profile: LearnerProfile,
        prefs: Preferences,
        dist: np.ndarray | None = None,
        lead: int = 0,
    ) -> dict[str, np.ndarray]:
        """One boolean mask per rule (True = passes); ``lead``: months from now (the demand
        period) to the start."""
        n = len(self)
        home = self.home_index(profile)
        for code in prefs.provinces or ():  # a code the catalogue does not know is a mistake
            if code not in self.prov_pos:
                raise UnknownProvince(code, "provinces")
        dist = self.distances(home) if dist is None else dist
        ok = np.ones(n, bool)
        masks = {"education": profile.education_level >= self.min_edu}
        masks["age"] = self.age_mask(profile.age, lead)
        if prefs.levels:
            m = np.zeros(n, bool)
            for lv in prefs.levels:
                m |= self._level_masks.get(lv, False)
            masks["level"] = m
        else:
            masks["level"] = ok
        masks["field"] = np.isin(self.field, prefs.field_codes) if prefs.field_codes else ok
        with np.errstate(invalid="ignore"):
            masks["duration"] = (
                ok
                if prefs.max_duration_months is None
                else ~(self.duration > prefs.max_duration_months)
            )
            masks["tuition"] = (
                ok
                if prefs.max_tuition_vnd_per_year is None
                else ~(self.tuition > prefs.max_tuition_vnd_per_year)
            )
        masks["location"] = self.location_mask(home, prefs, dist)
        if self.is_default_area(prefs):
            others = np.logical_and.reduce([m for r, m in masks.items() if r != "location"])
            if not (others & masks["location"]).any():
                # nothing near passes the other rules: the home region (said in the notes)
                masks["location"] = self.region_mask(home)
        return masks

    @staticmethod
    def is_default_area(prefs: Preferences) -> bool:
        """No provinces, no distance and not relocating: the default study area applies."""
        return (
            prefs.provinces is None
            and prefs.max_distance_km is None
            and not prefs.willing_to_relocate
        )

    def region_mask(self, home: int) -> np.ndarray:
        """Offerings in the home province's region (the default area's fallback)."""
        same = self.region[np.maximum(self.prov, 0)] == self.region[home]
        return np.asarray((self.prov >= 0) & same)

    def location_mask(self, home: int, prefs: Preferences, dist: np.ndarray) -> np.ndarray:
        """Listed provinces or within ``max_distance_km`` (either suffices); with neither,
        anywhere when willing to relocate, else the home province and its neighbours
        (``geo.near_area``; ``rule_masks`` widens it to the home region when no offering
        there passes the other rules)."""
        explicit = prefs.provinces is not None or prefs.max_distance_km is not None
        if not explicit:
            if prefs.willing_to_relocate:
                return np.ones(len(self), bool)
            return np.asarray((self.prov >= 0) & self.near[home][np.maximum(self.prov, 0)])
        m = np.zeros(len(self), bool)
        if prefs.provinces is not None:
            m |= np.isin(self.prov_codes[np.maximum(self.prov, 0)], prefs.provinces) & (
                self.prov >= 0
            )
        if prefs.max_distance_km is not None:
            m |= dist <= prefs.max_distance_km
        return m

    def default_area(self, home: int) -> list[str]:
        """Province codes of the default study area of a learner living in ``home``."""
        return [str(c) for c in self.prov_codes[self.near[home]]]

    def eligible(
        self,
        profile: LearnerProfile,
        prefs: Preferences,
        dist: np.ndarray | None = None,
        lead: int = 0,
    ) -> np.ndarray:
        masks = self.rule_masks(profile, prefs, dist, lead)
        return np.asarray(np.logical_and.reduce(list(masks.values())))

    def failed_rules(
        self, i: int, profile: LearnerProfile, prefs: Preferences, lead: int = 0
    ) -> list[str]:
        """The rules offering ``i`` fails for this learner (empty: it is a candidate)."""
        masks = self.rule_masks(profile, prefs, lead=lead)
        return [r for r in RULES if not masks[r][i]]
