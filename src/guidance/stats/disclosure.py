"""Disclosure control of the outcome tables (issue 12 §2): thresholds, pooling, rounding,
complementary suppression.

Rules (``DisclosureSettings``, defaults of the issue):

1. **Primary suppression.** A cell's figures are published only when respondents ≥ 20 AND
   the response rate ≥ 50 %; otherwise the cell is withheld with the reason ("fewer than 20
   respondents" / "ít hơn 20 người trả lời", or "response rate 31%, below 50%").
2. **Complementary suppression.** The outcome tables are linked by exact sums (``relations``
   below, found from the data: offerings, institutions, programmes and trades within their
   province, trades within their 2-digit trade, provinces and institutions within the
   nation, each key's years within its pooled cells, their combinations, and partial
   relations that hold for part of the data). Each relation is a group ``total = Σ parts``. If exactly
   one member of a group (a part or the total) is withheld, it could be computed by
   subtraction (or addition), so one more member is withheld: the published part with the
   fewest respondents (ties: the first), or the total when no part is left. Withholding can
   make another group have exactly one withheld member, so the pass repeats until no group
   has exactly one; it terminates because cells are only ever added. Then every group has
   0 or ≥ 2 withheld members and subtraction only ever gives a sum of two or more withheld
   cells. Complementary cells carry the reason "withheld so that another withheld figure
   cannot be worked out by subtraction".
3. A withheld cell publishes no figure at all (no count, no rate, no wage): only its key,
   its cohorts and the reason.
4. **Rounding.** Published counts to the nearest 5, rates to whole percent (Wilson bounds
   outwards: lower bound down, upper bound up), wages to the nearest 100,000 VND.
5. **Wages** only from ≥ 20 respondents with a wage (else ``wage_suppressed`` with its reason).
6. **Pooling.** ``headline`` picks, per key, the latest year when it is published, else the
   latest two years pooled, else three, and marks the result ``pooled`` with its
   ``cohorts``; every label is also published as its own table rows.

7. **Exact audit** (small publications only): ``linear_audit`` checks that no withheld cell is
   a linear combination of published ones and ``publish`` withholds more until none is; it
   runs while its blocks stay within ``audit_max_atoms`` (``Publication.audited``).

What is not claimed: protection against linear combinations of several relations when the
audit did not run (demo and national worlds: only the group rule holds there), or against
inference from inequalities (the "fewer than 20" bound of a reason); see
``docs/statistics.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from guidance.stats.definitions import RATES
from guidance.stats.tables import GROUPINGS, OFFERING_ATTRS


@dataclass(frozen=True)
class DisclosureSettings:
    """Thresholds and rounding (defaults of issue 12 §2; sources in docs/statistics.md)."""

    min_respondents: int = 20
    min_response_rate: float = 0.5
    min_wage_respondents: int = 20
    round_counts_to: int = 5
    round_wages_to: int = 100_000
    complementary: bool = True
    audit: bool = True
    audit_max_atoms: int = 500


REASONS = {
    "few_respondents": ("fewer than {n} respondents", "ít hơn {n} người trả lời"),
    "low_response": ("response rate {pct}%, below {min}%", "tỷ lệ phản hồi {pct}%, dưới {min}%"),
    "complementary": (
        "withheld so that another withheld figure cannot be worked out by subtraction",
        "ẩn để không thể suy ra một số liệu bị ẩn khác bằng phép trừ",
    ),
    "few_wages": (
        "wages from fewer than {n} respondents are not shown",
        "không công bố tiền lương khi có ít hơn {n} người trả lời",
    ),
}
"""Reason code -> (English, Vietnamese) templates."""

COUNTS_PUBLISHED = ("graduates", "surveyed", "respondents")
WAVE_COUNTS = {
    "answered_6m": (
        "fewer than {n} graduates answered the 6-month survey: its figures are not shown",
        "ít hơn {n} người trả lời khảo sát sau 6 tháng: không hiển thị số liệu của đợt này",
    ),
    "answered_12m": (
        "fewer than {n} graduates answered the 12-month survey: its figures are not shown",
        "ít hơn {n} người trả lời khảo sát sau 12 tháng: không hiển thị số liệu của đợt này",
    ),
}
"""A wave's own respondents (the denominators of its rates) and the reason shown when a
published cell has too few of them: those rates alone are withheld. The counts themselves
are never published."""
WAGES = ("wage_p25", "wage_median", "wage_p75")


def round_to(x, step: int) -> np.ndarray:
    """Nearest multiple of ``step``, halves upwards (float array; NaN stays NaN)."""
    x = np.asarray(x, dtype="float64")
    return np.floor(x / step + 0.5) * step


def percent(x) -> np.ndarray:
    """A rate in [0, 1] as whole percent (halves upwards)."""
    return np.floor(np.asarray(x, dtype="float64") * 100 + 0.5)


def primary(table: pd.DataFrame, s: DisclosureSettings) -> np.ndarray:
    """Reason code per row for the primary rule ('' when the row may be published)."""
    resp = table["respondents"].to_numpy()
    rr = table["response_rate"].to_numpy()
    out = np.full(len(table), "", dtype=object)
    out[rr < s.min_response_rate] = "low_response"
    out[resp < s.min_respondents] = "few_respondents"
    return out


# -- the relations --------------------------------------------------------------------------
#
# An *element* is one offering in one graduation year (an offering-year with graduates).
# Every cell of every table is the sum of its elements (its key's offerings, its label's
# years). A cell ``b`` is an exact sum of the cells of table ``A`` under a partition ``S`` of
# b's years into labels (the year itself; a pool's years one by one; a 3-year pool as the
# 2-year pool plus the oldest year) when every A cell touching b's elements lies wholly
# inside b. Every (A, B, label, partition) is examined, A = B included (a key's years within
# its pool), so relations that hold only in part of the data (an institution whose
# programmes nobody else teaches in its province) are found as well as the nestings.


def _elements(tables: dict[str, pd.DataFrame], offsets: dict[str, int]):
    """Elements (offering, year) and, per table, the cell of each element for every label."""
    off = tables["offering"]
    single = off[~off["pooled"].to_numpy()]
    el = single[[c for c in single.columns if c in OFFERING_ATTRS]].copy()
    el["year"] = single["cohort"].to_numpy()
    el = el.reset_index(drop=True)
    labels = off[["cohort", "cohorts", "pooled"]].drop_duplicates("cohort")
    label_years = {r.cohort: tuple(r.cohorts.split(",")) for r in labels.itertuples()}
    cell: dict[str, dict[str, np.ndarray]] = {}
    in_label = {label: el["year"].isin(years).to_numpy() for label, years in label_years.items()}
    for name, t in tables.items():
        keys = list(GROUPINGS[name])
        ek = el[keys].astype("string").fillna("") if keys else pd.DataFrame(index=el.index)
        tk = t[keys].astype("string").fillna("") if keys else pd.DataFrame(index=t.index)
        tk = tk.assign(_cell=offsets[name] + np.arange(len(t)), cohort=t["cohort"].to_numpy())
        per: dict[str, np.ndarray] = {}
        for label in label_years:
            sel = in_label[label]
            arr = np.full(len(el), -1, "int64")
            m = (
                ek[sel].merge(tk[tk["cohort"] == label].drop(columns="cohort"), on=keys, how="left")
                if keys
                else None
            )
            if keys:
                arr[sel] = m["_cell"].fillna(-1).to_numpy(dtype="int64")
            else:
                row = tk.loc[tk["cohort"] == label, "_cell"]
                arr[sel] = int(row.iloc[0]) if len(row) else -1
            per[label] = arr
        cell[name] = per
    return el, label_years, cell


def _partitions(label: str, label_years: dict[str, tuple]) -> list[list[str]]:
    """Ways to write a label's years as disjoint labels (itself first)."""
    years = label_years[label]
    out = [[label]]
    if len(years) > 1:
        out.append(list(years))
        for other, ys in label_years.items():
            if other != label and 1 < len(ys) < len(years) and set(ys) < set(years):
                out.append([other, *[y for y in years if y not in ys]])
    return out


