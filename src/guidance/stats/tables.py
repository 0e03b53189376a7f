"""Outcome tables (raw, before disclosure control) for the groupings of issue 12 §1.

Input: the contract's tables as ``guidance.contract.load_dir`` returns them (``programmes``
and ``outcomes``; every outcome row is a graduate, a respondent unless a tracer v1.1
``survey_status`` says otherwise). Output: one tidy frame per grouping, one row per key and
cohort label, with the counts of ``definitions.INDICATORS``, every rate of
``definitions.RATES`` with its 95 % Wilson interval, wage quartiles (``wage_p25``,
``wage_median``, ``wage_p75``) and ``wage_n``, and ``cohort`` / ``cohorts`` / ``pooled``.

A **cohort** is a graduation year (the first four characters of the contract's monthly
``cohort``). Labels: every year on its own, and the latest 2 and 3 years pooled (e.g.
``2024-2025`` and ``2023-2025``, ``pooled`` true, ``cohorts`` "2024,2025"). The latest years
are the newest in the data, the same for every table, so a pooled cell is exactly the sum of
its years' cells.

The **trade** of an offering is its training occupation: the first ISCO-08 code of the
programme's ``target_occupations`` (``trade_occupation``), and its first two digits
(``isco2``). The **province** is the province of the offering (where it is taught).

Every grouping is a coarsening of the offering, so everything is summed once per
(offering, year) and aggregated upwards; only the wage quartiles read the records again.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from guidance.stats.definitions import INDICATORS, Z95, add_rates, grouped_quantiles, indicators

OFFERING_ATTRS = (
    "programme_id",
    "institution_id",
    "institution_name",
    "programme_code",
    "level",
    "province_code",
    "trade_occupation",
    "isco2",
)

GROUPINGS: dict[str, tuple[str, ...]] = {
    "offering": ("programme_id",),
    "institution": ("institution_id", "province_code"),
    "programme_province": ("programme_code", "province_code"),
    "trade2_province_level": ("isco2", "province_code", "level"),
    "trade4_province_level": ("trade_occupation", "province_code", "level"),
    "province": ("province_code",),
    "nation": (),
}
"""Grouping name -> key columns (issue 12 §1; the institution is taken per province, so that
it nests exactly in the province)."""

CARRIED: dict[str, tuple[str, ...]] = {
    "offering": OFFERING_ATTRS[1:],
    "institution": ("institution_name",),
    "trade4_province_level": ("isco2",),
}
"""Attribute columns a grouping's rows carry besides their key (determined by the key)."""

NESTING: tuple[tuple[str, str], ...] = (
    ("offering", "institution"),
    ("offering", "programme_province"),
    ("offering", "trade4_province_level"),
    ("offering", "trade2_province_level"),
    ("offering", "province"),
    ("trade4_province_level", "trade2_province_level"),
    ("institution", "province"),
    ("programme_province", "province"),
    ("trade2_province_level", "province"),
    ("trade4_province_level", "province"),
    ("province", "nation"),
    ("institution", "nation"),
)
"""(parts, total): the rows of ``parts`` with the same total key and cohort label add up
exactly to the row of ``total`` — the relations a differencing attack exploits."""

POOLS = (2, 3)
EXPECTED = "p_employed_12m"
"""Optional outcome column: the outcome model's predicted probability of employment at 12
months per graduate (for ``value_added``); summed as ``expected_12m`` and ``expected_var_12m``
(Σ p(1-p)) over the respondents of the 12-month wave."""

COUNT_COLUMNS = INDICATORS


def offering_frame(programmes: pd.DataFrame) -> pd.DataFrame:
    """The offering attributes of ``OFFERING_ATTRS`` (trade from ``target_occupations``)."""
    p = programmes
    first = p["target_occupations"].astype("string").str.split(";").str[0]
    return pd.DataFrame(
        {
            "programme_id": p["programme_id"].astype("string"),
            "institution_id": p["institution_id"].astype("string"),
            "institution_name": p["institution_name"].astype("string"),
            "programme_code": p["programme_code"].astype("string"),
            "level": p["level"].astype("string"),
            "province_code": p["province_code"].astype("string"),
            "trade_occupation": first,
            "isco2": first.str[:2],
        }
    ).reset_index(drop=True)


def cohort_labels(years: list[int], pools=POOLS) -> list[tuple[str, tuple[int, ...], bool]]:
    """(label, years, pooled) for every year and the latest ``pools`` years pooled."""
    ys = sorted(set(years))
    out: list[tuple[str, tuple[int, ...], bool]] = [(str(y), (y,), False) for y in ys]
    for k in pools:
        if len(ys) >= k:
            w = tuple(ys[-k:])
            out.append((f"{w[0]}-{w[-1]}", w, True))
    return out


