"""Institutions and their offerings, drawn from the real national catalogue.

Besides the contract ``programmes`` table, the catalogue keeps what the world
knows and the data does not show: each institution's hidden quality and each
offering's window of graduating cohorts (reformed, closed and brand-new
offerings).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from guidance.world.demand import cluster_multiplier, occupation_cluster
from guidance.world.params import (
    HUB_WEIGHT,
    LEVELS,
    N_COHORT_MONTHS,
    POPULATION_M,
    Scale,
    WorldParams,
)

_TYPES = ("cao_dang", "trung_cap", "trung_tam")
_TYPE_P = (0.25, 0.30, 0.45)
_TYPE_SIZE = {"cao_dang": 4.0, "trung_cap": 2.0, "trung_tam": 0.7}
_TYPE_LEVELS = {  # levels an institution of each type teaches, with shares
    "cao_dang": {"cao_dang": 0.55, "trung_cap": 0.35, "so_cap": 0.10},
    "trung_cap": {"trung_cap": 0.75, "so_cap": 0.25},
    "trung_tam": {"so_cap": 1.0},
}
_PUBLIC_P = {"cao_dang": 0.7, "trung_cap": 0.55, "trung_tam": 0.85}
_SPECIALTY_WORDS = {
    "cao_dang": {
        "manufacturing": "Kỹ thuật Công nghiệp",
        "electronics": "Công nghệ Điện tử",
        "tourism": "Du lịch",
        "agriculture": "Nông nghiệp",
        "it": "Công nghệ Thông tin",
        "health_care": "Y tế",
        "construction": "Xây dựng",
        "transport": "Giao thông Vận tải",
        "business": "Kinh tế - Tài chính",
        "garments": "Công nghiệp Dệt may",
        "other": "Kinh tế - Kỹ thuật",
    },
    "trung_cap": {
        "manufacturing": "Nghề Cơ khí",
        "electronics": "Kỹ thuật - Công nghệ",
        "tourism": "Du lịch - Khách sạn",
        "agriculture": "Kỹ thuật Nông nghiệp",
        "it": "Công nghệ Thông tin",
        "health_care": "Y Dược",
        "construction": "Nghề Xây dựng",
        "transport": "Nghề Giao thông",
        "business": "Kinh tế",
        "garments": "Nghề Dệt may",
        "other": "Nghề",
    },
}
_PRIVATE_BRANDS = (
    "Việt Đức",
    "Phương Đông",
    "Hồng Lam",
    "An Phú",
    "Thành Đạt",
    "Tân Tiến",
    "Bình Minh",
    "Hưng Thịnh",
    "Sao Mai",
    "Trường Sơn",
    "Nam Việt",
    "Đại Phát",
)
# Public tuition per year (VND) by level, before field and private multipliers
# (order of magnitude of the ceilings in Decree 81/2021/NĐ-CP for public schools).
_TUITION = {"so_cap": 2_500_000, "trung_cap": 9_000_000, "cao_dang": 12_000_000}
_FIELD_TUITION = {
    "health_care": 1.35,
    "it": 1.15,
    "tourism": 1.1,
    "electronics": 1.05,
    "agriculture": 0.8,
}
_CAPACITY = {"so_cap": (20, 45), "trung_cap": (30, 90), "cao_dang": (35, 120)}


@dataclass
class Catalogue:
    """The contract programmes table plus hidden world state."""

    programmes: pd.DataFrame
    quality: dict[str, float]  # institution_id -> hidden quality (logit units)
    first_cohort: np.ndarray  # per programmes row: first graduating cohort index
    last_cohort: np.ndarray  # last graduating cohort index (inclusive)


def _catalogue_rows(training: pd.DataFrame) -> pd.DataFrame:
    """Catalogue entries per level; if the national list has no sơ cấp entries,
    short courses are derived from trung cấp ones (same code and name)."""
    t = training.copy()
    t["programme_code"] = t["programme_code"].astype(str)
    t["target_occupations"] = t["target_occupations"].fillna("").astype(str)
    t = t[t["target_occupations"].str.len() > 0]
    t = t[t["level"].isin(LEVELS)]
    if not (t["level"] == "so_cap").any():
        short = t[t["level"] == "trung_cap"].copy()
        short["level"] = "so_cap"
        short["duration_months"] = np.nan
        t = pd.concat([t, short], ignore_index=True)
    t["cluster"] = [occupation_cluster(s.split(";")[0]) for s in t["target_occupations"]]
    return t.reset_index(drop=True)


def _place_names(wards: pd.DataFrame) -> dict[str, list[str]]:
    """Ward names without their Phường/Xã prefix, by province."""
    out: dict[str, set[str]] = {}
    for prov, name in zip(
        wards["province_code"].astype(str), wards["name_vi"].astype(str), strict=True
    ):
        for prefix in ("Phường ", "Xã ", "Đặc khu ", "xã "):
            if name.startswith(prefix):
                name = name[len(prefix) :]
        out.setdefault(prov, set()).add(name)
    return {k: sorted(v) for k, v in out.items()}


def build_catalogue(
    params: WorldParams,
    scale: Scale,
    provinces: pd.DataFrame,
    training: pd.DataFrame,
    wards: pd.DataFrame,
    rng: np.random.Generator,
) -> Catalogue:
    """Institutions in every province (mostly the big ones) and their offerings."""
    prov = provinces.sort_values("province_code").reset_index(drop=True)
    pcodes = prov["province_code"].astype(str).tolist()
    pnames = dict(zip(pcodes, prov["name_vi"].astype(str), strict=False))
    w = np.array([POPULATION_M.get(p, 2.0) ** 1.2 * HUB_WEIGHT.get(p, 1.0) for p in pcodes])
    n_inst = scale.institutions
    first = (
        rng.permutation(len(pcodes))[: min(n_inst, len(pcodes))]
        if n_inst >= len(pcodes)
        else np.array([], dtype=int)
    )
    rest = rng.choice(len(pcodes), size=n_inst - len(first), p=w / w.sum())
    inst_prov = np.sort(np.concatenate([first, rest]).astype(int))
    cat = _catalogue_rows(training)

    clusters = sorted(set(cat["cluster"]) | {"other"})
    used_names: set[str] = set()
    place_names = _place_names(wards)
    insts = []
    for i, pi in enumerate(inst_prov):
        p = pcodes[pi]
        itype = _TYPES[rng.choice(3, p=_TYPE_P)]
        public = bool(rng.random() < _PUBLIC_P[itype])
        cw = np.array([cluster_multiplier(c, p) for c in clusters])
        spec = clusters[rng.choice(len(clusters), p=cw / cw.sum())]
        places = place_names.get(p) or [pnames[p]]
        name = _institution_name(itype, spec, public, pnames[p], places, used_names, rng)
        used_names.add(name)
        insts.append(
            {
                "institution_id": f"I{i + 1:04d}",
                "institution_name": name,
                "province_code": p,
                "type": itype,
                "public": public,
                "specialty": spec,
                "size": _TYPE_SIZE[itype] * float(np.exp(rng.normal(0, 0.35))),
            }
        )
    inst = pd.DataFrame(insts)
    quality = dict(
        zip(
            inst["institution_id"],
            np.round(rng.normal(0.0, params.quality_sd, len(inst)), 4),
            strict=False,
        )
    )

    # how many offerings each institution has (at least one)
    n_off = scale.offerings
    share = inst["size"].to_numpy() / inst["size"].sum()
    counts = 1 + rng.multinomial(max(n_off - len(inst), 0), share)
    rows = []
    pools = {}
    for t, lv_share in _TYPE_LEVELS.items():
        pool = cat[cat["level"].isin(lv_share)].reset_index(drop=True)
        pools[t] = (
            pool.to_dict("records"),
            pool["level"].map(lv_share).to_numpy(),
            pool["cluster"].to_numpy(),
        )
    mult_cache: dict[tuple[str, str], float] = {}
    for k, r in enumerate(inst.to_dict("records")):
        records, lv_w, pool_clusters = pools[r["type"]]
        mult = np.array(
            [
                mult_cache.setdefault(
                    (c, r["province_code"]), np.sqrt(cluster_multiplier(c, r["province_code"]))
                )
                for c in pool_clusters
            ]
        )
        pw = lv_w * np.where(pool_clusters == r["specialty"], 4.0, 1.0) * mult
        pw = pw / pw.sum()
        take = min(int(counts[k]), len(records))
        pick = rng.choice(len(records), size=take, replace=False, p=pw)
        for j in np.sort(pick):
            rows.append(_offering(records[j], r, rng))
    prog = pd.DataFrame(rows)
    prog.insert(0, "programme_id", [f"P{i + 1:06d}" for i in range(len(prog))])
    first_c, last_c, prog = _timelines(prog, rng)
    return Catalogue(prog, quality, first_c, last_c)


def _institution_name(
    itype: str,
    spec: str,
    public: bool,
    province: str,
    places: list[str],
    used: set[str],
    rng: np.random.Generator,
) -> str:
    for _ in range(50):
        place = places[rng.integers(len(places))]
        if itype == "trung_tam":
            name = f"Trung tâm Giáo dục nghề nghiệp {place}"
        else:
            head = "Trường Cao đẳng" if itype == "cao_dang" else "Trường Trung cấp"
            word = _SPECIALTY_WORDS[itype].get(spec, _SPECIALTY_WORDS[itype]["other"])
            if public:
                where = province if rng.random() < 0.6 else place
            else:
                where = _PRIVATE_BRANDS[rng.integers(len(_PRIVATE_BRANDS))]
            name = f"{head} {word} {where}"
        if name not in used:
            return name
    return f"{name} số {len(used) + 1}"


def _offering(entry: dict, inst: dict, rng: np.random.Generator) -> dict:
    level = entry["level"]
    dur = entry.get("duration_months")
    if pd.isna(dur):
        dur = {"so_cap": int(rng.choice([3, 4, 6, 9])), "trung_cap": 24, "cao_dang": 30}[level]
    tuition = _TUITION[level] * _FIELD_TUITION.get(entry["cluster"], 1.0)
    tuition *= (1.0 if inst["public"] else 1.7) * float(np.exp(rng.normal(0, 0.1)))
    lo, hi = _CAPACITY[level]
    mode = "full_time"
    u = rng.random()
    if level == "so_cap" and u < 0.35:
        mode = "part_time"
    elif u > 0.95:
        mode = "apprenticeship"
    return {
        "programme_code": str(entry["programme_code"]),
        "name_vi": entry["name_vi"],
        "name_en": entry.get("name_en"),
        "level": level,
        "field_code": str(entry["field_code"]),
        "institution_id": inst["institution_id"],
        "institution_name": inst["institution_name"],
        "province_code": inst["province_code"],
        "duration_months": int(dur),
        "tuition_vnd_per_year": int(round(tuition / 100_000) * 100_000),
        "min_education": {"so_cap": 0, "trung_cap": 9, "cao_dang": 12}[level],
        "target_occupations": entry["target_occupations"],
        "mode": mode,
        "capacity": int(5 * rng.integers(lo // 5, hi // 5 + 1)),
        "predecessor_id": None,
        "active": True,
    }


def _timelines(prog: pd.DataFrame, rng: np.random.Generator):
    """Windows of graduating cohorts: most offerings run throughout; some
    opened later, some closed, some were reformed (the successor replaces the
    old offering, which stopped enrolling) and some are too new to have
    graduates (cold start)."""
    n = len(prog)
    first = np.zeros(n, dtype=int)
    last = np.full(n, N_COHORT_MONTHS - 1, dtype=int)
    kind = rng.choice(5, size=n, p=[0.80, 0.08, 0.03, 0.05, 0.04])
    late = kind == 1
    first[late] = rng.integers(12, 60, late.sum())
    closed = kind == 2
    last[closed] = rng.integers(30, 72, closed.sum())
    prog.loc[closed, "active"] = False
    cold = kind == 4
    first[cold] = N_COHORT_MONTHS + rng.integers(3, 30, cold.sum())
    successors = []
    records = prog.to_dict("records")
    reformed = np.flatnonzero(kind == 3)
    prog.loc[prog.index[reformed], "active"] = False
    for i in reformed:
        switch = int(rng.integers(24, 54))
        last[i] = switch
        s = dict(records[i])
        s["predecessor_id"] = records[i]["programme_id"]
        s["active"] = True
        s["tuition_vnd_per_year"] = int(round(s["tuition_vnd_per_year"] * 1.1 / 100_000) * 100_000)
        successors.append((s, switch + 1 + int(s["duration_months"])))
    if successors:
        succ = pd.DataFrame([s for s, _ in successors])
        succ["programme_id"] = [f"P{n + k + 1:06d}" for k in range(len(succ))]
        prog = pd.concat([prog, succ], ignore_index=True)
        first = np.concatenate([first, [f for _, f in successors]])
        last = np.concatenate([last, np.full(len(successors), N_COHORT_MONTHS - 1)])
    return first, last, prog