def relations(
    tables: dict[str, pd.DataFrame], offsets: dict[str, int], elements=None
) -> pd.DataFrame:
    """Every exact-sum group among the tables (see above): rows (group, cell, is_total),
    cells numbered ``offsets[name] + row position`` (a group may appear more than once)."""
    if "offering" not in tables or not len(tables["offering"]):
        return pd.DataFrame(
            {
                "group": np.array([], "int64"),
                "cell": np.array([], "int64"),
                "is_total": np.array([], bool),
            }
        )
    el, label_years, cell = elements or _elements(tables, offsets)
    in_label = {label: el["year"].isin(years).to_numpy() for label, years in label_years.items()}
    n_cells = sum(len(t) for t in tables.values())
    rows_g, rows_c, rows_t = [], [], []
    gid = 0
    for bname in tables:
        for label in label_years:
            cb_all = cell[bname][label]
            sel = cb_all >= 0
            if not sel.any():
                continue
            for part in _partitions(label, label_years):
                for aname in tables:
                    if aname == bname and part == [label]:
                        continue
                    ca = np.full(len(el), -1, "int64")
                    for lab in part:
                        m = sel & in_label[lab]
                        ca[m] = cell[aname][lab][m]
                    if (ca[sel] < 0).any():
                        continue
                    a, b = ca[sel], cb_all[sel]
                    first_b = np.full(n_cells, -1, "int64")
                    first_b[a] = b
                    impure = np.bincount(a, weights=(b != first_b[a]), minlength=n_cells) > 0
                    bad = np.bincount(b, weights=impure[a], minlength=n_cells) > 0
                    # a cell of A outside b's years cannot touch b (labels in ``part`` only)
                    keep = ~bad[b]
                    if not keep.any():
                        continue
                    pairs = np.unique(b[keep] * n_cells + a[keep])
                    tb, ta = pairs // n_cells, pairs % n_cells
                    _, inv, cnt = np.unique(tb, return_inverse=True, return_counts=True)
                    trivial = (cnt[inv] == 1) & (ta == tb)
                    tb, ta = tb[~trivial], ta[~trivial]
                    if not len(tb):
                        continue
                    utb, inv = np.unique(tb, return_inverse=True)
                    rows_g += [gid + np.arange(len(utb)), gid + inv]
                    rows_c += [utb, ta]
                    rows_t += [np.ones(len(utb), bool), np.zeros(len(ta), bool)]
                    gid += len(utb)
    if not rows_g:
        return pd.DataFrame(
            {
                "group": np.array([], "int64"),
                "cell": np.array([], "int64"),
                "is_total": np.array([], bool),
            }
        )
    return pd.DataFrame(
        {
            "group": np.concatenate(rows_g),
            "cell": np.concatenate(rows_c),
            "is_total": np.concatenate(rows_t),
        }
    )