class Records:
    """Outcome records reduced to what the tables need: offering position, year, indicators,
    wage (and expected probability when given)."""

    def __init__(self, tables: dict[str, pd.DataFrame], expected: pd.Series | None = None):
        self.offerings = offering_frame(tables["programmes"])
        out = tables["outcomes"]
        pcode, puniq = pd.factorize(out["programme_id"])
        pos = (
            pd.Index(self.offerings["programme_id"]).get_indexer(pd.Index(puniq).astype("string"))[
                pcode
            ]
            if len(out)
            else np.zeros(0, "int64")
        )
        if (pos < 0).any():
            raise ValueError(
                f"{int((pos < 0).sum())} outcome rows name a programme_id that is not in programmes"
            )
        ind = indicators(out)
        self.off = pos.astype("int64")
        ccode, cuniq = pd.factorize(out["cohort"])
        self.year = (
            np.array([int(str(c)[:4]) for c in cuniq], dtype="int64")[ccode]
            if len(out)
            else np.zeros(0, "int64")
        )
        counts = {c: ind[c].to_numpy() for c in COUNT_COLUMNS}
        if expected is None and EXPECTED in out.columns:
            expected = out[EXPECTED]
        self.has_expected = expected is not None
        if self.has_expected:
            p = np.clip(np.asarray(expected, dtype="float64"), 0.0, 1.0)
            resp = counts["answered_12m"].astype(bool)
            counts["expected_12m"] = np.where(resp, p, 0.0)
            counts["expected_var_12m"] = np.where(resp, p * (1 - p), 0.0)
        self.years = [int(y) for y in np.unique(self.year)]
        ny = max(len(self.years), 1)
        self.ny = ny
        yi = np.searchsorted(np.array(self.years, dtype="int64"), self.year)
        # base cells: (offering, year) sums, the only pass over the records for counts
        cell = self.off * ny + yi
        n_base = len(self.offerings) * ny
        grads = np.bincount(cell, minlength=n_base)
        keep = np.flatnonzero(grads > 0)
        self.b_off, self.b_yi = keep // ny, keep % ny
        self.b_counts = {
            c: np.bincount(cell, weights=v, minlength=n_base)[keep] for c, v in counts.items()
        }
        # wages: rows with a wage, sorted by wage once (then stable integer sorts per group)
        wage = ind["wage"].to_numpy()
        idx = np.flatnonzero(np.isfinite(wage))
        rows = idx[np.argsort(wage[idx], kind="stable")]
        self.w_off, self.w_yi, self.w_val = self.off[rows], yi[rows], wage[rows]


def _codes(offerings: pd.DataFrame, keys: tuple[str, ...]) -> tuple[np.ndarray, pd.DataFrame]:
    """Group position of every offering for ``keys`` and the groups' key frame."""
    if not keys:
        return np.zeros(len(offerings), "int64"), pd.DataFrame(index=[0])
    codes, uniques = pd.MultiIndex.from_frame(offerings[list(keys)].fillna("")).factorize()
    frame = uniques.to_frame(index=False)
    frame.columns = list(keys)
    return codes.astype("int64"), frame


def grouping_table(rec: Records, name: str, pools=POOLS) -> pd.DataFrame:
    """The raw table of one grouping, every cohort label."""
    keys = GROUPINGS[name]
    gpos, gkeys = _codes(rec.offerings, keys)
    carried = CARRIED.get(name, ())
    if carried:
        first = pd.DataFrame({"g": gpos}).drop_duplicates("g").sort_values("g")
        for c in carried:
            gkeys[c] = rec.offerings[c].to_numpy()[first.index.to_numpy()]
    n_groups = len(gkeys)
    ny = rec.ny
    bg, wg = gpos[rec.b_off], gpos[rec.w_off]
    cols = list(rec.b_counts)
    # every single year at once (code = group × year), then each pool
    per_year = {
        c: np.bincount(
            bg * ny + rec.b_yi, weights=rec.b_counts[c], minlength=n_groups * ny
        ).reshape(n_groups, ny)
        for c in cols
    }
    wn_y, wq_y = grouped_quantiles(wg * ny + rec.w_yi, rec.w_val, n_groups * ny, presorted=True)
    wn_y, wq_y = wn_y.reshape(n_groups, ny), wq_y.reshape(n_groups, ny, -1)
    frames = []
    # without any record: one empty pass, so the frame still has every column
    for label, years, pooled in cohort_labels(rec.years, pools) or [("", (), True)]:
        yset = np.isin(np.array(rec.years), years)
        if pooled:
            bsel, wsel = yset[rec.b_yi], yset[rec.w_yi]
            sums = {
                c: np.bincount(bg[bsel], weights=rec.b_counts[c][bsel], minlength=n_groups)
                for c in cols
            }
            wn, wq = grouped_quantiles(wg[wsel], rec.w_val[wsel], n_groups, presorted=True)
        else:
            j = int(np.flatnonzero(yset)[0])
            sums = {c: per_year[c][:, j] for c in cols}
            wn, wq = wn_y[:, j], wq_y[:, j]
        df = gkeys.copy()
        df.insert(0, "cohort", label)
        df["cohorts"] = ",".join(map(str, years))
        df["pooled"] = pooled
        for c in cols:
            v = sums[c]
            df[c] = v if c.startswith("expected") else np.rint(v).astype("int64")
        df["wage_n"] = wn
        df["wage_p25"], df["wage_median"], df["wage_p75"] = wq[:, 0], wq[:, 1], wq[:, 2]
        frames.append(df[df["graduates"] > 0])
    return add_rates(pd.concat(frames, ignore_index=True), Z95)


def outcome_tables(
    tables: dict[str, pd.DataFrame],
    *,
    expected: pd.Series | None = None,
    pools=POOLS,
    groupings=None,
) -> dict[str, pd.DataFrame]:
    """Raw outcome tables of every grouping (``GROUPINGS``), every cohort and pooled label.

    ``expected``: optional per-outcome-row predicted probability of employment at 12 months
    (aligned with ``tables["outcomes"]``; or an outcomes column ``p_employed_12m``), summed
    for ``value_added``. Raw tables are NOT publishable: pass them to
    ``disclosure.publish``."""
    rec = Records(tables, expected)
    return {name: grouping_table(rec, name, pools) for name in (groupings or GROUPINGS)}
