"""The catalogue as numpy arrays, and eligibility/preference filtering as boolean masks.

Built once per catalogue; a request only combines precomputed arrays, so filtering a
national catalogue (40,000 offerings) costs well under a millisecond.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from guidance.errors import UnknownProvince
from guidance.geo import distance_matrix_km
from guidance.recommend.types import LearnerProfile, Preferences

LEVELS = ("so_cap", "trung_cap", "cao_dang")
# why an offering is not a candidate, in the order the rules are checked
RULES = ("education", "age", "level", "field", "duration", "tuition", "location")


def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame:
        return np.full(len(frame), np.nan)
    return np.asarray(pd.to_numeric(frame[col], errors="coerce").astype("float64").to_numpy())


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
        # plain Python values for building result items without pandas row access
        self.text = {
            c: [v if isinstance(v, str) else None for v in f[c].astype("object")]
            for c in ("name_vi", "name_en", "institution_id", "institution_name", "province_code")
            if c in f
        }
        self.level = f["level"].astype("str").to_numpy()
        self.field = f["field_code"].astype("str").to_numpy()
        self.duration = _num(f, "duration_months")
        self.tuition = _num(f, "tuition_vnd_per_year")
        self.min_edu = np.nan_to_num(_num(f, "min_education"), nan=0.0)
        self.min_age = _num(f, "min_age")  # not in contract v1; honoured when a file has it
        self.max_age = _num(f, "max_age")
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

    def rule_masks(
        self, profile: LearnerProfile, prefs: Preferences, dist: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        """One boolean mask per rule (True = passes)."""
        n = len(self)
        home = self.home_index(profile)
        dist = self.distances(home) if dist is None else dist
        ok = np.ones(n, bool)
        masks = {"education": profile.education_level >= self.min_edu}
        with np.errstate(invalid="ignore"):
            masks["age"] = ~(profile.age < self.min_age) & ~(profile.age > self.max_age)
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
        return masks

    def location_mask(self, home: int, prefs: Preferences, dist: np.ndarray) -> np.ndarray:
        """Listed provinces or within ``max_distance_km`` (either suffices); with neither,
        anywhere when willing to relocate, else the home region."""
        explicit = prefs.provinces is not None or prefs.max_distance_km is not None
        if not explicit:
            if prefs.willing_to_relocate:
                return np.ones(len(self), bool)
            same = self.region[np.maximum(self.prov, 0)] == self.region[home]
            return np.asarray((self.prov >= 0) & same)
        m = np.zeros(len(self), bool)
        if prefs.provinces is not None:
            m |= np.isin(self.prov_codes[np.maximum(self.prov, 0)], prefs.provinces) & (
                self.prov >= 0
            )
        if prefs.max_distance_km is not None:
            m |= dist <= prefs.max_distance_km
        return m

    def eligible(
        self, profile: LearnerProfile, prefs: Preferences, dist: np.ndarray | None = None
    ) -> np.ndarray:
        masks = self.rule_masks(profile, prefs, dist)
        return np.asarray(np.logical_and.reduce(list(masks.values())))

    def failed_rules(self, i: int, profile: LearnerProfile, prefs: Preferences) -> list[str]:
        """The rules offering ``i`` fails for this learner (empty: it is a candidate)."""
        masks = self.rule_masks(profile, prefs)
        return [r for r in RULES if not masks[r][i]]