def complementary(
    withheld: np.ndarray, respondents: np.ndarray, rel: pd.DataFrame
) -> tuple[np.ndarray, int]:
    """Withhold more cells until no group of ``rel`` has exactly one withheld member (see the
    module docstring). Returns (cells newly withheld, passes)."""
    w = withheld.copy()
    group = rel["group"].to_numpy()
    cell = rel["cell"].to_numpy()
    is_total = rel["is_total"].to_numpy()
    n_groups = int(group.max()) + 1 if len(group) else 0
    passes = 0
    while n_groups:
        passes += 1
        unknown = np.bincount(group, weights=w[cell], minlength=n_groups)
        single = unknown == 1
        if not single.any():
            break
        cand = single[group] & ~w[cell]
        g, c, t = group[cand], cell[cand], is_total[cand]
        order = np.lexsort((c, respondents[c], t, g))
        _, first = np.unique(g[order], return_index=True)
        w[c[order][first]] = True
    return w & ~withheld, passes


# -- the exact audit ------------------------------------------------------------------------
#
# The group rule stops every single subtraction, but an attacker may combine several
# relations (e.g. a 2-digit trade total, its 4-digit trades and their offerings across three
# years). ``linear_audit`` finds every withheld cell whose value is a linear combination of
# published cells: with atoms (offering-years) as unknowns, a withheld cell is determined
# exactly when its atom vector lies in the row space of the published cells' atom vectors.
# Atoms pinned by a published cell with a single unknown atom are substituted first (peeling),
# then each connected block of what is left is checked by SVD. Cost grows with the block
# size, so ``publish`` runs it (and repairs) only while the free atoms stay within
# ``DisclosureSettings.audit_max_atoms``.


def memberships(
    tables: dict[str, pd.DataFrame], offsets: dict[str, int], elements=None
) -> tuple[np.ndarray, np.ndarray, int]:
    """(cell, atom) pairs: which offering-years every cell sums, and the number of atoms."""
    el, label_years, cell = elements or _elements(tables, offsets)
    cs, ats = [], []
    idx = np.arange(len(el))
    for per in cell.values():
        for arr in per.values():
            m = arr >= 0
            cs.append(arr[m])
            ats.append(idx[m])
    return np.concatenate(cs), np.concatenate(ats), len(el)


def linear_audit(
    withheld: np.ndarray,
    cells: np.ndarray,
    atoms: np.ndarray,
    n_atoms: int,
    max_atoms: int | None = None,
    redundant: np.ndarray | None = None,
) -> tuple[np.ndarray, int] | None:
    """Withheld cells computable exactly from the published ones (bool per cell) and the
    number of free atoms; ``None`` when a block has more than ``max_atoms`` free atoms.
    ``redundant``: published cells that are exact sums of other published cells (left out of
    the blocks: the row space is the same, the blocks smaller)."""
    # lazy: scipy is heavy to import; only this path needs it
    from scipy import sparse
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n_cells = len(withheld)
    pub = ~withheld[cells]
    free = np.ones(n_atoms, bool)
    while True:  # peel: a published cell with one free atom pins it
        m = pub & free[atoms]
        nfree = np.bincount(cells[m], minlength=n_cells)
        one = nfree[cells] == 1
        hit = np.unique(atoms[m & one])
        if not len(hit):
            break
        free[hit] = False
    determined = np.zeros(n_cells, bool)
    mfree = free[atoms]
    nfree_all = np.bincount(cells[mfree], minlength=n_cells)
    has_atoms = np.bincount(cells, minlength=n_cells) > 0
    determined |= withheld & has_atoms & (nfree_all == 0)
    rows = pub & mfree
    if redundant is not None:
        rows &= ~redundant[cells]
    if not rows.any() or not free.any():
        return determined, int(free.sum())
    # blocks: atoms linked by published rows
    fa = np.flatnonzero(free)
    pos = np.full(n_atoms, -1)
    pos[fa] = np.arange(len(fa))
    rc, ra = cells[rows], pos[atoms[rows]]
    rid, rpos = np.unique(rc, return_inverse=True)
    inc = coo_matrix((np.ones(len(ra)), (rpos, ra)), shape=(len(rid), len(fa))).tocsr()
    n_r = inc.shape[0]
    bip = sparse.bmat([[None, inc], [inc.T, None]]).tocsr()  # rows and atoms, no atom² matrix
    n_comp, lab = connected_components(bip, directed=False)
    comp = lab[n_r:]
    sizes = np.bincount(comp, minlength=n_comp)
    if max_atoms is not None and sizes.max() > max_atoms:
        return None
    # queries: withheld cells with free atoms
    q = withheld[cells] & mfree
    qc, qa = cells[q], pos[atoms[q]]
    qid, qpos = np.unique(qc, return_inverse=True)
    Q = coo_matrix((np.ones(len(qa)), (qpos, qa)), shape=(len(qid), len(fa))).tocsr()
    resid = np.zeros(len(qid))
    in_rows = np.asarray(inc.getnnz(axis=0)).ravel() > 0
    # a query touching an atom that no published row touches is free along that atom
    lonely = np.bincount(qpos, weights=~in_rows[qa], minlength=len(qid)) > 0
    resid[lonely] = np.inf
    checked = np.zeros(len(qid), bool)
    inc = inc.tocsc()
    Qc = Q.tocsc()
    qcomp = np.unique(comp[qa[~lonely[qpos]]])
    for k in qcomp:
        cols = np.flatnonzero(comp == k)
        sub = inc[:, cols]
        sub = sub[np.flatnonzero(sub.getnnz(axis=1))].toarray()
        qs = Qc[:, cols]
        qrows = np.flatnonzero((qs.getnnz(axis=1) > 0) & ~lonely)
        if not len(qrows) or not len(sub):
            continue
        qd = qs[qrows].toarray()
        _, sv, vt = np.linalg.svd(sub, full_matrices=False)
        r = int((sv > 1e-9 * max(sv[0], 1.0)).sum())
        v = vt[:r].T
        res = qd - (qd @ v) @ v.T
        resid[qrows] += (res * res).sum(axis=1)
        checked[qrows] = True
    determined[qid[checked & (resid < 1e-12)]] = True
    return determined, int(free.sum())


# -- publishing -----------------------------------------------------------------------------


@dataclass
class Publication:
    """Published tables, with what the audit (and the tests) need: the raw tables, the
    relations and which cells were withheld."""

    tables: dict[str, pd.DataFrame]
    raw: dict[str, pd.DataFrame]
    withheld: dict[str, np.ndarray]
    relations: pd.DataFrame
    offsets: dict[str, int]
    passes: int
    audited: bool = False
    """True when ``linear_audit`` ran and no withheld cell is computable from published
    ones by any linear combination (else only the group rule holds)."""


def _reason_text(
    code: np.ndarray, rr: np.ndarray, s: DisclosureSettings
) -> tuple[np.ndarray, np.ndarray]:
    en = np.full(len(code), None, dtype=object)
    vi = np.full(len(code), None, dtype=object)
    fill = {"n": s.min_respondents, "min": int(percent(s.min_response_rate))}
    for key, (e, v) in REASONS.items():
        m = code == key
        if not m.any():
            continue
        if key == "low_response":
            pct = percent(rr[m]).astype("int64")
            en[m] = [e.format(pct=p, **fill) for p in pct]
            vi[m] = [v.format(pct=p, **fill) for p in pct]
        else:
            n = s.min_wage_respondents if key == "few_wages" else s.min_respondents
            en[m], vi[m] = e.format(n=n, min=fill["min"]), v.format(n=n, min=fill["min"])
    return en, vi


def publish_table(
    raw: pd.DataFrame, name: str, withheld: np.ndarray, reason: np.ndarray, s: DisclosureSettings
) -> pd.DataFrame:
    """One table as published: withheld rows keep only keys, cohorts and the reason."""
    keys = [
        "cohort",
        *GROUPINGS.get(name, ()),
        *[
            c
            for c in raw.columns
            if c
            in (
                "institution_id",
                "institution_name",
                "programme_code",
                "level",
                "province_code",
                "trade_occupation",
                "isco2",
            )
            and c not in GROUPINGS.get(name, ())
        ],
    ]
    out = raw[[*dict.fromkeys(keys), "cohorts", "pooled"]].copy()
    ok = ~withheld
    for c in COUNTS_PUBLISHED:
        out[c] = pd.array(np.where(ok, round_to(raw[c], s.round_counts_to), np.nan), dtype="Int64")
    # a wave's rates also need that wave's own respondents (tracer v1.1: a graduate may have
    # answered one wave only); otherwise those rates alone are withheld, with the reason
    wave_ok = {den: ok & (raw[den].to_numpy() >= s.min_respondents) for den in WAVE_COUNTS}
    for r, (_, _, den) in RATES.items():
        r_ok = wave_ok.get(den, ok)
        v = percent(raw[r])
        out[f"{r}_pct"] = pd.array(np.where(r_ok, v, np.nan), dtype="Int64")
        if r != "response_rate":
            lo = np.floor(raw[f"{r}_lo"].to_numpy() * 100 + 1e-9)
            hi = np.ceil(raw[f"{r}_hi"].to_numpy() * 100 - 1e-9)
            out[f"{r}_lo_pct"] = pd.array(np.where(r_ok, lo, np.nan), dtype="Int64")
            out[f"{r}_hi_pct"] = pd.array(np.where(r_ok, hi, np.nan), dtype="Int64")
    for den, (en, vi) in WAVE_COUNTS.items():
        few = ok & ~wave_ok[den]
        out[f"{den}_suppressed_en"] = np.where(few, en.format(n=s.min_respondents), None)
        out[f"{den}_suppressed_vi"] = np.where(few, vi.format(n=s.min_respondents), None)
    wage_ok = ok & (raw["wage_n"].to_numpy() >= s.min_wage_respondents)
    for c in WAGES:
        out[c] = pd.array(
            np.where(wage_ok, round_to(raw[c], s.round_wages_to), np.nan), dtype="Int64"
        )
    wcode = np.where(ok & ~wage_ok, "few_wages", "")
    out["suppressed"] = withheld
    out["suppressed_reason"] = np.where(withheld, reason, None)
    en, vi = _reason_text(reason, raw["response_rate"].to_numpy(), s)
    out["suppressed_en"], out["suppressed_vi"] = en, vi
    wen, wvi = _reason_text(wcode, raw["response_rate"].to_numpy(), s)
    out["wage_suppressed_en"], out["wage_suppressed_vi"] = wen, wvi
    return out


def _audit_and_repair(
    raw,
    offsets,
    withheld,
    reason,
    resp,
    rel,
    s: DisclosureSettings,
    max_rounds: int = 100,
    elements=None,
) -> bool:
    """Run ``linear_audit``; while a withheld cell is determined, withhold the published cell
    with the fewest respondents that shares an offering-year with it, re-apply the group
    rule, audit again. Updates ``withheld``/``reason`` in place; True when clean."""
    cells, atoms, n_atoms = memberships(raw, offsets, elements)
    big = np.zeros(len(withheld), bool)  # province and nation rows: the blocks' glue
    for name in ("province", "nation"):
        if name in offsets:
            big[offsets[name] : offsets[name] + len(raw[name])] = True
    g, c, t = (rel[k].to_numpy() for k in ("group", "cell", "is_total"))
    for _ in range(max_rounds):
        # a province/nation total of an all-published group adds nothing to the row space
        # (a province only as the sum of finer cells, so that no row leans on another dropped
        # one in a circle)
        n_g = int(g.max()) + 1 if len(g) else 0
        open_g = np.bincount(g, weights=withheld[c], minlength=n_g) == 0
        redundant = np.zeros(len(withheld), bool)
        sel = t & open_g[g] & big[c]
        nation = (offsets.get("nation", -1), offsets.get("nation", -1) + len(raw.get("nation", ())))
        is_nation = (c >= nation[0]) & (c < nation[1])
        # provinces: only groups of finer parts; the nation: any all-published group
        part_big = np.bincount(g, weights=(~t) & big[c], minlength=n_g) > 0
        sel &= is_nation | ~part_big[g]
        redundant[c[sel]] = True
        got = linear_audit(withheld, cells, atoms, n_atoms, s.audit_max_atoms, redundant)
        if got is None:
            return False
        det = got[0]
        if not det.any():
            return True
        # published cells sharing an atom with a determined cell
        atom_det = np.zeros(n_atoms, bool)
        atom_det[atoms[det[cells]]] = True
        cand_mask = ~withheld[cells] & atom_det[atoms]
        small = cand_mask & ~big[cells]  # never a province or the nation when avoidable
        cand_mask = small if small.any() else cand_mask
        if not cand_mask.any():
            return False
        # one new cell per determined cell: the smallest candidate touching it
        pair_c = cells[cand_mask]
        pair_a = atoms[cand_mask]
        det_of_atom = np.full(n_atoms, -1)
        det_cells = cells[det[cells]]
        det_of_atom[atoms[det[cells]]] = det_cells
        owner = det_of_atom[pair_a]
        order = np.lexsort((pair_c, resp[pair_c], owner))
        _, first = np.unique(owner[order], return_index=True)
        new = np.unique(pair_c[order][first])
        withheld[new] = True
        reason[new] = "complementary"
        extra, _ = complementary(withheld, resp, rel)
        reason[extra] = "complementary"
        withheld |= extra
    return False


def publish(
    raw: dict[str, pd.DataFrame], settings: DisclosureSettings | None = None
) -> Publication:
    """Apply every rule to the raw tables of ``tables.outcome_tables``."""
    s = settings or DisclosureSettings()
    names = list(raw)
    offsets, n = {}, 0
    for name in names:
        offsets[name] = n
        n += len(raw[name])
    reason = np.full(n, "", dtype=object)
    resp = np.zeros(n, "int64")
    for name in names:
        sl = slice(offsets[name], offsets[name] + len(raw[name]))
        reason[sl] = primary(raw[name], s)
        resp[sl] = raw[name]["respondents"].to_numpy()
    withheld = reason != ""
    elements = _elements(raw, offsets) if len(raw.get("offering", ())) else None
    rel = relations(raw, offsets, elements)
    passes = 0
    audited = False
    if s.complementary:
        extra, passes = complementary(withheld, resp, rel)
        reason[extra] = "complementary"
        withheld |= extra
        if s.audit and elements is not None:
            audited = _audit_and_repair(
                raw, offsets, withheld, reason, resp, rel, s, elements=elements
            )
    out, wh = {}, {}
    for name in names:
        sl = slice(offsets[name], offsets[name] + len(raw[name]))
        wh[name] = withheld[sl]
        out[name] = publish_table(raw[name], name, withheld[sl], reason[sl], s)
    return Publication(out, raw, wh, rel, offsets, passes, audited)


def headline(published: pd.DataFrame, name: str) -> pd.DataFrame:
    """Per key the figure to show first: the latest year when published, else the latest two
    years pooled, else three (marked ``pooled``, with its ``cohorts``); a key without any
    published label keeps its widest pooled row (withheld, with the reason)."""
    keys = list(GROUPINGS[name])
    if not len(published):
        return published.reset_index(drop=True)
    labels = published[["cohort", "cohorts", "pooled"]].drop_duplicates("cohort")
    years = sorted(labels.loc[~labels["pooled"], "cohort"])
    pools = (
        labels[labels["pooled"]]
        .assign(k=lambda x: x["cohorts"].str.count(","))
        .sort_values("k")["cohort"]
        .tolist()
    )
    order = ([years[-1]] if years else []) + pools
    rank = {c: i for i, c in enumerate(order)}
    df = published[published["cohort"].isin(rank)].assign(
        _rank=lambda x: x["cohort"].map(rank), _w=lambda x: x["suppressed"].astype(int)
    )
    # published first (by rank), else the widest pool
    df = df.assign(
        _r2=np.where(df["_w"] == 0, df["_rank"], len(order) + (len(order) - df["_rank"]))
    )
    df = df.sort_values([*keys, "_r2"]) if keys else df.sort_values("_r2")
    best = df.drop_duplicates(keys or None, keep="first") if keys else df.head(1)
    return best.drop(columns=["_rank", "_w", "_r2"]).reset_index(drop=True)
